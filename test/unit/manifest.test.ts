import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestJson, ManifestList } from '../../src/render/manifest.js';
import { ManifestIndex, manifestEntries, readManifest } from '../../src/write/manifest-index.js';
import { PackedTreeBuilder, PreviousTree } from '../../src/write/previous-tree.js';
import type { ManifestEntry } from '../../src/write/writer.js';

const sha = (c: string) => c.repeat(64);
const entries: ManifestEntry[] = [
  { path: 'ansible/inventory.yml', kind: 'ansible', sha256: sha('a'), size: 10, mode: '0644' },
  { path: 'dc1/n1/etc/x.sh', kind: 'netns', site: 'dc1', host: 'n1', sha256: sha('0'), size: 0, mode: '0755' },
  { path: 'dc1/n1-b/etc/y.conf', kind: 'frr', site: 'dc1', host: 'n1-b', sha256: sha('f'), size: 123456, mode: '0640' },
];

describe('manifest', () => {
  it('packs entries and gives them back sorted by path, whatever the raw hash bytes', () => {
    const list = new ManifestList();
    for (const e of [...entries].reverse()) list.add(e);
    list.add({ path: 'dc1/n1/a', kind: 'networkd', site: 'dc1', host: 'n1', sha256: '00ff'.repeat(16), size: 1, mode: '0644' });
    list.sort();
    const back = list.toArray();
    expect(back.map((e) => e.path)).toEqual(['ansible/inventory.yml', 'dc1/n1-b/etc/y.conf', 'dc1/n1/a', 'dc1/n1/etc/x.sh']);
    expect(back.find((e) => e.path === 'dc1/n1/a')!.sha256).toBe('00ff'.repeat(16));
    expect(back.filter((e) => e.path !== 'dc1/n1/a')).toEqual([entries[0], entries[2], entries[1]]);
  });

  it('writes each line from the packed entry exactly as JSON.stringify writes the entry', () => {
    const list = new ManifestList();
    const odd: ManifestEntry[] = [
      ...entries,
      { path: 'a/"quoted"\\back\u0001ctl', kind: 'doc', sha256: '00ff'.repeat(16), size: 0, mode: '0600' },
      { path: 'é€/😀/\u2028line', kind: 'doc', site: 's"1', host: 'h\\1', sha256: sha('9'), size: 2 ** 40, mode: '0755' },
    ];
    for (const e of odd) list.add(e);
    list.sort();
    expect([...list.jsonLines()]).toEqual(list.toArray().map((e) => JSON.stringify(e)));
    expect(manifestJson('x.yaml', list)).toBe(manifestJson('x.yaml', list.toArray()));
  });

  it('holds kept files by their record in the old tree, and gives them back merged by path as if packed', () => {
    const all: ManifestEntry[] = Array.from({ length: 40 }, (_, i) => ({
      path: `dc1/n${i % 7}/${i % 3 ? 'etc' : 'é€😀'}/f${i}.conf`,
      kind: i % 2 ? 'networkd' : 'netns',
      ...(i % 5 ? { site: 'dc1', host: `n${i % 7}` } : {}),
      sha256: createHash('sha256').update(String(i)).digest('hex'),
      size: i * 10,
      mode: i % 4 ? '0644' : '0755',
    }));
    const sorted = [...all].sort((a, b) => (a.path < b.path ? -1 : 1));
    const expected = sorted.map((e) => JSON.stringify(e));
    for (const order of ['sorted', 'reversed'] as const) {
      // The old manifest: netgen's own is sorted; a hand edit may not be (then the records are packed).
      const b = new PackedTreeBuilder();
      for (const e of order === 'sorted' ? sorted : [...sorted].reverse()) b.record(e);
      const tree = new PreviousTree(b.build());
      const list = new ManifestList();
      all.forEach((e, i) => {
        if (i % 3 === 0) list.add(e);
        else list.addRecorded(e, tree, tree.idOf(e.path));
      });
      list.addRecorded(all[1], tree, tree.idOf(all[1].path)); // the same file twice
      list.sort();
      expect(list.length, order).toBe(41);
      const lines = [...list.jsonLines()].filter((l, i, a) => a.indexOf(l) === i);
      expect(lines, order).toEqual(expected);
      expect([...list.entries()].map((e) => JSON.stringify(e)).filter((l, i, a) => a.indexOf(l) === i), order).toEqual(expected);
    }
  });

  it('is one line per file, valid JSON, read back line by line', () => {
    const text = manifestJson('x.yaml', entries);
    expect(text.split('\n').filter((l) => l.startsWith('    {"path":'))).toHaveLength(3);
    expect(JSON.parse(text).files).toEqual(entries.map((e) => JSON.parse(JSON.stringify(e))));
    expect([...manifestEntries(text)].map((e) => e.path)).toEqual(entries.map((e) => e.path));
    expect(ManifestIndex.parse(text)!.get('dc1/n1-b/etc/y.conf')).toEqual({ sha256: sha('f'), mode: '0640', size: 123456 });
    expect(ManifestIndex.parse(manifestJson('x.yaml', []))).toBeDefined();
  });

  it('reads any other JSON layout whole, and stops at a damaged line', () => {
    const pretty = JSON.stringify({ generator: 'netgen', files: entries }, null, 2);
    expect([...manifestEntries(pretty)].map((e) => e.path)).toEqual(entries.map((e) => e.path));
    const lines = manifestJson('x.yaml', entries).split('\n');
    const damaged = [...lines.slice(0, 6), '    {"path": broken', ...lines.slice(7)].join('\n');
    expect([...manifestEntries(damaged)].map((e) => e.path)).toEqual(['ansible/inventory.yml']);
    expect(ManifestIndex.parse('not json')).toBeUndefined();
    expect(ManifestIndex.parse(undefined)).toBeUndefined();
    // A hash that is not 64 hex digits is not trusted: that file is compared by its bytes.
    const odd = manifestJson('x.yaml', [{ ...entries[0], sha256: 'xyz' }]);
    expect(ManifestIndex.parse(odd)!.get(entries[0].path)).toBeUndefined();
  });

  it('reads a manifest file a megabyte at a time as it reads the text: same index, the whole file hashed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-manifest-'));
    try {
      // Several megabytes, with multi-byte paths that fall across the reader's chunk boundaries.
      const many: ManifestEntry[] = Array.from({ length: 30000 }, (_, i) => ({ path: `dc1/n${i}/etc/é€😀-${'x'.repeat(i % 97)}.conf`, kind: 'networkd', site: 'dc1', host: `n${i}`, sha256: sha('0123456789abcdef'[i % 16]), size: i, mode: '0644' }));
      const cases = { lines: manifestJson('x.yaml', many), pretty: JSON.stringify({ files: many }, null, 1), empty: manifestJson('x.yaml', []), damaged: 'not json' };
      for (const [name, text] of Object.entries(cases)) {
        const file = path.join(dir, `${name}.json`);
        writeFileSync(file, text);
        const read = readManifest(file)!;
        expect(read.sha256, name).toBe(createHash('sha256').update(text).digest('hex'));
        const whole = ManifestIndex.parse(text);
        expect(read.index === undefined, name).toBe(whole === undefined);
        for (const e of manifestEntries(text)) expect(read.index!.get(e.path), name).toEqual(whole!.get(e.path));
      }
      expect(readManifest(path.join(dir, 'lines.json'))!.index!.get(many[29999].path)).toEqual({ sha256: sha('f'), mode: '0644', size: 29999 });
      expect(readManifest(path.join(dir, 'missing.json'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
