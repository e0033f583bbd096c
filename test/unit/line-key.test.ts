import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { lineStructureKey } from '../../src/load/line-key.js';
import { loadInventory } from '../../src/load/load.js';
import { LineIndex } from '../../src/render/emitters/docs/lines.js';
import { inventoryPath } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-linekey-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function load(text: string) {
  const file = path.join(tmp, 'inv.yaml');
  writeFileSync(file, text);
  const loaded = await loadInventory(file, new DiagnosticBag());
  return loaded && { key: lineStructureKey(loaded.locator), lines: new LineIndex(loaded.locator).entries() };
}

const base = readFileSync(inventoryPath('stretched-sites'), 'utf8');

describe('line structure key', () => {
  it('stays when a value changes in place, and moves when a line is added, a key renamed or two keys swap lines', async () => {
    const key = (await load(base))!.key;
    expect((await load(base.replace('{ description: VM mosler-1 }', '{ description: VM mosler-one }')))!.key).toBe(key);
    expect((await load(base.replace('addresses: [10.101.128.101]', 'addresses: [10.101.128.111]')))!.key).toBe(key);
    expect((await load(`# a comment\n${base}`))!.key).not.toBe(key);
    expect((await load(base.replace('description:', 'descr:')))!.key).not.toBe(key);
    const lines = base.split('\n');
    const i = lines.findIndex((l, n) => /^\s+\w+: \S/.test(l) && lines[n + 1]?.match(/^\s+/)?.[0] === l.match(/^\s+/)?.[0] && /^\s+\w+: \S/.test(lines[n + 1]));
    const swapped = [...lines];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
    expect((await load(swapped.join('\n')))!.key).not.toBe(key);
  });

  it('changes with any edit of a file that is not plain YAML', async () => {
    const anchored = 'description: &d one\nsites:\n  s:\n    description: *d\n';
    const a = await load(anchored);
    expect((await load(anchored))!.key).toBe(a!.key);
    expect((await load(anchored.replace('one', 'two')))!.key).not.toBe(a!.key);
  });

  it('is equal only when every path found in both texts is on the same line (random edits)', async () => {
    const lines = base.split('\n');
    const before = (await load(base))!;
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('comment' as const), at: fc.nat(lines.length) }),
      fc.record({ kind: fc.constant('digit' as const), at: fc.nat(lines.length - 1), d: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat(lines.length - 2) }),
    );
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        const next = [...lines];
        if (e.kind === 'comment') next.splice(e.at, 0, '# note');
        else if (e.kind === 'swap') [next[e.at], next[e.at + 1]] = [next[e.at + 1], next[e.at]];
        else next[e.at] = next[e.at].replace(/(: [^#\n]*?)\d/, `$1${e.d}`);
        const after = await load(next.join('\n'));
        if (!after || after.key !== before.key) return;
        for (const [k, at] of after.lines) if (before.lines.has(k)) expect(at, k).toBe(before.lines.get(k));
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
