import type { HostModel, Model } from '../model/types.js';
import type { Emitter, PlannedFile } from './artifact.js';

/** The list of artifacts: per host from every emitter, then the inventory-wide ones. */
export function planArtifacts(model: Model, emitters: Emitter[], onlyHosts?: Set<string>): PlannedFile[] {
  const files: PlannedFile[] = [];
  const hosts: HostModel[] = onlyHosts ? model.hosts.filter((h) => onlyHosts.has(h.id)) : model.hosts;
  for (const host of hosts) for (const e of emitters) if (e.planHost) files.push(...e.planHost(host, model));
  for (const e of emitters) if (e.planGlobal) files.push(...e.planGlobal(model));
  return files;
}
