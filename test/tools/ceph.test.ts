import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { at, compileText } from '../helpers/compile.js';
import { inventoryPath, SHARED } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';

const CEPH_LAB = path.join(SHARED, 'ceph/ceph-lab');
const CONFIG = 'homelab/ceph01/usr/local/lib/netgen/ceph-homelab-config.sh';
const BOOTSTRAP = 'homelab/ceph01/usr/local/lib/netgen/ceph-homelab-bootstrap.sh';
const MARKER = 'netgen-second-run';

interface CephDaemon {
  public_addr?: string;
  public_network?: string[];
  cluster_network?: string[];
}
interface CephCluster {
  public_network?: string[];
  cluster_network?: string[];
  daemons?: Record<string, CephDaemon>;
}

/** ceph-lab expectations (WHO OPTION VALUE), written from the inventory rather than from the script. */
function expectations(inventory: string): string {
  const inv = parse(readFileSync(inventoryPath(inventory), 'utf8')) as { ceph: Record<string, CephCluster> };
  const lines: string[] = [];
  for (const c of Object.values(inv.ceph)) {
    if (c.public_network) lines.push(`global public_network ${c.public_network.join(',')}`);
    if (c.cluster_network) lines.push(`global cluster_network ${c.cluster_network.join(',')}`);
    for (const [who, d] of Object.entries(c.daemons ?? {})) {
      if (d.public_addr) lines.push(`${who} public_addr ${d.public_addr}`);
      if (d.public_network) lines.push(`${who} public_network ${d.public_network.join(',')}`);
      if (d.cluster_network) lines.push(`${who} cluster_network ${d.cluster_network.join(',')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** calls.tsv of a kept lab: TOOL MODE RC VERB ARGFILE MSG, with the exact arguments in calls/ARGFILE. */
function calls(labDir: string): Array<{ tool: string; verb: string; args: string[] }> {
  return readFileSync(path.join(labDir, 'calls.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [tool, , , verb, argf] = line.split('\t');
      const args = readFileSync(path.join(labDir, 'calls', argf), 'utf8').split('\0').filter(Boolean);
      return { tool, verb, args };
    });
}

describe('Ceph config script of seed 000 in ceph-lab (a real monitor)', () => {
  let built: Built;
  let tmp: string;
  beforeAll(() => {
    built = buildExample('proxmox-vyos-ceph');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'netgen-ceph-'));
  });
  afterAll(() => {
    built?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sets every value (0 failed) and a second run sets and restarts nothing', () => {
    requireTool('ceph-mon', 'ceph-mon');
    requireTool('ceph', 'ceph-common');
    const expectFile = path.join(tmp, 'seed000.expect');
    writeFileSync(expectFile, expectations('proxmox-vyos-ceph'));
    // Both runs inside one lab: first run, a recorded marker call, second run.
    const wrapper = path.join(tmp, 'twice.sh');
    writeFileSync(wrapper, `set -euo pipefail\nbash ${JSON.stringify(built.abs(CONFIG))}\nceph orch ls ${MARKER}\nbash ${JSON.stringify(built.abs(CONFIG))}\n`);
    const r = run(CEPH_LAB, ['check', wrapper, '--expect', expectFile, '--keep'], { timeout: 170_000 });
    const out = r.stdout + r.stderr;
    const labDir = /kept lab directory (\S+)/.exec(out)?.[1];
    try {
      expect(out, out).toMatch(/^\d+ passed, 0 failed$/m);
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/PASS {2}mds\.tenanta public_addr 192\.168\.100\.3 {2}-- stored as v2:192\.168\.100\.3:0\/0/);
      expect(labDir).toBeDefined();
      const all = calls(labDir!);
      const mark = all.findIndex((c) => c.verb === 'orch ls' && c.args.includes(MARKER));
      expect(mark).toBeGreaterThan(0);
      const first = all.slice(0, mark);
      const second = all.slice(mark + 1);
      const sets = (list: typeof all) => list.filter((c) => c.tool === 'ceph' && c.verb === 'config set').map((c) => c.args.slice(-3).join(' '));
      const restarts = (list: typeof all) => list.filter((c) => c.tool === 'ceph' && c.verb === 'orch restart').map((c) => c.args.at(-1));
      expect(sets(first).sort()).toEqual(
        [
          'global cluster_network 192.168.178.0/24',
          'mds.tenanta public_addr 192.168.100.3',
          'mds.tenanta public_network 192.168.100.0/24',
          'mds.tenantc public_addr 192.168.100.5',
          'mds.tenantc public_network 192.168.100.0/24',
          'osd public_network 192.168.100.0/24',
        ].sort(),
      );
      // Each service once, even though osd.cost_capacity is affected by two settings.
      expect(restarts(first)).toEqual(['osd.cost_capacity', 'mds.tenanta', 'mds.tenantc']);
      expect(second.filter((c) => c.verb === 'config get' || c.verb === 'config dump').length).toBeGreaterThan(0);
      expect(sets(second)).toEqual([]);
      expect(restarts(second)).toEqual([]);
    } finally {
      if (labDir?.startsWith(os.tmpdir())) rmSync(labDir, { recursive: true, force: true });
    }
  });

  it('--check reports a pending change (exit 1) and changes nothing', () => {
    // A lab where only one value differs: the check mode must find it and not set it.
    const wrapper = path.join(tmp, 'check.sh');
    writeFileSync(
      wrapper,
      `set -uo pipefail\nbash ${JSON.stringify(built.abs(CONFIG))} >/dev/null\nceph config set mds.tenantc public_addr 192.168.100.9\nbash ${JSON.stringify(built.abs(CONFIG))} --check\necho "check exit $?"\n`,
    );
    const r = run(CEPH_LAB, ['check', wrapper], { timeout: 170_000 });
    const out = r.stdout + r.stderr;
    expect(out, out).toMatch(/would set: mds\.tenantc public_addr = 192\.168\.100\.5 \(now: v2:192\.168\.100\.9:0\/0\)/);
    expect(out).toMatch(/would restart: mds\.tenantc/);
    expect(out).toMatch(/check exit 1/);
    expect(out).toMatch(/PASS {2}mds\.tenantc +public_addr = v2:192\.168\.100\.9:0\/0/);
  });

  it('bootstrap script passes ceph-lab and calls cephadm bootstrap with the inventory values', () => {
    const r = run(CEPH_LAB, ['check', built.abs(BOOTSTRAP)], { timeout: 170_000 });
    const out = r.stdout + r.stderr;
    expect(out, out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.status).toBe(0);
    expect(out).toContain('cephadm bootstrap --mon-ip 192.168.100.2 --cluster-network 192.168.178.0/24 --single-host-defaults');
  });

  it('bootstrap refuses a host where cephadm already runs daemons', () => {
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = path.join(tmp, 'cephadm.log');
    writeFileSync(path.join(bin, 'cephadm'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\nif [ "$1" = ls ]; then echo '[{"name": "mon.ceph01", "style": "cephadm:v1"}]'; fi\n`);
    chmodSync(path.join(bin, 'cephadm'), 0o755);
    const r = run('bash', [built.abs(BOOTSTRAP)], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to bootstrap: cephadm already runs daemons/);
    expect(readFileSync(log, 'utf8').trim()).toBe('ls');
  });

  it('both scripts are shellcheck-clean', () => {
    requireTool('shellcheck', 'shellcheck');
    for (const f of [CONFIG, BOOTSTRAP]) {
      const r = run('shellcheck', ['--severity=style', built.abs(f)]);
      expect(r.stdout, f).toBe('');
    }
    expect(readdirSync(path.dirname(built.abs(CONFIG))).filter((n) => n.startsWith('ceph-'))).toEqual(['ceph-homelab-bootstrap.sh', 'ceph-homelab-config.sh']);
    expect(built.files('ceph').map((f) => [f.path, f.mode])).toEqual([
      [CONFIG, '0755'],
      [BOOTSTRAP, '0755'],
    ].sort());
  });
});

describe('Ceph semantic checks', () => {
  it('report an unknown admin host, a public_addr outside its network and a mon_ip elsewhere', async () => {
    const r = await compileText(`sites:
  lab:
    hosts:
      ceph01:
        nics:
          eth0: { address: 192.168.100.2/24 }
ceph:
  main:
    admin_host: cehp01
    daemons:
      mds.a: { public_addr: 10.0.0.3, public_network: [192.168.100.0/24] }
  other:
    admin_host: ceph01
    mon_ip: 192.168.100.9
    public_network: [192.168.100.0/24]
    daemons:
      mds.b: { public_addr: 192.168.101.3 }
`);
    expect(at(r, 'NG6103')).toEqual(['9:17']);
    expect(r.bag.items.find((d) => d.code === 'NG6103')?.hint).toMatch(/ceph01/);
    expect(at(r, 'NG6104')).toEqual(['11:29', '17:29']);
    expect(at(r, 'NG6105')).toEqual(['14:13']);
  });
});
