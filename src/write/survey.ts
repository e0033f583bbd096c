import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readManifestEntries } from './manifest-index.js';
import { decodedPaths, PackedTreeBuilder, pathLookup, transferables, type PackedTree } from './previous-tree.js';
import { walkFiles } from './tree-files.js';

/**
 * What the writer needs to know of the output tree it replaces: the files in it, the previous
 * manifest, and (when `intact` was checked) which of its files are still on disk as that manifest
 * recorded them. At 10,000 hosts that is 680,000 files to list and stat, seconds of work that does not
 * depend on the inventory: `startSurvey` does it on another thread while the inventory is compiled, and
 * the writer takes the result once it holds the output lock if manifest.json is still the file surveyed.
 */
export interface TreeSurvey {
  /** Identity of out/ and its manifest.json when surveyed (see treeStamp). */
  stamp: string;
  existed: boolean;
  manifestSha?: string;
  /** The files on disk and what the manifest recorded of them (intact ones marked when stats were taken). */
  tree: PackedTree;
}

/** Which directory and which manifest.json: every change a build makes replaces manifest.json (a rename). */
export function treeStamp(finalDir: string): string {
  const id = (p: string) => {
    try {
      const st = lstatSync(p);
      return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      return '-';
    }
  };
  return `${id(finalDir)}|${id(path.join(finalDir, 'manifest.json'))}`;
}

/** Surveys the tree here; `checkIntact` stats every file the manifest lists that the walk found. */
export function surveyTree(finalDir: string, checkIntact: boolean): TreeSurvey {
  const stamp = treeStamp(finalDir);
  const existed = existsSync(finalDir);
  const builder = new PackedTreeBuilder();
  const manifest = readManifestEntries(path.join(finalDir, 'manifest.json'), (e) => builder.record(e));
  if (existed) walkFiles(finalDir, (rel) => builder.onDisk(rel));
  if (checkIntact) builder.checkIntact(finalDir);
  return { stamp, existed, manifestSha: manifest?.sha256, tree: builder.build() };
}

/** surveyTree on the survey's thread: the lookup table too, made while the build's thread compiles. */
export function surveyTreeWithLookup(finalDir: string): TreeSurvey {
  const survey = surveyTree(finalDir, true);
  survey.tree.lookup = pathLookup(decodedPaths(survey.tree), survey.tree.flags.length);
  return survey;
}

/** A survey's typed arrays move to the receiving thread instead of being copied. */
export const surveyTransferables = (s: TreeSurvey): ArrayBuffer[] => transferables(s.tree);

export const SURVEY_THREAD = 'netgen-survey';
export const COUNT_THREAD = 'netgen-count';
const WORKER_FILE = fileURLToPath(new URL('./survey-worker.js', import.meta.url));

/**
 * Surveys the tree on another thread (stats included). `result` is undefined when there is nothing to
 * survey, the thread cannot run (the TypeScript sources run directly), or it fails: the writer then
 * surveys by itself, as it always could. `stop()` ends the thread when the build ends without writing.
 */
export function startSurvey(finalDir: string): { result: Promise<TreeSurvey | undefined>; stop(): void } {
  if (!existsSync(path.join(finalDir, 'manifest.json'))) return { result: Promise.resolve(undefined), stop() {} };
  return onThread<TreeSurvey>({ tag: SURVEY_THREAD, finalDir });
}

/**
 * The number of files under `dir`, listed on another thread; `result` is undefined when the thread cannot
 * run or fails (the caller lists by itself).
 */
export function countFilesOnThread(dir: string): { result: Promise<number | undefined>; stop(): void } {
  return onThread<number>({ tag: COUNT_THREAD, finalDir: dir });
}

/** One job of survey-worker.ts on a thread of its own, ended once it has answered. */
function onThread<T>(job: { tag: string; finalDir: string }): { result: Promise<T | undefined>; stop(): void } {
  if (!existsSync(WORKER_FILE)) return { result: Promise.resolve(undefined), stop() {} };
  const worker = new Worker(WORKER_FILE, { workerData: job });
  worker.unref();
  const result = new Promise<T | undefined>((resolve) => {
    worker.once('message', (answer: T) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  return { result, stop: () => void worker.terminate() };
}
