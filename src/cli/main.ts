import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { UsageError } from '../diagnostics/diagnostic.js';
import { WriteError } from '../write/writer.js';
import { commandModulesFor, type RegisterCommands } from './commands/index.js';
import { EXIT } from './context.js';

const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version: string };

export function buildProgram(setExit: (code: number) => void, commandModules: RegisterCommands[]): Command {
  const program = new Command();
  program
    .name('netgen')
    .description('Compile a multi-tenant network inventory (YAML) into systemd-networkd units, namespace scripts, nftables, FRR, VyOS and Ceph artifacts.')
    .version(pkg.version, '-V, --version')
    .option('--debug', 'show stack traces for internal errors')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commandModules) register(program, { setExit });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c), await commandModulesFor(argv));
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
    process.stderr.write(`netgen: internal error: ${(e as Error)?.message ?? e}${debug ? `\n${(e as Error).stack}` : ' (run with --debug for details)'}\n`);
    return EXIT.usage;
  }
}
