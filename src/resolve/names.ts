import { sha256Bytes, sha256Hex } from '../util/hash.js';

export const IFNAMSIZ = 15;

export function shortHash(text: string, hexChars = 4): string {
  return sha256Hex(text).slice(0, hexChars);
}

/**
 * A Linux interface name `base + suffix` that fits in 15 bytes. When it does not fit, the base is
 * cut and a short hash of the whole base is added, so the result depends only on the base and suffix:
 * it never changes when other objects are added to the inventory.
 */
export function deriveIfName(base: string, suffix: string): string {
  const full = `${base}${suffix}`;
  if (Buffer.byteLength(full) <= IFNAMSIZ) return full;
  const keep = Math.max(1, IFNAMSIZ - suffix.length - 4);
  return `${base.slice(0, keep)}${shortHash(base, 4)}${suffix}`.slice(0, IFNAMSIZ);
}

/** A stable, locally administered unicast MAC from an identity string (02:xx:...). */
export function deriveMac(identity: string): string {
  const h = sha256Bytes(identity);
  const bytes = [0x02, h[0], h[1], h[2], h[3], h[4]];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Seed 004's scheme: 02 + VID (16 bits) + context (16 bits) + interface index (8 bits). */
export function vidCtxIfMac(vid: number, context: number, ifIndex: number): string {
  const hex = `02${vid.toString(16).padStart(4, '0')}${context.toString(16).padStart(4, '0')}${ifIndex.toString(16).padStart(2, '0')}`;
  return hex.match(/../g)!.join(':');
}

export function isValidUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0;
}
