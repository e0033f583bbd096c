import type { Family } from '../../../net/ip.js';
import type { Link } from '../../../model/types.js';
import { addressText, familiesOf, ipKw, l4Match, parsePort, prefixesOf, quoteIf, rule, setOf, type NftChain, type NftRule, type NftTable, type PortRange, type Proto } from './expr.js';
import { refText, type FirewallScope, type NatInput } from './scope.js';

/**
 * The `inet netgen` table of one scope: NAT, service access and routed-port anti-spoofing.
 * `inet` so that IPv4 and IPv6 share one table and one set of chains (NAT in inet needs Linux 5.2).
 * Input that failed the semantic checks never gets here (the build stops first), so the builders
 * skip what they cannot express rather than report it.
 */
export function inetTable(scope: FirewallScope): NftTable | undefined {
  const chains: NftChain[] = [];
  const antispoof = antiSpoofRules(scope);
  if (antispoof.length)
    chains.push({ name: 'antispoof', base: 'type filter hook prerouting priority raw; policy accept;', comment: 'routed ports may only send from the addresses routed to them (before conntrack)', rules: antispoof });
  const nat = scope.nat.map((r, i) => ({ r, i }));
  const pre = nat.filter(({ r }) => r.type === 'dnat').flatMap(({ r, i }) => natRules(scope, r, i));
  const post = nat.filter(({ r }) => r.type !== 'dnat').flatMap(({ r, i }) => natRules(scope, r, i));
  if (pre.length) chains.push({ name: 'prerouting', base: 'type nat hook prerouting priority dstnat; policy accept;', comment: 'destination NAT', rules: pre });
  const services = serviceRules(scope);
  if (services.input.length) chains.push({ name: 'input', base: 'type filter hook input priority filter; policy accept;', comment: 'services of this namespace: only the listed sources', rules: services.input });
  if (services.forward.length) chains.push({ name: 'forward', base: 'type filter hook forward priority filter; policy accept;', comment: 'services behind this namespace: only the listed sources', rules: services.forward });
  if (post.length) chains.push({ name: 'postrouting', base: 'type nat hook postrouting priority srcnat; policy accept;', comment: 'source NAT and masquerade', rules: post });
  if (!chains.length) return undefined;
  return { family: 'inet', comment: `netgen rules of ${scope.label}`, sets: [], chains };
}

function portsOf(specs: Array<number | string> | undefined): PortRange[] {
  return (specs ?? []).map(parsePort).filter((p): p is PortRange => typeof p !== 'string');
}

function natRules(scope: FirewallScope, r: NatInput, i: number): NftRule[] {
  const ref = refText(scope, 'nat', i) + (r.description ? `: ${r.description}` : '');
  const to = r.to ? addressText(r.to) : undefined;
  const ports = portsOf(r.port === undefined ? undefined : [r.port]);
  const fams = new Set<Family>([...familiesOf(r.from), ...familiesOf(r.to_prefix)]);
  if (to) fams.add(to.family);
  // A rule with no address in it (masquerade out of an interface) applies to both families at once.
  const families: Array<Family | undefined> = fams.size ? [...fams].sort() : [undefined];
  return families.map((f) => {
    const match = [
      r.in ? `iifname ${quoteIf(r.in)}` : undefined,
      r.out ? `oifname ${quoteIf(r.out)}` : undefined,
      f && r.from?.length ? `${ipKw(f)} saddr ${setOf(prefixesOf(r.from, f))}` : undefined,
      f && r.to_prefix?.length ? `${ipKw(f)} daddr ${setOf(prefixesOf(r.to_prefix, f))}` : undefined,
      ...l4Match(r.proto as Proto | undefined, f, ports),
    ];
    let action: string;
    if (r.type === 'masquerade') action = 'masquerade';
    else {
      const addr = f === 6 ? `[${to!.text}]` : to!.text;
      const target = r.to_port ? `${addr}:${r.to_port}` : to!.text;
      action = `${r.type} ${ipKw(f!)} to ${target}`;
    }
    return rule([...match, action], ref);
  });
}

function serviceRules(scope: FirewallScope): { input: NftRule[]; forward: NftRule[] } {
  const out = { input: [] as NftRule[], forward: [] as NftRule[] };
  const services = Object.entries(scope.firewall?.services ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, s] of services) {
    const addr = addressText(s.address);
    if (!addr) continue;
    const ref = refText(scope, 'firewall', 'services', name) + (s.description ? `: ${s.description}` : '');
    const ip = ipKw(addr.family);
    const dst = `${ip} daddr ${addr.text}`;
    const allow = prefixesOf(s.allow, addr.family);
    const ports = portsOf(s.ports);
    // A service on an address of this namespace is reached through input, one behind it through forward.
    const chain = scope.localAddresses.has(addr.text) ? out.input : out.forward;
    chain.push(rule([dst, 'ct state established,related', 'accept'], `${ref} (replies)`));
    // Without neighbour discovery towards the address nobody on the link could resolve it.
    if (addr.family === 6) chain.push(rule([dst, 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }', 'accept'], `${ref} (neighbour discovery)`));
    if (allow.length) chain.push(rule([dst, `${ip} saddr ${setOf(allow)}`, ...l4Match(s.proto as Proto | undefined, addr.family, ports), 'accept'], `${ref} (allowed sources)`));
    chain.push(rule([dst, 'counter', 'drop'], `${ref} (everything else)`));
  }
  return out;
}

/**
 * Routed ports (taps with routes and no bridge, seed 002) may only send from the prefixes routed to
 * them. Link-local IPv6 stays allowed (neighbour discovery, router solicitation), and so do DAD
 * probes from :: and DHCP discovers from 0.0.0.0, or the VM could not even configure itself.
 */
function antiSpoofRules(scope: FirewallScope): NftRule[] {
  if (!scope.firewall?.anti_spoofing) return [];
  return routedPorts(scope.links).flatMap((l) => {
    const ref = refText(scope, 'firewall', 'anti_spoofing') + ` (${l.name})`;
    const routed = l.routes.filter((r) => !r.via && r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit').map((r) => r.to);
    const iif = `iifname ${quoteIf(l.name)}`;
    const v4 = prefixesOf(routed, 4);
    const v6 = prefixesOf(routed, 6);
    return [
      rule([iif, 'ip saddr 0.0.0.0 udp sport 68 udp dport 67', 'accept'], `${ref}: DHCP discover`),
      rule([iif, v4.length ? `ip saddr != ${setOf(v4)}` : 'meta nfproto ipv4', 'counter', 'drop'], `${ref}: IPv4 source not routed to the port`),
      rule([iif, 'ip6 saddr ::', 'icmpv6 type { nd-neighbor-solicit, mld2-listener-report }', 'accept'], `${ref}: duplicate address detection`),
      rule([iif, `ip6 saddr != ${setOf(['fe80::/10', ...v6])}`, 'counter', 'drop'], `${ref}: IPv6 source not routed to the port`),
    ];
  });
}

/** Taps outside any bridge that have routes pointing at them: the routed network ports. */
export function routedPorts(links: Link[]): Link[] {
  return links.filter((l) => l.kind === 'tap' && !l.master && l.routes.some((r) => !r.via)).sort((a, b) => (a.name < b.name ? -1 : 1));
}
