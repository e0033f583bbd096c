import type { HostTargetInput, InventoryTargetInput, NamespaceTargetInput } from '../model/types.js';

export const HOST_TARGET_KEYS = ['bgp', 'firewall', 'nat', 'vrfs'] as const satisfies readonly (keyof HostTargetInput)[];
export const NAMESPACE_TARGET_KEYS = ['bgp', 'dhcp', 'firewall', 'nat'] as const satisfies readonly (keyof NamespaceTargetInput)[];
export const INVENTORY_TARGET_KEYS = ['ceph', 'description', 'security_groups'] as const satisfies readonly (keyof InventoryTargetInput)[];

/** The parts of an input that the model keeps for target emitters (keys it does not have stay absent). */
export function targetInput<T extends object, K extends keyof T>(input: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (input[k] !== undefined) out[k] = input[k];
  return out;
}
