import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** A directory tree as relative path → type, mode and content hash (symlinks by target): for byte-identity checks. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const a = path.join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = lstatSync(a);
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(a)}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${(st.mode & 0o7777).toString(8)}`);
        walk(a, r);
      } else out.set(r, `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(a)).digest('hex')}`);
    }
  };
  walk(dir, '');
  return out;
}

export function treeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const [k, v] of [...snapshotTree(dir)].sort((a, b) => (a[0] < b[0] ? -1 : 1))) h.update(`${k}\0${v}\n`);
  return h.digest('hex');
}
