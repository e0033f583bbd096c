import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { structuredPatch } from 'diff';
import pc from 'picocolors';
import { compile } from '../../pipeline/compile.js';
import { diffTree, type OutputFile } from '../../write/writer.js';
import { EXIT, type CommandContext } from '../context.js';
import { findInventories } from '../inventories.js';
import { reportDiagnostics } from '../report.js';
import { reportOpts } from './build.js';
import { outDirFor } from '../build-output.js';

interface DiffFlags {
  out?: string;
  stat?: boolean;
  templates?: string[];
  color?: boolean;
  context: string;
}

type Paint = (s: string) => string;

function readOld(dir: string, rel: string): { text: string; mode: number } {
  const full = path.join(dir, rel);
  return { text: readFileSync(full, 'utf8'), mode: lstatSync(full).mode & 0o777 };
}

/** SVGs are rendered from the DOT beside them: their hunks are noise, the DOT diff says it all. */
function hunksWorthShowing(rel: string): boolean {
  return !rel.endsWith('.svg');
}

function patchLines(rel: string, oldText: string, newText: string, context: number, c: Record<'add' | 'del' | 'hunk' | 'head', Paint>): string[] {
  const p = structuredPatch(`a/${rel}`, `b/${rel}`, oldText, newText, undefined, undefined, { context });
  const out = [c.head(`--- ${oldText === '' ? '/dev/null' : `a/${rel}`}`), c.head(`+++ ${newText === '' ? '/dev/null' : `b/${rel}`}`)];
  for (const h of p.hunks) {
    out.push(c.hunk(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`));
    for (const l of h.lines) out.push(l.startsWith('+') ? c.add(l) : l.startsWith('-') ? c.del(l) : l);
  }
  return out;
}

function countChanges(oldText: string, newText: string): { add: number; del: number } {
  const p = structuredPatch('a', 'b', oldText, newText, undefined, undefined, { context: 0 });
  let add = 0;
  let del = 0;
  for (const h of p.hunks) for (const l of h.lines) if (l.startsWith('+')) add++;
  else if (l.startsWith('-')) del++;
  return { add, del };
}

async function diffOne(inventory: string, outDir: string, flags: DiffFlags): Promise<number> {
  const r = await compile(inventory, { templateOverlays: flags.templates });
  const color = flags.color ?? (process.stdout.isTTY && !process.env.NO_COLOR);
  if (reportDiagnostics(r.bag, r.loaded, reportOpts({ color: flags.color })) || !r.files) return EXIT.errors;
  const files: Map<string, OutputFile> = r.files;
  const d = diffTree(outDir, files);
  const id = (s: string) => s;
  const c = { add: color ? pc.green : id, del: color ? pc.red : id, hunk: color ? pc.cyan : id, head: color ? pc.bold : id };
  const total = d.added.length + d.changed.length + d.removed.length;
  if (total === 0) {
    process.stdout.write(`${outDir}: no differences (${files.size} files)\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  if (flags.stat) {
    let adds = 0;
    let dels = 0;
    const rows = [
      ...d.added.map((rel) => ({ rel, ...countChanges('', files.get(rel)!.content) })),
      ...d.changed.map((rel) => ({ rel, ...countChanges(readOld(outDir, rel).text, files.get(rel)!.content) })),
      ...d.removed.map((rel) => ({ rel, ...countChanges(readOld(outDir, rel).text, '') })),
    ].sort((a, b) => (a.rel < b.rel ? -1 : 1));
    const width = Math.max(...rows.map((x) => x.rel.length));
    for (const x of rows) {
      adds += x.add;
      dels += x.del;
      const bar = '+'.repeat(Math.min(x.add, 30)) + '-'.repeat(Math.min(x.del, 30));
      out.push(` ${x.rel.padEnd(width)} | ${String(x.add + x.del).padStart(5)} ${c.add(bar.replace(/-+$/, ''))}${c.del(bar.match(/-+$/)?.[0] ?? '')}`);
    }
    out.push(` ${total} file${total === 1 ? '' : 's'} changed (${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed), ${adds} insertions(+), ${dels} deletions(-)`);
    process.stdout.write(`${out.join('\n')}\n`);
    return EXIT.errors;
  }
  out.push(c.head(`${outDir}: ${total} file${total === 1 ? '' : 's'} would change`));
  for (const rel of d.added) out.push(`  ${c.add('added  ')} ${rel}`);
  for (const rel of d.changed) out.push(`  ${c.hunk('changed')} ${rel}`);
  for (const rel of d.removed) out.push(`  ${c.del('removed')} ${rel}`);
  const context = Number(flags.context);
  const added = new Set(d.added);
  for (const rel of [...d.added, ...d.changed, ...d.removed].sort()) {
    const now = files.get(rel);
    const old = added.has(rel) ? undefined : readOld(outDir, rel);
    out.push('', c.head(`diff netgen a/${rel} b/${rel}`));
    if (old && now && old.mode !== now.mode) out.push(`old mode ${old.mode.toString(8)}`, `new mode ${now.mode.toString(8)}`);
    if (!hunksWorthShowing(rel)) {
      out.push('(rendered from the .dot beside it; see that diff)');
      continue;
    }
    if ((old?.text ?? '') !== (now?.content ?? '')) out.push(...patchLines(rel, old?.text ?? '', now?.content ?? '', context, c));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.errors;
}

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .description('show what a build would change in out/: added/removed/changed files, then unified hunks; exit 1 when different')
    .argument('[inventories...]', 'inventory files or directories (every inventories/*.yaml when none is given)')
    .option('-o, --out <dir>', 'output directory to compare with (one inventory only)')
    .option('--stat', 'only a per-file summary of changed lines')
    .option('-U, --context <lines>', 'lines of context around each change', '3')
    .option('-t, --templates <dir...>', 'template overlay directories, searched before the bundled templates')
    .option('--no-color', 'no colours')
    .addHelpText('after', '\nExamples:\n  netgen diff inventories/lab.yaml          # review before netgen build\n  netgen diff --stat                        # every inventory, summary only\n  netgen diff inventories/lab.yaml -t overlay/   # what a template overlay changes\n')
    .action(async (invs: string[], flags: DiffFlags) => {
      const list = findInventories(invs);
      let code: number = EXIT.ok;
      for (const inv of list) code = Math.max(code, await diffOne(inv, outDirFor(inv, flags, list.length > 1), flags));
      ctx.setExit(code);
    });
}
