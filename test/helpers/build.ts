import { mkdtempSync, readFileSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, inventoryPath } from './paths.js';
import { run } from './tools.js';
import type { ManifestEntry } from '../../src/write/writer.js';

/** An entry of out/<inventory>/manifest.json, as the writer records it. */
export type ManifestFile = ManifestEntry;

export interface Built {
  outDir: string;
  manifest: ManifestFile[];
  files(kind: string, host?: string): ManifestFile[];
  read(rel: string): string;
  abs(rel: string): string;
  cleanup(): void;
}

/** Runs the real CLI on an inventory into a fresh temporary directory and reads its manifest. */
export function buildExample(nameOrPath: string, extraArgs: string[] = []): Built {
  const inv = nameOrPath.endsWith('.yaml') || nameOrPath.includes('/') ? nameOrPath : inventoryPath(nameOrPath);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'netgen-test-'));
  // Work on a copy so that a test never rewrites the committed lock file.
  const invCopy = path.join(tmp, path.basename(inv));
  copyFileSync(inv, invCopy);
  const lock = inv.replace(/\.ya?ml$/, '.lock.yaml');
  if (existsSync(lock)) copyFileSync(lock, invCopy.replace(/\.ya?ml$/, '.lock.yaml'));
  const outDir = path.join(tmp, 'out');
  const r = run('node', [CLI, 'build', invCopy, '-o', outDir, '--quiet', '--no-color', ...extraArgs]);
  if (r.status !== 0) throw new Error(`netgen build ${inv} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  const manifest = (JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as { files: ManifestFile[] }).files;
  return {
    outDir,
    manifest,
    files: (kind, host) => manifest.filter((f) => f.kind === kind && (host === undefined || f.host === host)),
    read: (rel) => readFileSync(path.join(outDir, rel), 'utf8'),
    abs: (rel) => path.join(outDir, rel),
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
