/**
 * A line scanner for "plain" YAML: block mappings and sequences with consistent indentation, and
 * values that end on their line (plain, quoted or flow scalars) or are block scalars. It serves twice:
 * the loader takes the fast parser only for documents in this subset (where the fast parser is known to
 * read exactly like the document parser), and the docs cite inventory lines from it without building
 * a node tree. Anything outside the subset makes it return false; callers then use the document parser.
 */

/** Separator of path segments in keys, as in the docs' line index. */
export const PATH_SEP = '\u0000';

type Frame = { indent: number; kind: 'map' | 'seq'; path: string; index: number; compact: boolean };
type Pending = { path: string; indent: number; isKey: boolean };

const KEY_START = /^[^\s#'"\-?:,[\]{}!&*|>%@`]/;
const KEY_END = /:(?= |$)/;
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

/**
 * Scans `text`; returns false when it is not plain YAML as described above. `record(path, line)` is
 * called for every mapping key and sequence item (path segments joined by PATH_SEP, keys as written)
 * with its 1-based line. When it returns false, the lines below that key or item are skipped unread
 * (a caller that wants none of them): then true only says that what was read is plain YAML.
 */
export function scanPlainYaml(text: string, record?: (path: string, line: number) => boolean | void): boolean {
  const frames: Frame[] = [];
  /** The column of the key or item whose lines are being skipped, or -1. */
  let skipBelow = -1;
  let pending: Pending | null = { path: '', indent: -1, isKey: true };
  let block: { parent: number; content: number } | null = null;
  const lines = text.split('\n');
  const join = (base: string, seg: string) => (base === '' ? seg : base + PATH_SEP + seg);

  const node = (col: number, t: string, lineNo: number): boolean => {
    const top = frames[frames.length - 1];
    if (t === '-' || t.startsWith('- ') || t.startsWith('-#')) {
      if (!top || top.kind !== 'seq' || top.indent !== col) return false;
      const itemPath = join(top.path, String(top.index++));
      if (record?.(itemPath, lineNo) === false) skipBelow = col;
      const after = t.slice(1);
      const rest = after.trimStart();
      if (rest === '' || rest[0] === '#') {
        if (rest !== '' && after.length === rest.length) return false;
        pending = { path: itemPath, indent: col, isKey: false };
        return true;
      }
      if (rest === '-' || rest.startsWith('- ')) return false; // compact nested sequences: the parsers disagree
      const c2 = col + 1 + (after.length - rest.length);
      if (KEY_START.test(rest) && KEY_END.test(rest)) {
        frames.push({ indent: c2, kind: 'map', path: itemPath, index: 0, compact: false });
        return node(c2, rest, lineNo);
      }
      return leaf(col, rest);
    }
    if (!KEY_START.test(t)) return false;
    const m = KEY_END.exec(t);
    if (!m) return false;
    const key = t.slice(0, m.index).trimEnd();
    if (key.includes(' #') || key.includes('\t')) return false;
    if (!top || top.kind !== 'map' || top.indent !== col) return false;
    const childPath = join(top.path, key);
    if (record?.(childPath, lineNo) === false && skipBelow < 0) skipBelow = col;
    const rest = t.slice(m.index + 1);
    const value = rest.trimStart();
    if (value === '' || value[0] === '#') {
      if (value !== '' && rest.length === value.length) return false;
      pending = { path: childPath, indent: col, isKey: true };
      return true;
    }
    return leaf(col, value);
  };

  /** A value that ends on its line, or the header of a block scalar whose lines follow. */
  const leaf = (col: number, value: string): boolean => {
    if (value[0] === '|' || value[0] === '>') {
      if (!BLOCK_HEADER.test(value)) return false;
      block = { parent: col, content: -1 };
      return true;
    }
    const end = valueEnd(value);
    return end >= 0 && restIsEmpty(value.slice(end));
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
    if (raw.length >= 1024) return false; // an implicit key may not be that long: let the document parser say so
    const col = raw.length - raw.trimStart().length;
    const t = raw.slice(col);
    if (block) {
      const b: { parent: number; content: number } = block;
      if (t === '') {
        if (b.content < 0 && col > 0) return false; // spaces-only lines before the content: indentation is ambiguous
        continue;
      }
      if (col > b.parent) {
        if (b.content < 0) b.content = col;
        else if (col < b.content) return false;
        continue;
      }
      block = null;
    }
    if (t === '' || t[0] === '#') continue;
    if (/\t/.test(raw.slice(0, col))) return false;
    if (i === 0 || (frames.length === 0 && pending?.indent === -1)) {
      if (/^---[ ]*(?:#.*)?$/.test(raw)) continue;
    }
    if (/^(?:---|\.\.\.)(?:\s|$)/.test(raw)) return false;
    const isItem = t === '-' || t.startsWith('- ');
    const p: Pending | null = pending;
    pending = null;
    if (p && (col > p.indent || (p.isKey && isItem && col === p.indent && p.indent >= 0))) {
      if (p.indent < 0 && col !== 0) return false; // the document starts at column 0
      if (!p.isKey) record?.(p.path, lineNo);
      frames.push({ indent: col, kind: isItem ? 'seq' : 'map', path: p.path, index: 0, compact: col === p.indent });
    } else {
      while (frames.length && frames[frames.length - 1].indent > col) frames.pop();
      const top = frames[frames.length - 1];
      if (!isItem && top?.kind === 'seq' && top.compact && top.indent === col) frames.pop();
    }
    if (!node(col, t, lineNo)) return false;
  }
  return frames.length === 0 || frames[0].kind === 'map';
}
