import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { progress } from '../pipeline/progress.js';

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
  mode: string;
}

export interface WriteResult {
  written: string[];
  unchanged: number;
  removed: string[];
  /** True when the previous tree already matched and nothing was touched. */
  noop: boolean;
}

export class WriteError extends Error {
  constructor(
    readonly code: 'NG9001' | 'NG9002' | 'NG9004',
    message: string,
  ) {
    super(message);
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Rejects any path that could leave the output tree. */
export function assertSafeRelativePath(rel: string): void {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0') || rel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
    throw new WriteError('NG9004', `refusing to write '${rel}': it is not a plain relative path inside the output directory`);
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

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
          if (readIfExists(lockPath) === mine) rmSync(lockPath, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError('NG9001', `cannot create lock ${lockPath}: ${(e as Error).message}`);
        const held = readIfExists(lockPath);
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
        if (readIfExists(aside) !== held) {
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

function readIfExists(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Finishes or undoes a swap that an earlier, killed build left half done. */
export function recoverInterruptedSwap(finalDir: string): void {
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const full = path.join(parent, n);
    if (n.startsWith(`.${base}.old-`)) {
      // Killed between the two renames: the old tree is complete, put it back.
      if (!existsSync(finalDir)) renameSync(full, finalDir);
      else rmSync(full, { recursive: true, force: true });
    }
  }
  for (const n of readdirSync(parent)) if (n.startsWith(`.${base}.new-`)) rmSync(path.join(parent, n), { recursive: true, force: true });
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

interface ManifestIndex {
  get(rel: string): { sha256: string; mode: string } | undefined;
}

/** path → {sha256, mode} of a manifest.json text; undefined when absent or unreadable. */
function manifestIndex(text: string | undefined): ManifestIndex | undefined {
  if (text === undefined) return undefined;
  try {
    const files = (JSON.parse(text) as { files?: ManifestEntry[] }).files;
    if (!Array.isArray(files)) return undefined;
    return new Map(files.map((e) => [e.path, { sha256: e.sha256, mode: e.mode }]));
  } catch {
    return undefined;
  }
}

function readIfFile(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * diffTree for the writer: a file whose entry in the previous manifest has the sha256 that this build
 * computed, and whose size and mode on disk still match, is taken as unchanged without reading it.
 * Everything else (no previous manifest, a file the manifest does not list, a size or mode that
 * differs) is compared byte for byte. `build --check` keeps using the strict diffTree.
 */
export function diffTreeTrustingManifest(finalDir: string, files: Map<string, OutputFile>): Difference {
  const next = manifestIndex(files.get('manifest.json')?.content);
  const previous = next && manifestIndex(readIfFile(path.join(finalDir, 'manifest.json')));
  if (!next || !previous) return diffTree(finalDir, files);
  return compareTree(finalDir, files, (rel, f, full) => {
    const was = previous.get(rel);
    const now = next.get(rel);
    return was && now ? was.sha256 === now.sha256 : bytesMatch(rel, f, full);
  });
}

/**
 * Writes the whole tree atomically: a new tree is assembled beside the old one (unchanged files are
 * hard links, so they are not rewritten and keep their mtime), then swapped in with two renames.
 * On any error the previous tree is left as it was. When nothing differs, nothing is touched.
 */
export function writeTree(finalDir: string, files: Map<string, OutputFile>): WriteResult {
  try {
    return writeTreeNow(finalDir, files);
  } finally {
    progress.clear();
  }
}

function writeTreeNow(finalDir: string, files: Map<string, OutputFile>): WriteResult {
  for (const rel of files.keys()) assertSafeRelativePath(rel);
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  mkdirSync(parent, { recursive: true });
  if (existsSync(finalDir) && lstatSync(finalDir).isSymbolicLink()) throw new WriteError('NG9004', `refusing to write through the symbolic link ${finalDir}`);
  const diff = diffTreeTrustingManifest(finalDir, files);
  if (diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0 && existsSync(finalDir)) {
    return { written: [], unchanged: diff.unchanged.length, removed: [], noop: true };
  }
  const tmp = path.join(parent, `.${base}.new-${process.pid}`);
  const old = path.join(parent, `.${base}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const unchanged = new Set(diff.unchanged);
  const madeDirs = new Set<string>();
  try {
    let done = 0;
    for (const [rel, f] of [...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      progress.update('writing', done++, files.size);
      const target = path.join(tmp, rel);
      const dir = path.dirname(target);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      if (unchanged.has(rel)) linkSync(path.join(finalDir, rel), target);
      else writeFileSync(target, f.content, { mode: f.mode, flag: 'wx' });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const err = e as NodeJS.ErrnoException;
    throw new WriteError('NG9001', `cannot write the output tree: ${err.code === 'ENOSPC' ? 'no space left on device' : err.message}; the previous output is unchanged`);
  }
  try {
    if (existsSync(finalDir)) renameSync(finalDir, old);
    renameSync(tmp, finalDir);
  } catch (e) {
    if (!existsSync(finalDir) && existsSync(old)) renameSync(old, finalDir);
    rmSync(tmp, { recursive: true, force: true });
    throw new WriteError('NG9001', `cannot swap in the new output: ${(e as Error).message}; the previous output is unchanged`);
  }
  rmSync(old, { recursive: true, force: true });
  return { written: [...diff.added, ...diff.changed], unchanged: diff.unchanged.length, removed: diff.removed, noop: false };
}
