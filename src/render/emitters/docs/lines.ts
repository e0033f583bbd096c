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

  /** `scan: false` always walks the document (tests compare the two). */
  constructor(locator: Locator | undefined, opts: { scan?: boolean } = {}) {
    const names = stableNames((locator?.files ?? []).map((f) => f.displayPath));
    for (const file of locator?.files ?? []) {
      const shown = names.get(file.displayPath) ?? file.displayPath;
      if (opts.scan === false || !this.scanPlain(file, shown)) this.walkDocument(file, shown);
    }
  }

  private scanPlain(file: SourceFile, shown: string): boolean {
    const found: Array<[string, number]> = [];
    const ok = scanPlainYaml(file.text, (p, line) => found.push([p, line]));
    if (!ok) return false;
    if (found.length && !this.lines.has('')) this.lines.set('', `${shown}:${found[0][1]}`);
    for (const [p, line] of found) this.lines.set(parsedPathKey(p), `${shown}:${line}`);
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
      const hit = this.lines.get(origin.slice(0, n).join('\u0000'));
      if (hit) return hit;
    }
    return '';
  }
}


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
