/**
 * Progress for long builds on a terminal: nothing for the first second, then one line on stderr that
 * each stage and the writer overwrite, erased before the build prints its summary. Never on a pipe,
 * in CI, or with NETGEN_NO_PROGRESS set, so logs and tests see exactly what they saw before.
 */
const DELAY_MS = 1000;
const EVERY_MS = 100;

class Progress {
  private readonly started = performance.now();
  private last = 0;
  private shown = false;
  private readonly enabled = !!process.stderr.isTTY && !process.env.CI && !process.env.NETGEN_NO_PROGRESS;

  /** `what` is a short phrase ("rendering"); with `done`/`total`, a count follows. */
  update(what: string, done?: number, total?: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.started < DELAY_MS || now - this.last < EVERY_MS) return;
    this.last = now;
    this.shown = true;
    const count = total ? ` ${done ?? 0}/${total}` : '';
    process.stderr.write(`\r\x1b[Knetgen: ${what}${count} (${((now - this.started) / 1000).toFixed(1)}s)`);
  }

  /** Erases the line, if one was shown. */
  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

export const progress = new Progress();
