import type { HostModel, Link, Model, RouteModel } from '../../model/types.js';
import { parseAddress, parseCidr, type Family } from '../../net/ip.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput, type TargetReport } from '../../plan/artifact.js';
import type { JsonPath } from '../../load/source.js';
import type { HostInput } from '../../schema/inventory.js';

/**
 * VyOS routers (hosts with role: vyos): one file of VyOS 1.4+ `set` commands, applied by a wrapper
 * through the VyOS script template. Words of a command path are keywords or names the schema has
 * already restricted to [A-Za-z0-9_.-]; every value is quoted by the template's `vyos` helper.
 */

/** Where the files land on the router: /config survives image upgrades. */
export const VYOS_SET_FILE = 'config/netgen.set';
export const VYOS_APPLY_SCRIPT = 'config/scripts/netgen-apply.sh';

export interface SetLine {
  path: string;
  value?: string | number;
}
export interface SetSection {
  title: string;
  lines: SetLine[];
}

type Bgp = NonNullable<HostInput['bgp']>;
type Nat = NonNullable<HostInput['nat']>[number];

/** VyOS's own names for the interface kinds netgen renders (others are reported by the semantic checks). */
export const VYOS_IFACE_PATTERNS: Partial<Record<Link['kind'], { section: string; re: RegExp }>> = {
  nic: { section: 'ethernet', re: /^((eth|lan)[0-9]+|(eno|ens|enp|enx).+)$/ },
  bond: { section: 'bonding', re: /^bond[0-9]+$/ },
  bridge: { section: 'bridge', re: /^br[0-9]+$/ },
  vxlan: { section: 'vxlan', re: /^vxlan[0-9]+$/ },
};

/** Linux bonding mode names → VyOS's. */
export const VYOS_BOND_MODES: Record<string, string> = {
  'balance-rr': 'round-robin',
  'active-backup': 'active-backup',
  'balance-xor': 'xor-hash',
  broadcast: 'broadcast',
  '802.3ad': '802.3ad',
  'balance-tlb': 'transmit-load-balance',
  'balance-alb': 'adaptive-load-balance',
};

const familyOf = (text: string): Family | undefined => (parseCidr(text, true) ?? parseAddress(text))?.family;

/** The `interfaces ...` prefix of a link, or undefined when VyOS cannot express it (vifs need a parent.id name). */
export function vyosInterfacePath(l: Link, byName: Map<string, Link>): string | undefined {
  if (l.kind === 'vlan' && l.vlan) {
    const parent = byName.get(l.vlan.link);
    const parentPath = parent && parent.kind !== 'vlan' ? vyosInterfacePath(parent, byName) : undefined;
    return parentPath && l.name === `${l.vlan.link}.${l.vlan.id}` ? `${parentPath} vif ${l.vlan.id}` : undefined;
  }
  const p = VYOS_IFACE_PATTERNS[l.kind];
  return p && p.re.test(l.name) ? `interfaces ${p.section} ${l.name}` : undefined;
}

function interfaceLines(l: Link, path: string, byName: Map<string, Link>, links: Link[]): SetLine[] {
  const out: SetLine[] = [];
  const add = (sub: string, value?: string | number) => out.push({ path: `${path} ${sub}`, value });
  if (l.description) add('description', l.description);
  for (const a of l.addresses) add('address', a.text);
  if (l.kind === 'bond' && l.bondOpts) {
    const o = l.bondOpts;
    add('mode', VYOS_BOND_MODES[o.mode] ?? o.mode);
    if (o.hashPolicy) add('hash-policy', o.hashPolicy);
    if (o.lacpRate && o.mode === '802.3ad') add('lacp-rate', o.lacpRate);
    if (o.miimon !== undefined) add('mii-mon-interval', o.miimon);
    if (o.minLinks !== undefined) add('min-links', o.minLinks);
    const members = links.filter((m) => m.bond === l.name);
    const primary = members.find((m) => m.primaryMember);
    if (primary) add('primary', primary.name);
    for (const m of members) add('member interface', m.name);
  }
  if (l.kind === 'bridge') {
    if (l.bridge?.ageing !== undefined) add('aging', l.bridge.ageing);
    if (l.bridge?.stp) add('stp');
    if (l.bridge?.forwardDelay !== undefined) add('forwarding-delay', l.bridge.forwardDelay);
    if (l.bridge?.priority !== undefined) add('priority', l.bridge.priority);
    if (l.bridge?.vlanFiltering) add('enable-vlan');
    // Members by their VyOS names: a VLAN member is written parent.id, as VyOS names vifs.
    for (const m of links.filter((x) => x.master === l.name)) if (vyosInterfacePath(m, byName)) add('member interface', m.name);
  }
  if (l.kind === 'vxlan' && l.vxlan) {
    const v = l.vxlan;
    add('vni', v.vni);
    add('port', v.port);
    if (v.local) add('source-address', v.local);
    for (const r of [v.remote, ...v.fdb].filter((r): r is string => !!r).filter((r, i, all) => all.indexOf(r) === i)) add('remote', r);
    if (v.group) {
      add('group', v.group);
      // VyOS requires the underlay interface for multicast VXLAN.
      if (v.underlay) add('source-interface', v.underlay);
    }
    if (!v.learning) add('parameters nolearning');
    if (v.ttl) add('parameters ip ttl', v.ttl);
  }
  if (l.mtu !== undefined) add('mtu', l.mtu);
  if (l.kind === 'nic' && l.mac) add('mac', l.mac);
  if (l.kind === 'nic' && l.matchMac) add('hw-id', l.matchMac);
  if (l.vrf) add('vrf', l.vrf);
  return out;
}

/** A static route as VyOS writes it, under `protocols static` (global or in a VRF). */
function routeLines(prefix: string, r: RouteModel): SetLine[] {
  const base = `${prefix} ${r.family === 6 ? 'route6' : 'route'} ${r.to}`;
  const out: SetLine[] = [];
  if (r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit') out.push({ path: `${base} ${r.type === 'blackhole' ? 'blackhole' : 'reject'}` });
  else if (r.via) out.push({ path: `${base} next-hop ${r.via}${r.dev ? ' interface' : ''}`, value: r.dev });
  else if (r.dev) out.push({ path: `${base} interface ${r.dev}` });
  else return [];
  if (r.description) out.push({ path: `${base} description`, value: r.description });
  return out;
}

/** A prefix-list name for one neighbor and direction: VyOS allows [-_a-zA-Z0-9]. */
function prefixListName(scope: string, neighbor: string, dir: 'IN' | 'OUT'): string {
  return `NG-${scope}-${neighbor}-${dir}`.replace(/[^-_a-zA-Z0-9]/g, '_');
}

/**
 * BGP for the default VRF (prefix `protocols bgp`) or one VRF (`vrf name X protocols bgp`).
 * Neighbors get a prefix-list only where the inventory lists import/export prefixes (or networks to
 * export); VyOS does not require eBGP policy by default, as the seed's router config relies on.
 */
function bgpLines(prefix: string, scope: string, bgp: Bgp, global: boolean): { bgp: SetLine[]; policy: SetLine[] } {
  const out: SetLine[] = [];
  const policy: SetLine[] = [];
  const add = (sub: string, value?: string | number) => out.push({ path: `${prefix} ${sub}`, value });
  add('system-as', bgp.asn);
  if (bgp.router_id && familyOf(bgp.router_id) === 4) add('parameters router-id', bgp.router_id);
  for (const n of bgp.networks ?? []) add(`address-family ${familyOf(n) === 6 ? 'ipv6' : 'ipv4'}-unicast network ${parseCidr(n)?.networkText ?? n}`);
  let evpn = false;
  for (const nb of bgp.neighbors ?? []) {
    const np = `neighbor ${parseAddress(nb.address)?.text ?? nb.address}`;
    add(`${np} remote-as`, nb.remote_as);
    if (nb.description) add(`${np} description`, nb.description);
    if (nb.update_source) add(`${np} update-source`, nb.update_source);
    if (nb.ebgp_multihop) add(`${np} ebgp-multihop`, nb.ebgp_multihop);
    const fam = familyOf(nb.address) === 6 ? 'ipv6-unicast' : 'ipv4-unicast';
    const afs = nb.address_families ?? [fam];
    for (const af of afs) {
      add(`${np} address-family ${af}`);
      if (af === 'l2vpn-evpn') {
        evpn = true;
        continue;
      }
      const afFamily: Family = af === 'ipv6-unicast' ? 6 : 4;
      const lists: Array<['import' | 'export', 'IN' | 'OUT', string[] | undefined]> = [
        ['import', 'IN', nb.import],
        ['export', 'OUT', nb.export ?? (nb.import ? bgp.networks : undefined)],
      ];
      for (const [dir, tag, prefixes] of lists) {
        const own = (prefixes ?? []).filter((p) => familyOf(p) === afFamily);
        if (!prefixes || own.length === 0) continue;
        const name = prefixListName(scope, nb.address, tag);
        const pl = `policy ${afFamily === 6 ? 'prefix-list6' : 'prefix-list'} ${name}`;
        own.forEach((p, i) => {
          policy.push({ path: `${pl} rule ${(i + 1) * 10} action`, value: 'permit' });
          policy.push({ path: `${pl} rule ${(i + 1) * 10} prefix`, value: parseCidr(p)?.networkText ?? p });
        });
        add(`${np} address-family ${af} prefix-list ${dir}`, name);
      }
    }
  }
  // EVPN towards VTEPs announces the local VNIs unless the inventory says otherwise (seed 000's R3).
  if (global && (bgp.advertise_all_vni ?? evpn)) add('address-family l2vpn-evpn advertise-all-vni');
  return { bgp: out, policy };
}

/** NAT rules: IPv4 under `nat`, IPv6 under `nat66` (VyOS keeps them apart); one rule per source prefix. */
function natLines(rules: Nat[]): SetLine[] {
  const out: SetLine[] = [];
  const next = new Map<string, number>(); // rule numbers per table (nat/nat66, source/destination)
  for (const r of rules) {
    const kind = r.type === 'dnat' ? 'destination' : 'source';
    const sources = r.from?.length ? r.from : [undefined];
    const dests = r.to_prefix?.length ? r.to_prefix : [undefined];
    for (const from of sources) {
      for (const dst of dests) {
        const fams = [from, dst, r.to].filter((x): x is string => !!x).map((x) => familyOf(x));
        const fam = fams[0] ?? 4;
        if (fams.some((f) => f !== fam)) continue; // mixed families cannot be one rule
        const key = `${fam}-${kind}`;
        const n = next.get(key) ?? 100;
        next.set(key, n + 10);
        const p = `${fam === 6 ? 'nat66' : 'nat'} ${kind} rule ${n}`;
        const addrKey = fam === 6 && kind === 'source' ? 'prefix' : 'address';
        if (r.description) out.push({ path: `${p} description`, value: r.description });
        if (kind === 'source' && r.out) out.push({ path: `${p} outbound-interface name`, value: r.out });
        if (kind === 'destination' && r.in) out.push({ path: `${p} inbound-interface name`, value: r.in });
        if (from) out.push({ path: `${p} source ${addrKey}`, value: parseCidr(from)?.networkText ?? from });
        if (dst) out.push({ path: `${p} destination ${addrKey}`, value: parseCidr(dst)?.networkText ?? dst });
        if (r.proto && r.proto !== 'any') out.push({ path: `${p} protocol`, value: r.proto });
        if (r.port !== undefined) out.push({ path: `${p} destination port`, value: String(r.port) });
        out.push({ path: `${p} translation address`, value: r.type === 'masquerade' ? 'masquerade' : r.to });
        if (r.to_port !== undefined) out.push({ path: `${p} translation port`, value: r.to_port });
      }
    }
  }
  return out.filter((l) => l.value !== undefined || !l.path.endsWith('translation address'));
}

/**
 * Firewall services: each service address is reachable only from its allowed sources. Addresses
 * of the router itself are guarded in the input chain, others in the forward chain; replies of
 * established connections pass first.
 */
function firewallLines(host: HostModel): SetLine[] {
  const services = host.input.firewall?.services ?? {};
  const names = Object.keys(services).sort();
  if (names.length === 0) return [];
  const local = new Set(host.links.flatMap((l) => l.addresses.map((a) => a.cidr.text)));
  const out: SetLine[] = [];
  const ruleNo = new Map<string, number>();
  for (const name of names) {
    const s = services[name];
    const addr = parseAddress(s.address);
    if (!addr) continue;
    const fam = addr.family === 6 ? 'ipv6' : 'ipv4';
    const chain = `firewall ${fam} ${local.has(addr.text) ? 'input' : 'forward'} filter`;
    if (!ruleNo.has(chain)) {
      ruleNo.set(chain, 100);
      out.push({ path: `${chain} rule 10 action`, value: 'accept' }, { path: `${chain} rule 10 state`, value: 'established' }, { path: `${chain} rule 10 state`, value: 'related' });
    }
    const n = ruleNo.get(chain)!;
    ruleNo.set(chain, n + 10);
    const group = `NG-SVC-${name}`;
    const groupPath = `firewall group ${fam === 'ipv6' ? 'ipv6-network-group' : 'network-group'} ${group}`;
    const allow = s.allow.filter((c) => familyOf(c) === addr.family).map((c) => parseCidr(c)?.networkText ?? c);
    for (const c of allow) out.push({ path: `${groupPath} network`, value: c });
    const proto = s.proto && s.proto !== 'any' ? s.proto : s.ports?.length ? 'tcp_udp' : undefined;
    const rule = (no: number, sub: string, value?: string | number) => out.push({ path: `${chain} rule ${no} ${sub}`, value });
    if (allow.length) {
      rule(n, 'action', 'accept');
      if (s.description) rule(n, 'description', s.description);
      rule(n, 'destination address', addr.text);
      // IPv6 rules name their ipv6-network-group under the same `network-group` keyword.
      rule(n, 'source group network-group', group);
      if (proto) rule(n, 'protocol', proto);
      if (s.ports?.length) rule(n, 'destination port', s.ports.join(','));
    }
    rule(n + 5, 'action', 'drop');
    rule(n + 5, 'description', `netgen: only the allowed sources reach ${name}`);
    rule(n + 5, 'destination address', addr.text);
  }
  return out;
}

export function vyosSections(host: HostModel): SetSection[] {
  const byName = new Map(host.links.map((l) => [l.name, l]));
  const ifaces: SetLine[] = [];
  for (const l of host.links) {
    const path = l.kind === 'vrf' ? undefined : vyosInterfacePath(l, byName);
    if (path) ifaces.push(...interfaceLines(l, path, byName, host.links));
  }
  const vrfLines: SetLine[] = [];
  const vrfByTable = new Map<number, string>();
  const vrfInputs = host.input.vrfs ?? {};
  const policy: SetLine[] = [];
  const bgpOut: SetLine[] = [];
  for (const l of host.links.filter((x) => x.kind === 'vrf')) {
    const vin = vrfInputs[l.name];
    vrfLines.push({ path: `vrf name ${l.name} table`, value: l.vrfTable });
    if (vin?.description) vrfLines.push({ path: `vrf name ${l.name} description`, value: vin.description });
    if (l.vrfTable) vrfByTable.set(l.vrfTable, l.name);
    if (vin?.bgp) {
      const r = bgpLines(`vrf name ${l.name} protocols bgp`, l.name, vin.bgp, false);
      bgpOut.push(...r.bgp);
      policy.push(...r.policy);
    }
  }
  if (host.input.bgp) {
    const r = bgpLines('protocols bgp', 'default', host.input.bgp, true);
    bgpOut.unshift(...r.bgp);
    policy.unshift(...r.policy);
  }
  const statics: SetLine[] = [];
  const staticPrefix = (vrf?: string) => (vrf ? `vrf name ${vrf} protocols static` : 'protocols static');
  for (const l of host.links) {
    for (const gw of [l.gateway, l.gateway6]) {
      if (!gw) continue;
      const fam = familyOf(gw)!;
      statics.push(...routeLines(staticPrefix(l.vrf), { to: fam === 6 ? '::/0' : '0.0.0.0/0', family: fam, via: gw, origin: l.origin }));
    }
    for (const r of l.routes) statics.push(...routeLines(staticPrefix(r.table ? vrfByTable.get(r.table) : l.vrf), { ...r, dev: r.via ? undefined : r.dev }));
  }
  for (const r of host.routes) if (!r.table || vrfByTable.has(r.table)) statics.push(...routeLines(staticPrefix(r.table ? vrfByTable.get(r.table) : undefined), r));

  const system: SetLine[] = /^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?$/.test(host.name) ? [{ path: 'system host-name', value: host.name }] : [];
  return [
    { title: 'system', lines: system },
    { title: 'VRFs', lines: vrfLines },
    { title: 'interfaces', lines: ifaces },
    { title: 'static routes', lines: statics },
    { title: 'routing policy (prefix lists from BGP import/export)', lines: policy },
    { title: 'BGP', lines: bgpOut },
    { title: 'NAT', lines: natLines(host.input.nat ?? []) },
    { title: 'firewall', lines: firewallLines(host) },
  ].filter((s) => s.lines.length > 0);
}

function checkVyosHost(host: HostModel, report: TargetReport): void {
  const byName = new Map(host.links.map((l) => [l.name, l]));
  const unsupported = (what: string, path: JsonPath, at: 'key' | 'value' = 'key') => report.warning('NG6107', `${what} on VyOS router ${host.id} is not rendered: netgen's VyOS target does not support it`, path, { at });
  const range = (what: string, path: JsonPath, hint?: string) => report.error('NG6108', `${what} on VyOS router ${host.id}`, path, { hint });
  for (const l of host.links) {
    if (l.kind === 'vrf') {
      if (l.vrfTable !== undefined && (l.vrfTable < 100 || l.vrfTable > 65535)) range(`VRF ${l.name} table ${l.vrfTable} is outside VyOS's 100..65535`, [...l.origin, 'table']);
      continue;
    }
    if (l.kind === 'veth' || l.kind === 'tap' || l.kind === 'macvlan') {
      if (!l.derivedFrom) unsupported(`${l.kind} ${l.name}`, l.origin); // a veth's peer is reported with the veth
      continue;
    }
    if (!vyosInterfacePath(l, byName)) {
      const hint = l.kind === 'vlan' ? 'VyOS names VLAN interfaces PARENT.ID (eth2.3) on an ethernet, bond or bridge parent' : 'VyOS names interfaces ethN, bondN, brN, vxlanN';
      report.error('NG6106', `interface name '${l.name}' (${l.kind}) cannot be expressed on VyOS router ${host.id}`, l.origin, { hint, at: 'key' });
    }
    if (l.bridge?.ageing !== undefined && l.bridge.ageing > 0 && l.bridge.ageing < 10) range(`bridge ${l.name} ageing ${l.bridge.ageing} is outside VyOS's 0 or 10..1000000`, [...l.origin, 'ageing']);
    if (l.vxlan && l.vxlan.vni > 16777214) range(`VXLAN ${l.name} VNI ${l.vxlan.vni} is above VyOS's 16777214`, [...l.origin, 'vni']);
    if (l.kind === 'vxlan' && l.mtu !== undefined && (l.mtu < 1200 || l.mtu > 16000)) range(`VXLAN ${l.name} MTU ${l.mtu} is outside VyOS's 1200..16000`, [...l.origin, 'mtu']);
    const mii = l.bondOpts?.miimon;
    if (mii !== undefined && mii !== 0 && (mii < 50 || mii > 1000)) range(`bond ${l.name} miimon ${mii} is outside VyOS's 0 or 50..1000`, [...l.origin, 'miimon']);
    if ((l.bondOpts?.minLinks ?? 0) > 16) range(`bond ${l.name} min_links ${l.bondOpts!.minLinks} is above VyOS's 16`, [...l.origin, 'min_links']);
  }
  const bgps: Array<[JsonPath, NonNullable<HostModel['input']['bgp']>]> = [];
  if (host.input.bgp) bgps.push([[...host.origin, 'bgp'], host.input.bgp]);
  for (const [name, v] of Object.entries(host.input.vrfs ?? {})) if (v.bgp) bgps.push([[...host.origin, 'vrfs', name, 'bgp'], v.bgp]);
  for (const [path, bgp] of bgps) {
    if (bgp.asn > 4294967294) range(`AS ${bgp.asn} is above VyOS's 4294967294`, [...path, 'asn']);
    if (bgp.router_id && parseAddress(bgp.router_id)?.family === 6) range(`BGP router-id ${bgp.router_id} is IPv6; VyOS takes an IPv4 router-id`, [...path, 'router_id'], 'write the router-id as an IPv4 address (it is an identifier, not a reachable address)');
    if (bgp.listen) unsupported('bgp listen', [...path, 'listen']);
    (bgp.neighbors ?? []).forEach((n, i) => {
      if (typeof n.remote_as === 'number' && n.remote_as > 4294967294) range(`neighbor ${n.address} remote AS ${n.remote_as} is above VyOS's 4294967294`, [...path, 'neighbors', i, 'remote_as']);
    });
  }
  if (host.namespaces.length) unsupported('network namespaces', [...host.origin, 'namespaces']);
  if (host.input.firewall?.ports) unsupported('firewall ports (port security)', [...host.origin, 'firewall', 'ports']);
  if (host.input.firewall?.anti_spoofing) unsupported('firewall anti_spoofing', [...host.origin, 'firewall', 'anti_spoofing']);
  const vrfTables = new Set(host.links.filter((l) => l.kind === 'vrf').map((l) => l.vrfTable));
  for (const r of [...host.routes, ...host.links.flatMap((l) => l.routes)]) if (r.table && !vrfTables.has(r.table)) unsupported(`route to ${r.to} in table ${r.table} (not a VRF table)`, r.origin);
}

export function checkVyos(model: Model, report: TargetReport): void {
  for (const host of model.hosts) if (host.role === 'vyos') checkVyosHost(host, report);
}

export const vyosEmitter: Emitter = {
  target: 'vyos',
  check: checkVyos,
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    if (host.role !== 'vyos') return [];
    const base = { site: host.site, host: host.name, kind: 'vyos' as const };
    const ctx = { host: host.name, site: host.site, inventory: shared.source, sections: vyosSections(host), setFile: `/${VYOS_SET_FILE}`, script: `/${VYOS_APPLY_SCRIPT}` };
    return [
      { ...base, path: `${hostRoot(host)}/${VYOS_SET_FILE}`, template: 'vyos/netgen.set.hbs', context: ctx },
      { ...base, path: `${hostRoot(host)}/${VYOS_APPLY_SCRIPT}`, template: 'vyos/netgen-apply.sh.hbs', context: ctx, mode: 0o755 },
    ];
  },
};
