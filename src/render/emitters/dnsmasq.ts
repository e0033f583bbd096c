import type { HostModel, Link, Model, NamespaceModel } from '../../model/types.js';
import { cidrContains, formatAddress, parseAddress } from '../../net/ip.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput, type TargetReport } from '../../plan/artifact.js';
import { closest } from '../../util/suggest.js';
import { NETNS_SERVICE } from './netns.js';

/**
 * dnsmasq for namespaces with `dhcp:`. Started by a systemd template unit netgen-dnsmasq@NS that
 * enters the namespace (NetworkNamespacePath=), rather than from the namespace scripts: systemd then
 * supervises, restarts and logs each server on its own, and `systemctl restart netgen-dnsmasq@NS`
 * works by hand. A drop-in makes netgen-netns.service pull the instances in; PartOf= takes them
 * down and up with the namespaces (a recreated namespace needs a new process inside it).
 */

export const DNSMASQ_CONF_DIR = 'etc/netgen/dnsmasq';
export const DNSMASQ_UNIT = 'netgen-dnsmasq@.service';
export const DNSMASQ_RUN_DIR = '/run/netgen-dnsmasq';

type Dhcp = NonNullable<NamespaceModel['input']['dhcp']>;

/** The interface subnet a range lies in (undefined: reported by the semantic checks). */
export function rangeSubnet(link: Link | undefined, start: string, end: string) {
  const s = parseAddress(start);
  const e = parseAddress(end);
  if (!link || !s || !e || s.family !== e.family || s.value > e.value) return undefined;
  return link.addresses.find((a) => a.cidr.family === s.family && cidrContains(a.cidr, s) && cidrContains(a.cidr, e))?.cidr;
}

function dnsmasqView(host: HostModel, ns: NamespaceModel, dhcp: Dhcp) {
  const link = ns.links.find((l) => l.name === dhcp.interface);
  const canon = (a: string) => parseAddress(a)?.text ?? a;
  const ranges = dhcp.ranges.flatMap((r) => {
    const subnet = rangeSubnet(link, r.start, r.end);
    if (!subnet) return [];
    const lease = r.lease ?? '12h';
    // IPv4 takes the netmask (explicit, so the range does not depend on runtime detection); IPv6 the prefix length.
    const mask = subnet.family === 4 ? formatAddress(4, (~0n << BigInt(32 - subnet.prefix)) & 0xffffffffn) : String(subnet.prefix);
    return [{ start: canon(r.start), end: canon(r.end), mask, lease, v6: subnet.family === 6 }];
  });
  const v4 = (list: string[] | undefined) => (list ?? []).map(canon).filter((a) => !a.includes(':'));
  const v6 = (list: string[] | undefined) => (list ?? []).map(canon).filter((a) => a.includes(':'));
  return {
    host: host.name,
    namespace: ns.name,
    description: ns.description,
    interface: dhcp.interface,
    ranges,
    router: dhcp.router && !dhcp.router.includes(':') ? canon(dhcp.router) : undefined,
    dns4: v4(dhcp.dns_servers).join(','),
    dns6: v6(dhcp.dns_servers).map((a) => `[${a}]`).join(','),
    upstream: (dhcp.upstream_dns ?? []).map(canon),
    domain: dhcp.domain,
    hosts: Object.keys(dhcp.hosts ?? {})
      .sort()
      .map((name) => ({ name, mac: dhcp.hosts![name].mac.toLowerCase(), address: canon(dhcp.hosts![name].address), v6: dhcp.hosts![name].address.includes(':') })),
    pidFile: `${DNSMASQ_RUN_DIR}/${ns.name}/dnsmasq.pid`,
    leaseFile: `${DNSMASQ_RUN_DIR}/${ns.name}/dnsmasq.leases`,
  };
}

function checkDhcpNamespace(host: HostModel, ns: NamespaceModel, report: TargetReport): void {
  const dhcp = ns.input.dhcp;
  if (!dhcp) return;
  const at = [...ns.origin, 'dhcp'];
  const link = ns.links.find((l) => l.name === dhcp.interface);
  if (!link) {
    const guess = closest(dhcp.interface, ns.links.map((l) => l.name));
    report.error('NG6101', `DHCP interface '${dhcp.interface}' is not an interface of namespace ${ns.name} on ${host.id}`, [...at, 'interface'], { hint: guess ? `did you mean '${guess}'?` : `interfaces of ${ns.name}: ${ns.links.map((l) => l.name).join(', ') || 'none'}` });
    return;
  }
  const subnets = link.addresses.map((a) => a.text).join(', ') || 'no addresses';
  dhcp.ranges.forEach((r, i) => {
    const s = parseAddress(r.start);
    const e = parseAddress(r.end);
    if (s && e && (s.family !== e.family || s.value > e.value)) {
      report.error('NG6102', `DHCP range ${r.start} - ${r.end} is empty or mixes address families`, [...at, 'ranges', i]);
    } else if (!rangeSubnet(link, r.start, r.end)) {
      report.error('NG6102', `DHCP range ${r.start} - ${r.end} is not inside a subnet of ${link.name} (${subnets})`, [...at, 'ranges', i], { hint: 'dnsmasq only serves ranges on a subnet of the interface it is bound to' });
    }
  });
  const onLink = (addr: string) => {
    const a = parseAddress(addr);
    return !a || link.addresses.some((x) => x.cidr.family === a.family && cidrContains(x.cidr, a));
  };
  if (dhcp.router && !onLink(dhcp.router)) report.warning('NG6102', `DHCP router ${dhcp.router} is not on a subnet of ${link.name} (${subnets}); clients cannot reach it`, [...at, 'router']);
  for (const [name, h] of Object.entries(dhcp.hosts ?? {})) {
    if (!onLink(h.address)) report.error('NG6102', `static DHCP host ${name} (${h.address}) is not on a subnet of ${link.name} (${subnets})`, [...at, 'hosts', name, 'address']);
  }
}

export function checkDhcp(model: Model, report: TargetReport): void {
  for (const host of model.hosts) for (const ns of host.namespaces) checkDhcpNamespace(host, ns, report);
}

export const dnsmasqEmitter: Emitter = {
  target: 'dnsmasq',
  check: checkDhcp,
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    if (host.role !== 'linux') return [];
    const served = host.namespaces.filter((ns) => ns.input.dhcp);
    if (served.length === 0) return [];
    const base = { site: host.site, host: host.name };
    const root = hostRoot(host);
    const files: PlannedFile[] = served.map((ns) => ({
      ...base,
      kind: 'dnsmasq',
      path: `${root}/${DNSMASQ_CONF_DIR}/${ns.name}.conf`,
      template: 'dnsmasq/dnsmasq.conf.hbs',
      context: dnsmasqView(host, ns, ns.input.dhcp!),
    }));
    const ctx = { host: host.name, inventory: shared.source, confDir: `/${DNSMASQ_CONF_DIR}`, runDir: DNSMASQ_RUN_DIR, netnsService: NETNS_SERVICE, instances: served.map((ns) => ns.name) };
    files.push(
      { ...base, kind: 'systemd', path: `${root}/etc/systemd/system/${DNSMASQ_UNIT}`, template: 'dnsmasq/netgen-dnsmasq@.service.hbs', context: ctx },
      { ...base, kind: 'systemd', path: `${root}/etc/systemd/system/${NETNS_SERVICE}.d/50-netgen-dnsmasq.conf`, template: 'dnsmasq/netns-wants.conf.hbs', context: ctx },
    );
    return files;
  },
};
