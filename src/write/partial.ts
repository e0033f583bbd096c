import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertSafeRelativePath, WriteError, type ManifestEntry, type OutputFile, type WriteResult } from './writer.js';

/**
 * Writes the output of a build restricted to some hosts (`netgen build --host`): their trees and the
 * inventory-wide files are replaced, every other host's tree is left as it is, and manifest.json is
 * merged so it still lists the whole output. Each file is replaced atomically (write beside, rename);
 * unlike writeTree the directory as a whole is not swapped, because most of it is not ours to touch.
 */
export function writePartial(
  finalDir: string,
  files: Map<string, OutputFile>,
  entries: ManifestEntry[],
  selectedHosts: Set<string>,
  manifestText: (entries: ManifestEntry[]) => string,
): WriteResult {
  const manifestPath = path.join(finalDir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new WriteError('NG9001', `${finalDir} has no manifest.json: build the whole inventory once before building single hosts`);
  let previous: ManifestEntry[];
  try {
    previous = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: ManifestEntry[] }).files;
  } catch (e) {
    throw new WriteError('NG9001', `cannot read ${manifestPath}: ${(e as Error).message}; rebuild the whole inventory`);
  }
  const selected = (e: { site?: string; host?: string }) => e.host !== undefined && selectedHosts.has(`${e.site}/${e.host}`);
  // Other hosts keep their entries; selected hosts and inventory-wide files come from this build.
  const kept = previous.filter((e) => e.host !== undefined && !selected(e));
  const merged = [...kept, ...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
  const out = new Map(files);
  out.set('manifest.json', { content: manifestText(merged), mode: 0o644 });

  const written: string[] = [];
  const result: WriteResult = { written: 0, writtenPaths: written, unchanged: 0, removed: [], noop: false };
  for (const [rel, f] of [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    assertSafeRelativePath(rel);
    const target = path.join(finalDir, rel);
    if (existsSync(target)) {
      const st = lstatSync(target);
      if (st.isFile() && (st.mode & 0o777) === f.mode && readFileSync(target, 'utf8') === f.content) {
        result.unchanged++;
        continue;
      }
    }
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.netgen-${process.pid}`;
    try {
      writeFileSync(tmp, f.content, { mode: f.mode });
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new WriteError('NG9001', `cannot write ${target}: ${(e as Error).message}`);
    }
    written.push(rel);
  }
  // Files the previous build made for the selected hosts (or inventory-wide) that this build no longer makes.
  for (const e of previous) {
    if ((e.host === undefined || selected(e)) && !out.has(e.path)) {
      assertSafeRelativePath(e.path);
      rmSync(path.join(finalDir, e.path), { force: true });
      result.removed.push(e.path);
    }
  }
  result.written = written.length;
  result.noop = written.length === 0 && result.removed.length === 0;
  return result;
}
