import { createHash } from 'node:crypto';
import { scanPlainYaml } from './plain-yaml.js';
import type { Locator } from './source.js';

/**
 * A digest of which inventory line every key and sequence item is on. Files that cite inventory lines
 * (the address plans) are a function of the model and of this: when it is unchanged, every path of the
 * inventory is on the line it was on, so an edit that changes a value in place moves no citation.
 * Plain YAML read by the plain parser comes with its digest (plain-yaml.ts); other plain YAML is scanned
 * (a third of a second at 10,000 hosts); any other file is digested whole, so that any edit to it counts
 * as a move.
 */
export function lineStructureKey(locator: Locator | undefined): string {
  const hash = createHash('sha256');
  for (const file of locator?.files ?? []) {
    hash.update(`\u0001${file.displayPath}\n`);
    if (file.lineKey !== undefined) {
      hash.update(`\u0003${file.lineKey}`); // taken by the plain parser as it read the file
      continue;
    }
    let batch: Array<string | number> = [];
    const plain = scanPlainYaml(file.text, (path, line) => {
      batch.push(line, path);
      if (batch.length >= 8192) {
        hash.update(`${batch.join('\n')}\n`);
        batch = [];
      }
    });
    // A file that is not plain YAML may have fed part of itself in already: the whole text follows,
    // after a marker no scan writes, so the digest still changes with any edit.
    hash.update(plain ? `${batch.join('\n')}\n` : `\u0002${file.text}`);
  }
  return hash.digest('hex');
}
