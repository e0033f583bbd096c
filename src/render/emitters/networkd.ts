import type { HostModel, Link, RouteModel, RuleModel } from '../../model/types.js';
import { hostRoot, type Emitter, type PlannedFile } from '../../plan/artifact.js';

const UNIT_DIR = 'etc/systemd/network';
const PREFIX = '10-netgen-';

/** A route as networkd's [Route] section spells it. */
export type RouteView = Pick<RouteModel, 'table' | 'metric' | 'onlink' | 'source' | 'description'> & {
  destination: string;
  gateway?: string;
  scope?: string;
  type?: string;
};

/** A rule as networkd's [RoutingPolicyRule] section spells it. */
export type RuleView = Omit<RuleModel, 'family' | 'origin' | 'tableName'> & { family: 'ipv4' | 'ipv6' };

/** `onLinkFamilies`: families for which the link has no address, so a gateway can only be on-link (routed networks). */
export function routeView(r: RouteModel, onLinkFamilies: Set<number> = new Set()): RouteView {
  const isDefault = r.to === '0.0.0.0/0' || r.to === '::/0';
  return {
    destination: isDefault && r.via ? '' : r.to,
    gateway: r.via,
    table: r.table,
    metric: r.metric,
    // networkd ignores (and warns about) Scope= on IPv6 routes.
    scope: r.family === 6 ? undefined : (r.scope ?? (!r.via && !isDefault && r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit' ? 'link' : undefined)),
    type: r.type && r.type !== 'unicast' ? r.type : undefined,
    onlink: r.onlink ?? (r.via && onLinkFamilies.has(r.family) ? true : undefined),
    source: r.source,
    description: r.description,
  };
}

export function ruleView(r: RuleModel): RuleView {
  return { from: r.from, to: r.to, iif: r.iif, oif: r.oif, fwmark: r.fwmark, table: r.table, priority: r.priority, family: r.family === 4 ? 'ipv4' : 'ipv6', description: r.description };
}

/** What a .network unit says about one link; the template lays it out. */
function networkView(l: Link) {
  const hasAddresses = l.addresses.length > 0 || !!l.dhcp;
  const isPort = !!(l.master || l.bond);
  return {
    name: l.name,
    description: l.description ?? (l.derivedFrom ? `netgen: ${l.derivedFrom}` : undefined),
    mtu: l.kind === 'nic' || l.kind === 'tap' ? l.mtu : undefined,
    mac: l.kind === 'nic' ? l.mac : undefined,
    linkLocal: l.linkLocal === false || (!hasAddresses && l.linkLocal !== true) ? 'no' : l.linkLocal === true ? 'ipv6' : undefined,
    acceptRa: l.acceptRa === undefined ? (hasAddresses || l.dhcp ? undefined : false) : l.acceptRa,
    dhcp: l.dhcp,
    addresses: l.addresses.map((a) => a.text),
    gateways: [l.gateway, l.gateway6].filter(Boolean),
    bond: l.bond,
    primary: l.primaryMember,
    bridge: l.master,
    vrf: l.vrf,
    vlans: [...l.stacked.vlans].sort(),
    vxlans: [...l.stacked.vxlans].sort(),
    macvlans: [...l.stacked.macvlans].sort(),
    proxyArp: l.proxyArp,
    proxyNdp: l.proxyNdp || l.proxyNdpAddresses.length > 0 ? true : undefined,
    proxyNdpAddresses: l.proxyNdpAddresses,
    forward: l.forwarding,
    configureWithoutCarrier: l.kind === 'bridge' || l.kind === 'vxlan' || l.kind === 'tap' || l.kind === 'vrf' ? true : undefined,
    requiredForOnline: !hasAddresses || isPort || l.kind === 'tap' ? false : undefined,
    routes: l.routes.map((r) => routeView(r, new Set([4, 6].filter((f) => !l.addresses.some((a) => a.cidr.family === f))))),
    rules: l.rules.map(ruleView),
    fdb: l.vxlan?.fdb ?? [],
  };
}

function netdevView(l: Link) {
  return {
    name: l.name,
    kind: l.kind,
    description: l.description ?? (l.derivedFrom ? `netgen: ${l.derivedFrom}` : undefined),
    mtu: l.mtu,
    mac: l.mac,
    bond: l.bondOpts && {
      mode: l.bondOpts.mode,
      hashPolicy: l.bondOpts.hashPolicy,
      lacpRate: l.bondOpts.lacpRate,
      miimon: l.bondOpts.miimon !== undefined ? `${l.bondOpts.miimon}ms` : l.bondOpts.mode === 'active-backup' || l.bondOpts.mode === '802.3ad' ? '100ms' : undefined,
      minLinks: l.bondOpts.minLinks,
    },
    vlan: l.vlan,
    bridge: l.bridge && {
      stp: l.bridge.stp ?? false,
      ageing: l.bridge.ageing,
      forwardDelay: l.bridge.forwardDelay,
      priority: l.bridge.priority,
      vlanFiltering: l.bridge.vlanFiltering,
    },
    vxlan: l.vxlan && { ...l.vxlan },
    macvlan: l.macvlan,
    peer: l.kind === 'veth' && l.veth ? { name: l.veth.peer, mac: l.veth.peerMac, mtu: l.mtu } : undefined,
    vrfTable: l.vrfTable,
  };
}

/** Names the namespace scripts create or move in the root namespace: networkd must leave them alone. */
export function scriptOwnedRootNames(host: HostModel): string[] {
  const names = new Set<string>();
  for (const ns of host.namespaces)
    for (const l of ns.links) {
      if (l.veth) names.add(l.veth.peer);
      if (l.kind === 'nic' || l.kind === 'vlan' || l.kind === 'macvlan') names.add(l.name);
    }
  return [...names].sort();
}

export const networkdEmitter: Emitter = {
  target: 'networkd',
  planHost(host: HostModel): PlannedFile[] {
    if (host.role !== 'linux') return [];
    const root = `${hostRoot(host)}/${UNIT_DIR}`;
    const files: PlannedFile[] = [];
    const base = { kind: 'networkd' as const, site: host.site, host: host.name };
    const unmanaged = scriptOwnedRootNames(host);
    if (unmanaged.length) files.push({ ...base, path: `${root}/05-netgen-unmanaged.network`, template: 'networkd/unmanaged.network.hbs', context: { names: unmanaged } });
    for (const l of host.links) {
      if (l.owner === 'script') continue;
      if (l.matchMac) files.push({ ...base, path: `${root}/${PREFIX}${l.name}.link`, template: 'networkd/link.hbs', context: { name: l.name, matchMac: l.matchMac } });
      const isPeer = l.kind === 'veth' && !l.veth;
      if (!['nic', 'tap'].includes(l.kind) && !isPeer) files.push({ ...base, path: `${root}/${PREFIX}${l.name}.netdev`, template: 'networkd/netdev.hbs', context: netdevView(l) });
      files.push({ ...base, path: `${root}/${PREFIX}${l.name}.network`, template: 'networkd/network.hbs', context: networkView(l) });
    }
    const tables = host.tables.filter((t) => t.id > 0);
    if (tables.length) {
      const ctx = { tables: [...tables].sort((a, b) => a.id - b.id) };
      files.push({ ...base, path: `${hostRoot(host)}/etc/systemd/networkd.conf.d/10-netgen-tables.conf`, template: 'networkd/networkd-tables.conf.hbs', context: ctx });
      files.push({ ...base, path: `${hostRoot(host)}/etc/iproute2/rt_tables.d/netgen.conf`, template: 'networkd/rt_tables.hbs', context: ctx });
    }
    if (host.sysctls.length) {
      files.push({ ...base, kind: 'sysctl', path: `${hostRoot(host)}/etc/sysctl.d/60-netgen.conf`, template: 'networkd/sysctl.conf.hbs', context: { sysctls: host.sysctls.map(([key, value]) => ({ key, value })) } });
    }
    return files;
  },
};
