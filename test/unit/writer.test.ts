import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, diffTree, recoverInterruptedWrite, writeTree, type OutputFile } from '../../src/write/writer.js';
import { TreeWriter } from '../../src/write/tree-writer.js';
import { surveyTree } from '../../src/write/survey.js';
import { manifestJson } from '../../src/render/manifest.js';
import { createHash } from 'node:crypto';

const f = (content: string, mode = 0o644): OutputFile => ({ content, mode });

describe('writer', () => {
  const dir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'netgen-w-')), 'out');

  it('writes a tree, keeps unchanged files untouched, removes stale ones', () => {
    const out = dir();
    const r1 = writeTree(out, new Map([['a/x.conf', f('x\n')], ['a/y.sh', f('y\n', 0o755)], ['b/z', f('z\n')]]));
    expect(r1.written).toBe(3);
    expect(r1.writtenPaths, 'a new tree: its paths are its files, not listed again').toBeUndefined();
    expect(readFileSync(path.join(out, 'b/z'), 'utf8')).toBe('z\n');
    expect(statSync(path.join(out, 'a/y.sh')).mode & 0o777).toBe(0o755);
    const inode = statSync(path.join(out, 'a/x.conf')).ino;
    const mtime = statSync(path.join(out, 'a/x.conf')).mtimeMs;
    const r2 = writeTree(out, new Map([['a/x.conf', f('x\n')], ['a/y.sh', f('y2\n', 0o755)]]));
    expect(r2.writtenPaths).toEqual(['a/y.sh']);
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
    expect(r.written).toBe(0);
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

describe('tree writer: in place under a journal, or swapped', () => {
  const dir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'netgen-j-')), 'out');
  const tree = (n: number, edit: number[] = [], content = 'v1') => new Map<string, OutputFile>(Array.from({ length: n }, (_, i) => [`h${i % 10}/f${i}.conf`, f(`${edit.includes(i) ? 'v2' : content} ${i}\n`)]));
  const read = (out: string, n: number) => Array.from({ length: n }, (_, i) => readFileSync(path.join(out, `h${i % 10}/f${i}.conf`), 'utf8'));

  it('applies a small change in place (other files keep their inode) and a large one by swapping', () => {
    const out = dir();
    writeTree(out, tree(1000));
    const untouched = statSync(path.join(out, 'h1/f1.conf')).ino;
    const outInode = statSync(out).ino;
    const r = writeTree(out, tree(1000, [3, 4]));
    expect(r.writtenPaths).toEqual(['h3/f3.conf', 'h4/f4.conf']);
    expect(statSync(out).ino, 'small change: same directory').toBe(outInode);
    expect(statSync(path.join(out, 'h1/f1.conf')).ino).toBe(untouched);
    expect(read(out, 1000)[3]).toBe('v2 3\n');
    writeTree(out, tree(1000, [], 'v3'));
    expect(statSync(out).ino, 'large change: a new directory swapped in').not.toBe(outInode);
    expect(read(out, 1000).every((t, i) => t === `v3 ${i}\n`)).toBe(true);
    expect(readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('keeps files unread, all of a list or none; kept files survive a swap, files never given are removed', () => {
    const out = dir();
    const n = 200;
    // A tree with its manifest: records are what a kept file is kept by.
    const files = tree(n);
    const entries = [...files].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([p, o]) => ({ path: p, kind: 'doc', sha256: createHash('sha256').update(o.content).digest('hex'), size: Buffer.byteLength(o.content), mode: '0644' }));
    files.set('manifest.json', f(manifestJson('x.yaml', entries)));
    writeTree(out, files);
    writeFileSync(path.join(out, 'h2/f2.conf'), 'hand edit, other size\n');
    for (const survey of [undefined, surveyTree(out, true)]) {
      const w = new TreeWriter(out, { survey });
      expect(w.keepAll([{ path: 'h1/f1.conf', mode: 0o644 }, { path: 'h2/f2.conf', mode: 0o644 }]), 'one of them was edited').toBeUndefined();
      expect(w.keepAll([{ path: 'h1/f1.conf', mode: 0o644 }, { path: 'h1/f1.conf', mode: 0o644 }]), 'a path twice').toBeUndefined();
      expect(w.keep('h1/f1.conf', 0o600), 'another mode').toBeUndefined();
      expect(w.keepAll([{ path: 'h1/f1.conf', mode: 0o644 }, { path: 'h3/f3.conf', mode: 0o644 }])?.map((k) => k.size)).toEqual([5, 5]);
      expect(w.keep('h1/f1.conf', 0o644), 'kept once only').toBeUndefined();
      w.abandon();
    }
    // Most files rewritten (a swap), two kept, the rest of the old tree not given: removed.
    const w = new TreeWriter(out, { survey: surveyTree(out, true) });
    expect(w.keepAll([{ path: 'h1/f1.conf', mode: 0o644 }, { path: 'h3/f3.conf', mode: 0o644 }])).toBeDefined();
    for (let i = 4; i < n; i++) w.add(`h${i % 10}/f${i}.conf`, `v2 ${i}\n`, 0o644);
    const r = w.finish();
    expect(r.unchanged).toBe(2);
    expect(r.removed).toEqual(['h0/f0.conf', 'h2/f2.conf', 'manifest.json']);
    expect(readFileSync(path.join(out, 'h1/f1.conf'), 'utf8')).toBe('v1 1\n');
    expect(readFileSync(path.join(out, 'h3/f3.conf'), 'utf8')).toBe('v1 3\n');
    expect(existsSync(path.join(out, 'h0/f0.conf'))).toBe(false);
    expect(readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('streams a file given in pieces: same bytes are unchanged, different bytes or mode are written', () => {
    const out = dir();
    const build = (pieces: string[], mode = 0o644) => {
      const w = new TreeWriter(out);
      w.add('a.conf', 'a\n', 0o644);
      w.add('manifest.json', pieces, mode);
      return w.finish();
    };
    expect(build(['{', '"x": 1', '}\n']).written).toBe(2);
    expect(readFileSync(path.join(out, 'manifest.json'), 'utf8')).toBe('{"x": 1}\n');
    const inode = statSync(path.join(out, 'manifest.json')).ino;
    const same = build(['{"x"', ': 1}\n']);
    expect(same.noop).toBe(true);
    expect(statSync(path.join(out, 'manifest.json')).ino).toBe(inode);
    expect(build(['{"x": 2}\n']).writtenPaths).toEqual(['manifest.json']);
    expect(build(['{"x": 2}\n'], 0o600).writtenPaths).toEqual(['manifest.json']);
    expect(statSync(path.join(out, 'manifest.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(out))).toEqual(['out']);
  });

  it('writes a file larger than a batch buffer in pieces, byte for byte, surrogate pairs and all', async () => {
    const out = dir();
    const PIECE = Math.floor((1 << 20) / 3);
    // Multi-byte text with a surrogate pair straddling every piece boundary the writer could choose.
    let big = '';
    while (big.length < 3.5 * PIECE) big += `${'é'.repeat(PIECE - 1 - (big.length % PIECE))}😀 line ${big.length}\n`;
    const w = new TreeWriter(out, { background: true });
    w.add('small.conf', 'a\n', 0o644);
    w.add('docs/big.md', big, 0o600);
    w.add('after.conf', 'b\n', 0o755);
    await w.settle();
    w.finish();
    expect(readFileSync(path.join(out, 'docs/big.md'), 'utf8')).toBe(big);
    expect(statSync(path.join(out, 'docs/big.md')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(out, 'after.conf'), 'utf8')).toBe('b\n');
    expect(statSync(path.join(out, 'after.conf')).mode & 0o777).toBe(0o755);
  });

  it('replays a committed journal after a kill at any point, and drops an uncommitted one', () => {
    for (const movedBeforeKill of [0, 1, 2]) {
      const out = dir();
      const parent = path.dirname(out);
      writeTree(out, tree(100));
      // What a build killed after committing its journal leaves: staging holds the new files, some already moved.
      const staging = path.join(parent, '.out.new-4242');
      const written = ['h3/f3.conf', 'h4/f4.conf'];
      for (const rel of written) {
        mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
        writeFileSync(path.join(staging, rel), `v2 ${rel.slice(4, 5)}\n`);
      }
      for (const rel of written.slice(0, movedBeforeKill)) renameSync(path.join(staging, rel), path.join(out, rel));
      writeFileSync(path.join(parent, '.out.journal-4242'), JSON.stringify({ staging: '.out.new-4242', written, removed: ['h9/f99.conf'] }));
      recoverInterruptedWrite(out);
      expect(read(out, 99)[3]).toBe('v2 3\n');
      expect(read(out, 99)[4]).toBe('v2 4\n');
      expect(existsSync(path.join(out, 'h9/f99.conf'))).toBe(false);
      expect(readdirSync(parent)).toEqual(['out']);
    }
    const out = dir();
    writeTree(out, tree(10));
    writeFileSync(path.join(path.dirname(out), '.out.journal-4243.tmp'), '{"staging": ".out.new-4243", "written": ["h1/f1.conf"], "removed": []}');
    mkdirSync(path.join(path.dirname(out), '.out.new-4243/h1'), { recursive: true });
    writeFileSync(path.join(path.dirname(out), '.out.new-4243/h1/f1.conf'), 'half\n');
    recoverInterruptedWrite(out);
    expect(read(out, 10)[1]).toBe('v1 1\n');
    expect(readdirSync(path.dirname(out))).toEqual(['out']);
  });
});
