import pc from 'picocolors';
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  color: boolean;
  /** Source text per file, for excerpts. */
  sources?: Map<string, string>;
}

function location(d: Diagnostic): string {
  const p = d.position;
  return p ? `${p.file}:${p.line}:${p.col}` : 'netgen';
}

function excerpt(d: Diagnostic, sources: Map<string, string> | undefined, color: boolean): string[] {
  const p = d.position;
  const text = p && sources?.get(p.file);
  if (!p || !text) return [];
  const lines = text.split('\n');
  const line = lines[p.line - 1];
  if (line === undefined) return [];
  const shown = line.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 160);
  const num = String(p.line);
  const gutter = ' '.repeat(num.length);
  const width = Math.max(1, p.endLine === p.line && p.endCol ? Math.min(p.endCol - p.col, shown.length - p.col + 1) : 1);
  const caret = `${' '.repeat(Math.max(0, p.col - 1))}${'^'.repeat(width)}`;
  return [` ${num} | ${shown}`, ` ${gutter} | ${color ? pc.red(caret) : caret}`];
}

/** The one-line form `file:line:col: error NGxxxx: message`, then excerpt, hint and related places. */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions): string {
  const sev = d.severity === 'error' ? (opts.color ? pc.red(pc.bold('error')) : 'error') : opts.color ? pc.yellow(pc.bold('warning')) : 'warning';
  const head = `${opts.color ? pc.bold(location(d)) : location(d)}: ${sev} ${d.code}: ${d.message}`;
  const out = [head, ...excerpt(d, opts.sources, opts.color)];
  if (d.hint) out.push(`  ${opts.color ? pc.cyan('hint') : 'hint'}: ${d.hint}`);
  for (const r of d.related ?? []) out.push(`  ${r.position ? `${r.position.file}:${r.position.line}:${r.position.col}` : ''}: note: ${r.message}`);
  return out.join('\n');
}

export function formatSummary(errors: number, warnings: number): string {
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`];
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}
