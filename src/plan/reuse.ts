import { createHash } from 'node:crypto';
import type { HostModel } from '../model/types.js';
import { ARTIFACT_KINDS, hostRoot, type ArtifactKind, type PlannedFile, type SharedPlanInput } from './artifact.js';

/**
 * Keeping an unchanged host's files without planning them. A host's files are a function of the host,
 * the input every host shares and netgen's code (artifact.ts, SharedPlanInput), so the host's fingerprint
 * hashes the first two; the caller's reuse is keyed by the third. What the fingerprint is taken over is
 * the resolved host, not its contexts: hashing the host costs a third of planning and hashing its files,
 * and a rebuild that finds it unchanged plans nothing for it. The last build's file list (`HostFiles`)
 * says which files to keep.
 */

/**
 * A host's files as a build planned them, relative to the host's root: enough to keep them unplanned.
 * One string per host (`rel \t kind \t mode` lines), not an array per file: it lives as long as the
 * build, and per-file arrays cost 100 bytes a file (68 MB at 10,000 hosts).
 */
export type HostFiles = string;

/** What one group (a host, or one inventory-wide file) was built from, for the next build. */
export interface GroupRecord {
  fingerprint: string;
  /** Absent when the host's files cannot be listed that way (then it is always planned). */
  files?: HostFiles;
}

/** Bigints are left out: every address carries its canonical text beside them (text, cidrText, networkText). */
const withoutBigints = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? undefined : value);

/** The part of every host's fingerprint that all hosts share: templates, header source, shared input. */
export function sharedFingerprint(renderKey: string, shared: SharedPlanInput): string {
  const text = JSON.stringify({ source: shared.source, input: shared.input, fromTargets: [...shared.fromTargets] });
  return createHash('sha256').update(`${renderKey}\0${text}`).digest('hex');
}

/** What one host's files are made from (the model is plain data: test/unit/fingerprint.test.ts holds it to that). */
export function hostFingerprint(sharedKey: string, host: HostModel): string {
  return createHash('sha256').update(`${sharedKey}\0${JSON.stringify(host, withoutBigints)}`).digest('hex');
}

/** The planned files as a HostFiles list, or undefined when one lies outside the host's root, belongs to another host or has a tab or newline in its name. */
export function hostFilesOf(host: HostModel, planned: PlannedFile[]): HostFiles | undefined {
  const root = `${hostRoot(host)}/`;
  const lines: string[] = [];
  for (const p of planned) {
    if (!p.path.startsWith(root) || p.site !== host.site || p.host !== host.name || /[\t\n]/.test(p.path)) return undefined;
    lines.push(`${p.path.slice(root.length)}\t${p.kind}\t${p.mode ?? 0o644}`);
  }
  // join makes one flat string; += would keep a tree of pieces alive for the whole build.
  return lines.join('\n');
}

/**
 * The listed files of a host, as planned files without contents (for their manifest entries); undefined
 * when the list is not one hostFilesOf made (the state file beside out/ is not trusted further).
 */
export function plannedFromList(host: HostModel, files: HostFiles): Array<PlannedFile & { mode: number }> | undefined {
  const root = `${hostRoot(host)}/`;
  const planned: Array<PlannedFile & { mode: number }> = [];
  for (const line of files ? files.split('\n') : []) {
    const [rel, kind, mode] = line.split('\t');
    if (mode === undefined || !ARTIFACT_KINDS.has(kind) || !/^\d{1,4}$/.test(mode) || Number(mode) > 0o7777 || rel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return undefined;
    planned.push({ path: root + rel, kind: kind as ArtifactKind, site: host.site, host: host.name, mode: Number(mode) });
  }
  return planned;
}
