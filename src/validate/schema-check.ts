import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Locator } from '../load/source.js';
import { TEXT_PATTERN } from '../schema/patterns.js';
import { parseAddress, parseCidr } from '../net/ip.js';
import { runCachedScript, writeCacheFile } from '../util/code-cache.js';
import { didYouMean } from '../util/suggest.js';
import { withSharedSubschemas } from './shared-subschemas.js';

const validators = new Map<boolean, ValidateFunction>();
/** The module id under which precompiled validators find the address formats. */
const FORMATS_ID = 'netgen:formats';
const FORMATS = {
  'ip-address': { type: 'string', validate: (s: string) => parseAddress(s) !== undefined },
  'ip-cidr': { type: 'string', validate: (s: string) => parseCidr(s) !== undefined },
  'ip-address-or-cidr': { type: 'string', validate: (s: string) => parseCidr(s, true) !== undefined },
} as const;
const CACHE_PREFIX = '.inventory-validator-';
const here = path.dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);

/**
 * Compiling the inventory schema costs about half a second, on every run. So the first run writes
 * ajv's standalone code for it next to this module in dist/ (keyed by cacheKey() below) and later runs load that instead. When the directory is not writable, or the
 * cache is unreadable, the validator is compiled in memory as before: same checks, same errors.
 */
async function getValidator(verbose: boolean): Promise<ValidateFunction> {
  const known = validators.get(verbose);
  if (known) return known;
  let validator = loadPrecompiled(cacheFile(verbose));
  if (!validator) {
    // Only now the schema definitions, TypeBox and ajv's compiler are loaded: cached runs need none of them.
    const [{ inventorySchemaJson }, { _, Ajv }, standaloneModule] = await Promise.all([import('../schema/json.js'), import('ajv'), import('ajv/dist/standalone/index.js')]);
    const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (ajv: Ajv, v: ValidateFunction) => string;
    const ajv = new Ajv({ ...ajvOptions(verbose), code: { source: true, formats: _`require(${FORMATS_ID})` } });
    for (const [name, def] of Object.entries(FORMATS)) ajv.addFormat(name, def);
    // The deciding validator checks each shared shape with one function; the verbose one keeps the schema
    // inline, so that its errors' schema paths are those of the schema modules.
    const schema = inventorySchemaJson();
    const compiled = ajv.compile(verbose ? schema : withSharedSubschemas(schema as never));
    // Only the built package caches (never src/ when tests run the TypeScript directly).
    if (path.basename(path.dirname(here)) === 'dist') savePrecompiled(cacheFile(verbose), cacheKey(), () => standaloneCode(ajv, compiled));
    validator = compiled;
  }
  validators.set(verbose, validator);
  return validator;
}

/** Options of the verbose validator (every error, with its schema and data) and of the lean one (a verdict, one function per shared shape). */
const ajvOptions = (verbose: boolean) => (verbose ? { allErrors: true, strict: false, verbose } : { allErrors: false, strict: false, verbose, inlineRefs: false });

let key: string | undefined;

/**
 * The cache key: ajv's version, its options and the bytes of the schema modules. Hashing the modules
 * rather than the schema they build means a cached run never loads TypeBox (a tenth of a small build).
 */
function cacheKey(): string {
  if (key) return key;
  const h = createHash('sha256').update(`${(requireHere('ajv/package.json') as { version: string }).version}\0${JSON.stringify([ajvOptions(false), ajvOptions(true)])}\0`);
  const schemaDir = path.join(here, '../schema');
  for (const f of readdirSync(schemaDir).filter((n) => /\.(js|ts)$/.test(n)).sort()) h.update(`${f}\0`).update(readFileSync(path.join(schemaDir, f))).update('\0');
  // ...and of the module that shares the lean validator's subschemas.
  for (const f of readdirSync(here).filter((n) => /^shared-subschemas\.(js|ts)$/.test(n))) h.update(readFileSync(path.join(here, f)));
  return (key = h.digest('hex').slice(0, 16));
}

const cacheFile = (verbose: boolean) => path.join(here, `${CACHE_PREFIX}${cacheKey()}-${verbose ? 'verbose' : 'lean'}.cjs`);

/** The precompiled validator, through V8's code cache: compiling it cost more than validating. */
function loadPrecompiled(file: string): ValidateFunction | undefined {
  let code: string;
  try {
    code = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const mod: { exports: unknown } = { exports: {} };
    const req = (id: string) => (id === FORMATS_ID ? FORMATS : requireHere(id));
    const script = runCachedScript<void>(file, code, ['require', 'module', 'exports'], [req, mod, mod.exports]);
    const validate = mod.exports;
    if (typeof validate !== 'function') return undefined;
    // The cache is worth most once the validator has run: its inner functions are compiled only then.
    let saved = false;
    const withCache = ((data: unknown) => {
      const ok = (validate as ValidateFunction)(data);
      withCache.errors = (validate as ValidateFunction).errors;
      if (!saved) {
        saved = true;
        script.save();
      }
      return ok;
    }) as ValidateFunction;
    return withCache;
  } catch {
    return undefined;
  }
}

function savePrecompiled(file: string, key: string, code: () => string): void {
  if (!writeCacheFile(file, code())) return;
  // Validators of earlier schema versions are dead weight.
  for (const n of readdirSync(here)) if (n.startsWith(CACHE_PREFIX) && (n.endsWith('.cjs') || n.endsWith('.v8')) && !n.includes(key)) rmSync(path.join(here, n), { force: true });
}

function decodePointer(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function branchSummary(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => String(v)).join(', ');
  if ('const' in schema) return String(schema.const);
  if (schema.type === 'object') return 'a mapping';
  return String(schema.type ?? 'value');
}

/** Codes for range errors on fields whose range has its own diagnostic. */
function rangeCode(path: (string | number)[]): string {
  const last = path[path.length - 1];
  if (last === 'vni') return 'NG5002';
  if (last === 'id' && path.includes('vlans')) return 'NG5003';
  return 'NG2004';
}

/** Checks the inventory against the JSON Schema; every violation becomes a positioned diagnostic. */
export async function checkSchema(data: unknown, locator: Locator, bag: DiagnosticBag): Promise<boolean> {
  // The lean validator decides; only a failing inventory pays for the verbose one, whose errors
  // carry the schema and data that the messages below quote.
  if ((await getValidator(false))(data)) return true;
  const validate = await getValidator(true);
  validate(data);
  const errors = validate.errors ?? [];
  // anyOf failures are reported once, as "one of ...", instead of once per branch.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath);
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && anyOfPaths.some((p) => e.schemaPath.startsWith(`${p}/`))) continue;
    if (e.keyword === 'pattern' && e.propertyName !== undefined) continue; // reported via propertyNames
    if (e.keyword === 'maxLength' && e.propertyName !== undefined) continue;
    const d = mapError(e);
    const key = `${d.code}|${d.path.join('.')}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bag.error(d.code, d.message, locator.position(d.path, d.at), d.hint ? { hint: d.hint } : {});
  }
  return false;
}

interface Mapped {
  code: string;
  message: string;
  path: (string | number)[];
  at: 'key' | 'value';
  hint?: string;
}

function mapError(e: ErrorObject): Mapped {
  const path = decodePointer(e.instancePath);
  const where = path.length ? path.join('.') : 'the inventory';
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown>) ?? {});
      const hint = didYouMean(key, known);
      return { code: 'NG2001', message: `unknown key '${key}' in ${where}`, path: [...path, key], at: 'key', hint: hint ?? (known.length ? `allowed here: ${known.join(', ')}` : undefined) };
    }
    case 'propertyNames': {
      const key = String((e.params as { propertyName: string }).propertyName);
      const tooLong = key.length > 64;
      return {
        code: 'NG2005',
        message: tooLong ? `name '${key.slice(0, 40)}...' is too long` : `invalid name ${describeValue(key)} in ${where}: use letters, digits, '-', '_' and '.'`,
        path: [...path, key],
        at: 'key',
      };
    }
    case 'required': {
      const field = String((e.params as { missingProperty: string }).missingProperty);
      return { code: 'NG2002', message: `missing required field '${field}' in ${where}`, path, at: path.length ? 'key' : 'value' };
    }
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const types = Array.isArray(t) ? t.join(' or ') : t;
      return { code: 'NG2003', message: `${where} must be ${types === 'object' ? 'a mapping' : types === 'array' ? 'a list' : `of type ${types}`}, not ${describeValue(e.data)}`, path, at: 'value' };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
      return { code: 'NG2004', message: `${where} must be one of: ${allowed.join(', ')} (got ${describeValue(e.data)})`, path, at: 'value', hint };
    }
    case 'const':
      return { code: 'NG2004', message: `${where} must be ${describeValue((e.params as { allowedValue: unknown }).allowedValue)}`, path, at: 'value' };
    case 'anyOf': {
      const branches = ((parent.anyOf as Record<string, unknown>[]) ?? []).map(branchSummary);
      return { code: 'NG2004', message: `${where} must be one of: ${branches.join(', ')} (got ${describeValue(e.data)})`, path, at: 'value' };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: rangeCode(path), message: `${where} ${e.message} (got ${describeValue(e.data)})`, path, at: 'value' };
    case 'format':
      return { code: 'NG2006', message: `${where}: ${describeValue(e.data)} is not ${formatWord(String((e.params as { format: string }).format))}`, path, at: 'value', hint: formatHint(String((e.params as { format: string }).format)) };
    case 'pattern': {
      if (parent.pattern === TEXT_PATTERN) return { code: 'NG2007', message: `${where} contains a control character (newline, tab, NUL...)`, path, at: 'value', hint: 'write the text on one line' };
      if (String(parent.pattern).includes('[0-9A-Fa-f]{2}')) return { code: 'NG5007', message: `${where}: ${describeValue(e.data)} is not a MAC address`, path, at: 'value', hint: 'write six hex octets, e.g. 02:00:00:00:00:01' };
      return { code: 'NG2005', message: `${where}: invalid value ${describeValue(e.data)}: use letters, digits, '-', '_' and '.'`, path, at: 'value' };
    }
    case 'maxLength':
      return { code: 'NG2004', message: `${where} is longer than ${(e.params as { limit: number }).limit} characters`, path, at: 'value' };
    case 'minItems':
      return { code: 'NG2002', message: `${where} must have at least ${(e.params as { limit: number }).limit} item(s)`, path, at: 'value' };
    case 'uniqueItems':
      return { code: 'NG3002', message: `${where} lists the same item twice (items ${(e.params as { j: number; i: number }).j} and ${(e.params as { i: number }).i})`, path: [...path, (e.params as { i: number }).i], at: 'value' };
    default:
      return { code: 'NG2004', message: `${where} ${e.message ?? 'is invalid'}`, path, at: 'value' };
  }
}

function formatWord(f: string): string {
  return f === 'ip-address' ? 'an IP address' : f === 'ip-cidr' ? 'an address with /prefix-length' : 'an IP address or prefix';
}

function formatHint(f: string): string {
  return f === 'ip-cidr' ? 'write e.g. 10.0.0.1/24 or 2001:db8::1/64' : 'write e.g. 10.0.0.1 or 2001:db8::1';
}
