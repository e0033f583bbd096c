import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { Locator, offsetToPosition, type JsonPath, type SourceFile } from './source.js';

export interface LoadedInventory {
  /** Inventory name: file name without extension, or the directory name. */
  name: string;
  /** Path as given, normalised for display. */
  displayPath: string;
  /** Absolute path of the file or directory. */
  absolutePath: string;
  isDirectory: boolean;
  data: Record<string, unknown>;
  locator: Locator;
}

const YAML_ERROR_CODES: Record<string, string> = {
  DUPLICATE_KEY: 'NG1002',
  TAB_AS_INDENT: 'NG1003',
};

/** Guards against "billion laughs": aliases may expand to at most this many nodes. */
const MAX_ALIAS_COUNT = 1000;
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

async function listYamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listYamlFiles(full)));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name) && !/\.lock\.ya?ml$/i.test(e.name)) out.push(full);
  }
  return out;
}

function parseSource(displayPath: string, text: string, bag: DiagnosticBag): { file: SourceFile; value: unknown } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  const file: SourceFile = { displayPath, text, lineCounter, doc };
  let failed = false;
  for (const err of doc.errors) {
    failed = true;
    const code = YAML_ERROR_CODES[err.code] ?? 'NG1001';
    const [start, end] = err.pos;
    const first = err.message.split('\n')[0];
    bag.error(code, first.replace(/ at line \d+, column \d+:?$/, ''), offsetToPosition(file, start, end));
  }
  if (failed) return { file, value: undefined };
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
  const paths = isDirectory ? await listYamlFiles(absolutePath) : [absolutePath];
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
      bag.error('NG1006', 'the top level of an inventory must be a mapping (tenants:, sites:, ...)', locator.files[i] ? { file: files[i].displayPath, line: 1, col: 1 } : undefined);
      return;
    }
    if (files.length === 1) {
      Object.assign(data, v);
      return;
    }
    mergeInto(data, v, [], i, locator, bag);
  });
  return { name: inventoryName(inputPath), displayPath, absolutePath, isDirectory, data, locator };
}
