import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

import { IFNAME_PATTERN, NAME_PATTERN, TEXT_PATTERN } from './patterns.js';

export { IFNAME_PATTERN, NAME_PATTERN, TEXT_PATTERN };

export const Name = Type.String({ pattern: NAME_PATTERN, maxLength: 63, description: 'A name: letters, digits, -, _ and .' });
export const IfName = Type.String({ pattern: IFNAME_PATTERN, maxLength: 64, description: 'A Linux interface name (at most 15 bytes).' });
export const Text = Type.String({ pattern: TEXT_PATTERN, maxLength: 255, description: 'Free text on one line.' });
/** Address syntax is checked semantically (NG2006) so that the message can say what is wrong. */
export const IpAddress = Type.String({ format: 'ip-address', description: 'An IPv4 or IPv6 address without prefix length.' });
export const IpCidr = Type.String({ format: 'ip-cidr', description: 'An IPv4 or IPv6 address or network with /prefix-length.' });
export const IpAddressOrCidr = Type.String({ format: 'ip-address-or-cidr', description: 'An IPv4 or IPv6 address, optionally with /prefix-length.' });
export const Mac = Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', description: 'A MAC address, six hex octets separated by colons.' });
export const Mtu = Type.Integer({ minimum: 68, maximum: 65535, description: 'MTU in bytes.' });
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const Vni = Type.Integer({ minimum: 1, maximum: 16777215, description: 'VXLAN network identifier (24 bits).' });
export const VlanId = Type.Integer({ minimum: 1, maximum: 4094, description: '802.1Q VLAN id.' });
export const TableRef = Type.Unsafe<string | number>({ type: ['string', 'integer'], description: 'A routing table: a name from `tables:` or a number.' });
/** Sysctl-like values: numbers, booleans or short words (never anything a config line could not carry). */
export const ScalarValue = Type.Unsafe<string | number | boolean>({ type: ['string', 'integer', 'boolean'], pattern: '^[A-Za-z0-9 ._:/,+-]*$', maxLength: 255 });

/** A mapping whose keys are names (validated by pattern) and whose values follow `value`. */
export function NamedMap<T extends TSchema>(value: T, keyPattern = NAME_PATTERN, description?: string): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    propertyNames: { pattern: keyPattern, maxLength: 64 },
    additionalProperties: value,
    ...(description ? { description } : {}),
  });
}

/** Objects are closed: an unknown key is a mistake (NG2001 with "did you mean"). */
export function Strict<P extends Parameters<typeof Type.Object>[0]>(props: P, description?: string) {
  return Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
}
