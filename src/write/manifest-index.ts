import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { fileLines } from './tree-files.js';

/** What a previous manifest.json says about one file. */
export interface PreviousEntry {
  sha256: string;
  mode: string;
  size?: number;
}

/** A manifest hash netgen trusts: anything else means the file is compared by its bytes. */
export const SHA_HEX = /^[0-9a-f]{64}$/;

const modeTexts = new Map<number, string>();

/** '0644', as the manifest writes modes: one shared string per mode, since every entry holds one. */
export function modeText(mode: number): string {
  let t = modeTexts.get(mode);
  if (t === undefined) modeTexts.set(mode, (t = mode.toString(8).padStart(4, '0')));
  return t;
}

/** `rel` under `dir`, joined without path.join's normalising (a hot path: every file of a tree). */
export const under = (dir: string, rel: string): string => (dir.endsWith('/') ? dir + rel : `${dir}/${rel}`);

/** Whether `full` is a regular file of the size and mode a manifest recorded (never following a link). */
export function onDiskAs(full: string, size: number, mode: string): boolean {
  // No exception for a missing file: at 680,000 files the try/catch form cost a fifth more.
  const st = lstatSync(full, { throwIfNoEntry: false });
  return st !== undefined && st.isFile() && st.size === size && modeText(st.mode & 0o777) === mode;
}

/** A hex sha256 as its 32 raw bytes in a one-byte string (half the memory), and back. */
export const RAW_SHA_LENGTH = 32;
export const packSha = (hex: string): string =>
  hex.length === 2 * RAW_SHA_LENGTH && SHA_SCRATCH.write(hex, 0, RAW_SHA_LENGTH, 'hex') === RAW_SHA_LENGTH ? SHA_SCRATCH.toString('latin1') : Buffer.from(hex, 'hex').toString('latin1');
export const unpackSha = (raw: string): string =>
  raw.length === RAW_SHA_LENGTH ? (SHA_SCRATCH.write(raw, 0, RAW_SHA_LENGTH, 'latin1'), SHA_SCRATCH.toString('hex')) : Buffer.from(raw, 'latin1').toString('hex');
/** One buffer for every conversion (they are synchronous): no Buffer per file. */
const SHA_SCRATCH = Buffer.alloc(32);

/**
 * The entries of a manifest.json text. netgen writes one entry per line, and they are parsed a line at a
 * time: at 10,000 hosts one JSON.parse of the whole text held 300 MB of objects at once. Any other
 * layout (an older netgen, a hand edit) is parsed whole; unreadable text yields nothing.
 */
export function manifestEntries(text: string): Generator<{ path: string } & PreviousEntry> {
  return entriesOfLines(linesOf(text), () => text).entries;
}

function* linesOf(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    yield text.slice(at, end);
    at = end + 1;
  }
}

/**
 * manifestEntries over lines however they are read; `whole()` gives the whole text for another layout.
 * `emptyList` is set once the entries are read when the text says `"files": []`.
 */
function entriesOfLines(lines: Iterable<string>, whole: () => string): { entries: Generator<{ path: string } & PreviousEntry>; emptyList: () => boolean } {
  let empty = false;
  function* entries(): Generator<{ path: string } & PreviousEntry> {
    let inList = false;
    let yielded = 0;
    for (const line of lines) {
      if (!inList) {
        inList = line === '  "files": [';
        continue;
      }
      if (line === '  ]') return;
      const e = parseLine(line.endsWith(',') ? line.slice(0, -1) : line);
      // Not netgen's layout: parse the whole text, unless entries were already read (then the rest
      // is damaged, and its files are simply not known).
      if (!e) break;
      yielded++;
      yield e;
    }
    if (yielded) return;
    const text = whole();
    empty = /"files": \[\s*\]/.test(text);
    let files: unknown;
    try {
      files = (JSON.parse(text) as { files?: unknown }).files;
    } catch {
      return;
    }
    if (Array.isArray(files)) for (const e of files) if (isEntry(e)) yield e;
  }
  return { entries: entries(), emptyList: () => empty };
}

/**
 * A manifest.json on disk, read a megabyte at a time (the whole text is 147 MB at 10,000 hosts): each entry
 * is given to `each` as it is read. Returns the file's sha256 and whether its entries could be read;
 * undefined when there is no file.
 */
export function readManifestEntries(file: string, each: (e: { path: string } & PreviousEntry) => void): { sha256: string; readable: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const hash = createHash('sha256');
    const lines = fileLines(fd, hash);
    const { entries, emptyList } = entriesOfLines(lines, () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    });
    let any = false;
    for (const e of entries) {
      any = true;
      each(e);
    }
    for (const _ of lines); // the rest of the file, for the hash
    return { sha256: hash.digest('hex'), readable: any || emptyList() };
  } finally {
    closeSync(fd);
  }
}

/** readManifestEntries into an index. */
export function readManifest(file: string): { sha256: string; index: ManifestIndex | undefined } | undefined {
  const index = ManifestIndex.empty();
  const read = readManifestEntries(file, (e) => index.add(e));
  return read && { sha256: read.sha256, index: read.readable ? index : undefined };
}

function parseLine(line: string): ({ path: string } & PreviousEntry) | undefined {
  try {
    const e: unknown = JSON.parse(line);
    return isEntry(e) ? { path: e.path, sha256: e.sha256, mode: e.mode, size: e.size } : undefined;
  } catch {
    return undefined;
  }
}

function isEntry(e: unknown): e is { path: string } & PreviousEntry {
  const x = e as Record<string, unknown> | null;
  return !!x && typeof x.path === 'string' && typeof x.sha256 === 'string' && typeof x.mode === 'string' && (x.size === undefined || typeof x.size === 'number');
}

/**
 * path → entry of a manifest, packed into one short string per file (the raw hash, mode and size). The
 * writer's view of the tree it replaces is previous-tree.ts; this serves writeTree and tests.
 */
export class ManifestIndex {
  /** path → raw sha, mode and size. */
  private readonly packed = new Map<string, string>();
  private constructor() {}

  static empty(): ManifestIndex {
    return new ManifestIndex();
  }

  /** Takes an entry; a hash that is not 64 hex digits is not trusted (that file is compared by its bytes). */
  add(e: { path: string } & PreviousEntry): void {
    if (SHA_HEX.test(e.sha256)) this.packed.set(e.path, [packSha(e.sha256), e.mode, e.size ?? ''].join('\0'));
  }

  /** undefined when there is no manifest or it cannot be read. */
  static parse(text: string | undefined): ManifestIndex | undefined {
    return text === undefined ? undefined : ManifestIndex.fromLines(linesOf(text), () => text);
  }

  /** The index of a manifest given as lines (`whole()`: the whole text, for another layout); undefined when it cannot be read. */
  static fromLines(lines: Iterable<string>, whole: () => string): ManifestIndex | undefined {
    const index = new ManifestIndex();
    const { entries, emptyList } = entriesOfLines(lines, whole);
    let any = false;
    for (const e of entries) {
      any = true;
      index.add(e);
    }
    return any || emptyList() ? index : undefined;
  }

  get(path: string): PreviousEntry | undefined {
    const v = this.packed.get(path);
    return v === undefined ? undefined : { sha256: unpackSha(v.slice(0, RAW_SHA_LENGTH)), ...modeAndSize(v) };
  }
}

function modeAndSize(packed: string): { mode: string; size?: number } {
  const [mode, size] = packed.slice(RAW_SHA_LENGTH + 1).split('\0', 2);
  return { mode, size: size === '' ? undefined : Number(size) };
}
