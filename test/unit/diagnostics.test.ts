import { describe, expect, it } from 'vitest';
import { at, codes, compileText } from '../helpers/compile.js';

const base = (hosts: string, tenants = '') => `tenants:\n${tenants || '  t1: { vni: 100, cidrs: [10.1.0.0/24] }\n'}sites:\n  s1:\n    hosts:\n${hosts}`;

describe('load: YAML problems are positioned', () => {
  it('reports syntax errors and duplicate keys with line and column', async () => {
    const r = await compileText('tenants:\n  a: {vni: 1}\n  a: {vni: 2}\n');
    expect(codes(r)).toEqual(['NG1002']);
    expect(at(r, 'NG1002')).toEqual(['3:3']);
    const s = await compileText('sites:\n  s1: {hosts: [\n');
    expect(codes(s)[0]).toBe('NG1001');
  });
  it('refuses alias bombs', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const r = await compileText(lines.join('\n'));
    expect(codes(r)).toContain('NG1004');
  });
});

describe('schema: every problem at once, at the object that is wrong', () => {
  it('unknown key with did-you-mean, wrong type, bad enum, missing field', async () => {
    const r = await compileText(
      base(`      h1:
        nics:
          eth0: { adress: 10.0.0.1/24 }
        bonds:
          bond0: { mode: lacp, members: [eth0] }
          bond1: { mode: 802.3ad }
        vlans:
          eth0.5: { mtu: big }
`),
    );
    expect(codes(r).sort()).toEqual(['NG2001', 'NG2002', 'NG2003', 'NG2004'].sort());
    const unknown = r.bag.items.find((d) => d.code === 'NG2001')!;
    expect(unknown.hint).toContain("did you mean 'address'");
    expect(`${unknown.position?.line}:${unknown.position?.col}`).toBe('8:19');
    expect(at(r, 'NG2004')).toEqual(['10:26']);
  });
  it('invalid names and addresses', async () => {
    const r = await compileText(base(`      'bad;name':\n        nics: { eth0: { address: 10.0.0.300/24 } }\n`));
    expect(codes(r).sort()).toEqual(['NG2005', 'NG2006']);
  });
  it('control characters in free text', async () => {
    const r = await compileText(base(`      h1:\n        description: "two\\nlines"\n`));
    expect(codes(r)).toEqual(['NG2007']);
  });
});

describe('semantic checks', () => {
  it('overlapping CIDRs inside one tenant, but not across tenants', async () => {
    const r = await compileText('tenants:\n  a: { vni: 1, cidrs: [10.0.0.0/16, 10.0.3.0/24] }\n  b: { vni: 2, cidrs: [10.0.0.0/16] }\n');
    expect(codes(r)).toEqual(['NG4001']);
    expect(at(r, 'NG4001')).toEqual(['2:37']);
    expect(r.bag.items[0].related?.[0].message).toBe('overlapping CIDR');
  });
  it('VNI reuse points at the second tenant, with the first as related', async () => {
    const r = await compileText('tenants:\n  a: { vni: 7 }\n  b: { vni: 7 }\n');
    expect(codes(r)).toEqual(['NG5001']);
    expect(at(r, 'NG5001')).toEqual(['3:13']);
    expect(r.bag.items[0].related?.[0].position?.line).toBe(2);
  });
  it('VNI and VLAN ranges', async () => {
    const r = await compileText(base(`      h1:\n        nics: { eth0: {} }\n        vlans: { eth0.5000: {}, v1: { link: eth0, id: 0 } }\n`, '  t1: { vni: 16777216 }\n'));
    expect(codes(r).sort()).toEqual(['NG5002', 'NG5003']);
  });
  it('address outside the tenant, duplicate address in a tenant, shared addresses allowed', async () => {
    const r = await compileText(
      base(
        `      h1:\n        nics: { eth0: { address: 192.0.2.1/24 } }\n        tenants: { t1: { address: 10.1.0.4 } }\n      h2:\n        nics: { eth0: { address: 192.0.2.2/24 } }\n        tenants: { t1: { address: 10.1.0.4 } }\n      h3:\n        nics: { eth0: { address: 192.0.2.3/24 } }\n        tenants: { t1: { address: 10.9.0.4 } }\n`,
      ),
    );
    expect(codes(r).sort()).toEqual(['NG4002', 'NG4003']);
    expect(at(r, 'NG4003')).toEqual(['11:35']);
    const shared = await compileText(
      base(
        `      h1:\n        nics: { eth0: { address: 192.0.2.1/24 } }\n        tenants: { t1: { address: 10.1.0.1 } }\n      h2:\n        nics: { eth0: { address: 192.0.2.2/24 } }\n        tenants: { t1: { address: 10.1.0.1 } }\n`,
        '  t1: { vni: 100, cidrs: [10.1.0.0/24], shared_addresses: [10.1.0.1] }\n',
      ),
    );
    expect(codes(shared)).toEqual([]);
  });
  it('MTU that VXLAN overhead does not fit', async () => {
    const r = await compileText(
      base(`      h1:\n        nics: { eth0: { address: 192.0.2.1/24 } }\n        tenants: { t1: {} }\n      h2:\n        nics: { eth0: { address: 192.0.2.2/24 } }\n        tenants: { t1: {} }\n`, '  t1: { vni: 100, mtu: 1500, cidrs: [10.1.0.0/24] }\n'),
    );
    expect(codes(r)).toEqual(['NG5005', 'NG5005']);
    expect(r.bag.items[0].hint).toContain('1450');
  });
  it('interface names longer than 15 bytes and unknown references with hints', async () => {
    const r = await compileText(base(`      h1:\n        nics: { eth0: {} }\n        bridges: { this-name-is-too-long: { members: [eht0] } }\n`));
    expect(codes(r).sort()).toEqual(['NG3001', 'NG3003']);
    expect(r.bag.items.find((d) => d.code === 'NG3001')!.hint).toContain("'eth0'");
  });
  it('a member used by two bridges', async () => {
    const r = await compileText(base(`      h1:\n        nics: { eth0: {} }\n        bridges: { br0: { members: [eth0] }, br1: { members: [eth0] } }\n`));
    expect(codes(r)).toEqual(['NG3004']);
  });
});
