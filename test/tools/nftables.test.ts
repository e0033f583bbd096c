import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';
import { deleteNetns, kernelHasBridgeConntrack, makeNetns, nftCheck, nftIn, ruleLines, withoutBridgeCt } from './nftables-lib.js';

/** Which examples carry rulesets, and where (inventory → files). */
const NFT_FILES: Partial<Record<(typeof EXAMPLES)[number], string[]>> = {
  ganeti: ['grnet/ena/etc/netgen/nftables/root.nft'],
  'proxmox-vyos-ceph': ['homelab/ceph01/etc/netgen/nftables/netns/tenantA.nft', 'homelab/ceph01/etc/netgen/nftables/netns/tenantC.nft', 'homelab/ceph01/etc/netgen/nftables/root.nft'],
  'stretched-sites': ['knox/compute1/etc/netgen/nftables/root.nft', 'knox/controller/etc/netgen/nftables/netns/qrouter-mosler.nft'],
};

/** Per file: rule count and what the kernel said; printed once at the end (the numbers the report quotes). */
const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`nftables files:\n${measured.join('\n')}`);
});

/** A table netgen does not own, loaded first: it must survive every netgen load. */
const FOREIGN = 'table ip keepme {\n\tchain c {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tcounter\n\t}\n}\n';

/** Loads a file for real, twice, and returns the netgen tables after each load plus the foreign table. */
function loadTwice(file: string): { first: string; second: string; foreign: string } {
  const ns = makeNetns('load');
  try {
    const foreign = path.join(path.dirname(file), 'foreign.nft');
    writeFileSync(foreign, FOREIGN);
    expect(nftIn(ns, ['-f', foreign]).status).toBe(0);
    const text = readFileSync(file, 'utf8');
    const tables = [...text.matchAll(/^table (inet|bridge) netgen \{$/gm)].map((m) => m[1]);
    const list = () => tables.map((f) => nftIn(ns, ['list', 'table', f, 'netgen']).stdout).join('\n');
    const load = () => {
      const r = nftIn(ns, ['-f', file]);
      expect(r.stderr, file).toBe('');
      expect(r.status, file).toBe(0);
    };
    load();
    const first = list();
    load();
    const second = list();
    return { first, second, foreign: nftIn(ns, ['list', 'table', 'ip', 'keepme']).stdout };
  } finally {
    deleteNetns(ns);
  }
}

describe.each(EXAMPLES)('nftables rulesets of %s', (example) => {
  let built: Built;
  let ns: string | undefined;
  beforeAll(() => {
    requireTool('nft', 'nftables');
    requireRoot();
    built = buildExample(example);
  });
  afterAll(() => {
    if (ns) deleteNetns(ns);
    built?.cleanup();
  });

  it('nft -c accepts every file (inside a throwaway namespace)', () => {
    const files = built.files('nftables').map((f) => f.path).sort();
    expect(files).toEqual(NFT_FILES[example] ?? []);
    ns = makeNetns('check');
    for (const f of files) {
      const r = nftCheck(ns, built.abs(f));
      const rules = ruleLines(built.read(f)).length;
      measured.push(`  ${example}/${f}: ${rules} rules, nft -c ${r.ok ? 'ok' : 'FAILED'}${r.strippedForKernel ? ` (kernel lacks bridge conntrack: ${r.strippedForKernel} bridge ct rules judged by parse only)` : ''}`);
      expect(r.errors, f).toEqual([]);
      expect(r.ok, f).toBe(true);
    }
  });

  it('every rule names the inventory object it came from', () => {
    for (const f of built.files('nftables')) {
      const rules = ruleLines(built.read(f.path));
      expect(rules.length, f.path).toBeGreaterThan(0);
      for (const r of rules) expect(r, f.path).toMatch(/ comment "[^"]*(firewall|nat\[|security_groups)[^"]*"$/);
    }
  });

  it('loads for real twice: identical tables, no duplicates, other tables untouched', () => {
    for (const f of built.files('nftables')) {
      const file = kernelHasBridgeConntrack() ? built.abs(f.path) : withoutBridgeCt(built.abs(f.path));
      const { first, second, foreign } = loadTwice(file);
      expect(second, f.path).toBe(first);
      expect(first, f.path).toMatch(/table (inet|bridge) netgen/);
      expect(foreign).toContain('table ip keepme');
      expect(foreign).toContain('counter');
    }
  });

  it('namespace rulesets are loaded by the namespace script, the host ruleset by a unit', () => {
    for (const f of built.files('nftables')) {
      const host = f.path.split('/').slice(0, 2).join('/');
      const m = /etc\/netgen\/nftables\/netns\/([^/]+)\.nft$/.exec(f.path);
      if (m) expect(built.read(`${host}/usr/local/lib/netgen/netns-up.sh`)).toContain(`ip netns exec ${m[1]} nft -f /etc/netgen/nftables/netns/${m[1]}.nft\n`);
      else {
        const unit = built.read(`${host}/etc/systemd/system/netgen-nftables.service`);
        expect(unit).toContain('ExecStart=/usr/sbin/nft -f /etc/netgen/nftables/root.nft\n');
        expect(unit).toMatch(/Before=network-pre\.target network-online\.target/);
        const verify = run('systemd-analyze', ['verify', built.abs(`${host}/etc/systemd/system/netgen-nftables.service`)]);
        expect(verify.stderr.trim(), 'systemd-analyze verify').toBe('');
        expect(verify.status).toBe(0);
      }
    }
  });
});

/** IPv6 everywhere the seeds use IPv4, plus masquerade, DNAT and ports: every builder path once. */
const DUAL_STACK = `
security_groups:
  web:
    rules:
      - { direction: ingress, proto: tcp, ports: 443 }
      - { direction: ingress, proto: icmp, remote: "2001:db8:1::/64" }
      - { direction: ingress, remote_group: web }
      - { direction: egress, proto: udp, ports: "53", remote: "2001:db8::53/128" }
      - { direction: egress, ports: "8000-8080" }
  1ops:
    rules:
      - { direction: ingress, proto: tcp, ports: 22, remote: 10.9.0.0/16 }
sites:
  lab:
    hosts:
      h1:
        nics:
          eth0: { addresses: [192.0.2.10/24, "2001:db8:ff::10/64"] }
        bridges:
          br-vm: { members: [tapvm1, tapvm2] }
        taps:
          tapvm1: {}
          tapvm2: {}
          taprt:
            routes:
              - { to: 198.51.100.7/32 }
              - { to: "2001:db8:7::/64" }
          taprt6:
            routes:
              - { to: "2001:db8:8::/64" }
        veths:
          vsvc: { peer: vsvc-br, addresses: ["2001:db8:5::1/64", 10.55.0.1/24] }
        firewall:
          anti_spoofing: true
          services:
            api6: { address: "2001:db8:5::1", ports: [8443, "9000-9100"], proto: tcp, allow: ["2001:db8:1::/64", "2001:db8:2::7/128"], description: api over IPv6 }
            dns: { address: 10.55.0.1, ports: [53], allow: [10.0.0.0/8] }
            routed: { address: 198.51.100.7, allow: [192.0.2.0/24] }
          ports:
            tapvm1: { bridge: br-vm, mac: "02:00:00:00:00:01", addresses: [10.9.1.5, "2001:db8:1::5"], groups: [web, 1ops] }
            tapvm2: { bridge: br-vm, mac: "02:00:00:00:00:02", addresses: ["2001:db8:1::6"], groups: [web] }
        nat:
          - { type: masquerade, out: eth0, description: everything out of eth0 }
          - { type: masquerade, out: eth0, from: [10.9.0.0/16, "2001:db8:1::/64"] }
          - { type: snat, out: eth0, from: ["2001:db8:1::/64"], to_prefix: ["2001:db8:ff::/48"], to: "2001:db8:ff::10", proto: udp, port: "1000-2000" }
          - { type: dnat, in: eth0, to_prefix: [192.0.2.10/32], proto: tcp, port: 8080, to: 10.9.1.5, to_port: 80 }
          - { type: dnat, in: eth0, proto: tcp, port: 443, to: "2001:db8:1::5", to_port: 8443 }
          - { type: dnat, in: eth0, port: 53, to: 10.55.0.1 }
`;

describe('every builder path, IPv4 and IPv6', () => {
  let dir: string;
  let built: Built;
  let ns: string | undefined;
  beforeAll(() => {
    requireTool('nft', 'nftables');
    requireRoot();
    dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-nft-'));
    writeFileSync(path.join(dir, 'dual.yaml'), DUAL_STACK);
    built = buildExample(path.join(dir, 'dual.yaml'));
  });
  afterAll(() => {
    if (ns) deleteNetns(ns);
    built?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nft -c accepts it and it loads twice identically', () => {
    const [file] = built.files('nftables').map((f) => f.path);
    expect(file).toBe('lab/h1/etc/netgen/nftables/root.nft');
    ns = makeNetns('dual');
    const r = nftCheck(ns, built.abs(file));
    measured.push(`  dual-stack fixture: ${ruleLines(built.read(file)).length} rules, nft -c ${r.ok ? 'ok' : 'FAILED'}`);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    const { first, second } = loadTwice(kernelHasBridgeConntrack() ? built.abs(file) : withoutBridgeCt(built.abs(file)));
    expect(second).toBe(first);
  });

  it('gives IPv6 the same treatment: SNAT/DNAT, services with neighbour discovery, anti-spoofing, group sets', () => {
    const text = built.read('lab/h1/etc/netgen/nftables/root.nft');
    expect(text).toContain('ip6 saddr 2001:db8:1::/64 ip6 daddr 2001:db8:ff::/48 meta l4proto udp th dport 1000-2000 snat ip6 to 2001:db8:ff::10');
    expect(text).toContain('iifname "eth0" meta l4proto tcp th dport 443 dnat ip6 to [2001:db8:1::5]:8443');
    expect(text).toContain('ip daddr 192.0.2.10 meta l4proto tcp th dport 8080 dnat ip to 10.9.1.5:80');
    expect(text).toMatch(/oifname "eth0" masquerade comment/);
    expect(text).toContain('oifname "eth0" ip saddr 10.9.0.0/16 masquerade');
    expect(text).toContain('oifname "eth0" ip6 saddr 2001:db8:1::/64 masquerade');
    expect(text).toContain('ip6 daddr 2001:db8:5::1 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept');
    expect(text).toContain('ip6 daddr 2001:db8:5::1 ip6 saddr { 2001:db8:1::/64, 2001:db8:2::7 } meta l4proto tcp th dport { 8443, 9000-9100 } accept');
    // Not an address of h1: the routed service is protected in forward, not input.
    expect(text).toMatch(/chain forward \{[^}]*ip daddr 198\.51\.100\.7 ip saddr 192\.0\.2\.0\/24 accept/);
    expect(text).toContain('iifname "taprt" ip6 saddr != { fe80::/10, 2001:db8:7::/64 } counter drop');
    expect(text).toContain('iifname "taprt6" meta nfproto ipv4 counter drop');
    expect(text).toContain('ether type ip6 ip6 saddr != { fe80::/10, ::, 2001:db8:1::5 } counter drop');
    expect(text).toContain('ether type ip counter drop comment "h1 firewall.ports.tapvm2: IPv4 anti-spoofing"');
    expect(text).toMatch(/set sg-web-v6 \{[^}]*elements = \{ 2001:db8:1::5, 2001:db8:1::6 \}/);
    expect(text).toContain('ether type ip6 ip6 saddr 2001:db8:1::/64 meta l4proto ipv6-icmp accept');
    expect(text).toContain('meta l4proto tcp th dport 443 accept comment "security_groups.web.rules[0]"');
  });
});
