import { NULL, plainKeyString, plainScalarValue } from './core-scalars.js';

/**
 * Values that end on their line, read for the plain-YAML parser (plain-yaml.ts): plain and quoted
 * scalars and flow collections. Only the forms whose reading is beyond doubt are taken; for anything
 * else (escapes in double quotes, an implicit key inside a flow sequence, an empty or trailing flow
 * entry, a quoted, complex or null flow key, a duplicate key) the reader says DECLINE and the document
 * goes to the slower parsers, which read it as before.
 */
export const DECLINE: unique symbol = Symbol('decline');
type Declined = typeof DECLINE;

/** A plain scalar's first character that could also be an indicator. */
const DOUBTFUL_START = /^(?:[?:!&*|>%@`'"#,[\]{}]|-(?![0-9.]))/;

/** A flow collection at the start of `text`, and where it ends. */
export const flowValue = (text: string): Read | Declined => flow(text, 0);

/** The value of a single-line scalar (not a flow collection): `text` is what valueEnd measured, trimmed of leading space. */
export function lineValue(text: string): unknown {
  const c = text[0];
  if (c === '"' || c === "'") {
    const r = quoted(text, 0);
    return r === DECLINE || r.end !== text.length ? DECLINE : r.value;
  }
  const s = text.trimEnd();
  if (DOUBTFUL_START.test(s)) return DECLINE;
  return plainScalarValue(s);
}

export interface Read {
  value: unknown;
  end: number;
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

/** A quoted scalar starting at `i`; double quotes with a backslash are declined (escapes). */
function quoted(s: string, i: number): Read | Declined {
  const q = s[i];
  if (q === '"') {
    const close = s.indexOf('"', i + 1);
    if (close < 0) return DECLINE;
    const body = s.slice(i + 1, close);
    return body.includes('\\') ? DECLINE : { value: body, end: close + 1 };
  }
  let value = '';
  let from = i + 1;
  for (;;) {
    const close = s.indexOf("'", from);
    if (close < 0) return DECLINE;
    value += s.slice(from, close);
    if (s[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    from = close + 2;
  }
}

/**
 * Where a plain scalar inside a flow collection ends: before `,`, a bracket, a brace, or a `:` followed
 * by a space, one of those or the end (there the scalar is a key). `fd00::1` and `a:b` are one scalar.
 */
function flowPlainEnd(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === ',' || c === '[' || c === ']' || c === '{' || c === '}') return i;
    if (c === ':') {
      const next = s[i + 1];
      if (next === undefined || next === ' ' || next === ',' || next === '[' || next === ']' || next === '{' || next === '}') return i;
    }
  }
  return i;
}

/** The text of a flow plain scalar from `i` to `end`, or DECLINE (empty, a doubtful start, a comment). */
function flowPlainText(s: string, i: number, end: number): string | Declined {
  const text = s.slice(i, end).trimEnd();
  return text === '' || DOUBTFUL_START.test(text) || text.includes(' #') ? DECLINE : text;
}

/** A plain scalar value inside a flow collection (not a key: one followed by `:` is declined). */
function flowPlain(s: string, i: number): Read | Declined {
  const end = flowPlainEnd(s, i);
  if (s[end] === ':') return DECLINE;
  const text = flowPlainText(s, i, end);
  return text === DECLINE ? DECLINE : { value: plainScalarValue(text), end };
}

function flowNode(s: string, i: number): Read | Declined {
  const c = s[i];
  if (c === '[' || c === '{') return flow(s, i);
  if (c === '"' || c === "'") return quoted(s, i);
  return flowPlain(s, i);
}

/** A flow sequence or mapping starting at `i` (its `[` or `{`). */
function flow(s: string, i: number): Read | Declined {
  const isMap = s[i] === '{';
  const close = isMap ? '}' : ']';
  const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
  i = skipSpaces(s, i + 1);
  if (s[i] === close) return { value: out, end: i + 1 };
  for (;;) {
    if (isMap) {
      const colon = flowPlainEnd(s, i);
      if (s[colon] !== ':' || s[colon + 1] !== ' ') return DECLINE;
      const raw = flowPlainText(s, i, colon);
      if (raw === DECLINE) return DECLINE;
      const key = plainKeyString(raw);
      const map = out as Record<string, unknown>;
      if (key === '__proto__' || Object.hasOwn(map, key) || NULL.test(raw)) return DECLINE;
      i = skipSpaces(s, colon + 1);
      const c = s[i];
      if (c === ',' || c === '}' || c === undefined) return DECLINE; // an empty value
      const v = flowNode(s, i);
      if (v === DECLINE) return DECLINE;
      map[key] = v.value;
      i = v.end;
    } else {
      const v = flowNode(s, i);
      if (v === DECLINE) return DECLINE;
      (out as unknown[]).push(v.value);
      i = v.end;
    }
    i = skipSpaces(s, i);
    if (s[i] === close) return { value: out, end: i + 1 };
    if (s[i] !== ',') return DECLINE;
    i = skipSpaces(s, i + 1);
    if (s[i] === close || s[i] === ',') return DECLINE; // a trailing or empty entry
  }
}
