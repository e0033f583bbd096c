import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export type RegisterCommands = (program: Command, ctx: CommandContext) => void;

/**
 * Every subcommand, one module each; a new command adds its module here. Modules load on demand, so a
 * build does not pay for the lab or the schema printer (and an up-to-date build pays for almost nothing).
 */
const MODULES: Record<string, () => Promise<RegisterCommands>> = {
  build: async () => (await import('./build.js')).registerBuild,
  info: async () => (await import('./info.js')).registerInfo,
  diff: async () => (await import('./diff.js')).registerDiff,
  show: async () => (await import('./show.js')).registerShow,
  init: async () => (await import('./init.js')).registerInit,
  watch: async () => (await import('./watch.js')).registerWatch,
  lab: async () => (await import('./lab.js')).registerLab,
};

/** Which module defines each command name. */
const MODULE_OF: Record<string, string> = { build: 'build', validate: 'build', schema: 'info', explain: 'info', diff: 'diff', show: 'show', init: 'init', watch: 'watch', lab: 'lab' };

/** The modules for these arguments: the named command's alone, or all of them (help, version, typos). */
export async function commandModulesFor(argv: string[]): Promise<RegisterCommands[]> {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = name ? MODULE_OF[name] : undefined;
  const names = only ? [only] : Object.keys(MODULES);
  return Promise.all(names.map((n) => MODULES[n]()));
}
