import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import { WriteError } from '../../write/writer.js';
import type { CommandContext } from '../context.js';
import { findInventories } from '../inventories.js';

/** Editors save in bursts (write, rename, chmod); one rebuild per burst. */
const DEBOUNCE_MS = 120;

function stamp(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * Builds each inventory, then again whenever it (or an overlay template) is saved, until interrupted.
 * Directories are watched rather than files: editors replace a file by renaming a new one over it,
 * which ends a watch on the file itself. The allocation lock the build writes is ignored, or every
 * build would trigger the next.
 */
export async function watchBuild(inventories: string[], overlays: string[], rebuild: (inventory: string) => Promise<number>): Promise<void> {
  const run = async (inv: string) => {
    try {
      await rebuild(inv);
    } catch (e) {
      if (e instanceof UsageError || e instanceof WriteError) process.stderr.write(`netgen: ${e.message}\n`);
      else process.stderr.write(`netgen: internal error: ${(e as Error).message}\n`);
    }
  };
  const watchers: FSWatcher[] = [];
  for (const inv of inventories) {
    await run(inv);
    const abs = path.resolve(inv);
    const isDir = existsSync(abs) && statSync(abs).isDirectory();
    const dir = isDir ? abs : path.dirname(abs);
    const relevant = (name: string | null) => {
      if (!name || /\.lock\.ya?ml$/.test(name) || name.startsWith('.')) return false;
      return isDir ? /\.ya?ml$/.test(name) : path.basename(name) === path.basename(abs);
    };
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        process.stdout.write(`[${stamp()}] ${inv} changed, rebuilding\n`);
        void run(inv);
      }, DEBOUNCE_MS);
    };
    watchers.push(watch(dir, { recursive: isDir }, (_event, name) => relevant(name) && schedule()));
    for (const o of overlays) if (existsSync(o)) watchers.push(watch(o, { recursive: true }, (_e, name) => !!name && name.endsWith('.hbs') && schedule()));
  }
  process.stdout.write(`watching ${inventories.join(', ')}${overlays.length ? ` and templates in ${overlays.join(', ')}` : ''}; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const w of watchers) w.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `netgen watch` is `netgen build --watch`, for muscle memory from other tools. */
export function registerWatch(program: Command, ctx: CommandContext): void {
  program
    .command('watch')
    .description('build, then rebuild on every save of the inventory or an overlay template (same as build --watch)')
    .argument('[inventories...]', 'inventory files or directories')
    .option('-o, --out <dir>', 'output directory (one inventory only)')
    .option('-t, --templates <dir...>', 'template overlay directories, watched too')
    .option('--no-color', 'no colours in diagnostics')
    .addHelpText('after', '\nExample:\n  netgen watch inventories/lab.yaml -t my-templates/   # edit, save, read the summary or the errors\n')
    .action(async (invs: string[], flags: { out?: string; templates?: string[]; color?: boolean }) => {
      const { buildOne } = await import('./build.js');
      const { outDirFor } = await import('../build-output.js');
      const list = findInventories(invs);
      const bf = { ...flags, format: 'text' as const };
      await watchBuild(list, flags.templates ?? [], (inv) => buildOne(inv, outDirFor(inv, bf, list.length > 1), bf));
      ctx.setExit(0);
    });
}
