import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listYamlFiles } from '../load/files.js';
import { manifestEntries, onDiskAs, under } from './manifest-index.js';
import { countFiles, fileLines, fileSha256, listFiles, writeAll } from './tree-files.js';
import { countFilesOnThread } from './survey.js';
import type { GroupRecord } from '../plan/reuse.js';
import { sha256Hex } from '../util/hash.js';

/**
 * What the last full build of an output directory was made from, kept beside it in
 * `.<out>.netgen-state.json` (not inside: out/ holds exactly the generated files). JSON lines: what
 * the up-to-date check needs, then the render fingerprints (40 MB at 10,000 hosts: the groups, then one
 * file list per line), which only a build that goes ahead reads. When every input file (inventory, lock, template overlays), the directory
 * listing of a directory inventory, this netgen's own code and templates, and the output tree (manifest
 * hash, every file's mode and size) are as recorded, the build's output is already there and nothing
 * needs compiling: output is a function of exactly these inputs. Any doubt (no state, another netgen,
 * a half-finished write beside out/) means a full build, which is always correct. `build --check`
 * never uses this.
 */

const VERSION = 4;

interface BuildState {
  version: number;
  key: string;
  inputs: Array<[string, string | null]>;
  listings: Array<[string, 'yaml' | 'all', string]>;
  manifestSha: string;
  hosts: number;
}

/** The lines after the first: `groups`, then each of `fileLists`. */
interface ReuseState {
  /**
   * Per group (a host id, a target's GlobalPart, an inventory-wide file: pipeline/compile.ts): its fingerprint and the index of its file list in
   * `fileLists` (plan/reuse.ts FileList, one string each). Hosts alike list the same files, so each
   * distinct list is stored once.
   */
  groups?: Record<string, [fingerprint: string, files?: number]>;
  fileLists?: string[];
}

export function statePath(outDir: string): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.netgen-state.json`);
}

let codeId: string | undefined;

/** A hash of this netgen: its compiled code and bundled templates (dot files such as validator caches excluded). */
function netgenCodeId(): string {
  if (codeId) return codeId;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const h = createHash('sha256');
  for (const dir of ['dist', 'templates', 'package.json']) {
    const full = path.join(root, dir);
    const files = existsSync(full) && lstatSync(full).isDirectory() ? listFiles(full).filter((f) => !f.split('/').some((seg) => seg.startsWith('.'))).sort() : [''];
    for (const f of files) {
      const p = f ? path.join(full, f) : full;
      h.update(`${dir}/${f}\0`);
      h.update(readFileSync(p));
    }
  }
  return (codeId = h.digest('hex'));
}

/** Everything besides input files that decides the output: which inventory, where to, which overlays. */
function stateKey(inventory: string, outDir: string, overlays: string[]): string {
  return sha256Hex(JSON.stringify({ code: netgenCodeId(), inventory: path.resolve(inventory), out: path.resolve(outDir), overlays: overlays.map((o) => path.resolve(o)) }));
}

/**
 * An input file's sha256, or null when it is missing. Read in pieces: read whole, the 10,000-host
 * inventory (36 MB) was a buffer of its own at the end of the build, where its memory peaks.
 */
function fileSha(p: string): string | null {
  try {
    return fileSha256(p);
  } catch {
    return null;
  }
}

function listing(dir: string, kind: 'yaml' | 'all'): string[] {
  if (kind === 'yaml') return listYamlFiles(dir);
  return existsSync(dir) ? listFiles(dir).sort() : [];
}

function listingSha(files: string[]): string {
  return sha256Hex(files.join('\n'));
}

export interface BuildInputs {
  /** Every file the build read (a missing lock file counts: its appearance changes the output). */
  files: string[];
  /** Directories whose listing decides the output: a directory inventory (its YAML files) and template overlays (all files). */
  listings: Array<[string, 'yaml' | 'all']>;
}

/** Records a finished full build. Best effort: without it the next build merely does the full work. */
export function saveBuildState(
  outDir: string,
  inventory: string,
  overlays: string[],
  inputs: BuildInputs,
  hosts: number,
  written: { manifestSha?: string; fingerprints?: Map<string, GroupRecord> } = {},
): void {
  const file = statePath(outDir);
  try {
    // The writer hashed manifest.json as it streamed it; read it back only when it could not say.
    const manifestSha = written.manifestSha ?? sha256Hex(readFileSync(path.join(outDir, 'manifest.json')));
    const state: BuildState = {
      version: VERSION,
      key: stateKey(inventory, outDir, overlays),
      inputs: [...new Set(inputs.files)].sort().map((p) => [p, fileSha(p)]),
      listings: inputs.listings.map(([dir, kind]) => [dir, kind, listingSha(listing(dir, kind))]),
      manifestSha,
      hosts,
    };
    writeStateLines(`${file}.tmp`, state, written.fingerprints ? packGroups(written.fingerprints) : {});
    renameSync(`${file}.tmp`, file);
  } catch {
    rmSync(file, { force: true });
  }
}

/**
 * The state: what the up-to-date check reads on the first line, the groups on the second, then one file
 * list per line (a JSON string). At 10,000 hosts the lists are 40 MB of JSON: written a list at a time
 * (the whole text at once came at the end of the build, where its memory peaks) and read a line at a
 * time (the whole text and what it parsed into, at once, were the peak of a one-host change).
 */
function writeStateLines(file: string, state: BuildState, reuse: ReuseState): void {
  const { fileLists, ...rest } = reuse;
  const fd = openSync(file, 'w');
  try {
    // JSON.stringify escapes newlines inside strings: each line is one value.
    let pending = `${JSON.stringify(state)}\n${JSON.stringify(rest)}\n`;
    for (const list of fileLists ?? []) {
      pending += `${JSON.stringify(list)}\n`;
      if (pending.length >= 1 << 20) {
        writeAll(fd, Buffer.from(pending));
        pending = '';
      }
    }
    writeAll(fd, Buffer.from(pending));
  } finally {
    closeSync(fd);
  }
}

function packGroups(records: Map<string, GroupRecord>): ReuseState {
  const groups: NonNullable<ReuseState['groups']> = {};
  const fileLists: string[] = [];
  const index = new Map<string, number>();
  for (const [group, { fingerprint, files }] of records) {
    if (files === undefined) groups[group] = [fingerprint];
    else {
      let i = index.get(files);
      if (i === undefined) index.set(files, (i = fileLists.push(files) - 1));
      groups[group] = [fingerprint, i];
    }
  }
  return { groups, fileLists };
}

/**
 * The render fingerprints of the last full build, when the same netgen built them into the same place and
 * out/ still holds exactly that build's manifest (`manifestSha`, as the writer read it under the output
 * lock, after recovering any interrupted write). The files themselves are checked one by one as they are kept.
 */
export function previousFingerprints(outDir: string, inventory: string, overlays: string[], manifestSha: string | undefined): Map<string, GroupRecord> | undefined {
  if (!manifestSha) return undefined;
  let fd: number;
  try {
    fd = openSync(statePath(outDir), 'r');
  } catch {
    return undefined;
  }
  try {
    const lines = fileLines(fd);
    const state = JSON.parse(lines.next().value ?? '') as BuildState;
    if (state.version !== VERSION || state.key !== stateKey(inventory, outDir, overlays)) return undefined;
    if (state.manifestSha !== manifestSha) return undefined;
    const reuse = JSON.parse(lines.next().value ?? '') as ReuseState;
    if (!reuse.groups) return undefined;
    const lists: unknown[] = [];
    for (const line of lines) lists.push(JSON.parse(line));
    const list = (i: number | undefined) => (i !== undefined && typeof lists[i] === 'string' ? (lists[i] as string) : undefined);
    return new Map(Object.entries(reuse.groups).map(([group, [fingerprint, files]]) => [group, { fingerprint, files: list(files) }]));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function forgetBuildState(outDir: string): void {
  rmSync(statePath(outDir), { force: true });
}

/**
 * When the output is provably what a build would write: the number of files and hosts it holds.
 */
export async function upToDate(outDir: string, inventory: string, overlays: string[]): Promise<{ files: number; hosts: number } | undefined> {
  let state: BuildState;
  try {
    state = JSON.parse(firstLine(statePath(outDir))) as BuildState;
  } catch {
    return undefined;
  }
  if (state.version !== VERSION || state.key !== stateKey(inventory, outDir, overlays)) return undefined;
  // A write left half done beside out/ is for the full build to recover.
  const halfDone = ['new', 'old', 'journal'].map((kind) => `.${path.basename(outDir)}.${kind}-`);
  if (readdirSync(path.dirname(outDir)).some((n) => halfDone.some((prefix) => n.startsWith(prefix)))) return undefined;
  for (const [p, was] of state.inputs) if (fileSha(p) !== was) return undefined;
  for (const [dir, kind, was] of state.listings) {
    try {
      if (listingSha(listing(dir, kind)) !== was) return undefined;
    } catch {
      return undefined;
    }
  }
  let manifestText: Buffer;
  try {
    if (lstatSync(outDir).isSymbolicLink()) return undefined;
    manifestText = readFileSync(path.join(outDir, 'manifest.json'));
  } catch {
    return undefined;
  }
  if (sha256Hex(manifestText) !== state.manifestSha) return undefined;
  // A large tree is listed on another thread while this one stats the files the manifest lists: at
  // 10,000 hosts each is seconds of system calls.
  const counting = manifestText.length > COUNT_ON_THREAD_BYTES ? countFilesOnThread(outDir) : undefined;
  let count = 0;
  for (const e of manifestEntries(manifestText.toString('utf8'))) {
    count++;
    if (e.size === undefined || !onDiskAs(under(outDir, e.path), e.size, e.mode)) {
      counting?.stop();
      return undefined;
    }
  }
  const onDisk = (await counting?.result) ?? countFiles(outDir);
  if (onDisk !== count + 1) return undefined;
  return { files: onDisk, hosts: state.hosts };
}

/** manifest.json of about 20,000 files: below it a thread costs more than it saves. */
const COUNT_ON_THREAD_BYTES = 4 << 20;

/** The text up to the first newline (the rest can be 40 MB, and is not read). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    return fileLines(fd).next().value ?? '';
  } finally {
    closeSync(fd);
  }
}
