import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { formatDiagnostic, formatSummary } from '../diagnostics/format.js';
import type { LoadedInventory } from '../load/load.js';

export interface ReportOptions {
  color: boolean;
  format: 'text' | 'json';
}

/** Prints every diagnostic of one run, sorted, with excerpts; returns the error count. */
export function reportDiagnostics(bag: DiagnosticBag, loaded: LoadedInventory | undefined, opts: ReportOptions): number {
  const sorted = bag.sorted();
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
