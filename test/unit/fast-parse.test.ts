import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastParse } from '../../src/load/fast-yaml.js';
import { scanPlainYaml } from '../../src/load/plain-yaml.js';
import { ROOT } from '../helpers/paths.js';

/**
 * The loader's fast parser (js-yaml) must never accept what the document parser rejects, and must give
 * the same value for everything it accepts: otherwise an inventory would mean different things
 * depending on which path it took.
 */
function reference(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true });
  if (doc.errors.length) return { ok: false };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) };
  } catch {
    return { ok: false };
  }
}

const SCALARS = [
  'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '~', 'null', 'Null', 'NULL', '',
  '0', '-0', '+1', '007', '0o17', '0x1F', '0b101', '1_000', '1e3', '1.5', '-.5', '.inf', '-.Inf', '.NaN', '1:20', '12:30:45',
  '2024-01-01', '2024-01-01T10:00:00Z', '10.0.0.1', '10.0.0.0/24', 'fd00::1', 'fd00:1::/64', '00:26:2d:00:62:f8', '"quoted"', "'single'",
  '"a\\tb"', '"\\u00e9"', 'a #comment', 'a#b', '9007199254740993', '1.0e+3', '0.1', '.5', '5.', '+.inf', '-0x1', '0X1F', '0O17',
];

const SNIPPETS = [
  'a: 1\nb:\n  - x\n  - {p: 1, q: [1, 2]}\n',
  'a: |\n  text: no\n  more\nb: >-\n  folded\n  line\n',
  'a: &x {k: v}\nb: *x\n',
  'a: &x v\nb: *x\n',
  'a: 1\na: 2\n',
  'a:\n\tb: 1\n',
  '- a\n- b\n',
  '---\na: 1\n---\nb: 2\n',
  'a: !!binary aGVsbG8=\n',
  'a: !custom x\n',
  '<<: {a: 1}\nb: 2\n',
  'a: {b: 1, b: 2}\n',
  '? complex\n: value\n',
  'a: "unterminated\n',
  'a: [1, 2\n',
  'a:\n  - b\n  c: 1\n',
  'key with spaces: 1\n"quoted key": 2\n',
  '1: one\n2.5: x\ntrue: t\n~: n\n',
  'a: b: c\n',
  'a: 1\n b: 2\n',
  '%YAML 1.2\n---\na: 1\n',
  '%YAML 1.1\n---\na: yes\n',
  'a: "x\n  y"\n',
  'a: plain\n  continued\n',
  '',
  '# only a comment\n',
  '[1, 2]\n',
  'a: \'it\'\'s\'\n',
  'a: @x\n',
  'a: `x\n',
  'a: {b: c}}\n',
  'a:\n- 1\n-  - 2\n   - 3\n',
  'a: !!str 1\nb: !!int "2"\n',
  'a: *undefined\n',
];

function check(text: string, where: string): void {
  const fast = fastParse(text);
  if (!fast) return; // the document parser decides, as before
  const ref = reference(text);
  expect(ref.ok, `${where}: fast parser accepted what the document parser rejects: ${JSON.stringify(text.slice(0, 200))}`).toBe(true);
  // Compared as JSON, which is what the inventory is (-0 and 0 are one number there).
  if (ref.ok) expect(JSON.parse(JSON.stringify(fast.value)), `${where}: ${JSON.stringify(text.slice(0, 200))}`).toStrictEqual(JSON.parse(JSON.stringify(ref.value)));
}

describe('fast YAML path agrees with the document parser', () => {
  it('on scalars in every position', () => {
    for (const s of SCALARS) {
      check(`a: ${s}\n`, `value ${s}`);
      check(`${s}: a\n`, `key ${s}`);
      check(`- ${s}\n`, `item ${s}`);
      check(`a: [${s}]\n`, `flow item ${s}`);
    }
  });
  it('on tricky documents', () => {
    SNIPPETS.forEach((s, i) => check(s, `snippet ${i}`));
  });
  it('on every example inventory, lock file and bad-input fixture', () => {
    const files = [
      ...readdirSync(path.join(ROOT, 'inventories')).map((f) => path.join(ROOT, 'inventories', f)),
      ...readdirSync(path.join(ROOT, 'test/fixtures/bad')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(ROOT, 'test/fixtures/bad', f)),
    ];
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) check(readFileSync(f, 'utf8'), path.relative(ROOT, f));
  });
});

describe('line index by scan agrees with the document walk', () => {
  it('on every example inventory and a generated 40-host one', async () => {
    const { loadInventory } = await import('../../src/load/load.js');
    const { DiagnosticBag } = await import('../../src/diagnostics/diagnostic.js');
    const { LineIndex } = await import('../../src/render/emitters/docs/lines.js');
    const { generateInventory } = (await import('../../bench/generate.mjs')) as { generateInventory: (hosts: number, seed: number) => string };
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-lines-'));
    const generated = path.join(tmp, 'gen.yaml');
    writeFileSync(generated, generateInventory(40, 3));
    try {
      const invs = [...readdirSync(path.join(ROOT, 'inventories')).filter((f) => !f.includes('.lock.')).map((f) => path.join(ROOT, 'inventories', f)), generated];
      for (const inv of invs) {
        const loaded = await loadInventory(inv, new DiagnosticBag());
        expect(loaded, inv).toBeDefined();
        const scanned = new LineIndex(loaded!.locator).entries();
        const walked = new LineIndex(loaded!.locator, { scan: false }).entries();
        // Every key and item the walk knows has the same line by scan (the scan adds no wrong ones).
        for (const [k, v] of walked) if (k.split('\u0000').length <= 1 || scanned.has(k)) expect(scanned.get(k), `${path.basename(inv)}: ${k.replaceAll('\u0000', '.')}`).toBe(v);
        for (const [k, v] of scanned) expect(walked.get(k), `${path.basename(inv)}: ${k.replaceAll('\u0000', '.')}`).toBe(v);
        // An index of a few wanted origins answers for them (and for missing ones, by their ancestors) as the whole index does.
        const full = new LineIndex(loaded!.locator);
        const keys = [...scanned.keys()].filter((_, i) => i % 7 === 3);
        const wanted = [...keys.map((k) => k.split('\u0000')), ...keys.map((k) => [...k.split('\u0000'), 'no-such-key', 0])];
        const some = new LineIndex(loaded!.locator, { wanted });
        for (const origin of wanted) expect(some.at(origin), `${path.basename(inv)}: ${origin.join('.')}`).toBe(full.at(origin));
        expect(some.entries().size).toBeLessThan(full.entries().size);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('skips what no wanted origin is below, and still answers each as the document walk does', async () => {
    const { loadInventory } = await import('../../src/load/load.js');
    const { DiagnosticBag } = await import('../../src/diagnostics/diagnostic.js');
    const { LineIndex } = await import('../../src/render/emitters/docs/lines.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-lines-'));
    // Comments left of their block, a compact sequence, block scalars with blank and comment-like lines,
    // and (not plain: the whole scan would give up) a quoted and a flow value over several lines.
    const text = [
      '# top', 'a:', '  b: 1', '# at column 0 inside a', '  c:', '    - x', '    - y: 1', '      z: |', '        block', '', '        # not a comment', '      w: 2',
      '  d: "multi', '    line"', '  e: [1,', '    2]', '  "quoted key": 4', 'list:', '- p: 1', '  q:', '  - r', '-', '  s: >-', '    folded', '', 'after: 3', 'last:', '  deep:', '    deeper: 5',
    ].join('\n');
    const file = path.join(tmp, 'tricky.yaml');
    writeFileSync(file, `${text}\n`);
    // The scan itself: not plain YAML as a whole, but plain where it reads when `a` is skipped, and
    // nothing below a skipped key or item is read.
    expect(scanPlainYaml(text)).toBe(false);
    const read: string[] = [];
    const skip = new Set(['a', 'list\u00000', 'last\u0000deep']);
    expect(scanPlainYaml(text, (p, line) => (read.push(`${p.replaceAll('\u0000', '.')}@${line}`), !skip.has(p)))).toBe(true);
    // (A skipped item's own line is read to its end; an item whose value starts below is recorded at both lines.)
    expect(read).toEqual(['a@2', 'list@18', 'list.0@19', 'list.0.p@19', 'list.1@22', 'list.1@23', 'list.1.s@23', 'after@26', 'last@27', 'last.deep@28']);
    try {
      const loaded = await loadInventory(file, new DiagnosticBag());
      expect(loaded).toBeDefined();
      const walked = new LineIndex(loaded!.locator, { scan: false }).entries();
      expect(walked.size).toBeGreaterThan(15);
      for (const [key, line] of walked) {
        const origin = key.split('\u0000');
        expect(new LineIndex(loaded!.locator, { wanted: [origin] }).at(origin), key.replaceAll('\u0000', '.')).toBe(line);
        expect(new LineIndex(loaded!.locator, { wanted: [origin, ['last', 'deep', 'deeper']] }).at(['last', 'deep', 'deeper'])).toBe(walked.get('last\u0000deep\u0000deeper'));
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
