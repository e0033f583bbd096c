import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';

const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_LOCAL_TEMP: os.tmpdir(), ANSIBLE_STDOUT_CALLBACK: 'default' };

function recap(out: string, host: string): { ok: number; changed: number; failed: number } {
  const m = out.match(new RegExp(`${host}\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=\\d+\\s+failed=(\\d+)`));
  if (!m) throw new Error(`no PLAY RECAP for ${host} in:\n${out}`);
  return { ok: Number(m[1]), changed: Number(m[2]), failed: Number(m[3]) };
}

describe.each(EXAMPLES)('ansible output of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('passes ansible-playbook --syntax-check and lists every host', () => {
    requireTool('ansible-playbook', 'ansible');
    built = buildExample(example);
    const dir = built.abs('ansible');
    const r = run('ansible-playbook', ['-i', 'hosts.yml', '--syntax-check', 'deploy.yml'], { cwd: dir, env });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const inv = run('ansible-inventory', ['-i', 'hosts.yml', '--list'], { cwd: dir, env });
    expect(inv.status, inv.stderr).toBe(0);
    const listed = JSON.parse(inv.stdout) as { _meta: { hostvars: Record<string, { netgen_site: string; netgen_host: string }> } };
    const hosts = new Set(built.manifest.filter((f) => f.host).map((f) => `${f.site}/${f.host}`));
    const vars = Object.values(listed._meta.hostvars).map((v) => `${v.netgen_site}/${v.netgen_host}`);
    for (const h of hosts) expect(vars).toContain(h);
  });
});

describe('ansible-playbook deploys one host into a temporary root (connection: local)', () => {
  let built: Built;
  const root = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-ansible-root-'));
  afterAll(() => {
    built?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });
  it('copies the tree with the right modes, then reports changed=0', () => {
    requireTool('ansible-playbook', 'ansible');
    built = buildExample('proxmox-vyos-ceph');
    const host = 'ceph01';
    const args = ['-i', 'hosts.yml', 'deploy.yml', '-c', 'local', '--limit', host, '-e', `netgen_root=${root}`, '-e', 'netgen_apply=false', '-e', 'netgen_become=false'];
    const first = run('ansible-playbook', args, { cwd: built.abs('ansible'), env });
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const r1 = recap(first.stdout, host);
    expect(r1.failed).toBe(0);
    expect(r1.changed).toBeGreaterThan(0);
    const mine = built.manifest.filter((f) => f.host === host);
    expect(mine.length).toBeGreaterThan(5);
    for (const f of mine) {
      const rel = f.path.split('/').slice(2).join('/');
      const st = statSync(path.join(root, rel));
      expect((st.mode & 0o777).toString(8).padStart(4, '0'), rel).toBe(f.mode);
      if (rel.endsWith('.sh') || rel.endsWith('/apply')) expect(f.mode).toBe('0755');
    }
    // Only this host's tree landed: nothing of the VyOS router.
    expect(readdirSync(root).sort()).not.toContain('config');
    const second = run('ansible-playbook', args, { cwd: built.abs('ansible'), env });
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(recap(second.stdout, host).changed, second.stdout).toBe(0);
    // One FRR file changes: only that namespace's instance is reloaded (netgen_run=echo prints the
    // handler commands instead of running them).
    const frr = built.manifest.find((f) => f.host === host && /\/etc\/frr\/[^/]+\/frr\.conf$/.test(f.path));
    expect(frr, 'proxmox-vyos-ceph has an FRR instance on ceph01').toBeDefined();
    const ns = frr!.path.split('/etc/frr/')[1].split('/')[0];
    appendFileSync(built.abs(frr!.path), '! changed by the test\n');
    const echoArgs = args.map((a) => (a === 'netgen_apply=false' ? 'netgen_run=echo' : a));
    const third = run('ansible-playbook', [...echoArgs, '-v'], { cwd: built.abs('ansible'), env });
    expect(third.status, third.stdout + third.stderr).toBe(0);
    const commands = [...third.stdout.matchAll(/"stdout": "([^"]*)"/g)].map((m) => m[1]);
    expect(commands).toEqual([`systemctl reload-or-restart frr@${ns}.service`]);
    expect(recap(third.stdout, host).changed).toBe(2);
  });

  it('fires every handler of a fresh host in order (dry run with netgen_run=echo)', () => {
    const root2 = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-ansible-root2-'));
    try {
      const args = ['-i', 'hosts.yml', 'deploy.yml', '-c', 'local', '--limit', 'ceph01', '-e', `netgen_root=${root2}`, '-e', 'netgen_run=echo', '-e', 'netgen_become=false', '-v'];
      const r = run('ansible-playbook', args, { cwd: built.abs('ansible'), env });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const commands = [...r.stdout.matchAll(/"stdout": "([^"]*)"/g)].map((m) => m[1].replaceAll(root2, ''));
      expect(commands.slice(0, 4)).toEqual(['systemctl daemon-reload', 'networkctl reload', 'sysctl -p /etc/sysctl.d/60-netgen.conf', 'systemctl restart netgen-netns.service']);
      expect(commands).toContain('nft -f /etc/netgen/nftables/root.nft');
      expect(commands).toContain('ip netns exec tenantA nft -f /etc/netgen/nftables/netns/tenantA.nft');
      expect(commands).toContain('systemctl reload-or-restart frr@tenantA.service');
      expect(commands.at(-1)).toMatch(/^\/usr\/local\/lib\/netgen\/ceph-[^/]*config[^/]*\.sh$/);
      expect(commands.findIndex((c) => c.startsWith('systemctl reload-or-restart frr@'))).toBeGreaterThan(commands.findIndex((c) => c.includes('nft -f')));
    } finally {
      rmSync(root2, { recursive: true, force: true });
    }
  });
});
