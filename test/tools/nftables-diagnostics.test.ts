import { describe, expect, it } from 'vitest';
import { at, codes, compileText } from '../helpers/compile.js';

/** The nat:/firewall:/security_groups: checks: each problem reported once, at the value that is wrong. */
const BAD = `security_groups:
  web:
    rules:
      - { direction: ingress, remote_group: wbe }
      - { direction: ingress, proto: icmp, ports: 22 }
      - { direction: ingress, proto: tcp, ports: "90-80" }
sites:
  lab:
    hosts:
      h1:
        nics:
          eth0: { address: 192.0.2.10/24 }
        bridges:
          br-vm: { members: [tapvm1] }
        taps:
          tapvm1: {}
          tapvm2: {}
        firewall:
          services:
            api: { address: 192.0.2.10, ports: ["http"], allow: ["2001:db8::/64"] }
          ports:
            tapvm1: { bridge: br-mv, mac: "02:00:00:00:00:01", addresses: [10.0.0.5] }
            tapvm2: { bridge: br-vm, mac: "02:00:00:00:00:02", addresses: [10.0.0.6], groups: [webb] }
        nat:
          - { type: snat, out: eht0, from: ["2001:db8::/64"], to: 192.0.2.10 }
          - { type: masquerade, out: eth0, to: 192.0.2.10 }
          - { type: dnat, in: eth0, port: 70000, to: 10.0.0.5 }
          - { type: snat, out: eth0 }
`;

describe('nftables semantic checks', () => {
  it('positions every problem and suggests the name meant', async () => {
    const r = await compileText(BAD);
    expect(codes(r).sort()).toEqual(['NG2002', 'NG2004', 'NG4006', 'NG4006', 'NG6001', 'NG6001', 'NG6001', 'NG6001', 'NG6001', 'NG6002', 'NG6002', 'NG6002', 'NG6002'].sort());
    const msg = (code: string) => r.bag.sorted().filter((d) => d.code === code).map((d) => `${d.position?.line}:${d.position?.col} ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
    expect(msg('NG6001')).toEqual([
      "4:45 security group 'wbe' is not defined (did you mean 'web'?)",
      "22:31 bridge 'br-mv' does not exist in the root namespace of lab/h1 (did you mean 'br-vm'?)",
      "23:13 port 'tapvm2' is not a member of bridge br-vm (add it to the members of br-vm)",
      "23:96 security group 'webb' is not defined (did you mean 'web'?)",
      "25:32 interface 'eht0' does not exist in the root namespace of lab/h1 (did you mean 'eth0'?)",
    ]);
    expect(msg('NG6002')).toEqual([
      '5:51 ports need proto tcp or udp, not icmp (set proto: tcp or udp, or leave proto out for both)',
      '6:50 range 90-80 runs backwards (write 6789 or "6800-7300")',
      "20:49 'http' is not a port or a range such as 6800-7300 (write 6789 or \"6800-7300\")",
      '27:43 port 70000 is outside 1..65535 (write 6789 or "6800-7300")',
    ]);
    expect(at(r, 'NG4006')).toEqual(['20:66', '25:45']);
    expect(at(r, 'NG2004')).toEqual(['26:48']);
    expect(at(r, 'NG2002')).toEqual(['28:13']);
  });

  it('the seed inventories pass', async () => {
    const { readFileSync } = await import('node:fs');
    const { inventoryPath } = await import('../helpers/paths.js');
    for (const name of ['proxmox-vyos-ceph', 'stretched-sites', 'ganeti']) {
      const r = await compileText(readFileSync(inventoryPath(name), 'utf8'), `${name}.yaml`);
      expect(codes(r).filter((c) => /^NG(6|4006)/.test(c)), name).toEqual([]);
    }
  });
});
