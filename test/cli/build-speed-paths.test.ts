import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/pipeline/compile.js';
import { ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';
import { privateCli } from '../faults/app.js';

/**
 * The build's fast paths must not change what it writes: files written on the background thread, the
 * validator and templates loaded from their caches in dist/ (also when those caches are damaged).
 */
let tmp: string;
let CLI: string;
let inv: string;
let expected: Map<string, { sha: string; mode: number }>;

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function tree(dir: string): Map<string, { sha: string; mode: number }> {
  const out = new Map<string, { sha: string; mode: number }>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full, r);
      else out.set(r, { sha: sha(readFileSync(full)), mode: statSync(full).mode & 0o777 });
    }
  };
  walk(dir, '');
  return out;
}

function build(out: string, extra: string[] = []): string {
  const r = run('node', [CLI, 'build', inv, '-o', out, ...extra], { env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-speed-'));
  CLI = privateCli(tmp);
  // 30 hosts: about 2,000 files, several batches for the writing thread.
  inv = path.join(tmp, 'inv.yaml');
  writeFileSync(inv, run('node', [path.join(ROOT, 'bench/generate.mjs'), '30', '7']).stdout);
  // The reference: the same inventory compiled in memory by the sources, no writer, no caches.
  const r = await compile(inv);
  expect(r.bag.hasErrors).toBe(false);
  expected = new Map([...r.files!].map(([p, f]) => [p, { sha: sha(f.content), mode: f.mode }]));
  writeFileSync(inv.replace(/\.yaml$/, '.lock.yaml'), r.lock!.text);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('build fast paths', () => {
  it('a tree counted on another thread (the no-op check of a large tree) has as many files as its listing', async () => {
    const out = path.join(tmp, 'counted');
    build(out);
    // The compiled module: its worker file exists only in dist/.
    const { countFilesOnThread } = (await import(path.join(ROOT, 'dist/write/survey.js'))) as typeof import('../../src/write/survey.js');
    expect(await countFilesOnThread(out).result).toBe(tree(out).size);
    expect(await countFilesOnThread(path.join(tmp, 'no-such-dir')).result).toBe(0);
  });

  it('a tree written on the background thread is every file, byte for byte and mode for mode', () => {
    expect(expected.size).toBeGreaterThan(1500);
    const out = path.join(tmp, 'out-thread');
    expect(build(out)).toMatch(/\d+ written, 0 unchanged, 0 removed/);
    expect(tree(out)).toEqual(expected);
  });

  it('a rebuild keeps what is intact on disk and renders again what was edited or removed', () => {
    const out = path.join(tmp, 'out-rebuild');
    build(out);
    const files = [...expected.keys()].filter((p) => p.endsWith('.network') || p.endsWith('.sh'));
    const edited = path.join(out, files[0]);
    const removed = path.join(out, files[files.length - 1]);
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}# edited by hand\n`);
    rmSync(removed);
    writeFileSync(path.join(out, 'stray.txt'), 'not generated\n');
    // A comment changes an input, not the plan: every host's fingerprint holds, its files are kept...
    writeFileSync(inv, `${readFileSync(inv, 'utf8')}# a comment\n`);
    const summary = build(out);
    // ...except the two that are no longer as the manifest recorded them, and the stray goes.
    expect(summary).toMatch(/ 2 written, \d+ unchanged, 1 removed/);
    expect(tree(out)).toEqual(expected);
  });

  it('damaged validator and template caches are rebuilt, and the output stays the same', () => {
    const dist = path.join(tmp, 'app/dist');
    const templateCache = path.join(dist, 'render/.template-cache');
    rmSync(templateCache, { recursive: true, force: true });
    build(path.join(tmp, 'out-warm')); // fills the caches of the private copy with what this build uses
    const caches = [
      ...readdirSync(path.join(dist, 'validate')).filter((n) => n.startsWith('.inventory-validator-')).map((n) => path.join(dist, 'validate', n)),
      ...readdirSync(templateCache).map((n) => path.join(templateCache, n)),
    ];
    expect(caches.some((f) => f.endsWith('.v8'))).toBe(true);
    expect(caches.some((f) => f.includes('.template-cache') && f.endsWith('.js'))).toBe(true);
    for (const f of caches) writeFileSync(f, f.endsWith('.v8') ? 'not a code cache' : 'this is {{ not JavaScript');
    const out = path.join(tmp, 'out-damaged');
    build(out);
    expect(tree(out)).toEqual(expected);
    // ...and the next build finds them repaired.
    const again = path.join(tmp, 'out-repaired');
    build(again);
    expect(tree(again)).toEqual(expected);
    const templates = readdirSync(templateCache).filter((n) => n.endsWith('.js'));
    // Generated templates (a factory of the runtime), or Handlebars' template spec for one left to it.
    for (const n of templates) expect(readFileSync(path.join(templateCache, n), 'utf8')).toMatch(/^return (function \(rt\)|\{)/);
  });

  it('an overlay can use @index, and one calling an unknown helper is an error of that template', () => {
    const overlay = path.join(tmp, 'tpl/networkd');
    mkdirSync(overlay, { recursive: true });
    writeFileSync(path.join(overlay, 'sysctl.conf.hbs'), '{{header "#"}}{{#each sysctls}}# {{@index}}\n{{key}}={{value}}\n{{/each}}');
    const out = path.join(tmp, 'out-overlay');
    build(out, ['-t', path.join(tmp, 'tpl')]);
    const sysctl = Object.keys(Object.fromEntries(tree(out))).find((p) => p.endsWith('sysctl.d/60-netgen.conf'))!;
    expect(readFileSync(path.join(out, sysctl), 'utf8')).toMatch(/^# 0\nnet\.[a-z0-9_.]+=\S+\n# 1\n/m);

    writeFileSync(path.join(overlay, 'sysctl.conf.hbs'), '{{#each sysctls}}{{shout key}}\n{{/each}}');
    const r = run('node', [CLI, 'build', inv, '-o', path.join(tmp, 'out-bad-helper'), '-t', path.join(tmp, 'tpl')], { env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/sysctl\.conf\.hbs:1:1: error NG9003: template networkd\/sysctl\.conf\.hbs: .*unknown helper shout/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
