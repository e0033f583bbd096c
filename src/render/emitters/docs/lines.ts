import { parsedPathKey } from '../../../load/fast-yaml.js';
import { scanPlainYaml } from '../../../load/plain-yaml.js';
import type { JsonPath, Locator, SourceFile } from '../../../load/source.js';
import { yaml } from '../../../load/yaml-lib.js';

/**
 * file:line for model origins. Locator.position searches mapping items on each call, which would make
 * citing every row of a large address plan quadratic; this index answers in O(path depth). Plain YAML
 * is indexed by a line scan; anything else by one walk over the document's nodes.
 */
export class LineIndex {
  private readonly lines = new Map<string, string>();

  /** Keys `at` may look up (every prefix of the wanted origins), or undefined for all of them. */
  private readonly wanted: Set<string> | undefined;

  /**
   * `scan: false` always walks the document (tests compare the two). `wanted`: the only origins `at`
   * will be asked for; the index then holds just those (and their ancestors), not every key of the
   * inventory (2 million at 10,000 hosts, 200 MB at the end of the build).
   */
  constructor(locator: Locator | undefined, opts: { scan?: boolean; wanted?: Iterable<JsonPath> } = {}) {
    if (opts.wanted) {
      this.wanted = new Set(['']);
      for (const origin of opts.wanted) for (let n = origin.length; n > 0 && !this.wanted.has(keyOf(origin, n)); n--) this.wanted.add(keyOf(origin, n));
    }
    const names = stableNames((locator?.files ?? []).map((f) => f.displayPath));
    for (const file of locator?.files ?? []) {
      const shown = names.get(file.displayPath) ?? file.displayPath;
      if (opts.scan === false || !this.scanPlain(file, shown)) this.walkDocument(file, shown);
    }
  }

  private scanPlain(file: SourceFile, shown: string): boolean {
    // Collected apart and kept only when the whole file scanned as plain YAML.
    const found = new Map<string, string>();
    let first: number | undefined;
    const ok = scanPlainYaml(file.text, (p, line) => {
      first ??= line;
      const key = parsedPathKey(p);
      if (!this.wanted || this.wanted.has(key)) found.set(key, `${shown}:${line}`);
    });
    if (!ok) return false;
    if (first !== undefined && !this.lines.has('')) this.lines.set('', `${shown}:${first}`);
    for (const [key, at] of found) this.lines.set(key, at);
    return true;
  }

  private walkDocument(file: SourceFile, shown: string): void {
    // Keys are built as strings on the way down (no path arrays): the walk visits every node once.
    const stack: Array<{ node: unknown; key: string }> = [{ node: file.doc.contents, key: '' }];
    const lineOf = (offset: number) => `${shown}:${file.lineCounter.linePos(offset).line}`;
    while (stack.length) {
      const { node, key } = stack.pop()!;
      const range = (node as { range?: [number, number] } | null)?.range;
      if (range && !this.lines.has(key)) this.lines.set(key, lineOf(range[0]));
      if (yaml().isMap(node)) {
        for (const pair of node.items) {
          if (!yaml().isPair(pair) || !yaml().isScalar(pair.key)) continue;
          const child = node === file.doc.contents ? String(pair.key.value) : `${key}\u0000${String(pair.key.value)}`;
          const kr = pair.key.range;
          // Point at the key's line: for a block mapping value, the value starts on the next line.
          if (kr) this.lines.set(child, lineOf(kr[0]));
          // Scalars have nothing below them, and their key's line is already recorded.
          if (yaml().isMap(pair.value) || yaml().isSeq(pair.value)) stack.push({ node: pair.value, key: child });
        }
      } else if (yaml().isSeq(node)) {
        node.items.forEach((item, i) => stack.push({ node: item, key: `${key}\u0000${i}` }));
      }
    }
  }

  /** Every path → file:line (for tests). */
  entries(): Map<string, string> {
    return new Map(this.lines);
  }

  /** `file:line` of the origin, or of its nearest ancestor present in the inventory. */
  at(origin: JsonPath): string {
    for (let n = origin.length; n >= 0; n--) {
      const hit = this.lines.get(keyOf(origin, n));
      if (hit) return hit;
    }
    return '';
  }
}

/** The index key of the first `n` steps of a path. */
const keyOf = (origin: JsonPath, n: number): string => origin.slice(0, n).join('\u0000');


/**
 * Names that do not depend on where netgen was run from (displayPath is relative to the working
 * directory, and generated output must be the same from any directory): the file name for a file
 * inventory, `dir/relative/path` for a directory inventory.
 */
function stableNames(paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (paths.length === 1) {
    out.set(paths[0], paths[0].split('/').pop()!);
    return out;
  }
  const split = paths.map((p) => p.split('/'));
  let common = 0;
  while (split.every((s) => s.length > common + 1 && s[common] === split[0][common])) common++;
  for (let i = 0; i < paths.length; i++) out.set(paths[i], split[i].slice(Math.max(0, common - 1)).join('/'));
  return out;
}
