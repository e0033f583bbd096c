import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { APPEND, writeBatch, WRITER_THREAD, type WriteBatch, type WriteReport } from './write-batch.js';

/** Bytes per batch buffer (a larger file is written in pieces). */
const CHUNK = 1 << 20;
/** UTF-16 units per piece of a large file: at most three bytes each in UTF-8, so a piece fits a buffer. */
const PIECE = Math.floor(CHUNK / 3);
/** Files per batch at most. */
const BATCH_FILES = 256;
/** Bytes handed over but not yet written before the producer is asked to wait. */
const MAX_IN_FLIGHT = 16 << 20;
/**
 * Buffers kept for reuse once the writing thread hands them back: as many as can be in flight, so that
 * none is dropped (garbage outside the heap lingers until a full collection: at 10,000 hosts, 70 MB of
 * it while the docs were written). At most twice the bytes in flight are held.
 */
const POOL = MAX_IN_FLIGHT / CHUNK;

const WORKER_FILE = fileURLToPath(new URL('./write-worker.js', import.meta.url));

/** A writing thread started ahead of the writer that will take it (see `startWriterThreadEarly`). */
let early: Worker | undefined;

/**
 * Starts the writing thread now, for the next BackgroundWriter to take. A thread needs 0.03–0.05 s to
 * start (an isolate of its own, its modules); started with the first full batch, that was a wait at the
 * end of a small build (4,000 files: most of its write stage), started before the compiler loads it
 * overlaps with compiling. Returns a function that ends the thread if no writer took it (a build with errors).
 */
export function startWriterThreadEarly(): () => void {
  if (!early && existsSync(WORKER_FILE)) {
    const worker = new Worker(WORKER_FILE, { workerData: WRITER_THREAD });
    worker.unref();
    // A thread that failed to start is dropped; a writer starts its own and reports that one's failure.
    worker.once('error', () => {
      if (early === worker) early = undefined;
    });
    early = worker;
  }
  return () => {
    const unused = early;
    early = undefined;
    void unused?.terminate();
  };
}

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
    if (content.length <= PIECE) return this.queue(target, content, mode);
    for (let start = 0; start < content.length; ) {
      let end = Math.min(content.length, start + PIECE);
      // Never between the two halves of a surrogate pair: each piece must encode on its own.
      if (end < content.length && /[\uD800-\uDBFF]/.test(content[end - 1])) end--;
      this.queue(target, content.slice(start, end), start === 0 ? mode : mode | APPEND);
      start = end;
    }
  }

  private queue(target: string, piece: string, mode: number): void {
    const length = Buffer.byteLength(piece);
    if (!this.chunk || this.used + length > this.chunk.length) {
      this.flush();
      this.chunk = this.take();
    }
    this.chunk.write(piece, this.used, length, 'utf8');
    this.targets.push(target);
    this.spans.push(this.used, length, mode);
    this.used += length;
    if (this.targets.length >= BATCH_FILES) this.flush();
  }

  /** A promise to await before producing more, when too much is still unwritten; otherwise undefined. */
  pace(): Promise<void> | undefined {
    this.throwIfFailed();
    if (this.inFlight <= MAX_IN_FLIGHT) return undefined;
    // Until the bytes in flight are back under the limit, not just one batch: a 6 MB file is six batches.
    return (async () => {
      while (this.inFlight > MAX_IN_FLIGHT && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    })();
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
    this.pool.length = 0;
    if (worker) await worker.terminate();
  }

  private take(): Buffer {
    return Buffer.from(this.pool.pop() ?? new ArrayBuffer(CHUNK));
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
    const worker = early ?? new Worker(WORKER_FILE, { workerData: WRITER_THREAD });
    early = undefined;
    // Never what keeps the process alive: settle() or stop() ends it.
    worker.unref();
    worker.on('message', (report: WriteReport) => {
      if ('error' in report) this.failure = Object.assign(new Error(report.error.message), { code: report.error.code });
      else {
        this.inFlight -= report.buffer.byteLength;
        if (this.pool.length < POOL) this.pool.push(report.buffer);
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
