import path from 'node:path';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { loadInventory, type LoadedInventory } from '../load/load.js';
import type { JsonPath } from '../load/source.js';
import type { Model } from '../model/types.js';
import { planArtifacts } from '../plan/plan.js';
import { TemplateEngine } from '../render/engine.js';
import { emitters } from '../render/emitters/index.js';
import { manifestJson, renderArtifacts, TemplateRenderError } from '../render/render.js';
import { lockPathFor, readLock, serializeLock, type LockData } from '../resolve/allocator.js';
import { resolve } from '../resolve/index.js';
import type { InventoryInput } from '../schema/inventory.js';
import { checkSchema } from '../validate/schema-check.js';
import { checkModel } from '../validate/semantic.js';
import type { ManifestEntry, OutputFile } from '../write/writer.js';
import { progress } from './progress.js';

export type Stage = 'load' | 'validate' | 'resolve' | 'plan' | 'render' | 'write';

/** What runs after each stage, for the progress line. */
const NEXT: Record<Stage, string> = { load: 'validating', validate: 'resolving and planning', resolve: 'checking', plan: 'rendering', render: 'comparing with the output', write: 'done' };

export class Timings {
  readonly ms: Partial<Record<Stage, number>> = {};
  private last = performance.now();
  mark(stage: Stage): void {
    const now = performance.now();
    this.ms[stage] = (this.ms[stage] ?? 0) + (now - this.last);
    this.last = now;
    progress.update(NEXT[stage]);
  }
}

export interface CompileOptions {
  /** Extra template directories, searched before the bundled templates. */
  templateOverlays?: string[];
  /** Stop after validation (netgen validate). */
  validateOnly?: boolean;
  /** Only plan these hosts (site/host ids). */
  onlyHosts?: Set<string>;
}

export interface CompileResult {
  bag: DiagnosticBag;
  loaded?: LoadedInventory;
  model?: Model;
  files?: Map<string, OutputFile>;
  manifest?: ManifestEntry[];
  lock?: { path: string; text: string; previousText?: string };
  timings: Timings;
}

/** load → validate → resolve → check → plan → render. Writing is the caller's (build, check, diff, show). */
export async function compile(inventoryPath: string, opts: CompileOptions = {}): Promise<CompileResult> {
  try {
    return await compileStages(inventoryPath, opts);
  } finally {
    progress.clear(); // the writer shows its own progress, and clears it too
  }
}

async function compileStages(inventoryPath: string, opts: CompileOptions): Promise<CompileResult> {
  const timings = new Timings();
  const bag = new DiagnosticBag();
  const loaded = await loadInventory(inventoryPath, bag);
  timings.mark('load');
  if (!loaded || bag.hasErrors) return { bag, loaded, timings };
  const ok = checkSchema(loaded.data, loaded.locator, bag);
  timings.mark('validate');
  if (!ok) return { bag, loaded, timings };
  const input = loaded.data as InventoryInput;
  const lockPath = lockPathFor(loaded.absolutePath, loaded.isDirectory);
  const { lock: previous, error } = await readLock(lockPath);
  if (error) bag.warning('NG1008', `lock file ${path.basename(lockPath)} is unreadable (${error}); allocations start afresh`, { file: path.basename(lockPath), line: 1, col: 1 });
  const source = loaded.isDirectory ? `${loaded.name}/` : path.basename(loaded.absolutePath);
  const { model, lock } = resolve(input, loaded.name, source, loaded.locator, bag, previous);
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
  const previousText = await readText(lockPath);
  const lockInfo = { path: lockPath, text: lockText, previousText };
  if (bag.hasErrors || opts.validateOnly) return { bag, loaded, model, lock: lockInfo, timings };
  const overlays = [...(opts.templateOverlays ?? [])];
  if (input.templates) overlays.push(path.resolve(loaded.isDirectory ? loaded.absolutePath : path.dirname(loaded.absolutePath), input.templates));
  const engine = new TemplateEngine(overlays.map((o) => path.resolve(o)), { source });
  await Promise.all(emitters.map((e) => e.prepare?.()));
  const planned = planArtifacts(model, emitters, opts.onlyHosts);
  timings.mark('plan');
  let rendered;
  try {
    rendered = renderArtifacts(planned, engine);
  } catch (e) {
    if (e instanceof TemplateRenderError) {
      bag.error('NG9003', `template ${e.template}: ${e.message}`, { file: engine.resolvePath(e.template), line: 1, col: 1 });
      return { bag, loaded, model, timings };
    }
    throw e;
  }
  rendered.files.set('manifest.json', { content: manifestJson(source, rendered.manifest), mode: 0o644 });
  timings.mark('render');
  return { bag, loaded, model, files: rendered.files, manifest: rendered.manifest, lock: lockInfo, timings };
}

async function readText(p: string): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

export type { LockData };
