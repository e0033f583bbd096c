import type { JsonPath } from '../../../load/source.js';
import type { HostModel, Link, NamespaceModel } from '../../../model/types.js';
import type { Firewall, NatRule } from '../../../schema/targets.js';
import type { Static } from '@sinclair/typebox';

export type NatInput = Static<typeof NatRule>;
export type FirewallInput = Static<typeof Firewall>;

/** One place a ruleset is loaded: the root namespace of a host, or one of its network namespaces. */
export interface FirewallScope {
  host: HostModel;
  ns?: NamespaceModel;
  /** "ceph01" or "ceph01/tenantA": how rule comments name the scope. */
  label: string;
  /** Inventory path of the host or namespace (nat/firewall live below it). */
  path: JsonPath;
  links: Link[];
  /** Interface names that exist in this namespace (links, and root ends of namespace veths). */
  ifnames: Set<string>;
  /** Addresses configured in this namespace (a service on one of them is local: input, not forward). */
  localAddresses: Set<string>;
  nat: NatInput[];
  firewall?: FirewallInput;
}

export function rootScope(host: HostModel): FirewallScope {
  const ifnames = new Set(host.links.map((l) => l.name));
  const localAddresses = new Set(host.links.flatMap((l) => l.addresses.map((a) => a.cidr.text)));
  // The root ends of namespace veths live in the root namespace too.
  for (const ns of host.namespaces)
    for (const l of ns.links)
      if (l.veth) {
        ifnames.add(l.veth.peer);
        for (const a of l.veth.peerAddresses) localAddresses.add(a.cidr.text);
      }
  return { host, label: host.name, path: host.origin, links: host.links, ifnames, localAddresses, nat: host.input.nat ?? [], firewall: host.input.firewall };
}

export function namespaceScope(host: HostModel, ns: NamespaceModel): FirewallScope {
  return {
    host,
    ns,
    label: `${host.name}/${ns.name}`,
    path: ns.origin,
    links: ns.links,
    ifnames: new Set(ns.links.map((l) => l.name)),
    localAddresses: new Set(ns.links.flatMap((l) => l.addresses.map((a) => a.cidr.text))),
    nat: ns.input.nat ?? [],
    firewall: ns.input.firewall,
  };
}

/** Every scope of a Linux host, root first. */
export function scopesOf(host: HostModel): FirewallScope[] {
  if (host.role !== 'linux') return [];
  return [rootScope(host), ...host.namespaces.map((ns) => namespaceScope(host, ns))];
}

/** A dotted path below the scope for comments: nat[0], firewall.services.mds-tenanta. */
export function refText(scope: FirewallScope, ...rest: Array<string | number>): string {
  let s = scope.label;
  let first = true;
  for (const r of rest) {
    s += typeof r === 'number' ? `[${r}]` : `${first ? ' ' : '.'}${r}`;
    first = false;
  }
  return s;
}
