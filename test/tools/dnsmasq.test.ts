import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { at, compileText } from '../helpers/compile.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';

describe.each(EXAMPLES)('dnsmasq configs of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('pass dnsmasq --test', () => {
    requireTool('dnsmasq', 'dnsmasq-base');
    built = buildExample(example);
    const confs = built.files('dnsmasq');
    if (example === 'stretched-sites') expect(confs.map((f) => f.path).sort()).toEqual(['epouta/network1/etc/netgen/dnsmasq/qdhcp-mosler.conf', 'knox/controller/etc/netgen/dnsmasq/qdhcp-mosler.conf']);
    for (const f of confs) {
      const r = run('dnsmasq', ['--test', '-C', built.abs(f.path)]);
      expect(r.stderr + r.stdout, f.path).toMatch(/syntax check OK/);
      expect(r.status).toBe(0);
    }
  });
});

describe('dnsmasq of seed 003', () => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('binds to the namespace interface and hands out the site half of 10.101.0.0/16', () => {
    built = buildExample('stretched-sites');
    const knox = built.read('knox/controller/etc/netgen/dnsmasq/qdhcp-mosler.conf').split('\n');
    for (const line of [
      'interface=ns-aeffc08d-63',
      'bind-interfaces',
      'except-interface=lo',
      'no-resolv',
      'server=130.238.7.10',
      'domain=mosler.knox',
      'dhcp-range=10.101.128.1,10.101.255.254,255.255.0.0,12h',
      'dhcp-option=option:router,10.101.0.1',
      'dhcp-option=option:dns-server,10.101.128.0',
      'pid-file=/run/netgen-dnsmasq/qdhcp-mosler/dnsmasq.pid',
      'dhcp-leasefile=/run/netgen-dnsmasq/qdhcp-mosler/dnsmasq.leases',
    ]) expect(knox).toContain(line);
    expect(built.read('epouta/network1/etc/netgen/dnsmasq/qdhcp-mosler.conf')).toContain('dhcp-range=10.101.0.4,10.101.127.255,255.255.0.0,12h');
    const unit = built.read('knox/controller/etc/systemd/system/netgen-dnsmasq@.service');
    expect(unit).toContain('NetworkNamespacePath=/run/netns/%i');
    expect(unit).toMatch(/^Requires=netgen-netns\.service$/m);
    expect(unit).toMatch(/^After=netgen-netns\.service$/m);
    expect(built.read('knox/controller/etc/systemd/system/netgen-netns.service.d/50-netgen-dnsmasq.conf')).toMatch(/^Wants=netgen-dnsmasq@qdhcp-mosler\.service$/m);
  });

  it('the unit passes systemd-analyze verify', () => {
    requireTool('systemd-analyze', 'systemd');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netgen-units-'));
    try {
      const sys = built.abs('knox/controller/etc/systemd/system');
      writeFileSync(path.join(dir, 'netgen-dnsmasq@.service'), readFileSync(path.join(sys, 'netgen-dnsmasq@.service')));
      // The namespace unit's scripts are not installed here; a stand-in with the same name is enough to resolve Requires=.
      writeFileSync(path.join(dir, 'netgen-netns.service'), '[Unit]\nDescription=stand-in\n[Service]\nType=oneshot\nExecStart=/bin/true\n');
      const r = run('systemd-analyze', ['verify', path.join(dir, 'netgen-dnsmasq@qdhcp-mosler.service')], { env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` } });
      expect(r.stderr + r.stdout).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a real DHCP lease from the generated config, server and client in throwaway namespaces', async () => {
    requireRoot();
    requireTool('dnsmasq', 'dnsmasq-base');
    requireTool('busybox', 'busybox');
    const conf = built.abs('epouta/network1/etc/netgen/dnsmasq/qdhcp-mosler.conf');
    const srv = `ngt-dhcp-${process.pid}-s`;
    const cli = `ngt-dhcp-${process.pid}-c`;
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'netgen-dhcp-'));
    let dnsmasq: ChildProcess | undefined;
    const ip = (...args: string[]) => {
      const r = run('ip', args);
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    try {
      ip('netns', 'add', srv);
      ip('netns', 'add', cli);
      // The server end carries the interface name of the generated config (names are per namespace).
      ip('link', 'add', 'name', 'ns-mosler', 'netns', srv, 'type', 'veth', 'peer', 'name', 'c0', 'netns', cli);
      ip('-n', srv, 'addr', 'add', '10.101.0.3/16', 'dev', 'ns-mosler');
      for (const [ns, dev] of [[srv, 'ns-mosler'], [srv, 'lo'], [cli, 'c0'], [cli, 'lo']]) ip('-n', ns, 'link', 'set', dev, 'up');
      // The config is used unchanged: its pid and lease files live under /run/netgen-dnsmasq/NS, which
      // the unit's RuntimeDirectory= creates. Here a tmpfs on /run inside the private mount namespace of
      // `ip netns exec` stands in for it, so nothing on the host's /run is touched.
      const start = `mount -t tmpfs netgen-test /run && mkdir -p /run/netgen-dnsmasq/qdhcp-mosler && exec dnsmasq --keep-in-foreground --log-dhcp --conf-file="$1"`;
      dnsmasq = spawn('ip', ['netns', 'exec', srv, 'sh', '-c', start, 'sh', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      dnsmasq.stdout!.on('data', (d) => (log += d));
      dnsmasq.stderr!.on('data', (d) => (log += d));
      const leaseEnv = path.join(tmp, 'lease.env');
      const script = path.join(tmp, 'udhcpc.sh');
      writeFileSync(script, `#!/bin/sh\nif [ "$1" = bound ]; then printf 'ip=%s\\nsubnet=%s\\nrouter=%s\\ndns=%s\\ndomain=%s\\n' "$ip" "$subnet" "$router" "$dns" "$domain" > ${JSON.stringify(leaseEnv)}; fi\n`);
      chmodSync(script, 0o755);
      let got = false;
      for (let attempt = 0; attempt < 10 && !got; attempt++) {
        await new Promise((res) => setTimeout(res, 500));
        const r = run('ip', ['netns', 'exec', cli, 'busybox', 'udhcpc', '-i', 'c0', '-f', '-q', '-n', '-t', '3', '-T', '1', '-s', script], { timeout: 30_000 });
        got = r.status === 0 && existsSync(leaseEnv);
      }
      expect(got, `no lease; dnsmasq said:\n${log}`).toBe(true);
      const lease = Object.fromEntries(readFileSync(leaseEnv, 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
      const [a, b, c] = lease.ip.split('.').map(Number);
      expect([a, b]).toEqual([10, 101]);
      expect(c).toBeLessThan(128); // the ePouta half: third octet starts with a 0 bit
      expect(lease.subnet).toBe('255.255.0.0');
      expect(lease.router).toBe('10.101.0.1');
      expect(lease.dns).toBe('10.101.128.0');
      // The lease file the config names, seen through the server's own mount namespace.
      const leases = readFileSync(`/proc/${dnsmasq.pid}/root/run/netgen-dnsmasq/qdhcp-mosler/dnsmasq.leases`, 'utf8');
      expect(leases).toContain(lease.ip);
      expect(existsSync('/run/netgen-dnsmasq')).toBe(false);
    } finally {
      if (dnsmasq?.pid) {
        try {
          process.kill(dnsmasq.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      run('ip', ['netns', 'del', srv]);
      run('ip', ['netns', 'del', cli]);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('dnsmasq semantic checks', () => {
  it('report an unknown interface and ranges, routers and hosts outside the subnet', async () => {
    const r = await compileText(`sites:
  lab:
    hosts:
      node1:
        namespaces:
          dhcp1:
            veths:
              ns-a: { peer: tap-a, address: 10.1.0.2/24 }
            dhcp:
              interface: ns-b
              ranges: [{ start: 10.1.0.10, end: 10.1.0.99 }]
          dhcp2:
            veths:
              ns-c: { peer: tap-c, address: 10.2.0.2/24 }
            dhcp:
              interface: ns-c
              ranges:
                - { start: 10.2.0.10, end: 10.2.0.99 }
                - { start: 10.9.0.10, end: 10.9.0.99 }
                - { start: 10.2.0.99, end: 10.2.0.10 }
              router: 10.3.0.1
              hosts:
                vm1: { mac: "02:00:00:00:00:01", address: 10.4.0.5 }
`);
    expect(at(r, 'NG6101')).toEqual(['10:26']);
    expect(r.bag.items.find((d) => d.code === 'NG6101')?.hint).toMatch(/ns-a/);
    expect(at(r, 'NG6102')).toEqual(['19:19', '20:19', '21:23', '23:59']);
    expect(r.bag.items.filter((d) => d.code === 'NG6102').map((d) => d.severity)).toEqual(['error', 'error', 'warning', 'error']);
  });
});
