import type { JsonPath } from '../load/source.js';
import type { HostModel, Link, NamespaceModel, TableModel } from '../model/types.js';
import { cidrContains, parseAddress } from '../net/ip.js';
import type { HostInput, InventoryInput, NamespaceInput } from '../schema/inventory.js';
import { didYouMean } from '../util/suggest.js';
import type { ResolveContext } from './context.js';
import { buildLinks, linkIndex, newLink } from './links.js';
import { deriveMac, vidCtxIfMac } from './names.js';
import { parseRoute, parseRules, TableScope } from './routing.js';
import { HOST_TARGET_KEYS, NAMESPACE_TARGET_KEYS, targetInput } from './target-input.js';

function sysctlValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

function resolveTables(hostId: string, input: HostInput, path: JsonPath, inv: InventoryInput, ctx: ResolveContext): TableModel[] {
  const range = inv.defaults?.table_range ?? { start: 1000, end: 1999 };
  const tables: TableModel[] = [];
  const byId = new Map<number, string>();
  for (const [name, id] of Object.entries(input.tables ?? {})) {
    const tpath = path.concat('tables', name);
    if (id === null || id === undefined) {
      const t: TableModel = { name, id: 0, origin: tpath, allocated: true };
      tables.push(t);
      ctx.allocator.requestNumber({ kind: 'tables', key: `${hostId}/${name}`, scope: hostId, range: [range.start, range.end], assign: (n) => (t.id = n), fail: () => ctx.error('NG4004', `no free routing table id for ${name}`, tpath, { at: 'key' }) });
      continue;
    }
    if (id >= 253 && id <= 255) {
      ctx.error('NG5008', `table id ${id} is reserved (253 default, 254 main, 255 local)`, tpath);
      continue;
    }
    const other = byId.get(id);
    if (other) ctx.error('NG5008', `table id ${id} of '${name}' is already used by '${other}'`, tpath, { related: [{ message: 'first used here', path: path.concat('tables', other) }] });
    byId.set(id, name);
    ctx.allocator.reserveNumber('tables', hostId, id);
    tables.push({ name, id, origin: tpath, allocated: false });
  }
  return tables;
}

function refError(ctx: ResolveContext, what: string, name: string, path: JsonPath, candidates: Iterable<string>, at: 'key' | 'value' = 'value'): void {
  ctx.error('NG3001', `unknown ${what} '${name}'`, path, { hint: didYouMean(name, candidates), at });
}

/** Where a VLAN/macvlan parent is written: its `link:` value, or the link's own name (bond0.992). */
function parentRefPath(l: Link, input: { vlans?: Record<string, { link?: string }>; macvlans?: Record<string, { link?: string }> }): { path: JsonPath; at: 'key' | 'value' } {
  const explicit = l.vlan ? Object.hasOwn(input.vlans ?? {}, l.name) && input.vlans![l.name].link !== undefined : true;
  return explicit ? { path: l.origin.concat('link'), at: 'value' } : { path: l.origin, at: 'key' };
}

/** Resolves the cross references among a host's root-namespace links. */
function wireRootLinks(host: HostModel, input: HostInput, path: JsonPath, ctx: ResolveContext): void {
  const byName = linkIndex(host.links);
  const memberAt = new Map<string, JsonPath>();
  const take = (member: string, owner: string, mpath: JsonPath) => {
    const m = byName.get(member);
    if (!m) {
      refError(ctx, 'interface', member, mpath, byName.keys());
      return undefined;
    }
    if (m.master || m.bond) {
      const first = memberAt.get(member);
      ctx.error('NG3004', `${member} is already a member of ${m.master ?? m.bond}; it cannot also join ${owner}`, mpath, { related: first ? [{ message: 'first used here', path: first }] : undefined });
      return undefined;
    }
    memberAt.set(member, mpath);
    return m;
  };
  // Root veth pairs: the peer is a link of its own (it can join a bridge).
  for (const l of [...host.links]) {
    if (l.kind !== 'veth' || !l.veth) continue;
    if (byName.has(l.veth.peer)) {
      ctx.error('NG3002', `veth peer name '${l.veth.peer}' is already used on host ${host.id}`, l.origin.concat('peer'), { related: [{ message: 'first defined here', path: byName.get(l.veth.peer)!.origin }] });
      continue;
    }
    const peer = newLink(l.veth.peer, 'veth', 'networkd', l.origin);
    peer.derivedFrom = `peer of ${l.name}`;
    peer.addresses = l.veth.peerAddresses;
    peer.mac = l.veth.peerMac;
    peer.mtu = l.mtu;
    host.links.push(peer);
    byName.set(peer.name, peer);
    if (l.veth.peerBridge) peer.master = l.veth.peerBridge;
  }
  for (const [bondName, bond] of Object.entries(input.bonds ?? {})) {
    bond.members.forEach((member, i) => {
      const m = take(member, bondName, path.concat('bonds', bondName, 'members', i));
      if (m) {
        m.bond = bondName;
        if (bond.primary === member) m.primaryMember = true;
      }
    });
    if (bond.primary && !bond.members.includes(bond.primary)) ctx.error('NG3001', `primary '${bond.primary}' is not a member of ${bondName}`, path.concat('bonds', bondName, 'primary'), { hint: didYouMean(bond.primary, bond.members) });
  }
  for (const [brName, br] of Object.entries(input.bridges ?? {})) {
    (br.members ?? []).forEach((member, i) => {
      const m = take(member, brName, path.concat('bridges', brName, 'members', i));
      if (m) m.master = brName;
    });
  }
  for (const l of host.links) {
    if (l.master && byName.get(l.master)?.kind !== 'bridge') {
      if (l.derivedFrom?.startsWith('peer of')) refError(ctx, 'bridge', l.master, l.origin.concat('peer_bridge'), host.links.filter((x) => x.kind === 'bridge').map((x) => x.name));
    }
    if (l.vlan) {
      const parent = byName.get(l.vlan.link);
      const where = parentRefPath(l, input);
      if (!parent) refError(ctx, 'VLAN parent interface', l.vlan.link, where.path, byName.keys(), where.at);
      else parent.stacked.vlans.push(l.name);
    }
    if (l.macvlan) {
      const parent = byName.get(l.macvlan.link);
      if (!parent) refError(ctx, 'macvlan parent interface', l.macvlan.link, l.origin.concat('link'), byName.keys());
      else parent.stacked.macvlans.push(l.name);
    }
    if (l.vrf && !Object.hasOwn(input.vrfs ?? {}, l.vrf)) refError(ctx, 'VRF', l.vrf, l.origin.concat('vrf'), Object.keys(input.vrfs ?? {}));
  }
}

export function wireVxlan(l: Link, host: HostModel, ctx: ResolveContext, byName: Map<string, Link>): void {
  if (!l.vxlan) return;
  const underlayName = l.vxlan.underlay ?? host.underlay?.link;
  const underlay = underlayName ? byName.get(underlayName) : undefined;
  if (l.vxlan.underlay && !underlay) {
    refError(ctx, 'underlay interface', l.vxlan.underlay, l.origin.concat('underlay'), byName.keys());
    return;
  }
  if (underlay) {
    if (l.owner === 'networkd' && underlay.owner !== 'script') underlay.stacked.vxlans.push(l.name);
    l.vxlan.underlay = underlay.name;
    if (!l.vxlan.local) {
      const peerFamily = parseAddress(l.vxlan.remote ?? l.vxlan.group ?? l.vxlan.fdb[0] ?? '')?.family ?? 4;
      l.vxlan.local = underlay.addresses.find((a) => a.cidr.family === peerFamily)?.cidr.text ?? underlay.addresses[0]?.cidr.text;
    }
  }
}

function pickUnderlay(host: HostModel, input: HostInput, path: JsonPath, ctx: ResolveContext): HostModel['underlay'] {
  const byName = linkIndex(host.links);
  let link: Link | undefined;
  if (input.underlay) {
    link = byName.get(input.underlay);
    if (!link) {
      refError(ctx, 'underlay interface', input.underlay, path.concat('underlay'), byName.keys());
      return undefined;
    }
  } else {
    link = host.links.find((l) => l.owner === 'networkd' && l.addresses.length > 0 && ['nic', 'bond', 'vlan', 'bridge'].includes(l.kind) && !l.derivedFrom);
  }
  if (!link) return undefined;
  return { link: link.name, v4: link.addresses.find((a) => a.cidr.family === 4)?.cidr.text, v6: link.addresses.find((a) => a.cidr.family === 6)?.cidr.text };
}

/** Sets up one network namespace: its links (created or moved by the scripts), routes and sysctls. */
export function resolveNamespace(host: HostModel, name: string, input: NamespaceInput, path: JsonPath, tables: TableScope, ctx: ResolveContext, rootByName: Map<string, Link>): NamespaceModel {
  const links = buildLinks(input as never, path, 'script', tables, ctx);
  const ns: NamespaceModel = { name, tenant: input.tenant, description: input.description, origin: path, links, routes: [], rules: [], sysctls: [], forwarding: input.forwarding ?? false, input: targetInput(input, NAMESPACE_TARGET_KEYS) };
  const nsByName = linkIndex(links);
  // Pinned MACs win; then the namespace's MAC scheme; then a stable MAC derived from the name.
  if (input.macs) applyMacScheme(ns, input.macs.context, rootByName);
  for (const l of links) {
    if (l.kind === 'nic' && rootByName.has(l.name)) ctx.error('NG3004', `${l.name} is moved into namespace ${name} but is also configured in the root namespace`, l.origin, { at: 'key', related: [{ message: 'root namespace configuration', path: rootByName.get(l.name)!.origin }] });
    if ((l.vlan || l.macvlan) && !rootByName.has((l.vlan ?? l.macvlan)!.link) && !nsByName.has((l.vlan ?? l.macvlan)!.link)) {
      const where = parentRefPath(l, input as never);
      refError(ctx, 'parent interface', (l.vlan ?? l.macvlan)!.link, where.path, rootByName.keys(), where.at);
    }
    if (l.veth) {
      if (rootByName.has(l.veth.peer)) ctx.error('NG3002', `veth peer '${l.veth.peer}' clashes with an interface of the root namespace`, l.origin.concat('peer'), { related: [{ message: 'root interface', path: rootByName.get(l.veth.peer)!.origin }] });
      if (l.veth.peerBridge) {
        const br = rootByName.get(l.veth.peerBridge);
        if (!br || br.kind !== 'bridge') refError(ctx, 'bridge', l.veth.peerBridge, l.origin.concat('peer_bridge'), host.links.filter((x) => x.kind === 'bridge').map((x) => x.name));
      }
      l.veth.peerMac ??= deriveMac(`${host.id}/${l.veth.peer}`);
      l.veth.peerMtu = l.mtu;
    }
    if (l.kind === 'vlan' || l.kind === 'macvlan' || l.kind === 'veth') l.mac ??= deriveMac(`${host.id}/${name}/${l.name}`);
  }
  // Bridges inside the namespace take namespace links as members.
  for (const [brName, br] of Object.entries(input.bridges ?? {})) {
    (br.members ?? []).forEach((m, i) => {
      const member = nsByName.get(m);
      if (!member) refError(ctx, 'interface', m, path.concat('bridges', brName, 'members', i), nsByName.keys());
      else member.master = brName;
    });
  }
  for (const l of links) if (l.vxlan) wireVxlan(l, host, ctx, nsByName);
  (input.routes ?? []).forEach((r, i) => {
    const m = parseRoute(r, path.concat('routes', i), tables, ctx);
    if (m) ns.routes.push(m);
  });
  (input.rules ?? []).forEach((r, i) => ns.rules.push(...parseRules(r, path.concat('rules', i), tables, ctx)));
  for (const [k, v] of Object.entries(input.sysctls ?? {})) ns.sysctls.push([k, sysctlValue(v)]);
  return ns;
}

/** Seed 004: 02:VID:CTX:IF for VLAN and macvlan interfaces; IF counts interfaces on the same VID, by name. */
function applyMacScheme(ns: NamespaceModel, context: number, rootByName: Map<string, Link>): void {
  const byVid = new Map<number, Link[]>();
  for (const l of [...ns.links].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const vid = l.vlan?.id ?? (l.macvlan ? (rootByName.get(l.macvlan.link)?.vlan?.id ?? 0) : undefined);
    if (vid === undefined) continue;
    const list = byVid.get(vid) ?? [];
    list.push(l);
    byVid.set(vid, list);
  }
  for (const [vid, list] of byVid) list.forEach((l, i) => (l.mac ??= vidCtxIfMac(vid, context, i)));
}

export function resolveHostBase(site: string, name: string, input: HostInput, path: JsonPath, inv: InventoryInput, ctx: ResolveContext): { host: HostModel; tables: TableScope } {
  const id = `${site}/${name}`;
  const tables = new TableScope(resolveTables(id, input, path, inv, ctx));
  const host: HostModel = {
    site,
    name,
    id,
    role: input.role ?? 'linux',
    origin: path,
    description: input.description,
    managementAddress: input.management_address,
    links: buildLinks(input as never, path, 'networkd', tables, ctx),
    tables: tables.tables,
    routes: [],
    rules: [],
    sysctls: Object.entries(input.sysctls ?? {}).map(([k, v]) => [k, sysctlValue(v)] as [string, string]),
    namespaces: [],
    input: targetInput(input, HOST_TARGET_KEYS),
  };
  wireRootLinks(host, input, path, ctx);
  host.underlay = pickUnderlay(host, input, path, ctx);
  for (const [vname, vrf] of Object.entries(input.vrfs ?? {})) {
    const l = newLink(vname, 'vrf', 'networkd', path.concat('vrfs', vname));
    l.vrfTable = vrf.table;
    l.description = vrf.description;
    host.links.push(l);
  }
  // Host routes without a device go on the link whose subnet holds the gateway.
  (input.routes ?? []).forEach((r, i) => {
    const m = parseRoute(r, path.concat('routes', i), tables, ctx);
    if (!m) return;
    const via = m.via ? parseAddress(m.via) : undefined;
    // Routes without a next hop (blackhole, unreachable, prohibit) need no device; networkd still wants them in some unit.
    const deviceless = m.type && m.type !== 'unicast';
    const dev = via
      ? host.links.find((l) => l.addresses.some((a) => cidrContains(a.cidr, via)))
      : deviceless
        ? host.links.find((l) => l.name === host.underlay?.link) ?? host.links.find((l) => l.owner === 'networkd')
        : undefined;
    if (!dev) {
      ctx.error('NG4002', `route to ${r.to}: no interface of ${id} has a subnet containing ${m.via ?? 'a gateway'}`, path.concat('routes', i), { hint: 'put the route under the interface it leaves by' });
      return;
    }
    dev.routes.push(deviceless ? m : { ...m, dev: dev.name });
  });
  (input.rules ?? []).forEach((r, i) => {
    const rules = parseRules(r, path.concat('rules', i), tables, ctx);
    const anchor = (r.iif && host.links.find((l) => l.name === r.iif)) || host.links.find((l) => l.name === host.underlay?.link) || host.links.find((l) => l.owner === 'networkd');
    if (anchor) anchor.rules.push(...rules);
    else host.rules.push(...rules);
  });
  return { host, tables };
}
