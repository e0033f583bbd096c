import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/model/types.js';
import { codes, compileText } from '../helpers/compile.js';

function host(m: Model, id: string) {
  return m.hosts.find((h) => h.id === id)!;
}

const threeHosts = `
tenants:
  blue: { vni: 100, cidrs: [10.1.0.0/24, "fd00:1::/64"] }
  red: { cidrs: [10.1.0.0/24] }
sites:
  s1:
    hosts:
      a: { nics: { eth1: { address: 192.0.2.1/24 } }, tenants: { blue: {}, red: {} } }
      b: { nics: { eth1: { address: 192.0.2.2/24 } }, tenants: { blue: {} } }
      c: { nics: { eth1: { address: 192.0.2.3/24, mtu: 9000 } }, tenants: { blue: { address: 10.1.0.9 } } }
`;

describe('resolve: tenant presence', () => {
  it('derives namespace, veth, bridge and VXLAN with stable short names', async () => {
    const r = await compileText(threeHosts);
    expect(codes(r)).toEqual([]);
    const a = host(r.model!, 's1/a');
    expect(a.namespaces.map((n) => n.name)).toEqual(['blue', 'red']);
    const names = a.links.map((l) => `${l.kind}:${l.name}`);
    expect(names).toContain('bridge:blue-br');
    expect(names).toContain('vxlan:blue-vxl-100');
    const veth = a.namespaces[0].links[0];
    expect(veth.kind).toBe('veth');
    expect(veth.veth?.peerBridge).toBe('blue-br');
    // red is on one host only: no tunnel
    expect(names.some((n) => n.startsWith('vxlan:red'))).toBe(false);
  });
  it('uses head-end replication for more than one peer, and Remote= for exactly one', async () => {
    const r = await compileText(threeHosts);
    const vx = host(r.model!, 's1/a').links.find((l) => l.name === 'blue-vxl-100')!;
    expect(vx.vxlan?.remote).toBeUndefined();
    expect(vx.vxlan?.fdb).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(vx.vxlan?.local).toBe('192.0.2.1');
  });
  it('derives the tenant MTU from the underlay minus the VXLAN overhead', async () => {
    const r = await compileText(threeHosts);
    expect(host(r.model!, 's1/a').links.find((l) => l.name === 'blue-br')!.mtu).toBe(1450);
    expect(host(r.model!, 's1/c').links.find((l) => l.name === 'blue-br')!.mtu).toBe(8950);
  });
  it('allocates dual-stack addresses from the tenant pools, skipping explicit ones', async () => {
    const r = await compileText(threeHosts);
    const addrs = (id: string, ns = 'blue') => host(r.model!, id).namespaces.find((n) => n.name === ns)!.links[0].addresses.map((a) => a.text);
    expect(addrs('s1/a')).toEqual(['10.1.0.1/24', 'fd00:1::1/64']);
    expect(addrs('s1/b')).toEqual(['10.1.0.2/24', 'fd00:1::2/64']);
    expect(addrs('s1/c')).toEqual(['10.1.0.9/24']);
    // the VNI of red is allocated; overlapping CIDRs across tenants are fine
    expect(r.model!.tenants.find((t) => t.name === 'red')!.vni).toBe(10000);
    expect(addrs('s1/a', 'red')).toEqual(['10.1.0.1/24']);
  });
  it('pins derived names by hand', async () => {
    const r = await compileText(`
tenants: { microsoft: { vni: 10 } }
sites: { lab: { hosts: { n1: { tenants: { microsoft: { names: { bridge: msft-br, veth_ns: msft-veth1, veth_host: msft-veth0 } } } } } } }
`);
    const h = host(r.model!, 'lab/n1');
    expect(h.links.map((l) => l.name)).toContain('msft-br');
    expect(h.namespaces[0].links[0].name).toBe('msft-veth1');
    // without a short name, "microsoft-vxl-10" would not fit in 15 bytes: a hashed short form is used
    const unpinned = await compileText('tenants: { microsoft: { vni: 10 } }\nsites: { lab: { hosts: { n1: { nics: { e: { address: 192.0.2.1/24 } }, tenants: { microsoft: {} } }, n2: { nics: { e: { address: 192.0.2.2/24 } }, tenants: { microsoft: {} } } } } }\n');
    const vx = host(unpinned.model!, 'lab/n1').links.find((l) => l.kind === 'vxlan')!;
    expect(Buffer.byteLength(vx.name)).toBeLessThanOrEqual(15);
  });
});

describe('resolve: stable allocation', () => {
  const before = `
tenants:
  blue: { cidrs: [10.1.0.0/24, "fd00:1::/64"] }
  green: { cidrs: [10.2.0.0/24] }
sites:
  s1:
    hosts:
      h2: { nics: { eth1: { address: 192.0.2.2/24 } }, tenants: { blue: {}, green: {} }, tables: { t_a: null } }
      h3: { nics: { eth1: { address: 192.0.2.3/24 } }, tenants: { blue: {}, green: {} }, tables: { t_a: null } }
`;
  // A host and a tenant inserted before the existing ones, and a table before the existing table.
  const after = `
tenants:
  amber: { cidrs: [10.1.0.0/24] }
  blue: { cidrs: [10.1.0.0/24, "fd00:1::/64"] }
  green: { cidrs: [10.2.0.0/24] }
sites:
  s1:
    hosts:
      h1: { nics: { eth1: { address: 192.0.2.1/24 } }, tenants: { amber: {}, blue: {}, green: {} }, tables: { t_0: null } }
      h2: { nics: { eth1: { address: 192.0.2.2/24 } }, tenants: { amber: {}, blue: {}, green: {} }, tables: { t_0: null, t_a: null } }
      h3: { nics: { eth1: { address: 192.0.2.3/24 } }, tenants: { blue: {}, green: {} }, tables: { t_a: null } }
`;
  function allocations(m: Model) {
    const out: Record<string, string> = {};
    for (const t of m.tenants) out[`vni ${t.name}`] = String(t.vni);
    for (const h of m.hosts) {
      for (const t of h.tables) out[`table ${h.id} ${t.name}`] = String(t.id);
      for (const ns of h.namespaces) for (const l of ns.links) out[`${h.id} ${ns.name} ${l.name}`] = `${l.addresses.map((a) => a.text).join(',')} ${l.mac} ${l.veth?.peer}`;
      for (const l of h.links) out[`${h.id} ${l.name}`] = `${l.mac ?? ''} ${l.vxlan?.vni ?? ''}`;
    }
    return out;
  }
  it('an inserted host and tenant renumber nothing that existed (with the lock file)', async () => {
    const first = await compileText(before);
    expect(codes(first)).toEqual([]);
    const second = await compileText(after, 'inv.yaml', first.lock!.text);
    expect(codes(second)).toEqual([]);
    const a = allocations(first.model!);
    const b = allocations(second.model!);
    for (const [k, v] of Object.entries(a)) expect(b[k], k).toBe(v);
    // and the new ones got fresh values that do not collide
    expect(b['vni amber']).not.toBe(b['vni blue']);
    expect(b['s1/h1 blue blue-veth1']).not.toBe(a['s1/h2 blue blue-veth1']);
  });
  it('the lock file is sorted, diff-friendly YAML', async () => {
    const r = await compileText(before);
    const lines = r.lock!.text.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toContain('  blue/s1/h2/ipv4: 10.1.0.1');
    const addrKeys = r.lock!.text.split('addresses:')[1].split('vnis:')[0].trim().split('\n').map((l) => l.trim().split(':')[0]);
    expect([...addrKeys].sort()).toEqual(addrKeys);
  });
});

describe('resolve: host routes', () => {
  it('puts a gateway route on the link holding the gateway and a blackhole route on a managed link', async () => {
    const r = await compileText(`
sites: { s: { hosts: { h: {
  nics: { eth0: { address: 192.0.2.10/24 }, eth1: { address: "2001:db8::10/64" } },
  routes: [ { to: 10.0.0.0/8, via: 192.0.2.1 }, { to: 10.66.0.0/16, type: blackhole }, { to: "2001:db8:1::/48", via: "2001:db8::1" } ] } } } }
`);
    expect(codes(r)).toEqual([]);
    const h = r.model!.hosts[0];
    const eth0 = h.links.find((l) => l.name === 'eth0')!;
    const eth1 = h.links.find((l) => l.name === 'eth1')!;
    expect(eth0.routes.map((x) => x.to)).toEqual(['10.0.0.0/8', '10.66.0.0/16']);
    expect(eth0.routes[1].dev).toBeUndefined();
    expect(eth1.routes.map((x) => x.to)).toEqual(['2001:db8:1::/48']);
  });
});
