import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
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

describe('IPv6 without ipaddr.js', () => {
  /** What ipaddr.js answers (how IPv6 was parsed and written before the hand parser). */
  const byIpaddr = (text: string) => {
    if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
    const a = ipaddr.IPv6.parse(text);
    return { value: a.toByteArray().reduce((v, b) => (v << 8n) | BigInt(b), 0n), text: a.toRFC5952String() };
  };
  const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
  /** The address written the ways people write it: any case, leading zeros, `::` over any zero run or none. */
  const written = groups.chain((g) =>
    fc.record({ g: fc.constant(g), upper: fc.boolean(), pad: fc.boolean(), gapAt: fc.integer({ min: -1, max: 7 }), gapLength: fc.integer({ min: 1, max: 8 }) }).map(({ g, upper, pad, gapAt, gapLength }) => {
      const hex = (n: number) => (pad ? n.toString(16).padStart(4, '0') : n.toString(16));
      const parts = g.map(hex);
      let text = parts.join(':');
      if (gapAt >= 0) {
        const end = Math.min(8, gapAt + gapLength);
        text = `${parts.slice(0, gapAt).join(':')}::${parts.slice(end).join(':')}`;
      }
      return upper ? text.toUpperCase() : text;
    }),
  );
  const junk = fc.stringMatching(/^[0-9a-fA-FgG:.%]{0,20}$/);

  it('parses and writes every address as ipaddr.js did, and refuses what it refused', () => {
    fc.assert(
      fc.property(fc.oneof(written, junk), (text) => {
        const mine = parseAddress(text);
        const theirs = byIpaddr(text);
        if (!theirs) expect(mine?.family === 6 ? mine : undefined, text).toBeUndefined();
        else expect({ value: mine?.value, text: mine?.text }, text).toEqual(theirs);
      }),
      { numRuns: 20000 },
    );
    for (const t of ['::', '::1', '1::', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '1::2::3', ':::', ':1', '1:', '12345::', 'fd00:1::/64', '::ffff:10.0.0.1', 'fe80::1%eth0'])
      expect(parseAddress(t)?.text, t).toBe(byIpaddr(t)?.text);
  });

  it('writes values back as ipaddr.js did', () => {
    fc.assert(
      fc.property(groups, (g) => {
        const value = g.reduce((v, x) => (v << 16n) | BigInt(x), 0n);
        const bytes = g.flatMap((x) => [x >> 8, x & 255]);
        expect(formatAddress(6, value)).toBe((ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String());
      }),
      { numRuns: 5000 },
    );
  });
});
