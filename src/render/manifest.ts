import type { PlannedFile } from '../plan/artifact.js';
import { modeText, packSha, RAW_SHA_LENGTH, unpackSha } from '../write/manifest-index.js';
import type { PreviousTree } from '../write/previous-tree.js';
import type { KeptFile } from '../write/tree-writer.js';
import type { ManifestEntry } from '../write/writer.js';

/** The manifest line of a planned file whose bytes hash to `sha` (rendered now, or kept from the last build). */
export function manifestEntry(p: PlannedFile, sha: string, size: number): ManifestEntry {
  return { path: p.path, kind: p.kind, site: p.site, host: p.host, sha256: sha, size, mode: modeText(p.mode ?? 0o644) };
}

/** Adds the entry of a planned file the build kept from the last one (its hash in hex, or its record in the old tree). */
export function addKept(list: ManifestList, p: PlannedFile, kept: KeptFile): void {
  if ('tree' in kept) list.addRecorded(p, kept.tree, kept.id);
  else list.add(manifestEntry(p, kept.sha256, kept.size));
}

/**
 * The manifest entries of a build, one compact string each (about half the memory of an object with a
 * hex hash, which at 10,000 hosts is 160 MB): `path \0 kind \0 site \0 host \0 size \0 mode \0` and
 * the raw sha256 last (raw bytes may contain \0). Paths never contain \0, so sorting the strings
 * sorts by path.
 */
export class ManifestList {
  private readonly packed: string[] = [];
  /**
   * Entries of kept files, by their record in the old tree: path, hash, size and mode are the record's
   * (a file is kept only when its mode is the one recorded), kind and owner are indexes into the tables
   * below. Seven bytes per path of the old tree instead of a packed string (130 bytes) per kept file:
   * 80 MB less at 10,000 hosts, where a one-host change keeps 680,000 files.
   */
  private recorded?: { tree: PreviousTree; kind: Uint16Array; owner: Uint32Array; count: number };
  private readonly kinds = new Table<string>();
  private readonly owners = new Table<[site: string, host: string]>();

  get length(): number {
    return this.packed.length + (this.recorded?.count ?? 0);
  }

  /** A kept file's entry, by its record (`id`) in the old tree. */
  addRecorded(p: Pick<PlannedFile, 'path' | 'kind' | 'site' | 'host'>, tree: PreviousTree, id: number): void {
    this.recorded ??= { tree, kind: new Uint16Array(tree.count), owner: new Uint32Array(tree.count), count: 0 };
    const r = this.recorded;
    // One old tree per build; a record given twice is the same file kept twice: packed, as any other.
    if (r.tree !== tree || r.kind[id] !== 0) {
      const { size, mode } = tree.entryAt(id);
      this.addRaw({ path: p.path, kind: p.kind, site: p.site, host: p.host, size, mode }, tree.rawShaAt(id));
      return;
    }
    r.kind[id] = this.kinds.index(p.kind, p.kind) + 1;
    // Files come owner by owner (a host's, then the next host's): the last owner's index is asked for again.
    if (p.site !== this.lastOwner.site || p.host !== this.lastOwner.host) {
      this.lastOwner = { site: p.site, host: p.host, index: this.owners.index(`${p.site ?? ''}\0${p.host ?? ''}`, [p.site ?? '', p.host ?? '']) };
    }
    r.owner[id] = this.lastOwner.index;
    r.count++;
  }

  private lastOwner: { site?: string; host?: string; index: number } = { site: '\0', index: -1 };

  add(e: ManifestEntry): void {
    this.addRaw(e, packSha(e.sha256));
  }

  /** An entry whose hash is already packed (packSha): a kept file's, from the previous manifest. */
  addRaw(e: Omit<ManifestEntry, 'sha256'>, rawSha: string): void {
    // join, not a template literal: that would be a tree of concatenation nodes, four times the size.
    this.packed.push([e.path, e.kind, e.site ?? '', e.host ?? '', e.size, e.mode, rawSha].join('\0'));
  }

  sort(): void {
    // The records are in the old manifest's order, which netgen writes sorted; any other order (a hand
    // edit) and they are packed like the rest.
    const r = this.recorded;
    if (r && !this.recordedSorted()) {
      this.recorded = undefined;
      for (let id = 0; id < r.kind.length; id++) {
        if (r.kind[id] === 0) continue;
        const [site, host] = this.owners.at(r.owner[id]);
        const { size, mode } = r.tree.entryAt(id);
        this.addRaw({ path: r.tree.pathAt(id), kind: this.kinds.at(r.kind[id] - 1), site: site || undefined, host: host || undefined, size, mode }, r.tree.rawShaAt(id));
      }
    }
    // The default order of strings is by UTF-16 code units, as `<` compares them, without a call back
    // into JavaScript per comparison: 680,000 entries in half the time.
    this.packed.sort();
  }

  private recordedSorted(): boolean {
    const r = this.recorded!;
    let last: string | undefined;
    for (let id = 0; id < r.kind.length; id++) {
      if (r.kind[id] === 0) continue;
      const path = r.tree.pathAt(id);
      if (last !== undefined && !(last < path)) return false;
      last = path;
    }
    return true;
  }

  /**
   * The packed entries and the records, merged by path (both sorted: call sort() first). Each is given
   * as a packed string or a record id.
   */
  private *merged(): Generator<{ packed: string; id?: undefined } | { packed?: undefined; id: number }> {
    const r = this.recorded;
    let id = r ? nextRecorded(r.kind, 0) : -1;
    let recordedPath = id >= 0 ? r!.tree.pathAt(id) : '';
    for (const packed of this.packed) {
      const path = packed.slice(0, packed.indexOf('\0'));
      while (id >= 0 && recordedPath < path) {
        yield { id };
        id = nextRecorded(r!.kind, id + 1);
        if (id >= 0) recordedPath = r!.tree.pathAt(id);
      }
      yield { packed };
    }
    for (; id >= 0; id = nextRecorded(r!.kind, id + 1)) yield { id };
  }

  /** A record's entry. */
  private recordedEntry(id: number): ManifestEntry {
    const r = this.recorded!;
    const [site, host] = this.owners.at(r.owner[id]);
    const { sha256, size, mode } = r.tree.entryAt(id);
    return { path: r.tree.pathAt(id), kind: this.kinds.at(r.kind[id] - 1), site: site || undefined, host: host || undefined, sha256, size, mode };
  }

  *entries(): Generator<ManifestEntry> {
    for (const m of this.merged()) {
      if (m.packed === undefined) {
        yield this.recordedEntry(m.id);
        continue;
      }
      const s = m.packed;
      const [path, kind, site, host, size, mode] = s.slice(0, -RAW_SHA_LENGTH - 1).split('\0');
      const sha256 = unpackSha(s.slice(-RAW_SHA_LENGTH));
      yield { path, kind, site: site || undefined, host: host || undefined, sha256, size: Number(size), mode };
    }
  }

  toArray(): ManifestEntry[] {
    return [...this.entries()];
  }

  /**
   * Each entry's manifest line, as JSON.stringify writes the entry, made from the packed string without
   * an object in between (at 10,000 hosts the objects and their stringifying were most of a second).
   */
  *jsonLines(): Generator<string> {
    // A kept file's line from its record: the kind's and the owner's parts of it made once each.
    const kindParts = new Map<number, string>();
    const ownerParts = new Map<number, string>();
    for (const m of this.merged()) {
      if (m.packed === undefined) {
        const r = this.recorded!;
        const kind = r.kind[m.id];
        let kindText = kindParts.get(kind);
        if (kindText === undefined) kindParts.set(kind, (kindText = kindPart(this.kinds.at(kind - 1))));
        const owner = r.owner[m.id];
        let ownerText = ownerParts.get(owner);
        if (ownerText === undefined) ownerParts.set(owner, (ownerText = ownerPart(...this.owners.at(owner))));
        const { sha256, size, mode } = r.tree.entryAt(m.id);
        yield manifestLine(r.tree.pathAt(m.id), kindText + ownerText, sha256, size, mode);
        continue;
      }
      const s = m.packed;
      const end = s.length - RAW_SHA_LENGTH - 1;
      const kindAt = s.indexOf('\0') + 1;
      const siteAt = s.indexOf('\0', kindAt) + 1;
      const hostAt = s.indexOf('\0', siteAt) + 1;
      const sizeAt = s.indexOf('\0', hostAt) + 1;
      const modeAt = s.indexOf('\0', sizeAt) + 1;
      const parts = kindPart(s.slice(kindAt, siteAt - 1)) + ownerPart(s.slice(siteAt, hostAt - 1), s.slice(hostAt, sizeAt - 1));
      yield manifestLine(s.slice(0, kindAt - 1), parts, unpackSha(s.slice(end + 1)), Number(s.slice(sizeAt, modeAt - 1)), s.slice(modeAt, end));
    }
  }
}

/** The id of the next record at or after `from`, or -1. */
function nextRecorded(kind: Uint16Array, from: number): number {
  for (let id = from; id < kind.length; id++) if (kind[id] !== 0) return id;
  return -1;
}

/**
 * An entry's line, as JSON.stringify writes the entry (keys in ManifestEntry's order); `parts` is its
 * kindPart and ownerPart, which kept files share with the other files of their kind and owner.
 */
function manifestLine(path: string, parts: string, sha256: string, size: number, mode: string): string {
  return `{"path":${jsonString(path)}${parts},"sha256":"${sha256}","size":${size},"mode":${jsonString(mode)}}`;
}

const kindPart = (kind: string): string => `,"kind":${jsonString(kind)}`;

/** The site and host of an entry's line; an empty one is left out, as JSON.stringify leaves out undefined. */
const ownerPart = (site: string | undefined, host: string | undefined): string => `${site ? `,"site":${jsonString(site)}` : ''}${host ? `,"host":${jsonString(host)}` : ''}`;

/** Distinct values, each with its index (kinds and owners of kept files). */
class Table<T> {
  private readonly values: T[] = [];
  private readonly indexes = new Map<string, number>();

  index(key: string, value: T): number {
    let i = this.indexes.get(key);
    if (i === undefined) this.indexes.set(key, (i = this.values.push(value) - 1));
    return i;
  }

  at(i: number): T {
    return this.values[i];
  }
}

/** Nothing JSON.stringify would escape (quote, backslash, control characters, surrogates): the text as it is, quoted. */
const PLAIN_JSON = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const jsonString = (s: string): string => (PLAIN_JSON.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * manifest.json in pieces: one line per file (a changed file is a one-line diff in Git), yielded so the
 * writer can stream it; at 10,000 hosts the whole text would be a 140 MB string.
 */
export function* manifestChunks(source: string, entries: Iterable<ManifestEntry> | ManifestList): Generator<string> {
  const head = { generator: 'netgen', note: `Generated by netgen from ${source}. Do not edit.`, inventory: source };
  yield `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "files": [`;
  let lines = '';
  let count = 0;
  const json = entries instanceof ManifestList ? entries.jsonLines() : jsonOf(entries);
  for (const line of json) {
    lines += `${count++ ? ',' : ''}\n    ${line}`;
    if (count % 1024 === 0) {
      yield lines;
      lines = '';
    }
  }
  yield `${lines}${count ? '\n  ' : ''}]\n}\n`;
}

function* jsonOf(entries: Iterable<ManifestEntry>): Generator<string> {
  for (const e of entries) yield JSON.stringify(e);
}

export function manifestJson(source: string, entries: Iterable<ManifestEntry> | ManifestList): string {
  return [...manifestChunks(source, entries)].join('');
}
