import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Document, Node } from 'yaml';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { fastParse } from './fast-yaml.js';
import { listYamlFiles } from './files.js';
import { Locator, offsetToPosition, SourceFile, type JsonPath } from './source.js';
import { yaml } from './yaml-lib.js';

export interface LoadedInventory {
  /** Inventory name: file name without extension, or the directory name. */
  name: string;
  /** Path as given, normalised for display. */
  displayPath: string;
  /** Absolute path of the file or directory. */
  absolutePath: string;
  isDirectory: boolean;
  /** The merged inventory; compile() lets it go (an empty object) once the model is built. */
  data: Record<string, unknown>;
  locator: Locator;
  /** Absolute paths of the YAML files read. */
  paths: string[];
}

const YAML_ERROR_CODES: Record<string, string> = {
  DUPLICATE_KEY: 'NG1002',
  TAB_AS_INDENT: 'NG1003',
};

/** Guards against "billion laughs": aliases may expand to at most this many nodes. */
const MAX_ALIAS_COUNT = 1000;
/** ... and all aliases of a document together may stand for at most this many nodes. */
const MAX_ALIAS_NODES = 100_000;
/** Inventories are text; a multi-megabyte single value is an attack or an accident. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function displayPathOf(p: string): string {
  const rel = path.relative(process.cwd(), path.resolve(p));
  return (rel && !rel.startsWith('..') ? rel : path.resolve(p)).split(path.sep).join('/');
}

export function inventoryName(p: string): string {
  const base = path.basename(p.replace(/[/\\]+$/, ''));
  return base.replace(/\.(ya?ml)$/i, '');
}

/**
 * A parser error at the very end of the text ("missing closing quote", "flow map must end with }")
 * is about a construct that started earlier: point at the innermost node that runs into the end.
 */
function startOfUnclosed(doc: Document.Parsed, text: string, offset: number): number {
  if (text.slice(offset).trim() !== '') return offset;
  let found = offset;
  const end = text.trimEnd().length;
  yaml().visit(doc, (_key, node) => {
    const r = (node as Node).range;
    if (!yaml().isPair(node) && r && r[1] > end && r[0] < end) found = r[0];
  });
  return found;
}

/** For a duplicate key at `offset`: where the same key first appears in the same mapping. */
function firstKeyBefore(file: SourceFile, offset: number) {
  let found: { position: ReturnType<typeof offsetToPosition>; name: string } | undefined;
  yaml().visit(file.doc, {
    Map(_key, map) {
      const dup = map.items.find((p) => (p.key as Node | null)?.range?.[0] === offset);
      if (!dup) return undefined;
      const name = String((dup.key as { value?: unknown }).value);
      const first = map.items.find((p) => p !== dup && String((p.key as { value?: unknown } | null)?.value) === name);
      const r = (first?.key as Node | undefined)?.range;
      if (r) found = { position: offsetToPosition(file, r[0], r[1]), name };
      return yaml().visit.BREAK;
    },
  });
  return found;
}

/**
 * Alias checks the parser leaves to toJS: an alias to an anchor that is not defined (NG1001), and
 * "billion laughs" (NG1004). Both are reported at the alias that is wrong. Expansion sizes are
 * memoised per node, so this is linear in the document, never in the expansion.
 */
function checkAliases(file: SourceFile, bag: DiagnosticBag): boolean {
  const { doc } = file;
  const sizes = new Map<unknown, number>();
  const sizeOf = (node: unknown, depth = 0): number => {
    if (node === null || node === undefined || depth > 200) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1); // cycles count once
    let n = 1;
    if (yaml().isAlias(node)) n = sizeOf(node.resolve(doc), depth + 1);
    else if (yaml().isPair(node)) n = sizeOf(node.key, depth + 1) + sizeOf(node.value, depth + 1);
    else if (yaml().isCollection(node)) for (const it of node.items as unknown[]) n = Math.min(Number.MAX_SAFE_INTEGER, n + sizeOf(it, depth + 1));
    sizes.set(node, n);
    return n;
  };
  let ok = true;
  let expanded = 0;
  yaml().visit(doc, {
    Alias(_key, node) {
      const r = node.range ?? [0, 0];
      const target = node.resolve(doc);
      if (!target) {
        bag.error('NG1001', `alias *${node.source} refers to no anchor &${node.source} defined before it`, offsetToPosition(file, r[0], r[1]));
        ok = false;
        return yaml().visit.SKIP;
      }
      expanded += sizeOf(target);
      if (expanded > MAX_ALIAS_NODES) {
        bag.error('NG1004', `aliases expand to more than ${MAX_ALIAS_NODES} nodes here (alias *${node.source} alone is ${sizeOf(target)}): an "alias bomb"`, offsetToPosition(file, r[0], r[1]), { hint: 'write the values out, or use fewer nested aliases' });
        ok = false;
        return yaml().visit.BREAK;
      }
      return undefined;
    },
  });
  return ok;
}

/** True when some mapping repeats a scalar key (a superset of what yaml's uniqueKeys reports). */
function mayHaveDuplicateKeys(doc: Document.Parsed): boolean {
  let found = false;
  yaml().visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!yaml().isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          found = true;
          return yaml().visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return found;
}

function parseSource(displayPath: string, text: string, bag: DiagnosticBag): { file: SourceFile; value: unknown } | undefined {
  const fast = fastParse(text);
  if (fast) return { file: new SourceFile(displayPath, text, undefined, fast.lineKey), value: fast.value };
  let lineCounter = new (yaml().LineCounter)();
  let doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: true, strict: true });
  if (mayHaveDuplicateKeys(doc)) {
    // yaml's own check compares each key with every earlier one of its map: quadratic in hosts and
    // tenants. So it runs only when the linear scan saw a repeated key, to report it exactly as before.
    lineCounter = new (yaml().LineCounter)();
    doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  }
  const file = new SourceFile(displayPath, text, { doc, lineCounter });
  let failed = false;
  for (const err of doc.errors) {
    failed = true;
    const code = YAML_ERROR_CODES[err.code] ?? 'NG1001';
    const [rawStart, end] = err.pos;
    const start = startOfUnclosed(doc, text, rawStart);
    let first = err.message.split('\n')[0];
    if (err.code === 'MULTIPLE_DOCS') first = "an inventory file holds one YAML document; split it at '---' into files of an inventory directory";
    const dup = code === 'NG1002' ? firstKeyBefore(file, rawStart) : undefined;
    if (dup) first = `duplicate key '${dup.name}': YAML would silently keep only one of them`;
    bag.error(code, first.replace(/ at line \d+, column \d+:?$/, ''), offsetToPosition(file, start, end), dup ? { related: [{ message: 'first defined here', position: dup.position }] } : {});
  }
  if (failed) return { file, value: undefined };
  if (!checkAliases(file, bag)) return { file, value: undefined };
  try {
    return { file, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    bag.error('NG1004', `aliases expand too far (${(e as Error).message}); netgen expands at most ${MAX_ALIAS_COUNT} aliased nodes`, { file: displayPath, line: 1, col: 1 });
    return { file, value: undefined };
  }
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Collections that a directory inventory may spread over several files: the top-level sections, a
 * site, and a site's hosts. A single object (a tenant, a host) is defined in exactly one file.
 */
function isMergeable(p: JsonPath): boolean {
  if (p.length === 1) return true;
  if (p[0] === 'sites') return p.length === 2 || (p.length === 3 && p[2] === 'hosts');
  return false;
}

/** Merges b into a (directory inventories); a key defined by two files is an error unless both are mappings. */
function mergeInto(a: Record<string, unknown>, b: Record<string, unknown>, at: JsonPath, fileIndex: number, locator: Locator, bag: DiagnosticBag): void {
  for (const [k, v] of Object.entries(b)) {
    const p = [...at, k];
    if (!(k in a)) {
      a[k] = v;
      locator.setOwner(p, fileIndex);
      continue;
    }
    const existing = a[k];
    if (Array.isArray(existing) && Array.isArray(v) && at.length === 0) {
      // Top-level lists (checks) concatenate; each item remembers its file.
      for (const item of v) {
        locator.setOwner([k, existing.length], fileIndex);
        existing.push(item);
      }
      continue;
    }
    if (isPlainMap(existing) && isPlainMap(v) && isMergeable(p)) {
      mergeInto(existing, v, p, fileIndex, locator, bag);
      continue;
    }
    const second = locator.position(p, 'key');
    // The second file is not the owner of p, so look it up in that file directly.
    const secondFile = locator.files[fileIndex];
    const pos = new Locator([secondFile]).position(p, 'key') ?? second;
    bag.error('NG1007', `'${p.join('.')}' is defined in two files`, pos, {
      related: [{ message: 'first defined here', position: locator.position(p, 'key') }],
    });
  }
}

export async function loadInventory(inputPath: string, bag: DiagnosticBag): Promise<LoadedInventory | undefined> {
  const absolutePath = path.resolve(inputPath);
  const displayPath = displayPathOf(inputPath);
  let stat;
  try {
    stat = await fs.stat(absolutePath);
  } catch {
    bag.error('NG1005', `cannot read inventory '${displayPath}': no such file or directory`, { file: displayPath, line: 1, col: 1 });
    return undefined;
  }
  const isDirectory = stat.isDirectory();
  const paths = isDirectory ? listYamlFiles(absolutePath) : [absolutePath];
  if (paths.length === 0) {
    bag.error('NG1005', `inventory directory '${displayPath}' contains no .yaml files`, { file: displayPath, line: 1, col: 1 });
    return undefined;
  }
  const files: SourceFile[] = [];
  const values: unknown[] = [];
  for (const p of paths) {
    const shown = displayPathOf(p);
    let text: string;
    try {
      const st = await fs.stat(p);
      if (st.size > MAX_FILE_BYTES) {
        bag.error('NG1005', `'${shown}' is ${st.size} bytes; inventories larger than ${MAX_FILE_BYTES} bytes are refused`, { file: shown, line: 1, col: 1 });
        continue;
      }
      text = await fs.readFile(p, 'utf8');
    } catch (e) {
      bag.error('NG1005', `cannot read '${shown}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: shown, line: 1, col: 1 });
      continue;
    }
    const parsed = parseSource(shown, text, bag);
    if (!parsed) continue;
    files.push(parsed.file);
    values.push(parsed.value);
  }
  const locator = new Locator(files);
  const data: Record<string, unknown> = {};
  values.forEach((v, i) => {
    if (v === undefined) return;
    if (v === null) return; // an empty file contributes nothing
    if (!isPlainMap(v)) {
      const r = files[i]?.doc.contents?.range;
      bag.error('NG1006', 'the top level of an inventory must be a mapping (tenants:, sites:, ...)', files[i] ? (r ? offsetToPosition(files[i], r[0], r[1]) : { file: files[i].displayPath, line: 1, col: 1 }) : undefined);
      return;
    }
    if (files.length === 1) {
      Object.assign(data, v);
      return;
    }
    mergeInto(data, v, [], i, locator, bag);
  });
  return { name: inventoryName(inputPath), displayPath, absolutePath, isDirectory, data, locator, paths };
}
