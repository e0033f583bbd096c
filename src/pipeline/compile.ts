import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { loadInventory, type LoadedInventory } from '../load/load.js';
import type { JsonPath } from '../load/source.js';
import type { HostModel, Model } from '../model/types.js';
import type { Emitter, GlobalPart, PlannedFile } from '../plan/artifact.js';
import { planHost, sharedPlanInput } from '../plan/plan.js';
import { hostFilesOf, hostFingerprint, hostFingerprints, partFilesOf, partFingerprint, plannedFromList, plannedFromPartList, sharedFingerprint, type FileList, type GroupRecord } from '../plan/reuse.js';
import { TemplateEngine } from '../render/engine.js';
import { emitters } from '../render/emitters/index.js';
import { addKept, manifestChunks, manifestJson, ManifestList } from '../render/manifest.js';
import { groupFingerprint, renderOne, TemplateRenderError, type Rendered } from '../render/render.js';
import { lockPathFor, readLock, serializeLock, type LockData } from '../resolve/allocator.js';
import { resolve } from '../resolve/index.js';
import type { InventoryInput } from '../schema/inventory.js';
import { checkSchema } from '../validate/schema-check.js';
import { checkModel } from '../validate/semantic.js';
import type { KeptFile } from '../write/tree-writer.js';
import type { ManifestEntry, OutputFile } from '../write/writer.js';
import { progress } from './progress.js';
import { listFiles, readIfFile } from '../write/tree-files.js';
import type { BuildInputs } from '../write/state.js';

export type Stage = 'load' | 'validate' | 'resolve' | 'plan' | 'render' | 'write';

/** What runs after each stage, for the progress line. */
const NEXT: Record<Stage, string> = { load: 'validating', validate: 'resolving and planning', resolve: 'checking', plan: 'rendering', render: 'comparing with the output', write: 'done' };

export class Timings {
  readonly ms: Partial<Record<Stage, number>> = {};
  private last = performance.now();
  /** Adds the time since the last mark to `stage`; `quiet` leaves the progress line to the caller. */
  mark(stage: Stage, quiet = false): void {
    const now = performance.now();
    this.ms[stage] = (this.ms[stage] ?? 0) + (now - this.last);
    this.last = now;
    if (!quiet) progress.update(NEXT[stage]);
  }
}

export interface CompileOptions {
  /** Extra template directories, searched before the bundled templates. */
  templateOverlays?: string[];
  /** Stop after validation (netgen validate). */
  validateOnly?: boolean;
  /** Only plan these hosts (site/host ids). */
  onlyHosts?: Set<string>;
  /**
   * Receives each file as soon as it is rendered, host by host, instead of the result holding them all
   * (the build's streaming writer): memory stays flat in the number of hosts.
   */
  sink?: (path: string, content: string | Iterable<string>, mode: number, sha256?: string) => void;
  /** Awaited once the inventory has proved free of errors, before the first file is produced (the writer's start). */
  beforeOutput?: () => Promise<void>;
  /** Called after each host; a returned promise is awaited before the next (the writer catching up). */
  pace?: () => Promise<void> | undefined;
  /** Fingerprint each host and the inventory-wide files (for the next build's `reuse`). */
  fingerprint?: boolean;
  /**
   * The last build's record of each group (plan/reuse.ts). A host whose fingerprint is unchanged is neither
   * planned nor rendered when every file the record lists can be kept; else it is planned, and what can
   * be kept is. `keep` keeps a file and returns what its manifest entry needs, or undefined when the file
   * must be rendered after all; `keepAll` keeps all of the files or none.
   */
  reuse?: {
    previous: (group: string) => GroupRecord | undefined;
    keep: (path: string, mode: number) => KeptFile | undefined;
    keepAll: (files: Array<{ path: string; mode: number }>) => KeptFile[] | undefined;
  };
}

export interface CompileResult {
  bag: DiagnosticBag;
  loaded?: LoadedInventory;
  /** Absent from a build into a sink: it is let go before the manifest is written (see compile). */
  model?: Model;
  /** Hosts built. */
  hosts?: number;
  /** Every file (absent when a sink received them). */
  files?: Map<string, OutputFile>;
  manifest?: ManifestEntry[];
  /** What the output was made from (for the up-to-date check of the next build). */
  inputs?: BuildInputs;
  /** With `fingerprint`: per host id (and per inventory-wide file, `globalGroup`), what its files were made from. */
  fingerprints?: Map<string, GroupRecord>;
  lock?: { path: string; text: string; previousText?: string };
  timings: Timings;
}

/** load → validate → resolve → check → plan → render. Writing is the caller's (build, check, diff, show). */
export async function compile(inventoryPath: string, opts: CompileOptions = {}): Promise<CompileResult> {
  try {
    const { pendingManifest: streamed, ...result } = await compileStages(inventoryPath, opts);
    // Into a sink, manifest.json is written once the stages have returned, so that the model (400 MB
    // at 10,000 hosts) is garbage by then: the end of a large build is where its memory peaks.
    if (streamed) {
      opts.sink!('manifest.json', manifestChunks(streamed.source, streamed.list), 0o644);
      result.timings.mark('render');
    }
    return result;
  } finally {
    progress.clear(); // the writer shows its own progress, and clears it too
  }
}

/** What the stages hand back: a build into a sink has its manifest still to write. */
type StagesResult = CompileResult & { pendingManifest?: { source: string; list: ManifestList } };

async function compileStages(inventoryPath: string, opts: CompileOptions): Promise<StagesResult> {
  const timings = new Timings();
  const bag = new DiagnosticBag();
  const loaded = await loadInventory(inventoryPath, bag);
  timings.mark('load');
  if (!loaded || bag.hasErrors) return { bag, loaded, timings };
  const ok = await checkSchema(loaded.data, loaded.locator, bag);
  timings.mark('validate');
  if (!ok) return { bag, loaded, timings };
  const templatesSetting = (loaded.data as InventoryInput).templates;
  const lockPath = lockPathFor(loaded.absolutePath, loaded.isDirectory);
  const { lock: previous, error } = await readLock(lockPath);
  if (error) bag.warning('NG1008', `lock file ${path.basename(lockPath)} is unreadable (${error}); allocations start afresh`, { file: path.basename(lockPath), line: 1, col: 1 });
  const source = loaded.isDirectory ? `${loaded.name}/` : path.basename(loaded.absolutePath);
  const { model, lock } = resolve(loaded.data as InventoryInput, loaded.name, source, loaded.locator, bag, previous);
  // The model holds what the checks and the targets need of the input; the parsed inventory (160 MB at
  // 10,000 hosts) is not needed again (positions come from the source text): let go before the checks,
  // which come up to the build's peak of memory with the old tree's records.
  loaded.data = {};
  Object.defineProperty(model, 'locator', { value: loaded.locator, enumerable: false });
  timings.mark('resolve');
  checkModel(model, loaded.locator, bag);
  const locator = loaded.locator;
  const report = {
    error: (code: string, message: string, at: JsonPath, extra: { hint?: string; at?: 'key' | 'value' } = {}) => bag.error(code, message, locator.position(at, extra.at ?? 'value'), extra.hint ? { hint: extra.hint } : {}),
    warning: (code: string, message: string, at: JsonPath, extra: { hint?: string; at?: 'key' | 'value' } = {}) => bag.warning(code, message, locator.position(at, extra.at ?? 'value'), extra.hint ? { hint: extra.hint } : {}),
  };
  for (const e of emitters) e.check?.(model, report);
  timings.mark('validate');
  const lockText = serializeLock(lock, source);
  const previousText = readIfFile(lockPath);
  const lockInfo = { path: lockPath, text: lockText, previousText };
  if (bag.hasErrors || opts.validateOnly) return { bag, loaded, model, lock: lockInfo, timings };
  const overlays = [...(opts.templateOverlays ?? [])];
  if (templatesSetting) overlays.push(path.resolve(loaded.isDirectory ? loaded.absolutePath : path.dirname(loaded.absolutePath), templatesSetting));
  const overlayDirs = overlays.map((o) => path.resolve(o));
  const overlayFiles = overlayDirs.flatMap((dir) => listFiles(dir).sort().map((f) => path.join(dir, f)));
  const inputs: BuildInputs = {
    files: [...loaded.paths, lockPath, ...overlayFiles],
    listings: [...(loaded.isDirectory ? [[loaded.absolutePath, 'yaml'] as [string, 'yaml']] : []), ...overlayDirs.map((dir) => [dir, 'all'] as [string, 'all'])],
  };
  const hosts = opts.onlyHosts ? model.hosts.filter((h) => opts.onlyHosts!.has(h.id)) : model.hosts;
  // Bundled templates belong to netgen's code (the caller's reuse is keyed by it); overlays and the
  // header's source name are keyed here.
  const renderKey = opts.fingerprint || opts.reuse ? overlayKey(source, overlayFiles) : '';
  const shared = sharedPlanInput(model, emitters);
  const sharedKey = renderKey ? sharedFingerprint(renderKey, shared) : '';
  // Hosts are fingerprinted before the writer opens: a rebuild's writer waits for the survey of the old
  // tree (1.9 s at 10,000 hosts), and this is most of that wait's worth of work.
  const hostPrints = sharedKey ? hostFingerprints(sharedKey, hosts) : undefined;
  const engine = new TemplateEngine(overlayDirs, { source });
  await Promise.all(emitters.map((e) => e.prepare?.(model)));
  timings.mark('plan', true);
  if (opts.beforeOutput) {
    await opts.beforeOutput();
    timings.mark('write', true);
  }
  const files = opts.sink ? undefined : new Map<string, OutputFile>();
  const emit = opts.sink ?? ((p: string, content: string, mode: number, _sha256?: string) => void files!.set(p, { content, mode }));
  const manifest = new ManifestList();
  const fingerprints = opts.fingerprint ? new Map<string, GroupRecord>() : undefined;
  /** A rendered file into the manifest and out. */
  const output = (p: PlannedFile, r: Rendered) => {
    manifest.add(r.entry);
    // With a sink, emitting is writing: its time is the write stage's.
    if (opts.sink) timings.mark('render', true);
    emit(p.path, r.content, r.mode, r.entry.sha256);
    if (opts.sink) timings.mark('write', true);
  };
  /** Files made on another thread (SVG layouts), output once the hosts are; a failure is held until then. */
  const later: Array<Promise<{ p: PlannedFile; r?: Rendered; error?: unknown }>> = [];
  /** Renders the planned files, or keeps the last build's where `reusable` (the group's fingerprint held). */
  const produce = (planned: PlannedFile[], reusable: boolean) => {
    const reuse = reusable ? opts.reuse : undefined;
    timings.mark('plan', true);
    for (const p of planned) {
      const kept = reuse?.keep(p.path, p.mode ?? 0o644);
      if (kept) {
        addKept(manifest, p, kept);
        continue;
      }
      const r = renderOne(p, engine);
      if (r instanceof Promise) later.push(r.then((done) => ({ p, r: done }), (error: unknown) => ({ p, error })));
      else output(p, r);
    }
    timings.mark('render', true);
  };
  /**
   * Keeps every listed file (a record's list, read back), or nothing when one of them cannot be kept.
   * `perFile`: the files also carry their own records forward (an inventory-wide file's SVG is reused by one).
   */
  const keepListed = (listed: Array<PlannedFile & { mode: number }> | undefined, perFile = false): boolean => {
    const kept = listed && opts.reuse!.keepAll(listed);
    if (!kept) return false;
    kept.forEach((k, i) => {
      addKept(manifest, listed![i], k);
      const record = perFile ? opts.reuse!.previous(globalGroup(listed![i].path)) : undefined;
      if (record) fingerprints?.set(globalGroup(listed![i].path), record);
    });
    return true;
  };
  /**
   * One string per distinct file list: hosts alike (same links, same tenants) have the same files relative
   * to their roots, and the lists live as long as the build. (The bench's hosts each have their own VLAN
   * ids, so there every list is distinct: 37 MB at 10,000 hosts.)
   */
  const lists = new Map<string, string>();
  const oneCopy = (list: FileList | undefined): FileList | undefined => {
    if (list === undefined) return undefined;
    const known = lists.get(list);
    if (known !== undefined) return known;
    lists.set(list, list);
    return list;
  };
  const hostKeys = new Map<HostModel, string>(hostPrints?.map((fp, i) => [hosts[i], fp]));
  const hostKey = (h: HostModel): string => {
    let key = hostKeys.get(h);
    if (key === undefined) hostKeys.set(h, (key = hostFingerprint(sharedKey, h)));
    return key;
  };
  /**
   * A target's inventory-wide files; of a target with parts, only those of the parts that changed. Taken
   * one at a time (planGlobal may make each as it is asked for), and each part's file list recorded.
   */
  function* globalFilesOf(e: Emitter): Generator<PlannedFile> {
    if (!e.globalParts || !renderKey) {
      yield* e.planGlobal!(model);
      return;
    }
    const stale = new Map<string, { part: GlobalPart; fingerprint: string; files: PlannedFile[] }>();
    for (const part of e.globalParts(model)) {
      const group = partGroup(e.target, part.id);
      const fingerprint = partFingerprint(renderKey, e.target, part, hostKey);
      const before = opts.reuse?.previous(group);
      if (before?.fingerprint === fingerprint && before.files !== undefined && keepListed(plannedFromPartList(part, before.files), true)) fingerprints?.set(group, before);
      else stale.set(part.id, { part, fingerprint, files: [] });
    }
    if (stale.size === 0) return;
    for (const f of e.planGlobal!(model, new Set(stale.keys()))) {
      // What the list needs, not the context (that is garbage once the file is rendered).
      stale.get(f.part ?? '')?.files.push({ path: f.path, kind: f.kind, site: f.site, host: f.host, mode: f.mode });
      yield f;
    }
    for (const { part, fingerprint, files } of stale.values()) fingerprints?.set(partGroup(e.target, part.id), { fingerprint, files: partFilesOf(part, files) });
  }
  /** Waits while the writer has too much unwritten (a streamed build's writer paces the renderer). */
  const paced = async () => {
    const wait = opts.pace?.();
    if (wait) {
      await wait;
      timings.mark('write', true);
    }
  };
  try {
    // Inventory-wide files first: they are few, but the docs of a large site need the most memory of any
    // file while they are made (its rows, its diagram, the index of cited lines), and made first they
    // do not add to what the hosts leave behind (manifest entries and file lists): at 10,000 hosts, made
    // last, they were the build's peak. Each is reused on its own: an edit in one site leaves the other
    // sites' diagrams alone; targets that split them into parts have unchanged parts kept unplanned.
    for (const e of emitters) {
      for (const p of e.planGlobal ? globalFilesOf(e) : []) {
        progress.update(`rendering ${p.path}`);
        const group = globalGroup(p.path);
        // A file of a stale part is rendered (the writer keeps it where its bytes did not change): its own
        // fingerprint would cost what rendering costs (a site's address plan context is 8 MB of JSON at
        // 1,000 hosts). Only a file made on another thread from its `derived` input (an SVG laid out from
        // its DOT) and the files of targets without parts are kept by their own fingerprint.
        const fingerprint = renderKey && (p.part === undefined || p.derived) ? groupFingerprint(renderKey, [p]) : undefined;
        if (fingerprint !== undefined) fingerprints?.set(group, { fingerprint });
        produce([p], fingerprint !== undefined && opts.reuse?.previous(group)?.fingerprint === fingerprint);
        // These are the largest files (a 1,000-host site's DOT is 6 MB): unpaced, ten sites' worth waited in memory.
        await paced();
      }
    }
    // Host by host: a host's plan and text are garbage once written, so nothing grows with the inventory
    // but the manifest and the file lists.
    let done = 0;
    for (const host of hosts) {
      const fingerprint = hostPrints?.[done];
      progress.update('rendering hosts', done++, hosts.length);
      const before = fingerprint !== undefined ? opts.reuse?.previous(host.id) : undefined;
      const same = before !== undefined && before.fingerprint === fingerprint;
      if (same && before.files && keepListed(plannedFromList(host, before.files))) {
        fingerprints?.set(host.id, before);
        timings.mark('plan', true);
      } else {
        const planned = planHost(host, shared, emitters);
        if (fingerprint !== undefined) fingerprints?.set(host.id, { fingerprint, files: oneCopy(hostFilesOf(host, planned)) });
        produce(planned, same);
      }
      await paced();
    }
    for (const { p, r, error } of await Promise.all(later)) {
      if (!r) throw error;
      output(p, r);
    }
  } catch (e) {
    if (e instanceof TemplateRenderError) {
      bag.error('NG9003', `template ${e.template}: ${e.message}`, { file: engine.resolvePath(e.template), line: 1, col: 1 });
      return { bag, loaded, model, timings };
    }
    throw e;
  }
  manifest.sort();
  timings.mark('render');
  // Streamed builds get no entry list back (the writer has the manifest, and the list is the largest
  // thing a big build would otherwise hold on to) and no model.
  if (opts.sink) return { bag, loaded, hosts: hosts.length, pendingManifest: { source, list: manifest }, lock: lockInfo, inputs, fingerprints, timings };
  files!.set('manifest.json', { content: manifestJson(source, manifest), mode: 0o644 });
  timings.mark('render');
  return { bag, loaded, model, hosts: hosts.length, files, manifest: manifest.toArray(), lock: lockInfo, inputs, fingerprints, timings };
}

/** The reuse group of an inventory-wide file: its path after a NUL, which no host id holds. */
export const globalGroup = (path: string): string => `\0${path}`;

/** The reuse group of a target's GlobalPart. */
export const partGroup = (target: string, id: string): string => `\u0001${target}/${id}`;

function overlayKey(source: string, overlayFiles: string[]): string {
  const h = createHash('sha256').update(`${source}\0`);
  for (const f of overlayFiles) h.update(`${f}\0`).update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

export type { LockData };
