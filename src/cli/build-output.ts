import path from 'node:path';
import { UsageError } from '../diagnostics/diagnostic.js';

/** What a build of one inventory prints (nothing with --quiet); shared by the CLI and its quick path. */
export function buildSummary(outDir: string, result: { written: number; unchanged: number; removed: number }, hosts: number, secs: number, note?: string): string {
  return `${outDir}: ${result.written} written, ${result.unchanged} unchanged, ${result.removed} removed; ${hosts} host${hosts === 1 ? '' : 's'} in ${secs.toFixed(2)}s${note ? ` (${note})` : ''}\n`;
}

/** The --timings line of a build that found its output up to date. */
export const upToDateTimings = (secs: number): string => `timings (ms): inputs and output unchanged, checked in ${(secs * 1000).toFixed(1)}\n`;

export function outDirFor(inventory: string, flags: { out?: string }, many: boolean): string {
  if (flags.out && many) throw new UsageError('-o/--out takes one inventory; give it alone, or omit -o to build every inventory into out/<name>/');
  if (flags.out) return flags.out;
  const name = path.basename(inventory.replace(/[/\\]+$/, '')).replace(/\.ya?ml$/i, '');
  return path.join('out', name);
}
