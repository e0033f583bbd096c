import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(ROOT, '../shared');
export const INVENTORIES = path.join(ROOT, 'inventories');
export const CLI = path.join(ROOT, 'bin/netgen.js');

/** The example inventories (one per seed); every real-tool test runs over all of them. */
export const EXAMPLES = ['neutron-two-hosts', 'ganeti', 'vserver-zones', 'proxmox-vyos-ceph', 'stretched-sites'] as const;
export type Example = (typeof EXAMPLES)[number];

export function inventoryPath(name: string): string {
  return path.join(INVENTORIES, `${name}.yaml`);
}
