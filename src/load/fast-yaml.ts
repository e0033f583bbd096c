import jsyaml from 'js-yaml';
import { BOOL, constructBool, constructFloat, constructInt, isFloat, isInt, NULL } from './core-scalars.js';
import { parsePlainYaml, scanPlainYaml } from './plain-yaml.js';

const nullType = new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (s: string | null) => s === null || NULL.test(s), construct: () => null });
const boolType = new jsyaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (s: string | null) => s !== null && BOOL.test(s), construct: constructBool });
const intType = new jsyaml.Type('tag:yaml.org,2002:int', { kind: 'scalar', resolve: (s: string | null) => s !== null && isInt(s), construct: constructInt });
const floatType = new jsyaml.Type('tag:yaml.org,2002:float', { kind: 'scalar', resolve: (s: string | null) => s !== null && isFloat(s), construct: constructFloat });

const CORE_1_2 = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * The js-yaml path takes plain YAML only. Where js-yaml is more lenient than the document parser or reads
 * differently (fuzzed against it: see test/unit/fast-parse.test.ts), the file goes to the document
 * parser instead: tabs anywhere, tags (`!`), anchors and aliases (`&`, `*`), explicit keys (`?`), keys
 * that are empty, null-looking or collections, `#` glued to a quote or bracket, block-scalar indentation
 * indicators, directives (`%YAML 1.1` changes the schema), `---` followed by content on its line, and a
 * backslash ending a line (escaped line breaks). Without anchors there are no aliases, so no shared or
 * exploding collections. Each test is a cheap scan; a false alarm only costs speed. Besides, the
 * document must be plain YAML (see plain-yaml.ts): js-yaml forgives sequences and multi-line scalars
 * that drift left, which the document parser rejects; and lines of 1,024 characters or more (implicit
 * keys that long are invalid, and the document parser says so).
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
 * An empty sequence item (`-` alone on its line): js-yaml reads a less indented item after it as one
 * more item of the same sequence (`a:\n- b:\n  -\n- y` puts y into b). The plain parser reads these
 * right; what it declines goes to the document parser.
 */
const JS_YAML_MISREADS = /^[ ]*-[ ]*(?:#.*)?\r?$/m;

/** What js-yaml calls non-printable (it rejects a stream holding any). */
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/**
 * A block scalar's value for the plain parser: js-yaml reads the header and the lines alone, under a
 * key at column 0 (the lines keep their indentation, which is deeper than their parent's).
 */
function blockScalarValue(header: string, lines: string[], endsText: boolean): string | undefined {
  const body = lines.join('\n') + (endsText || lines.length === 0 ? '' : '\n');
  try {
    const v = (jsyaml.load(`k: ${header}\n${body}`, { schema: CORE_1_2 }) as { k?: unknown } | undefined)?.k;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fast paths: first the plain parser (plain-yaml.ts), which builds the value in its line scan; for
 * what it declines, js-yaml with the YAML 1.2 core schema builds plain values about ten times faster than
 * the document parser, and without a node tree (which would cost ~30 bytes of heap per byte of input).
 * It covers documents that are valid and use no aliases of collections; anything else (a syntax error,
 * a duplicate key, several documents, an unknown tag, an alias) returns undefined and goes through the
 * document parser, which reports exactly and checks aliases for bombs.
 */
export function fastParse(text: string): { value: unknown; lineKey?: string } | undefined {
  // A tab may end a plain scalar before a comment, which the plain parser's ` #` would not see.
  if (text.includes('\t')) return undefined;
  // js-yaml refuses these anywhere in the stream, and skips a byte-order mark: the plain parser leaves both
  // to it. The rest of NEEDS_DOCUMENT_PARSER the plain parser declines by itself (indicators, null keys)
  // or does not take as plain YAML (directives, document markers with content, indentation indicators).
  if (!NON_PRINTABLE.test(text) && text.charCodeAt(0) !== 0xfeff) {
    const plain = parsePlainYaml(text, blockScalarValue);
    if (plain) return plain;
  }
  if (NEEDS_DOCUMENT_PARSER.some((re) => re.test(text)) || JS_YAML_MISREADS.test(text) || !scanPlainYaml(text)) return undefined;
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: CORE_1_2 });
  } catch {
    return undefined;
  }
  return { value: value === undefined ? null : value };
}

