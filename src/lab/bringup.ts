import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alive, killPids, LabError, must, runAsync, runSync, sleepMs, startDetached, type RunResult } from './exec.js';
import { ours, placeArgv, remember, type LabState } from './state.js';
import type { LabTopology, Port } from './topology.js';

export const NETWORKD_CANDIDATES = ['/lib/systemd/systemd-networkd', '/usr/lib/systemd/systemd-networkd'];
export const UP_SCRIPT = '/usr/local/lib/netgen/netns-up.sh';
export const DOWN_SCRIPT = '/usr/local/lib/netgen/netns-down.sh';
/** The scripts wait this long for networkd's links; a lab should fail fast, not after the boot default. */
const SCRIPT_ENV = { ...process.env, NG_WAIT_SECONDS: '10' };

/**
 * The holder of a simulated host: inside the host's network namespace and a private mount
 * namespace it overlays the host's generated tree on /etc and /usr (so the generated scripts find
 * their files at the deployed paths), gives networkd the host's own units and machine id, a fresh
 * /run (its own /run/netns, /run/systemd, /run/frr), /sys read-only (networkd then treats udev as
 * absent), and sleeps for as long as the lab lives. Nothing is written outside the lab's workdir.
 */
const HOLDER_SCRIPT = `set -e
root=$1 mid=$2 scratch=$3 units=$4
shift 4
mount -t tmpfs -o mode=700 tmpfs "$scratch"
for top in "$@"; do
  [ -d "/$top" ] || continue
  mkdir -p "$scratch/$top/u" "$scratch/$top/w"
  mount -t overlay overlay -o "lowerdir=$root/$top:/$top,upperdir=$scratch/$top/u,workdir=$scratch/$top/w" "/$top"
done
mount --bind "$units" /etc/systemd/network
for d in /usr/lib/systemd/network /run/systemd/network; do [ -d "$d" ] && mount -t tmpfs tmpfs "$d"; done
[ -e /etc/machine-id ] || : > /etc/machine-id
mount --bind "$mid" /etc/machine-id
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/netns /run/systemd/netif /run/frr /run/lock /run/dnsmasq
chown systemd-network:systemd-network /run/systemd/netif 2>/dev/null || true
chown frr:frr /run/frr 2>/dev/null || true
mount -o remount,bind,ro /sys
exec sleep infinity
`;

function machineId(prefix: string, hostId: string): string {
  return `${createHash('sha256').update(`${prefix}/${hostId}`).digest('hex').slice(0, 32)}\n`;
}

function waitHolder(pid: number, log: string): void {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    if (!alive(pid)) break;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0')) return;
    } catch {
      break;
    }
    sleepMs(10);
  }
  const out = existsSync(log) ? readFileSync(log, 'utf8').trim() : '';
  throw new LabError(`the holder of a simulated host did not start${out ? `:\n${out}` : ''}`);
}

/**
 * networkd's units for a simulated host: the generated directory itself, unless a link networkd
 * would create (a bond, a VLAN) is stood in by a veth: networkd refuses to configure a link whose
 * kind differs from its .netdev, so that .netdev is left out of a copy and the link's .network
 * (addresses, routes, bridge membership) applies to the veth.
 */
function networkdUnits(root: string, dir: string, standIns: string[], notes: string[], hostId: string): string {
  const gen = path.join(root, 'etc/systemd/network');
  if (standIns.length === 0) return gen;
  const copy = path.join(dir, 'network');
  mkdirSync(copy, { recursive: true });
  for (const f of readdirSync(gen).sort()) {
    const text = readFileSync(path.join(gen, f), 'utf8');
    const name = /^\s*Name\s*=\s*(\S+)/m.exec(text)?.[1];
    if (f.endsWith('.netdev') && name && standIns.includes(name)) {
      notes.push(`${hostId}: ${f} is not given to networkd (a veth stands in for ${name})`);
      continue;
    }
    writeFileSync(path.join(copy, f), text);
  }
  return copy;
}

/** Namespace reference for `ip link ... netns X`: a root-level name, or a holder PID for a simulated host. */
function netnsRef(s: LabState, port: Port): string {
  if ('standin' in port.place) return s.standIns.find((x) => x.short === (port.place as { standin: string }).standin)!.netns;
  const id = port.place.host;
  return String(s.hosts.find((h) => h.id === id)!.holderPid);
}

/** Creates the simulated hosts, stand-ins and wires; starts networkd in each host. Records everything in `s` as it goes. */
export function buildLab(s: LabState, topo: LabTopology, save: () => void): void {
  const networkd = NETWORKD_CANDIDATES.find(existsSync)!;
  for (const sim of topo.hosts) {
    const netns = `${s.prefix}-${sim.short}`;
    must(['ip', 'netns', 'add', netns], `creating namespace ${netns}`);
    s.netns.push(netns);
    save();
    const root = path.join(s.outDir, sim.host.site, sim.host.name);
    mkdirSync(path.join(root, 'etc/systemd/network'), { recursive: true });
    const tops = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const dir = path.join(s.workdir, `host-${sim.short}`);
    mkdirSync(path.join(dir, 'scratch'), { recursive: true });
    writeFileSync(path.join(dir, 'machine-id'), machineId(s.prefix, sim.id));
    const log = path.join(dir, 'holder.log');
    const units = networkdUnits(root, dir, sim.standInNetdevs, s.notes, sim.id);
    const holderPid = remember(s, startDetached(['ip', 'netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', HOLDER_SCRIPT, 'holder', root, path.join(dir, 'machine-id'), path.join(dir, 'scratch'), units, ...tops], log));
    s.hosts.push({ id: sim.id, short: sim.short, netns, holderPid, root, hasUpScript: existsSync(path.join(root, UP_SCRIPT)), hasDownScript: existsSync(path.join(root, DOWN_SCRIPT)) });
    save();
    waitHolder(holderPid, log);
    must([...placeArgv(s, { host: sim.id }), 'ip', 'link', 'set', 'lo', 'up'], `lo of ${sim.id}`);
    for (const ns of sim.preNamespaces) must([...placeArgv(s, { host: sim.id }), 'ip', 'netns', 'add', ns], `namespace ${ns} of ${sim.id}`);
  }
  for (const st of topo.standIns) {
    const netns = `${s.prefix}-${st.short}`;
    must(['ip', 'netns', 'add', netns], `creating namespace ${netns}`);
    s.netns.push(netns);
    s.standIns.push({ short: st.short, netns, reason: st.reason, hostId: st.hostId });
    save();
    must(['ip', '-n', netns, 'link', 'set', 'lo', 'up'], `lo of ${netns}`);
  }
  wire(s, topo, save);
  for (const h of s.hosts) {
    const log = path.join(s.workdir, `host-${h.short}`, 'networkd.log');
    h.networkdPid = remember(s, startDetached(['nsenter', '-t', String(h.holderPid), '-m', '-n', networkd], log, { ...process.env, SYSTEMD_LOG_LEVEL: 'info' }));
    save();
  }
}

function wire(s: LabState, topo: LabTopology, save: () => void): void {
  let bridges = 0;
  let ports = 0;
  const sw = () => {
    if (!s.switchNs) {
      s.switchNs = `${s.prefix}-sw`;
      must(['ip', 'netns', 'add', s.switchNs], 'creating the switch namespace');
      s.netns.push(s.switchNs);
      save();
    }
    return s.switchNs;
  };
  for (const seg of topo.segments) {
    if (seg.ports.length === 2) {
      const [a, b] = seg.ports;
      must(['ip', 'link', 'add', a.name, 'netns', netnsRef(s, a), 'type', 'veth', 'peer', 'name', b.name, 'netns', netnsRef(s, b)], `wire ${seg.label}`);
      for (const p of seg.ports) finishPort(s, p);
      continue;
    }
    const ns = sw();
    const br = `s${bridges++}`;
    if (seg.ports.length > 1) {
      must(['ip', '-n', ns, 'link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'], `switch for ${seg.label}`);
      must(['ip', '-n', ns, 'link', 'set', br, 'up'], `switch for ${seg.label}`);
    }
    for (const p of seg.ports) {
      const peer = `p${ports++}`;
      must(['ip', 'link', 'add', p.name, 'netns', netnsRef(s, p), 'type', 'veth', 'peer', 'name', peer, 'netns', ns], `wire ${p.standsFor}`);
      must(['ip', '-n', ns, 'link', 'set', peer, 'mtu', '9000'], `wire ${p.standsFor}`);
      if (seg.ports.length > 1) must(['ip', '-n', ns, 'link', 'set', peer, 'master', br], `wire ${p.standsFor}`);
      must(['ip', '-n', ns, 'link', 'set', peer, 'up'], `wire ${p.standsFor}`);
      finishPort(s, p);
    }
  }
}

/** Moves a port into its tenant namespace (stood-in VLANs) or configures a stand-in's addresses. */
function finishPort(s: LabState, p: Port): void {
  if ('standin' in p.place) {
    const argv = placeArgv(s, p.place);
    if (p.mac) must([...argv, 'ip', 'link', 'set', p.name, 'address', p.mac], `MAC of ${p.standsFor}`);
    for (const a of p.addresses) must([...argv, 'ip', 'addr', 'add', a, 'dev', p.name, ...(a.includes(':') ? ['nodad'] : [])], `address of ${p.standsFor}`);
    must([...argv, 'ip', 'link', 'set', p.name, 'up'], p.standsFor);
    for (const g of p.gateways ?? []) must([...argv, 'ip', g.includes(':') ? '-6' : '-4', 'route', 'add', 'default', 'via', g, 'dev', p.name, 'onlink'], `default route of ${p.standsFor}`);
  } else if (p.place.ns) {
    must([...placeArgv(s, { host: p.place.host }), 'ip', 'link', 'set', p.name, 'netns', p.place.ns], `moving ${p.name} into ${p.place.ns}`);
  }
}

/** Runs a generated script of every simulated host at its deployed path, unmodified, all hosts at once. */
export async function runHostScripts(s: LabState, script: typeof UP_SCRIPT | typeof DOWN_SCRIPT): Promise<Array<{ host: string; result: RunResult }>> {
  const hosts = s.hosts.filter((h) => (script === UP_SCRIPT ? h.hasUpScript : h.hasDownScript));
  return Promise.all(hosts.map(async (h) => ({ host: h.id, result: await runAsync([...placeArgv(s, { host: h.id }), 'bash', script], { env: SCRIPT_ENV, timeoutMs: 60_000 }) })));
}

/** Every process in any lab namespace (including the tenant namespaces inside simulated hosts). */
function labPids(s: LabState): number[] {
  const pids: number[] = [];
  const parse = (out: string) => out.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
  for (const h of s.hosts) {
    if (!ours(s, h.holderPid)) continue;
    const inner = runSync([...placeArgv(s, { host: h.id }), 'ip', 'netns', 'list'], { timeoutMs: 5000 });
    for (const line of inner.stdout.split('\n')) {
      const name = line.split(' ')[0];
      if (name) pids.push(...parse(runSync([...placeArgv(s, { host: h.id }), 'ip', 'netns', 'pids', name], { timeoutMs: 5000 }).stdout));
    }
  }
  for (const ns of s.netns) pids.push(...parse(runSync(['ip', 'netns', 'pids', ns], { timeoutMs: 5000 }).stdout));
  return pids;
}

/**
 * Tears the lab down: the generated down scripts first (they stop what the hooks started), then
 * every process in a lab namespace by PID, then the namespaces. Never fails half-way: each step
 * is attempted and what could not be removed is returned.
 */
export async function destroyLab(s: LabState): Promise<string[]> {
  const problems: string[] = [];
  // Processes are collected before the down scripts run: once a script deletes its namespace, the
  // daemons still inside (FRR, dnsmasq) can no longer be found by name.
  const before = labPids(s);
  const live = s.hosts.filter((h) => ours(s, h.holderPid));
  if (live.length) await runHostScripts({ ...s, hosts: live }, DOWN_SCRIPT);
  const started = [...s.pids, ...s.hosts.flatMap((h) => [h.networkdPid, h.holderPid])].filter((p) => ours(s, p));
  killPids([...started, ...before, ...labPids(s)]);
  for (const ns of [...s.netns].reverse()) {
    const r = runSync(['ip', 'netns', 'del', ns], { timeoutMs: 10_000 });
    if (r.status !== 0 && existsSync(`/run/netns/${ns}`)) problems.push(`${ns}: ${r.stderr.trim()}`);
  }
  rmSync(s.workdir, { recursive: true, force: true });
  return problems;
}
