import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The YAML files of a directory inventory, sorted, skipping dot files and lock files. */
export function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listYamlFiles(full));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name) && !/\.lock\.ya?ml$/i.test(e.name)) out.push(full);
  }
  return out;
}
