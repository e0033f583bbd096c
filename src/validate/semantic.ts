import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { JsonPath, Locator } from '../load/source.js';
import type { HostModel, Link, Model } from '../model/types.js';
import { cidrContains, parseAddress } from '../net/ip.js';
import { IFNAMSIZ, isValidUnicastMac } from '../resolve/names.js';
import { VXLAN_OVERHEAD } from '../resolve/tenants.js';
import { validateChecks } from '../lab/endpoints.js';

const RESERVED_IFNAMES = new Set(['lo', 'all', 'default', 'bonding_masters']);

/** First-seen registry for one scope: the second occurrence is the one reported, pointing back at the first. */
class Seen {
  private readonly first = new Map<string, JsonPath>();
  constructor(
    private readonly report: (key: string, where: JsonPath, firstAt: JsonPath) => void,
  ) {}
  add(key: string, where: JsonPath): void {
    const prev = this.first.get(key);
    if (prev) this.report(key, where, prev);
    else this.first.set(key, where);
  }
}

/** Checks that need the whole resolved model. Every pass is linear (maps keyed by name or address). */
export function checkModel(model: Model, locator: Locator, bag: DiagnosticBag): void {
  const err = (code: string, message: string, path: JsonPath, related?: { message: string; path: JsonPath }, hint?: string, at: 'key' | 'value' = 'value') =>
    bag.error(code, message, locator.position(path, at), {
      hint,
      related: related ? [{ message: related.message, position: locator.position(related.path, 'key') }] : undefined,
    });

  const vnis = new Seen((vni, where, first) => err('NG5001', `VNI ${vni} is already used by another tenant`, where, { message: 'first used here', path: first }, 'give each tenant its own VNI'));
  for (const t of model.tenants) vnis.add(String(t.vni), [...t.origin, t.vniAllocated ? '' : 'vni'].filter(Boolean));

  const tenantAddrs = new Map<string, Seen>();
  for (const host of model.hosts) {
    checkHost(host, err);
    for (const ns of host.namespaces) {
      if (!ns.tenant) continue;
      let seen = tenantAddrs.get(ns.tenant);
      if (!seen) tenantAddrs.set(ns.tenant, (seen = new Seen((addr, where, first) => err('NG4003', `address ${addr} is already used in tenant ${ns.tenant}`, where, { message: 'first used here', path: first }, 'use another address, or list it in the tenant shared_addresses'))));
      for (const l of ns.links) if (l.derivedFrom) for (const a of l.addresses) if (!a.shared) seen.add(a.cidr.text, a.origin);
    }
  }
  // `checks:` (what `netgen lab` proves) name hosts, namespaces, taps and tenants: NG6004 at build time too.
  validateChecks(model, locator, bag);
}

type Reporter = (code: string, message: string, path: JsonPath, related?: { message: string; path: JsonPath }, hint?: string, at?: 'key' | 'value') => void;

/** A tenant's derived names can be pinned under `names:`; a bad pinned name is reported there. */
function namePath(l: { origin: JsonPath; derivedFrom?: string }, pinKey: string | undefined): { path: JsonPath; at: 'key' | 'value' } {
  if (pinKey && l.derivedFrom?.startsWith('tenant ')) return { path: [...l.origin, 'names', pinKey], at: 'value' };
  return { path: l.origin, at: 'key' };
}

function checkIfName(l: { name: string; origin: JsonPath; derivedFrom?: string }, err: Reporter, scope: string, pinKey?: string): void {
  const bytes = Buffer.byteLength(l.name);
  const { path, at } = namePath(l, pinKey);
  if (bytes > IFNAMSIZ) err('NG3003', `interface name '${l.name}' is ${bytes} bytes; Linux allows at most ${IFNAMSIZ}${l.derivedFrom ? ` (derived for ${l.derivedFrom})` : ''} in ${scope}`, path, undefined, l.derivedFrom ? 'pin a shorter name under names:, or set a tenant short: name' : 'use a shorter name', at);
  if (RESERVED_IFNAMES.has(l.name)) err('NG3005', `'${l.name}' is a reserved interface name`, path, undefined, undefined, at);
}

function checkAddresses(links: Link[], scope: string, err: Reporter): void {
  const seen = new Seen((addr, where, first) => err('NG4003', `address ${addr} is used twice in ${scope}`, where, { message: 'first used here', path: first }, 'use another address, or declare it in shared_addresses'));
  for (const l of links) {
    for (const a of l.addresses) if (!a.shared) seen.add(a.cidr.text, a.origin);
    for (const a of l.veth?.peerAddresses ?? []) seen.add(a.cidr.text, a.origin);
    for (const [key, gw] of [['gateway', l.gateway], ['gateway6', l.gateway6]] as const) {
      if (!gw) continue;
      const g = parseAddress(gw)!;
      if (!l.addresses.some((a) => cidrContains({ ...a.cidr, network: a.cidr.network, last: a.cidr.last }, g))) err('NG4002', `gateway ${gw} of ${l.name} is not in any subnet of the interface (${l.addresses.map((a) => a.text).join(', ') || 'no addresses'})`, [...l.origin, key]);
    }
  }
}

function checkHost(host: HostModel, err: Reporter): void {
  const scope = `the root namespace of ${host.id}`;
  const names = new Seen((name, where, first) => err('NG3002', `interface name '${name}' is used twice on ${host.id}`, where, { message: 'first defined here', path: first }, undefined, 'key'));
  const macs = new Seen((mac, where, first) => err('NG5009', `MAC address ${mac} is used twice on ${host.id}`, where, { message: 'first used here', path: first }));
  const vlanIds = new Seen((key, where, first) => err('NG5004', `VLAN id ${key.split('|')[1]} is declared twice on ${key.split('|')[0]}`, where, { message: 'first declared here', path: first }, undefined, 'key'));
  const vxlanVnis = new Seen((key, where, first) => err('NG5001', `VNI ${key.split('|')[0]} is used by two VXLAN interfaces on ${host.id}`, where, { message: 'first used here', path: first }, undefined, 'key'));
  const rootByName = new Map(host.links.map((l) => [l.name, l]));
  const macCheck = (mac: string | undefined, path: JsonPath) => {
    if (!mac) return;
    if (!isValidUnicastMac(mac)) err('NG5007', `MAC address ${mac} is a multicast address`, path, undefined, 'clear bit 0 of the first octet, e.g. 02:...');
    macs.add(mac, path);
  };
  for (const l of host.links) {
    checkIfName(l, err, scope, l.kind === 'bridge' || l.kind === 'vxlan' ? l.kind : undefined);
    names.add(l.name, l.origin);
    if (!l.derivedFrom?.startsWith('peer of')) macCheck(l.mac, [...l.origin, 'mac']);
    if (l.vlan) vlanIds.add(`${l.vlan.link}|${l.vlan.id}`, l.origin);
    if (l.vxlan) {
      vxlanVnis.add(`${l.vxlan.vni}|${l.vxlan.port}|${l.vxlan.local ?? ''}`, l.origin);
      checkVxlanMtu(l, rootByName.get(l.vxlan.underlay ?? ''), err);
    }
  }
  // Root-namespace names created by the scripts: veth peers, and VLAN/macvlan links before they move.
  for (const ns of host.namespaces) {
    const nsScope = `namespace ${ns.name} on ${host.id}`;
    const nsNames = new Seen((name, where, first) => err('NG3002', `interface name '${name}' is used twice in ${nsScope}`, where, { message: 'first defined here', path: first }, undefined, 'key'));
    for (const l of ns.links) {
      checkIfName(l, err, nsScope, l.kind === 'veth' ? 'veth_ns' : undefined);
      nsNames.add(l.name, l.origin);
      macCheck(l.mac, [...l.origin, 'mac']);
      if (l.veth) {
        checkIfName({ name: l.veth.peer, origin: l.derivedFrom?.startsWith('tenant ') ? l.origin : [...l.origin, 'peer'], derivedFrom: l.derivedFrom }, err, scope, 'veth_host');
        names.add(l.veth.peer, [...l.origin, 'peer']);
      }
      if (l.vlan || l.macvlan) names.add(l.name, l.origin);
      if (l.vlan) vlanIds.add(`${l.vlan.link}|${l.vlan.id}`, l.origin);
      if (l.vxlan) checkVxlanMtu(l, ns.links.find((x) => x.name === l.vxlan!.underlay), err);
    }
    checkAddresses(ns.links, nsScope, err);
  }
  checkAddresses(host.links, scope, err);
}

function checkVxlanMtu(l: Link, underlay: Link | undefined, err: Reporter): void {
  if (!l.mtu || l.derivedFrom) return; // tenant overlays are checked where their MTU is derived
  const family = l.vxlan?.local && parseAddress(l.vxlan.local)?.family === 6 ? 6 : 4;
  const underlayMtu = underlay?.mtu ?? 1500;
  if (l.mtu + VXLAN_OVERHEAD[family] > underlayMtu) {
    err('NG5005', `VXLAN ${l.name} MTU ${l.mtu} plus ${VXLAN_OVERHEAD[family]} bytes of overhead exceeds the underlay${underlay ? ` ${underlay.name}` : ''} MTU ${underlayMtu}`, [...l.origin, 'mtu'], underlay ? { message: 'underlay interface', path: underlay.origin } : undefined, `lower the VXLAN MTU to ${underlayMtu - VXLAN_OVERHEAD[family]} or raise the underlay MTU`);
  }
}
