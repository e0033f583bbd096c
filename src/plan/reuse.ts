import { createHash } from 'node:crypto';
import type { HostModel } from '../model/types.js';
import { ARTIFACT_KINDS, hostRoot, type ArtifactKind, type GlobalPart, type PlannedFile, type SharedPlanInput } from './artifact.js';
import { sha256Hex } from '../util/hash.js';

/**
 * Keeping an unchanged host's files without planning them. A host's files are a function of the host,
 * the input every host shares and netgen's code (artifact.ts, SharedPlanInput), so the host's fingerprint
 * hashes the first two; the caller's reuse is keyed by the third. What the fingerprint is taken over is
 * the resolved host, not its contexts: hashing the host costs a third of planning and hashing its files,
 * and a rebuild that finds it unchanged plans nothing for it. The last build's file list (`FileList`)
 * says which files to keep. Inventory-wide files are kept the same way per GlobalPart, keyed by what
 * the part reads and the fingerprints of the hosts it reads.
 */

/**
 * The files of a host (or of a GlobalPart) as a build planned them, relative to their owner's root:
 * enough to keep them unplanned. One string per owner (`rel \t kind \t mode` lines), not an array per
 * file: it lives as long as the build, and per-file arrays cost 100 bytes a file (68 MB at 10,000 hosts).
 */
export type FileList = string;

/** What one group (a host, a GlobalPart, or one inventory-wide file) was built from, for the next build. */
export interface GroupRecord {
  fingerprint: string;
  /** Absent when the files cannot be listed that way (then they are always planned). */
  files?: FileList;
}

/**
 * Runs `work` with JSON leaving bigints out: every address carries its canonical text beside them (text,
 * cidrText, networkText). A replacer function would be called for every key (a third of the hashing
 * time at 10,000 hosts); BigInt's toJSON is called for the bigints only, and is there only meanwhile.
 */
function withoutBigints<T>(work: () => T): T {
  const proto = BigInt.prototype as { toJSON?: () => undefined };
  const before = Object.getOwnPropertyDescriptor(proto, 'toJSON');
  Object.defineProperty(proto, 'toJSON', { value: () => undefined, configurable: true, writable: true });
  try {
    return work();
  } finally {
    if (before) Object.defineProperty(proto, 'toJSON', before);
    else delete proto.toJSON;
  }
}

const jsonWithoutBigints = (value: unknown): string => withoutBigints(() => JSON.stringify(value) ?? '');

/** The part of every host's fingerprint that all hosts share: templates, header source, shared input. */
export function sharedFingerprint(renderKey: string, shared: SharedPlanInput): string {
  const text = JSON.stringify({ source: shared.source, input: shared.input, fromTargets: [...shared.fromTargets] });
  return createHash('sha256').update(`${renderKey}\0${text}`).digest('hex');
}

/** A digest of plain data (bigints left out, as in every fingerprint). */
export function digest(value: unknown): string {
  return createHash('sha256').update(jsonWithoutBigints(value)).digest('hex');
}

/** What one host's files are made from (the model is plain data: test/unit/fingerprint.test.ts holds it to that). */
export function hostFingerprint(sharedKey: string, host: HostModel): string {
  return hostFingerprints(sharedKey, [host])[0];
}

/** hostFingerprint of each host. */
export function hostFingerprints(sharedKey: string, hosts: readonly HostModel[]): string[] {
  return withoutBigints(() => hosts.map((host) => sha256Hex(`${sharedKey}\0${JSON.stringify(host)}`)));
}

/** What a GlobalPart's files are made from: what it reads, and the fingerprints of the hosts it reads. */
export function partFingerprint(renderKey: string, target: string, part: GlobalPart, hostKey: (host: HostModel) => string): string {
  const hash = createHash('sha256').update(`${renderKey}\0${target}\0${part.id}\0${part.site ?? ''}\0${jsonWithoutBigints(part.reads)}`);
  for (const h of part.hosts) hash.update(`\0${hostKey(h)}`);
  return hash.digest('hex');
}

/** Where an owner's files live, and the site and host every one of them names. */
interface FileOwner {
  root: string;
  site?: string;
  host?: string;
}

const hostOwner = (host: HostModel): FileOwner => ({ root: `${hostRoot(host)}/`, site: host.site, host: host.name });
const partOwner = (part: GlobalPart): FileOwner => ({ root: '', site: part.site });

/** The planned files as a list, or undefined when one lies outside the owner's root, names another owner or has a tab or newline in its name. */
function filesOf(owner: FileOwner, planned: PlannedFile[]): FileList | undefined {
  const lines: string[] = [];
  for (const p of planned) {
    if (!p.path.startsWith(owner.root) || p.site !== owner.site || p.host !== owner.host || /[\t\n]/.test(p.path)) return undefined;
    lines.push(`${p.path.slice(owner.root.length)}\t${p.kind}\t${p.mode ?? 0o644}`);
  }
  // join makes one flat string; += would keep a tree of pieces alive for the whole build.
  return lines.join('\n');
}

/** An empty, `.` or `..` segment (also the empty path and a leading or trailing `/`). */
const EMPTY_OR_DOT_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * The listed files, as planned files without contents (for their manifest entries); undefined when the
 * list is not one filesOf made (the state file beside out/ is not trusted further).
 */
function plannedFrom(owner: FileOwner, files: FileList): Array<PlannedFile & { mode: number }> | undefined {
  const planned: Array<PlannedFile & { mode: number }> = [];
  for (const line of files ? files.split('\n') : []) {
    const [rel, kind, mode] = line.split('\t');
    if (mode === undefined || !ARTIFACT_KINDS.has(kind) || !/^\d{1,4}$/.test(mode) || Number(mode) > 0o7777 || EMPTY_OR_DOT_SEGMENT.test(rel)) return undefined;
    planned.push({ path: owner.root + rel, kind: kind as ArtifactKind, site: owner.site, host: owner.host, mode: Number(mode) });
  }
  return planned;
}

export const hostFilesOf = (host: HostModel, planned: PlannedFile[]): FileList | undefined => filesOf(hostOwner(host), planned);
export const plannedFromList = (host: HostModel, files: FileList) => plannedFrom(hostOwner(host), files);
export const partFilesOf = (part: GlobalPart, planned: PlannedFile[]): FileList | undefined => filesOf(partOwner(part), planned);
export const plannedFromPartList = (part: GlobalPart, files: FileList) => plannedFrom(partOwner(part), files);
