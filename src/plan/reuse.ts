import { createHash } from 'node:crypto';
import type { HostModel } from '../model/types.js';
import { hostRoot, type ArtifactKind, type PlannedFile, type SharedPlanInput } from './artifact.js';

/**
 * Keeping an unchanged host's files without planning them. A host's files are a function of the host,
 * the input every host shares and netgen's code (artifact.ts, SharedPlanInput), so the host's fingerprint
 * hashes the first two; the caller's reuse is keyed by the third. What the fingerprint is taken over is
 * the resolved host, not its contexts: hashing the host costs a third of planning and hashing its files,
 * and a rebuild that finds it unchanged plans nothing for it. The last build's file list (`HostFiles`)
 * says which files to keep.
 */

/** A host's files as a build planned them, relative to the host's root: enough to keep them unplanned. */
export type HostFiles = Array<[rel: string, kind: ArtifactKind, mode: number]>;

/** What one group (a host, or '' for the inventory-wide files) was built from, for the next build. */
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

/** The planned files as a HostFiles list, or undefined when one lies outside the host's root or belongs to another host. */
export function hostFilesOf(host: HostModel, planned: PlannedFile[]): HostFiles | undefined {
  const root = `${hostRoot(host)}/`;
  const files: HostFiles = [];
  for (const p of planned) {
    if (!p.path.startsWith(root) || p.site !== host.site || p.host !== host.name) return undefined;
    files.push([p.path.slice(root.length), p.kind, p.mode ?? 0o644]);
  }
  return files;
}

/** The listed files of a host, as planned files without contents (for their manifest entries). */
export function plannedFromList(host: HostModel, files: HostFiles): Array<PlannedFile & { mode: number }> {
  const root = `${hostRoot(host)}/`;
  return files.map(([rel, kind, mode]) => ({ path: root + rel, kind, site: host.site, host: host.name, mode }));
}
