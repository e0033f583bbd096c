import { createHash } from 'node:crypto';
import { closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { progress } from '../pipeline/progress.js';
import { BackgroundWriter } from './background-writer.js';
import { journalPath, replayJournal } from './journal.js';
import { modeText, onDiskAs, under } from './manifest-index.js';
import { PreviousTree } from './previous-tree.js';
import { surveyTree, treeStamp, type TreeSurvey } from './survey.js';
import { assertSafeRelativePath, fileSha256, readIfFile, writeAll, writeFailure, WriteError } from './tree-files.js';

/** A kept file's size and manifest hash: in hex, or as its record in the old tree (the new entry refers to it). */
export type KeptFile = { size: number } & ({ sha256: string } | { tree: PreviousTree; id: number });

/**
 * The streaming output writer. Files arrive one at a time as they are rendered and are not kept:
 * a file whose previous manifest hash, mode and size match is unchanged and never touched; any other
 * is written at once into a staging tree beside out/. `finish` then makes the new tree visible:
 *
 * - a first build renames the staging tree into place;
 * - a small change (few files written or removed) is applied in place under a journal: the list of
 *   renames and removals is committed by one rename of the journal file, then carried out. A kill
 *   before the commit leaves the old tree; after it, recovery (which every build runs first) replays
 *   the journal to the new tree. Unchanged files keep their inode and mtime, and the cost is the
 *   change, not the tree;
 * - a large change links the unchanged files into the staging tree and swaps the two trees with two
 *   renames, so out/ is never a mixture even while the build runs.
 */

export interface WriteStats {
  /** Files written. */
  written: number;
  /** Their paths, sorted; absent when there was no tree before (then they are all its files: 680,000 paths at 10,000 hosts). */
  writtenPaths?: string[];
  unchanged: number;
  removed: string[];
  noop: boolean;
}

/** In-place application when at most this share of the tree (and at least SMALL_MIN files) changes. */
const SMALL_SHARE = 0.1;
const SMALL_MIN = 64;

export class TreeWriter {
  private readonly parent: string;
  private readonly base: string;
  private readonly staging: string;
  /** The old tree: its files (those not seen in the new one are removed at the end) and its manifest's records. */
  private readonly old: PreviousTree;
  private readonly existed: boolean;
  private readonly madeDirs = new Set<string>();
  /** Files given to the new tree so far. */
  private seenCount = 0;
  /**
   * Files kept as they are. Only counted: a swap links them from the old tree's records (seen, not
   * written), and a list of their paths was 680,000 strings at 10,000 hosts that nothing else held.
   */
  private unchanged = 0;
  /** Paths written, when a tree existed (the journal of an in-place change lists them); else only counted. */
  private readonly written: string[] = [];
  private writtenCount = 0;
  private stagingMade = false;
  /** sha256 of each file given in pieces (manifest.json), as the new tree holds it. */
  private readonly streamed = new Map<string, string>();
  /** sha256 of the manifest.json the output held when this writer started (under the output lock). */
  readonly previousManifestSha: string | undefined;
  /** The output and its manifest.json as the survey found them (survey.ts, treeStamp). */
  private readonly surveyStamp: string;

  /** With `background`, new files are written on a second thread: `pace()` between hosts, `settle()` before `finish()`. */
  private readonly background: BackgroundWriter | undefined;

  /** Whether the previous manifest's entries carry a survey's verdict on the files (PreviousTree.intact). */
  private readonly statsKnown: boolean;

  /**
   * `survey`: the tree as surveyed on another thread while the inventory compiled (survey.ts); taken when
   * out/ and its manifest.json are still the ones surveyed, else the writer surveys now, without stats.
   */
  constructor(
    private readonly finalDir: string,
    opts: { background?: boolean; survey?: TreeSurvey } = {},
  ) {
    this.background = opts.background ? new BackgroundWriter() : undefined;
    this.parent = path.dirname(finalDir);
    this.base = path.basename(finalDir);
    this.staging = path.join(this.parent, `.${this.base}.new-${process.pid}`);
    mkdirSync(this.parent, { recursive: true });
    if (existsSync(finalDir) && lstatSync(finalDir).isSymbolicLink()) throw new WriteError('NG9004', `refusing to write through the symbolic link ${finalDir}`);
    const current = opts.survey && opts.survey.stamp === treeStamp(finalDir) ? opts.survey : undefined;
    const survey = current ?? surveyTree(finalDir, false);
    this.statsKnown = current !== undefined;
    this.existed = survey.existed;
    this.old = new PreviousTree(survey.tree);
    this.previousManifestSha = survey.manifestSha;
    this.surveyStamp = survey.stamp;
    rmSync(this.staging, { recursive: true, force: true });
  }

  /**
   * One file of the new tree; `sha256` is its manifest hash when the caller has it (manifest.json has none).
   * Content given in pieces is streamed to disk and never held whole.
   */
  add(rel: string, content: string | Iterable<string>, mode: number, sha256?: string): void {
    assertSafeRelativePath(rel);
    const wasThere = this.see(rel);
    if (typeof content !== 'string') return this.addStream(rel, content, mode, wasThere);
    if (wasThere && this.isUnchanged(rel, content, mode, sha256)) {
      this.unchanged++;
      return;
    }
    this.wrote(rel);
    progress.update('writing', this.writtenCount);
    try {
      if (this.background) this.background.write(this.stagingPath(rel), content, mode);
      else writeFileSync(this.stagingTarget(rel), content, { mode, flag: 'w' });
    } catch (e) {
      // The background thread may still be writing: the caller abandons with abandonAsync().
      if (!this.background) this.abandon();
      throw writeFailure(e, 'cannot write the output tree');
    }
  }

  /** Between hosts: a promise to await while the background thread catches up, else undefined. */
  pace(): Promise<void> | undefined {
    try {
      return this.background?.pace();
    } catch (e) {
      throw writeFailure(e, 'cannot write the output tree');
    }
  }

  /** Waits until every file given so far is on disk (background writes); throws the first write failure. */
  async settle(): Promise<void> {
    try {
      await this.background?.settle();
    } catch (e) {
      throw writeFailure(e, 'cannot write the output tree');
    }
  }

  /**
   * Keeps the file the last build wrote, without its content (the caller proved it would be the same):
   * it must still be on disk as the previous manifest recorded it, a regular file of that size and mode.
   * Returns its manifest hash and size, or undefined when the caller has to render it after all.
   */
  keep(rel: string, mode: number): KeptFile | undefined {
    return this.keepAll([{ path: rel, mode }])?.[0];
  }

  /** Keeps every one of the files, or none when one of them cannot be kept (see `keep`). */
  keepAll(files: Array<{ path: string; mode: number }>): KeptFile[] | undefined {
    const kept: Array<KeptFile & { id: number }> = [];
    for (let i = 0; i < files.length; i++) {
      const k = this.keepable(files[i].path, files[i].mode);
      if (!k) {
        for (const done of kept) this.old.markSeen(done.id, false);
        return undefined;
      }
      // Marked at once, taken back if a later file cannot be kept (a path listed twice is then not keepable).
      this.old.markSeen(k.id, true);
      kept.push(k);
    }
    this.seenCount += files.length;
    this.unchanged += files.length;
    return kept;
  }

  private keepable(rel: string, mode: number): (KeptFile & { id: number }) | undefined {
    assertSafeRelativePath(rel);
    const id = this.old.keepable(rel, mode, this.statsKnown);
    if (id < 0) return undefined;
    const size = this.old.sizeAt(id);
    if (!this.statsKnown && !onDiskAs(under(this.finalDir, rel), size, modeText(mode))) return undefined;
    // The new manifest entry refers to the old record: no hash string, no packed entry per kept file.
    return { tree: this.old, id, size };
  }

  /** Written to staging while hashed; dropped again when the file on disk has the same bytes. */
  private addStream(rel: string, chunks: Iterable<string>, mode: number, wasThere: boolean): void {
    const hash = createHash('sha256');
    let size = 0;
    let target: string;
    try {
      target = this.stagingTarget(rel);
      const fd = openSync(target, 'w', mode);
      try {
        for (const chunk of chunks) {
          const buf = Buffer.from(chunk, 'utf8');
          hash.update(buf);
          size += buf.length;
          writeAll(fd, buf);
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if (!this.background) this.abandon(); // else the caller's abandonAsync(), once the thread has stopped
      throw writeFailure(e, 'cannot write the output tree');
    }
    const sha = hash.digest('hex');
    this.streamed.set(rel, sha);
    // The old manifest.json was hashed by the survey that read it: while the output is still as surveyed,
    // that hash says whether the new one is the same, without reading 140 MB again (10,000 hosts).
    const known = rel === 'manifest.json' && this.previousManifestSha !== undefined && treeStamp(this.finalDir) === this.surveyStamp ? this.previousManifestSha : undefined;
    if (wasThere && (known !== undefined ? known === sha && sameFile(under(this.finalDir, rel), mode, size) : sameFile(under(this.finalDir, rel), mode, size, sha))) {
      unlinkSync(target);
      this.unchanged++;
    } else this.wrote(rel);
  }

  private wrote(rel: string): void {
    this.writtenCount++;
    if (this.existed) this.written.push(rel);
  }

  /** The sha256 of a file that was given in pieces; its bytes are not read back. */
  streamedSha(rel: string): string | undefined {
    return this.streamed.get(rel);
  }

  /**
   * Where `rel` goes in the staging tree, whose root exists; its directory is the caller's to make.
   * (`rel` passed assertSafeRelativePath, so joining needs no normalising: path.join was 50 ms of a
   * 1,000-host build, and 70 MB of its allocations.)
   */
  private stagingPath(rel: string): string {
    if (!this.stagingMade) {
      mkdirSync(this.staging, { recursive: true });
      this.stagingMade = true;
    }
    return under(this.staging, rel);
  }

  private stagingTarget(rel: string): string {
    const target = this.stagingPath(rel);
    const dir = path.dirname(target);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    return target;
  }

  /**
   * Unchanged: a regular file of the same mode and size whose previous manifest hash is this one, or
   * (no hash to trust) whose bytes are these.
   */
  private isUnchanged(rel: string, content: string, mode: number, sha256: string | undefined): boolean {
    if (this.statsKnown && sha256 !== undefined) {
      const was = this.old.get(rel);
      if (was && was.size !== undefined) return this.old.intact(rel) && was.sha256 === sha256 && was.mode === modeText(mode) && was.size === Buffer.byteLength(content);
    }
    const full = under(this.finalDir, rel);
    const st = lstatSync(full);
    if (!st.isFile() || (st.mode & 0o777) !== mode || st.size !== Buffer.byteLength(content)) return false;
    const was = this.old.get(rel);
    if (was && sha256 !== undefined) return was.sha256 === sha256 && was.mode === modeText(mode);
    return readIfFile(full) === content;
  }

  /** Removes the staging tree (on error, or when the build is abandoned). */
  abandon(): void {
    rmSync(this.staging, { recursive: true, force: true });
  }

  /** abandon(), once the background thread has stopped writing into the staging tree. */
  async abandonAsync(): Promise<void> {
    await this.background?.stop();
    this.abandon();
  }

  finish(): WriteStats {
    try {
      return this.finishNow();
    } finally {
      progress.clear();
    }
  }

  /** Counts a file of the new tree and marks it seen in the old one; true when the old tree had it. */
  private see(rel: string): boolean {
    this.seenCount++;
    return this.old.see(rel);
  }


  private finishNow(): WriteStats {
    const removed = this.old.unseen();
    const written = this.written.sort();
    const stats: WriteStats = { written: this.writtenCount, writtenPaths: this.existed ? written : undefined, unchanged: this.unchanged, removed, noop: false };
    if (this.existed && written.length === 0 && removed.length === 0) {
      this.abandon();
      return { ...stats, noop: true };
    }
    if (!this.stagingMade) mkdirSync(this.staging, { recursive: true });
    if (!this.existed) {
      try {
        renameSync(this.staging, this.finalDir);
      } catch (e) {
        this.abandon();
        throw writeFailure(e, 'cannot move the new output into place');
      }
      return stats;
    }
    const total = this.seenCount;
    if (written.length + removed.length <= Math.max(SMALL_MIN, total * SMALL_SHARE)) this.applyInPlace(written, removed);
    else this.swap();
    return stats;
  }

  private applyInPlace(written: string[], removed: string[]): void {
    const journal = journalPath(this.parent, this.base, process.pid);
    try {
      writeFileSync(`${journal}.tmp`, JSON.stringify({ staging: path.basename(this.staging), written, removed }));
      renameSync(`${journal}.tmp`, journal); // the commit point: from here on, recovery completes it
    } catch (e) {
      rmSync(`${journal}.tmp`, { force: true });
      this.abandon();
      throw writeFailure(e, 'cannot record the change');
    }
    replayJournal(this.finalDir, journal);
  }

  private swap(): void {
    const old = path.join(this.parent, `.${this.base}.old-${process.pid}`);
    try {
      let done = 0;
      const written = new Set(this.written);
      for (const rel of this.old.seen()) {
        if (written.has(rel)) continue;
        progress.update('linking unchanged files', done++, this.unchanged);
        const target = under(this.staging, rel);
        const dir = path.dirname(target);
        if (!this.madeDirs.has(dir)) {
          mkdirSync(dir, { recursive: true });
          this.madeDirs.add(dir);
        }
        linkSync(under(this.finalDir, rel), target);
      }
    } catch (e) {
      this.abandon();
      throw writeFailure(e, 'cannot write the output tree');
    }
    try {
      renameSync(this.finalDir, old);
      renameSync(this.staging, this.finalDir);
    } catch (e) {
      if (!existsSync(this.finalDir) && existsSync(old)) renameSync(old, this.finalDir);
      this.abandon();
      throw writeFailure(e, 'cannot swap in the new output');
    }
    rmSync(old, { recursive: true, force: true });
  }
}

/** Whether `p` is a regular file of this mode and size and (when `sha256` is given) these bytes. */
function sameFile(p: string, mode: number, size: number, sha256?: string): boolean {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return false;
  }
  if (!st.isFile() || (st.mode & 0o777) !== mode || st.size !== size) return false;
  return sha256 === undefined || fileSha256(p) === sha256;
}
