import type { JsonPath } from '../../load/source.js';
import type { Model } from '../../model/types.js';
import { hasHostBits, parseAddress, parseCidr } from '../../net/ip.js';
import type { TargetReport } from '../../plan/artifact.js';
import { didYouMean } from '../../util/suggest.js';
import { familyOfAf, frrInstances, neighborFamilies, routerId, type BgpInput, type FrrInstance } from './frr-instance.js';

const ASN_MAX = 4294967295;
/** RFC 6793: stands in for a 4-byte AS towards 2-byte speakers, never an AS of its own. */
const AS_TRANS = 23456;

function checkAsn(value: unknown, path: JsonPath, report: TargetReport): void {
  if (typeof value !== 'number') return; // 'internal' / 'external'
  if (!Number.isInteger(value) || value < 1 || value > ASN_MAX) report.error('NG6003', `AS number ${value} is out of range: BGP AS numbers are 1..${ASN_MAX}`, path);
  else if (value === AS_TRANS) report.error('NG6003', `AS number ${AS_TRANS} is AS_TRANS (RFC 6793), reserved for 2-byte speakers`, path, { hint: 'use your real (4-byte) AS number' });
}

/** AS numbers of every BGP section, FRR or VyOS (the schema leaves the range to this check). */
function checkAsns(bgp: BgpInput | undefined, path: JsonPath, report: TargetReport): void {
  if (!bgp) return;
  checkAsn(bgp.asn, [...path, 'asn'], report);
  (bgp.neighbors ?? []).forEach((n, i) => checkAsn(n.remote_as, [...path, 'neighbors', i, 'remote_as'], report));
}

function checkPrefixes(list: string[] | undefined, path: JsonPath, report: TargetReport): void {
  (list ?? []).forEach((p, i) => {
    const c = parseCidr(p);
    if (c && hasHostBits(c)) report.error('NG4005', `prefix ${p} has host bits set; BGP would announce or match ${c.networkText}`, [...path, i], { hint: `write ${c.networkText}` });
  });
}

function checkInstance(inst: FrrInstance, report: TargetReport): void {
  const { bgp, path } = inst;
  const where = inst.namespace ? `namespace ${inst.namespace} on ${inst.host.id}` : `the root namespace of ${inst.host.id}`;
  if (inst.namespace && (/[.-]/.test(inst.namespace) || inst.namespace === 'daemons')) {
    report.error('NG6010', `namespace '${inst.namespace}' cannot name an FRR instance: FRR refuses dots in pathspaces and systemd turns '-' into '/' in frr@${inst.namespace}.service`, path.slice(0, -1), {
      hint: 'rename the namespace using letters, digits and _',
      at: 'key',
    });
  }
  const own = new Map<string, string>(); // address text -> interface
  for (const l of inst.links) for (const a of l.addresses) own.set(a.cidr.text, l.name);
  const linkNames = inst.links.map((l) => l.name);

  const rid = bgp.router_id ? parseAddress(bgp.router_id) : undefined;
  if (rid && rid.family !== 4) report.error('NG4006', `router_id ${bgp.router_id} is IPv6; a BGP router-id is a 32-bit id written as an IPv4 address`, [...path, 'router_id'], { hint: 'use an IPv4 address of the instance, or any unique dotted quad' });
  if (!routerId(inst)) report.error('NG4006', `the BGP instance of ${where} has no IPv4 address to take its router-id from`, path, { hint: 'set router_id (a unique dotted quad such as 10.255.0.1)', at: 'key' });

  const listen = bgp.listen ? parseAddress(bgp.listen) : undefined;
  if (listen && !own.has(listen.text)) {
    report.error('NG6001', `listen address ${bgp.listen} is not an address of ${where}`, [...path, 'listen'], { hint: own.size ? `addresses there: ${[...own.keys()].sort().join(', ')}` : undefined });
  }
  checkPrefixes(bgp.networks, [...path, 'networks'], report);

  const seen = new Map<string, number>();
  (bgp.neighbors ?? []).forEach((n, i) => {
    const np = [...path, 'neighbors', i];
    const addr = parseAddress(n.address);
    if (!addr) return;
    const first = seen.get(addr.text);
    if (first !== undefined) report.error('NG3002', `neighbor ${n.address} is listed twice in the BGP instance of ${where} (first as neighbors[${first}])`, [...np, 'address']);
    else seen.set(addr.text, i);
    if (own.has(addr.text)) report.error('NG6001', `neighbor ${n.address} is an address of ${where} itself`, [...np, 'address']);

    if (n.update_source) {
      const src = parseAddress(n.update_source);
      if (src) {
        if (!own.has(src.text)) report.error('NG6001', `update_source ${n.update_source} is not an address of ${where}`, [...np, 'update_source']);
        else if (src.family !== addr.family) report.error('NG4006', `update_source ${n.update_source} is IPv${src.family} but neighbor ${n.address} is IPv${addr.family}`, [...np, 'update_source']);
      } else if (!linkNames.includes(n.update_source)) {
        report.error('NG6001', `update_source '${n.update_source}' is not an interface of ${where}`, [...np, 'update_source'], { hint: didYouMean(n.update_source, linkNames) ?? (linkNames.length ? `interfaces there: ${linkNames.join(', ')}` : undefined) });
      }
    } else if (listen && listen.family !== addr.family) {
      report.error('NG4006', `neighbor ${n.address} is IPv${addr.family} but the instance listens on IPv${listen.family} address ${bgp.listen}`, [...np, 'address'], { hint: `give the neighbor an update_source of its family` });
    }

    const carried = new Set(neighborFamilies(n).map(familyOfAf).filter((f) => f !== undefined));
    for (const key of ['import', 'export'] as const) {
      checkPrefixes(n[key], [...np, key], report);
      (n[key] ?? []).forEach((p, j) => {
        const c = parseCidr(p);
        if (c && !carried.has(c.family)) report.error('NG4006', `${key} prefix ${p} is IPv${c.family} but neighbor ${n.address} does not carry ipv${c.family}-unicast`, [...np, key, j], { hint: `add ipv${c.family}-unicast to its address_families` });
      });
    }
  });
}

/** Semantic checks of BGP sections: AS numbers everywhere, addresses and names for FRR instances. */
export function checkFrr(model: Model, report: TargetReport): void {
  for (const host of model.hosts) {
    checkAsns(host.input.bgp, [...host.origin, 'bgp'], report);
    for (const [name, vrf] of Object.entries(host.input.vrfs ?? {})) checkAsns(vrf.bgp, [...host.origin, 'vrfs', name, 'bgp'], report);
    for (const ns of host.namespaces) checkAsns(ns.input.bgp, [...ns.origin, 'bgp'], report);
    for (const inst of frrInstances(host)) checkInstance(inst, report);
  }
}
