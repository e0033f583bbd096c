import type { HostModel, Model } from '../../model/types.js';
import { cidrContains, parseAddress, parseCidr } from '../../net/ip.js';
import { hostRoot, type Emitter, type PlannedFile, type TargetReport } from '../../plan/artifact.js';
import type { JsonPath } from '../../load/source.js';
import { closest } from '../../util/suggest.js';
import type { InventoryInput } from '../../schema/inventory.js';
import { NETNS_LIB_DIR } from './netns.js';

/**
 * Ceph clusters managed with cephadm: per cluster a configuration script for the admin host that
 * sets network options only where the monitor's value differs and restarts only the services whose
 * settings changed, plus a separate bootstrap script that refuses to run on a bootstrapped host.
 */

type Cluster = NonNullable<InventoryInput['ceph']>[string];

export interface CephSetting {
  who: string;
  option: 'public_addr' | 'public_network' | 'cluster_network';
  value: string;
  /** How the monitor's value is compared: addresses are stored as v2:IP:0/0, networks as lists. */
  compare: 'addr' | 'networks';
  /** Orchestrator services restarted when this setting changes. */
  restart: string[];
}

/** Networks in canonical network form, comma separated as Ceph takes them. */
const networks = (list: string[]): string => list.map((c) => parseCidr(c)?.networkText ?? c).join(',');

/** Only OSDs use the cluster (replication) network. */
const usesOption = (who: string, option: CephSetting['option']): boolean => option !== 'cluster_network' || who === 'osd' || who.startsWith('osd.') || who.startsWith('osd/');

export function cephSettings(cluster: Cluster): CephSetting[] {
  const daemons = Object.entries(cluster.daemons ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: CephSetting[] = [];
  // A cluster-wide change reaches every daemon that does not override the option itself.
  const inheritors = (option: CephSetting['option']) =>
    daemons.filter(([who, d]) => d.restart && d[option] === undefined && usesOption(who, option)).map(([, d]) => d.restart!);
  if (cluster.public_network?.length) out.push({ who: 'global', option: 'public_network', value: networks(cluster.public_network), compare: 'networks', restart: inheritors('public_network') });
  if (cluster.cluster_network?.length) out.push({ who: 'global', option: 'cluster_network', value: networks(cluster.cluster_network), compare: 'networks', restart: inheritors('cluster_network') });
  for (const [who, d] of daemons) {
    const restart = d.restart ? [d.restart] : [];
    if (d.public_addr) out.push({ who, option: 'public_addr', value: parseAddress(d.public_addr)?.text ?? d.public_addr, compare: 'addr', restart });
    if (d.public_network?.length) out.push({ who, option: 'public_network', value: networks(d.public_network), compare: 'networks', restart });
    if (d.cluster_network?.length) out.push({ who, option: 'cluster_network', value: networks(d.cluster_network), compare: 'networks', restart });
  }
  return out;
}

/** The admin host of a cluster, found by name (the semantic checks report unknown or ambiguous names). */
export function cephAdminHost(model: Model, cluster: Cluster): HostModel | undefined {
  const found = model.hosts.filter((h) => h.name === cluster.admin_host);
  return found.length === 1 ? found[0] : undefined;
}

export function checkCeph(model: Model, report: TargetReport): void {
  const byName = new Map<string, HostModel[]>();
  for (const h of model.hosts) byName.set(h.name, [...(byName.get(h.name) ?? []), h]);
  for (const [name, cluster] of Object.entries(model.input.ceph ?? {})) {
    const at: JsonPath = ['ceph', name];
    const hosts = byName.get(cluster.admin_host) ?? [];
    if (hosts.length === 0) {
      const guess = closest(cluster.admin_host, byName.keys());
      report.error('NG6103', `Ceph admin_host '${cluster.admin_host}' of cluster ${name} is not a host of the inventory`, [...at, 'admin_host'], { hint: guess ? `did you mean '${guess}'?` : undefined });
    } else if (hosts.length > 1) {
      report.error('NG6103', `Ceph admin_host '${cluster.admin_host}' of cluster ${name} is ambiguous: ${hosts.map((h) => h.id).join(', ')}`, [...at, 'admin_host'], { hint: 'give the hosts distinct names' });
    } else if (cluster.mon_ip) {
      const mon = parseAddress(cluster.mon_ip);
      const own = hosts[0].links.some((l) => l.addresses.some((a) => a.cidr.value === mon?.value && a.cidr.family === mon?.family));
      if (mon && !own) report.warning('NG6105', `Ceph mon_ip ${cluster.mon_ip} is not an address of admin host ${hosts[0].id}; cephadm bootstrap runs there`, [...at, 'mon_ip']);
    }
    for (const [who, d] of Object.entries(cluster.daemons ?? {})) {
      if (!d.public_addr) continue;
      const nets = d.public_network ?? cluster.public_network;
      const addr = parseAddress(d.public_addr);
      if (!nets || !addr) continue;
      const inside = nets.some((n) => {
        const c = parseCidr(n);
        return !!c && c.family === addr.family && cidrContains(c, addr);
      });
      if (!inside) report.error('NG6104', `public_addr ${d.public_addr} of ${who} is not in its public_network (${nets.join(', ')})`, [...at, 'daemons', who, 'public_addr'], { hint: 'Ceph binds the daemon to an address of the public network; correct the address or the network' });
    }
  }
}

export const cephEmitter: Emitter = {
  target: 'ceph',
  check: checkCeph,
  planGlobal(model: Model): PlannedFile[] {
    const files: PlannedFile[] = [];
    for (const name of Object.keys(model.input.ceph ?? {}).sort()) {
      const cluster = model.input.ceph![name];
      const host = cephAdminHost(model, cluster);
      if (!host) continue;
      const dir = `${hostRoot(host)}/${NETNS_LIB_DIR}`;
      const base = { site: host.site, host: host.name, kind: 'ceph' as const, mode: 0o755 };
      const ctx = {
        cluster: name,
        description: cluster.description,
        host: host.name,
        settings: cephSettings(cluster),
        monIp: cluster.mon_ip ? parseAddress(cluster.mon_ip)?.text : undefined,
        clusterNetwork: cluster.cluster_network?.length ? networks(cluster.cluster_network) : undefined,
        singleHost: cluster.single_host_defaults === true,
      };
      files.push({ ...base, path: `${dir}/ceph-${name}-config.sh`, template: 'ceph/config.sh.hbs', context: ctx });
      if (ctx.monIp) files.push({ ...base, path: `${dir}/ceph-${name}-bootstrap.sh`, template: 'ceph/bootstrap.sh.hbs', context: ctx });
    }
    return files;
  },
};
