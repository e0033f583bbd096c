import type { JsonPath } from '../load/source.js';
import type { HostModel, Model } from '../model/types.js';

/** Manifest kinds: how tools and tests find artifacts. */
export type ArtifactKind = 'networkd' | 'netns' | 'systemd' | 'sysctl' | 'nftables' | 'frr' | 'vyos' | 'ceph' | 'dnsmasq' | 'ansible' | 'doc' | 'apply';

/** One file to produce: where it goes, what it is, and how to render it. */
export interface PlannedFile {
  /** Relative to out/<inventory>/, forward slashes. */
  path: string;
  kind: ArtifactKind;
  site?: string;
  host?: string;
  /** A template under templates/ and the data it receives... */
  template?: string;
  context?: object;
  /** ...or content produced directly (manifest-like files). */
  content?: string;
  /** File mode: 0o755 for scripts. */
  mode?: number;
}

/** One per target: adding a target means adding one emitter and one templates/<target>/ folder. */
export interface Emitter {
  readonly target: string;
  /** Files for one host (paths under <site>/<host>/). */
  planHost?(host: HostModel, model: Model): PlannedFile[];
  /** Files that depend on the whole inventory (Ansible inventory, docs, Ceph scripts). */
  planGlobal?(model: Model): PlannedFile[];
  /** Asynchronous set-up before planning (e.g. loading a WebAssembly renderer); awaited only by builds, so other commands do not pay for it. */
  prepare?(): Promise<void>;
  /** Target-specific semantic checks (ASN ranges, unknown peers...), run after the model checks; nothing is planned when they report errors. */
  check?(model: Model, report: TargetReport): void;
}

/** How a target check reports: a code from the catalog, a message, and the inventory path it points at. */
export interface TargetReport {
  error(code: string, message: string, path: JsonPath, extra?: { hint?: string; at?: 'key' | 'value' }): void;
  warning(code: string, message: string, path: JsonPath, extra?: { hint?: string; at?: 'key' | 'value' }): void;
}

/** The root of a host's tree: mirrors the host's filesystem, so `rsync -a DIR/ root@host:/` deploys it. */
export function hostRoot(host: HostModel): string {
  return `${host.site}/${host.name}`;
}
