import type { HostModel, Link, NamespaceModel, RouteModel, RuleModel } from '../../model/types.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput } from '../../plan/artifact.js';

export const NETNS_LIB_DIR = 'usr/local/lib/netgen';
export const NETNS_SERVICE = 'netgen-netns.service';

/** `ip route replace` arguments for a route (the template quotes each word). */
export function routeArgs(r: RouteModel): string[] {
  const a: string[] = [];
  if (r.type && r.type !== 'unicast') a.push(r.type);
  a.push(r.to === '0.0.0.0/0' || r.to === '::/0' ? 'default' : r.to);
  if (r.via) a.push('via', r.via);
  if (r.dev) a.push('dev', r.dev);
  if (r.onlink) a.push('onlink');
  if (r.table) a.push('table', String(r.table));
  if (r.metric !== undefined) a.push('metric', String(r.metric));
  if (r.scope) a.push('scope', r.scope);
  if (r.source) a.push('src', r.source);
  return a;
}

export function ruleArgs(r: RuleModel): string[] {
  const a: string[] = [];
  if (r.priority) a.push('priority', String(r.priority));
  a.push(...(r.from ? ['from', r.from] : []), ...(r.to ? ['to', r.to] : []));
  if (r.iif) a.push('iif', r.iif);
  if (r.oif) a.push('oif', r.oif);
  if (r.fwmark) a.push('fwmark', String(r.fwmark));
  a.push('table', String(r.table));
  return a;
}

/** Per-interface sysctls use the slash form so that dots in names (bond0.992) survive. */
function linkSysctls(l: Link): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  if (l.proxyArp !== undefined) out.push({ key: `net/ipv4/conf/${l.name}/proxy_arp`, value: l.proxyArp ? '1' : '0' });
  if (l.proxyNdp !== undefined) out.push({ key: `net/ipv6/conf/${l.name}/proxy_ndp`, value: l.proxyNdp ? '1' : '0' });
  if (l.forwarding !== undefined) {
    out.push({ key: `net/ipv4/conf/${l.name}/forwarding`, value: l.forwarding ? '1' : '0' });
    out.push({ key: `net/ipv6/conf/${l.name}/forwarding`, value: l.forwarding ? '1' : '0' });
  }
  return out;
}

function namespaceView(ns: NamespaceModel, host: HostModel) {
  const of = (kind: Link['kind']) => ns.links.filter((l) => l.kind === kind);
  const sysctls: Array<{ key: string; value: string }> = [];
  if (ns.forwarding) sysctls.push({ key: 'net.ipv4.ip_forward', value: '1' }, { key: 'net.ipv6.conf.all.forwarding', value: '1' });
  for (const [key, value] of ns.sysctls) sysctls.push({ key, value });
  for (const l of ns.links) sysctls.push(...linkSysctls(l));
  const rootLinks = new Map(host.links.map((l) => [l.name, l]));
  const waitFor = new Set<string>();
  for (const l of ns.links) {
    if (l.vlan && rootLinks.has(l.vlan.link)) waitFor.add(l.vlan.link);
    if (l.macvlan && rootLinks.has(l.macvlan.link)) waitFor.add(l.macvlan.link);
    if (l.veth?.peerBridge) waitFor.add(l.veth.peerBridge);
  }
  const routes = [...ns.links.flatMap((l) => l.routes), ...ns.routes];
  const rules = [...ns.links.flatMap((l) => l.rules), ...ns.rules];
  const gateways = ns.links.flatMap((l) => [l.gateway, l.gateway6].filter((g): g is string => !!g).map((g) => ({ family: g.includes(':') ? '-6' : '-4', gateway: g, dev: l.name })));
  return {
    name: ns.name,
    tenant: ns.tenant,
    description: ns.description,
    waitFor: [...waitFor].sort(),
    nics: of('nic').map((l) => ({ name: l.name, mtu: l.mtu, mac: l.mac })),
    vlans: of('vlan').map((l) => ({ name: l.name, parent: l.vlan!.link, id: l.vlan!.id, mac: l.mac, mtu: l.mtu })),
    macvlans: of('macvlan').map((l) => ({ name: l.name, parent: l.macvlan!.link, mode: l.macvlan!.mode, mac: l.mac, mtu: l.mtu })),
    veths: of('veth').map((l) => ({
      name: l.name,
      peer: l.veth!.peer,
      mac: l.mac,
      peerMac: l.veth!.peerMac,
      mtu: l.mtu,
      peerMtu: l.veth!.peerMtu ?? l.mtu,
      peerBridge: l.veth!.peerBridge,
      peerAddresses: l.veth!.peerAddresses.map((a) => a.text),
    })),
    bridges: of('bridge').map((l) => ({ name: l.name, mtu: l.mtu, mac: l.mac, stp: l.bridge?.stp ? 1 : 0, ageing: l.bridge?.ageing })),
    vxlans: of('vxlan').map((l) => ({ name: l.name, args: vxlanArgs(l), mtu: l.mtu, fdb: l.vxlan!.fdb })),
    masters: ns.links.filter((l) => l.master).map((l) => ({ name: l.name, master: l.master })),
    addresses: ns.links.flatMap((l) => l.addresses.map((a) => ({ dev: l.name, cidr: a.text }))),
    up: ns.links.map((l) => l.name),
    routes: routes.map(routeArgs).map((args) => ({ args, family: args.some((w) => w.includes(':')) ? '-6' : '-4' })),
    rules: rules.map((r) => ({ args: ruleArgs(r), family: r.family === 6 ? '-6' : '-4' })),
    gateways,
    sysctls,
  };
}

function vxlanArgs(l: Link): string[] {
  const v = l.vxlan!;
  const a = ['id', String(v.vni)];
  if (v.local) a.push('local', v.local);
  if (v.remote) a.push('remote', v.remote);
  if (v.group) a.push('group', v.group);
  if (v.underlay) a.push('dev', v.underlay);
  a.push('dstport', String(v.port));
  if (!v.learning) a.push('nolearning');
  if (v.ttl) a.push('ttl', String(v.ttl));
  return a;
}

/**
 * Other targets add steps to a namespace's setup and teardown (load its nftables ruleset, start a
 * daemon): each returns ready-quoted shell lines, run after links and addresses exist and before forwarding is switched on (so a firewall is in place before the namespace routes anything).
 */
export type NamespaceHook = (host: HostModel, ns: NamespaceModel, shared: SharedPlanInput) => { up: string[]; down: string[] };
const namespaceHooks: NamespaceHook[] = [];

export function registerNamespaceHook(hook: NamespaceHook): void {
  namespaceHooks.push(hook);
}

export const netnsEmitter: Emitter = {
  target: 'netns',
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    if (host.role !== 'linux' || host.namespaces.length === 0) return [];
    const base = { site: host.site, host: host.name };
    const namespaces = host.namespaces.map((ns) => {
      const hooks = namespaceHooks.map((h) => h(host, ns, shared));
      return { ...namespaceView(ns, host), hooks: hooks.flatMap((h) => h.up), hooksDown: hooks.flatMap((h) => h.down) };
    });
    const ctx = { host: host.name, site: host.site, inventory: shared.source, namespaces, reversed: [...namespaces].reverse(), libDir: `/${NETNS_LIB_DIR}` };
    const dir = `${hostRoot(host)}/${NETNS_LIB_DIR}`;
    return [
      { ...base, kind: 'netns', path: `${dir}/netns-up.sh`, template: 'netns/netns-up.sh.hbs', context: ctx, mode: 0o755 },
      { ...base, kind: 'netns', path: `${dir}/netns-down.sh`, template: 'netns/netns-down.sh.hbs', context: ctx, mode: 0o755 },
      { ...base, kind: 'systemd', path: `${hostRoot(host)}/etc/systemd/system/${NETNS_SERVICE}`, template: 'netns/netgen-netns.service.hbs', context: ctx },
    ];
  },
};
