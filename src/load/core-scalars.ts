/**
 * The YAML 1.2 core schema's scalars exactly as the document parser (the `yaml` package) resolves
 * them. js-yaml's own core schema also reads `0b101`, `+0x1f` and `1_000`-style numbers and not
 * `+.5`; an inventory must mean the same whichever parser read it. Both fast paths (js-yaml with these
 * types, and the plain-YAML parser) resolve plain scalars here.
 */
export const INT = /^[-+]?[0-9]+$/;
export const INT_OCT = /^0o[0-7]+$/;
export const INT_HEX = /^0x[0-9a-fA-F]+$/;
export const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
export const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
export const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
export const NULL = /^(?:~|[Nn]ull|NULL)?$/;
export const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

export const isInt = (s: string): boolean => INT.test(s) || INT_OCT.test(s) || INT_HEX.test(s);
export const isFloat = (s: string): boolean => FLOAT.test(s) || FLOAT_EXP.test(s) || FLOAT_SPECIAL.test(s);
export const constructBool = (s: string): boolean => s[0] === 't' || s[0] === 'T';
export const constructInt = (s: string): number => (INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT_HEX.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10));

export function constructFloat(s: string): number {
  if (!FLOAT_SPECIAL.test(s)) return parseFloat(s);
  if (s.toLowerCase() === '.nan') return NaN;
  return s.startsWith('-') ? -Infinity : Infinity;
}

/** Matches exactly what one of the patterns above matches: most scalars (names, addresses) fail it in one test. */
const ANY_OF_THEM = new RegExp([NULL, BOOL, INT, INT_OCT, INT_HEX, FLOAT, FLOAT_EXP, FLOAT_SPECIAL].map((re) => `(?:${re.source})`).join('|'));

/** A plain scalar's value, tried as the parsers try it: null, boolean, integer, float, else the text. */
export function plainScalarValue(s: string): unknown {
  if (!ANY_OF_THEM.test(s)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return constructBool(s);
  if (isInt(s)) return constructInt(s);
  if (isFloat(s)) return constructFloat(s);
  return s;
}

/** A plain key as the parsers make it an object key: `1.0:` is the key "1", `true:` is "true". */
export function plainKeyString(raw: string): string {
  if (!/^[-+.0-9tTfF]/.test(raw)) return raw; // most keys: nothing to resolve
  if (isInt(raw)) return String(constructInt(raw));
  if (isFloat(raw)) return String(constructFloat(raw));
  if (BOOL.test(raw)) return String(constructBool(raw));
  return raw;
}
