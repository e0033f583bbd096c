import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

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
 */
export function acquireLock(lockPath: string): () => void {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError('NG9001', `cannot create lock ${lockPath}: ${(e as Error).message}`);
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw new WriteError('NG9002', `another netgen build (pid ${pid}) is writing this output; lock file ${lockPath}`);
      rmSync(lockPath, { force: true });
    }
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

/** Compares what is on disk with what would be written (content and mode). */
export function diffTree(finalDir: string, files: Map<string, OutputFile>): Difference {
  const d: Difference = { added: [], changed: [], removed: [], unchanged: [] };
  const existing = new Set(listFiles(finalDir));
  for (const [rel, f] of files) {
    if (!existing.has(rel)) {
      d.added.push(rel);
      continue;
    }
    const full = path.join(finalDir, rel);
    const st = lstatSync(full);
    if (!st.isFile() || (st.mode & 0o777) !== f.mode || st.size !== Buffer.byteLength(f.content) || readFileSync(full, 'utf8') !== f.content) d.changed.push(rel);
    else d.unchanged.push(rel);
  }
  for (const rel of existing) if (!files.has(rel)) d.removed.push(rel);
  d.added.sort();
  d.changed.sort();
  d.removed.sort();
  return d;
}

/**
 * Writes the whole tree atomically: a new tree is assembled beside the old one (unchanged files are
 * hard links, so they are not rewritten and keep their mtime), then swapped in with two renames.
 * On any error the previous tree is left as it was. When nothing differs, nothing is touched.
 */
export function writeTree(finalDir: string, files: Map<string, OutputFile>): WriteResult {
  for (const rel of files.keys()) assertSafeRelativePath(rel);
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  mkdirSync(parent, { recursive: true });
  if (existsSync(finalDir) && lstatSync(finalDir).isSymbolicLink()) throw new WriteError('NG9004', `refusing to write through the symbolic link ${finalDir}`);
  const diff = diffTree(finalDir, files);
  if (diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0 && existsSync(finalDir)) {
    return { written: [], unchanged: diff.unchanged.length, removed: [], noop: true };
  }
  const tmp = path.join(parent, `.${base}.new-${process.pid}`);
  const old = path.join(parent, `.${base}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const unchanged = new Set(diff.unchanged);
  const madeDirs = new Set<string>();
  try {
    for (const [rel, f] of [...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
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
