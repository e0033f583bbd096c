import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/pipeline/compile.js';
import { planGlobal, planHost, sharedPlanInput } from '../../src/plan/plan.js';
import { emitters } from '../../src/render/emitters/index.js';
import { TemplateEngine } from '../../src/render/engine.js';
import { EXAMPLES, inventoryPath } from '../helpers/paths.js';

/**
 * The engine calls compiled templates the way Handlebars calls partials, with helpers and policy made
 * once (render/template-call.ts). Every template must render exactly as Handlebars' own call renders it.
 */
describe('direct template calls', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-call-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(EXAMPLES)('render every bundled template of %s as Handlebars does', async (example) => {
    const r = await compile(inventoryPath(example), { validateOnly: true });
    const model = r.model!;
    const engine = new TemplateEngine([], { source: 'x.yaml' });
    const shared = sharedPlanInput(model, emitters);
    const planned = [...model.hosts.flatMap((h) => planHost(h, shared, emitters)), ...planGlobal(model, emitters)].filter((p) => p.template);
    expect(planned.length).toBeGreaterThan(10);
    for (const p of planned) expect(engine.render(p.template!, p.context ?? {}), `${p.path} (${p.template})`).toBe(engine.renderAsHandlebars(p.template!, p.context ?? {}));
  });

  it('renders what overlays may use as Handlebars does: @data, parents, lookup, partials, else branches, denied prototype access', () => {
    const dir = path.join(tmp, 'overlay');
    mkdirSync(path.join(dir, 'x'), { recursive: true });
    writeFileSync(path.join(dir, 'x/part.hbs'), '[{{@index}}:{{name}}{{#if @first}} first{{/if}}{{#if @last}} last{{/if}} root={{@root.title}}]');
    writeFileSync(
      path.join(dir, 'x/all.hbs'),
      [
        '{{header "#"}}{{title}}',
        '{{#each items}}{{> x/part.hbs}} {{lookup ../labels @index}} {{../title}}',
        '{{else}}none',
        '{{/each}}',
        '{{#each map}}{{@key}}={{this}};{{/each}}',
        '{{#with nested}}{{inner}}{{/with}}{{#unless missing}} no-missing{{/unless}}',
        '{{#each empty}}x{{else}}empty{{/each}}',
        '{{sh word}} {{join list ","}} {{#if (eq a b)}}eq{{else}}ne{{/if}} {{yesno flag}}',
        '{{constructor}}|{{lookup this "constructor"}}|{{lookup nested "__proto__"}}|{{lookup nested "toString"}}',
      ].join('\n'),
    );
    const engine = new TemplateEngine([dir], { source: 'x.yaml' });
    const contexts = [
      { title: 'T', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], labels: ['l0', 'l1', 'l2'], map: { k1: 1, k2: 'two' }, nested: { inner: 'in' }, empty: [], word: "it's", list: [1, 2], a: 1, b: 1, flag: true },
      { title: 'U', items: [], labels: [], map: {}, nested: null, empty: [], word: '', list: [], a: 1, b: 2, flag: false, missing: 'yes' },
    ];
    for (const c of contexts) {
      const direct = engine.render('x/all.hbs', c);
      expect(direct).toBe(engine.renderAsHandlebars('x/all.hbs', c));
      expect(direct).toContain(c.title);
    }
    expect(engine.render('x/all.hbs', contexts[0])).toContain('[0:a first root=T] l0 T');
  });
});
