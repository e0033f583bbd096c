import type { Document, LineCounter, Node } from 'yaml';
import type { SourcePosition } from '../diagnostics/diagnostic.js';
import { PATH_SEP, scanPlainYaml } from './plain-yaml.js';
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
    /** The plain parser's digest of which line each key and item is on (line-key.ts), when it read the file. */
    readonly lineKey?: string,
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

  /** Whether a position in this file is better found in a fragment (fragmentFor) than in the whole document. */
  get large(): boolean {
    return this.text.length > WHOLE_PARSE_LIMIT;
  }

  private plain?: { keys: Map<string, number>; lineStarts: number[] } | null;

  /**
   * The document parser takes 30 s and 1.5 GB for a 36 MB inventory (10,000 hosts), and one warning
   * needs one position. In a large plain-YAML file (plain-yaml.ts), the mapping key at `prefix` is
   * found by the line scanner instead, and only its lines are parsed: they are a YAML document of their
   * own (one key, indented as in the file). Returns that document and the 0-based line it starts on;
   * undefined when the file is not plain or has no such key (the caller parses it whole).
   */
  fragmentFor(prefix: JsonPath): { doc: Document.Parsed; lineCounter: LineCounter; firstLine: number } | undefined {
    if (this.plain === undefined) this.plain = indexPlainKeys(this.text);
    const plain = this.plain;
    if (!plain) return undefined;
    const start = plain.keys.get(prefix.map(String).join(PATH_SEP));
    if (start === undefined) return undefined;
    const { lineStarts } = plain;
    const indent = indentAt(this.text, lineStarts[start]);
    let end = start + 1;
    for (; end < lineStarts.length; end++) {
      const at = lineStarts[end];
      const col = indentAt(this.text, at);
      const c = this.text[at + col];
      if (c === undefined || c === '\n' || c === '\r' || c === '#') continue; // blank or comment: inside
      if (col <= indent) break;
    }
    const text = this.text.slice(lineStarts[start], end < lineStarts.length ? lineStarts[end] : this.text.length);
    const lineCounter = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: true, strict: true });
    return doc.errors.length ? undefined : { doc, lineCounter, firstLine: start };
  }
}

/** Above this size a position is looked up in a fragment of the file (SourceFile.fragmentFor). */
const WHOLE_PARSE_LIMIT = 1 << 20;

function indentAt(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ') i++;
  return i - at;
}

/**
 * Keys deeper than this are not indexed: a position below one is found in the fragment of its deepest
 * indexed ancestor (a host's own keys, a few dozen lines). Indexing every key took a second at 10,000
 * hosts, for what is often a single warning.
 */
const INDEXED_DEPTH = 5;

/** Whether a scanned path has more than INDEXED_DEPTH segments. */
function tooDeep(p: string): boolean {
  let at = -1;
  for (let n = 0; n < INDEXED_DEPTH; n++) if ((at = p.indexOf(PATH_SEP, at + 1)) < 0) return false;
  return true;
}

/** Line of every mapping key down to INDEXED_DEPTH that starts its line (not `- key:`), by parsed path; null when not plain YAML. */
function indexPlainKeys(text: string): { keys: Map<string, number>; lineStarts: number[] } | null {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const keys = new Map<string, number>();
  const plain = scanPlainYaml(text, (p, line) => {
    if (tooDeep(p)) return;
    const at = lineStarts[line - 1];
    const first = text[at + indentAt(text, at)];
    if (first !== '-') keys.set(p, line - 1);
  });
  return plain ? { keys, lineStarts } : null;
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
    if (file.large) {
      // The deepest key on the path that starts its own line: its lines alone hold the answer.
      for (let n = path.length; n >= 1; n--) {
        const fragment = file.fragmentFor(path.slice(0, n));
        if (!fragment) continue;
        const found = walk(fragment.doc, path.slice(n - 1), which);
        if (!found) continue;
        const at = (offset: number) => fragment.lineCounter.linePos(offset);
        const s = at(found[0]);
        const e = at(found[1]);
        return { file: file.displayPath, line: fragment.firstLine + s.line, col: s.col, endLine: fragment.firstLine + e.line, endCol: e.col };
      }
    }
    const doc = file.doc;
    const found = walk(doc, path, which);
    return found ? offsetToPosition(file, found[0], found[1]) : { file: file.displayPath, line: 1, col: 1 };
  }
}

/** The range of the value at `path` in `doc` (of its key with which='key'), or of the nearest existing ancestor. */
function walk(doc: Document.Parsed, path: JsonPath, which: 'key' | 'value'): [number, number] | undefined {
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
      if (last && which === 'key' && keyRange) return keyRange;
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
  return best;
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
