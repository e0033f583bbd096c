import { promises as fs } from 'node:fs';
import { fastParse } from '../load/fast-yaml.js';
import { yaml } from '../load/yaml-lib.js';
import { formatAddress, parseAddress, type Cidr, type Family } from '../net/ip.js';

/** What the lock file records: every value netgen chose, keyed by the identity it was chosen for. */
export interface LockData {
  addresses: Record<string, string>;
  vnis: Record<string, number>;
  tables: Record<string, number>;
}

export function emptyLock(): LockData {
  return { addresses: {}, vnis: {}, tables: {} };
}

export function lockPathFor(inventoryAbsolutePath: string, isDirectory: boolean): string {
  const base = isDirectory ? inventoryAbsolutePath.replace(/[/\\]+$/, '') : inventoryAbsolutePath.replace(/\.(ya?ml)$/i, '');
  return `${base}.lock.yaml`;
}

export async function readLock(file: string): Promise<{ lock: LockData; error?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { lock: emptyLock() };
  }
  try {
    // The lock is machine-written plain YAML: the fast parser takes it. The document parser's
    // duplicate-key check is quadratic in a mapping's size (20 s for a 10,000-host lock).
    const v = (fastParse(text)?.value ?? yaml().parse(text)) as Partial<LockData> | null;
    const lock = emptyLock();
    if (v && typeof v === 'object') {
      for (const k of ['addresses', 'vnis', 'tables'] as const) {
        const section = v[k];
        if (section && typeof section === 'object') Object.assign(lock[k], section);
      }
    }
    return { lock };
  } catch (e) {
    return { lock: emptyLock(), error: (e as Error).message.split('\n')[0] };
  }
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

/**
 * Text the YAML serialiser writes as a plain scalar: names, paths and addresses (letters, digits and
 * `._/:-`) that the core schema cannot read as anything but a string. Anything else is left to it.
 * (IPv4 addresses were once left to it too: every lock with a tenant address went through the YAML
 * library, 45 ms at 1,000 hosts plus loading it.)
 */
const PLAIN_CHARS = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;
const NOT_A_STRING = /^(?:[-+]?(?:\.?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0[xXoObB][0-9a-fA-F_]+)|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
/** Dotted numbers with three or more parts (IPv4 addresses): no schema reads them as numbers. */
const DOTTED = /^[0-9]+(?:\.[0-9]+){2,}$/;
const isPlain = (s: string) => PLAIN_CHARS.test(s) && !NOT_A_STRING.test(s) && !s.endsWith(':') && (/[A-Za-z/:]/.test(s) || DOTTED.test(s));

/** One section of the lock by hand, or undefined when an entry needs the serialiser's quoting. */
function plainSection(name: string, record: Record<string, string | number>): string | undefined {
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return `${name}: {}\n`;
  const lines = [`${name}:`];
  for (const k of keys) {
    const v = record[k];
    if (!isPlain(k) || !(typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : isPlain(v))) return undefined;
    lines.push(`  ${k}: ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The lock as YAML, sorted. Locks hold names and addresses, which are written by hand (the YAML library
 * is then not even loaded); an entry that needs quoting sends the whole lock through the serialiser,
 * whose output for plain entries is the same text (test/unit/lock.test.ts).
 */
export function serializeLock(lock: LockData, source: string): string {
  const sections = [plainSection('addresses', lock.addresses), plainSection('vnis', lock.vnis), plainSection('tables', lock.tables)];
  const body = sections.every((s) => s !== undefined)
    ? sections.join('')
    : yaml().stringify({ addresses: sortedRecord(lock.addresses), vnis: sortedRecord(lock.vnis), tables: sortedRecord(lock.tables) }, { lineWidth: 0 });
  return `# netgen allocation lock for ${source}: values netgen chose, kept so that edits never renumber them.\n# Commit this file beside the inventory. Remove an entry to let netgen choose again.\n${body}`;
}

interface AddressRequest {
  key: string;
  pools: Cidr[];
  family: Family;
  scope: string;
  assign: (addressText: string, pool: Cidr) => void;
  fail: () => void;
}

interface NumberRequest {
  kind: 'vnis' | 'tables';
  key: string;
  scope: string;
  range: [number, number];
  assign: (n: number) => void;
  fail: () => void;
}

/**
 * Two-phase allocation: values from the lock are honoured first (if still free and in range),
 * then new requests take the lowest free value in key order. So inserting a host or a tenant
 * anywhere in the inventory never moves what was allocated before.
 */
export class Allocator {
  readonly next: LockData = emptyLock();
  private readonly addressRequests: AddressRequest[] = [];
  private readonly numberRequests: NumberRequest[] = [];
  private readonly usedAddresses = new Map<string, Set<bigint>>();
  private readonly usedNumbers = new Map<string, Set<number>>();

  constructor(private readonly previous: LockData) {}

  /** Marks an explicitly configured value as taken in a scope. */
  reserveAddress(scope: string, value: bigint): void {
    let s = this.usedAddresses.get(scope);
    if (!s) this.usedAddresses.set(scope, (s = new Set()));
    s.add(value);
  }

  reserveNumber(kind: string, scope: string, n: number): void {
    const k = `${kind}|${scope}`;
    let s = this.usedNumbers.get(k);
    if (!s) this.usedNumbers.set(k, (s = new Set()));
    s.add(n);
  }

  requestAddress(r: AddressRequest): void {
    this.addressRequests.push(r);
  }

  requestNumber(r: NumberRequest): void {
    this.numberRequests.push(r);
  }

  run(): void {
    const addrs = this.addressRequests.splice(0).sort((a, b) => (a.key < b.key ? -1 : 1));
    const pending: AddressRequest[] = [];
    for (const r of addrs) {
      const locked = this.previous.addresses[r.key];
      const used = this.addrSet(r.scope);
      const pool = locked ? r.pools.find((p) => inPool(p, locked)) : undefined;
      const v = pool && locked ? parseValue(pool, locked) : undefined;
      if (pool && v !== undefined && !used.has(v)) {
        used.add(v);
        this.next.addresses[r.key] = locked!;
        r.assign(locked!, pool);
      } else pending.push(r);
    }
    for (const r of pending) {
      const used = this.addrSet(r.scope);
      let done = false;
      for (const pool of r.pools) {
        const first = pool.network + (pool.family === 4 && pool.prefix < 31 ? 1n : pool.family === 6 && pool.prefix < 127 ? 1n : 0n);
        const last = pool.family === 4 && pool.prefix < 31 ? pool.last - 1n : pool.last;
        // Bounded scan: pools are searched from the bottom, skipping what is used.
        for (let v = first; v <= last && v - first < 1_000_000n; v++) {
          if (used.has(v)) continue;
          used.add(v);
          const text = formatAddress(pool.family, v);
          this.next.addresses[r.key] = text;
          r.assign(text, pool);
          done = true;
          break;
        }
        if (done) break;
      }
      if (!done) r.fail();
    }
    const nums = this.numberRequests.splice(0).sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1));
    const pendingN: NumberRequest[] = [];
    for (const r of nums) {
      const locked = this.previous[r.kind][r.key];
      const used = this.numSet(r.kind, r.scope);
      if (typeof locked === 'number' && locked >= r.range[0] && locked <= r.range[1] && !used.has(locked)) {
        used.add(locked);
        this.next[r.kind][r.key] = locked;
        r.assign(locked);
      } else pendingN.push(r);
    }
    for (const r of pendingN) {
      const used = this.numSet(r.kind, r.scope);
      let n = r.range[0];
      while (n <= r.range[1] && used.has(n)) n++;
      if (n > r.range[1]) {
        r.fail();
        continue;
      }
      used.add(n);
      this.next[r.kind][r.key] = n;
      r.assign(n);
    }
  }

  private addrSet(scope: string): Set<bigint> {
    let s = this.usedAddresses.get(scope);
    if (!s) this.usedAddresses.set(scope, (s = new Set()));
    return s;
  }

  private numSet(kind: string, scope: string): Set<number> {
    const k = `${kind}|${scope}`;
    let s = this.usedNumbers.get(k);
    if (!s) this.usedNumbers.set(k, (s = new Set()));
    return s;
  }
}


function parseValue(pool: Cidr, text: string): bigint | undefined {
  const a = parseAddress(text);
  return a && a.family === pool.family ? a.value : undefined;
}

function inPool(pool: Cidr, text: string): boolean {
  const a = parseAddress(text);
  return !!a && a.family === pool.family && a.value > pool.network - 1n && a.value <= pool.last;
}
