import { linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestIndex } from './manifest-index.js';
import { recoverInterruptedWrite } from './journal.js';
import { assertSafeRelativePath, listFiles, readIfFile, WriteError } from './tree-files.js';
import { TreeWriter } from './tree-writer.js';

export { assertSafeRelativePath, recoverInterruptedWrite, TreeWriter, WriteError };

export interface OutputFile {
  content: string;
  mode: number;
}

export interface ManifestEntry {
  path: string;
  kind: string;
  site?: string;
  host?: string;
  sha256: string;
  /** Bytes, so that a quick check can tell a changed file by its size without reading it. */
  size: number;
  mode: string;
}

export type { WriteStats as WriteResult } from './tree-writer.js';
import type { WriteStats as WriteResult } from './tree-writer.js';

/**
 * One writer per output directory at a time: a lock file holding the owner's PID.
 * A lock left by a process that no longer runs is taken over.
 * The lock appears with its content in one step (a hard link to a file already written), so no
 * other build can ever read it empty and take it for stale; a stale lock is moved aside by rename,
 * which only one of two builds taking it over at once can do.
 */
export function acquireLock(lockPath: string): () => void {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  const mine = `${process.pid}\n`;
  const draft = `${lockPath}.${process.pid}`;
  try {
    writeFileSync(draft, mine, { mode: 0o644 });
  } catch (e) {
    throw new WriteError('NG9001', `cannot create lock ${lockPath}: ${(e as Error).message}`);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, lockPath);
        return () => {
          if (readIfFile(lockPath) === mine) rmSync(lockPath, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError('NG9001', `cannot create lock ${lockPath}: ${(e as Error).message}`);
        const held = readIfFile(lockPath);
        if (held === undefined) continue; // released meanwhile
        const pid = Number(held.trim());
        if (pid && pid !== process.pid && isAlive(pid)) throw new WriteError('NG9002', `another netgen build (pid ${pid}) is writing this output; lock file ${lockPath}`);
        const aside = `${lockPath}.stale-${process.pid}`;
        try {
          renameSync(lockPath, aside);
        } catch {
          continue; // another build took it over first
        }
        // A fresh lock made between our read and the rename is not ours to remove: put it back.
        if (readIfFile(aside) !== held) {
          try {
            linkSync(aside, lockPath);
          } catch {
            /* a newer lock is already there */
          }
        }
        rmSync(aside, { force: true });
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
  throw new WriteError('NG9002', `cannot take the output lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Difference {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * The one comparison loop: a file is unchanged when it is a regular file with the same mode and size
 * and `sameContent` says its bytes match (read them, or trust a manifest hash).
 */
function compareTree(finalDir: string, files: Map<string, OutputFile>, sameContent: (rel: string, f: OutputFile, full: string) => boolean): Difference {
  const d: Difference = { added: [], changed: [], removed: [], unchanged: [] };
  const existing = new Set(listFiles(finalDir));
  for (const [rel, f] of files) {
    if (!existing.has(rel)) {
      d.added.push(rel);
      continue;
    }
    const full = path.join(finalDir, rel);
    const st = lstatSync(full);
    const same = st.isFile() && (st.mode & 0o777) === f.mode && st.size === Buffer.byteLength(f.content) && sameContent(rel, f, full);
    (same ? d.unchanged : d.changed).push(rel);
  }
  for (const rel of existing) if (!files.has(rel)) d.removed.push(rel);
  d.added.sort();
  d.changed.sort();
  d.removed.sort();
  return d;
}

const bytesMatch = (_rel: string, f: OutputFile, full: string) => readFileSync(full, 'utf8') === f.content;

/** Compares what is on disk with what would be written (content and mode), byte for byte. */
export function diffTree(finalDir: string, files: Map<string, OutputFile>): Difference {
  return compareTree(finalDir, files, bytesMatch);
}

/**
 * Writes a whole tree held in memory (the lab, tests): the streaming TreeWriter fed in path order,
 * trusting the hashes of the new manifest.json where the old one has the same.
 */
export function writeTree(finalDir: string, files: Map<string, OutputFile>): WriteResult {
  const hashes = ManifestIndex.parse(files.get('manifest.json')?.content);
  const writer = new TreeWriter(finalDir);
  for (const [rel, f] of [...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) writer.add(rel, f.content, f.mode, hashes?.get(rel)?.sha256);
  return writer.finish();
}
