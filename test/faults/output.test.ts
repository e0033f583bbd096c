import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryPath, ROOT } from '../helpers/paths.js';
import { requireRoot, run } from '../helpers/tools.js';
import { snapshotTree, treeDigest } from '../hostile/tree.js';
import { privateCli } from './app.js';

/** Full disk, concurrent builds, symlinks and hard links planted in out/: the previous output survives. */
let tmp: string;
let CLI: string;
const mounts: string[] = [];

function copyInventory(name: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const to = path.join(dir, `${name}.yaml`);
  copyFileSync(inventoryPath(name), to);
  const lock = inventoryPath(name).replace(/\.yaml$/, '.lock.yaml');
  if (existsSync(lock)) copyFileSync(lock, to.replace(/\.yaml$/, '.lock.yaml'));
  return to;
}

function build(inv: string, out: string): { status: number; stdout: string; stderr: string } {
  return run('node', [CLI, 'build', inv, '-o', out, '--quiet', '--no-color'], { timeout: 600_000 });
}

const STACK = /^\s+at .+[(:]|internal error/m;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), `ngt-flt-${process.pid}-`));
  CLI = privateCli(tmp);
});
afterAll(() => {
  for (const m of mounts) run('umount', ['-l', m]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('full disk', () => {
  it('gives NG9001, exits non-zero, and leaves the previous output intact', () => {
    requireRoot();
    const disk = path.join(tmp, 'disk');
    mkdirSync(disk);
    // Big enough for the small example, far too small for the generated 60-host one.
    const m = run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'ngt-flt-tmpfs', disk]);
    expect(m.status, m.stderr).toBe(0);
    mounts.push(disk);
    const out = path.join(disk, 'out');
    const small = copyInventory('neutron-two-hosts', path.join(tmp, 'small'));
    expect(build(small, out).status).toBe(0);
    const before = snapshotTree(out);
    const big = path.join(tmp, 'big.yaml');
    writeFileSync(big, run('node', [path.join(ROOT, 'bench/generate.mjs'), '60', '3']).stdout);
    const r = build(big, out);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.status).not.toBe(2); // not an internal error
    expect(r.stderr).toMatch(/NG9001/);
    expect(r.stderr).toMatch(/no space left on device/);
    expect(r.stderr).not.toMatch(STACK);
    expect(snapshotTree(out)).toEqual(before);
    // No half tree or lock left behind to fill the disk further (the earlier build's state record may stay).
    expect(readdirSync(disk).filter((n) => n !== '.out.netgen-state.json').sort()).toEqual(['out']);
  });
});

describe('two builds into one out/', () => {
  it('a build refuses with NG9002 while another holds the lock, and touches nothing', async () => {
    const out = path.join(tmp, 'locked', 'out');
    const inv = copyInventory('neutron-two-hosts', path.join(tmp, 'locked-inv'));
    expect(build(inv, out).status).toBe(0);
    const before = snapshotTree(out);
    // A live process holds the lock (what a running build writes there: its PID).
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(tmp, 'locked', '.out.lock'), `${holder.pid}\n`);
      const inv2 = copyInventory('ganeti', path.join(tmp, 'locked-inv2'));
      const r = build(inv2, out);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/NG9002/);
      expect(r.stderr).toContain(`pid ${holder.pid}`);
      expect(snapshotTree(out)).toEqual(before);
    } finally {
      // Wait until it is reaped: a zombie still answers kill(pid, 0).
      await new Promise<void>((resolve) => {
        holder.on('exit', () => resolve());
        holder.kill('SIGKILL');
      });
    }
    // A stale lock (its process is gone) is taken over.
    const r = build(copyInventory('ganeti', path.join(tmp, 'locked-inv3')), out);
    expect(r.status, r.stderr).toBe(0);
  });

  it('two builds started together: each exits 0 or NG9002, and out/ is one whole tree', async () => {
    const dir = path.join(tmp, 'race');
    const invs = [1, 2].map((seed) => {
      const p = path.join(dir, `inv${seed}`, 'g.yaml');
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, run('node', [path.join(ROOT, 'bench/generate.mjs'), '25', String(seed)]).stdout);
      return p;
    });
    const refs = invs.map((inv, i) => {
      const ref = path.join(dir, `ref${i}`);
      expect(build(inv, ref).status).toBe(0);
      return treeDigest(ref);
    });
    const out = path.join(dir, 'out');
    let refused = 0;
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        invs.map(
          (inv) =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
              const c = spawn('node', [CLI, 'build', inv, '-o', out, '--quiet', '--no-color'], { stdio: ['ignore', 'ignore', 'pipe'] });
              let stderr = '';
              c.stderr.on('data', (d) => (stderr += d));
              c.on('exit', (code) => resolve({ code, stderr }));
            }),
        ),
      );
      for (const r of results) {
        if (r.code !== 0) {
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr).toMatch(/NG9002: another netgen build \(pid \d+\) is writing this output/);
          refused++;
        }
      }
      expect(results.some((r) => r.code === 0)).toBe(true);
      expect(refs).toContain(treeDigest(out));
      expect(readdirSync(dir).filter((n) => n.startsWith('.out.') && n !== '.out.netgen-state.json')).toEqual([]);
    }
    console.log(`concurrent builds: ${refused} of 6 refused with NG9002`);
  });
});

describe('symlinks and hard links in out/', () => {
  let inv: string;
  let victim: string;
  let victimFile: string;
  let ref: Map<string, string>;

  beforeAll(() => {
    inv = copyInventory('neutron-two-hosts', path.join(tmp, 'sym-inv'));
    victim = path.join(tmp, 'victim');
    mkdirSync(victim);
    victimFile = path.join(victim, 'passwd');
    writeFileSync(victimFile, 'root:x:0:0::/root:/bin/bash\n');
    const r = build(inv, path.join(tmp, 'sym-ref'));
    expect(r.status).toBe(0);
    ref = snapshotTree(path.join(tmp, 'sym-ref'));
  });

  it('replaces planted symlinks (to a directory and to a file) without following them', () => {
    const out = path.join(tmp, 'sym1', 'out');
    expect(build(inv, out).status).toBe(0);
    // A directory of the tree replaced by a link out of it, a file replaced by a link to a victim file,
    // and an extra link that is not part of the output.
    const etc = path.join(out, 'lab/node01/etc');
    rmSync(etc, { recursive: true });
    symlinkSync(victim, etc);
    const unit = path.join(out, 'lab/node02/etc/systemd/network/10-netgen-eth1.network');
    rmSync(unit);
    symlinkSync(victimFile, unit);
    symlinkSync('/', path.join(out, 'lab/root'));
    const victimBefore = snapshotTree(victim);
    const r = build(inv, out);
    expect(r.status, r.stderr).toBe(0);
    expect(snapshotTree(victim)).toEqual(victimBefore);
    expect(readFileSync(victimFile, 'utf8')).toBe('root:x:0:0::/root:/bin/bash\n');
    expect(snapshotTree(out)).toEqual(ref);
  });

  it('never writes through a hard link to a file outside out/', () => {
    const out = path.join(tmp, 'sym2', 'out');
    expect(build(inv, out).status).toBe(0);
    const unit = path.join(out, 'lab/node01/etc/systemd/network/10-netgen-eth1.network');
    rmSync(unit);
    linkSync(victimFile, unit); // same inode as the victim, different content from what netgen writes
    const r = build(inv, out);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(victimFile, 'utf8')).toBe('root:x:0:0::/root:/bin/bash\n');
    expect(snapshotTree(out)).toEqual(ref);
  });

  it('refuses when out/ itself is a symlink (NG9004) and leaves its target alone', () => {
    const dir = path.join(tmp, 'sym3');
    mkdirSync(dir);
    const out = path.join(dir, 'out');
    symlinkSync(victim, out);
    const before = snapshotTree(victim);
    const r = build(inv, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NG9004/);
    expect(r.stderr).not.toMatch(STACK);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(snapshotTree(victim)).toEqual(before);
  });

  it('the writer rejects any path that could leave out/', async () => {
    const { assertSafeRelativePath } = (await import(path.join(path.dirname(CLI), '../dist/write/writer.js'))) as typeof import('../../src/write/writer.js');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a/./b', 'a\\..\\b', 'a\0b', '', 'a/..', '/', 'a/', '.', '..', 'a/.']) {
      expect(() => assertSafeRelativePath(bad), JSON.stringify(bad)).toThrow(/NG9004|refusing/);
    }
    // Dots that are part of a name are names.
    for (const good of ['lab/node01/etc/x.network', 'a/.b', '..a', 'a..', '...', 'a/.../b', '.hidden/x']) expect(() => assertSafeRelativePath(good), good).not.toThrow();
  });
});
