import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import { acquireLock, diffTree, recoverInterruptedWrite, TreeWriter } from '../../write/writer.js';
import { forgetBuildState, previousFingerprints, saveBuildState, upToDate } from '../../write/state.js';
import { writePartial } from '../../write/partial.js';
import { startSurvey, type TreeSurvey } from '../../write/survey.js';
import { startWriterThreadEarly } from '../../write/background-writer.js';
import { manifestJson } from '../../render/manifest.js';
import type { GroupRecord } from '../../plan/reuse.js';
import { HostSelection } from '../host-selection.js';
import { watchBuild } from './watch.js';
import { findInventories } from '../inventories.js';
import { reportDiagnostics, type ReportOptions } from '../report.js';
import { EXIT, type CommandContext } from '../context.js';
import { buildSummary, outDirFor, upToDateTimings } from '../build-output.js';

interface BuildFlags {
  out?: string;
  check?: boolean;
  templates?: string[];
  timings?: boolean;
  format: 'text' | 'json' | 'sarif';
  color?: boolean;
  quiet?: boolean;
  site?: string[];
  host?: string[];
  watch?: boolean;
}

export function reportOpts(flags: { format?: 'text' | 'json' | 'sarif'; color?: boolean }): ReportOptions {
  return { color: flags.color ?? (process.stderr.isTTY && !process.env.NO_COLOR), format: flags.format ?? 'text' };
}

export async function buildOne(inventory: string, outDir: string, flags: BuildFlags): Promise<number> {
  const started = performance.now();
  const sel = new HostSelection(flags.site ?? [], flags.host ?? []);
  const finalDir = path.resolve(outDir);
  const overlays = flags.templates ?? [];
  const whole = !sel.active && !flags.check;
  if (whole) {
    const fresh = await upToDate(finalDir, inventory, overlays);
    if (fresh) {
      const secs = (performance.now() - started) / 1000;
      summary(outDir, flags, { written: 0, unchanged: fresh.files, removed: [] }, fresh.hosts, secs, 'inputs unchanged');
      if (flags.timings) process.stdout.write(upToDateTimings(secs));
      return EXIT.ok;
    }
  }
  if (whole) {
    const endUnusedThread = startWriterThreadEarly();
    try {
      const { compile } = await import('../../pipeline/compile.js');
      return await buildStreaming(inventory, outDir, flags, started, compile);
    } finally {
      endUnusedThread();
    }
  }
  const { compile } = await import('../../pipeline/compile.js');
  const r = await compile(inventory, { templateOverlays: flags.templates, onlyHosts: sel.active ? sel : undefined });
  const errors = reportDiagnostics(r.bag, r.loaded, reportOpts(flags));
  if (errors || !r.files || !r.lock) return EXIT.errors;
  if (sel.active) sel.assertMatched(r.model!.hosts);
  if (sel.active && flags.check) throw new UsageError('--check compares the whole output; drop --site/--host');
  if (flags.check) {
    const d = diffTree(outDir, r.files);
    const lockDrift = r.lock.previousText !== r.lock.text;
    const drift = [...d.added.map((p) => `added    ${p}`), ...d.changed.map((p) => `changed  ${p}`), ...d.removed.map((p) => `removed  ${p}`)];
    if (lockDrift) drift.push(`changed  ${path.relative(process.cwd(), r.lock.path)} (allocation lock)`);
    if (drift.length) {
      process.stdout.write(`${outDir}: ${drift.length} file(s) would change:\n${drift.map((l) => `  ${l}\n`).join('')}`);
      return EXIT.errors;
    }
    if (!flags.quiet) process.stdout.write(`${outDir}: up to date (${r.files.size} files)\n`);
    return EXIT.ok;
  }
  const release = acquireLock(lockFileFor(outDir));
  let result;
  try {
    recoverInterruptedWrite(finalDir);
    const source = r.model!.source;
    result = writePartial(finalDir, r.files, r.manifest!, sel.matched, (e) => manifestJson(source, e));
    if (r.lock.previousText !== r.lock.text) writeFileSync(r.lock.path, r.lock.text);
    forgetBuildState(finalDir); // a partial build's tree is not what the recorded inputs made
  } finally {
    release();
  }
  r.timings.mark('write');
  summary(outDir, flags, result, sel.matched.size, (performance.now() - started) / 1000);
  printTimings(flags, r.timings.ms);
  return EXIT.ok;
}

function lockFileFor(outDir: string): string {
  return path.join(path.dirname(path.resolve(outDir)), `.${path.basename(outDir)}.lock`);
}

/**
 * The whole build: files go to the writer as each host is rendered (nothing accumulates), under the
 * output lock, and the new tree appears at the end, or not at all when the inventory has errors.
 */
async function buildStreaming(inventory: string, outDir: string, flags: BuildFlags, started: number, compile: typeof import('../../pipeline/compile.js').compile): Promise<number> {
  const finalDir = path.resolve(outDir);
  // The output lock is taken once the inventory has proved free of errors (compile's beforeOutput): an
  // inventory with errors never writes, so it never waits for (or blocks) another build.
  let release: (() => void) | undefined;
  let writer: TreeWriter | undefined;
  // The last build's render fingerprints, read once the lock is held: they must describe the tree this
  // writer found, not one another build has replaced since.
  let previous: Map<string, GroupRecord> | undefined;
  // The old tree is listed and stat'ed on another thread while the inventory compiles.
  const survey = startSurvey(finalDir);
  const open = (taken: TreeSurvey | undefined): void => {
    release = acquireLock(lockFileFor(outDir));
    recoverInterruptedWrite(finalDir);
    writer = new TreeWriter(finalDir, { background: true, survey: taken });
    previous = previousFingerprints(finalDir, inventory, flags.templates ?? [], writer.previousManifestSha);
  };
  try {
    const r = await compile(inventory, {
      beforeOutput: async () => open(await survey.result),
      templateOverlays: flags.templates,
      // beforeOutput opened the writer before any of these is called.
      sink: (p, content, mode, sha) => writer!.add(p, content, mode, sha),
      pace: () => writer!.pace(),
      fingerprint: true,
      reuse: { previous: (group) => previous?.get(group), keep: (p, mode) => writer!.keep(p, mode), keepAll: (files) => writer!.keepAll(files) },
    });
    const errors = reportDiagnostics(r.bag, r.loaded, reportOpts(flags));
    if (errors || !r.lock || !r.inputs || !writer) {
      await writer?.abandonAsync();
      return EXIT.errors;
    }
    await (writer as TreeWriter).settle();
    const result = (writer as TreeWriter).finish();
    if (r.lock.previousText !== r.lock.text) writeFileSync(r.lock.path, r.lock.text);
    const hosts = r.hosts ?? 0;
    saveBuildState(finalDir, inventory, flags.templates ?? [], r.inputs, hosts, { manifestSha: writer.streamedSha('manifest.json'), fingerprints: r.fingerprints });
    r.timings.mark('write');
    summary(outDir, flags, result, hosts, (performance.now() - started) / 1000);
    printTimings(flags, r.timings.ms);
    return EXIT.ok;
  } catch (e) {
    await writer?.abandonAsync();
    throw e;
  } finally {
    survey.stop();
    release?.();
  }
}

function summary(outDir: string, flags: BuildFlags, result: { written: number; unchanged: number; removed: string[] }, hosts: number, secs: number, note?: string): void {
  if (!flags.quiet) process.stdout.write(buildSummary(outDir, { ...result, removed: result.removed.length }, hosts, secs, note));
}

function printTimings(flags: BuildFlags, t: Partial<Record<string, number>>): void {
  if (!flags.timings) return;
  process.stdout.write(`timings (ms): ${(['load', 'validate', 'resolve', 'plan', 'render', 'write'] as const).map((s) => `${s} ${(t[s] ?? 0).toFixed(1)}`).join(', ')}\n`);
}

export function registerBuild(program: Command, ctx: CommandContext): void {
  program
    .command('build')
    .description('build inventories into out/<name>/ (every inventories/*.yaml when none is given)')
    .argument('[inventories...]', 'inventory files or directories')
    .option('-o, --out <dir>', 'output directory (one inventory only)')
    .option('--check', 'write nothing; exit 1 and list files that would change (CI guard for committed output)')
    .option('-t, --templates <dir...>', 'template overlay directories, searched before the bundled templates')
    .option('--timings', 'print the time spent in each stage')
    .addOption(new Option('--format <format>', 'diagnostics format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--no-color', 'no colours in diagnostics')
    .option('-q, --quiet', 'print only problems')
    .option('--site <site...>', 'only the hosts of these sites (plus Ansible inventory, docs, manifest); the rest of out/ stays')
    .option('--host <host...>', 'only these hosts (name or site/host); the rest of out/ stays')
    .option('-w, --watch', 'rebuild on every save of the inventory or an overlay template')
    .addHelpText('after', '\nExamples:\n  netgen build                                   # every inventories/*.yaml into out/<name>/\n  netgen build inventories/lab.yaml -o out/lab\n  netgen build --check                           # CI: fail when committed output is stale\n  netgen build inventories/lab.yaml --host node01   # one host\'s tree, manifest merged\n  netgen build inventories/lab.yaml --watch      # rebuild on save\n')
    .action(async (invs: string[], flags: BuildFlags) => {
      const list = findInventories(invs);
      if (flags.watch) return watchBuild(list, flags.templates ?? [], (inv) => buildOne(inv, outDirFor(inv, flags, list.length > 1), flags));
      let code: number = EXIT.ok;
      for (const inv of list) code = Math.max(code, await buildOne(inv, outDirFor(inv, flags, list.length > 1), flags));
      ctx.setExit(code);
    });

  program
    .command('validate')
    .description('check inventories and print diagnostics; writes nothing')
    .argument('[inventories...]', 'inventory files or directories')
    .addOption(new Option('--format <format>', 'diagnostics format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--no-color', 'no colours')
    .addHelpText('after', '\nExample:\n  netgen validate inventories/lab.yaml\n')
    .action(async (invs: string[], flags: { format: 'text' | 'json' | 'sarif'; color?: boolean }) => {
      let code: number = EXIT.ok;
      const { compile } = await import('../../pipeline/compile.js');
      for (const inv of findInventories(invs)) {
        const r = await compile(inv, { validateOnly: true });
        const errors = reportDiagnostics(r.bag, r.loaded, reportOpts(flags));
        if (errors) code = EXIT.errors;
        else if (flags.format === 'text') process.stdout.write(`${inv}: ok (${r.model?.hosts.length ?? 0} hosts, ${r.model?.tenants.length ?? 0} tenants)\n`);
      }
      ctx.setExit(code);
    });
}
