import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { manifestJson } from '../../src/render/manifest.js';
import { decodedPaths, PackedTreeBuilder, pathLookup, PreviousTree, transferables, type PackedTree } from '../../src/write/previous-tree.js';
import { surveyTree } from '../../src/write/survey.js';

const hex = (c: string) => c.repeat(64);

describe('previous tree (the writer view of the tree a build replaces)', () => {
  it('merges the files on disk with the manifest records: flags, hashes, modes, sizes', () => {
    const b = new PackedTreeBuilder();
    b.record({ path: 'a/x.conf', sha256: hex('a'), mode: '0644', size: 10 });
    b.record({ path: 'gone.conf', sha256: hex('b'), mode: '0755', size: 3 }); // recorded, not on disk
    b.record({ path: 'a/é€😀.conf', sha256: hex('1'), mode: '0644', size: 1 });
    b.record({ path: 'a/é€😀.conf', sha256: hex('2'), mode: '0640' }); // listed twice: the last entry wins
    b.record({ path: 'stray.txt', sha256: 'xyz', mode: '0644', size: 1 }); // a hash not trusted: not recorded
    b.record({ path: 'odd', sha256: hex('c'), mode: 'rw-r--r--', size: 1 });
    for (const rel of ['a/x.conf', 'stray.txt', 'a/é€😀.conf']) b.onDisk(rel);
    const t = new PreviousTree(b.build());
    expect(t.get('a/x.conf')).toEqual({ sha256: hex('a'), mode: '0644', size: 10 });
    const id = t.keepable('a/x.conf', 0o644, false);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(t.sizeAt(id)).toBe(10);
    expect([t.pathAt(id), t.entryAt(id), t.rawShaAt(id)]).toEqual(['a/x.conf', { sha256: hex('a'), size: 10, mode: '0644' }, Buffer.from(hex('a'), 'hex').toString('latin1')]);
    // Kept only as recorded: the same mode, a recorded size, on disk, and intact when asked.
    expect(t.keepable('a/x.conf', 0o755, false)).toBe(-1);
    expect(t.keepable('a/x.conf', 0o644, true)).toBe(-1);
    expect(t.keepable('stray.txt', 0o644, false)).toBe(-1);
    expect(t.keepable('gone.conf', 0o755, false)).toBe(-1);
    expect(t.keepable('a/é€😀.conf', 0o640, false)).toBe(-1);
    t.markSeen(id, true);
    expect(t.keepable('a/x.conf', 0o644, false)).toBe(-1);
    t.markSeen(id, false);
    expect(t.get('gone.conf')).toEqual({ sha256: hex('b'), mode: '0755', size: 3 });
    expect(t.get('a/é€😀.conf')).toEqual({ sha256: hex('2'), mode: '0640', size: undefined });
    expect(t.get('stray.txt')).toBeUndefined();
    expect(t.get('odd')!.mode).toBe('?');
    expect(t.get('nowhere')).toBeUndefined();
    // No stats were taken: nothing is known to be intact.
    expect(t.intact('a/x.conf')).toBe(false);
    expect(['a/x.conf', 'stray.txt', 'gone.conf', 'nowhere'].map((p) => t.has(p))).toEqual([true, true, false, false]);
    expect(t.see('a/x.conf')).toBe(true);
    expect(t.see('a/x.conf')).toBe(false); // seen already
    expect(t.has('a/x.conf')).toBe(false);
    expect(t.see('gone.conf')).toBe(false); // never on disk
    expect(t.see('new.conf')).toBe(false);
    expect(t.unseen()).toEqual(['a/é€😀.conf', 'stray.txt']);
  });

  it('an empty tree', () => {
    const t = new PreviousTree(new PackedTreeBuilder().build());
    expect(t.unseen()).toEqual([]);
    expect(t.see('x')).toBe(false);
    expect(t.get('x')).toBeUndefined();
  });

  it('grows past its first capacity and crosses threads without a copy', () => {
    const b = new PackedTreeBuilder();
    for (let i = 0; i < 1500; i++) b.record({ path: `d/${i}`, sha256: hex('0123456789abcdef'[i % 16]), mode: '0644', size: i });
    for (let i = 0; i < 500; i++) b.onDisk(`d/${i}`);
    const packed = b.build();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, transferables(packed));
    expect(packed.sha.byteLength).toBe(0); // moved, not copied
    const got = receiveMessageOnPort(port2)!.message as PackedTree;
    port1.close();
    const t = new PreviousTree(got);
    expect(t.get('d/1499')).toEqual({ sha256: hex('b'), mode: '0644', size: 1499 });
    expect(t.has('d/499')).toBe(true);
    expect(t.has('d/500')).toBe(false); // recorded only
    expect(t.unseen()).toHaveLength(500);
    // Every path is found as itself, not as a path it begins or ends with; others are not found.
    for (let i = 0; i < 1500; i++) expect(t.get(`d/${i}`)?.size).toBe(i);
    for (const absent of ['d/1500', 'd/', 'd', 'd/1x', 'x/d/1', '/d/1', 'd/01', '']) expect(t.get(absent), absent).toBeUndefined();
  });

  it('a survey stats the recorded files: intact only as a regular file of the recorded size and mode', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-prevtree-'));
    try {
      const out = path.join(dir, 'out');
      mkdirSync(path.join(out, 'a'), { recursive: true });
      const files = { 'a/same': 'same', 'a/grown': 'grown!', 'a/mode': 'mode', 'a/stray': 'x' };
      for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(out, rel), content, { mode: 0o644 });
      chmodSync(path.join(out, 'a/mode'), 0o755);
      const entry = (p: string, size: number) => ({ path: p, kind: 'doc', sha256: hex('a'), size, mode: '0644' });
      writeFileSync(path.join(out, 'manifest.json'), manifestJson('x.yaml', [entry('a/gone', 1), entry('a/grown', 5), entry('a/mode', 4), entry('a/same', 4)]));
      const s = surveyTree(out, true);
      const t = new PreviousTree(s.tree);
      expect(['a/same', 'a/grown', 'a/mode', 'a/gone', 'a/stray'].map((p) => t.intact(p))).toEqual([true, false, false, false, false]);
      expect(t.has('a/gone')).toBe(false);
      expect(t.unseen()).toEqual(['a/grown', 'a/mode', 'a/same', 'a/stray', 'manifest.json']);
      expect(new PreviousTree(surveyTree(out, false).tree).intact('a/same')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the lookup table made on the survey thread', () => {
  it('finds every path as the one PreviousTree makes, and is taken only when it fits the tree', () => {
    const b = new PackedTreeBuilder();
    const paths = Array.from({ length: 3000 }, (_, i) => `dc${i % 3}/n${i}/é${i % 7}/f.conf`);
    for (const p of paths) b.record({ path: p, sha256: hex('a'), mode: '0644', size: 1 });
    const packed = b.build();
    const lookup = pathLookup(decodedPaths(packed), packed.flags.length);
    const own = new PreviousTree(packed);
    const given = new PreviousTree({ ...packed, lookup });
    // A table of another tree is not taken: the tree makes its own.
    const wrong = new PreviousTree({ ...packed, lookup: pathLookup('a\0', 1) });
    for (const [i, p] of paths.entries()) for (const t of [own, given, wrong]) expect(t.idOf(p)).toBe(i);
    for (const t of [own, given, wrong]) expect(t.idOf('dc0/nowhere')).toBe(-1);
  });
});
