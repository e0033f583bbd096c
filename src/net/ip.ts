import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6. */
  text: string;
}

export interface Cidr extends Address {
  prefix: number;
  /** First and last address of the prefix. */
  network: bigint;
  last: bigint;
  /** Canonical text with prefix, e.g. 10.1.0.4/24 (the address as written, not the network). */
  cidrText: string;
  /** Canonical network text, e.g. 10.1.0.0/24. */
  networkText: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function bitsOf(family: Family): number {
  return BITS[family];
}

function bytesToBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) {
    const v = Number(value & 0xffffffffn);
    return `${Math.floor(v / 16777216) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: number[] = new Array(8);
  let v = value;
  for (let i = 7; i >= 0; i--) {
    groups[i] = Number(v & 0xffffn);
    v >>= 16n;
  }
  return rfc5952(groups);
}

/** RFC 5952 text of eight 16-bit groups: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
function rfc5952(groups: number[]): string {
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestAt, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  return bestAt < 0 ? hex(0, 8) : `${hex(0, bestAt)}::${hex(bestAt + bestLength, 8)}`;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The groups of an IPv6 address of hex groups only (at most one `::`), or undefined when it is not one.
 * Addresses with an IPv4 tail are left to ipaddr.js (test/unit/ip.test.ts holds the two to the same answers).
 */
function ipv6Groups(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const side = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!HEX_GROUP.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (gap < 0) {
    const all = side(text);
    return all && all.length === 8 ? all : undefined;
  }
  const head = side(text.slice(0, gap));
  const tail = side(text.slice(gap + 2));
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

const IPV4_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Parses an address strictly: four-part decimal IPv4 or IPv6 without zone; undefined when invalid. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  // Dotted quads are parsed here, without ipaddr.js: it validates by throwing, which made address
  // checks the slowest part of a large build. Same rule: four decimal parts, no leading zeros, <= 255.
  const q = IPV4_QUAD.exec(text);
  if (q) {
    const [a, b, c, d] = [Number(q[1]), Number(q[2]), Number(q[3]), Number(q[4])];
    if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
    return { family: 4, value: BigInt(a * 16777216 + b * 65536 + c * 256 + d), text };
  }
  if (!text.includes('.')) {
    const groups = text.includes(':') ? ipv6Groups(text) : undefined;
    if (!groups) return undefined;
    let value = 0n;
    for (const g of groups) value = (value << 16n) | BigInt(g);
    return { family: 6, value, text: rfc5952(groups) };
  }
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) {
    const a = ipaddr.IPv6.parse(text);
    return { family: 6, value: bytesToBigint(a.toByteArray()), text: a.toRFC5952String() };
  }
  return undefined;
}

export function mask(family: Family, prefix: number): bigint {
  const bits = BITS[family];
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/**
 * Every stage parses the same prefixes again (validation, resolve, nftables, FRR, docs), and tenants
 * share their CIDRs across hosts: parsed values are kept, frozen, per text. Small and cleared when
 * full: repeats are near in time (one host's files, one tenant's hosts), and at 10,000 hosts an
 * unbounded cache of every unique address held 130 MB.
 */
const parsed = [new Map<string, Cidr | null>(), new Map<string, Cidr | null>()];
const PARSED_MAX = 1 << 15;

/** Parses "addr/len"; with `defaultPrefix` a bare address is accepted as a host route. */
export function parseCidr(text: string, defaultPrefix = false): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const cache = parsed[defaultPrefix ? 1 : 0];
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  if (cache.size >= PARSED_MAX) cache.clear();
  const c = parseCidrText(text, defaultPrefix);
  cache.set(text, c ? Object.freeze(c) : null);
  return c;
}

function parseCidrText(text: string, defaultPrefix: boolean): Cidr | undefined {
  const slash = text.indexOf('/');
  let addrText = text;
  let prefix: number;
  const addrOnly = slash < 0;
  if (addrOnly) {
    if (!defaultPrefix) return undefined;
    const a = parseAddress(text);
    if (!a) return undefined;
    prefix = BITS[a.family];
  } else {
    addrText = text.slice(0, slash);
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
  }
  const a = parseAddress(addrText);
  if (!a) return undefined;
  if (prefix > BITS[a.family]) return undefined;
  if (a.family === 4) {
    // IPv4 in plain numbers (exact below 2^53): BigInt arithmetic here dominated large builds.
    const size = 2 ** (32 - prefix);
    const net = Math.floor(Number(a.value) / size) * size;
    return { ...a, prefix, network: BigInt(net), last: BigInt(net + size - 1), cidrText: `${a.text}/${prefix}`, networkText: `${formatAddress(4, BigInt(net))}/${prefix}` };
  }
  const m = mask(a.family, prefix);
  const network = a.value & m;
  const last = network | (((1n << BigInt(BITS[a.family])) - 1n) ^ m);
  return {
    ...a,
    prefix,
    network,
    last,
    cidrText: `${a.text}/${prefix}`,
    networkText: `${formatAddress(a.family, network)}/${prefix}`,
  };
}

export function hasHostBits(c: Cidr): boolean {
  return c.value !== c.network;
}

export function cidrContains(c: Cidr, a: Address): boolean {
  return c.family === a.family && a.value >= c.network && a.value <= c.last;
}

export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.network >= outer.network && inner.last <= outer.last;
}

export interface Interval<T> {
  family: Family;
  start: bigint;
  end: bigint;
  ref: T;
}

/**
 * Overlapping pairs among intervals, found by sorting: O(n log n + k).
 * Each interval is reported against the earlier-starting one it overlaps (with the widest end so far),
 * which names every overlap at least once without a pairwise pass.
 */
export function findOverlaps<T>(items: Interval<T>[]): Array<[Interval<T>, Interval<T>]> {
  const out: Array<[Interval<T>, Interval<T>]> = [];
  const sorted = [...items].sort((a, b) => (a.family !== b.family ? a.family - b.family : a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  let widest: Interval<T> | undefined;
  for (const it of sorted) {
    if (widest && widest.family === it.family && it.start <= widest.end) out.push([widest, it]);
    if (!widest || widest.family !== it.family || it.end > widest.end) widest = it;
  }
  return out;
}

/** The n-th address of a prefix (0 = network address). */
export function nthAddress(c: Cidr, n: bigint): bigint {
  return c.network + n;
}

export function addressCount(c: Cidr): bigint {
  return c.last - c.network + 1n;
}
