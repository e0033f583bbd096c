import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A batch of new files for the writing thread: their bytes back to back, transferred rather than copied. */
export interface WriteBatch {
  buffer: ArrayBuffer;
  files: [target: string, offset: number, length: number, mode: number][];
}

/** What the writing thread reports per batch: the bytes written and the buffer back, or the first failure. */
export type WriteReport = { bytes: number; buffer: ArrayBuffer } | { error: { code?: string; message: string } };

/** Marks the writing thread, so that its entry module acts only there. */
export const WRITER_THREAD = 'netgen-writer';

/** Writes one batch, making directories as needed (`made` remembers them); returns the bytes written. */
export function writeBatch(batch: WriteBatch, made: Set<string>): number {
  const bytes = Buffer.from(batch.buffer);
  let total = 0;
  for (const [target, offset, length, mode] of batch.files) {
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(target, bytes.subarray(offset, offset + length), { mode, flag: 'w' });
    total += length;
  }
  return total;
}
