import { describe, expect, it } from 'vitest';
import { cidrContains, findOverlaps, formatAddress, parseAddress, parseCidr } from '../../src/net/ip.js';

describe('ip', () => {
  it('parses both families strictly and canonically', () => {
    expect(parseAddress('10.1.0.4')?.family).toBe(4);
    expect(parseAddress('2001:DB8:0:0::1')?.text).toBe('2001:db8::1');
    for (const bad of ['10.1', '10.1.0.256', '010.1.0.1', '0x0a.0.0.1', 'fe80::1%eth0', '1.2.3.4/24', '', 'reboot']) expect(parseAddress(bad), bad).toBeUndefined();
  });
  it('parses CIDRs, keeps the address and knows the network', () => {
    const c = parseCidr('10.1.0.4/24')!;
    expect(c.networkText).toBe('10.1.0.0/24');
    expect(c.cidrText).toBe('10.1.0.4/24');
    expect(parseCidr('fd00::5/64')!.networkText).toBe('fd00::/64');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.1', true)!.prefix).toBe(32);
    expect(cidrContains(parseCidr('10.0.0.0/8')!, parseAddress('10.9.9.9')!)).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/8')!, parseAddress('fd00::1')!)).toBe(false);
  });
  it('finds overlaps by sorting, per family', () => {
    const items = ['10.0.0.0/16', '10.0.3.0/24', '10.1.0.0/16', 'fd00::/64', 'fd00::/48', '192.168.0.0/24'].map((t) => {
      const c = parseCidr(t)!;
      return { family: c.family, start: c.network, end: c.last, ref: t };
    });
    const pairs = findOverlaps(items).map(([a, b]) => `${a.ref}~${b.ref}`);
    expect(pairs.sort()).toEqual(['10.0.0.0/16~10.0.3.0/24', 'fd00::/48~fd00::/64']);
  });
  it('formats addresses back', () => {
    expect(formatAddress(4, 0x0a010004n)).toBe('10.1.0.4');
    expect(formatAddress(6, 1n)).toBe('::1');
  });
});
