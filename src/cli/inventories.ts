import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../diagnostics/diagnostic.js';

/** Without arguments, every inventories/*.yaml and inventories/<dir>/ of the working directory. */
export function findInventories(args: string[]): string[] {
  if (args.length) return args;
  const dir = 'inventories';
  if (!existsSync(dir)) throw new UsageError("no inventory given and no inventories/ directory here; try 'netgen build FILE.yaml' or 'netgen init'");
  const found = readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .filter((n) => (/\.ya?ml$/.test(n) && !/\.lock\.ya?ml$/.test(n)) || statSync(path.join(dir, n)).isDirectory())
    .sort()
    .map((n) => path.join(dir, n));
  if (!found.length) throw new UsageError('inventories/ contains no .yaml files');
  return found;
}
