import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateInventory } from '../../bench/generate.mjs';
import { Locator, SourceFile, type JsonPath } from '../../src/load/source.js';

/** The same file, always parsed whole for a position (the reference). */
class WholeFile extends SourceFile {
  override get large(): boolean {
    return false;
  }
}

// Plain YAML the scanner takes (quoted keys it leaves to the document parser), with what could trip a
// fragment: block scalars, comments at any indentation, numeric keys, compact sequence items, flow
// collections, empty values.
const EXTRA = `
checks:
  - name: "quoted: value"
    from: dc0/n00001
# a comment at column 0 inside nothing
    to: dc0/n00002
  - name: second
    expect: reach
notes_block:
  text: |
    line one
    # not a comment: block content
    line three
  1.0: float key
  2: int key
  empty:
  flow: { a: [1, 2], b: "x" }
`;

function allPaths(value: unknown, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(at);
  if (Array.isArray(value)) {
    value.forEach((v, i) => allPaths(v, [...at, i], out));
    out.push([...at, value.length]); // one past the end
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) allPaths(v, [...at, k], out);
    out.push([...at, 'no-such-key']);
  }
  return out;
}

describe('source positions in a large file', () => {
  const text = generateInventory(400, { seed: 3 }) + EXTRA;
  const fastFile = new SourceFile('inv.yaml', text);
  const fast = new Locator([fastFile]);
  const whole = new Locator([new WholeFile('inv.yaml', text)]);
  const paths = allPaths(parse(text));

  it('is large enough to take the fragment path', () => {
    expect(new SourceFile('inv.yaml', text).large).toBe(true);
    expect(paths.length).toBeGreaterThan(20_000);
  });

  it('finds every key and value, present or missing, where the whole document does, from fragments', () => {
    const data = parse(text) as Record<string, unknown>;
    const inFile = (p: JsonPath) => p.length > 0 && String(p[0]) in data;
    // Every 7th path (all of them takes a minute): still every kind of node, thousands of them.
    const sample = paths.filter((p, i) => inFile(p) && (i % 7 === 0 || p[0] === 'checks' || p[0] === 'notes_block'));
    let compared = 0;
    for (const p of sample) {
      for (const which of ['key', 'value'] as const) {
        expect(fast.position(p, which), `${p.join('.')} (${which})`).toEqual(whole.position(p, which));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(6_000);
    // ...without ever parsing the whole file.
    expect(Reflect.get(fastFile, 'parsed')).toBeUndefined();
  });

  it('the root and keys missing at the top are found in the whole document', () => {
    for (const p of [[], ['no-such-key'], ['no-such-key', 'deeper']] as JsonPath[]) {
      for (const which of ['key', 'value'] as const) expect(fast.position(p, which)).toEqual(whole.position(p, which));
    }
  });
});
