import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';

/**
 * vtysh --dryrun parses the file with the CLI grammar of every daemon and exits 2 with
 * `line N: % Unknown command[...]` (or `% Ambiguous`/`% Incomplete`) on stderr for each bad line;
 * a clean file gives exit 0 and no output.
 */
function dryrun(file: string): { status: number; errors: string[] } {
  const r = run('vtysh', ['--dryrun', '-f', file]);
  const errors = (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '');
  return { status: r.status, errors };
}

/** Which examples carry FRR instances (linux hosts or namespaces with `bgp:`). */
const FRR_FILES: Partial<Record<(typeof EXAMPLES)[number], string[]>> = {
  'proxmox-vyos-ceph': ['homelab/ceph01/etc/frr/tenantA/frr.conf', 'homelab/ceph01/etc/frr/tenantC/frr.conf'],
};

describe.each(EXAMPLES)('FRR configs of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('vtysh --dryrun accepts every frr.conf with zero errors', () => {
    requireTool('vtysh', 'frr');
    built = buildExample(example);
    const confs = built.files('frr').filter((f) => f.path.endsWith('/frr.conf')).map((f) => f.path);
    expect(confs.sort()).toEqual(FRR_FILES[example] ?? []);
    for (const conf of confs) {
      const r = dryrun(built.abs(conf));
      expect(r.errors, conf).toEqual([]);
      expect(r.status, conf).toBe(0);
    }
  });
});

describe('the dryrun judge itself', () => {
  it('rejects a broken line with its line number (so a pass means something)', () => {
    requireTool('vtysh', 'frr');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-frr-'));
    try {
      writeFileSync(path.join(dir, 'bad.conf'), 'router bgp 64515\n bgp router-idx 10.0.3.3\nexit\n');
      const r = dryrun(path.join(dir, 'bad.conf'));
      expect(r.status).toBe(2);
      expect(r.errors).toEqual([expect.stringMatching(/^line 2: % Unknown command.*bgp router-idx 10\.0\.3\.3/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every feature of the BGP section at once: root instance, IPv6, EVPN, update-source, empty/missing lists. */
const FEATURES = `
sites:
  lab:
    hosts:
      node1:
        nics:
          eth0: { addresses: [192.0.2.10/24, 2001:db8:0:1::10/64] }
        bgp:
          asn: 4200000001
          router_id: 192.0.2.10
          networks: [198.51.100.0/24, 2001:db8:100::/48]
          advertise_all_vni: true
          neighbors:
            - { address: 192.0.2.1, remote_as: 4200000001, update_source: eth0, address_families: [l2vpn-evpn], description: "spine 1 ! not a comment \\"quoted\\" #x" }
            - { address: 192.0.2.2, remote_as: 65002, address_families: [ipv4-unicast, l2vpn-evpn], import: [10.0.0.0/8], export: [] }
            - { address: 2001:db8:0:1::1, remote_as: external, import: [2001:db8:200::/48], ebgp_multihop: 2 }
            - { address: 2001:db8:0:1::2, remote_as: internal, update_source: 2001:db8:0:1::10, address_families: [ipv4-unicast, ipv6-unicast], import: [10.1.0.0/16, 2001:db8:300::/48], export: [198.51.100.0/24] }
        namespaces:
          blue_1:
            nics:
              eth1: { address: 2001:db8:5::3/64 }
            bgp:
              asn: 64600
              router_id: 10.255.0.1
              listen: 2001:db8:5::3
              networks: [2001:db8:500::/48]
              neighbors:
                - { address: 2001:db8:5::2, remote_as: 64513, import: [2001:db8::/32] }
`;

describe('FRR configs of every BGP feature', () => {
  let built: Built;
  let dir: string;
  afterAll(() => {
    built?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  it('are accepted by vtysh --dryrun and carry the policy the inventory asks for', () => {
    requireTool('vtysh', 'frr');
    dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-frr-'));
    const inv = path.join(dir, 'features.yaml');
    writeFileSync(inv, FEATURES);
    built = buildExample(inv);
    const confs = built.files('frr').filter((f) => f.path.endsWith('/frr.conf')).map((f) => f.path).sort();
    expect(confs).toEqual(['lab/node1/etc/frr/blue_1/frr.conf', 'lab/node1/etc/frr/frr.conf']);
    for (const conf of confs) expect(dryrun(built.abs(conf)), conf).toEqual({ status: 0, errors: [] });

    const root = built.read('lab/node1/etc/frr/frr.conf');
    expect(root).toContain('router bgp 4200000001\n bgp router-id 192.0.2.10\n no bgp default ipv4-unicast\n');
    expect(root).toContain(' neighbor 192.0.2.1 description spine 1 ! not a comment "quoted" #x\n');
    expect(root).toContain(' neighbor 192.0.2.1 update-source eth0\n');
    expect(root).toContain(' neighbor 2001:db8:0:1::1 ebgp-multihop 2\n');
    expect(root).toMatch(/ address-family l2vpn evpn\n  advertise-all-vni\n  neighbor 192\.0\.2\.1 activate\n  neighbor 192\.0\.2\.2 activate\n  neighbor 192\.0\.2\.2 route-map NG-EVPN in\n/);
    // iBGP EVPN needs no policy; only the eBGP EVPN neighbor gets the explicit EVPN permit.
    expect(root).not.toMatch(/neighbor 192\.0\.2\.1 route-map/);
    // export: [] denies everything; no export list announces the networks of the family; no import list accepts nothing.
    expect(root).toContain('route-map NG-192.0.2.2-OUT-V4 deny 10\nexit\n');
    expect(root).toContain('ipv6 prefix-list NG-2001_db8_0_1__1-OUT-V6 seq 5 permit 2001:db8:100::/48\n');
    expect(root).toContain('ipv6 prefix-list NG-2001_db8_0_1__1-IN-V6 seq 5 permit 2001:db8:200::/48\n');
    expect(root).toContain('ip prefix-list NG-2001_db8_0_1__2-IN-V4 seq 5 permit 10.1.0.0/16\n');
    expect(root).toContain('route-map NG-2001_db8_0_1__2-OUT-V6 deny 10\n');
    expect(root).toMatch(/ address-family ipv6 unicast\n  network 2001:db8:100::\/48\n  neighbor 2001:db8:0:1::1 activate\n/);
    expect(built.files('systemd').map((f) => f.path)).toEqual(
      expect.arrayContaining(['lab/node1/etc/systemd/system/frr@blue_1.service.d/10-netgen.conf', 'lab/node1/etc/systemd/system/netgen-netns.service.d/frr-blue_1.conf']),
    );
    expect(built.files('systemd').some((f) => f.path.includes('frr@.service') || f.path.includes('frr.service.d'))).toBe(false);
    const daemons = built.read('lab/node1/etc/frr/blue_1/daemons');
    expect(daemons).toContain("zebra_options='-A 2001:db8:5::3 -s 90000000'\n");
    expect(daemons).toContain("bgpd_options='-A 2001:db8:5::3'\n");
    expect(run('bash', ['-n', built.abs('lab/node1/etc/frr/blue_1/daemons')]).status).toBe(0);
  });
});
