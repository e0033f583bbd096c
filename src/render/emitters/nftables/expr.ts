import type { Family } from '../../../net/ip.js';
import { parseAddress, parseCidr } from '../../../net/ip.js';
import { nftString } from '../../quote.js';

/**
 * Small builders for nft match expressions. Every inventory value passes through here: names are
 * quoted with nftString, addresses are re-printed from their parsed form (never copied as text),
 * ports are parsed numbers. Rule text is therefore built from validated parts only.
 */

export interface PortRange {
  first: number;
  last: number;
}

/** Parses an inventory port (6789, "6789", "6800-7300"); a message when it is not a port. */
export function parsePort(spec: unknown): PortRange | string {
  const text = typeof spec === 'number' ? String(spec) : typeof spec === 'string' ? spec.trim() : '';
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return `'${String(spec)}' is not a port or a range such as 6800-7300`;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  for (const p of [first, last]) if (p < 1 || p > 65535) return `port ${p} is outside 1..65535`;
  if (last < first) return `range ${first}-${last} runs backwards`;
  return { first, last };
}

export function portText(p: PortRange): string {
  return p.first === p.last ? String(p.first) : `${p.first}-${p.last}`;
}

/** `{ a, b }` for several values, the bare value for one. */
export function setOf(items: string[]): string {
  return items.length === 1 ? items[0] : `{ ${items.join(', ')} }`;
}

export const ipKw = (f: Family): 'ip' | 'ip6' => (f === 4 ? 'ip' : 'ip6');

export function quoteIf(name: string): string {
  return nftString(name);
}

/** A prefix as nft prints it: the network with /len, or the bare address for a host prefix. */
export function prefixText(text: string): { family: Family; text: string } | undefined {
  const c = parseCidr(text, true);
  if (!c) return undefined;
  const full = c.family === 4 ? 32 : 128;
  return { family: c.family, text: c.prefix === full ? c.text : c.networkText };
}

export function addressText(text: string): { family: Family; text: string } | undefined {
  const a = parseAddress(text);
  return a ? { family: a.family, text: a.text } : undefined;
}

/** Prefixes of one family, canonical, sorted, without duplicates. */
export function prefixesOf(texts: readonly string[] | undefined, family: Family): string[] {
  const out = new Set<string>();
  for (const t of texts ?? []) {
    const p = prefixText(t);
    if (p && p.family === family) out.add(p.text);
  }
  return [...out].sort();
}

export function familiesOf(texts: readonly string[] | undefined): Set<Family> {
  const out = new Set<Family>();
  for (const t of texts ?? []) {
    const p = prefixText(t);
    if (p) out.add(p.family);
  }
  return out;
}

export type Proto = 'tcp' | 'udp' | 'icmp' | 'any';

/**
 * The layer-4 part of a rule. Ports without a protocol mean TCP and UDP; `th dport` works for both
 * once `meta l4proto` fixed the protocol. ICMP follows the family (icmp / ipv6-icmp); with no
 * family both are meant.
 */
export function l4Match(proto: Proto | undefined, family: Family | undefined, ports: PortRange[], dir: 'dport' | 'sport' = 'dport'): string[] {
  const out: string[] = [];
  if (proto === 'icmp') out.push(family === 4 ? 'meta l4proto icmp' : family === 6 ? 'meta l4proto ipv6-icmp' : 'meta l4proto { icmp, ipv6-icmp }');
  else if (proto === 'tcp' || proto === 'udp') out.push(`meta l4proto ${proto}`);
  else if (ports.length > 0) out.push('meta l4proto { tcp, udp }');
  if (ports.length > 0) out.push(`th ${dir} ${setOf(ports.map(portText))}`);
  return out;
}

/** Rules and chains as the template prints them: one expression and the comment naming its origin. */
export interface NftRule {
  expr: string;
  comment: string;
}

export interface NftChain {
  name: string;
  /** "type filter hook input priority filter; policy accept;" for base chains. */
  base?: string;
  comment: string;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  type: 'ipv4_addr' | 'ipv6_addr';
  comment: string;
  elements: string[];
}

export interface NftTable {
  family: 'inet' | 'bridge';
  comment: string;
  sets: NftSet[];
  chains: NftChain[];
}

export function rule(parts: Array<string | undefined | false>, comment: string): NftRule {
  return { expr: parts.filter((p): p is string => !!p).join(' '), comment };
}
