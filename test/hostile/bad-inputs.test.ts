import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryPath, ROOT } from '../helpers/paths.js';
import { privateCli } from '../faults/app.js';
import { run } from '../helpers/tools.js';
import { snapshotTree } from './tree.js';

const execFileP = promisify(execFile);
const BAD = path.join(ROOT, 'test/fixtures/bad');
const CASES = readdirSync(BAD)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

let CLI = '';

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP('node', [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** `file:L:C: error CODE: msg` lines, each followed by its `  file:L:C: note: ...` lines. */
function parseText(stderr: string): string[] {
  const out: string[] = [];
  for (const l of stderr.split('\n')) {
    const head = /^.*:(\d+):(\d+): error (NG\d{4}): /.exec(l);
    if (head) out.push(`${head[3]} ${head[1]}:${head[2]}`);
    const note = /^ {2}.*:(\d+):(\d+): note: /.exec(l);
    if (note && out.length) out[out.length - 1] += ` related ${note[1]}:${note[2]}`;
  }
  return out;
}

const STACK = /^\s+at .+[(:]|internal error/m;

describe('bad-input corpus', () => {
  let tmp: string;
  let outDir: string;
  let before: Map<string, string>;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-bad-'));
    CLI = privateCli(tmp);
    outDir = path.join(tmp, 'out');
    // A previous, valid build into the same output directory: no bad input may touch it.
    const inv = path.join(tmp, 'valid.yaml');
    copyFileSync(inventoryPath('neutron-two-hosts'), inv);
    const r = run('node', [CLI, 'build', inv, '-o', outDir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    before = snapshotTree(outDir);
    expect(before.size).toBeGreaterThan(5);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has at least 60 cases, each with an expectation', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    for (const c of CASES) expect(readFileSync(path.join(BAD, `${c}.expect`), 'utf8').trim(), c).not.toBe('');
  });

  describe.concurrent.each(CASES)('%s', (name) => {
    it('reports exactly the expected diagnostics, exits 1, no stack trace, output untouched', async () => {
      // Work on a copy: a case that wrongly succeeded would write its lock file beside the fixture.
      const dir = mkdtempSync(path.join(tmp, `${name}-`));
      const inv = path.join(dir, `${name}.yaml`);
      copyFileSync(path.join(BAD, `${name}.yaml`), inv);
      const expected = readFileSync(path.join(BAD, `${name}.expect`), 'utf8').trim().split('\n');

      // The human format (one run per case keeps the suite fast): it prints excerpts of hostile
      // lines, so it is also the one that must not crash. Related places are the `note:` lines.
      const r = await cli(['build', inv, '-o', outDir, '--no-color']);
      expect(r.stdout + r.stderr, 'stack trace or internal error').not.toMatch(STACK);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(parseText(r.stderr), r.stderr).toEqual(expected);

      expect(snapshotTree(outDir)).toEqual(before);
    });
  });
});
