import type { HostModel, Link, NamespaceModel } from '../model/types.js';

/**
 * The resolved hosts live through the whole build: at 10,000 hosts they were 450 MB. Resolving builds
 * them the easy way: every link starts with seven empty arrays (routes, rules, stacked VLANs…), and
 * lists grow by push, which leaves spare capacity (a one-element list has room for seventeen). Once the
 * hosts are whole, this pass makes them smaller (by 85 MB at 10,000 hosts): one shared, frozen empty
 * array, and every other list copied at its length. Objects keep their identity. From here on the
 * model is read-only: a push onto the shared empty array throws, as it should.
 */
const EMPTY: readonly never[] = Object.freeze([]);

/** The list at its exact length (the shared empty one when empty). */
function exact<T>(list: T[]): T[] {
  return list.length === 0 ? (EMPTY as unknown as T[]) : list.slice();
}

export function compactHosts(hosts: readonly HostModel[]): void {
  for (const h of hosts) {
    h.links = exact(h.links);
    h.links.forEach(compactLink);
    h.tables = exact(h.tables);
    h.routes = exact(h.routes);
    h.rules = exact(h.rules);
    h.sysctls = exact(h.sysctls);
    h.namespaces = exact(h.namespaces);
    h.namespaces.forEach(compactNamespace);
    compactInput(h.input);
  }
}

function compactNamespace(ns: NamespaceModel): void {
  ns.links = exact(ns.links);
  ns.links.forEach(compactLink);
  ns.routes = exact(ns.routes);
  ns.rules = exact(ns.rules);
  ns.sysctls = exact(ns.sysctls);
  compactInput(ns.input);
}

function compactLink(l: Link): void {
  l.addresses = exact(l.addresses);
  l.routes = exact(l.routes);
  l.rules = exact(l.rules);
  l.proxyNdpAddresses = exact(l.proxyNdpAddresses);
  const s = l.stacked;
  s.vlans = exact(s.vlans);
  s.vxlans = exact(s.vxlans);
  s.macvlans = exact(s.macvlans);
  if (l.veth) l.veth.peerAddresses = exact(l.veth.peerAddresses);
  if (l.vxlan) l.vxlan.fdb = exact(l.vxlan.fdb);
}

/** The parts of the input kept as written (parsed lists grow by push too). */
function compactInput(o: object): void {
  const record = o as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (Array.isArray(v)) {
      const list = exact(v);
      for (const x of list) if (x !== null && typeof x === 'object') compactInput(x);
      record[key] = list;
    } else if (v !== null && typeof v === 'object') compactInput(v);
  }
}
