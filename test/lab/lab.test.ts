import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive } from '../../src/lab/exec.js';
import { compileForLab, labCheck, labDown, labUp } from '../../src/lab/lab.js';
import { placeArgv, type LabState } from '../../src/lab/state.js';
import { CLI, EXAMPLES, inventoryPath } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';

/**
 * Seed 001 in the lab (issue 4): two simulated hosts joined by a veth wire, a real
 * systemd-networkd in each applying that host's units (bridges, VXLAN), the generated up script
 * run unmodified in each; both tenants with the same 10.1.0.0/24 reach their peer over VXLAN and
 * never each other; `up` twice changes nothing; `down` leaves nothing behind.
 */

const tmp = mkdtempSync(path.join(os.tmpdir(), 'netgen-lab-test-'));

/** A copy of an example (and its lock) with other checks, so the committed files are never touched. */
function variant(example: string, checks: string, edit: (text: string) => string = (t) => t): string {
  const src = inventoryPath(example);
  const dst = path.join(tmp, `${example}-${Math.random().toString(36).slice(2, 8)}.yaml`);
  const text = readFileSync(src, 'utf8');
  writeFileSync(dst, `${edit(text.slice(0, text.indexOf('\nchecks:')))}\nchecks:\n${checks}`);
  copyFileSync(src.replace(/\.yaml$/, '.lock.yaml'), dst.replace(/\.yaml$/, '.lock.yaml'));
  return dst;
}

function sh(s: LabState, place: Parameters<typeof placeArgv>[1], cmd: string[]): string {
  const argv = [...placeArgv(s, place), ...cmd];
  const r = run(argv[0], argv.slice(1));
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Links, addresses and routes of every simulated host and of the namespaces inside it. */
function dump(s: LabState): string {
  const out: string[] = [];
  for (const h of s.hosts) {
    const nss = sh(s, { host: h.id }, ['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort();
    for (const ns of [undefined, ...nss]) {
      const place = { host: h.id, ns };
      out.push(`## ${h.id}/${ns ?? '-'}`, sh(s, place, ['ip', '-d', 'link']), sh(s, place, ['ip', 'addr']), sh(s, place, ['ip', 'route', 'show', 'table', 'all']), sh(s, place, ['ip', '-6', 'route', 'show', 'table', 'all']));
    }
  }
  // Kernel timers tick between two dumps; everything else must be identical.
  return out.join('\n').replace(/(\w+_timer)\s+[\d.]+/g, '$1 -');
}

const SEED001_CHECKS = `
  - reach: { from: node01/microsoft, to: 10.1.0.5 }
  - reach: { from: node01/microsoft, to: "fd00:10:1::5" }
  - reach: { from: node01/apple, to: 10.1.0.5 }
  - reach: { from: node01/apple, to: "fd00:10:1::5" }
  - reach: { from: node02/apple, to: 10.1.0.4, proto: tcp, port: 8080 }
  - isolation: { tenants: [microsoft, apple] }
`;

beforeAll(() => {
  requireRoot();
  for (const [t, p] of [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux'], ['ping', 'iputils-ping']]) requireTool(t, p);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('seed 001 lab (issue 4)', () => {
  let s: LabState | undefined;
  let inv = '';
  const rootLinksBefore = run('ip', ['-br', 'link']).stdout;

  afterAll(async () => {
    if (s) await labDown(s);
  });

  it('comes up with networkd-made VXLAN and passes reach and isolation, IPv4 and IPv6', async () => {
    inv = variant('neutron-two-hosts', SEED001_CHECKS);
    const r = await compileForLab(inv);
    expect(r.bag.hasErrors).toBe(false);
    s = await labUp(inv, r, { prefix: `ngt-lab-${process.pid}` });
    expect(s.hosts.map((h) => h.id)).toEqual(['lab/node01', 'lab/node02']);
    // The VXLAN and bridges come from networkd's units (the script has no vxlan line).
    expect(readFileSync(path.join(s.hosts[0].root, 'usr/local/lib/netgen/netns-up.sh'), 'utf8')).not.toMatch(/type vxlan/);
    for (const h of s.hosts) {
      expect(sh(s, { host: h.id }, ['ip', '-d', 'link', 'show', 'msft-vxl-10'])).toMatch(/vxlan id 10 remote 10\.10\.10\.\d+ local/);
      expect(sh(s, { host: h.id }, ['ip', '-d', 'link', 'show', 'aapl-vxl-20'])).toMatch(/vxlan id 20 /);
      expect(readFileSync(path.join(s.workdir, `host-${h.short}`, 'networkd.log'), 'utf8')).toMatch(/msft-vxl-10: netdev ready/);
    }
    // Distinct machine ids: the bridges networkd made have different MACs on the two hosts.
    const mac = (h: string) => /link\/ether (\S+)/.exec(sh(s!, { host: h }, ['ip', 'link', 'show', 'msft-br']))![1];
    expect(mac('lab/node01')).not.toBe(mac('lab/node02'));
    const results = await labCheck(s, r);
    expect(results.map((x) => `${x.result} ${x.name}: ${x.detail}`).filter((x) => !x.startsWith('pass'))).toEqual([]);
    expect(results).toHaveLength(6);
    // The TCP reach was answered by apple on node01, not by microsoft with the same address.
    expect(results[4].detail).toContain('answered by lab/node01/apple');
  }, 90_000);

  it('running up again changes nothing', async () => {
    const before = dump(s!);
    const again = await labUp(inv, await compileForLab(inv));
    expect(again.prefix).toBe(s!.prefix);
    expect(dump(again)).toBe(before);
  }, 60_000);

  it('a broken lab fails isolation: apple bridged into microsoft on node01', async () => {
    // Sabotage after the fact, as a wrong unit would: apple's host-side veth joins microsoft's bridge.
    sh(s!, { host: 'lab/node01' }, ['ip', 'link', 'set', 'aapl-veth0', 'nomaster']);
    sh(s!, { host: 'lab/node01' }, ['ip', 'link', 'set', 'aapl-veth0', 'master', 'msft-br']);
    const r = await compileForLab(variant('neutron-two-hosts', '  - isolation: { tenants: [apple, microsoft] }\n'));
    const [iso] = await labCheck(s!, r);
    expect(iso.result).toBe('fail');
    expect(iso.detail).toMatch(/reached .* in (microsoft|apple):/);
  }, 60_000);

  it('down leaves nothing behind', async () => {
    const state = s!;
    const pids = [...state.hosts.flatMap((h) => [h.holderPid, h.networkdPid ?? 0]), ...state.pids];
    expect(await labDown(state)).toEqual([]);
    s = undefined;
    expect(run('ip', ['netns', 'list']).stdout).not.toContain(state.prefix);
    expect(pids.filter((p) => p && alive(p))).toEqual([]);
    expect(run('ip', ['-br', 'link']).stdout).toBe(rootLinksBefore);
    expect(run('ls', [state.workdir]).status).not.toBe(0);
  }, 30_000);
});

describe('a check that expects the wrong thing fails (the lab cannot pass vacuously)', () => {
  it('reach across tenants and no_reach within a tenant both fail', async () => {
    const inv = variant(
      'neutron-two-hosts',
      `  - reach: { from: node01/apple, to: 10.1.0.7 }
  - no_reach: { from: node01/microsoft, to: 10.1.0.7 }
  - reach: { from: node01/microsoft, to: 10.1.0.7 }
`,
      (t) => t.replace('microsoft: { addresses: [10.1.0.5, "fd00:10:1::5"] }', 'microsoft: { addresses: [10.1.0.7, "fd00:10:1::5"] }'),
    );
    const r = await compileForLab(inv);
    expect(r.bag.hasErrors).toBe(false);
    const s = await labUp(inv, r, { prefix: `ngt-lab-${process.pid}-b` });
    try {
      const results = await labCheck(s, r);
      expect(results.map((x) => x.result)).toEqual(['fail', 'fail', 'pass']);
    } finally {
      await labDown(s);
    }
  }, 90_000);

  it('a check naming an unknown namespace is NG6004 at its position', async () => {
    const inv = variant('neutron-two-hosts', '  - reach: { from: node01/microsfot, to: 10.1.0.5 }\n');
    const r = await compileForLab(inv);
    const d = r.bag.sorted().find((x) => x.code === 'NG6004');
    expect(d?.message).toBe('host lab/node01 has no namespace or tap microsfot');
    expect(d?.hint).toBe('did you mean microsoft?');
    const line = readFileSync(inv, 'utf8').split('\n').findIndex((l) => l.includes('microsfot')) + 1;
    expect(d?.position?.line).toBe(line);
  });
});

/**
 * Every example inventory in the lab through the real CLI (`netgen lab --json`): every check
 * passes. A unit this kernel cannot load is listed as `limited` (stretched-sites: compute1's
 * bridge ruleset needs nf_conntrack_bridge), never as a pass.
 */
describe('netgen lab over every example', () => {
  it.each(EXAMPLES)('%s', (example) => {
    const started = performance.now();
    const r = run('node', [CLI, 'lab', inventoryPath(example), '--json'], { timeout: 120_000 });
    const secs = (performance.now() - started) / 1000;
    if (!r.stdout.trimEnd().endsWith('}')) throw new Error(`netgen lab ${example} exited ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { failed: number; standIns: string[]; checks: Array<{ name: string; result: string; detail: string }> };
    console.log(`lab ${example}: ${secs.toFixed(1)}s, ${report.checks.map((c) => `${c.result} ${c.name}`).join('; ')}`);
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.filter((c) => c.result === 'fail').map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    expect(report.checks.filter((c) => c.result === 'pass').length).toBeGreaterThan(0);
    for (const c of report.checks.filter((x) => x.result === 'limited')) expect(c.detail).toMatch(/not loadable on this kernel/);
    if (example === 'proxmox-vyos-ceph') expect(report.standIns.join('\n')).toContain('R3 (vyos) stood in by FRR');
    if (example === 'ganeti') expect(report.standIns.join('\n')).toMatch(/VM behind grnet\/ena tap1 \(routed VM/);
    expect(r.status).toBe(0);
    expect(run('ip', ['netns', 'list']).stdout).not.toMatch(/^ngl-/m);
  }, 150_000);
});

/** Broken variants: the checks that prove each seed's promise fail when the promise is broken. */
describe('broken inventories fail the corresponding checks', () => {
  async function labResults(file: string, prefix: string) {
    const r = await compileForLab(file);
    expect(r.bag.sorted().filter((d) => d.severity === 'error')).toEqual([]);
    const s = await labUp(file, r, { prefix: `ngt-lab-${process.pid}-${prefix}` });
    try {
      return await labCheck(s, r);
    } finally {
      await labDown(s);
    }
  }

  it('ganeti without anti-spoofing: the spoofed sources arrive at the gateway', async () => {
    const inv = path.join(tmp, 'ganeti-nospoof.yaml');
    const src = inventoryPath('ganeti');
    writeFileSync(inv, readFileSync(src, 'utf8').replace('anti_spoofing: true', 'anti_spoofing: false'));
    copyFileSync(src.replace(/\.yaml$/, '.lock.yaml'), inv.replace(/\.yaml$/, '.lock.yaml'));
    const results = await labResults(inv, 'g');
    const by = Object.fromEntries(results.map((x) => [x.name, x.result]));
    expect(by['spoofed IPv4 source from the routed VM is dropped']).toBe('fail');
    expect(by['spoofed IPv6 source from the routed VM is dropped']).toBe('fail');
    expect(by['routed VM reaches its gateway over IPv4']).toBe('pass');
  }, 90_000);

  it('ganeti without proxy ARP on tap1: the routed VM cannot reach its gateway', async () => {
    const inv = path.join(tmp, 'ganeti-noproxy.yaml');
    const src = inventoryPath('ganeti');
    const text = readFileSync(src, 'utf8');
    const at = text.indexOf('tap1:');
    writeFileSync(inv, text.slice(0, at) + text.slice(at).replace('proxy_arp: true', 'proxy_arp: false'));
    copyFileSync(src.replace(/\.yaml$/, '.lock.yaml'), inv.replace(/\.yaml$/, '.lock.yaml'));
    const results = await labResults(inv, 'h');
    expect(results.find((x) => x.name === 'routed VM reaches its gateway over IPv4')?.result).toBe('fail');
  }, 90_000);

  it('proxmox with R3 in another AS than tenant A expects: BGP never comes up', async () => {
    const inv = variant('proxmox-vyos-ceph', '  - bgp: { on: ceph01/tenantA, peer: 10.0.3.2, prefix: 10.0.0.0/16 }\n', (t) => t.replace('{ address: 10.0.3.3, remote_as: 64515,', '{ address: 10.0.3.3, remote_as: 64599,'));
    const [bgp] = await labResults(inv, 'p');
    expect(bgp.result).toBe('fail');
    expect(bgp.detail).not.toMatch(/Established/);
  }, 90_000);

  it('stretched-sites asking a server that is not on the segment: no lease from it', async () => {
    const inv = variant('stretched-sites', '  - dhcp: { from: controller, server: controller/qdhcp-mosler, interface: em1 }\n');
    const dhcp = (await labResults(inv, 's')).find((x) => x.kind === 'dhcp')!;
    expect(dhcp.result).toBe('fail');
  }, 90_000);
});
