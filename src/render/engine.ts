import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type HandlebarsApi from 'handlebars';
import { dropCodeCache, runCachedScript, writeCacheFile } from '../util/code-cache.js';
import { readIfFile } from '../write/tree-files.js';
import { commentText, frrText, nftString, shellWord, unitValue, vyosValue } from './quote.js';
import { handlebarsLookup } from './handlebars-access.js';
import { generateTemplate, type CompiledTemplate, type TemplateRuntime } from './template-codegen.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);

/**
 * Handlebars' runtime, loaded only for a template left to it (generated templates need none of it:
 * 15 ms of every build's start), and its compiler, only to compile a template the cache lacks.
 */
const handlebarsRuntime = (): typeof HandlebarsApi => requireHere('handlebars/runtime.js') as typeof HandlebarsApi;
const HANDLEBARS_VERSION = (requireHere('handlebars/package.json') as { version: string }).version;

/** The templates shipped with the package, found relative to this module (works when installed globally). */
export const BUNDLED_TEMPLATES = path.resolve(here, '../../templates');

/**
 * Compiled templates are kept in dist/ by their text and compile options (only the built package
 * caches), so a build neither loads Handlebars' compiler nor spends its time compiling.
 */
const CACHE_DIR = path.basename(path.dirname(here)) === 'dist' ? path.join(here, '.template-cache') : undefined;

type TemplateSpec = Parameters<typeof HandlebarsApi.template>[0];

/**
 * Code made from a template, from the cache when it has it: `make` gives the body of a function of
 * `params`, which is run with `args`. Keyed by everything the code depends on (`key`): a changed
 * template is a new entry; a damaged entry is made again and replaced.
 */
function cachedCode<T>(key: string, make: () => string, params: string[], args: unknown[], valid: (value: unknown) => boolean): T {
  if (!CACHE_DIR) return new Function(...params, make())(...args) as T;
  const file = path.join(CACHE_DIR, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.js`);
  const cached = readIfFile(file);
  if (cached !== undefined) {
    try {
      const script = runCachedScript<T>(file, cached, params, args);
      if (valid(script.value)) {
        script.save();
        return script.value;
      }
    } catch {
      // made again below
    }
  }
  const code = make();
  mkdirSync(CACHE_DIR, { recursive: true });
  if (writeCacheFile(file, code)) dropCodeCache(file);
  return new Function(...params, code)(...args) as T;
}

const compiler = () => requireHere('handlebars') as typeof import('handlebars');

/** Handlebars' precompiled form of `text` (its template spec). */
function templateSpec(text: string, options: CompileOptions): TemplateSpec {
  const key = `${HANDLEBARS_VERSION}\0${JSON.stringify(options)}\0${LOCATIONS_DROPPED}\0${text}`;
  return cachedCode<TemplateSpec>(key, () => `return ${withoutLocations(String(compiler().precompile(text, options)))};`, [], [], (v) => typeof (v as { main?: unknown } | undefined)?.main === 'function');
}

/** Bumped when template-codegen.ts generates different code. */
const CODEGEN_VERSION = 2;

/**
 * The generated form of `text` (template-codegen.ts) as a factory of the runtime, or null when the
 * template is left to Handlebars (that verdict is cached too, so Handlebars' parser loads only for a
 * template the cache lacks).
 */
function generatedFactory(text: string, useData: boolean, pureHelpers: ReadonlySet<string>): ((rt: TemplateRuntime) => CompiledTemplate) | null {
  const helpers = [...pureHelpers].sort().join(',');
  const key = `codegen ${CODEGEN_VERSION}\0${HANDLEBARS_VERSION}\0${useData}\0${helpers}\0${text}`;
  const make = () => {
    const body = generateTemplate(compiler().parse(text) as never, useData, pureHelpers);
    return body === undefined ? 'return null;' : `return function (rt) {\n${body}\n};`;
  };
  return cachedCode(key, make, [], [], (v) => v === null || typeof v === 'function');
}

/**
 * Compiled templates pass every helper call an options object holding the call's source location, three
 * more objects per call that nothing reads (built-in helpers and netgen's name no location, and a
 * template error is reported by template): about a tenth of what a build allocates. They are left out.
 */
const LOCATION = /,"loc":\{"start":\{"line":\d+,"column":\d+\},"end":\{"line":\d+,"column":\d+\}\}/g;
const LOCATIONS_DROPPED = 'no-loc';
const withoutLocations = (code: string): string => code.replace(LOCATION, '');

interface CompileOptions {
  noEscape: true;
  strict: false;
  preventIndent: true;
  knownHelpers: Record<string, true>;
  knownHelpersOnly: true;
  data: boolean;
}

/** netgen's helpers, named for the syntax they quote: functions of their arguments only, which generated templates call directly. */
function pureHelpers(info: HeaderInfo): Record<string, (...args: unknown[]) => unknown> {
  // Every file starts with one of a few headers: made once per style, not once per file.
  const headers = new Map<CommentStyle, string>();
  return {
    header: (style: unknown) => {
      let text = headers.get(style as CommentStyle);
      if (text === undefined) headers.set(style as CommentStyle, (text = headerLines(style as CommentStyle, info)));
      return text;
    },
    sh: (v: unknown) => shellWord(v),
    unit: (v: unknown) => unitValue(v),
    nftstr: (v: unknown) => nftString(v),
    frrtext: (v: unknown) => frrText(v),
    vyos: (v: unknown) => vyosValue(v),
    comment: (v: unknown) => commentText(v),
    yesno: (v: unknown) => (v ? 'yes' : 'no'),
    join: (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ' ') : ''),
    eq: (a: unknown, b: unknown) => a === b,
    defined: (v: unknown) => v !== undefined && v !== null,
  };
}

const PURE_NAMES: ReadonlySet<string> = new Set(Object.keys(pureHelpers({ source: '' })));

/** A mustache that reads an @data variable. */
const USES_DATA = /\{\{[^}]*@/;

export interface HeaderInfo {
  source: string;
}

export type CommentStyle = '#' | '!' | '//' | ';' | 'xml' | 'md';

export function headerLines(style: CommentStyle, info: HeaderInfo): string {
  const lines = [`Generated by netgen from ${info.source}. Do not edit: changes are overwritten.`, 'Change the inventory (or a template overlay) and run `netgen build`.'];
  if (style === 'xml') return `<!-- ${lines.join(' ')} -->\n`;
  if (style === 'md') return `<!-- ${lines.join(' ')} -->\n`;
  return lines.map((l) => `${style} ${l}`).join('\n') + '\n';
}

/** The partials `text` includes by name ({{> netns/lib.sh.hbs}}). */
const partialNames = (text: string): string[] => [...text.matchAll(/\{\{>\s*([^\s}]+)/g)].map((m) => m[1]);

/** A template ready to render: generated code, or Handlebars' compiled template where codegen left it. */
type Ready = { generated: CompiledTemplate; usesData: boolean } | { handlebars: HandlebarsApi.TemplateDelegate };

/**
 * Compiles templates once per run, looking in overlay directories first (operators change one file
 * without forking), then in the bundled set. Helpers are few and named for the syntax they quote.
 * Templates run as generated code (template-codegen.ts); one that uses what the generator leaves to
 * Handlebars, or includes a partial that does, runs in Handlebars.
 */
export class TemplateEngine {
  private handlebarsEnv?: typeof HandlebarsApi;
  private readonly ready = new Map<string, Ready>();
  /** Functions of their arguments only: generated code calls them directly. */
  private readonly pure: Record<string, (...args: unknown[]) => unknown>;
  private readonly runtime: TemplateRuntime;

  constructor(
    private readonly overlays: string[] = [],
    private readonly header: HeaderInfo,
  ) {
    this.pure = pureHelpers(this.header);
    const access = handlebarsLookup();
    this.runtime = {
      lookup: access.lookup,
      nullContext: access.nullContext,
      helpers: this.pure,
      // What Handlebars passes a helper last (netgen's read none of it; `join` and `eq` see that it is no string or value).
      helperOptions: Object.fromEntries(Object.keys(this.pure).map((name) => [name, Object.freeze({ name, hash: Object.freeze({}) })])),
      partial: (name) => {
        const p = this.generatedPartial(name);
        if (!p) throw new Error(`The partial ${name} could not be found`);
        return p;
      },
    };
  }

  /**
   * Handlebars with netgen's helpers. Templates are compiled knowing every helper: a value is then looked
   * up in the context without first being tried as a helper, and an overlay calling a helper that does
   * not exist fails when compiled, not when rendered.
   */
  private get hb(): typeof HandlebarsApi {
    if (!this.handlebarsEnv) {
      this.handlebarsEnv = handlebarsRuntime().create();
      for (const [name, helper] of Object.entries(this.pure)) this.handlebarsEnv.registerHelper(name, helper);
    }
    return this.handlebarsEnv;
  }

  /** Absolute path of the template file that would be used for `name`. */
  resolvePath(name: string): string {
    for (const dir of this.overlays) {
      const p = path.join(dir, name);
      if (existsSync(p)) return p;
    }
    return path.join(BUNDLED_TEMPLATES, name);
  }

  private readonly texts = new Map<string, string>();

  private text(name: string): string {
    let text = this.texts.get(name);
    if (text === undefined) this.texts.set(name, (text = readFileSync(this.resolvePath(name), 'utf8')));
    return text;
  }

  private readonly dataUse = new Map<string, boolean>();

  /** Whether template `name`, or a partial it includes, reads @data (@index, @key, @root...). */
  private usesData(name: string): boolean {
    let uses = this.dataUse.get(name);
    if (uses !== undefined) return uses;
    this.dataUse.set(name, false); // a partial that includes itself ends here
    const text = this.text(name);
    uses = USES_DATA.test(text) || partialNames(text).some((p) => this.usesData(p));
    this.dataUse.set(name, uses);
    return uses;
  }

  /** Generated code of partial (or template) `name`, memoised; undefined when it is left to Handlebars. */
  private readonly generatedCode = new Map<string, CompiledTemplate | null>();

  private generatedPartial(name: string): CompiledTemplate | undefined {
    let code = this.generatedCode.get(name);
    if (code === undefined) {
      const factory = generatedFactory(this.text(name), this.usesData(name), PURE_NAMES);
      code = factory ? factory(this.runtime) : null;
      this.generatedCode.set(name, code);
    }
    return code ?? undefined;
  }

  /** Whether `name` and every partial it includes, transitively, have generated code. */
  private allGenerated(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return true;
    seen.add(name);
    return this.generatedPartial(name) !== undefined && partialNames(this.text(name)).every((p) => this.allGenerated(p, seen));
  }

  private template(name: string): Ready {
    let t = this.ready.get(name);
    if (!t) {
      t = this.allGenerated(name) ? { generated: this.generatedPartial(name)!, usesData: this.usesData(name) } : { handlebars: this.handlebars(name) };
      this.ready.set(name, t);
    }
    return t;
  }

  private readonly registered = new Set<string>();

  /** Template `name` compiled by Handlebars, with the partials it includes registered the same way. */
  private handlebars(name: string): HandlebarsApi.TemplateDelegate {
    const text = this.text(name);
    for (const p of partialNames(text)) {
      if (this.registered.has(p)) continue;
      this.registered.add(p);
      this.hb.registerPartial(p, this.handlebars(p));
    }
    // noEscape: these are config files, not HTML; each value is quoted by the helper for its syntax.
    // Without @data, blocks need no data frames.
    const options: CompileOptions = { noEscape: true, strict: false, preventIndent: true, knownHelpers: Object.fromEntries(Object.keys(this.hb.helpers).map((helper) => [helper, true])), knownHelpersOnly: true, data: this.usesData(name) };
    return this.hb.template(templateSpec(text, options));
  }

  /** Whether `name` runs as generated code (tests hold every bundled template to it). */
  isGenerated(name: string): boolean {
    return 'generated' in this.template(name);
  }

  /** The same template rendered by Handlebars itself (tests compare the two). */
  renderAsHandlebars(name: string, context: object): string {
    return this.handlebars(name)(context);
  }

  render(name: string, context: object): string {
    const t = this.template(name);
    if ('handlebars' in t) return t.handlebars(context);
    // As a top-level Handlebars call would: @data starts as a frame holding @root (its initData).
    return t.generated(context, t.usesData ? { root: context } : undefined);
  }
}
