import { parentPort, workerData } from 'node:worker_threads';
import { writeBatch, WRITER_THREAD, type WriteBatch, type WriteReport } from './write-batch.js';

/**
 * The writing thread of background-writer.ts: writes the batches it is sent, in order, and hands each
 * batch's buffer back with its byte count, or reports the first failure and then writes nothing more.
 */
const port = workerData === WRITER_THREAD ? parentPort : null;
const madeDirs = new Set<string>();
let failed = false;

port?.on('message', (batch: WriteBatch) => {
  if (failed) return;
  let bytes: number;
  try {
    bytes = writeBatch(batch, madeDirs);
  } catch (e) {
    failed = true;
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { code: err.code, message: err.message } } satisfies WriteReport);
    return;
  }
  port.postMessage({ bytes, buffer: batch.buffer } satisfies WriteReport, [batch.buffer]);
});
