import { describe, expect, it } from 'vitest';
import { deriveIfName, deriveMac, vidCtxIfMac } from '../../src/resolve/names.js';

describe('derived names', () => {
  it('keeps names that fit and shortens the rest stably with a hash', () => {
    expect(deriveIfName('msft', '-vxl-10')).toBe('msft-vxl-10');
    const long = deriveIfName('microsoft', '-vxl-10');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(15);
    expect(long.endsWith('-vxl-10')).toBe(true);
    expect(deriveIfName('microsoft', '-vxl-10')).toBe(long);
    expect(deriveIfName('microsofx', '-vxl-10')).not.toBe(long);
  });
  it('derives locally administered unicast MACs', () => {
    const mac = deriveMac('lab/node01/microsoft/msft-veth1');
    expect(mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(deriveMac('lab/node01/microsoft/msft-veth1')).toBe(mac);
  });
  it("follows seed 004's 02:VID:CTX:IF scheme", () => {
    expect(vidCtxIfMac(2, 0x1234, 0)).toBe('02:00:02:12:34:00');
    expect(vidCtxIfMac(4094, 101, 1)).toBe('02:0f:fe:00:65:01');
  });
});
