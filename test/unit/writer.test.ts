import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, diffTree, writeTree, type OutputFile } from '../../src/write/writer.js';

const f = (content: string, mode = 0o644): OutputFile => ({ content, mode });

describe('writer', () => {
  const dir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'netgen-w-')), 'out');

  it('writes a tree, keeps unchanged files untouched, removes stale ones', () => {
    const out = dir();
    const r1 = writeTree(out, new Map([['a/x.conf', f('x\n')], ['a/y.sh', f('y\n', 0o755)], ['b/z', f('z\n')]]));
    expect(r1.written.sort()).toEqual(['a/x.conf', 'a/y.sh', 'b/z']);
    expect(statSync(path.join(out, 'a/y.sh')).mode & 0o777).toBe(0o755);
    const inode = statSync(path.join(out, 'a/x.conf')).ino;
    const mtime = statSync(path.join(out, 'a/x.conf')).mtimeMs;
    const r2 = writeTree(out, new Map([['a/x.conf', f('x\n')], ['a/y.sh', f('y2\n', 0o755)]]));
    expect(r2.written).toEqual(['a/y.sh']);
    expect(r2.removed).toEqual(['b/z']);
    expect(statSync(path.join(out, 'a/x.conf')).ino).toBe(inode);
    expect(statSync(path.join(out, 'a/x.conf')).mtimeMs).toBe(mtime);
    expect(existsSync(path.join(out, 'b'))).toBe(false);
  });

  it('does nothing at all when nothing changed', () => {
    const out = dir();
    const files = new Map([['x', f('1\n')]]);
    writeTree(out, files);
    const r = writeTree(out, files);
    expect(r.noop).toBe(true);
    expect(r.written).toEqual([]);
  });

  it('detects a hand-edited file as a change and restores it', () => {
    const out = dir();
    const files = new Map([['x', f('1\n')]]);
    writeTree(out, files);
    writeFileSync(path.join(out, 'x'), 'edited\n');
    expect(diffTree(out, files).changed).toEqual(['x']);
    writeTree(out, files);
    expect(readFileSync(path.join(out, 'x'), 'utf8')).toBe('1\n');
  });

  it('refuses paths that leave the output directory', () => {
    const out = dir();
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'a//b', '']) expect(() => writeTree(out, new Map([[bad, f('x')]]))).toThrow(/refusing/);
    expect(existsSync(out)).toBe(false);
  });

  it('replaces a planted symlink instead of writing through it', () => {
    const out = dir();
    writeTree(out, new Map([['x', f('1\n')]]));
    const victim = path.join(path.dirname(out), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(out, 'y'));
    writeTree(out, new Map([['x', f('1\n')], ['y', f('2\n')]]));
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(path.join(out, 'y'), 'utf8')).toBe('2\n');
  });

  it('allows one writer at a time', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'netgen-l-'));
    mkdirSync(base, { recursive: true });
    const lock = path.join(base, '.out.lock');
    const release = acquireLock(lock);
    // A lock held by a live process (our parent shell, pid 1 here stands in) is refused.
    writeFileSync(lock, `${process.ppid}\n`);
    expect(() => acquireLock(lock)).toThrow(/another netgen build/);
    release();
    // A stale lock (no such process) is taken over.
    writeFileSync(lock, '999999\n');
    const again = acquireLock(lock);
    again();
  });
});
