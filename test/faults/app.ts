import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

/**
 * A private copy of the compiler (bin, dist, templates) under `dir`: every build of one test file then
 * comes from the same code, even when dist/ or templates/ are rebuilt meanwhile (a shared working
 * tree, tsc --watch). Returns the path of its CLI.
 */
export function privateCli(dir: string): string {
  const app = path.join(dir, 'app');
  mkdirSync(app, { recursive: true });
  for (const d of ['bin', 'dist', 'templates', 'schema', 'package.json']) {
    if (existsSync(path.join(ROOT, d))) {
      const r = run('cp', ['-a', path.join(ROOT, d), app]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  return path.join(app, 'bin/netgen.js');
}
