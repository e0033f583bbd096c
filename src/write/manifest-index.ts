import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { fileLines } from './tree-files.js';

/** What a previous manifest.json says about one file. */
export interface PreviousEntry {
  sha256: string;
  mode: string;
  size?: number;
}

const SHA_HEX = /^[0-9a-f]{64}$/;
const INTACT = '\0i';

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
export const packSha = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1');
export const unpackSha = (raw: string): string => Buffer.from(raw, 'latin1').toString('hex');

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
 * A manifest.json on disk: its sha256 and its index, read a megabyte at a time (the survey held the whole
 * text, 147 MB at 10,000 hosts, beside the index it built from it); undefined when there is no file.
 */
export function readManifest(file: string): { sha256: string; index: ManifestIndex | undefined } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const hash = createHash('sha256');
    const lines = fileLines(fd, hash);
    const index = ManifestIndex.fromLines(lines, () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    });
    for (const _ of lines); // the rest of the file, for the hash
    return { sha256: hash.digest('hex'), index };
  } finally {
    closeSync(fd);
  }
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
 * path → entry of a previous manifest, packed into one short string per file (the raw hash, mode and
 * size): the writer holds it for the whole build, and at 10,000 hosts an object per entry was 200 MB.
 */
export class ManifestIndex {
  /** path → raw sha, mode, size and, when a survey found the file on disk as recorded, an 'i'. */
  private constructor(private readonly packed = new Map<string, string>()) {}

  /** An index handed over by a tree survey (survey.ts), from `packedEntries()`. */
  static fromPacked(packed: Map<string, string>): ManifestIndex {
    return new ManifestIndex(packed);
  }

  packedEntries(): Map<string, string> {
    return this.packed;
  }

  /** Records that the file is on disk as a regular file of the recorded size and mode. */
  markIntact(path: string): void {
    const v = this.packed.get(path);
    if (v !== undefined && !v.endsWith(INTACT)) this.packed.set(path, v + INTACT);
  }

  /** Whether a survey found the file on disk as recorded (false when no survey looked). */
  intact(path: string): boolean {
    return this.packed.get(path)?.endsWith(INTACT) ?? false;
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
      if (!SHA_HEX.test(e.sha256)) continue; // unknown hash: the file is compared by content
      index.packed.set(e.path, [packSha(e.sha256), e.mode, e.size ?? ''].join('\0'));
    }
    return any || emptyList() ? index : undefined;
  }

  get(path: string): PreviousEntry | undefined {
    const v = this.packed.get(path);
    return v === undefined ? undefined : { sha256: unpackSha(v.slice(0, RAW_SHA_LENGTH)), ...modeAndSize(v) };
  }

  /** The entry with its hash as packSha made it: what a kept file's new manifest entry takes as it is. */
  getRaw(path: string): { rawSha: string; mode: string; size?: number } | undefined {
    const v = this.packed.get(path);
    return v === undefined ? undefined : { rawSha: v.slice(0, RAW_SHA_LENGTH), ...modeAndSize(v) };
  }
}

function modeAndSize(packed: string): { mode: string; size?: number } {
  const [mode, size] = packed.slice(RAW_SHA_LENGTH + 1).split('\0', 2);
  return { mode, size: size === '' ? undefined : Number(size) };
}
