import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const requireHere = createRequire(import.meta.url);
let lib: typeof Yaml | undefined;

/**
 * The `yaml` document parser, loaded on first use. A clean build reads the inventory with the fast
 * parser and needs source positions only for diagnostics, so it never loads this (a tenth of the
 * start-up of a small build).
 */
export function yaml(): typeof Yaml {
  return (lib ??= requireHere('yaml') as typeof Yaml);
}
