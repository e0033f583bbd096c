import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';
import { snapshotTree, treeDigest } from '../hostile/tree.js';
import { privateCli } from './app.js';
// The bench's seeded generator also gives the random kill points.
import { generateInventory, prng } from '../../bench/generate.mjs';

/**
 * SIGKILL the build at random moments (most of them inside the write stage) and prove that out/ is
 * always either the complete old tree or the complete new one — directly after the kill, or after
 * the recovery the next build runs first. Two kinds of change alternate: a whole new inventory (the
 * writer swaps trees; a kill between the two renames leaves out/ missing and the old tree beside it)
 * and a one-host edit (the writer applies it in place under a journal; a kill after the journal's
 * commit leaves a mixture that recovery completes to the new tree).
 */
const KILL_POINTS = 30;
const HOSTS = 40;

/** Whether the writer's new tree (`.out.new-PID`) stands beside `out`. */
const newTreeStands = (out: string): boolean => readdirSync(path.dirname(out)).some((n) => n.startsWith(`.${path.basename(out)}.new-`));

/**
 * Starts a build and SIGKILLs it `afterMs` after the writer begins (its `.out.new-PID` tree appears
 * beside out/), or `afterMs` after the start when `fromStart` is set. Polling for the new tree keeps
 * the kills inside the write stage however loaded the machine is.
 */
function buildAndKill(cli: string, inv: string, out: string, afterMs: number, fromStart: boolean): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('node', [cli, 'build', inv, '-o', out, '--quiet'], { stdio: 'ignore' });
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => (timer = setTimeout(() => (killed = child.kill('SIGKILL')), afterMs));
    const poll = fromStart
      ? undefined
      : setInterval(() => {
          if (newTreeStands(out)) {
            clearInterval(poll);
            arm();
          }
        }, 2);
    if (fromStart) arm();
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve({ killed: killed && code === null, code });
    });
  });
}

/**
 * How long the writer's new tree stands beside out/ before the build exits: the window the kills
 * aim at. The write stage's own timing is longer (it reads and compares before the tree appears),
 * so aiming by it made most kills come too late once the writer got faster.
 */
function measureNewTreeWindow(cli: string, inv: string, out: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('node', [cli, 'build', inv, '-o', out, '--quiet'], { stdio: 'ignore' });
    let appeared = 0;
    const poll = setInterval(() => {
      if (newTreeStands(out)) {
        clearInterval(poll);
        appeared = Date.now();
      }
    }, 2);
    child.on('exit', () => {
      clearInterval(poll);
      resolve(appeared ? Date.now() - appeared : 0);
    });
  });
}

function describeDiff(got: Map<string, string>, a: Map<string, string>, b: Map<string, string>): string {
  const diff = (ref: Map<string, string>) => [...new Set([...got.keys(), ...ref.keys()])].filter((k) => got.get(k) !== ref.get(k));
  const da = diff(a);
  const db = diff(b);
  return `${da.length} paths differ from the old tree (${da.slice(0, 5).join(', ')}), ${db.length} from the new (${db.slice(0, 5).join(', ')})`;
}

describe('SIGKILL while writing', () => {
  let tmp: string;
  type Tree = 'a' | 'b' | 'c';
  const inv: Record<Tree, string> = { a: '', b: '', c: '' };
  const digest: Record<Tree, string> = { a: '', b: '', c: '' };
  let writeMs = 0;
  let windowMs = 0;
  let wallMs = 0;

  let CLI = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-flt-kill-'));
    CLI = privateCli(tmp);
    // c is a with one host's storage address edited: a small change, applied in place.
    for (const [k, opts] of [['a', { seed: 1 }], ['b', { seed: 2 }], ['c', { seed: 1, changed: 7 }]] as const) {
      const dir = path.join(tmp, k);
      mkdirSync(dir);
      inv[k] = path.join(dir, 'big.yaml');
      writeFileSync(inv[k], generateInventory(HOSTS, opts));
      const started = Date.now();
      const r = run('node', [CLI, 'build', inv[k], '-o', path.join(tmp, `ref-${k}`), '--quiet', '--timings'], { timeout: 600_000 });
      wallMs = Math.max(wallMs, Date.now() - started);
      expect(r.status, r.stderr).toBe(0);
      digest[k] = treeDigest(path.join(tmp, `ref-${k}`));
      const t = Object.fromEntries([...r.stdout.matchAll(/(\w+) ([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
      writeMs = Math.max(writeMs, t.write ?? 0);
    }
    expect(new Set(Object.values(digest)).size).toBe(3);
  });

  beforeAll(async () => {
    // a → b → a into a scratch out/: two whole-tree writes, the longer window is aimed at.
    const scratch = path.join(tmp, 'scratch-out');
    expect(run('node', [CLI, 'build', inv.a, '-o', scratch, '--quiet'], { timeout: 600_000 }).status).toBe(0);
    for (const k of ['b', 'a'] as const) windowMs = Math.max(windowMs, await measureNewTreeWindow(CLI, inv[k], scratch));
    rmSync(scratch, { recursive: true, force: true });
    // Never aim at less than a few poll intervals, nor at more than the write stage.
    windowMs = Math.min(Math.max(windowMs, 20), writeMs || windowMs);
  }, 600_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`leaves out/ entirely old or entirely new at ${KILL_POINTS} random kill points`, async () => {
    const { recoverInterruptedWrite } = (await import(pathToFileURL(path.join(tmp, 'app/dist/write/writer.js')).href)) as typeof import('../../src/write/writer.js');
    const out = path.join(tmp, 'out');
    let r = run('node', [CLI, 'build', inv.a, '-o', out, '--quiet'], { timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    let current: Tree = 'a';
    const rand = prng(7);
    const seen = { midWrite: 0, outMissing: 0, finished: 0, killed: 0, small: 0, journalled: 0 };
    const other = (t: Tree, small: boolean): Tree => (small ? (t === 'a' ? 'c' : 'a') : t === 'b' ? 'a' : 'b');
    // At least KILL_POINTS kills; more (up to 3x) while too few have landed inside the write stage,
    // which happens when a loaded machine stretches everything but the write.
    let i = 0;
    for (; i < KILL_POINTS * 3 && (i < KILL_POINTS || seen.midWrite < KILL_POINTS / 3); i++) {
      const small = i % 2 === 1 && current !== 'b';
      if (small) seen.small++;
      const target = other(current, small);
      // Most kills land while the new tree stands (0..1.2 × that window after it appears, so a few
      // hit the swap or come too late); every fifth at any moment of the whole build.
      const fromStart = i % 5 === 4;
      const delay = Math.round(fromStart ? rand() * wallMs : rand() * windowMs * 1.2);
      const res = await buildAndKill(CLI, inv[target], out, delay, fromStart);
      if (res.killed) seen.killed++;
      else seen.finished++;
      const leftovers = readdirSync(tmp).filter((n) => n.startsWith('.out.'));
      if (leftovers.some((n) => n.startsWith('.out.new-'))) seen.midWrite++;
      const journalled = leftovers.some((n) => /^\.out\.journal-\d+$/.test(n));
      if (journalled) seen.journalled++;
      // Directly after the kill: out/ is one of the two trees, or (between the renames) missing, or
      // (a committed journal beside it) being changed in place, which only recovery may judge.
      if (journalled) {
        // checked after recovery below
      } else if (existsSync(out)) {
        const d = treeDigest(out);
        if (d !== digest[current] && d !== digest[target]) throw new Error(`kill ${i} at ${delay}ms: out/ is neither tree: ${describeDiff(snapshotTree(out), snapshotTree(path.join(tmp, `ref-${current}`)), snapshotTree(path.join(tmp, `ref-${target}`)))}`);
      } else {
        seen.outMissing++;
        expect(leftovers.some((n) => n.startsWith('.out.old-')), `kill ${i}: out/ missing and no old tree beside it`).toBe(true);
      }
      recoverInterruptedWrite(out);
      const d = treeDigest(out);
      expect([digest[current], digest[target]], `kill ${i} at ${delay}ms, after recovery`).toContain(d);
      if (journalled) expect(d, `kill ${i}: a committed journal is completed to the new tree`).toBe(digest[target]);
      expect(readdirSync(tmp).filter((n) => /^\.out\.(new|old|journal)-/.test(n)), 'recovery leaves no half trees').toEqual([]);
      current = d === digest[target] ? target : current;
    }
    // The next build after all of that (stale lock and all) converges to the new tree.
    r = run('node', [CLI, 'build', inv.b, '-o', out, '--quiet'], { timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(treeDigest(out)).toBe(digest.b);
    console.log(`kill points: ${i} (${seen.killed} killed, ${seen.finished} finished first; ${seen.midWrite} mid-write, ${seen.outMissing} between renames, ${seen.small} one-host edits, ${seen.journalled} inside a journal); whole build ~${wallMs}ms, write ~${Math.round(writeMs)}ms, new tree stands ~${windowMs}ms`);
    expect(seen.midWrite, 'most kills must land inside the write stage').toBeGreaterThanOrEqual(KILL_POINTS / 3);
  }, 1_200_000);

  it('recovers a kill between the two renames (out/ missing, old tree beside it)', async () => {
    const { recoverInterruptedWrite } = (await import(pathToFileURL(path.join(tmp, 'app/dist/write/writer.js')).href)) as typeof import('../../src/write/writer.js');
    const dir = mkdtempSync(path.join(tmp, 'swap-'));
    const out = path.join(dir, 'out');
    expect(run('cp', ['-a', path.join(tmp, 'ref-a'), path.join(dir, '.out.old-999999')]).status).toBe(0);
    expect(run('cp', ['-a', path.join(tmp, 'ref-b'), path.join(dir, '.out.new-999999')]).status).toBe(0);
    recoverInterruptedWrite(out);
    expect(treeDigest(out)).toBe(digest.a);
    expect(readdirSync(dir)).toEqual(['out']);
  });
});
