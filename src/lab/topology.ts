import type { HostModel, Link, Model, NamespaceModel } from '../model/types.js';
import { parseAddress, parseCidr } from '../net/ip.js';
import { vmPlan } from './vms.js';

/**
 * What the lab builds for an inventory, derived from the resolved model before anything runs:
 * simulated hosts, stand-ins (VyOS routers, external next hops), and the wires between them.
 * Pure data, so that it can be unit-tested and printed without root.
 */

/** Where a command runs: a simulated host (optionally inside one of its own namespaces) or a plain lab namespace. */
export type PlaceRef = { host: string; ns?: string } | { standin: string };

/** One end of a lab wire: a veth end named as the inventory names the link it stands in for. */
export interface Port {
  /** Link name inside its place (eth1, bond1.993, fw-vlan2, or eth0 of an external stand-in). */
  name: string;
  place: PlaceRef;
  /** Why this veth exists (shown in the report). */
  standsFor: string;
  /** Addresses the lab itself configures (stand-ins only; hosts get theirs from networkd and the scripts). */
  addresses: string[];
  /** Default gateways of a stand-in, reached on-link (a routed VM's gateway, answered by proxy ARP/NDP). */
  gateways?: string[];
  /** MAC of a stand-in's port (a VM's firewall port names it). */
  mac?: string;
}

export interface Segment {
  /** Short label: the subnets or VLAN that joined these ports. */
  label: string;
  ports: Port[];
}

export interface SimHost {
  /** site/host */
  id: string;
  /** Short name used in lab namespace names (the host name, or site-host when two sites share it). */
  short: string;
  host: HostModel;
  /** Tenant namespaces the lab must create before the up script runs, to hold a stood-in VLAN. */
  preNamespaces: string[];
  /** Root links networkd would create (bonds, VLANs) that a veth stands in for. */
  standInNetdevs: string[];
}

export interface StandIn {
  /** Short name used in the lab namespace name. */
  short: string;
  /** Why it exists, for the report. */
  reason: string;
  /** Host id when it stands in for an inventory host (a VyOS router). */
  hostId?: string;
}

export interface LabTopology {
  hosts: SimHost[];
  standIns: StandIn[];
  segments: Segment[];
  /** Human-readable list of everything stood in, for the report. */
  notes: string[];
}

/** Kinds that this kernel cannot create (or that need hardware): the lab puts a veth in their place. */
const STOOD_IN_ROOT: ReadonlySet<Link['kind']> = new Set(['nic', 'bond', 'vlan']);

interface PortDraft extends Port {
  keys: string[];
}

function subnetKeys(l: Link): string[] {
  return l.addresses.map((a) => a.cidr.networkText);
}

/**
 * Keys that decide which ports share a segment: their subnets. A link without an address (a
 * routed VLAN as in seed 002) is keyed by its VLAN id and by the subnets it routes on-link
 * (a route without `via`), so the external stand-in of that subnet lands on its segment.
 */
function segmentKeys(l: Link): string[] {
  const keys = subnetKeys(l);
  if (keys.length === 0) {
    for (const r of l.routes) {
      const c = parseCidr(r.to);
      if (!r.via && (r.type ?? 'unicast') === 'unicast' && c && c.prefix > 0 && c.prefix < (c.family === 4 ? 32 : 128)) keys.push(c.networkText);
    }
    if (l.vlan) keys.push(`vlan ${l.vlan.id}`);
  }
  return keys;
}

export function shortNames(hosts: HostModel[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const h of hosts) count.set(h.name, (count.get(h.name) ?? 0) + 1);
  return new Map(hosts.map((h) => [h.id, (count.get(h.name) ?? 0) > 1 ? `${h.site}-${h.name}` : h.name]));
}

export function buildTopology(model: Model): LabTopology {
  const shorts = shortNames(model.hosts);
  const drafts: PortDraft[] = [];
  const hosts: SimHost[] = [];
  const standIns: StandIn[] = [];
  const notes: string[] = [];
  const owned = new Set<string>();
  const nextHops: Array<{ addr: string; why: string }> = [];

  const noteHops = (links: Link[], routes: NamespaceModel['routes']) => {
    for (const l of links) {
      for (const a of l.addresses) owned.add(a.cidr.text);
      for (const a of l.veth?.peerAddresses ?? []) owned.add(a.cidr.text);
      for (const g of [l.gateway, l.gateway6]) if (g) nextHops.push({ addr: g, why: `gateway of ${l.name}` });
      for (const r of l.routes) if (r.via) nextHops.push({ addr: r.via, why: `next hop of ${r.to}` });
    }
    for (const r of routes) if (r.via) nextHops.push({ addr: r.via, why: `next hop of ${r.to}` });
  };

  for (const host of model.hosts) {
    const short = shorts.get(host.id)!;
    if (host.role !== 'linux') {
      standIns.push({ short, reason: `${host.role} router ${host.id} (addresses only; its configuration does not run here)`, hostId: host.id });
      for (const l of host.links) {
        for (const a of l.addresses) owned.add(a.cidr.text);
        if (l.addresses.length) drafts.push({ name: l.name, place: { standin: short }, standsFor: `${host.id} ${l.kind} ${l.name}`, addresses: l.addresses.map((a) => a.cidr.cidrText), keys: subnetKeys(l) });
      }
      continue;
    }
    const sim: SimHost = { id: host.id, short, host, preNamespaces: [], standInNetdevs: [] };
    hosts.push(sim);
    noteHops(host.links, host.routes);
    const bondMembers = new Set(host.links.filter((l) => l.bond).map((l) => l.name));
    for (const l of host.links) {
      if (l.kind === 'tap') {
        // The tap is one end of a veth, the VM stand-in holds the other (a two-port segment of its own).
        const vm = vmPlan(host, short, l);
        const key = `tap ${host.id}/${l.name}`;
        standIns.push({ short: vm.short, reason: vm.reason });
        for (const a of vm.addresses) owned.add(parseCidr(a)!.text);
        drafts.push({ name: l.name, place: { host: host.id }, standsFor: `tap ${l.name} (a veth to the VM stand-in ${vm.short})`, addresses: [], keys: [key] });
        drafts.push({ name: 'eth0', place: { standin: vm.short }, standsFor: `VM behind ${l.name}`, addresses: vm.addresses, gateways: vm.gateways, mac: vm.mac, keys: [key] });
      }
      if (l.kind === 'vrf') notes.push(`${host.id}: VRF ${l.name} cannot be created by this kernel and is not stood in`);
      if (!STOOD_IN_ROOT.has(l.kind) || bondMembers.has(l.name)) continue;
      if (l.kind !== 'nic') sim.standInNetdevs.push(l.name);
      drafts.push({ name: l.name, place: { host: host.id }, standsFor: `${l.kind} ${l.name}`, addresses: [], keys: segmentKeys(l) });
    }
    for (const ns of host.namespaces) {
      noteHops(ns.links, ns.routes);
      for (const l of ns.links) {
        if (l.kind === 'nic') drafts.push({ name: l.name, place: { host: host.id }, standsFor: `nic ${l.name} (moved into ${ns.name} by the script)`, addresses: [], keys: segmentKeys(l) });
        if (l.kind === 'vlan') {
          if (!sim.preNamespaces.includes(ns.name)) sim.preNamespaces.push(ns.name);
          drafts.push({ name: l.name, place: { host: host.id, ns: ns.name }, standsFor: `vlan ${l.name} (id ${l.vlan?.id} on ${l.vlan?.link}) in ${ns.name}`, addresses: [], keys: segmentKeys(l) });
        }
      }
    }
  }

  // Check targets that nobody in the lab owns are answered by the external stand-in of their segment.
  for (const c of model.checks) {
    const to = c.reach?.to ?? c.no_reach?.to;
    if (to && c.reach) nextHops.push({ addr: to, why: 'target of a reach check' });
  }
  addExternals(drafts, nextHops, owned, standIns);

  const segments = joinSegments(drafts);
  for (const s of segments) for (const p of s.ports) if (!('standin' in p.place)) notes.push(`${p.place.host}: ${p.standsFor} is a veth on segment ${s.label}`);
  return { hosts, standIns, segments, notes };
}

/** One external stand-in per subnet holding every next hop (and reach target) that no lab member owns. */
function addExternals(drafts: PortDraft[], hops: Array<{ addr: string; why: string }>, owned: Set<string>, standIns: StandIn[]): void {
  const subnets = new Map<string, number>();
  for (const d of drafts) {
    for (const k of d.keys) {
      const c = parseCidr(k);
      if (c) subnets.set(k, c.prefix);
    }
  }
  const byNet = new Map<string, { addrs: Set<string>; why: Set<string> }>();
  for (const h of hops) {
    const a = parseAddress(h.addr);
    if (!a || owned.has(a.text)) continue;
    for (const [net, prefix] of subnets) {
      const c = parseCidr(`${a.text}/${prefix}`);
      if (!c || c.family !== parseCidr(net)?.family || c.networkText !== net) continue;
      const e = byNet.get(net) ?? { addrs: new Set(), why: new Set() };
      e.addrs.add(`${a.text}/${prefix}`);
      e.why.add(`${a.text} (${h.why})`);
      byNet.set(net, e);
    }
  }
  let n = 0;
  for (const [net, e] of [...byNet].sort(([a], [b]) => a.localeCompare(b))) {
    const short = `x${n++}`;
    standIns.push({ short, reason: `external network ${net}: ${[...e.why].sort().join(', ')}` });
    drafts.push({ name: 'eth0', place: { standin: short }, standsFor: `external ${net}`, addresses: [...e.addrs].sort(), keys: [net] });
  }
}

/** Ports that share any key end up on one segment (union-find over keys, linear in ports). */
function joinSegments(drafts: PortDraft[]): Segment[] {
  const parent = drafts.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const firstWithKey = new Map<string, number>();
  drafts.forEach((d, i) => {
    for (const k of d.keys) {
      const j = firstWithKey.get(k);
      if (j === undefined) firstWithKey.set(k, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, PortDraft[]>();
  drafts.forEach((d, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(d);
    else groups.set(r, [d]);
  });
  return [...groups.values()].map((g) => {
    const keys = [...new Set(g.flatMap((d) => d.keys))].sort();
    return { label: keys.length ? keys.join(' ') : `unconnected ${g[0].name}`, ports: g.map(({ keys: _k, ...p }) => p) };
  });
}
