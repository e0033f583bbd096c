import { modeText, onDiskAs, SHA_HEX, under, type PreviousEntry } from './manifest-index.js';

/**
 * The output tree a build replaces, as its writer needs it: which files are on disk, and what the previous
 * manifest recorded of each (hash, mode, size, and whether a survey found the file on disk as recorded).
 *
 * At 10,000 hosts that is 680,000 paths. Held as a set of paths beside a map of packed strings it was
 * 300 MB on the survey's thread and as much again in the build once copied over, at the moment the model
 * is largest (a one-host change peaked at 1.2 GB). Packed, the paths are one string and the rest typed
 * arrays, which move between threads without a copy; the build finds a path through a table of numbers
 * (PreviousTree), with no object or string per file.
 */
export interface PackedTree {
  /**
   * Every path in UTF-8, each ended by a NUL (no file name holds one): the manifest's, then files on disk
   * it does not list. Bytes, not a string: they move to the build without the copy a string's
   * serialization makes (at the end of the survey its copies were the build's peak memory).
   */
  paths: Uint8Array;
  /** Per path: ON_DISK, RECORDED, INTACT. */
  flags: Uint8Array;
  /** Per path, 32 bytes: the recorded sha256. */
  sha: Uint8Array;
  /** Per path: the recorded mode, or NO_MODE when it was not written as netgen writes modes. */
  mode: Uint16Array;
  /** Per path: the recorded size, NaN when none was recorded. */
  size: Float64Array;
  /** The table PreviousTree finds paths by, when the survey's thread made it (pathLookup). */
  lookup?: PathLookup;
}

/** Where each path starts in the decoded paths (one more entry: past the last one's NUL), and the hash table over them. */
export interface PathLookup {
  starts: Uint32Array;
  /** id + 1 of the path hashed to each slot, 0 for none. */
  table: Int32Array;
}

/**
 * The lookup table over `paths` (the tree's paths decoded, NUL-ended): open addressing, FNV-1a over the
 * UTF-16 code units, linear probing. Made on the survey's thread, which waits for the compiler anyway
 * (0.35 s of the build's own thread at 10,000 hosts); PreviousTree makes it when none came.
 */
export function pathLookup(paths: string, n: number): PathLookup {
  const starts = new Uint32Array(n + 1);
  let at = 0;
  for (let id = 0; id < n; id++) {
    starts[id] = at;
    const end = paths.indexOf('\0', at);
    at = end < 0 ? paths.length + 1 : end + 1;
  }
  starts[n] = at;
  let size = 1024;
  while (size < n * 2) size *= 2;
  const table = new Int32Array(size);
  const mask = size - 1;
  // The paths are distinct (PackedTreeBuilder gives each one id).
  for (let id = 0; id < n; id++) {
    let slot = hashOf(paths, starts[id], starts[id + 1] - 1) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = id + 1;
  }
  return { starts, table };
}

/** The tree's paths as one string. */
export const decodedPaths = (t: PackedTree): string => Buffer.from(t.paths.buffer, t.paths.byteOffset, t.paths.byteLength).toString('utf8');

const ON_DISK = 1;
const RECORDED = 2;
const INTACT = 4;
/** Main thread only: the new tree has this path (what is left unseen at the end is removed). */
const SEEN = 8;
const NO_MODE = 0xffff;
const SHA_BYTES = 32;
const MODE_TEXT = /^0[0-7]{3}$/;

/**
 * Builds a PackedTree: the manifest's entries, then the files found on disk. The paths it holds are the
 * manifest's (and any file on disk it does not list); a file found on disk is looked up, not kept.
 */
export class PackedTreeBuilder {
  private readonly ids = new Map<string, number>();
  private readonly paths: string[] = [];
  private pathBytes = new Uint8Array(1 << 16);
  private pathBytesUsed = 0;
  private flags = new Uint8Array(1024);
  private sha = new Uint8Array(1024 * SHA_BYTES);
  private mode = new Uint16Array(1024);
  private size = new Float64Array(1024);

  private idOf(rel: string): number {
    let id = this.ids.get(rel);
    if (id !== undefined) return id;
    id = this.paths.push(rel) - 1;
    this.ids.set(rel, id);
    if (id >= this.flags.length) this.grow();
    if (this.pathBytesUsed + 3 * rel.length + 1 > this.pathBytes.length) this.pathBytes = grown(this.pathBytes, this.pathBytesUsed + 3 * rel.length + 1);
    this.pathBytesUsed += encoder.encodeInto(rel, this.pathBytes.subarray(this.pathBytesUsed)).written;
    this.pathBytes[this.pathBytesUsed++] = 0;
    return id;
  }

  private grow(): void {
    const capacity = Math.ceil(this.flags.length * 1.25) + 1024;
    this.flags = grown(this.flags, capacity);
    this.sha = grown(this.sha, capacity * SHA_BYTES);
    this.mode = grown(this.mode, capacity);
    this.size = grown(this.size, capacity);
  }

  /**
   * What the manifest says of a file; a hash that is not 64 hex digits is not trusted (that file is
   * compared by its bytes). A path listed twice takes its last entry.
   */
  record(e: { path: string } & PreviousEntry): void {
    if (!SHA_HEX.test(e.sha256)) return;
    const id = this.idOf(e.path);
    Buffer.from(this.sha.buffer, this.sha.byteOffset, this.sha.byteLength).write(e.sha256, id * SHA_BYTES, SHA_BYTES, 'hex');
    this.mode[id] = MODE_TEXT.test(e.mode) ? parseInt(e.mode, 8) : NO_MODE;
    this.size[id] = e.size ?? NaN;
    this.flags[id] |= RECORDED;
  }

  /** A file found on disk (by a listing of the tree: nothing that is not in it is ever marked). */
  onDisk(rel: string): void {
    this.flags[this.idOf(rel)] |= ON_DISK;
  }

  /** Stats every recorded file found on disk: INTACT when it is a regular file of the recorded size and mode. */
  checkIntact(finalDir: string): void {
    for (let id = 0; id < this.paths.length; id++) {
      const flags = this.flags[id];
      const size = this.size[id];
      if ((flags & (RECORDED | ON_DISK)) !== (RECORDED | ON_DISK) || Number.isNaN(size) || this.mode[id] === NO_MODE) continue;
      if (onDiskAs(under(finalDir, this.paths[id]), size, modeText(this.mode[id]))) this.flags[id] = flags | INTACT;
    }
  }

  /**
   * The tree: views of the arrays as long as their contents, not copies (their buffers, with at most a
   * quarter to spare, are transferred to the build's thread).
   */
  build(): PackedTree {
    const n = this.paths.length;
    return { paths: this.pathBytes.subarray(0, this.pathBytesUsed), flags: this.flags.subarray(0, n), sha: this.sha.subarray(0, n * SHA_BYTES), mode: this.mode.subarray(0, n), size: this.size.subarray(0, n) };
  }
}

const encoder = new TextEncoder();

/**
 * A copy of `a` with room for `atLeast` elements, and at least a quarter more than it had: growing by a
 * quarter, not doubling, leaves at most a fifth of a large array unused.
 */
function grown<T extends Uint8Array | Uint16Array | Float64Array>(a: T, atLeast: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(atLeast, Math.ceil(a.length * 1.25) + 1024));
  b.set(a);
  return b;
}

/** The buffers of a PackedTree, for postMessage's transfer list. */
export const transferables = (t: PackedTree): ArrayBuffer[] =>
  [t.paths.buffer, t.flags.buffer, t.sha.buffer, t.mode.buffer, t.size.buffer, ...(t.lookup ? [t.lookup.starts.buffer, t.lookup.table.buffer] : [])] as ArrayBuffer[];

/**
 * A PackedTree read by path; the writer marks the paths the new tree has (`see`), the rest is removed.
 * Paths are found through an open-addressing table of numbers over the one string (FNV-1a, linear
 * probing), not a Map: a Map and a string per path were 55 MB at 10,000 hosts, the table and the
 * offsets are 11 MB outside the heap.
 */
export class PreviousTree {
  private readonly starts: Uint32Array;
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The last lookup: the writer asks about one path several times in a row. */
  private lastRel: string | undefined;
  private lastId = -1;

  /** The paths, NUL-ended, as one string. */
  private readonly paths: string;

  constructor(private readonly t: PackedTree) {
    const n = t.flags.length;
    this.paths = decodedPaths(t);
    const given = t.lookup && t.lookup.starts.length === n + 1 && t.lookup.starts[n] === this.paths.length ? t.lookup : undefined;
    ({ starts: this.starts, table: this.table } = given ?? pathLookup(this.paths, n));
    this.mask = this.table.length - 1;
  }

  /** The id of a path, or -1. */
  idOf(rel: string): number {
    if (rel === this.lastRel) return this.lastId;
    let id = -1;
    for (let slot = hashOf(rel, 0, rel.length) & this.mask; this.table[slot] !== 0; slot = (slot + 1) & this.mask) {
      const candidate = this.table[slot] - 1;
      const start = this.starts[candidate];
      if (this.starts[candidate + 1] - 1 - start === rel.length && this.paths.startsWith(rel, start)) {
        id = candidate;
        break;
      }
    }
    this.lastRel = rel;
    this.lastId = id;
    return id;
  }

  private pathOf(id: number): string {
    return this.paths.slice(this.starts[id], this.starts[id + 1] - 1);
  }

  private flagsOf(rel: string): { id: number; flags: number } | undefined {
    const id = this.idOf(rel);
    return id < 0 ? undefined : { id, flags: this.t.flags[id] };
  }

  /** On disk, and not yet given to the new tree. */
  has(rel: string): boolean {
    const f = this.flagsOf(rel);
    return f !== undefined && (f.flags & (ON_DISK | SEEN)) === ON_DISK;
  }

  /** Marks `rel` as part of the new tree; true when it was on disk and not seen before. */
  see(rel: string): boolean {
    const f = this.flagsOf(rel);
    if (!f) return false;
    this.t.flags[f.id] = f.flags | SEEN;
    return (f.flags & (ON_DISK | SEEN)) === ON_DISK;
  }

  /** The files on disk the new tree has too (given to it: kept, or written anew). */
  seen(): string[] {
    return this.withFlags(ON_DISK | SEEN, ON_DISK | SEEN);
  }

  /** The files on disk the new tree does not have, sorted. */
  unseen(): string[] {
    return this.withFlags(ON_DISK | SEEN, ON_DISK).sort();
  }

  private withFlags(mask: number, value: number): string[] {
    const out: string[] = [];
    for (let id = 0; id < this.t.flags.length; id++) if ((this.t.flags[id] & mask) === value) out.push(this.pathOf(id));
    return out;
  }

  /**
   * The id of a file a rebuild may keep unrendered: recorded with this mode and a size, on disk, not yet
   * given to the new tree and, with `intactOnly`, found by the survey as recorded; else -1. One lookup
   * and no object, for each of the 680,000 files a one-host change keeps at 10,000 hosts.
   */
  keepable(rel: string, mode: number, intactOnly: boolean): number {
    const id = this.idOf(rel);
    if (id < 0) return -1;
    const flags = this.t.flags[id];
    if ((flags & (RECORDED | ON_DISK | SEEN)) !== (RECORDED | ON_DISK) || (intactOnly && !(flags & INTACT))) return -1;
    return this.t.mode[id] === mode && !Number.isNaN(this.t.size[id]) ? id : -1;
  }

  /** The recorded size of an id that `keepable` gave. */
  sizeAt(id: number): number {
    return this.t.size[id];
  }

  /** Marks an id as given to the new tree, or (`seen` false) takes that back. */
  markSeen(id: number, seen: boolean): void {
    this.t.flags[id] = seen ? this.t.flags[id] | SEEN : this.t.flags[id] & ~SEEN;
  }

  /** Whether a survey found the file on disk as the manifest recorded it (false when no survey looked). */
  intact(rel: string): boolean {
    const f = this.flagsOf(rel);
    return f !== undefined && (f.flags & INTACT) !== 0;
  }

  /** Paths in the tree (ids run from 0 to this, less one). */
  get count(): number {
    return this.t.flags.length;
  }

  /** The path of an id. */
  pathAt(id: number): string {
    return this.pathOf(id);
  }

  /** The recorded entry of an id (one `keepable` gave): hex hash, size and mode. */
  entryAt(id: number): { sha256: string; size: number; mode: string } {
    const { mode, size } = this.modeAndSize(id);
    return { sha256: this.shaHexAt(id), size: size ?? 0, mode };
  }

  /** The recorded hash of an id in hex, read from the hashes' buffer in place. */
  private shaHexAt(id: number): string {
    this.shaView ??= Buffer.from(this.t.sha.buffer, this.t.sha.byteOffset, this.t.sha.byteLength);
    return this.shaView.toString('hex', id * SHA_BYTES, (id + 1) * SHA_BYTES);
  }

  private shaView?: Buffer;

  /** The recorded hash of an id as 32 raw bytes in a one-byte string (packSha's form). */
  rawShaAt(id: number): string {
    return this.shaBytes(id).toString('latin1');
  }

  get(rel: string): PreviousEntry | undefined {
    const f = this.flagsOf(rel);
    if (!f || !(f.flags & RECORDED)) return undefined;
    return { sha256: this.shaBytes(f.id).toString('hex'), ...this.modeAndSize(f.id) };
  }

  private shaBytes(id: number): Buffer {
    return Buffer.from(this.t.sha.buffer, this.t.sha.byteOffset + id * SHA_BYTES, SHA_BYTES);
  }

  private modeAndSize(id: number): { mode: string; size?: number } {
    const mode = this.t.mode[id];
    const size = this.t.size[id];
    // A mode not written as netgen writes them never equals one it compares with.
    return { mode: mode === NO_MODE ? '?' : modeText(mode), size: Number.isNaN(size) ? undefined : size };
  }
}

/** FNV-1a over the UTF-16 code units of text[from, to). */
function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
