/**
 * Handlebars templates compiled to plain JavaScript. Handlebars' own compiled code makes, for every
 * `{{#if}}` and `{{#each}}`, an options object, a hash object and a program wrapper, and reaches each
 * helper through a property lookup and `.call`: with netgen's templates (dozens of optional sections per
 * unit, most of them empty) that was four fifths of rendering. This module takes the template's AST from
 * Handlebars' own parser (so whitespace control and standalone lines are Handlebars'), and writes for the
 * constructs netgen's templates use an equivalent function that appends to one string: `if`, `unless`,
 * `each` and `with` blocks with `else` (and `else if`) branches, paths (`this`, `../`, `@index`, `@root`
 * and the like), literals, calls of the engine's pure helpers and sub-expressions of them, and static
 * partials. Their semantics are Handlebars' (4.7, with the options netgen compiles with: noEscape,
 * knownHelpersOnly, preventIndent): truthiness as `if` decides it, `each` over arrays, iterables and
 * objects with @index, @key, @first and @last, lambdas, prototype access as its lookups allow it,
 * depths and null contexts as its program wrappers make them. Where Handlebars throws (its depth
 * comparison on an object without a primitive value, e.g. one made by Object.create(null)), the
 * generated code may render instead.
 *
 * Anything else (hash arguments, block parameters, decorators, partial blocks, dynamic partials, other
 * helpers) makes `generateTemplate` return undefined, and the engine renders that template with
 * Handlebars itself. test/unit/template-codegen.test.ts holds the two to the same output.
 */

/** The parts of Handlebars' AST read here (handlebars/types: hbs.AST). */
interface Node {
  type: string;
}
interface Program extends Node {
  body: Node[];
  blockParams?: string[];
}
interface Path extends Node {
  type: 'PathExpression';
  data: boolean;
  depth: number;
  parts: string[];
  original: string;
}
interface Literal extends Node {
  value: unknown;
}
interface Call extends Node {
  path: Node;
  params: Node[];
  hash?: Node;
}
interface Block extends Call {
  program?: Program;
  inverse?: Program;
}
interface Partial extends Node {
  name: Node;
  params: Node[];
  hash?: Node;
  indent?: string;
}

/** What the generated code is given: the same functions for every template of an engine (engine.ts). */
export interface TemplateRuntime {
  /** Handlebars' lookupProperty, with its prototype-access policy. */
  lookup(parent: unknown, name: string): unknown;
  /** Handlebars' `nullContext`: what blocks see as `this` where the context is null or undefined. */
  nullContext: object;
  /** The pure helpers by name: functions of their arguments only, which read neither `this` nor options. */
  helpers: Record<string, (...args: unknown[]) => unknown>;
  /** What a pure helper gets as its last argument: the same frozen object per helper. */
  helperOptions: Record<string, object>;
  /** A compiled partial by name (engine.ts resolves overlays). */
  partial(name: string): CompiledTemplate;
}

/** A generated template: the context, and the @data frame (undefined unless the template reads @data). */
export type CompiledTemplate = (context: unknown, data?: unknown) => string;

/** Block helpers that are generated inline; Handlebars' own implement the same. */
const INLINE_BLOCKS = new Set(['if', 'unless', 'each', 'with']);

/** Whether a path is what Handlebars calls a simple id: one part, not `this.`-scoped, no `../`. */
function simpleId(p: Path): boolean {
  return p.parts.length === 1 && !/^\.|this\b/.test(p.original) && !p.depth;
}

/** Thrown inside the generator for a construct it leaves to Handlebars. */
class Unsupported extends Error {}

const unsupported = (what: string): never => {
  throw new Unsupported(what);
};

/**
 * Where generated code runs: one function per program (a template, a block's body, an `else`), with
 * parameters `c` (its context), `d` (its @data frame) and `ds` (the parent contexts, where Handlebars
 * gives them), adding its pieces up in `o`.
 */
interface Scope {
  /** Whether the program passes its depths on to its blocks: it, or a block within it, reads `../`. */
  passDepths: boolean;
  pieces: number;
}

/**
 * The body of a function `(rt) => CompiledTemplate` for `ast` (Handlebars.parse of the template), or
 * undefined when the template uses something this generator leaves to Handlebars.
 * `useData`: the template or a partial it includes reads @data (the engine's compile option `data`).
 * `pureHelpers`: the helpers that may be called directly (with any other known helper the template is left to Handlebars).
 */
export function generateTemplate(ast: Program, useData: boolean, pureHelpers: ReadonlySet<string>): string | undefined {
  try {
    return new Generator(useData, pureHelpers).module(ast);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/**
 * Whether a path in `node` climbs to a parent context (`../`). Handlebars gives a program whose blocks
 * need them the list of parent contexts (depths), and each block it calls then compares its context with
 * the list's first when it starts (with `!=`, which can throw on an object without a primitive value).
 */
function usesDepths(node: unknown, known = new WeakMap<object, boolean>()): boolean {
  if (node === null || typeof node !== 'object') return false;
  const cached = known.get(node);
  if (cached !== undefined) return cached;
  let uses = (node as Node).type === 'PathExpression' && (node as Path).depth > 0;
  for (const [key, value] of Object.entries(node)) {
    if (uses) break;
    if (key !== 'loc') uses = Array.isArray(value) ? value.some((v) => usesDepths(v, known)) : usesDepths(value, known);
  }
  known.set(node, uses);
  return uses;
}

/** The generated code's own helpers, written once per template. */
const PRELUDE = [
  '"use strict";',
  'const NC = rt.nullContext, H = rt.helpers, HO = rt.helperOptions, slow = rt.lookup, own = Object.prototype.hasOwnProperty;',
  // Handlebars' lookupProperty: own properties as they are (but a prototype's constructor), else its policy.
  'const lk = (o, k) => { const r = o[k]; if (r == null) return r; if (own.call(o, k) && !(k === "constructor" && typeof r === "function" && o === r.prototype)) return r; return slow(o, k); };',
  // A path's next part, as Handlebars reads one: from the context (stopping at null) or @data (stopping at falsy).
  'const get = (v, k) => (v != null ? lk(v, k) : v);',
  'const dget = (v, k) => v && lk(v, k);',
  'const lam = (v, self) => (typeof v === "function" ? v.call(self) : v);',
  'const al = (c) => (c != null ? c : NC);',
  'const truthy = (v) => !(!v || (Array.isArray(v) && v.length === 0));',
  'const nil = (v) => (v != null ? v : "");',
  // Handlebars' program wrapper: a block's context is pushed onto the depths unless it is the one on
  // top (by `!=`, which throws for an object without a primitive value: Handlebars then fails).
  'const differs = (a, b) => { try { return a != b; } catch { return true; } };',
  'const push = (c, ds) => (differs(c, ds[0]) && !(c === NC && ds[0] === null) ? [c].concat(ds) : ds);',
  'const frame = (d) => (d ? Object.assign({}, d, { _parent: d }) : undefined);',
  'const up = (d, n) => { while (d && n--) d = d._parent; return d; };',
].join('\n');

class Generator {
  private names = 0;
  /** The functions of the programs, each written whole before the next begins. */
  private readonly functions: string[] = [];
  private readonly depthUse = new WeakMap<object, boolean>();

  constructor(
    private readonly useData: boolean,
    private readonly pureHelpers: ReadonlySet<string>,
  ) {}

  private usesDepths(p: Program | undefined): boolean {
    return p !== undefined && usesDepths(p, this.depthUse);
  }

  module(ast: Program): string {
    const main = this.program(ast, true);
    return `${PRELUDE}\n${this.functions.join('\n')}\nreturn function template(c0, d0) {\nreturn "" + ${main}(c0, d0, ${this.usesDepths(ast) ? '[c0]' : 'undefined'});\n};`;
  }

  /**
   * Writes a program's function and returns its name. Handlebars compiles a program to one `+` chain of
   * its pieces (`return "a" + (x) + (y);`), a sum where its first two pieces are numbers (`{{a}}{{b}}`
   * with 1 and 2 renders 3): the function adds them up the same way, left to right; a program without
   * pieces is "". A block's program pushes its context onto the depths it is given (Handlebars' program
   * wrapper), where it reads them; the template's own program starts them.
   */
  private program(p: Program, isMain = false): string {
    if (p.blockParams?.length) unsupported('block parameters');
    const name = `p${++this.names}`;
    const scope: Scope = { passDepths: this.usesDepths(p), pieces: 0 };
    const lines: string[] = [];
    if (scope.passDepths && !isMain) lines.push('ds = push(c, ds);');
    lines.push('let o = "";');
    for (const statement of p.body) this.statement(statement, scope, lines);
    lines.push('return o;');
    this.functions.push(`function ${name}(c, d, ds) {\n${lines.join('\n')}\n}`);
    return name;
  }

  /** Adds a piece to the program's value: the first piece is the value, the others are added to it. */
  private piece(scope: Scope, lines: string[], expression: string): void {
    lines.push(scope.pieces++ === 0 ? `o = ${expression};` : `o += ${expression};`);
  }

  private statement(n: Node, scope: Scope, lines: string[]): void {
    switch (n.type) {
      case 'ContentStatement': {
        const value = (n as Literal).value as string;
        if (value) this.piece(scope, lines, JSON.stringify(value));
        return;
      }
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        this.piece(scope, lines, `nil(${this.mustacheValue(n as Call)})`);
        return;
      case 'BlockStatement':
        this.block(n as Block, scope, lines);
        return;
      case 'PartialStatement':
        this.partial(n as Partial, scope, lines);
        return;
      default:
        unsupported(n.type);
    }
  }

  /** A mustache's value: a known helper's result, or a looked-up value (called when it is a function). */
  private mustacheValue(m: Call): string {
    if (m.hash) unsupported('hash arguments');
    if (m.path.type !== 'PathExpression') unsupported('a literal as a mustache');
    const p = m.path as Path;
    if (m.params.length > 0 || (simpleId(p) && this.isKnownHelper(p.parts[0]))) return this.helperCall(m);
    return `lam(${this.pathValue(p)}, c)`;
  }

  /** Names Handlebars treats as helpers (knownHelpers: netgen's and its own). */
  private isKnownHelper(name: string): boolean {
    return this.pureHelpers.has(name) || INLINE_BLOCKS.has(name) || ['lookup', 'log', 'helperMissing', 'blockHelperMissing'].includes(name);
  }

  /** A call of a pure helper (a mustache or a sub-expression): its params, then its options object. */
  private helperCall(call: Call): string {
    if (call.hash) unsupported('hash arguments');
    const p = call.path as Path;
    if (p.type !== 'PathExpression' || !simpleId(p) || p.data) unsupported('a helper path');
    const name = p.parts[0];
    if (!this.pureHelpers.has(name)) unsupported(`helper ${name}`);
    const args = call.params.map((param) => this.param(param));
    return `H[${JSON.stringify(name)}](${[...args, `HO[${JSON.stringify(name)}]`].join(', ')})`;
  }

  /** A helper's or block's argument: a path (not called when a function), a literal or a sub-expression. */
  private param(n: Node): string {
    switch (n.type) {
      case 'PathExpression':
        return this.pathValue(n as Path);
      case 'SubExpression':
        return this.helperCall(n as Call);
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
        return JSON.stringify((n as Literal).value);
      case 'UndefinedLiteral':
        return 'undefined';
      case 'NullLiteral':
        return 'null';
      default:
        return unsupported(n.type);
    }
  }

  /** A path's value as Handlebars looks it up: from the context (or a parent's), or from @data. */
  private pathValue(p: Path): string {
    if (p.data) {
      if (!this.useData) unsupported('@data without data frames');
      return p.parts.reduce((value, part) => `dget(${value}, ${JSON.stringify(part)})`, p.depth ? `up(d, ${p.depth})` : 'd');
    }
    return p.parts.reduce((value, part) => `get(${value}, ${JSON.stringify(part)})`, p.depth ? `ds[${p.depth}]` : 'c');
  }

  /** A program's value called with `context` and `data`, or "" for a block without one (Handlebars' noop). */
  private call(p: Program | undefined, context: string, data: string, scope: Scope): string {
    return p ? `${this.program(p)}(${context}, ${data}, ${scope.passDepths ? 'ds' : 'undefined'})` : '""';
  }

  private block(b: Block, scope: Scope, lines: string[]): void {
    const p = b.path as Path;
    if (p.type !== 'PathExpression' || !simpleId(p) || p.data || !INLINE_BLOCKS.has(p.parts[0])) unsupported('a block helper');
    if (b.hash) unsupported('hash arguments');
    if (b.params.length !== 1) unsupported('a block helper without exactly one argument');
    // Handlebars calls the helper with the context (or the null context in its place) as `this`; a
    // function argument is called with it, and `if` and `with` run their `else` with it.
    const arg = `lam(${this.param(b.params[0])}, al(c))`;
    switch (p.parts[0]) {
      case 'if':
        this.piece(scope, lines, `(truthy(${arg}) ? ${this.call(b.program, 'al(c)', 'd', scope)} : ${this.call(b.inverse, 'al(c)', 'd', scope)})`);
        return;
      case 'unless':
        this.piece(scope, lines, `(truthy(${arg}) ? ${this.call(b.inverse, 'al(c)', 'd', scope)} : ${this.call(b.program, 'al(c)', 'd', scope)})`);
        return;
      case 'with': {
        const v = `w${++this.names}`;
        lines.push(`const ${v} = ${arg};`);
        this.piece(scope, lines, `(${v} === 0 || truthy(${v}) ? ${this.call(b.program, v, 'd', scope)} : ${this.call(b.inverse, 'al(c)', 'd', scope)})`);
        return;
      }
      default:
        this.each(b, arg, scope, lines);
    }
  }

  /**
   * Handlebars' `each`: arrays (holes skipped, but counted: a sparse array is not empty), iterables, then
   * objects by their own keys, adding up "" and each iteration's value; the `else` branch when there was
   * nothing to iterate. With @data, one frame per block, its key, index, first and last set per item.
   */
  private each(b: Block, arg: string, scope: Scope, lines: string[]): void {
    const n = ++this.names;
    const [list, result, count, f] = [`l${n}`, `r${n}`, `n${n}`, this.useData ? `f${n}` : ''];
    const body = this.program(b.program!);
    const ds = scope.passDepths ? 'ds' : 'undefined';
    lines.push(`const ${list} = ${arg};`, `let ${result} = "", ${count} = 0;`);
    if (f) lines.push(`const ${f} = frame(d);`);
    const loop = (items: string, key: (i: string) => string, value: (i: string) => string, skipHoles: boolean) => {
      lines.push(`for (let i = 0; i < ${items}.length; i++) {`);
      if (skipHoles) lines.push(`if (!(i in ${items})) continue;`);
      if (f) lines.push(`if (${f}) { ${f}.key = ${key('i')}; ${f}.index = i; ${f}.first = i === 0; ${f}.last = i === ${items}.length - 1; }`);
      lines.push(`${result} = ${result} + ${body}(${value('i')}, ${f ? `${f} || d` : 'd'}, ${ds});`, '}', `${count} = ${items}.length;`);
    };
    lines.push(`if (${list} && typeof ${list} === "object") {`, `if (Array.isArray(${list})) {`);
    loop(list, (i) => i, (i) => `${list}[${i}]`, true);
    lines.push(`} else if (${list}[Symbol.iterator]) {`, `const items = Array.from(${list});`);
    loop('items', (i) => i, (i) => `items[${i}]`, false);
    lines.push('} else {', `const keys = Object.keys(${list});`);
    loop('keys', (i) => `keys[${i}]`, (i) => `${list}[keys[${i}]]`, false);
    lines.push('}', '}');
    lines.push(`if (${count} === 0) ${result} = ${this.call(b.inverse, 'al(c)', 'd', scope)};`);
    this.piece(scope, lines, result);
  }

  /** A static partial with at most a context argument; indentation is content, as with preventIndent. */
  private partial(n: Partial, scope: Scope, lines: string[]): void {
    if (n.type !== 'PartialStatement' || n.hash || n.params.length > 1) unsupported('a partial with arguments');
    if (n.name.type !== 'PathExpression') unsupported('a dynamic partial');
    if (n.indent) this.piece(scope, lines, JSON.stringify(n.indent));
    const context = n.params.length ? this.param(n.params[0]) : 'c';
    this.piece(scope, lines, `nil(rt.partial(${JSON.stringify((n.name as Path).original)})(${context}, ${this.useData ? 'd' : 'undefined'}))`);
  }
}
