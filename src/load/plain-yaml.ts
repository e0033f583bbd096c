import { createHash } from 'node:crypto';
import { NULL, plainKeyString } from './core-scalars.js';
import { DECLINE, flowValue, lineValue } from './plain-values.js';

/**
 * A line scanner for "plain" YAML: block mappings and sequences with consistent indentation, and
 * values that end on their line (plain, quoted or flow scalars) or are block scalars. It serves three
 * times: the loader takes the fast parsers only for documents in this subset (where they are known to
 * read exactly like the document parser); parsePlainYaml builds the document's value in the same pass;
 * and the docs cite inventory lines from it without building a node tree. Anything outside the subset
 * makes it return false; callers then use the document parser.
 */

/** Separator of path segments in keys, as in the docs' line index. */
export const PATH_SEP = '\u0000';

type Container = Record<string, unknown> | unknown[];
type Frame = { indent: number; kind: 'map' | 'seq'; path: string; index: number; compact: boolean; value: Container | undefined };
/** A key or item whose value is on the lines below (a block collection), or null when none follows. */
type Pending = { path: string; indent: number; isKey: boolean; parent: Container | undefined; key: string };
/** A block scalar being read: where its value goes, and its header and lines (only when building). */
type Block = { parent: number; content: number; into?: Container; key: string; header: string; from: number };

/**
 * What parsePlainYaml needs for block scalars: their value from the header and the lines below it
 * (each ended by a line break, but the last when `endsText`: it ends the document without one).
 */
export type BlockScalarReader = (header: string, lines: string[], endsText: boolean) => string | undefined;

const KEY_START = /^[^\s#'"\-?:,[\]{}!&*|>%@`]/;

/** Where a key ends: its first `:` followed by a space or the end of the line, or -1. */
function keyEnd(t: string): number {
  for (let at = t.indexOf(':'); at >= 0; at = t.indexOf(':', at + 1)) if (at + 1 === t.length || t.charCodeAt(at + 1) === 32) return at;
  return -1;
}
const BLOCK_HEADER = /^[|>][-+]?[ ]*(?:#.*)?$/;

/** Where a single-line value ends (index after it), or -1 when it does not end on this line. */
function valueEnd(t: string): number {
  const c = t[0];
  if (c === '"' || c === "'") {
    for (let i = 1; i < t.length; i++) {
      if (c === '"' && t[i] === '\\') i++;
      else if (t[i] === c) {
        if (c === "'" && t[i + 1] === "'") i++;
        else return i + 1;
      }
    }
    return -1;
  }
  if (c === '[' || c === '{') {
    let depth = 0;
    let quote = '';
    for (let i = 0; i < t.length; i++) {
      const ch = t[i];
      if (quote) {
        if (quote === '"' && ch === '\\') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#' && (t[i - 1] === ' ' || t[i - 1] === '\t')) return -1;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  if ('-?:'.includes(c) && (t.length === 1 || t[1] === ' ')) return -1;
  if ('#,]}!&*|>%@`'.includes(c)) return -1;
  const comment = t.search(/ #/);
  const body = comment < 0 ? t : t.slice(0, comment);
  if (/: |:$/.test(body.trimEnd())) return -1;
  return body.length;
}

/** After a value: nothing, spaces, or a comment preceded by a space. */
function restIsEmpty(rest: string): boolean {
  const t = rest.trimStart();
  return t === '' || (t[0] === '#' && rest.length > t.length);
}

/** Why a plain-YAML walk stopped short: not plain YAML at all, or plain but declined by the value reader. */
const NOT_PLAIN = 0;
const DECLINED = 1;

/**
 * Scans `text`; returns false when it is not plain YAML as described above. `record(path, line)` is
 * called for every mapping key and sequence item (path segments joined by PATH_SEP, keys as the parsers
 * make them object keys: `1.0:` is the segment `1`)
 * with its 1-based line. When it returns false, the lines below that key or item are skipped unread
 * (a caller that wants none of them): then true only says that what was read is plain YAML.
 */
export function scanPlainYaml(text: string, record?: (path: string, line: number) => boolean | void): boolean {
  return typeof walk(text, record, undefined) === 'object';
}

/**
 * The document's value, read in the scan's one pass, for plain YAML whose values are all of the forms
 * plain-values.ts takes (and block scalars, which `blockScalar` reads); else undefined, and the caller
 * parses it another way. Keys are resolved as the parsers resolve them, and a repeated key declines.
 */
export function parsePlainYaml(text: string, blockScalar: BlockScalarReader): { value: unknown; lineKey: string } | undefined {
  const structure = new LineStructure();
  const r = walk(text, undefined, blockScalar, structure);
  return typeof r === 'object' ? { value: r.value, lineKey: structure.digest() } : undefined;
}

/**
 * A digest of which line every key and item is on, for line-key.ts, taken in the parse: the column and
 * key (or `-`) of each in document order, with its line. In a plain document, columns and order make the
 * paths, so the same digest means every path is on the line it was on.
 */
class LineStructure {
  private readonly hash = createHash('sha256');
  private batch: Array<string | number> = [];

  mark(line: number, col: number, key: string): void {
    this.batch.push(line, col, key);
    if (this.batch.length >= 3 * 4096) this.flush();
  }

  private flush(): void {
    this.hash.update(`${this.batch.join('\n')}\n`);
    this.batch = [];
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

function walk(
  text: string,
  record: ((path: string, line: number) => boolean | void) | undefined,
  blockScalar: BlockScalarReader | undefined,
  structure?: LineStructure,
): { value: unknown } | typeof NOT_PLAIN | typeof DECLINED {
  const build = blockScalar !== undefined;
  const paths = record !== undefined;
  const frames: Frame[] = [];
  /** The column of the key or item whose lines are being skipped, or -1. */
  let skipBelow = -1;
  let pending: Pending | null = { path: '', indent: -1, isKey: true, parent: undefined, key: '' };
  let block: Block | null = null;
  let root: unknown = null;
  let declined = false;
  const lines = text.split('\n');
  const join = (base: string, seg: string) => (!paths ? '' : base === '' ? seg : base + PATH_SEP + seg);

  /** Puts a value into its container; false when a mapping has the key already (the parsers' error). */
  const put = (into: Container | undefined, key: string, value: unknown): boolean => {
    if (into === undefined) {
      root = value;
      return true;
    }
    if (Array.isArray(into)) {
      into.push(value);
      return true;
    }
    if (key === '__proto__' || Object.hasOwn(into, key)) return false;
    into[key] = value;
    return true;
  };

  /** A block scalar's value from its lines up to `to`; `last`: they end the text, without a final line break. */
  const endBlock = (b: Block, to: number, last = false): boolean => {
    const body = b.from < 0 ? [] : lines.slice(b.from, to).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    const value = blockScalar!(b.header, body, last);
    return value !== undefined && put(b.into, b.key, value);
  };

  /** A node on its line at `col`: an item, or a key with its value (put into the top frame's container). */
  const node = (col: number, t: string, lineNo: number): boolean => {
    const top = frames[frames.length - 1];
    if (t === '-' || t.startsWith('- ') || t.startsWith('-#')) {
      if (!top || top.kind !== 'seq' || top.indent !== col) return false;
      const itemPath = join(top.path, String(top.index++));
      if (record?.(itemPath, lineNo) === false) skipBelow = col;
      structure?.mark(lineNo, col, '-');
      const after = t.slice(1);
      const rest = after.trimStart();
      if (rest === '' || rest[0] === '#') {
        if (rest !== '' && after.length === rest.length) return false;
        pending = { path: itemPath, indent: col, isKey: false, parent: top.value, key: '' };
        return true;
      }
      if (rest === '-' || rest.startsWith('- ')) return false; // compact nested sequences: the parsers disagree
      const c2 = col + 1 + (after.length - rest.length);
      if (KEY_START.test(rest) && keyEnd(rest) >= 0) {
        const map = build ? {} : undefined;
        if (build) (top.value as unknown[]).push(map);
        frames.push({ indent: c2, kind: 'map', path: itemPath, index: 0, compact: false, value: map });
        return node(c2, rest, lineNo);
      }
      return leaf(col, rest, top.value, '');
    }
    if (!KEY_START.test(t)) return false;
    const colon = keyEnd(t);
    if (colon < 0) return false;
    const key = t.slice(0, colon).trimEnd();
    if (key.includes(' #') || key.includes('\t')) return false;
    if (!top || top.kind !== 'map' || top.indent !== col) return false;
    const parsedKey = build || paths ? plainKeyString(key) : '';
    const childPath = join(top.path, parsedKey);
    if (record?.(childPath, lineNo) === false && skipBelow < 0) skipBelow = col;
    structure?.mark(lineNo, col, key);
    if (build && (parsedKey === '__proto__' || Object.hasOwn(top.value!, parsedKey) || NULL.test(key))) declined = true;
    const rest = t.slice(colon + 1);
    const value = rest.trimStart();
    if (value === '' || value[0] === '#') {
      if (value !== '' && rest.length === value.length) return false;
      pending = { path: childPath, indent: col, isKey: true, parent: top.value, key: parsedKey };
      return true;
    }
    return leaf(col, value, top.value, parsedKey);
  };

  /** A value that ends on its line, or the header of a block scalar whose lines follow. */
  const leaf = (col: number, value: string, into: Container | undefined, key: string): boolean => {
    if (value[0] === '|' || value[0] === '>') {
      if (!BLOCK_HEADER.test(value)) return false;
      block = { parent: col, content: -1, into, key, header: value, from: -1 };
      return true;
    }
    if (build && (value[0] === '[' || value[0] === '{')) {
      // Read once, not measured by valueEnd first; what the reader declines, the slower parsers judge.
      const r = flowValue(value);
      if (r === DECLINE || !restIsEmpty(value.slice(r.end)) || !put(into, key, r.value)) declined = true;
      return true;
    }
    const end = valueEnd(value);
    if (end < 0 || !restIsEmpty(value.slice(end))) return false;
    if (build) {
      const v = lineValue(value.slice(0, end));
      if (v === DECLINE || !put(into, key, v)) declined = true;
    }
    return true;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const lineNo = i + 1;
    if (skipBelow >= 0) {
      // Every line of a key's or item's value (a block, or a flow or quoted scalar's continuation) is
      // indented deeper than the key or item in valid YAML; comments and blank lines may be anywhere.
      const c = raw.length - raw.trimStart().length;
      if (c === raw.length || raw[c] === '#' || c > skipBelow) continue;
      skipBelow = -1;
    }
    if (raw.length >= 1024) return NOT_PLAIN; // an implicit key may not be that long: let the document parser say so
    const col = raw.length - raw.trimStart().length;
    const t = raw.slice(col);
    if (block) {
      const b: Block = block;
      if (b.from < 0) b.from = i;
      if (t === '') {
        if (b.content < 0 && col > 0) return NOT_PLAIN; // spaces-only lines before the content: indentation is ambiguous
        continue;
      }
      if (col > b.parent) {
        if (b.content < 0) b.content = col;
        else if (col < b.content) return NOT_PLAIN;
        continue;
      }
      block = null;
      if (build && !endBlock(b, i)) return DECLINED;
    }
    if (t === '' || t[0] === '#') continue;
    if (/\t/.test(raw.slice(0, col))) return NOT_PLAIN;
    if (i === 0 || (frames.length === 0 && pending?.indent === -1)) {
      if (/^---[ ]*(?:#.*)?$/.test(raw)) continue;
    }
    if (/^(?:---|\.\.\.)(?:\s|$)/.test(raw)) return NOT_PLAIN;
    const isItem = t === '-' || t.startsWith('- ');
    const p: Pending | null = pending;
    pending = null;
    if (p && (col > p.indent || (p.isKey && isItem && col === p.indent && p.indent >= 0))) {
      if (p.indent < 0 && col !== 0) return NOT_PLAIN; // the document starts at column 0
      if (!p.isKey) record?.(p.path, lineNo);
      const kind = isItem ? 'seq' : 'map';
      const value = build ? (isItem ? [] : {}) : undefined;
      if (build && !put(p.parent, p.key, value)) return DECLINED;
      frames.push({ indent: col, kind, path: p.path, index: 0, compact: col === p.indent, value });
    } else {
      if (p && build && !put(p.parent, p.key, null)) return DECLINED;
      while (frames.length && frames[frames.length - 1].indent > col) frames.pop();
      const top = frames[frames.length - 1];
      if (!isItem && top?.kind === 'seq' && top.compact && top.indent === col) frames.pop();
    }
    if (!node(col, t, lineNo)) return NOT_PLAIN;
    if (declined) return DECLINED;
  }
  if (frames.length !== 0 && frames[0].kind !== 'map') return NOT_PLAIN;
  if (!build) return { value: undefined };
  // Every line read: a value declined would have ended the walk there.
  const open = block as Block | null;
  // After a final line break, split leaves an empty string that is no line.
  const endsWithBreak = lines[lines.length - 1] === '';
  if (open && !endBlock(open, endsWithBreak ? lines.length - 1 : lines.length, !endsWithBreak)) return DECLINED;
  const last = pending as Pending | null;
  if (last && !put(last.parent, last.key, null)) return DECLINED;
  return { value: root };
}
