import type { JsonPath } from '../load/source.js';
import type { Link, NamespaceModel, TenantModel } from '../model/types.js';
import { cidrContains, findOverlaps, parseAddress, parseCidr, type Cidr } from '../net/ip.js';
import type { InventoryInput, TenantPresenceInput } from '../schema/inventory.js';
import type { ResolveContext } from './context.js';
import { newLink } from './links.js';
import { deriveIfName, deriveMac } from './names.js';

export const VXLAN_OVERHEAD = { 4: 50, 6: 70 } as const;

export function resolveTenants(input: InventoryInput, ctx: ResolveContext): TenantModel[] {
  const tenants: TenantModel[] = [];
  const range = input.defaults?.vni_range ?? { start: 10000, end: 16777215 };
  for (const [name, t] of Object.entries(input.tenants ?? {})) {
    const path: JsonPath = ['tenants', name];
    const cidrs: Cidr[] = [];
    (t.cidrs ?? []).forEach((text, i) => {
      const c = parseCidr(text);
      if (!c) return;
      if (c.value !== c.network) {
        ctx.error('NG4005', `tenant ${name}: CIDR ${text} has host bits set`, path.concat('cidrs', i), { hint: `write ${c.networkText}` });
        return;
      }
      cidrs.push(c);
    });
    // Overlap inside one tenant, by sorting (never pairwise).
    const overlaps = findOverlaps(cidrs.map((c, i) => ({ family: c.family, start: c.network, end: c.last, ref: i })));
    for (const [a, b] of overlaps) {
      ctx.error('NG4001', `tenant ${name}: CIDR ${cidrs[b.ref].networkText} overlaps ${cidrs[a.ref].networkText}`, path.concat('cidrs', (t.cidrs ?? []).indexOf(cidrs[b.ref].cidrText)), {
        related: [{ message: 'overlapping CIDR', path: path.concat('cidrs', (t.cidrs ?? []).indexOf(cidrs[a.ref].cidrText)) }],
        hint: 'CIDRs may overlap between tenants, not inside one',
      });
    }
    const shared = new Set<string>();
    for (const s of t.shared_addresses ?? []) {
      const c = parseCidr(s, true);
      if (c) shared.add(c.text);
    }
    for (const [key, value] of [['gateway', t.gateway], ['gateway6', t.gateway6]] as const) {
      if (!value) continue;
      const a = parseAddress(value);
      if (a && cidrs.length && !cidrs.some((c) => cidrContains(c, a))) ctx.error('NG4002', `tenant ${name}: ${key} ${value} is not in any of its CIDRs`, path.concat(key));
    }
    const model: TenantModel = {
      name,
      short: t.short ?? name,
      vni: t.vni ?? 0,
      vniAllocated: t.vni === undefined,
      cidrs,
      gateway: t.gateway ? parseAddress(t.gateway)?.text : undefined,
      gateway6: t.gateway6 ? parseAddress(t.gateway6)?.text : undefined,
      shared,
      mtu: t.mtu,
      description: t.description,
      origin: path,
      hosts: [],
    };
    if (t.vni !== undefined) ctx.allocator.reserveNumber('vnis', 'global', t.vni);
    else
      ctx.allocator.requestNumber({
        kind: 'vnis',
        key: name,
        scope: 'global',
        range: [range.start, range.end],
        assign: (n) => (model.vni = n),
        fail: () => ctx.error('NG4004', `no free VNI left in ${range.start}..${range.end} for tenant ${name}`, path, { at: 'key' }),
      });
    tenants.push(model);
  }
  tenants.sort((a, b) => (a.name < b.name ? -1 : 1));
  return tenants;
}

/** Names netgen derives for a tenant on a host; each can be pinned under `names:`. */
export function tenantLinkNames(t: TenantModel, p: TenantPresenceInput | null) {
  const base = p?.names;
  return {
    bridge: base?.bridge ?? deriveIfName(t.short, '-br'),
    vxlan: base?.vxlan ?? deriveIfName(t.short, `-vxl-${t.vni}`),
    vethHost: base?.veth_host ?? deriveIfName(t.short, '-veth0'),
    vethNs: base?.veth_ns ?? deriveIfName(t.short, '-veth1'),
  };
}

export interface TenantAttachment {
  tenant: TenantModel;
  namespace: NamespaceModel;
  bridge: Link;
  vxlan: Link;
  vethNs: Link;
  presencePath: JsonPath;
}

/** Builds the root links (bridge, vxlan) and the namespace veth for one tenant on one host. */
export function attachTenant(hostId: string, t: TenantModel, p: TenantPresenceInput | null, presencePath: JsonPath, ns: NamespaceModel, ctx: ResolveContext): TenantAttachment {
  const names = tenantLinkNames(t, p);
  const why = `tenant ${t.name}`;
  const bridge = newLink(names.bridge, 'bridge', 'networkd', presencePath);
  bridge.derivedFrom = why;
  bridge.bridge = {};
  bridge.linkLocal = false;
  const vxlan = newLink(names.vxlan, 'vxlan', 'networkd', presencePath);
  vxlan.derivedFrom = why;
  vxlan.master = bridge.name;
  vxlan.linkLocal = false;
  vxlan.vxlan = { vni: t.vni, port: 4789, learning: true, fdb: [] };
  const vethNs = newLink(names.vethNs, 'veth', 'script', presencePath);
  vethNs.derivedFrom = why;
  vethNs.mac = p?.mac?.toLowerCase() ?? deriveMac(`${hostId}/${ns.name}/${names.vethNs}`);
  vethNs.veth = { peer: names.vethHost, peerBridge: bridge.name, peerAddresses: [], peerMac: deriveMac(`${hostId}/${names.vethHost}`) };
  // Addresses: written ones take their prefix from the tenant CIDR; missing ones are allocated per family.
  const written: string[] = [...(p?.address ? [p.address] : []), ...(p?.addresses ?? [])];
  written.forEach((text, i) => {
    const where = p?.address && i === 0 ? presencePath.concat('address') : presencePath.concat('addresses', p?.address ? i - 1 : i);
    const c = parseCidr(text, true);
    if (!c) return;
    const pool = t.cidrs.find((x) => cidrContains(x, c));
    if (!pool) {
      ctx.error(t.cidrs.length ? 'NG4002' : 'NG4007', `address ${text} is not in any CIDR of tenant ${t.name}${t.cidrs.length ? ` (${t.cidrs.map((x) => x.networkText).join(', ')})` : ''}`, where);
      return;
    }
    const prefix = text.includes('/') ? c.prefix : pool.prefix;
    const full = parseCidr(`${c.text}/${prefix}`)!;
    vethNs.addresses.push({ cidr: full, text: full.cidrText, origin: where, shared: t.shared.has(c.text) });
    if (!t.shared.has(c.text)) ctx.allocator.reserveAddress(`tenant:${t.name}:ipv${c.family}`, c.value);
  });
  if (written.length === 0) {
    const families = [...new Set(t.cidrs.map((c) => c.family))];
    for (const family of families) {
      const pools = t.cidrs.filter((c) => c.family === family);
      const scopeOf = (_pool: Cidr) => `tenant:${t.name}:ipv${family}`;
      for (const g of [t.gateway, t.gateway6]) {
        const a = g ? parseAddress(g) : undefined;
        if (a) for (const pool of pools) if (cidrContains(pool, a)) ctx.allocator.reserveAddress(scopeOf(pool), a.value);
      }
      for (const s of t.shared) {
        const a = parseAddress(s);
        if (a) for (const pool of pools) if (cidrContains(pool, a)) ctx.allocator.reserveAddress(scopeOf(pool), a.value);
      }
      // One scope per tenant family keeps allocation unique across every pool of the family.
      ctx.allocator.requestAddress({
        key: `${t.name}/${hostId}/ipv${family}`,
        pools,
        family,
        scope: `tenant:${t.name}:ipv${family}`,
        assign: (addr, pool) => {
          const c = parseCidr(`${addr}/${pool.prefix}`)!;
          vethNs.addresses.push({ cidr: c, text: c.cidrText, origin: presencePath, allocated: true });
        },
        fail: () => ctx.error('NG4004', `no free IPv${family} address left in tenant ${t.name}`, presencePath, { at: 'key' }),
      });
    }
  }
  return { tenant: t, namespace: ns, bridge, vxlan, vethNs, presencePath };
}
