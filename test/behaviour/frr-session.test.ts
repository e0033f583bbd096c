import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { inventoryPath } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';

/**
 * Real zebra + bgpd from the generated files of seed 000's tenantA namespace, peering over a veth
 * with a stand-in for VyOS R3 written from the inventory. Everything lives under a temp dir and two
 * throwaway namespaces; the system FRR (/etc/frr, /run/frr) is never touched.
 */
const NS_A = `ngt-frr-${process.pid}-a`;
const NS_R = `ngt-frr-${process.pid}-r`;
/** Announced by the stand-in: inside tenantA's import list, and outside it. */
const ACCEPTED = '10.0.0.0/16';
const REJECTED = '172.31.0.0/16';

interface Instance {
  dir: string;
  procs: ChildProcess[];
}

const started: Instance[] = [];
let tmp = '';
let built: Built | undefined;

function ip(args: string[]): void {
  const r = run('ip', args);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** The *_options values of a generated daemons file, as frrinit.sh would see them (bash sources it). */
function daemonOptions(file: string): { zebra: string[]; bgpd: string[] } {
  const r = run('bash', ['-c', 'set -e; . "$1"; printf "%s\\n%s\\n" "$zebra_options" "$bgpd_options"', 'x', file]);
  if (r.status !== 0) throw new Error(`cannot source ${file}: ${r.stderr}`);
  const [zebra, bgpd] = r.stdout.split('\n');
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  return { zebra: words(zebra), bgpd: words(bgpd) };
}

/** Starts zebra then bgpd in `ns` with sockets in `dir`, then applies `dir`/frr.conf the way frrinit.sh does (vtysh -b). */
async function startInstance(ns: string, dir: string, opts: { zebra: string[]; bgpd: string[] }): Promise<Instance> {
  const inst: Instance = { dir, procs: [] };
  started.push(inst);
  chownSync(dir, uid('frr'), gid('frr'));
  const common = ['-F', 'traditional', '--vty_socket', dir, '-z', path.join(dir, 'zserv.api')];
  const daemon = (name: string, args: string[]) => {
    const log = path.join(dir, `${name}.log`);
    const p = spawn('ip', ['netns', 'exec', ns, `/usr/lib/frr/${name}`, ...common, '-i', path.join(dir, `${name}.pid`), '--log', `file:${log}`, ...args], { stdio: 'ignore' });
    inst.procs.push(p);
  };
  daemon('zebra', opts.zebra);
  await waitFor(() => run('vtysh', ['--vty_socket', dir, '-d', 'zebra', '-c', 'show version']).status === 0, 10_000, `zebra in ${ns}`);
  daemon('bgpd', opts.bgpd);
  await waitFor(() => run('vtysh', ['--vty_socket', dir, '-d', 'bgpd', '-c', 'show version']).status === 0, 10_000, `bgpd in ${ns}`);
  const boot = run('vtysh', ['--vty_socket', dir, '--config_dir', dir, '-b']);
  if (boot.status !== 0) throw new Error(`vtysh -b in ${ns} failed:\n${boot.stdout}${boot.stderr}`);
  return inst;
}

function uid(user: string): number {
  return Number(run('id', ['-u', user]).stdout.trim());
}
function gid(group: string): number {
  return Number(run('id', ['-g', group]).stdout.trim());
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function vtyshJson<T>(dir: string, cmd: string): T {
  const r = run('vtysh', ['--vty_socket', dir, '-c', cmd]);
  if (r.status !== 0) throw new Error(`vtysh -c '${cmd}': ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Summary {
  ipv4Unicast?: { peers?: Record<string, { state?: string; pfxRcd?: number }> };
}
type Routes = { routes?: Record<string, unknown>; advertisedRoutes?: Record<string, unknown> };

afterAll(() => {
  for (const inst of started) for (const p of inst.procs) if (p.pid && p.exitCode === null) p.kill('SIGKILL');
  for (const ns of [NS_A, NS_R]) run('ip', ['netns', 'del', ns]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  built?.cleanup();
});

describe('FRR instance of seed 000 tenantA', () => {
  it('peers with a stand-in for R3, announces 192.168.100.0/24 and accepts only its import list', async () => {
    requireRoot();
    requireTool('vtysh', 'frr');
    requireTool('/usr/lib/frr/bgpd', 'frr');
    built = buildExample('proxmox-vyos-ceph');
    tmp = mkdtempSync(path.join(os.tmpdir(), `ngt-frr-${process.pid}-`));
    run('chmod', ['755', tmp]);

    // The inventory's facts: tenantA's addresses and R3's side of the session (VRF tenantA, br5000).
    const inv = parse(readFileSync(inventoryPath('proxmox-vyos-ceph'), 'utf8'));
    const nsIn = inv.sites.homelab.hosts.ceph01.namespaces.tenantA;
    const r3 = inv.sites.homelab.hosts.r3;
    const r3Neighbor = r3.vrfs.tenantA.bgp.neighbors.find((n: { address: string }) => n.address === nsIn.bgp.listen);
    const r3Address: string = r3.bridges.br5000.address;
    expect(nsIn.bgp.neighbors[0].address).toBe(r3Address.split('/')[0]);

    // Namespaces: tenantA's storage NIC enp6s19 is one end of a veth whose other end is R3's br5000;
    // veth1-ta holds the Ceph public network address (its peer stays in the namespace) so that the
    // `network 192.168.100.0/24` statement has a connected route to announce.
    ip(['netns', 'add', NS_A]);
    ip(['netns', 'add', NS_R]);
    ip(['-n', NS_A, 'link', 'add', 'enp6s19', 'type', 'veth', 'peer', 'name', 'br5000', 'netns', NS_R]);
    ip(['-n', NS_A, 'link', 'add', 'veth1-ta', 'type', 'veth', 'peer', 'name', 'veth1-ta-br']);
    ip(['-n', NS_A, 'addr', 'add', nsIn.nics.enp6s19.address, 'dev', 'enp6s19']);
    ip(['-n', NS_A, 'addr', 'add', nsIn.veths['veth1-ta'].address, 'dev', 'veth1-ta']);
    ip(['-n', NS_R, 'addr', 'add', r3Address, 'dev', 'br5000']);
    for (const [ns, dev] of [[NS_A, 'lo'], [NS_A, 'enp6s19'], [NS_A, 'veth1-ta'], [NS_A, 'veth1-ta-br'], [NS_R, 'lo'], [NS_R, 'br5000']]) ip(['-n', ns, 'link', 'set', dev, 'up']);

    // tenantA: the generated frr.conf, vtysh.conf and daemons options.
    const dirA = path.join(tmp, 'tenantA');
    mkdirSync(dirA);
    for (const f of ['frr.conf', 'vtysh.conf']) writeFileSync(path.join(dirA, f), built.read(`homelab/ceph01/etc/frr/tenantA/${f}`));
    const optsA = daemonOptions(built.abs('homelab/ceph01/etc/frr/tenantA/daemons'));
    expect(optsA.bgpd).toEqual(['-A', '10.0.3.3']);

    // The stand-in for R3: its AS and neighbor from the inventory; it announces one prefix inside
    // and one outside tenantA's import list, and accepts everything (it is only a witness).
    const dirR = path.join(tmp, 'r3');
    mkdirSync(dirR);
    writeFileSync(
      path.join(dirR, 'frr.conf'),
      [
        'frr defaults traditional',
        'hostname r3-standin',
        `router bgp ${r3.vrfs.tenantA.bgp.asn}`,
        ` bgp router-id ${r3Address.split('/')[0]}`,
        ' no bgp ebgp-requires-policy',
        ' no bgp network import-check',
        ` neighbor ${r3Neighbor.address} remote-as ${r3Neighbor.remote_as}`,
        ` neighbor ${r3Neighbor.address} timers connect 2`,
        ' address-family ipv4 unicast',
        `  network ${ACCEPTED}`,
        `  network ${REJECTED}`,
        ' exit-address-family',
        'exit',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dirR, 'vtysh.conf'), 'service integrated-vtysh-config\n');

    const t0 = Date.now();
    await startInstance(NS_A, dirA, optsA);
    await startInstance(NS_R, dirR, { zebra: ['-A', '127.0.0.1'], bgpd: ['-A', '127.0.0.1'] });

    const peerOf = (dir: string, peer: string) => vtyshJson<Summary>(dir, 'show bgp summary json').ipv4Unicast?.peers?.[peer];
    await waitFor(() => peerOf(dirA, '10.0.3.2')?.state === 'Established' && peerOf(dirR, '10.0.3.3')?.state === 'Established', 30_000, 'BGP session Established');
    const established = Date.now() - t0;
    console.log(`tenantA <-> R3 stand-in: Established ${established} ms after the first daemon started`);

    // The generated config was loaded as written (vtysh -b applied every line).
    const running = run('vtysh', ['--vty_socket', dirA, '-c', 'show running-config']).stdout;
    expect(running).toContain('neighbor 10.0.3.2 route-map NG-10.0.3.2-IN-V4 in');
    expect(running).toContain('neighbor 10.0.3.2 description R3 VRF tenantA');

    // R3 learns the Ceph public network from tenantA; tenantA learns only what its import list allows.
    await waitFor(() => '192.168.100.0/24' in (vtyshJson<Routes>(dirR, 'show bgp ipv4 unicast json').routes ?? {}), 15_000, '192.168.100.0/24 at the stand-in');
    await waitFor(() => ACCEPTED in (vtyshJson<Routes>(dirA, 'show bgp ipv4 unicast json').routes ?? {}), 15_000, `${ACCEPTED} at tenantA`);
    const atA = Object.keys(vtyshJson<Routes>(dirA, 'show bgp ipv4 unicast json').routes ?? {}).sort();
    expect(atA).toEqual([ACCEPTED, '192.168.100.0/24']);
    expect(atA).not.toContain(REJECTED);
    // ...and announces nothing but its networks (not the route it learned).
    const advertised = Object.keys(vtyshJson<Routes>(dirA, 'show bgp ipv4 unicast neighbors 10.0.3.2 advertised-routes json').advertisedRoutes ?? {});
    expect(advertised).toEqual(['192.168.100.0/24']);
    // zebra installed the accepted route in tenantA's kernel table (after bgpd has it: on a loaded
    // machine the full suite once asked before zebra had written it).
    const kernelRoute = () => run('ip', ['-n', NS_A, 'route', 'show', ACCEPTED]).stdout;
    await waitFor(() => /proto bgp/.test(kernelRoute()), 15_000, `${ACCEPTED} in tenantA's kernel table`).catch(() => undefined);
    expect(kernelRoute()).toMatch(/via 10\.0\.3\.2 .*proto bgp/);
  });
});
