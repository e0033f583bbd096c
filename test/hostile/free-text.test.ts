import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryPath } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';
import { privateCli } from '../faults/app.js';
import { isScript, judgeScripts, judgeSlow, readManifest, type ManifestFile } from './judges.js';

/**
 * Descriptions are free text and reach artifacts of every target. Arbitrary strings go into EVERY
 * `description` the schema allows in an inventory that has every target (found by walking the JSON
 * Schema alongside the data, so fields added later are covered too). Then:
 *  - the build succeeds;
 *  - every artifact differs from a baseline build (description = an alphanumeric placeholder) only
 *    where the placeholder was, and there only by the placeholder's quoted form becoming the string's
 *    quoted form (shell word, VyOS value, nft string, unit value, FRR text, comment) — so no new
 *    command, line, section or statement can appear;
 *  - bash -n and shellcheck accept every script (every run), and on a sample of runs
 *    networkd-check, nft -c, vtysh --dryrun, vyos-check and dnsmasq --test accept their files.
 */
const RUNS = 50;
const SLOW_EVERY = 4; // slow judges on runs 0, 4, 8, ...: 13 of 50
const BASES = ['proxmox-vyos-ceph', 'stretched-sites'] as const;
const PLACEHOLDER = 'QQngtDESCqq';
const TEXT_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';

type Json = Record<string, unknown>;

/** Sets `description` on every object whose schema accepts free text there. */
function injectDescriptions(schema: Json, data: unknown, text: string): number {
  if (!data || typeof data !== 'object') return 0;
  let n = 0;
  if (Array.isArray(data)) {
    const items = schema.items as Json | undefined;
    if (items) for (const d of data) n += injectDescriptions(items, d, text);
    return n;
  }
  const obj = data as Json;
  const props = (schema.properties ?? {}) as Record<string, Json>;
  if ((props.description?.pattern as string | undefined) === TEXT_PATTERN) {
    obj.description = text;
    n++;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'description') continue;
    const sub = props[k] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Json) : undefined);
    if (sub) n += injectDescriptions(sub, v, text);
  }
  return n;
}

/** An existing presence written as `tenant:` (null) gets an empty mapping so it can be walked. */
function materialise(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(materialise);
  if (data && typeof data === 'object') return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, materialise(v)]));
  return data;
}

const hostile = fc.constantFrom('$(reboot)', '`id`', ';', '"', "'", '\\', '#', '!', '%', '%i', '%n', '$', '${HOME}', '&&', '|', '>', '<', '*', '{', '}', '[', ']', ' ', '\u0430', '\u20ac', '\u{1F600}', '\u200b', '\u00a0', 'rm -rf /', '\\n', '"; reboot; "', "'; reboot; '", '[Match]', 'Name=*', '!', 'exit', '--', '-');
const freeText = fc
  .tuple(fc.array(fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 4 }), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 10 }), fc.boolean())
  .map(([parts, trailingBackslash]) => parts.join('') + (trailingBackslash ? '\\' : ''))
  .filter((s) => new RegExp(TEXT_PATTERN, 'u').test(s) && [...s].length <= 200 && s.length > 0);

describe.each(BASES)('free text in every description of %s', (base) => {
  let tmp: string;
  let cli: string;
  let schema: Json;
  let data: Json;
  let quoters: Array<(v: unknown) => string>;
  let baseline: Map<string, string>;
  let nftNs: string;

  const build = (text: string, tag: string) => {
    const dir = path.join(tmp, tag);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const copy = JSON.parse(JSON.stringify(data)) as Json;
    const count = injectDescriptions(schema, copy, text);
    const inv = path.join(dir, `${base}.yaml`);
    writeFileSync(inv, stringify(copy));
    const lock = inventoryPath(base).replace(/\.yaml$/, '.lock.yaml');
    if (existsSync(lock)) copyFileSync(lock, inv.replace(/\.yaml$/, '.lock.yaml'));
    const out = path.join(dir, 'out');
    const r = run('node', [cli, 'build', inv, '-o', out, '--quiet', '--no-color']);
    return { r, out, count };
  };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `ngt-prop-text-${process.pid}-`));
    cli = privateCli(tmp);
    const dist = path.join(path.dirname(cli), '../dist');
    schema = ((await import(path.join(dist, 'schema/json.js'))) as { inventorySchemaJson(): Json }).inventorySchemaJson();
    const q = (await import(path.join(dist, 'render/quote.js'))) as Record<string, (v: unknown) => string>;
    quoters = Object.values(q).filter((f) => typeof f === 'function');
    data = materialise(parse(readFileSync(inventoryPath(base), 'utf8'))) as Json;
    const b = build(PLACEHOLDER, 'baseline');
    expect(b.r.status, b.r.stderr).toBe(0);
    expect(b.count).toBeGreaterThan(10);
    baseline = new Map(readManifest(b.out).map((f) => [f.path, readFileSync(path.join(b.out, f.path), 'utf8')]));
    requireRoot();
    nftNs = `ngt-prop-${process.pid}-${base.slice(0, 8)}`;
    expect(run('ip', ['netns', 'add', nftNs]).status).toBe(0);
  });
  afterAll(() => {
    // nft may still hold the namespace for a moment: retry until it is gone.
    for (let i = 0; nftNs && i < 20 && run('ip', ['netns', 'del', nftNs]).status !== 0 && run('ip', ['netns', 'list']).stdout.includes(nftNs); i++) run('sleep', ['0.1']);
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Each line equals the baseline line, or the baseline line with the placeholder's quoted form replaced by the text's. */
  function onlyQuotedTextChanged(rel: string, got: string, text: string): string | undefined {
    const want = baseline.get(rel);
    if (want === undefined) return `${rel}: not in the baseline build`;
    const a = want.split('\n');
    const b = got.split('\n');
    if (a.length !== b.length) return `${rel}: ${b.length} lines instead of ${a.length} (the text added or removed lines)`;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (!a[i].includes(PLACEHOLDER)) return `${rel}:${i + 1}: changed a line without a description: ${JSON.stringify(b[i])}`;
      // The placeholder alone in its quoted form, or inside a longer quoted string that the emitter
      // composed ("ceph01 nat[0]: TEXT") and quoted as a whole.
      const composite = [/"([^"]*)"/g, /'([^']*)'/g].flatMap((re) => [...a[i].matchAll(re)].filter((m) => m[1].includes(PLACEHOLDER)));
      const ok =
        quoters.some((q) => a[i].split(q(PLACEHOLDER)).join(q(text)) === b[i]) ||
        composite.some((m) => quoters.some((q) => a[i].replace(m[0], () => q(m[1].split(PLACEHOLDER).join(text))) === b[i]));
      if (!ok) return `${rel}:${i + 1}: the text is not in one quoted form:\n  baseline ${JSON.stringify(a[i])}\n  got      ${JSON.stringify(b[i])}`;
    }
    return undefined;
  }

  it(`${RUNS} generated strings land safely (slow judges on every ${SLOW_EVERY}th)`, () => {
    requireTool('shellcheck', 'shellcheck');
    let runIndex = 0;
    let slowRuns = 0;
    fc.assert(
      fc.property(freeText, (text) => {
        const i = runIndex++;
        const { r, out } = build(text, 'run');
        if (r.status !== 0) throw new Error(`build failed for ${JSON.stringify(text)}:\n${r.stderr}`);
        const files = readManifest(out).filter((f: ManifestFile) => f.kind !== 'doc');
        const problems: string[] = [];
        for (const f of files) {
          if (f.path === 'manifest.json') continue;
          const p = onlyQuotedTextChanged(f.path, readFileSync(path.join(out, f.path), 'utf8'), text);
          if (p) problems.push(p);
        }
        if (files.some(isScript)) problems.push(...judgeScripts(out, files));
        if (i % SLOW_EVERY === 0) {
          slowRuns++;
          problems.push(...judgeSlow(out, files, nftNs));
        }
        if (problems.length) throw new Error(`text ${JSON.stringify(text)}:\n${problems.join('\n')}`);
      }),
      { numRuns: RUNS, seed: 20261125, endOnFailure: true },
    );
    console.log(`${base}: ${runIndex} free-text runs (bash -n + shellcheck + line check each), ${slowRuns} with the slow judges`);
  }, 1_800_000);
});
