import jsyaml from 'js-yaml';
import { PATH_SEP, scanPlainYaml } from './plain-yaml.js';

/**
 * The YAML 1.2 core schema's scalars exactly as the document parser (the `yaml` package) resolves
 * them. js-yaml's own core schema also reads `0b101`, `+0x1f` and `1_000`-style numbers and not
 * `+.5`; an inventory must mean the same whichever parser read it.
 */
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

const nullType = new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (s: string | null) => s === null || NULL.test(s), construct: () => null });
const boolType = new jsyaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (s: string | null) => s !== null && BOOL.test(s), construct: (s: string) => s[0] === 't' || s[0] === 'T' });

const intType = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (INT.test(s) || INT_OCT.test(s) || INT_HEX.test(s)),
  construct: (s: string) => (INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT_HEX.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
});

const floatType = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (FLOAT.test(s) || FLOAT_EXP.test(s) || FLOAT_SPECIAL.test(s)),
  construct: (s: string) => {
    if (!FLOAT_SPECIAL.test(s)) return parseFloat(s);
    if (s.toLowerCase() === '.nan') return NaN;
    return s.startsWith('-') ? -Infinity : Infinity;
  },
});

/** A plain key as the parsers make it an object key: `1.0:` is the key "1", `true:` is "true". */
/** A scanned path (keys as written, joined by PATH_SEP) as the parsed keys read: `1.0` becomes `1`. */
export function parsedPathKey(p: string): string {
  return p
    .split(PATH_SEP)
    .map((seg) => plainKeyString(seg))
    .join(PATH_SEP);
}

export function plainKeyString(raw: string): string {
  if (!/^[-+.0-9tTfF]/.test(raw)) return raw; // most keys: nothing to resolve
  if (INT.test(raw) || INT_OCT.test(raw) || INT_HEX.test(raw)) return String(intType.construct(raw));
  if (FLOAT.test(raw) || FLOAT_EXP.test(raw) || FLOAT_SPECIAL.test(raw)) return String(floatType.construct(raw));
  if (BOOL.test(raw)) return String(boolType.construct(raw));
  return raw;
}

const CORE_1_2 = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * The fast path takes plain YAML only. Where js-yaml is more lenient than the document parser or reads
 * differently (fuzzed against it: see test/unit/fast-parse.test.ts), the file goes to the document
 * parser instead: tabs anywhere, tags (`!`), anchors and aliases (`&`, `*`), explicit keys (`?`), keys
 * that are empty, null-looking or collections, `#` glued to a quote or bracket, block-scalar indentation
 * indicators, directives (`%YAML 1.1` changes the schema), `---` followed by content on its line, and a
 * backslash ending a line (escaped line breaks). Without anchors there are no aliases, so no shared or
 * exploding collections. Each test is a cheap scan; a false alarm only costs speed. Besides, the document must be plain YAML (see plain-yaml.ts): js-yaml
 * forgives sequences and multi-line scalars that drift left, which the document parser rejects; and
 * lines of 1,024 characters or more (implicit keys that long are invalid, and the document parser says so).
 */
const NEEDS_DOCUMENT_PARSER = [
  /\t/,
  /(?:^|[\s[{,])[!&*?]/m,
  /(?:^|[\s[{,])(?:~|null|Null|NULL)?\s*:(?:\s|$)/m,
  /[\]}]\s*:(?:\s|$)/,
  /[[{,]\s*(?:(?:~|null|Null|NULL)\s*[:,}\]]|:)/,
  /["'[\]{},]#/,
  /[|>][-+]?[0-9]/,
  /\\$/m,
  /^%/m,
  /^(?:---|\.\.\.)(?:\S|[ \t]+[^\s#])/m,
];

/**
 * The fast path: js-yaml with the YAML 1.2 core schema builds plain values about ten times faster than
 * the document parser, and without a node tree (which would cost ~30 bytes of heap per byte of input).
 * It covers documents that are valid and use no aliases of collections; anything else (a syntax error,
 * a duplicate key, several documents, an unknown tag, an alias) returns undefined and goes through the
 * document parser, which reports exactly and checks aliases for bombs.
 */
export function fastParse(text: string): { value: unknown } | undefined {
  if (NEEDS_DOCUMENT_PARSER.some((re) => re.test(text)) || !scanPlainYaml(text)) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: CORE_1_2 });
  } catch {
    return undefined;
  }
  return { value: value === undefined ? null : value };
}

