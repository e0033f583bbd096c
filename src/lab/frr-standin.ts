import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostModel, Model } from '../model/types.js';
import { parseAddress } from '../net/ip.js';
import type { Bgp } from '../schema/targets.js';
import type { Static } from '@sinclair/typebox';
import { LabError, runSync, sleepMs, startDetached } from './exec.js';
import { remember, type LabState, type StandInState } from './state.js';

/**
 * A router that cannot run here (VyOS) keeps its BGP sessions in the lab: its stand-in namespace
 * runs FRR (zebra + bgpd, started directly by PID with their files in the lab's workdir, nothing
 * under /etc/frr) configured from the router's model. Only the peerings whose neighbour lives in
 * the lab are stood in, as one plain BGP instance (a VRF needs a kernel VRF; the stand-in
 * namespace is already a routing domain of its own). What the stand-in announces is what the lab
 * peers import from it (their `import` lists), so a check can prove a prefix is received.
 */

export const FRR_DAEMONS = '/usr/lib/frr';

type BgpInput = Static<typeof Bgp>;

interface Peering {
  asn: number;
  routerId?: string;
  from: string;
  neighbors: Array<{ address: string; remoteAs: string }>;
}

/** Linux-side BGP neighbours by the address they peer with: what each imports from it. */
function importsByPeer(model: Model): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const h of model.hosts) {
    if (h.role !== 'linux') continue;
    const instances = [h.input.bgp, ...h.namespaces.map((ns) => ns.input.bgp)];
    for (const b of instances) {
      for (const n of b?.neighbors ?? []) {
        const key = parseAddress(n.address)?.text ?? n.address;
        out.set(key, [...(out.get(key) ?? []), ...((n as { import?: string[] }).import ?? [])]);
      }
    }
  }
  return out;
}

/** The router's BGP instances (global and per VRF), keeping neighbours that the lab owns. */
function peerings(host: HostModel, inLab: (addr: string) => boolean): Peering[] {
  const found: Peering[] = [];
  const take = (b: BgpInput | undefined, from: string) => {
    if (!b) return;
    const neighbors = (b.neighbors ?? [])
      .filter((n) => inLab(parseAddress(n.address)?.text ?? n.address))
      .filter((n) => !n.address_families || n.address_families.some((f) => f !== 'l2vpn-evpn'))
      .map((n) => ({ address: parseAddress(n.address)?.text ?? n.address, remoteAs: String(n.remote_as) }));
    if (neighbors.length) found.push({ asn: b.asn, routerId: b.router_id ?? host.input.bgp?.router_id, from, neighbors });
  };
  take(host.input.bgp, 'its global BGP');
  for (const [name, vrf] of Object.entries(host.input.vrfs ?? {}).sort(([a], [b]) => a.localeCompare(b))) take(vrf?.bgp, `VRF ${name}`);
  return found;
}

export interface FrrStandInPlan {
  conf: string;
  summary: string;
}

export function frrStandInPlan(model: Model, host: HostModel, inLab: (addr: string) => boolean): FrrStandInPlan | undefined {
  const found = peerings(host, inLab);
  if (found.length === 0) return undefined;
  // One namespace, one instance: the first AS with lab peers; others are named in the summary.
  const asn = found[0].asn;
  const used = found.filter((p) => p.asn === asn);
  const skipped = found.filter((p) => p.asn !== asn);
  const imports = importsByPeer(model);
  const ownAddrs = host.links.flatMap((l) => l.addresses.map((a) => a.cidr.text));
  const announce = [...new Set(ownAddrs.flatMap((a) => imports.get(a) ?? []))].sort();
  const routerId = used.find((p) => p.routerId)?.routerId ?? ownAddrs.find((a) => !a.includes(':'));
  const lines = ['frr defaults traditional', `hostname ${host.name}-standin`, '!', `router bgp ${asn}`];
  if (routerId) lines.push(` bgp router-id ${routerId}`);
  lines.push(' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
  const neighbors = used.flatMap((p) => p.neighbors);
  for (const n of neighbors) lines.push(` neighbor ${n.address} remote-as ${n.remoteAs}`, ` neighbor ${n.address} timers connect 1`);
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const ns = neighbors.filter((n) => n.address.includes(':') === (fam === 'ipv6'));
    const nets = announce.filter((a) => a.includes(':') === (fam === 'ipv6'));
    if (!ns.length) continue;
    lines.push(` address-family ${fam} unicast`, ...nets.map((a) => `  network ${a}`), ...ns.map((n) => `  neighbor ${n.address} activate`), ' exit-address-family');
  }
  lines.push('!', '');
  const summary =
    `${host.name.toUpperCase()} (${host.role}) stood in by FRR (zebra+bgpd): AS ${asn} from ${used.map((p) => p.from).join(', ')} as a plain instance, ` +
    `neighbors ${neighbors.map((n) => `${n.address} remote-as ${n.remoteAs}`).join(', ')}` +
    `${announce.length ? `, announcing ${announce.join(', ')} (what its lab peers import)` : ''}` +
    `${skipped.length ? `; not stood in: ${skipped.map((p) => `${p.from} (AS ${p.asn})`).join(', ')}` : ''}`;
  return { conf: lines.join('\n'), summary };
}

/** Writes the config and starts zebra, then bgpd, in the stand-in's namespace; PIDs are recorded in `s`. */
export function startFrrStandIn(s: LabState, st: StandInState, plan: FrrStandInPlan): void {
  for (const d of ['zebra', 'bgpd']) if (!existsSync(path.join(FRR_DAEMONS, d))) throw new LabError(`${path.join(FRR_DAEMONS, d)} is missing (apt-get install frr)`);
  const dir = path.join(s.workdir, `frr-${st.short}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'frr.conf'), plan.conf);
  // The daemons drop to the frr user: it must reach its directory (the workdir itself stays unlistable).
  chmodSync(s.workdir, 0o711);
  const frr = frrUser();
  if (frr) {
    chownSync(dir, frr.uid, frr.gid);
    chownSync(path.join(dir, 'frr.conf'), frr.uid, frr.gid);
  }
  const common = ['-f', path.join(dir, 'frr.conf'), '-z', path.join(dir, 'zserv.api'), '--vty_socket', dir, '-P', '0', '--log', `file:${path.join(dir, 'frr.log')}`];
  const start = (daemon: string) => {
    const pid = remember(s, startDetached(['ip', 'netns', 'exec', st.netns, path.join(FRR_DAEMONS, daemon), ...common, '-i', path.join(dir, `${daemon}.pid`)], path.join(dir, `${daemon}.out`)));
    s.pids.push(pid);
  };
  start('zebra');
  // bgpd needs zebra's socket; zebra creates it within milliseconds.
  const until = Date.now() + 5000;
  while (!existsSync(path.join(dir, 'zserv.api')) && Date.now() < until) sleepMs(20);
  start('bgpd');
  st.frrDir = dir;
}

function frrUser(): { uid: number; gid: number } | undefined {
  const r = runSync(['id', '-u', 'frr']);
  const g = runSync(['id', '-g', 'frr']);
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}
