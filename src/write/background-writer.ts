import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeBatch, WRITER_THREAD, type WriteBatch, type WriteReport } from './write-batch.js';

/** Bytes per batch buffer (a larger file gets a buffer of its own size). */
const CHUNK = 1 << 20;
/** Files per batch at most. */
const BATCH_FILES = 256;
/** Bytes handed over but not yet written before the producer is asked to wait. */
const MAX_IN_FLIGHT = 32 << 20;
/** Buffers kept for reuse once the writing thread hands them back. */
const POOL = 8;

const WORKER_FILE = fileURLToPath(new URL('./write-worker.js', import.meta.url));

/**
 * Writes new files on a second thread, so that creating 680,000 files overlaps with rendering them
 * instead of following it. Each file's text is encoded at once into a batch buffer outside the
 * JavaScript heap (the string is garbage straight away, as with a synchronous write), and full
 * buffers are transferred to the thread, which writes them and hands them back for reuse. A build
 * smaller than one batch never starts the thread: `settle()` writes its batch here. The producer
 * paces itself with `pace()`, so memory stays bounded however fast it renders, and must `settle()`
 * before the tree is used. Where the compiled worker module is absent (the TypeScript sources run
 * directly), batches are written on this thread.
 */
export class BackgroundWriter {
  private chunk?: Buffer;
  private used = 0;
  private targets: string[] = [];
  private spans: number[] = [];
  private readonly pool: ArrayBuffer[] = [];
  private worker?: Worker;
  private inFlight = 0;
  private failure?: NodeJS.ErrnoException;
  private waiters: (() => void)[] = [];
  private readonly threaded = existsSync(WORKER_FILE);
  private readonly madeDirs = new Set<string>();

  /** Queues one file; throws the first failure of an earlier write. */
  write(target: string, content: string, mode: number): void {
    this.throwIfFailed();
    const length = Buffer.byteLength(content);
    if (!this.chunk || this.used + length > this.chunk.length) {
      this.flush();
      this.chunk = this.take(length);
    }
    this.chunk.write(content, this.used, length, 'utf8');
    this.targets.push(target);
    this.spans.push(this.used, length, mode);
    this.used += length;
    if (this.targets.length >= BATCH_FILES) this.flush();
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
      const batch = this.detach();
      if (batch) writeBatch(batch, this.madeDirs);
      return;
    }
    this.flush();
    while (this.inFlight > 0 && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    await this.stop();
    this.throwIfFailed();
  }

  /** Stops the thread after the file it is writing (abandoning a build); queued files are dropped. */
  async stop(): Promise<void> {
    this.detach();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private take(length: number): Buffer {
    const reused = length <= CHUNK ? this.pool.pop() : undefined;
    return Buffer.from(reused ?? new ArrayBuffer(Math.max(CHUNK, length)));
  }

  /** The batch being filled, taken out of the writer (undefined when empty). */
  private detach(): WriteBatch | undefined {
    const { chunk, targets, spans } = this;
    this.chunk = undefined;
    this.used = 0;
    this.targets = [];
    this.spans = [];
    return chunk && targets.length ? { buffer: chunk.buffer as ArrayBuffer, targets: targets.join('\0'), spans: Uint32Array.from(spans) } : undefined;
  }

  /** Hands the batch being filled to the thread (started with the first full batch), or writes it here. */
  private flush(): void {
    const batch = this.detach();
    if (!batch) return;
    if (!this.threaded) {
      writeBatch(batch, this.madeDirs);
      return;
    }
    const worker = this.worker ?? this.start();
    this.inFlight += batch.buffer.byteLength;
    worker.postMessage(batch, [batch.buffer]);
  }

  private start(): Worker {
    const worker = new Worker(WORKER_FILE, { workerData: WRITER_THREAD });
    // Never what keeps the process alive: settle() or stop() ends it.
    worker.unref();
    worker.on('message', (report: WriteReport) => {
      if ('error' in report) this.failure = Object.assign(new Error(report.error.message), { code: report.error.code });
      else {
        this.inFlight -= report.buffer.byteLength;
        if (report.buffer.byteLength === CHUNK && this.pool.length < POOL) this.pool.push(report.buffer);
      }
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
