import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { formatDiagnostic, formatSummary } from '../diagnostics/format.js';
import type { LoadedInventory } from '../load/load.js';
import { toSarif } from '../diagnostics/sarif.js';

export interface ReportOptions {
  color: boolean;
  format: 'text' | 'json' | 'sarif';
}

/** Prints every diagnostic of one run, sorted, with excerpts; returns the error count. */
export function reportDiagnostics(bag: DiagnosticBag, loaded: LoadedInventory | undefined, opts: ReportOptions): number {
  const sorted = bag.sorted();
  // SARIF is written even when empty: CI uploads the file on every run.
  if (opts.format === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif(sorted), null, 2)}\n`);
    return bag.errorCount;
  }
  if (opts.format === 'json') {
    if (sorted.length) process.stdout.write(`${JSON.stringify({ diagnostics: sorted }, null, 2)}\n`);
    return bag.errorCount;
  }
  const sources = new Map<string, string>();
  for (const f of loaded?.locator.files ?? []) sources.set(f.displayPath, f.text);
  for (const d of sorted) process.stderr.write(`${formatDiagnostic(d, { color: opts.color, sources })}\n`);
  if (sorted.length) process.stderr.write(`${formatSummary(bag.errorCount, sorted.length - bag.errorCount)}\n`);
  return bag.errorCount;
}
