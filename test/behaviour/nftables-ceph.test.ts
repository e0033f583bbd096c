import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';

/**
 * Seed 000 with the generated rulesets loaded for real. Namespaces stand in for the Ceph host's
 * root namespace (br0, the MDS veths), tenantA and tenantC (uplink + veth onto br0), and one client
 * behind each tenant on its 10.0.x.0/24 side. Interface names are the inventory's, created inside
 * the throwaway namespaces only, so the rules match exactly what they will match on the host.
 */
const P = `ngt-nft-${process.pid}`;
const NS = { ceph: `${P}-ceph`, ta: `${P}-ta`, tc: `${P}-tc`, ca: `${P}-cla`, cc: `${P}-clc` };
const ROOT = 'homelab/ceph01/etc/netgen/nftables';

/** Accepts connections on each address given and answers with the source address it sees. */
const SERVER = `
import socket, sys, threading
def serve(addr):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 6800)); s.listen(8)
    while True:
        c, peer = s.accept(); c.sendall(peer[0].encode()); c.close()
for a in sys.argv[1:]:
    threading.Thread(target=serve, args=(a,), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
`;
/** Connects with a short timeout; prints what the server saw, or TIMEOUT when the SYN was dropped. */
const CLIENT = `
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], 6800), timeout=1.5); print(c.recv(64).decode())
except socket.timeout:
    print('TIMEOUT')
except OSError as e:
    print('ERROR', e)
`;

function sh(cmd: string): void {
  const r = run('bash', ['-ec', cmd]);
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`);
}
const inNs = (ns: string, cmd: string) => sh(`ip netns exec ${ns} ${cmd}`);

describe('seed 000: SNAT and MDS access with the generated rulesets', () => {
  let built: Built;
  let dir: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    requireRoot();
    requireTool('nft', 'nftables');
    requireTool('python3', 'python3');
    built = buildExample('proxmox-vyos-ceph');
    dir = mkdtempSync(path.join(os.tmpdir(), 'ngt-nft-beh-'));
    writeFileSync(path.join(dir, 'server.py'), SERVER);
    writeFileSync(path.join(dir, 'client.py'), CLIENT);
    for (const ns of Object.values(NS)) sh(`ip netns add ${ns}`);
    // Ceph host: br0 192.168.100.1/24 with the MDS veths on it (inventory: veth-mds-a/-c, peers on br0).
    inNs(NS.ceph, 'ip link add br0 type bridge');
    inNs(NS.ceph, 'ip addr add 192.168.100.1/24 dev br0');
    for (const [dev, addr] of [['veth-mds-a', '192.168.100.3'], ['veth-mds-c', '192.168.100.5']]) {
      inNs(NS.ceph, `ip link add ${dev} type veth peer name ${dev}-br`);
      inNs(NS.ceph, `ip link set ${dev}-br master br0 up`);
      inNs(NS.ceph, `ip addr add ${addr}/24 dev ${dev}`);
      inNs(NS.ceph, `ip link set ${dev} up`);
    }
    inNs(NS.ceph, 'ip link set br0 up');
    // Tenant namespaces: veth onto br0, uplink (standing in for the storage VLAN NIC) to a client.
    const tenants = [
      { ns: NS.ta, client: NS.ca, veth: 'veth1-ta', addr: '192.168.100.4', nic: 'enp6s19', net: '10.0.3' },
      { ns: NS.tc, client: NS.cc, veth: 'veth1-tc', addr: '192.168.100.6', nic: 'enp6s20', net: '10.0.5' },
    ];
    for (const t of tenants) {
      sh(`ip -n ${t.ns} link add ${t.veth} type veth peer name ${t.veth}-br netns ${NS.ceph}`);
      inNs(NS.ceph, `ip link set ${t.veth}-br master br0 up`);
      inNs(t.ns, `ip addr add ${t.addr}/24 dev ${t.veth}`);
      sh(`ip -n ${t.ns} link add ${t.nic} type veth peer name uplink netns ${t.client}`);
      inNs(t.ns, `ip addr add ${t.net}.3/24 dev ${t.nic}`);
      for (const dev of ['lo', t.veth, t.nic]) inNs(t.ns, `ip link set ${dev} up`);
      inNs(t.ns, 'sysctl -qw net.ipv4.ip_forward=1');
      inNs(t.client, `ip addr add ${t.net}.10/24 dev uplink`);
      inNs(t.client, 'ip link set uplink up');
      inNs(t.client, 'ip link set lo up');
      inNs(t.client, `ip route add default via ${t.net}.3`);
    }
    // The generated rulesets, loaded where the host loads them.
    inNs(NS.ceph, `nft -f ${built.abs(`${ROOT}/root.nft`)}`);
    inNs(NS.ta, `nft -f ${built.abs(`${ROOT}/netns/tenantA.nft`)}`);
    inNs(NS.tc, `nft -f ${built.abs(`${ROOT}/netns/tenantC.nft`)}`);
    server = spawn('ip', ['netns', 'exec', NS.ceph, 'python3', path.join(dir, 'server.py'), '192.168.100.3', '192.168.100.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MDS stand-in did not start')), 5000);
      server!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(timer), resolve()));
      server!.on('exit', (code) => reject(new Error(`MDS stand-in exited with ${code}`)));
    });
  });

  afterAll(() => {
    if (server?.pid) {
      try {
        process.kill(server.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    for (const ns of Object.values(NS)) run('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    built?.cleanup();
  });

  const connect = (client: string, to: string) => run('ip', ['netns', 'exec', client, 'python3', path.join(dir, 'client.py'), to], { timeout: 10_000 }).stdout.trim();
  const dropCounter = (addr: string) => {
    const out = run('ip', ['netns', 'exec', NS.ceph, 'nft', 'list', 'chain', 'inet', 'netgen', 'input']).stdout;
    const line = out.split('\n').find((l) => l.includes(`ip daddr ${addr} counter packets`))!;
    return Number(/counter packets (\d+)/.exec(line)![1]);
  };

  it("tenant A's client reaches its MDS 192.168.100.3:6800, and the MDS sees the SNAT address 192.168.100.4", () => {
    expect(connect(NS.ca, '192.168.100.3')).toBe('192.168.100.4');
  });

  it("tenant C's attempt at tenant A's MDS is dropped (timeout, and the drop counter moves)", () => {
    const before = dropCounter('192.168.100.3');
    expect(connect(NS.cc, '192.168.100.3')).toBe('TIMEOUT');
    expect(dropCounter('192.168.100.3')).toBeGreaterThan(before);
  });

  it('tenant C reaches its own MDS 192.168.100.5 as 192.168.100.6; tenant A cannot reach it', () => {
    expect(connect(NS.cc, '192.168.100.5')).toBe('192.168.100.6');
    expect(connect(NS.ca, '192.168.100.5')).toBe('TIMEOUT');
  });

  it('without the rulesets the same attempts succeed (so the drops above are the firewall)', () => {
    inNs(NS.ceph, "nft 'add table inet netgen; delete table inet netgen'");
    try {
      expect(connect(NS.cc, '192.168.100.3')).toBe('192.168.100.6');
    } finally {
      inNs(NS.ceph, `nft -f ${built.abs(`${ROOT}/root.nft`)}`);
    }
    expect(connect(NS.cc, '192.168.100.3')).toBe('TIMEOUT');
  });
});
