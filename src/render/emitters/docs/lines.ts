import { scanPlainYaml } from '../../../load/plain-yaml.js';
import type { JsonPath, Locator, SourceFile } from '../../../load/source.js';
import { yaml } from '../../../load/yaml-lib.js';

/**
 * file:line for model origins. Locator.position searches mapping items on each call, which would make
 * citing every row of a large address plan quadratic; this index answers in O(path depth). Plain YAML
 * is indexed by a line scan; anything else by one walk over the document's nodes.
 */
export class LineIndex {
  /**
   * Path key → where it is, packed as `line * files + file` (a number, not a `file:line` string per key).
   * With `wanted`, the keys are put in first with 0 (not found) and only their values are filled in: the
   * wanted keys are the index's only strings (at 10,000 hosts a set beside a map of the same 300,000
   * keys, with a string per value, held 100 MB through the docs' rendering).
   */
  private readonly lines = new Map<string, number>();
  private readonly restricted: boolean;
  private readonly names: string[];

  /**
   * `scan: false` always walks the document (tests compare the two). `wanted`: the only origins `at`
   * will be asked for; the index then holds just those (and their ancestors), not every key of the
   * inventory (2 million at 10,000 hosts).
   */
  constructor(locator: Locator | undefined, opts: { scan?: boolean; wanted?: Iterable<JsonPath> } = {}) {
    this.restricted = opts.wanted !== undefined;
    if (opts.wanted) {
      this.lines.set('', 0);
      for (const origin of opts.wanted) {
        for (let n = origin.length; n > 0; n--) {
          const key = keyOf(origin, n);
          if (this.lines.has(key)) break;
          this.lines.set(key, 0);
        }
      }
    }
    const files = locator?.files ?? [];
    const stable = stableNames(files.map((f) => f.displayPath));
    this.names = files.map((f) => stable.get(f.displayPath) ?? f.displayPath);
    files.forEach((file, i) => {
      if (opts.scan === false || !this.scanPlain(file, i)) this.walkDocument(file, i);
    });
  }

  private pack(file: number, line: number): number {
    return line * this.names.length + file;
  }

  private wants(key: string): boolean {
    return !this.restricted || this.lines.has(key);
  }

  /** Records where `key` is (a later record wins), when it is wanted. */
  private record(key: string, file: number, line: number): void {
    if (this.wants(key)) this.lines.set(key, this.pack(file, line));
  }

  /** Records where `key` is unless it is known already. */
  private recordFirst(key: string, file: number, line: number): void {
    if (this.wants(key) && !this.lines.get(key)) this.lines.set(key, this.pack(file, line));
  }

  private scanPlain(file: SourceFile, index: number): boolean {
    // Collected apart and kept only when the whole file scanned as plain YAML.
    const found: Array<[string, number]> = [];
    let first: number | undefined;
    // Below a key that is not wanted nothing is (its ancestors are put in with it): those lines are skipped.
    const ok = scanPlainYaml(file.text, (p, line) => {
      first ??= line;
      if (!this.wants(p)) return false;
      found.push([p, this.pack(index, line)]);
    });
    if (!ok) return false;
    if (first !== undefined) this.recordFirst('', index, first);
    // Setting a key that is there keeps the key's string: a wanted key is held once.
    for (const [key, packed] of found) this.lines.set(key, packed);
    return true;
  }

  private walkDocument(file: SourceFile, index: number): void {
    // Keys are built as strings on the way down (no path arrays): the walk visits every node once.
    const stack: Array<{ node: unknown; key: string }> = [{ node: file.doc.contents, key: '' }];
    const lineOf = (offset: number) => file.lineCounter.linePos(offset).line;
    while (stack.length) {
      const { node, key } = stack.pop()!;
      const range = (node as { range?: [number, number] } | null)?.range;
      if (range) this.recordFirst(key, index, lineOf(range[0]));
      if (yaml().isMap(node)) {
        for (const pair of node.items) {
          if (!yaml().isPair(pair) || !yaml().isScalar(pair.key)) continue;
          const child = node === file.doc.contents ? String(pair.key.value) : `${key}\u0000${String(pair.key.value)}`;
          const kr = pair.key.range;
          // Point at the key's line: for a block mapping value, the value starts on the next line.
          if (kr) this.record(child, index, lineOf(kr[0]));
          // Scalars have nothing below them, and their key's line is already recorded.
          if (yaml().isMap(pair.value) || yaml().isSeq(pair.value)) stack.push({ node: pair.value, key: child });
        }
      } else if (yaml().isSeq(node)) {
        node.items.forEach((item, i) => stack.push({ node: item, key: `${key}\u0000${i}` }));
      }
    }
  }

  private text(packed: number | undefined): string {
    if (!packed) return '';
    const files = this.names.length;
    return `${this.names[packed % files]}:${Math.floor(packed / files)}`;
  }

  /** Every path found → file:line (for tests). */
  entries(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, packed] of this.lines) if (packed) out.set(key, this.text(packed));
    return out;
  }

  /** `file:line` of the origin, or of its nearest ancestor present in the inventory. */
  at(origin: JsonPath): string {
    for (let n = origin.length; n >= 0; n--) {
      const hit = this.text(this.lines.get(keyOf(origin, n)));
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
