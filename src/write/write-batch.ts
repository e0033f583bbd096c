import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A batch of new files for the writing thread: their bytes back to back, transferred rather than copied.
 * The file table is one string and one typed array, not an array of tuples: cloning 256 small arrays per
 * message cost 0.8 ms, a twentieth of the whole build at 10,000 hosts.
 */
export interface WriteBatch {
  buffer: ArrayBuffer;
  /** Target paths, joined by NUL (a path never holds one). */
  targets: string;
  /** offset, length and mode of each piece, in the order of `targets` (APPEND set on a file's later pieces). */
  spans: Uint32Array;
}

/**
 * Set in a piece's mode when it continues the file named before it: a file larger than a batch buffer
 * is written in pieces through the pooled buffers (a buffer of its own size each was 90 MB outside the
 * heap while the largest docs were written, collected only at the collector's leisure).
 */
export const APPEND = 1 << 16;

/** What the writing thread reports per batch: the bytes written and the buffer back, or the first failure. */
export type WriteReport = { bytes: number; buffer: ArrayBuffer } | { error: { code?: string; message: string } };

/** Marks the writing thread, so that its entry module acts only there. */
export const WRITER_THREAD = 'netgen-writer';

/**
 * Directories known to exist, remembered up to a bound: files come host by host, so the recent ones are
 * the ones asked about, and a forgotten one only costs a mkdir that finds it there. Unbounded, the set
 * held every directory of the tree (240,000 at 10,000 hosts, 30 MB on the writing thread).
 */
const MADE_MAX = 4096;

/** Writes one batch, making directories as needed (`made` remembers some of them); returns the bytes written. */
export function writeBatch(batch: WriteBatch, made: Set<string>): number {
  const bytes = Buffer.from(batch.buffer);
  let total = 0;
  const targets = batch.targets.split('\0');
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const offset = batch.spans[3 * i];
    const length = batch.spans[3 * i + 1];
    const mode = batch.spans[3 * i + 2];
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      if (made.size >= MADE_MAX) made.clear();
      made.add(dir);
    }
    writeFileSync(target, bytes.subarray(offset, offset + length), { mode: mode & ~APPEND, flag: mode & APPEND ? 'a' : 'w' });
    total += length;
  }
  return total;
}
