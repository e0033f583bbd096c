// The file-system floor: write exactly the files and bytes of a built tree into a fresh directory
// with plain synchronous Node calls, and report how long that took.
//
// Usage: node bench/floor.mjs SOURCE_TREE FRESH_DIR  → prints {"files", "bytes", "write_s"}
// The source tree is read into memory first (not timed); FRESH_DIR must not exist.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [src, dest] = process.argv.slice(2);
const files = [];
(function walk(dir, rel) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r);
    else files.push({ rel: r, content: readFileSync(path.join(dir, e.name)), mode: statSync(path.join(dir, e.name)).mode & 0o777 });
  }
})(src, '');

const t0 = performance.now();
const made = new Set();
let bytes = 0;
for (const f of files) {
  const target = path.join(dest, f.rel);
  const dir = path.dirname(target);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  writeFileSync(target, f.content, { mode: f.mode });
  bytes += f.content.length;
}
const writeS = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ files: files.length, bytes, write_s: writeS })}\n`);
