import { parseAddress, type Family } from '../../net/ip.js';
import { familyOfAf, isEbgp, neighborFamilies, prefixFamily, prefixText, routerId, type AddressFamily, type BgpNeighborInput, type FrrInstance } from './frr-instance.js';

/** FRR cuts neighbor descriptions at 80 characters. */
const DESCRIPTION_MAX = 80;

interface PrefixListView {
  /** `ip` or `ipv6`: the two prefix-list namespaces of FRR. */
  keyword: 'ip' | 'ipv6';
  name: string;
  entries: Array<{ seq: number; prefix: string }>;
}

interface RouteMapView {
  name: string;
  why: string;
  entries: Array<{ action: 'permit' | 'deny'; seq: number; match?: string }>;
}

interface AfNeighborView {
  address: string;
  routeMapIn?: string;
  routeMapOut?: string;
}

interface AddressFamilyView {
  /** `ipv4 unicast`, `ipv6 unicast`, `l2vpn evpn`. */
  afi: string;
  networks: string[];
  neighbors: AfNeighborView[];
  advertiseAllVni: boolean;
}

export interface FrrConfigView {
  hostname: string;
  asn: number;
  routerId?: string;
  neighbors: Array<{ address: string; remoteAs: string; description?: string; updateSource?: string; ebgpMultihop?: number }>;
  prefixLists: PrefixListView[];
  routeMaps: RouteMapView[];
  families: AddressFamilyView[];
}

const AF_ORDER: AddressFamily[] = ['ipv4-unicast', 'ipv6-unicast', 'l2vpn-evpn'];
const AFI: Record<AddressFamily, string> = { 'ipv4-unicast': 'ipv4 unicast', 'ipv6-unicast': 'ipv6 unicast', 'l2vpn-evpn': 'l2vpn evpn' };

/** A name token for FRR policy objects: IPv4 keeps its dots, IPv6 colons become underscores (no clash: only v4 has dots). */
function token(address: string): string {
  return address.replace(/:/g, '_');
}

/** The neighbor address in canonical form (RFC 5952 for IPv6), as FRR prints it back. */
function addressOf(n: BgpNeighborInput): string {
  return parseAddress(n.address)?.text ?? n.address;
}

function uniqueSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}

/**
 * The policy of one neighbor in one unicast family: a prefix-list of exactly the allowed prefixes and
 * a route-map matching it. No list means nothing is accepted (import) or only the instance's own
 * networks are announced (export); an empty list denies everything.
 */
function policy(
  n: BgpNeighborInput,
  family: Family,
  direction: 'in' | 'out',
  networks: string[],
  lists: PrefixListView[],
  maps: RouteMapView[],
): string {
  const given = direction === 'in' ? n.import : n.export;
  const source = given ?? (direction === 'out' ? networks : []);
  const prefixes = uniqueSorted(source.filter((p) => prefixFamily(p) === family).map(prefixText));
  const v = family === 4 ? 'V4' : 'V6';
  const name = `NG-${token(addressOf(n))}-${direction.toUpperCase()}-${v}`;
  const what = direction === 'in' ? 'accepted from' : 'announced to';
  const why =
    given !== undefined
      ? `IPv${family} prefixes ${what} ${n.address}: its ${direction === 'in' ? 'import' : 'export'} list`
      : direction === 'in'
        ? `nothing is accepted from ${n.address}: it has no import list`
        : `IPv${family} prefixes announced to ${n.address}: the instance's networks (it has no export list)`;
  if (prefixes.length === 0) {
    maps.push({ name, why: `${why} (no IPv${family} prefix: deny all)`, entries: [{ action: 'deny', seq: 10 }] });
    return name;
  }
  const keyword = family === 4 ? 'ip' : 'ipv6';
  lists.push({ keyword, name, entries: prefixes.map((prefix, i) => ({ seq: (i + 1) * 5, prefix })) });
  maps.push({ name, why, entries: [{ action: 'permit', seq: 10, match: `${keyword} address prefix-list ${name}` }] });
  return name;
}

export function frrConfigView(inst: FrrInstance): FrrConfigView {
  const { bgp } = inst;
  const neighbors = bgp.neighbors ?? [];
  const networks = bgp.networks ?? [];
  const prefixLists: PrefixListView[] = [];
  const routeMaps: RouteMapView[] = [];
  const families: AddressFamilyView[] = [];
  let evpnMap: string | undefined;
  for (const af of AF_ORDER) {
    const family = familyOfAf(af);
    const afNetworks = family ? uniqueSorted(networks.filter((p) => prefixFamily(p) === family).map(prefixText)) : [];
    const afNeighbors: AfNeighborView[] = [];
    for (const n of neighbors) {
      if (!neighborFamilies(n).includes(af)) continue;
      if (family) {
        afNeighbors.push({ address: addressOf(n), routeMapIn: policy(n, family, 'in', networks, prefixLists, routeMaps), routeMapOut: policy(n, family, 'out', networks, prefixLists, routeMaps) });
      } else if (isEbgp(bgp, n)) {
        // EVPN routes carry MACs and VNIs, not prefixes of these lists; FRR (RFC 8212) drops eBGP
        // routes without a policy, so eBGP EVPN peers get an explicit permit.
        if (!evpnMap) {
          evpnMap = 'NG-EVPN';
          routeMaps.push({ name: evpnMap, why: 'EVPN routes (MAC/VNI) exchanged with eBGP EVPN neighbors; unicast prefixes are filtered per family', entries: [{ action: 'permit', seq: 10 }] });
        }
        afNeighbors.push({ address: addressOf(n), routeMapIn: evpnMap, routeMapOut: evpnMap });
      } else afNeighbors.push({ address: addressOf(n) });
    }
    const advertiseAllVni = af === 'l2vpn-evpn' && bgp.advertise_all_vni === true;
    if (afNeighbors.length || afNetworks.length || advertiseAllVni) families.push({ afi: AFI[af], networks: afNetworks, neighbors: afNeighbors, advertiseAllVni });
  }
  return {
    hostname: inst.namespace ? `${inst.host.name}-${inst.namespace}` : inst.host.name,
    asn: bgp.asn,
    routerId: routerId(inst),
    neighbors: neighbors.map((n) => ({
      address: addressOf(n),
      remoteAs: String(n.remote_as),
      description: n.description ? n.description.slice(0, DESCRIPTION_MAX) : undefined,
      updateSource: n.update_source,
      ebgpMultihop: n.ebgp_multihop,
    })),
    prefixLists,
    routeMaps,
    families,
  };
}
