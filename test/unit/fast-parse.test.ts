import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastParse } from '../../src/load/fast-yaml.js';
import { parsePlainYaml, scanPlainYaml } from '../../src/load/plain-yaml.js';
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

/** Scalars and flow values for the plain parser's fuzzing: the forms it takes and the ones it must decline. */
const VALUES = [
  ...SCALARS,
  'a b', 'compute node 0', "it's", 'x:y', 'a,b', '-x', '-1', '-.5', ':x', '?x', 'é', '"a\\"b"', "'a''b'", '"a #b"', "'[x]'",
  '[]', '{}', '[a, [b, {c: d}]]', '{a: 1, a: 2}', '{a: }', '[a,]', '[a, , b]', '{"q": 1}', '[a: b]', '{a:1}', '[fd00::1]', '["fd00::1", 10.0.0.0/24]',
  '[1, 2] # c', '{a: [1, 2], b: {c: null}}', 'x # c', '"x" # c', '[x]#c', '[ a , b ]', '{ a: "x", b: \'y\' }', '[a b, c]', '[true, ~, 0x1F, .inf]', '{1.0: x, true: y}', '{__proto__: 1}',
  '[-1, -x]', '{a: b c}', '[a#b]', '["]"]', "['it''s']", '{k: [}', '[1, 2]]', '[a:b]', '{a:1}', '{a: b:c}', '[x:]', '[http://x]', '[a :b]',
  '{a: b#c}', '[a #b]', '{x: y:}', '{~: 1}', '{null: 1}', '[x, &a y]', '[!!str 1]', 'x &a', '!x', '*x', '&a x', 'x|2', 'x\\', '|2', '--- x', '%x', '{a: fd00::1, b: [fd00::1/64, 10.0.0.1]}', '{a: [b:c]}', '[a, b]:', 'a: b',
];
const KEYS = ['a', 'b', 'c', 'key', '1', '1.0', 'true', 'k e y', '__proto__', 'x-y', 'net.ipv4.ip_forward', '0x1F', 'a'];
/** Keys the plain parser must decline or read as the document parser does, picked now and then. */
const ODD_KEYS = ['~', 'null', 'NULL', 'a&b', 'x!', '.inf', '-1'];
const BLOCK_HEADERS = ['|', '|-', '|+', '>', '>-', '>+', '| # c'];

/** A random document of the plain subset and near it (seeded, so a failure repeats). */
function randomDocument(seed: number): string {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const lines: string[] = [];
  const block = (indent: number) => {
    const pad = ' '.repeat(indent + 1 + Math.floor(rnd() * 3));
    const n = Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) lines.push(rnd() < 0.2 ? '' : rnd() < 0.1 ? `${pad}  more ${i}` : `${pad}${pick(['text', 'a: b', '# not a comment', '- x', 'x  y'])}`);
    if (rnd() < 0.3) lines.push('');
  };
  const mapping = (indent: number, depth: number) => {
    const pad = ' '.repeat(indent);
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.1) lines.push(`${' '.repeat(Math.floor(rnd() * 6))}# comment`);
      const key = pick(rnd() < 0.05 ? ODD_KEYS : KEYS);
      const r = rnd();
      if (depth < 3 && r < 0.25) {
        lines.push(`${pad}${key}:`);
        mapping(indent + 2, depth + 1);
      } else if (depth < 3 && r < 0.4) {
        lines.push(`${pad}${key}:`);
        sequence(rnd() < 0.5 ? indent : indent + 2, depth + 1);
      } else if (r < 0.5) {
        lines.push(`${pad}${key}: ${pick(BLOCK_HEADERS)}`);
        block(indent);
      } else if (r < 0.55) lines.push(`${pad}${key}:`);
      else lines.push(`${pad}${key}: ${pick(VALUES)}`);
    }
  };
  const sequence = (indent: number, depth: number) => {
    const pad = ' '.repeat(indent);
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (depth < 3 && r < 0.3) {
        lines.push(`${pad}- ${pick(KEYS)}: ${pick(VALUES)}`);
        if (rnd() < 0.5) lines.push(`${pad}  ${pick(KEYS)}: ${pick(VALUES)}`);
      } else if (depth < 3 && r < 0.4) {
        lines.push(`${pad}-`);
        mapping(indent + 2, depth + 1);
      } else if (r < 0.45) lines.push(`${pad}-`);
      else if (r < 0.5) {
        lines.push(`${pad}- ${pick(BLOCK_HEADERS)}`);
        block(indent);
      } else lines.push(`${pad}- ${pick(VALUES)}`);
    }
  };
  if (rnd() < 0.1) lines.push('---');
  mapping(0, 0);
  return lines.join('\n') + (rnd() < 0.8 ? '\n' : '');
}

describe('the plain parser agrees with the document parser', () => {
  it('on random documents of the plain subset and near it, and takes most of them', () => {
    let taken = 0;
    const runs = 6000;
    for (let seed = 1; seed <= runs; seed++) {
      const text = randomDocument(seed);
      const plain = parsePlainYaml(text, (header, lines, endsText) => {
        const v = parseDocument(`k: ${header}\n${lines.join('\n')}${endsText || lines.length === 0 ? '' : '\n'}`).toJS() as { k: unknown };
        return typeof v.k === 'string' ? v.k : undefined;
      });
      if (!plain) continue;
      taken++;
      const ref = reference(text);
      expect(ref.ok, `seed ${seed}: plain parser accepted what the document parser rejects:\n${text}`).toBe(true);
      if (ref.ok) expect(JSON.parse(JSON.stringify(plain.value)), `seed ${seed}:\n${text}`).toStrictEqual(JSON.parse(JSON.stringify(ref.value)));
    }
    expect(taken).toBeGreaterThan(runs / 5);
  });

  it('through fastParse, on random documents', () => {
    for (let seed = 5001; seed <= 7000; seed++) check(randomDocument(seed), `seed ${seed}`);
  });

  it('takes the bench inventory itself (the fast path is the one measured)', async () => {
    const { generateInventory } = (await import('../../bench/generate.mjs')) as { generateInventory: (hosts: number, opts?: object) => string };
    const text = generateInventory(30);
    const plain = parsePlainYaml(text, () => undefined);
    expect(plain).toBeDefined();
    expect(JSON.parse(JSON.stringify(plain!.value))).toStrictEqual(JSON.parse(JSON.stringify((reference(text) as { value: unknown }).value)));
  });
});
