import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readLock, serializeLock, type LockData } from '../../src/resolve/allocator.js';

/** What the lock was before it was written by hand: the YAML library's text of the sorted sections. */
function viaLibrary(lock: LockData, source: string): string {
  const sorted = <T>(r: Record<string, T>) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  const body = stringify({ addresses: sorted(lock.addresses), vnis: sorted(lock.vnis), tables: sorted(lock.tables) }, { lineWidth: 0 });
  return `# netgen allocation lock for ${source}: values netgen chose, kept so that edits never renumber them.\n# Commit this file beside the inventory. Remove an entry to let netgen choose again.\n${body}`;
}

// Lock-like text: names, paths and addresses, and the strings YAML would read as something else.
const atom = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/:-]{0,24}$/),
  fc.constantFrom('true', 'False', 'null', 'NULL', '~', '1', '0x1f', '0o17', '1e5', '-1', '+3', '.5', '1_000', '10.1.0.2', '1.2.3', '1.2', '1..2', '01.2.3.4', '1.2.3.', 'fd00:1::2', '2001:db8::/64', 'a:', 'a: b', '#x', 'x #y', '- x', '', ' lead', 'trail ', "it's", '"q"', 'yes', 'no', 'on', '0123', '12:30', '2024-01-02', '.inf', 'é'),
);
const record = <T>(value: fc.Arbitrary<T>) => fc.dictionary(atom, value, { maxKeys: 6 });
const lockArb = fc.record({ addresses: record(atom), vnis: record(fc.integer({ min: 0, max: 16_777_215 })), tables: record(fc.integer({ min: 0, max: 2 ** 31 })) });

describe('lock file text', () => {
  it('is the text the YAML library writes, for any names and values', () => {
    fc.assert(
      fc.property(lockArb, (lock) => {
        expect(serializeLock(lock, 'inv.yaml')).toBe(viaLibrary(lock, 'inv.yaml'));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back as the same lock', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-lock-'));
    try {
      await fc.assert(
        fc.asyncProperty(lockArb, async (lock) => {
          const file = path.join(dir, 'inv.lock.yaml');
          writeFileSync(file, serializeLock(lock, 'inv.yaml'));
          const back = await readLock(file);
          expect(back.error).toBeUndefined();
          expect(back.lock).toEqual(parse(viaLibrary(lock, 'inv.yaml')));
        }),
        { numRuns: 300 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty lock and a plain one are written without the YAML library', () => {
    expect(serializeLock({ addresses: {}, vnis: {}, tables: {} }, 'a.yaml').split('\n').slice(2).join('\n')).toBe('addresses: {}\nvnis: {}\ntables: {}\n');
    const lock = { addresses: { 'g0t0/dc0/n00001/ipv6': 'fd00:1::2', 'g0t0/dc0/n00001/ipv4': '10.1.0.2' }, vnis: { blue: 10010 }, tables: { 'dc0/n1/blue': 100 } };
    expect(serializeLock(lock, 'a.yaml').split('\n').slice(2).join('\n')).toBe('addresses:\n  g0t0/dc0/n00001/ipv4: 10.1.0.2\n  g0t0/dc0/n00001/ipv6: fd00:1::2\nvnis:\n  blue: 10010\ntables:\n  dc0/n1/blue: 100\n');
  });
});
