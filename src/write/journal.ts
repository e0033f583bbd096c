import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { assertSafeRelativePath } from './tree-files.js';

/**
 * The journal of an in-place change (see tree-writer.ts) and the recovery every build runs first: a
 * killed build leaves either the old tree whole or a committed journal that is replayed to the new one.
 */
export function journalPath(parent: string, base: string, pid: number): string {
  return path.join(parent, `.${base}.journal-${pid}`);
}

/**
 * Carries out a committed journal; safe to run again after a kill at any point (a file already moved
 * is no longer in the staging tree, a file already removed is gone).
 */
export function replayJournal(finalDir: string, journal: string): void {
  const { staging, written, removed } = JSON.parse(readFileSync(journal, 'utf8')) as { staging: string; written: string[]; removed: string[] };
  const stagingDir = path.join(path.dirname(finalDir), staging);
  // Removals first: an old file or link may stand where a new directory goes. Only non-directories are
  // removed (the old tree listed files), so a replay never touches a directory the writes below made.
  for (const rel of removed) {
    assertSafeRelativePath(rel);
    removeNonDirectory(path.join(finalDir, rel));
    removeEmptyParents(finalDir, path.dirname(rel));
  }
  const madeDirs = new Set<string>();
  for (const rel of written) {
    assertSafeRelativePath(rel);
    const from = path.join(stagingDir, rel);
    if (!existsSync(from)) continue;
    const to = path.join(finalDir, rel);
    const dir = path.dirname(to);
    if (!madeDirs.has(dir)) {
      ensureDir(finalDir, path.dirname(rel));
      madeDirs.add(dir);
    }
    // A directory may stand where a file now goes: the newer shape wins.
    if (existsSync(to) && lstatSync(to).isDirectory()) rmSync(to, { recursive: true, force: true });
    renameSync(from, to);
  }
  rmSync(stagingDir, { recursive: true, force: true });
  rmSync(journal, { force: true });
}

/** Unlinks a file or symbolic link (never following it); leaves directories and absent paths alone. */
function removeNonDirectory(p: string): void {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return;
  }
  if (!st.isDirectory()) unlinkSync(p);
}

/** mkdir -p inside the tree, where a file of the old tree may stand in the way of a new directory. */
function ensureDir(finalDir: string, relDir: string): void {
  let d = finalDir;
  for (const seg of relDir === '.' ? [] : relDir.split('/')) {
    d = path.join(d, seg);
    removeNonDirectory(d);
  }
  mkdirSync(path.join(finalDir, relDir), { recursive: true });
}

/** Directories emptied by removals go too, as they would with a fresh tree. */
function removeEmptyParents(finalDir: string, relDir: string): void {
  for (let d = relDir; d && d !== '.'; d = path.dirname(d)) {
    try {
      rmdirSync(path.join(finalDir, d));
    } catch {
      return; // not empty, or already gone
    }
  }
}

/** Finishes or undoes whatever an earlier, killed build left half done beside `finalDir`. */
export function recoverInterruptedWrite(finalDir: string): void {
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  let names: string[] = [];
  try {
    names = readdirSync(parent).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const full = path.join(parent, n);
    if (n.startsWith(`.${base}.journal-`)) {
      // Committed journals are replayed (new tree); uncommitted ones mean the old tree is still whole.
      if (n.endsWith('.tmp')) rmSync(full, { force: true });
      else replayJournal(finalDir, full);
    } else if (n.startsWith(`.${base}.old-`)) {
      // Killed between the two renames of a swap: the old tree is complete, put it back.
      if (!existsSync(finalDir)) renameSync(full, finalDir);
      else rmSync(full, { recursive: true, force: true });
    }
  }
  for (const n of readdirSync(parent)) if (n.startsWith(`.${base}.new-`)) rmSync(path.join(parent, n), { recursive: true, force: true });
}
