import { describe, expect, it } from 'vitest';
import { at, codes, compileText } from '../helpers/compile.js';

/** Each line of the inventory below is named so that positions can be asserted exactly. */
const BAD = `sites:
  lab:
    hosts:
      node1:
        nics:
          eth0: { address: 192.0.2.10/24 }
        bgp:
          asn: 0
          neighbors:
            - { address: 192.0.2.1, remote_as: 5000000000, update_source: eht0 }
            - { address: 192.0.2.2, remote_as: 23456, update_source: 192.0.2.99 }
            - { address: 2001:db8::1, remote_as: 65001, update_source: 192.0.2.10 }
            - { address: 192.0.2.1, remote_as: 65001, import: [2001:db8:1::/48, 10.0.0.1/8] }
        namespaces:
          ten-a:
            nics:
              eth1: { address: 2001:db8:5::3/64 }
            bgp:
              asn: 64600
              router_id: 2001:db8:5::3
              listen: 2001:db8:5::9
              neighbors:
                - { address: 10.0.5.2, remote_as: 64513 }
`;

describe('FRR semantic checks', () => {
  it('report bad BGP sections with codes and positions', async () => {
    const r = await compileText(BAD);
    expect(codes(r).filter((c) => !/^NG(6003|6001|6010|4006|4005|3002)$/.test(c))).toEqual([]);
    expect(at(r, 'NG6003')).toEqual(['8:16', '10:48', '11:48']);
    // update_source: unknown interface (with a did-you-mean), not an own address; listen not an own address.
    expect(at(r, 'NG6001')).toEqual(['10:75', '11:70', '21:23']);
    expect(r.bag.items.find((d) => d.code === 'NG6001' && d.message.includes('eht0'))?.hint).toMatch(/eth0/);
    // Family: IPv4 update-source for an IPv6 neighbor; IPv6 import on an IPv4-only neighbor;
    // IPv6 router-id; IPv4 neighbor of an IPv6 listen address.
    expect(at(r, 'NG4006')).toEqual(['12:72', '13:64', '20:26', '23:30']);
    expect(at(r, 'NG4005')).toEqual(['13:81']);
    expect(at(r, 'NG3002')).toEqual(['13:26']);
    expect(at(r, 'NG6010')).toEqual(['15:11']);
    expect(r.files).toBeUndefined();
  });

  it('accept the example inventory section as written', async () => {
    const ok = BAD.replace(/bgp:\n {10}asn: 0[\s\S]*?namespaces:/, 'namespaces:').replace(/ten-a:[\s\S]*$/, 'tena:\n            nics:\n              eth1: { address: 10.0.5.3/24 }\n            bgp:\n              asn: 64600\n              listen: 10.0.5.3\n              neighbors:\n                - { address: 10.0.5.2, remote_as: 64513 }\n');
    const r = await compileText(ok);
    expect(r.bag.items.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
