import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';
import { kernelHasBridgeConntrack, withoutBridgeCt } from '../tools/nftables-lib.js';

/**
 * Seed 003's security groups on compute1, loaded into a namespace standing in for the compute node:
 * the project bridge with both VM taps and the stretched-VLAN uplink, each VM a namespace with the
 * port's MAC and address. br_netfilter is switched off in the stand-in (this kernel has it built in,
 * on by default): what is filtered here is filtered by the bridge table alone. On a kernel without bridge conntrack the ct rules are left out (see nftables-lib.ts);
 * every test below holds without them.
 */
const P = `ngt-nft-${process.pid}-sg`;
const NS = { host: `${P}-host`, vm1: `${P}-vm1`, vm2: `${P}-vm2`, out: `${P}-out` };
const BRIDGE = 'brq8060ed02-cb';
const VM1 = { ns: NS.vm1, tap: 'tapb83935a5-30', mac: 'fa:16:3e:8b:c4:6a', addr: '10.101.128.100' };
const VM2 = { ns: NS.vm2, tap: 'tapeeec86c0-83', mac: 'fa:16:3e:8b:c4:6b', addr: '10.101.128.101' };

const SERVER = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], 6800)); s.listen(8)
print('ready', flush=True)
while True:
    c, peer = s.accept(); c.sendall(peer[0].encode()); c.close()
`;
const CLIENT = `
import socket, sys
try:
    src = (sys.argv[2], 0) if len(sys.argv) > 2 else None
    c = socket.create_connection((sys.argv[1], 6800), timeout=1.5, source_address=src); print(c.recv(64).decode())
except socket.timeout:
    print('TIMEOUT')
except OSError as e:
    print('ERROR', e)
`;
/** UDP datagrams: argv = source port, destination, destination port (broadcast allowed). */
const SEND = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(('0.0.0.0', int(sys.argv[1]))); s.sendto(b'x', (sys.argv[2], int(sys.argv[3])))
`;

function sh(cmd: string): void {
  const r = run('bash', ['-ec', cmd]);
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`);
}
const inNs = (ns: string, cmd: string) => sh(`ip netns exec ${ns} ${cmd}`);

describe('seed 003: security groups on bridge ports (bridge family, no br_netfilter)', () => {
  let built: Built;
  let dir: string;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    requireRoot();
    requireTool('nft', 'nftables');
    requireTool('python3', 'python3');
    built = buildExample('stretched-sites');
    dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-nft-sg-'));
    for (const [f, t] of [['server.py', SERVER], ['client.py', CLIENT], ['send.py', SEND]]) writeFileSync(path.join(dir, f), t);
    for (const ns of Object.values(NS)) sh(`ip netns add ${ns}`);
    for (const f of ['iptables', 'ip6tables', 'arptables']) inNs(NS.host, `sh -c 'if [ -e /proc/sys/net/bridge/bridge-nf-call-${f} ]; then echo 0 > /proc/sys/net/bridge/bridge-nf-call-${f}; fi'`);
    inNs(NS.host, `ip link add ${BRIDGE} type bridge`);
    inNs(NS.host, `ip link set ${BRIDGE} up`);
    for (const vm of [VM1, VM2]) {
      sh(`ip -n ${NS.host} link add ${vm.tap} type veth peer name eth0 netns ${vm.ns}`);
      inNs(NS.host, `ip link set ${vm.tap} master ${BRIDGE} up`);
      inNs(vm.ns, `ip link set eth0 address ${vm.mac}`);
      inNs(vm.ns, `ip addr add ${vm.addr}/16 dev eth0`);
      inNs(vm.ns, 'ip link set eth0 up');
      inNs(vm.ns, 'ip link set lo up');
    }
    // The stretched VLAN (em1.1203 in the inventory) leads to the rest of the project: 10.101.0.50 stands in.
    sh(`ip -n ${NS.host} link add em1.1203 type veth peer name eth0 netns ${NS.out}`);
    inNs(NS.host, `ip link set em1.1203 master ${BRIDGE} up`);
    inNs(NS.out, 'ip addr add 10.101.0.50/16 dev eth0');
    inNs(NS.out, 'ip link set eth0 up');
    const file = built.abs('knox/compute1/etc/netgen/nftables/root.nft');
    inNs(NS.host, `nft -f ${kernelHasBridgeConntrack() ? file : withoutBridgeCt(file)}`);
    for (const vm of [VM1, VM2]) {
      const s = spawn('ip', ['netns', 'exec', vm.ns, 'python3', path.join(dir, 'server.py'), vm.addr], { stdio: ['ignore', 'pipe', 'pipe'] });
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('VM listener did not start')), 5000);
        s.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(timer), resolve()));
      });
    }
  });

  afterAll(() => {
    for (const s of servers) {
      try {
        if (s.pid) process.kill(s.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    for (const ns of Object.values(NS)) run('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    built?.cleanup();
  });

  const connect = (from: string, to: string, src?: string) => run('ip', ['netns', 'exec', from, 'python3', path.join(dir, 'client.py'), to, ...(src ? [src] : [])], { timeout: 10_000 }).stdout.trim();
  const send = (from: string, sport: number, to: string, dport: number) => run('ip', ['netns', 'exec', from, 'python3', path.join(dir, 'send.py'), String(sport), to, String(dport)]);
  /** Packets counted by the rule whose comment ends with `what`, in chain CHAIN. */
  const counted = (chain: string, what: string) => {
    const out = run('ip', ['netns', 'exec', NS.host, 'nft', 'list', 'chain', 'bridge', 'netgen', chain]).stdout;
    const line = out.split('\n').find((l) => l.includes(`${what}"`));
    if (!line) throw new Error(`no rule '${what}' in ${chain}:\n${out}`);
    return Number(/counter packets (\d+)/.exec(line)![1]);
  };

  it('VM to VM and project to VM over TCP pass (group rules: tcp 1-65535 from 10.101.0.0/16)', () => {
    expect(connect(VM1.ns, VM2.addr)).toBe(VM1.addr);
    expect(connect(NS.out, VM1.addr)).toBe('10.101.0.50');
  });

  it('a VM sending from an address that is not its own is dropped at its port', () => {
    inNs(VM1.ns, 'ip addr add 10.101.128.200/16 dev eth0');
    try {
      const before = counted(`from-${VM1.tap}`, 'IPv4 anti-spoofing');
      expect(connect(VM1.ns, VM2.addr, '10.101.128.200')).toBe('TIMEOUT');
      expect(counted(`from-${VM1.tap}`, 'IPv4 anti-spoofing')).toBeGreaterThan(before);
    } finally {
      inNs(VM1.ns, 'ip addr del 10.101.128.200/16 dev eth0');
    }
  });

  it('a VM with a foreign MAC is cut off', () => {
    const before = counted(`from-${VM2.tap}`, 'MAC anti-spoofing');
    inNs(VM2.ns, 'ip link set eth0 address 02:00:00:00:00:99');
    try {
      expect(connect(VM2.ns, VM1.addr)).not.toBe(VM2.addr);
      expect(counted(`from-${VM2.tap}`, 'MAC anti-spoofing')).toBeGreaterThan(before);
    } finally {
      inNs(VM2.ns, `ip link set eth0 address ${VM2.mac}`);
    }
  });

  it('DHCP server replies from a VM port are dropped; UDP the groups do not allow is dropped by default', () => {
    const dhcp = counted(`from-${VM1.tap}`, 'no DHCP server on a VM port');
    expect(send(VM1.ns, 67, '10.101.255.255', 68).status).toBe(0);
    // A broadcast is judged once per port it would be flooded to (vm2, the uplink) and once for the host.
    expect(counted(`from-${VM1.tap}`, 'no DHCP server on a VM port')).toBeGreaterThan(dhcp);
    const dropped = counted(`to-${VM1.tap}`, 'default drop');
    expect(send(NS.out, 40000, VM1.addr, 5000).status).toBe(0);
    expect(counted(`to-${VM1.tap}`, 'default drop')).toBeGreaterThan(dropped);
  });
});
