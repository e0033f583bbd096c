import type { JsonPath } from '../load/source.js';
import type { HostModel, InventoryTargetInput, Model } from '../model/types.js';

/** Manifest kinds: how tools and tests find artifacts. */
const KINDS = ['networkd', 'netns', 'systemd', 'sysctl', 'nftables', 'frr', 'vyos', 'ceph', 'dnsmasq', 'ansible', 'doc', 'apply'] as const;
export type ArtifactKind = (typeof KINDS)[number];
export const ARTIFACT_KINDS: ReadonlySet<string> = new Set(KINDS);

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
  /** ...or content produced directly (manifest-like files)... */
  content?: string;
  /**
   * ...or content made only when the file has to be written (an SVG laid out from its DOT, 160 ms a
   * site): `from` is all it is made from (the reuse key), `make` a pure function of it. A promise is
   * awaited after the hosts are rendered (the layout runs on another thread meanwhile).
   */
  derived?: { from: string; make: (from: string) => string | Promise<string> };
  /** File mode: 0o755 for scripts. */
  mode?: number;
  /** The GlobalPart an inventory-wide file belongs to (targets that declare `globalParts`). */
  part?: string;
}

/**
 * A slice of a target's inventory-wide files that reads only part of the model (one site's diagram and
 * address plan): a rebuild keeps its files unplanned when the hosts it reads and everything else it
 * reads are unchanged.
 */
export interface GlobalPart {
  /** Unique within the target. */
  readonly id: string;
  /** The site every file of the part belongs to (none of them belongs to a host). */
  readonly site?: string;
  /** The hosts whose resolved models the files read, in the order they are read. */
  readonly hosts: readonly HostModel[];
  /** Everything else the files read, as plain JSON data (bigints are left out: keep their text beside them). */
  readonly reads: unknown;
}

/**
 * What a host's plan may read besides the host itself. Whatever a host's files say of other hosts is
 * either resolved into its HostModel (VXLAN peers, tenant gateways) or declared here by the target that
 * reads it (`shareAcrossHosts`), so a host's files are a function of (host, shared input) and netgen's
 * own code: a rebuild that finds both unchanged keeps the host's files without planning them
 * (plan/reuse.ts). Host plans never see the whole model.
 */
export interface SharedPlanInput {
  /** The inventory's file name, for file headers. */
  readonly source: string;
  /** The inventory-wide sections targets read as written (ceph:, security_groups:). */
  readonly input: InventoryTargetInput;
  /** What each target declared with `shareAcrossHosts`, by target name (plain JSON data). */
  readonly fromTargets: ReadonlyMap<string, unknown>;
}

/** One per target: adding a target means adding one emitter and one templates/<target>/ folder. */
export interface Emitter {
  readonly target: string;
  /** Files for one host (paths under <site>/<host>/), from the host and what every host shares. */
  planHost?(host: HostModel, shared: SharedPlanInput): PlannedFile[];
  /**
   * Inventory-wide data this target's host plans read (e.g. security-group members), computed once per
   * build and part of every host's reuse key: plain JSON data, reached through `shared.fromTargets`.
   */
  shareAcrossHosts?(model: Model): unknown;
  /**
   * Files that depend on the whole inventory (Ansible inventory, docs, Ceph scripts). A target that
   * declares `globalParts` is asked for the files of some parts only (`parts`; all when undefined), and
   * names each file's part. The files are taken one at a time and each is rendered before the next is
   * asked for, so a generator holds one file's context at a time.
   */
  planGlobal?(model: Model, parts?: ReadonlySet<string>): Iterable<PlannedFile>;
  /** The parts its inventory-wide files fall into, and what each reads (for reuse: plan/reuse.ts). */
  globalParts?(model: Model): GlobalPart[];
  /** Set-up before planning, given the model (e.g. starting work on another thread); awaited only by builds, so other commands do not pay for it. */
  prepare?(model: Model): void | Promise<void>;
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
