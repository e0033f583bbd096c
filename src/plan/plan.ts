import type { HostModel, Model } from '../model/types.js';
import type { Emitter, PlannedFile, SharedPlanInput } from './artifact.js';

/** What every host's plan may read besides the host: built once per build. */
export function sharedPlanInput(model: Model, emitters: Emitter[]): SharedPlanInput {
  const fromTargets = new Map<string, unknown>();
  for (const e of emitters) if (e.shareAcrossHosts) fromTargets.set(e.target, e.shareAcrossHosts(model));
  return { source: model.source, input: model.input, fromTargets };
}

/** One host's artifacts, from every emitter in registration order. */
export function planHost(host: HostModel, shared: SharedPlanInput, emitters: Emitter[]): PlannedFile[] {
  return emitters.flatMap((e) => e.planHost?.(host, shared) ?? []);
}

/** The inventory-wide artifacts (Ansible inventory, docs, Ceph scripts), planned after every host. */
export function planGlobal(model: Model, emitters: Emitter[]): PlannedFile[] {
  return emitters.flatMap((e) => [...(e.planGlobal?.(model) ?? [])]);
}
