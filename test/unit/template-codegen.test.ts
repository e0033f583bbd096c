import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/pipeline/compile.js';
import { planGlobal, planHost, sharedPlanInput } from '../../src/plan/plan.js';
import { emitters } from '../../src/render/emitters/index.js';
import { BUNDLED_TEMPLATES, TemplateEngine } from '../../src/render/engine.js';
import { generateTemplate } from '../../src/render/template-codegen.js';
import { EXAMPLES, inventoryPath } from '../helpers/paths.js';

/**
 * Templates run as generated code (render/template-codegen.ts), and Handlebars renders those the
 * generator leaves to it. Both must give exactly what Handlebars gives: the bundled templates on every
 * example's contexts, what overlays may write, and random templates on random data.
 */
describe('generated templates', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-codegen-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('generates every bundled template', () => {
    const engine = new TemplateEngine([], { source: 'x.yaml' });
    const names = readdirSync(BUNDLED_TEMPLATES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs'));
    expect(names.length).toBeGreaterThan(25);
    for (const name of names) expect(engine.isGenerated(name), name).toBe(true);
  });

  it.each(EXAMPLES)('renders every bundled template of %s as Handlebars does', async (example) => {
    const r = await compile(inventoryPath(example), { validateOnly: true });
    const model = r.model!;
    const engine = new TemplateEngine([], { source: 'x.yaml' });
    const shared = sharedPlanInput(model, emitters);
    const planned = [...model.hosts.flatMap((h) => planHost(h, shared, emitters)), ...planGlobal(model, emitters)].filter((p) => p.template);
    expect(planned.length).toBeGreaterThan(10);
    for (const p of planned) expect(engine.render(p.template!, p.context ?? {}), `${p.path} (${p.template})`).toBe(engine.renderAsHandlebars(p.template!, p.context ?? {}));
  });

  const overlay = (name: string, files: Record<string, string>) => {
    const dir = path.join(tmp, name);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return new TemplateEngine([dir], { source: 'x.yaml' });
  };

  const contexts = [
    { title: 'T', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], labels: ['l0', 'l1', 'l2'], map: { k1: 1, k2: 'two' }, nested: { inner: 'in' }, empty: [], word: "it's", list: [1, 2], a: 1, b: 1, flag: true },
    { title: 'U', items: [], labels: [], map: {}, nested: null, empty: [], word: '', list: [], a: 1, b: 2, flag: false, missing: 'yes' },
    { title: 0, items: [null, 0, '', { name: [] }], labels: null, map: new Map([['m', 1]]), nested: 0, empty: [,], word: null, list: 'x', a: undefined, b: undefined, flag: () => 'lambda' },
  ];

  it('generates what overlays may use, and renders it as Handlebars does: @data, parents, partials, else branches, lambdas, denied prototype access', () => {
    const engine = overlay('generated', {
      'x/part.hbs': '[{{@index}}:{{name}}{{#if @first}} first{{/if}}{{#if @last}} last{{/if}} root={{@root.title}} up={{../title}}]',
      'x/all.hbs': [
        '{{header "#"}}{{title}}',
        '{{#each items}}{{> x/part.hbs}} {{../title}} {{#with ../nested}}{{inner}}{{../../title}}{{/with}}',
        '{{else}}none',
        '{{/each}}',
        '  {{> x/part.hbs nested}}',
        '{{#each map}}{{@key}}={{this}}{{#unless @last}};{{/unless}}{{/each}}',
        '{{#with nested}}{{inner}}{{else}}no nested{{/with}}{{#unless missing}} no-missing{{/unless}}',
        '{{#each empty}}x{{else}}empty{{/each}}{{#if flag}}flag{{else if a}}a{{else}}neither{{/if}}',
        '{{sh word}} {{join list ","}} {{join list}} {{#if (eq a b)}}eq{{else}}ne{{/if}} {{yesno flag}} {{eq a}}',
        '{{constructor}}|{{nested.constructor}}|{{items.length}}|{{this.title}}|{{flag}}',
        '{{!-- a comment --}}{{{title}}} {{&word}}',
      ].join('\n'),
    });
    expect(engine.isGenerated('x/all.hbs')).toBe(true);
    for (const c of contexts) expect(engine.render('x/all.hbs', c)).toBe(engine.renderAsHandlebars('x/all.hbs', c));
    expect(engine.render('x/all.hbs', contexts[0])).toContain('[0:a first root=T up=] T inT\n[1:b root=T up=] T inT');
    expect(engine.render('x/all.hbs', contexts[0])).toContain('k1=1;k2=two');
  });

  it('leaves to Handlebars what it does not generate, with the same output', () => {
    const engine = overlay('handlebars', {
      'y/part.hbs': '{{#each items as |item i|}}{{i}}={{item.name}} {{/each}}',
      'y/uses-part.hbs': '{{title}}: {{> y/part.hbs}}',
      'y/lookup.hbs': '{{#each items}}{{lookup ../labels @index}} {{/each}}{{lookup this "constructor"}}|{{lookup nested "toString"}}',
      'y/hash.hbs': '{{#if title includeZero=true}}zero or more{{/if}}',
    });
    for (const name of ['y/part.hbs', 'y/uses-part.hbs', 'y/lookup.hbs', 'y/hash.hbs']) {
      expect(engine.isGenerated(name), name).toBe(false);
      for (const c of contexts) expect(engine.render(name, c), name).toBe(engine.renderAsHandlebars(name, c));
    }
  });

  it('fails on a missing partial, naming it', () => {
    const engine = overlay('missing', { 'z/all.hbs': 'a {{> z/none.hbs}}' });
    expect(() => engine.renderAsHandlebars('z/all.hbs', {})).toThrow(/z\/none\.hbs/);
    expect(() => engine.render('z/all.hbs', {})).toThrow(/z\/none\.hbs/);
  });

  // Random templates over the constructs the generator takes, on random data: the same text as Handlebars.
  const key = fc.constantFrom('a', 'b', 'list', 'obj', 'n', 'this', '../a', '../list', 'obj.a', 'obj.list', 'list.length', 'constructor');
  const dataKey = fc.constantFrom('@index', '@key', '@first', '@last', '@root.a', '@root.obj.a');
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.constant(undefined), fc.boolean(), fc.integer({ min: -1, max: 2 }), fc.constantFrom('', 'x', 'y z'), fc.array(tie('v'), { maxLength: 3 }), fc.record({ a: tie('v'), list: tie('v'), n: tie('v') }, { requiredKeys: [] })),
  })).v;
  const context = fc.record({ a: value, b: value, list: value, obj: value, n: value }, { requiredKeys: [] });
  const expr = fc.oneof(key, fc.constantFrom('"s"', '0', 'true', 'null'), key.map((k) => `(eq ${k} a)`), key.map((k) => `(defined ${k})`));
  const template: fc.Arbitrary<string> = fc.letrec((tie) => ({
    t: fc.array(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('text ', '\n', '  '),
        key.map((k) => `{{${k}}}`),
        fc.tuple(fc.constantFrom('sh', 'join', 'yesno', 'unit', 'comment'), expr).map(([h, e]) => `{{${h} ${e}}}`),
        dataKey.map((k) => `{{${k}}}`),
        fc.tuple(fc.constantFrom('if', 'unless', 'each', 'with'), expr, tie('t'), fc.option(tie('t'), { nil: undefined })).map(([h, e, yes, no]) => `{{#${h} ${e}}}${yes}${no === undefined ? '' : `{{else}}${no}`}{{/${h}}}`),
        fc.tuple(expr, tie('t'), expr, tie('t')).map(([e1, yes, e2, no]) => `{{#if ${e1}}}${yes}{{else if ${e2}}}${no}{{/if}}`),
        fc.tuple(fc.constantFrom('if', 'each'), expr, tie('t')).map(([h, e, body]) => `\n  {{#${h} ${e}}}\n${body}\n  {{/${h}}}\n`),
      ),
      { maxLength: 5 },
    ).map((parts) => parts.join('')),
  })).t;

  it('renders random templates on random data as Handlebars does', () => {
    const runtime = new TemplateEngine([], { source: 'x.yaml' }) as unknown as { runtime: Parameters<ReturnType<typeof factoryOf>>[0] };
    fc.assert(
      fc.property(template, context, (text, data) => {
        const hb = Handlebars.create();
        for (const [name, helper] of Object.entries(runtime.runtime.helpers)) hb.registerHelper(name, helper as Handlebars.HelperDelegate);
        const knownHelpers = Object.fromEntries(Object.keys(hb.helpers).map((n) => [n, true]));
        let expected: string;
        try {
          expected = hb.compile(text, { noEscape: true, preventIndent: true, knownHelpers, knownHelpersOnly: true, data: true })(data);
        } catch {
          return; // where Handlebars fails (template-codegen.ts says when), the generated code may render
        }
        const generated = factoryOf(text);
        expect(generated, text).toBeDefined();
        expect(generated!(runtime.runtime)(data, { root: data }), text).toBe(expected);
      }),
      { numRuns: Number(process.env.CODEGEN_RUNS ?? 3000) },
    );
  });
});

function factoryOf(text: string) {
  const body = generateTemplate(Handlebars.parse(text) as never, true, new Set(['header', 'sh', 'unit', 'nftstr', 'frrtext', 'vyos', 'comment', 'yesno', 'join', 'eq', 'defined']));
  return body === undefined ? undefined : (new Function('rt', body) as (rt: never) => (c: unknown, d: unknown) => string);
}
