import type { HostModel, Link } from '../model/types.js';
import { parseCidr } from '../net/ip.js';

/**
 * The VM behind a tap. A hypervisor would create the tap and plug a guest into it; the lab makes
 * the tap a veth whose other end (eth0) sits in a namespace of its own, the VM stand-in. The host
 * side is configured by the generated networkd unit of the tap, exactly as deployed. A routed VM
 * (the tap has host routes, /32 or /128, as in seed 002) gets those addresses and a default route
 * via the gateway(s) of the tables those routes live in, on-link: the host answers for the gateway
 * with proxy ARP/NDP. A bridged VM gets no address (a DHCP client may ask for one) and, when the
 * firewall names its port, the port's MAC, as the real guest would have.
 */
export interface VmPlan {
  /** Short name (lab namespace suffix). */
  short: string;
  tap: string;
  addresses: string[];
  gateways: string[];
  mac?: string;
  reason: string;
}

/** `<host short>-<tap>`; shared with the endpoint resolver so `host/tap` names the same namespace. */
export function vmShort(hostShort: string, tap: string): string {
  return `${hostShort}-${tap}`;
}

function isHostRoute(to: string): boolean {
  const c = parseCidr(to);
  return !!c && c.prefix === (c.family === 4 ? 32 : 128);
}

/** Gateways of a routing table on this host: `via` of its default routes (any link but the tap itself). */
function tableGateways(host: HostModel, table: number, family: 4 | 6, except: string): string[] {
  const routes = [...host.links.filter((l) => l.name !== except).flatMap((l) => l.routes), ...host.routes];
  const vias = routes.filter((r) => r.table === table && r.family === family && r.via && parseCidr(r.to)?.prefix === 0).map((r) => r.via!);
  return [...new Set(vias)].sort();
}

function portMac(host: HostModel, tap: string): string | undefined {
  const ports = (host.input.firewall as { ports?: Record<string, { mac?: string } | null> } | undefined)?.ports;
  return ports?.[tap]?.mac ?? undefined;
}

export function vmPlan(host: HostModel, hostShort: string, tap: Link): VmPlan {
  const routed = tap.routes.filter((r) => !r.via && isHostRoute(r.to));
  const addresses = routed.map((r) => r.to).sort();
  const gateways: string[] = [];
  for (const r of routed) if (r.table !== undefined) gateways.push(...tableGateways(host, r.table, r.family, tap.name));
  const gws = [...new Set(gateways)].sort();
  const mac = portMac(host, tap.name);
  const what = addresses.length
    ? `routed VM ${addresses.join(', ')}${gws.length ? `, default via ${gws.join(', ')} on-link (proxy ARP/NDP of the host answers)` : ', no gateway found in its tables'}`
    : `bridged VM, no address${mac ? `, MAC ${mac} of its firewall port` : ''}`;
  return { short: vmShort(hostShort, tap.name), tap: tap.name, addresses, gateways: gws, mac, reason: `VM behind ${host.id} ${tap.name} (${what}); the tap is a veth to it` };
}
