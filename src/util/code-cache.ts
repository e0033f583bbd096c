import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import vm from 'node:vm';

/**
 * Generated code that netgen caches beside its modules (the inventory validator, precompiled
 * templates) is large and runs once per build, so V8 spends more time compiling it than running it.
 * This compiles such a file with V8's code cache: `save()`, called after the code has run, stores the
 * compiled functions (including the lazily compiled ones) in `<file>.<V8 version>.v8`, and later runs
 * start from them. V8 checks the cache against its version and flags and rejects a mismatch, which
 * only costs the compile that would have happened anyway; an unwritable directory just means no cache.
 */
export interface CachedScript<T> {
  value: T;
  /** Writes the code cache if it was missing or rejected; call once the code has done its work. */
  save(): void;
}

const cachePath = (file: string) => `${file}.${process.versions.v8}.v8`;

/**
 * Writes a cache file in one step (a temporary beside it, then a rename), so that a concurrent build
 * never reads half of it. Best effort: false when the directory cannot be written.
 */
export function writeCacheFile(file: string, data: string | Uint8Array): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

/** Forgets the code cache of `file` (its code was replaced). */
export function dropCodeCache(file: string): void {
  rmSync(cachePath(file), { force: true });
}

/** Runs `code` as the body of `function (...params)` and returns what that function returns for `args`. */
export function runCachedScript<T>(file: string, code: string, params: string[], args: unknown[]): CachedScript<T> {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath(file));
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (${params.join(', ')}) {${code}\n})`, { filename: file, cachedData });
  const value = (script.runInThisContext() as (...a: unknown[]) => T)(...args);
  let saved = cachedData !== undefined && !script.cachedDataRejected;
  return {
    value,
    save() {
      if (saved) return;
      saved = true;
      writeCacheFile(cachePath(file), script.createCachedData());
    },
  };
}
