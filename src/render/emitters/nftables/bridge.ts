import type { Static } from '@sinclair/typebox';
import type { Family } from '../../../net/ip.js';
import type { Model } from '../../../model/types.js';
import type { SharedPlanInput } from '../../../plan/artifact.js';
import type { PortSecurity, SecurityGroup, SgRule } from '../../../schema/targets.js';
import { addressText, ipKw, l4Match, parsePort, prefixText, quoteIf, rule, setOf, type NftChain, type NftRule, type NftSet, type NftTable, type Proto } from './expr.js';
import { refText, scopesOf, type FirewallScope } from './scope.js';

/*
 * Security groups filter bridged traffic, so they live in a `bridge` table: frames switched between
 * bridge ports never pass the inet hooks unless br_netfilter is loaded, which is a host-wide switch
 * that pushes every bridge's frames through the IP hooks, and even then an inet rule sees the
 * bridge, not the port (iptables needed its physdev match for that; nft has none). In the bridge
 * family iifname/oifname are the ports themselves. Conntrack (ct state) in the bridge family needs
 * nf_conntrack_bridge (Linux >= 5.3, a module in Debian's kernel, loaded on first use).
 */

type PortInput = Static<typeof PortSecurity>;
type GroupInput = Static<typeof SecurityGroup>;
type SgRuleInput = Static<typeof SgRule>;

/** The nftables emitter's target name, under which it shares the group members. */
export const NFT_TARGET = 'nftables';

/** Addresses of every port in each security group, by group name. */
type GroupMembers = Record<string, string[]>;

/**
 * Every group's members over the whole inventory (remote_group means all of them): the one thing a
 * host's rulesets read of other hosts, shared with every host plan (`shareAcrossHosts`). A record
 * without a prototype, so a group named like an Object method is just a name.
 */
export function groupMembers(model: Model): GroupMembers {
  const m: GroupMembers = Object.create(null) as GroupMembers;
  for (const host of model.hosts)
    for (const scope of scopesOf(host))
      for (const port of Object.values(scope.firewall?.ports ?? {})) for (const g of port.groups ?? []) (m[g] ??= []).push(...port.addresses);
  return m;
}

export const setName = (group: string, f: Family) => `sg-${group}-v${f}`;
const FAMILIES: Family[] = [4, 6];

export function bridgeTable(scope: FirewallScope, shared: SharedPlanInput): NftTable | undefined {
  const ports = Object.entries(scope.firewall?.ports ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!ports.length) return undefined;
  const groups = shared.input.security_groups ?? {};
  const members = (shared.fromTargets.get(NFT_TARGET) ?? Object.create(null)) as GroupMembers;
  const referenced = new Set<string>();
  for (const [, p] of ports) for (const g of p.groups ?? []) for (const r of groups[g]?.rules ?? []) if (r.remote_group && groups[r.remote_group]) referenced.add(r.remote_group);
  const sets: NftSet[] = [...referenced].sort().flatMap((g) =>
    FAMILIES.map((f) => ({
      name: setName(g, f),
      type: f === 4 ? ('ipv4_addr' as const) : ('ipv6_addr' as const),
      comment: `security_groups.${g}: IPv${f} addresses of its members`,
      elements: [...new Set((members[g] ?? []).map(addressText).filter((a) => a?.family === f).map((a) => a!.text))].sort(),
    })),
  );
  const dispatch = (dir: 'iifname' | 'oifname', prefix: string, what: string) =>
    ports.map(([name]) => rule([`${dir} ${quoteIf(name)}`, `jump ${prefix}-${name}`], `${refText(scope, 'firewall', 'ports', name)}: ${what}`));
  const chains: NftChain[] = [
    { name: 'forward', base: 'type filter hook forward priority filter; policy accept;', comment: 'frames switched between ports', rules: [...dispatch('iifname', 'from', 'what the VM sends'), ...dispatch('oifname', 'to', 'what the VM receives')] },
    { name: 'input', base: 'type filter hook input priority filter; policy accept;', comment: 'frames from a port to this host', rules: dispatch('iifname', 'from', 'what the VM sends to this host') },
    { name: 'output', base: 'type filter hook output priority filter; policy accept;', comment: 'frames from this host to a port', rules: dispatch('oifname', 'to', 'what this host sends to the VM') },
  ];
  for (const [name, p] of ports) chains.push(fromPort(scope, name, p, groups), toPort(scope, name, p, groups));
  return { family: 'bridge', comment: `netgen security groups of ${scope.label}`, sets, chains };
}

/** The addresses of a port, per family. */
function portAddresses(p: PortInput, f: Family): string[] {
  return [...new Set(p.addresses.map(addressText).filter((a) => a?.family === f).map((a) => a!.text))].sort();
}

/** What the VM sends: its MAC and addresses only, no DHCP or router service, then its groups' egress rules. */
function fromPort(scope: FirewallScope, name: string, p: PortInput, groups: Record<string, GroupInput>): NftChain {
  const ref = refText(scope, 'firewall', 'ports', name);
  const mac = p.mac.toLowerCase();
  const v4 = portAddresses(p, 4);
  const v6 = portAddresses(p, 6);
  const rules: NftRule[] = [
    rule([`ether saddr != ${mac}`, 'counter', 'drop'], `${ref}: MAC anti-spoofing`),
    rule(['ether type arp', `arp saddr ether != ${mac}`, 'counter', 'drop'], `${ref}: ARP sender MAC anti-spoofing`),
    rule(['ether type arp', `arp saddr ip != ${setOf(['0.0.0.0', ...v4])}`, 'counter', 'drop'], `${ref}: ARP sender address anti-spoofing`),
    rule(['ether type ip', 'udp sport 67', 'udp dport 68', 'counter', 'drop'], `${ref}: no DHCP server on a VM port`),
    rule(['ether type ip6', 'udp sport 547', 'udp dport 546', 'counter', 'drop'], `${ref}: no DHCPv6 server on a VM port`),
    rule(['ether type ip6', 'icmpv6 type nd-router-advert', 'counter', 'drop'], `${ref}: no router advertisements from a VM port`),
    // Before the address check: a DHCP discover comes from 0.0.0.0.
    rule(['ether type ip', 'udp sport 68', 'udp dport 67', 'accept'], `${ref}: DHCP client`),
    rule(['ether type ip6', 'udp sport 546', 'udp dport 547', 'accept'], `${ref}: DHCPv6 client`),
    rule(['ether type ip', v4.length ? `ip saddr != ${setOf(v4)}` : undefined, 'counter', 'drop'], `${ref}: IPv4 anti-spoofing`),
    // Link-local and :: (duplicate address detection) stay allowed or IPv6 breaks on the link.
    rule(['ether type ip6', `ip6 saddr != ${setOf(['fe80::/10', '::', ...v6])}`, 'counter', 'drop'], `${ref}: IPv6 anti-spoofing`),
    rule(['ct state invalid', 'counter', 'drop'], `${ref}: invalid conntrack state`),
    rule(['ct state established,related', 'accept'], `${ref}: established and related`),
    rule(['ether type arp', 'accept'], `${ref}: ARP (sender checked above)`),
    rule(['ether type ip6', 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, mld-listener-report, mld2-listener-report }', 'accept'], `${ref}: neighbour discovery`),
    ...groupRules(p, groups, 'egress'),
    rule(['counter', 'drop'], `${ref}: default drop`),
  ];
  return { name: `from-${name}`, comment: `${ref}: what the VM sends`, rules };
}

/** What the VM receives: replies, ARP, DHCP and neighbour discovery, then its groups' ingress rules. */
function toPort(scope: FirewallScope, name: string, p: PortInput, groups: Record<string, GroupInput>): NftChain {
  const ref = refText(scope, 'firewall', 'ports', name);
  const rules: NftRule[] = [
    rule(['ct state invalid', 'counter', 'drop'], `${ref}: invalid conntrack state`),
    rule(['ct state established,related', 'accept'], `${ref}: established and related`),
    rule(['ether type arp', 'accept'], `${ref}: ARP`),
    rule(['ether type ip', 'udp sport 67', 'udp dport 68', 'accept'], `${ref}: DHCP server replies`),
    rule(['ether type ip6', 'udp sport 547', 'udp dport 546', 'accept'], `${ref}: DHCPv6 server replies`),
    rule(['ether type ip6', 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, mld-listener-query }', 'accept'], `${ref}: neighbour discovery`),
    ...groupRules(p, groups, 'ingress'),
    rule(['counter', 'drop'], `${ref}: default drop`),
  ];
  return { name: `to-${name}`, comment: `${ref}: what the VM receives`, rules };
}

function groupRules(p: PortInput, groups: Record<string, GroupInput>, direction: 'ingress' | 'egress'): NftRule[] {
  return (p.groups ?? []).flatMap((g) => (groups[g]?.rules ?? []).flatMap((r, i) => (r.direction === direction ? sgRule(g, r, i, groups) : [])));
}

/** One security-group rule: the remote (an address, a group's member set, or anywhere) plus protocol and ports. */
function sgRule(group: string, r: SgRuleInput, i: number, groups: Record<string, GroupInput>): NftRule[] {
  const ref = `security_groups.${group}.rules[${i}]${r.description ? `: ${r.description}` : ''}`;
  const side = r.direction === 'ingress' ? 'saddr' : 'daddr';
  const port = r.ports === undefined ? undefined : parsePort(r.ports);
  const ports = port && typeof port !== 'string' ? [port] : [];
  const remote = r.remote ? prefixText(r.remote) : undefined;
  let families: Array<Family | undefined>;
  if (remote) families = [remote.family];
  else if (r.remote_group && groups[r.remote_group]) families = FAMILIES;
  else families = [undefined];
  return families.map((f) => {
    const where = !f ? undefined : remote ? `${ipKw(f)} ${side} ${remote.text}` : `${ipKw(f)} ${side} @${setName(r.remote_group!, f)}`;
    return rule([f ? `ether type ${ipKw(f)}` : undefined, where, ...l4Match(r.proto as Proto | undefined, f, ports), 'accept'], ref);
  });
}
