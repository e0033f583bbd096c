import type { HostModel, Model } from '../model/types.js';
import type { Emitter, PlannedFile } from './artifact.js';

/** One host's artifacts, from every emitter in registration order. */
export function planHost(host: HostModel, model: Model, emitters: Emitter[]): PlannedFile[] {
  return emitters.flatMap((e) => e.planHost?.(host, model) ?? []);
}

/** The inventory-wide artifacts (Ansible inventory, docs, Ceph scripts), planned after every host. */
export function planGlobal(model: Model, emitters: Emitter[]): PlannedFile[] {
  return emitters.flatMap((e) => e.planGlobal?.(model) ?? []);
}
