import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, inventoryPath } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';
import { treeDigest } from '../hostile/tree.js';

/**
 * A build whose inputs and output are as the last full build left them does no work ("inputs
 * unchanged"); any change to an input, to the output tree, or to the options is a full build.
 */
describe('up-to-date builds', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-fresh-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const inv = path.join(tmp, 'inv/ganeti.yaml');
  mkdirSync(path.dirname(inv));
  cpSync(inventoryPath('ganeti'), inv);
  cpSync(inventoryPath('ganeti').replace(/\.yaml$/, '.lock.yaml'), inv.replace(/\.yaml$/, '.lock.yaml'));
  const out = path.join(tmp, 'out');
  const build = (...extra: string[]) => {
    const r = run('node', [CLI, 'build', inv, '-o', out, ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const fresh = (s: string) => s.includes('(inputs unchanged)');

  it('skips work only while nothing changed, and repairs what did', () => {
    expect(fresh(build())).toBe(false);
    const digest = treeDigest(out);
    expect(fresh(build())).toBe(true);
    expect(treeDigest(out)).toBe(digest);

    // An output file edited (size differs): a full build puts it back.
    const victim = path.join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(victim, 'utf8')) as { files: Array<{ path: string }> };
    appendFileSync(path.join(out, manifest.files[0].path), '# edited\n');
    expect(fresh(build())).toBe(false);
    expect(treeDigest(out)).toBe(digest);
    expect(fresh(build())).toBe(true);

    // A stray file in out/, a deleted file: full builds.
    writeFileSync(path.join(out, 'stray.txt'), 'x\n');
    expect(fresh(build())).toBe(false);
    expect(treeDigest(out)).toBe(digest);
    rmSync(path.join(out, manifest.files[1].path));
    expect(fresh(build())).toBe(false);
    expect(treeDigest(out)).toBe(digest);

    // The inventory edited (even a comment), the lock file touched: full builds.
    appendFileSync(inv, '# a comment\n');
    expect(fresh(build())).toBe(false);
    expect(fresh(build())).toBe(true);
    appendFileSync(inv.replace(/\.yaml$/, '.lock.yaml'), '# note\n');
    expect(fresh(build())).toBe(false);

    // An overlay template directory given, then a template added to it: full builds.
    const overlay = path.join(tmp, 'overlay');
    mkdirSync(overlay);
    expect(fresh(build('-t', overlay))).toBe(false);
    expect(fresh(build('-t', overlay))).toBe(true);
    writeFileSync(path.join(overlay, 'README'), 'not a template\n');
    expect(fresh(build('-t', overlay))).toBe(false);

    // --check never trusts the record.
    expect(run('node', [CLI, 'build', inv, '-o', out, '-t', overlay, '--check']).stdout).toContain('up to date');
  });

  it('rewrites manifest.json after a same-size hand edit, and leaves an unchanged one alone', () => {
    build();
    const digest = treeDigest(out);
    const victim = path.join(out, 'manifest.json');
    const text = readFileSync(victim, 'utf8');
    // The survey hashes the old manifest as it reads it; the writer compares the new one with that hash.
    writeFileSync(victim, text.replace('"generator": "netgen"', '"generator": "NETGEN"'));
    expect(fresh(build())).toBe(false);
    expect(treeDigest(out)).toBe(digest);
    // An edit that changes no output: nothing written, manifest.json included.
    appendFileSync(inv, '# another comment\n');
    expect(build()).toMatch(/: 0 written, \d+ unchanged, 0 removed/);
    expect(treeDigest(out)).toBe(digest);
  });

  it('a partial build forgets the record', () => {
    build();
    expect(fresh(build())).toBe(true);
    build('--host', 'ena');
    expect(fresh(build())).toBe(false);
  });

  it('answers the same before the CLI loads (the quick path) as after it (any other flag)', () => {
    build();
    const line = (s: string) => s.replace(/ in \d+\.\d\ds/, ' in Xs').replace(/checked in [\d.]+/, 'checked in X');
    const quick = build('--timings');
    const full = build('--timings', '--no-color'); // not a form the quick path takes: the whole CLI answers
    expect(fresh(quick)).toBe(true);
    expect(line(full)).toBe(line(quick));
    expect(build('-q')).toBe('');
    expect(line(run('node', [CLI, 'build', inv, `--out=${out}`]).stdout)).toBe(line(quick.split('\n')[0] + '\n'));
  });

  it('with several inventories, prints nothing twice when one of them must be built', () => {
    const other = path.join(tmp, 'inv/other.yaml');
    cpSync(inv, other);
    const r1 = run('node', [CLI, 'build', inv, other], { cwd: tmp });
    expect(r1.status, r1.stderr).toBe(0);
    const r2 = run('node', [CLI, 'build', inv, other], { cwd: tmp });
    expect(r2.stdout.split('\n').filter((l) => l.includes('(inputs unchanged)'))).toHaveLength(2);
    appendFileSync(other, '# changed\n');
    const r3 = run('node', [CLI, 'build', inv, other], { cwd: tmp });
    expect(r3.status, r3.stderr).toBe(0);
    const lines = r3.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(fresh(lines[0])).toBe(true);
    expect(fresh(lines[1])).toBe(false);
  });
});
