import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WriteBatch, WriteReport } from './write-worker.js';

/** Files per message to the writing thread. */
const BATCH_FILES = 256;
/** Characters of content posted but not yet written before the producer is asked to wait. */
const MAX_IN_FLIGHT = 64 << 20;

const WORKER_FILE = fileURLToPath(new URL('./write-worker.js', import.meta.url));

/**
 * Writes new files on a second thread, so that creating 680,000 files overlaps with rendering them
 * instead of following it. Files are queued and sent in batches; a build smaller than one batch never
 * starts the thread and writes its queue on this one when it settles. The producer paces itself with
 * `pace()` (memory stays bounded however fast it renders) and must `settle()` before the tree is used.
 * Where the compiled worker module is absent (the TypeScript sources run directly), writes are
 * synchronous.
 */
export class BackgroundWriter {
  private queue: WriteBatch = [];
  private queuedChars = 0;
  private worker?: Worker;
  private inFlight = 0;
  private failure?: NodeJS.ErrnoException;
  private waiters: (() => void)[] = [];
  private readonly threaded = existsSync(WORKER_FILE);
  private readonly madeDirs = new Set<string>();

  /** Queues one file; throws the first failure of an earlier write. */
  write(target: string, content: string, mode: number): void {
    this.throwIfFailed();
    if (!this.threaded) return this.writeNow(target, content, mode);
    this.queue.push([target, content, mode]);
    this.queuedChars += content.length;
    if (this.queue.length >= BATCH_FILES) this.post();
  }

  /** A promise to await before producing more, when too much is still unwritten; otherwise undefined. */
  pace(): Promise<void> | undefined {
    this.throwIfFailed();
    if (this.inFlight <= MAX_IN_FLIGHT) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Every queued file written (or the first failure thrown); the thread is stopped. */
  async settle(): Promise<void> {
    if (!this.worker) {
      const queue = this.queue;
      this.queue = [];
      for (const [target, content, mode] of queue) this.writeNow(target, content, mode);
      return;
    }
    this.post();
    while (this.inFlight > 0 && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    await this.stop();
    this.throwIfFailed();
  }

  /** Stops the thread after the file it is writing (abandoning a build); queued files are dropped. */
  async stop(): Promise<void> {
    this.queue = [];
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private post(): void {
    if (this.queue.length === 0) return;
    const worker = this.worker ?? this.start();
    const batch = this.queue;
    this.inFlight += this.queuedChars;
    this.queue = [];
    this.queuedChars = 0;
    worker.postMessage(batch);
  }

  private start(): Worker {
    const worker = new Worker(WORKER_FILE);
    // Never what keeps the process alive: settle() or stop() ends it.
    worker.unref();
    worker.on('message', (report: WriteReport) => {
      if ('error' in report) this.failure = Object.assign(new Error(report.error.message), { code: report.error.code });
      else this.inFlight -= report.bytes;
      this.wake();
    });
    worker.on('error', (e) => {
      this.failure = e;
      this.wake();
    });
    worker.on('exit', () => {
      if (this.worker === worker && !this.failure) this.failure = new Error('the writing thread stopped');
      this.wake();
    });
    this.worker = worker;
    return worker;
  }

  private writeNow(target: string, content: string, mode: number): void {
    const dir = path.dirname(target);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    writeFileSync(target, content, { mode, flag: 'w' });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
