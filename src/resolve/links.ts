import type { Static } from '@sinclair/typebox';
import type { JsonPath } from '../load/source.js';
import type { IfAddress, Link, LinkKind, LinkOwner } from '../model/types.js';
import { parseAddress, parseCidr } from '../net/ip.js';
import type { Bond, Bridge, linkMaps, Macvlan, Nic, Veth, Vlan, Vxlan } from '../schema/links.js';
import type { ResolveContext } from './context.js';
import { parseRoute, parseRules, type TableScope } from './routing.js';

type LinkCommonInput = Static<typeof Nic>;
/** Any one link kind's input; the map it came from says which fields are there. */
type AnyLinkInput = LinkCommonInput & Partial<Static<typeof Bond> & Static<typeof Vlan> & Static<typeof Bridge> & Static<typeof Vxlan> & Static<typeof Macvlan> & Static<typeof Veth>>;
type LinkMapsInput = { [K in keyof typeof linkMaps]?: Record<string, Record<string, unknown>> };

/** Every link map of the schema (the type makes it complete), in the schema's order. */
const KIND_OF: Record<keyof typeof linkMaps, LinkKind> = {
  nics: 'nic',
  bonds: 'bond',
  vlans: 'vlan',
  bridges: 'bridge',
  vxlans: 'vxlan',
  macvlans: 'macvlan',
  veths: 'veth',
  taps: 'tap',
};
// Not imported from the schema module: that would load TypeBox on every build.
const LINK_MAP_KEYS = Object.keys(KIND_OF) as Array<keyof typeof linkMaps>;

export function parseIfAddresses(single: string | undefined, list: string[] | undefined, path: JsonPath, shared: Set<string>): IfAddress[] {
  const out: IfAddress[] = [];
  const push = (text: string, p: JsonPath) => {
    const c = parseCidr(text);
    if (c) out.push({ cidr: c, text: c.cidrText, origin: p, shared: shared.has(c.text) });
  };
  if (single) push(single, path.concat('address'));
  (list ?? []).forEach((t, i) => push(t, path.concat('addresses', i)));
  return out;
}

function sharedSet(input: { shared_addresses?: string[] }): Set<string> {
  const s = new Set<string>();
  for (const t of input.shared_addresses ?? []) {
    const c = parseCidr(t, true);
    if (c) s.add(c.text);
  }
  return s;
}

export function newLink(name: string, kind: LinkKind, owner: LinkOwner, origin: JsonPath): Link {
  return { name, kind, owner, origin, addresses: [], routes: [], rules: [], proxyNdpAddresses: [], stacked: { vlans: [], vxlans: [], macvlans: [] } };
}

function applyCommon(link: Link, input: LinkCommonInput, path: JsonPath, tables: TableScope, ctx: ResolveContext): void {
  link.description = input.description;
  link.mtu = input.mtu;
  link.mac = input.mac?.toLowerCase();
  link.matchMac = input.match_mac?.toLowerCase();
  link.addresses = parseIfAddresses(input.address, input.addresses, path, sharedSet(input));
  link.gateway = input.gateway ? parseAddress(input.gateway)?.text : undefined;
  link.gateway6 = input.gateway6 ? parseAddress(input.gateway6)?.text : undefined;
  link.proxyArp = input.proxy_arp;
  link.proxyNdp = input.proxy_ndp;
  link.proxyNdpAddresses = (input.proxy_ndp_addresses ?? []).map((a) => parseAddress(a)?.text ?? a);
  link.forwarding = input.forwarding;
  link.dhcp = input.dhcp;
  link.acceptRa = input.accept_ra;
  link.linkLocal = input.link_local;
  link.vrf = input.vrf;
  (input.routes ?? []).forEach((r, i) => {
    const m = parseRoute(r, path.concat('routes', i), tables, ctx, link.name);
    if (m) link.routes.push(m);
  });
  (input.rules ?? []).forEach((r, i) => link.rules.push(...parseRules(r, path.concat('rules', i), tables, ctx)));
}

/**
 * Builds the links of one container (a host's root namespace or one network namespace)
 * from the shared link vocabulary. Cross references are resolved by the caller.
 */
export function buildLinks(input: LinkMapsInput, basePath: JsonPath, owner: LinkOwner, tables: TableScope, ctx: ResolveContext): Link[] {
  const links: Link[] = [];
  for (const mapKey of LINK_MAP_KEYS) {
    const map = input[mapKey];
    if (!map) continue;
    for (const [name, raw] of Object.entries(map)) {
      const path = basePath.concat(mapKey, name);
      const kind = KIND_OF[mapKey];
      const link = newLink(name, kind, kind === 'tap' ? 'external' : owner, path);
      const v = raw as AnyLinkInput;
      applyCommon(link, v, path, tables, ctx);
      switch (kind) {
        case 'bond': {
          const mode = v.mode as string;
          link.bondOpts = { mode, miimon: v.miimon, lacpRate: v.lacp_rate, hashPolicy: v.transmit_hash_policy, minLinks: v.min_links };
          if (v.lacp_rate && v.mode !== '802.3ad') ctx.error('NG5010', `lacp_rate applies only to mode 802.3ad (bond ${name} is ${v.mode})`, path.concat('lacp_rate'), { at: 'key' });
          if (v.primary && !['active-backup', 'balance-tlb', 'balance-alb'].includes(mode)) ctx.error('NG5010', `primary applies only to active-backup, balance-tlb and balance-alb (bond ${name} is ${v.mode})`, path.concat('primary'), { at: 'key' });
          if (v.transmit_hash_policy && !['balance-xor', '802.3ad', 'balance-tlb'].includes(mode)) ctx.error('NG5010', `transmit_hash_policy applies only to balance-xor, 802.3ad and balance-tlb (bond ${name} is ${v.mode})`, path.concat('transmit_hash_policy'), { at: 'key' });
          break;
        }
        case 'vlan': {
          const m = /^(.+)\.(\d+)$/.exec(name);
          const id = v.id ?? (m ? Number(m[2]) : undefined);
          const parent = v.link ?? (m ? m[1] : undefined);
          if (id === undefined || parent === undefined) {
            ctx.error('NG2002', `VLAN ${name} needs 'id' and 'link' (or a name like bond0.992)`, path, { at: 'key' });
            break;
          }
          if (id < 1 || id > 4094) ctx.error('NG5003', `VLAN id ${id} of ${name} is out of range 1..4094`, path, { at: 'key' });
          link.vlan = { id, link: parent };
          break;
        }
        case 'bridge':
          link.bridge = { stp: v.stp, ageing: v.ageing, forwardDelay: v.forward_delay, priority: v.priority, vlanFiltering: v.vlan_filtering };
          break;
        case 'vxlan':
          link.vxlan = {
            vni: v.vni!,
            local: v.local ? parseAddress(v.local)?.text : undefined,
            remote: v.remote ? parseAddress(v.remote)?.text : undefined,
            group: v.group ? parseAddress(v.group)?.text : undefined,
            port: v.port ?? 4789,
            learning: v.learning ?? true,
            ttl: v.ttl,
            underlay: v.underlay,
            fdb: (v.remotes ?? []).map((r) => parseAddress(r)?.text ?? r),
          };
          break;
        case 'macvlan':
          link.macvlan = { link: v.link!, mode: v.mode ?? 'bridge' };
          break;
        case 'veth':
          link.veth = {
            peer: v.peer!,
            peerBridge: v.peer_bridge,
            peerAddresses: parseIfAddresses(undefined, v.peer_addresses, path, new Set()).map((a, i) => ({ ...a, origin: path.concat('peer_addresses', i) })),
            peerMac: v.peer_mac?.toLowerCase(),
          };
          break;
      }
      links.push(link);
    }
  }
  return links;
}

export function linkIndex(links: Link[]): Map<string, Link> {
  return new Map(links.map((l) => [l.name, l]));
}
