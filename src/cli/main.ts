import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../diagnostics/diagnostic.js';
import { allCatalogEntries, catalog } from '../diagnostics/catalog.js';
import { compile } from '../pipeline/compile.js';
import { inventorySchemaJson } from '../schema/json.js';
import { acquireLock, diffTree, recoverInterruptedSwap, WriteError, writeTree } from '../write/writer.js';
import { findInventories } from './inventories.js';
import { reportDiagnostics, type ReportOptions } from './report.js';

const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string };

/** Exit codes: 0 ok, 1 inventory errors or --check drift, 2 usage or internal error. */
export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

interface BuildFlags {
  out?: string;
  check?: boolean;
  templates?: string[];
  timings?: boolean;
  format: 'text' | 'json';
  color?: boolean;
  quiet?: boolean;
}

function reportOpts(flags: { format?: 'text' | 'json'; color?: boolean }): ReportOptions {
  return { color: flags.color ?? (process.stderr.isTTY && !process.env.NO_COLOR), format: flags.format ?? 'text' };
}

async function buildOne(inventory: string, outDir: string, flags: BuildFlags): Promise<number> {
  const started = performance.now();
  const r = await compile(inventory, { templateOverlays: flags.templates });
  const errors = reportDiagnostics(r.bag, r.loaded, reportOpts(flags));
  if (errors || !r.files || !r.lock) return EXIT.errors;
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
  const release = acquireLock(path.join(path.dirname(path.resolve(outDir)), `.${path.basename(outDir)}.lock`));
  let result;
  try {
    recoverInterruptedSwap(path.resolve(outDir));
    result = writeTree(path.resolve(outDir), r.files);
    if (r.lock.previousText !== r.lock.text) writeFileSync(r.lock.path, r.lock.text);
  } finally {
    release();
  }
  r.timings.mark('write');
  const hosts = r.model?.hosts.length ?? 0;
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  if (!flags.quiet) process.stdout.write(`${outDir}: ${result.written.length} written, ${result.unchanged} unchanged, ${result.removed.length} removed; ${hosts} host${hosts === 1 ? '' : 's'} in ${secs}s\n`);
  if (flags.timings) {
    const t = r.timings.ms;
    process.stdout.write(`timings (ms): ${(['load', 'validate', 'resolve', 'plan', 'render', 'write'] as const).map((s) => `${s} ${(t[s] ?? 0).toFixed(1)}`).join(', ')}\n`);
  }
  return EXIT.ok;
}

function outDirFor(inventory: string, flags: { out?: string }, many: boolean): string {
  if (flags.out && many) throw new UsageError('-o/--out takes one inventory; give it alone, or omit -o to build every inventory into out/<name>/');
  if (flags.out) return flags.out;
  const name = path.basename(inventory.replace(/[/\\]+$/, '')).replace(/\.ya?ml$/i, '');
  return path.join('out', name);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('netgen')
    .description('Compile a multi-tenant network inventory (YAML) into systemd-networkd units, namespace scripts, nftables, FRR, VyOS and Ceph artifacts.')
    .version(pkg.version, '-V, --version')
    .option('--debug', 'show stack traces for internal errors')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('build')
    .description('build inventories into out/<name>/ (every inventories/*.yaml when none is given)')
    .argument('[inventories...]', 'inventory files or directories')
    .option('-o, --out <dir>', 'output directory (one inventory only)')
    .option('--check', 'write nothing; exit 1 and list files that would change (CI guard for committed output)')
    .option('-t, --templates <dir...>', 'template overlay directories, searched before the bundled templates')
    .option('--timings', 'print the time spent in each stage')
    .addOption(new Option('--format <format>', 'diagnostics format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'no colours in diagnostics')
    .option('-q, --quiet', 'print only problems')
    .addHelpText('after', '\nExamples:\n  netgen build                                   # every inventories/*.yaml into out/<name>/\n  netgen build inventories/lab.yaml -o out/lab\n  netgen build --check                           # CI: fail when committed output is stale\n')
    .action(async (invs: string[], flags: BuildFlags) => {
      const list = findInventories(invs);
      let code: number = EXIT.ok;
      for (const inv of list) code = Math.max(code, await buildOne(inv, outDirFor(inv, flags, list.length > 1), flags));
      setExit(code);
    });

  program
    .command('validate')
    .description('check inventories and print diagnostics; writes nothing')
    .argument('[inventories...]', 'inventory files or directories')
    .addOption(new Option('--format <format>', 'diagnostics format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'no colours')
    .addHelpText('after', '\nExample:\n  netgen validate inventories/lab.yaml\n')
    .action(async (invs: string[], flags: { format: 'text' | 'json'; color?: boolean }) => {
      let code: number = EXIT.ok;
      for (const inv of findInventories(invs)) {
        const r = await compile(inv, { validateOnly: true });
        const errors = reportDiagnostics(r.bag, r.loaded, reportOpts(flags));
        if (errors) code = EXIT.errors;
        else if (flags.format === 'text') process.stdout.write(`${inv}: ok (${r.model?.hosts.length ?? 0} hosts, ${r.model?.tenants.length ?? 0} tenants)\n`);
      }
      setExit(code);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the inventory language (for editors: yaml-language-server)')
    .addHelpText('after', '\nExample:\n  netgen schema > schema/netgen.schema.json\n')
    .action(() => {
      process.stdout.write(`${JSON.stringify(inventorySchemaJson(), null, 2)}\n`);
    });

  program
    .command('explain')
    .description('explain a diagnostic code')
    .argument('[code]', 'e.g. NG4001; without a code, list all')
    .addHelpText('after', '\nExample:\n  netgen explain NG5005\n')
    .action((code?: string) => {
      if (!code) {
        for (const e of allCatalogEntries()) process.stdout.write(`${e.code}  ${e.title}\n`);
        return;
      }
      const e = catalog.get(code.toUpperCase());
      if (!e) throw new UsageError(`unknown diagnostic code '${code}'; 'netgen explain' lists them`);
      process.stdout.write(`${e.code}: ${e.title}\n\n${e.explanation}\n`);
      if (e.example) process.stdout.write(`\nExample of the mistake:\n${e.example.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
      if (e.fix) process.stdout.write(`\nFix: ${e.fix}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof UsageError) {
      process.stderr.write(`netgen: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof WriteError) {
      process.stderr.write(`netgen: error ${e.code}: ${e.message}\n`);
      return e.code === 'NG9002' ? EXIT.usage : EXIT.errors;
    }
    process.stderr.write(`netgen: internal error: ${(e as Error).message ?? e}${debug ? `\n${(e as Error).stack}` : ' (run with --debug for details)'}\n`);
    return EXIT.usage;
  }
}
