import type { Document, LineCounter, Node } from 'yaml';
import type { SourcePosition } from '../diagnostics/diagnostic.js';
import { yaml } from './yaml-lib.js';

export type JsonPath = ReadonlyArray<string | number>;

/**
 * One YAML file of the inventory. Its value comes from the fast parser; the full YAML document (nodes
 * with source ranges) is parsed only when something asks for a position (a diagnostic, a fallback
 * line index), so a clean build never pays for it.
 */
export class SourceFile {
  private parsed?: { doc: Document.Parsed; lineCounter: LineCounter };

  constructor(
    /** Path as shown in diagnostics (relative to the working directory when possible). */
    readonly displayPath: string,
    readonly text: string,
    parsed?: { doc: Document.Parsed; lineCounter: LineCounter },
  ) {
    this.parsed = parsed;
  }

  private ensureParsed(): { doc: Document.Parsed; lineCounter: LineCounter } {
    if (!this.parsed) {
      const lineCounter = new (yaml().LineCounter)();
      this.parsed = { doc: yaml().parseDocument(this.text, { lineCounter, uniqueKeys: false, prettyErrors: true, strict: true }), lineCounter };
    }
    return this.parsed;
  }

  get doc(): Document.Parsed {
    return this.ensureParsed().doc;
  }

  get lineCounter(): LineCounter {
    return this.ensureParsed().lineCounter;
  }
}

export function offsetToPosition(file: SourceFile, start: number, end?: number): SourcePosition {
  const s = file.lineCounter.linePos(start);
  const pos: SourcePosition = { file: file.displayPath, line: s.line, col: s.col };
  if (end !== undefined) {
    const e = file.lineCounter.linePos(end);
    pos.endLine = e.line;
    pos.endCol = e.col;
  }
  return pos;
}

/**
 * Maps a path in the merged inventory back to the YAML node it came from.
 * Positions are looked up lazily (only when a diagnostic needs one), so a large
 * inventory pays nothing for them on a clean build.
 */
export class Locator {
  private readonly owners = new Map<string, number>();

  constructor(readonly files: SourceFile[]) {}

  /** Records that the subtree at `path` came from files[index] (directory inventories). */
  setOwner(path: JsonPath, index: number): void {
    this.owners.set(pathKey(path), index);
  }

  private ownerOf(path: JsonPath): SourceFile | undefined {
    for (let n = path.length; n >= 0; n--) {
      const idx = this.owners.get(pathKey(path.slice(0, n)));
      if (idx !== undefined) return this.files[idx];
    }
    return this.files[0];
  }

  /** Position of the value at `path` (or of its key with which='key'); falls back to the nearest existing ancestor. */
  position(path: JsonPath, which: 'key' | 'value' = 'value'): SourcePosition | undefined {
    const file = this.ownerOf(path);
    if (!file) return undefined;
    const doc = file.doc;
    let node: unknown = doc.contents;
    let best: [number, number] | undefined = rangeOf(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (yaml().isAlias(node)) node = node.resolve(doc);
      const last = i === path.length - 1;
      if (yaml().isMap(node)) {
        const pair = node.items.find((p) => yaml().isPair(p) && keyString(p.key) === String(seg));
        if (!pair) break;
        const keyRange = rangeOf(pair.key);
        if (last && which === 'key' && keyRange) return offsetToPosition(file, keyRange[0], keyRange[1]);
        node = pair.value;
        best = rangeOf(node) ?? keyRange ?? best;
        // A key with an empty value has no value node: point at the key.
        if (!node && keyRange) best = keyRange;
      } else if (yaml().isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (node === undefined) break;
        best = rangeOf(node) ?? best;
      } else {
        break;
      }
    }
    return best ? offsetToPosition(file, best[0], best[1]) : { file: file.displayPath, line: 1, col: 1 };
  }
}

function rangeOf(node: unknown): [number, number] | undefined {
  const r = (node as Node | undefined)?.range;
  return r ? [r[0], r[1]] : undefined;
}

function keyString(key: unknown): string | undefined {
  if (yaml().isScalar(key)) return String(key.value);
  return undefined;
}

export function pathKey(path: JsonPath): string {
  return path.join('\u0000');
}
