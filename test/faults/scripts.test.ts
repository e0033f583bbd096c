import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryPath } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';
import { privateCli } from './app.js';

/**
 * The generated netns scripts, run for real on a simulated host: a network namespace with a private
 * mount namespace (its own /run/netns), holding stand-ins for the bridges networkd would create.
 * Idempotence, convergence after partial failures, and `down` after a partial `up`.
 */
const PREFIX = `ngt-flt-${process.pid}`;
let tmp: string;
let up: string;
let down: string;
const hosts: { name: string; holder: ChildProcess }[] = [];
let counter = 0;

interface SimHost {
  /** Runs a shell command inside the simulated host (its network and mount namespaces). */
  sh(cmd: string, env?: Record<string, string>): { status: number; stdout: string; stderr: string };
  state(): string;
}

async function simHost(bridges: string[]): Promise<SimHost> {
  const name = `${PREFIX}-h${counter++}`;
  const add = run('ip', ['netns', 'add', name]);
  if (add.status !== 0) throw new Error(add.stderr);
  const holder = spawn('ip', ['netns', 'exec', name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs ngt-flt /run/netns && echo ready && exec sleep infinity'], { stdio: ['ignore', 'pipe', 'inherit'] });
  hosts.push({ name, holder });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.once('exit', (c) => reject(new Error(`host holder exited ${c}`)));
  });
  // The pid of `sleep` (exec'd in place of sh) is the holder's own pid through ip netns exec's exec chain.
  const pid = run('sh', ['-c', `pgrep -P ${holder.pid} || echo ${holder.pid}`]).stdout.trim().split('\n')[0];
  const sh = (cmd: string, env: Record<string, string> = {}) => run('nsenter', ['-t', pid, '-m', '-n', 'bash', '-c', cmd], { env: { ...process.env, ...env }, timeout: 60_000 });
  for (const b of bridges) expect(sh(`ip link add ${b} type bridge && ip link set ${b} up`).status).toBe(0);
  const state = () => {
    // Links (without ifindex, peer index or netns ids, which change when a link is re-made), addresses, routes.
    const r = sh(`set -e
      # Operational state and link-local/DAD details are timing (carrier, DAD) and stand-in MACs, not configuration.
      norm() { sed -E 's/^[0-9]+: //; s/@[^:]+:/:/; s/ link-netns(id)? [^ ]+//g; s/ state [A-Z]+//; s/,?LOWER_UP//; s/ +$//' | sort; }
      addrs() { sed -E 's/^[0-9]+: //; s/valid_lft.*//; s/ (tentative|dadfailed)//g' | grep -v ' fe80::' | sort || true; }
      # The stand-in bridges belong to networkd, not to the scripts: their MAC and MTU follow their ports.
      echo "== root"; ip -o link | norm | grep -v -E '^(${bridges.join('|')}):' || true; ip -o addr | addrs | grep -v -E '^(${bridges.join('|')}) ' || true
      for n in $(ls /run/netns | sort); do
        echo "== ns $n"; ip -n "$n" -o link | norm; ip -n "$n" -o addr | addrs
        ip -n "$n" -4 route | sort; ip -n "$n" -6 route | sort
      done`);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  return { sh, state };
}

beforeAll(() => {
  requireRoot();
  requireTool('nsenter', 'util-linux');
  tmp = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-`));
  const cli = privateCli(tmp);
  const inv = path.join(tmp, 'neutron-two-hosts.yaml');
  copyFileSync(inventoryPath('neutron-two-hosts'), inv);
  const lock = inventoryPath('neutron-two-hosts').replace(/\.yaml$/, '.lock.yaml');
  if (existsSync(lock)) copyFileSync(lock, inv.replace(/\.yaml$/, '.lock.yaml'));
  const r = run('node', [cli, 'build', inv, '-o', path.join(tmp, 'out'), '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  up = path.join(tmp, 'out/lab/node01/usr/local/lib/netgen/netns-up.sh');
  down = path.join(tmp, 'out/lab/node01/usr/local/lib/netgen/netns-down.sh');
});

afterAll(async () => {
  for (const h of hosts) {
    await new Promise<void>((resolve) => {
      if (h.holder.exitCode !== null || h.holder.signalCode !== null) return resolve();
      h.holder.once('exit', () => resolve());
      h.holder.kill('SIGKILL');
    });
    run('ip', ['netns', 'del', h.name]);
  }
  rmSync(tmp, { recursive: true, force: true });
});

const BRIDGES = ['aapl-br', 'msft-br'];
const FAST = { NG_WAIT_SECONDS: '2' };

describe('netns-up.sh / netns-down.sh on a simulated host', () => {
  let converged: string;

  it('up twice gives the same state', async () => {
    const h = await simHost(BRIDGES);
    const r1 = h.sh(`bash ${up}`, FAST);
    expect(r1.status, r1.stderr).toBe(0);
    converged = h.state();
    expect(converged).toContain('== ns apple');
    expect(converged).toMatch(/aapl-veth1.*\n?.*10\.1\.0\.4\/24/);
    const r2 = h.sh(`bash ${up}`, FAST);
    expect(r2.status, r2.stderr).toBe(0);
    expect(h.state()).toBe(converged);
  });

  it('converges when a namespace already exists', async () => {
    const h = await simHost(BRIDGES);
    expect(h.sh('ip netns add apple').status).toBe(0);
    const r = h.sh(`bash ${up}`, FAST);
    expect(r.status, r.stderr).toBe(0);
    expect(h.state()).toBe(converged);
  });

  it('converges when interfaces are half configured (down, wrong MTU, wrong MAC, address missing, detached)', async () => {
    const h = await simHost(BRIDGES);
    expect(h.sh(`bash ${up}`, FAST).status).toBe(0);
    const broken = h.sh(`set -e
      ip -n apple link set aapl-veth1 down
      ip -n apple link set aapl-veth1 mtu 1300
      ip -n microsoft link set msft-veth1 address 02:00:00:00:00:99
      ip -n microsoft addr del 10.1.0.4/24 dev msft-veth1
      ip link set aapl-veth0 nomaster`);
    expect(broken.status, broken.stderr).toBe(0);
    expect(h.state()).not.toBe(converged);
    const r = h.sh(`bash ${up}`, FAST);
    expect(r.status, r.stderr).toBe(0);
    expect(h.state()).toBe(converged);
  });

  it('converges when a veth pair is half made (both ends in the root namespace, or the outer end paired with a stranger)', async () => {
    const h = await simHost(BRIDGES);
    const pre = h.sh(`set -e
      ip netns add apple
      ip link add aapl-veth0 type veth peer name aapl-veth1
      ip link add msft-veth0 type veth peer name stranger0`);
    expect(pre.status, pre.stderr).toBe(0);
    const r = h.sh(`bash ${up}`, FAST);
    expect(r.status, r.stderr).toBe(0);
    expect(h.state()).toBe(converged);
  });

  it('down after a partial up removes what exists and does not fail on what does not; down twice is fine', async () => {
    const h = await simHost(['aapl-br']); // msft-br never appears: up stops half way
    const empty = h.state();
    const r = h.sh(`bash ${up}`, { NG_WAIT_SECONDS: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/timed out after 1s waiting for msft-br/);
    expect(h.state()).not.toBe(empty);
    const d1 = h.sh(`bash ${down}`, FAST);
    expect(d1.status, d1.stderr).toBe(0);
    expect(h.state()).toBe(empty);
    const d2 = h.sh(`bash ${down}`, FAST);
    expect(d2.status, d2.stderr).toBe(0);
    expect(h.state()).toBe(empty);
  });

  it('down then up again converges to the same state', async () => {
    const h = await simHost(BRIDGES);
    const first = h.sh(`bash ${up}`, FAST);
    expect(first.status, first.stderr).toBe(0);
    const d = h.sh(`bash ${down}`, FAST);
    expect(d.status, d.stderr).toBe(0);
    const r = h.sh(`bash ${up}`, FAST);
    expect(r.status, r.stderr).toBe(0);
    expect(h.state()).toBe(converged);
  });
});
