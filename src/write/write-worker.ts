import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

/**
 * The other half of background-writer.ts: writes the batches it is sent, in order, and reports each
 * batch's bytes (or the first failure, after which it writes nothing more). Runs on its own thread so
 * the file system's work overlaps with rendering.
 */
export type WriteBatch = [target: string, content: string, mode: number][];
export type WriteReport = { bytes: number } | { error: { code?: string; message: string } };

const port = parentPort;
const madeDirs = new Set<string>();
let failed = false;

port?.on('message', (batch: WriteBatch) => {
  if (failed) return;
  let bytes = 0;
  try {
    for (const [target, content, mode] of batch) {
      const dir = path.dirname(target);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      writeFileSync(target, content, { mode, flag: 'w' });
      bytes += content.length;
    }
  } catch (e) {
    failed = true;
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { code: err.code, message: err.message } } satisfies WriteReport);
    return;
  }
  port.postMessage({ bytes } satisfies WriteReport);
});
