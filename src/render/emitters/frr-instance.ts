import type { JsonPath } from '../../load/source.js';
import type { HostModel, Link } from '../../model/types.js';
import { parseAddress, parseCidr, type Family } from '../../net/ip.js';
import type { HostInput } from '../../schema/inventory.js';

export type BgpInput = NonNullable<HostInput['bgp']>;
export type BgpNeighborInput = NonNullable<BgpInput['neighbors']>[number];
export type AddressFamily = NonNullable<BgpNeighborInput['address_families']>[number];

/**
 * One FRR instance: the root namespace of a linux host (`bgp:` on the host, /etc/frr, frr.service)
 * or one namespace (`bgp:` on the namespace, pathspace /etc/frr/<ns>, frr@<ns>.service).
 */
export interface FrrInstance {
  host: HostModel;
  /** The namespace name (= FRR pathspace), undefined for the root namespace. */
  namespace?: string;
  bgp: BgpInput;
  /** Inventory path of the `bgp:` section. */
  path: JsonPath;
  /** The links of the instance's network namespace (addresses, update-source interfaces). */
  links: Link[];
}

export function frrInstances(host: HostModel): FrrInstance[] {
  if (host.role !== 'linux') return [];
  const out: FrrInstance[] = [];
  if (host.input.bgp) out.push({ host, bgp: host.input.bgp, path: [...host.origin, 'bgp'], links: host.links });
  for (const ns of host.namespaces) if (ns.input.bgp) out.push({ host, namespace: ns.name, bgp: ns.input.bgp, path: [...ns.origin, 'bgp'], links: ns.links });
  return out;
}

/** The unicast family a neighbor carries unless address_families says otherwise. */
export function neighborFamilies(n: BgpNeighborInput): AddressFamily[] {
  if (n.address_families?.length) return n.address_families;
  return [parseAddress(n.address)?.family === 6 ? 'ipv6-unicast' : 'ipv4-unicast'];
}

export function familyOfAf(af: AddressFamily): Family | undefined {
  return af === 'ipv4-unicast' ? 4 : af === 'ipv6-unicast' ? 6 : undefined;
}

/** The router-id: as written, else the listen address, else the first IPv4 address of the namespace. */
export function routerId(inst: FrrInstance): string | undefined {
  if (inst.bgp.router_id) return inst.bgp.router_id;
  if (inst.bgp.listen && parseAddress(inst.bgp.listen)?.family === 4) return inst.bgp.listen;
  for (const l of inst.links) for (const a of l.addresses) if (a.cidr.family === 4) return a.cidr.text;
  return undefined;
}

export function isEbgp(bgp: BgpInput, n: BgpNeighborInput): boolean {
  return n.remote_as === 'external' || (typeof n.remote_as === 'number' && n.remote_as !== bgp.asn);
}

/** Canonical network text of a prefix (host bits are reported by the checks, NG4005). */
export function prefixText(cidr: string): string {
  return parseCidr(cidr)?.networkText ?? cidr;
}

export function prefixFamily(cidr: string): Family | undefined {
  return parseCidr(cidr)?.family;
}
