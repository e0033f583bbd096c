import type { JsonPath } from '../load/source.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Locator } from '../load/source.js';
import type { HostModel, Link, Model, NamespaceModel, SiteModel } from '../model/types.js';
import type { InventoryInput } from '../schema/inventory.js';
import { didYouMean } from '../util/suggest.js';
import { Allocator, type LockData } from './allocator.js';
import { ResolveContext } from './context.js';
import { resolveHostBase, resolveNamespace, wireVxlan } from './host.js';
import { linkIndex } from './links.js';
import { parseRoute } from './routing.js';
import { attachTenant, resolveTenants, VXLAN_OVERHEAD, type TenantAttachment } from './tenants.js';
import { INVENTORY_TARGET_KEYS, targetInput } from './target-input.js';
import { compactHosts } from './compact.js';

export interface ResolveResult {
  model: Model;
  lock: LockData;
}

const DEFAULT_MTU = 1500;

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Builds the typed, normalised model: defaults applied, names derived, addresses and ids allocated. */
export function resolve(input: InventoryInput, name: string, source: string, locator: Locator, bag: DiagnosticBag, previousLock: LockData): ResolveResult {
  const allocator = new Allocator(previousLock);
  const ctx = new ResolveContext(bag, locator, allocator);
  const tenants = resolveTenants(input, ctx);
  allocator.run(); // VNIs first: derived VXLAN names contain them.
  const tenantByName = new Map(tenants.map((t) => [t.name, t]));
  const sites: SiteModel[] = [];
  const hosts: HostModel[] = [];
  const attachments: Array<TenantAttachment & { host: HostModel }> = [];

  for (const [siteName, site] of Object.entries(input.sites ?? {})) {
    const siteModel: SiteModel = { name: siteName, description: site.description, hosts: [] };
    for (const [hostName, hostInput] of Object.entries(site.hosts ?? {})) {
      const path: JsonPath = ['sites', siteName, 'hosts', hostName];
      const { host, tables } = resolveHostBase(siteName, hostName, hostInput, path, input, ctx);
      const rootByName = linkIndex(host.links);
      const namespaces = new Map<string, NamespaceModel>();
      for (const [nsName, nsInput] of Object.entries(hostInput.namespaces ?? {})) {
        namespaces.set(nsName, resolveNamespace(host, nsName, nsInput, path.concat('namespaces', nsName), tables, ctx, rootByName));
      }
      for (const [tName, presence] of Object.entries(hostInput.tenants ?? {})) {
        const ppath = path.concat('tenants', tName);
        const tenant = tenantByName.get(tName);
        if (!tenant) {
          ctx.error('NG3001', `unknown tenant '${tName}'`, ppath, { at: 'key', hint: didYouMean(tName, tenantByName.keys()) ?? 'declare it under tenants:' });
          continue;
        }
        const nsName = presence?.namespace ?? tName;
        let ns = namespaces.get(nsName);
        if (!ns) {
          ns = { name: nsName, tenant: tName, origin: ppath, links: [], routes: [], rules: [], sysctls: [], forwarding: false, input: {} };
          namespaces.set(nsName, ns);
        }
        ns.tenant ??= tName;
        const att = attachTenant(host.id, tenant, presence, ppath, ns, ctx);
        ns.links.push(att.vethNs);
        for (const l of [att.bridge, att.vxlan]) {
          const clash = rootByName.get(l.name);
          if (clash) ctx.error('NG3002', `derived interface name '${l.name}' (${l.derivedFrom}) clashes with an interface of host ${host.id}`, ppath, { at: 'key', hint: 'pin another name under names:', related: [{ message: 'other interface', path: clash.origin }] });
          host.links.push(l);
          rootByName.set(l.name, l);
        }
        for (const [key, gw] of [['gateway', tenant.gateway], ['gateway6', tenant.gateway6]] as const) {
          if (gw) ns.routes.push({ to: key === 'gateway' ? '0.0.0.0/0' : '::/0', family: key === 'gateway' ? 4 : 6, via: gw, origin: ['tenants', tName, key] });
        }
        (presence?.routes ?? []).forEach((r, i) => {
          const m = parseRoute(r, ppath.concat('routes', i), tables, ctx);
          if (m) ns!.routes.push(m);
        });
        tenant.hosts.push(host.id);
        attachments.push({ ...att, host });
      }
      host.namespaces = [...namespaces.values()].sort(byName);
      for (const l of host.links) if (l.vxlan && !l.derivedFrom) wireVxlan(l, host, ctx, rootByName);
      hosts.push(host);
      siteModel.hosts.push(host);
    }
    sites.push(siteModel);
  }

  allocator.run(); // addresses and table ids, now that every explicit value is known
  connectTenantOverlays(attachments, ctx);
  for (const h of hosts) {
    h.links.sort(byName);
    for (const ns of h.namespaces) ns.links.sort(byName);
  }
  for (const t of tenants) t.hosts.sort();
  // Output must not depend on the order keys are written in (a reordered inventory is the same
  // inventory): sites and hosts are listed by name, like tenants, namespaces and links.
  sites.sort(byName);
  for (const s of sites) s.hosts.sort(byName);
  hosts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  compactHosts(hosts);
  for (const s of sites) s.hosts = s.hosts.slice();
  const model: Model = { name, source, tenants, sites, hosts, checks: input.checks ?? [], input: targetInput(input, INVENTORY_TARGET_KEYS) };
  return { model, lock: allocator.next };
}

/** Every host carrying a tenant gets a VXLAN to every other such host: one remote, or head-end replication. */
function connectTenantOverlays(attachments: Array<TenantAttachment & { host: HostModel }>, ctx: ResolveContext): void {
  const byTenant = new Map<string, Array<TenantAttachment & { host: HostModel }>>();
  for (const a of attachments) {
    const list = byTenant.get(a.tenant.name) ?? [];
    list.push(a);
    byTenant.set(a.tenant.name, list);
  }
  // One index per host and one removal pass per host: no per-tenant scan of a host's links.
  const indexes = new Map<HostModel, Map<string, Link>>();
  const dropped = new Set<Link>();
  for (const list of byTenant.values()) {
    for (const a of list) {
      let rootByName = indexes.get(a.host);
      if (!rootByName) indexes.set(a.host, (rootByName = linkIndex(a.host.links)));
      const underlay = a.host.underlay;
      const underlayLink = underlay ? rootByName.get(underlay.link) : undefined;
      const family = underlay?.v4 ? 4 : 6;
      const local = family === 4 ? underlay?.v4 : underlay?.v6;
      const underlayMtu = underlayLink?.mtu ?? DEFAULT_MTU;
      const mtu = a.tenant.mtu ?? underlayMtu - VXLAN_OVERHEAD[family];
      if (a.tenant.mtu && a.tenant.mtu + VXLAN_OVERHEAD[family] > underlayMtu) {
        ctx.error('NG5005', `tenant ${a.tenant.name}: MTU ${a.tenant.mtu} plus ${VXLAN_OVERHEAD[family]} bytes of VXLAN overhead does not fit the underlay ${underlay?.link ?? ''} MTU ${underlayMtu} on ${a.host.id}`, a.tenant.origin.concat('mtu'), {
          hint: `lower the tenant MTU to ${underlayMtu - VXLAN_OVERHEAD[family]} or raise the underlay MTU`,
        });
      }
      a.bridge.mtu = mtu;
      a.vethNs.mtu = mtu;
      a.vethNs.veth!.peerMtu = mtu;
      if (list.length > 1 && (!local || !underlayLink)) {
        ctx.error('NG5006', `tenant ${a.tenant.name} spans several hosts but ${a.host.id} has no underlay address for VXLAN`, a.presencePath, { at: 'key', hint: "give the host an addressed NIC or set 'underlay:'" });
        dropped.add(a.vxlan);
        continue;
      }
      if (list.length < 2) {
        dropped.add(a.vxlan); // a tenant on one host needs no tunnel
        continue;
      }
      // The peer list is the output itself (one FDB entry per peer), so its size is inherent.
      const peers = list.filter((b) => b !== a).map((b) => (family === 4 ? b.host.underlay?.v4 : b.host.underlay?.v6)).filter((x): x is string => !!x);
      a.vxlan.mtu = mtu;
      a.vxlan.vxlan!.local = local;
      a.vxlan.vxlan!.underlay = underlayLink!.name;
      if (peers.length === 1) a.vxlan.vxlan!.remote = peers[0];
      else a.vxlan.vxlan!.fdb = [...peers].sort();
      underlayLink!.stacked.vxlans.push(a.vxlan.name);
    }
  }
  if (dropped.size) for (const h of indexes.keys()) h.links = h.links.filter((l) => !dropped.has(l));
}
