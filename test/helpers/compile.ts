import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type CompileResult } from '../../src/pipeline/compile.js';

/** Compiles inventory text in-process (unit tests of the stages); the file lives in a temp dir. */
export async function compileText(yaml: string, name = 'inv.yaml', lock?: string): Promise<CompileResult & { file: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netgen-unit-'));
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  if (lock !== undefined) writeFileSync(file.replace(/\.yaml$/, '.lock.yaml'), lock);
  return { ...(await compile(file)), file };
}

export function codes(r: CompileResult): string[] {
  return r.bag.sorted().map((d) => d.code);
}

export function at(r: CompileResult, code: string): string[] {
  return r.bag
    .sorted()
    .filter((d) => d.code === code)
    .map((d) => `${d.position?.line}:${d.position?.col}`);
}
