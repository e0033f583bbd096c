import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, inventoryPath, ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

const netgen = (args: string[], cwd = ROOT) => run('node', [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'netgen-cli-'));

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, p: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${p}${e.name}/`);
      else out[`${p}${e.name}`] = readFileSync(path.join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

describe('netgen CLI', () => {
  it('--help and --version exit 0; unknown options exit 2', () => {
    expect(netgen(['--help']).stdout).toContain('build');
    expect(netgen(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(netgen(['build', '--help']).stdout).toContain('Examples:');
    expect(netgen(['build', '--bogus']).status).toBe(2);
  });

  it('run as an executable, starts Node without NODE_EXTRA_CA_CERTS (Node would load, here fail to load, the certificates first)', () => {
    const env = { ...process.env, NO_COLOR: '1', NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' };
    expect(run('node', ['-e', '0'], { env }).stderr, 'the judge: Node warns about the file it could not load').toContain('extra certs');
    const r = run(CLI, ['--version'], { env });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
  });

  it('run as an executable, fixes glibc malloc\'s mmap threshold unless the caller set one', () => {
    const dir = tmp();
    // Node's --require runs in the process the launcher execs: it reports the environment it got.
    const probe = path.join(dir, 'probe.cjs');
    writeFileSync(probe, "process.stderr.write(`threshold=${process.env.MALLOC_MMAP_THRESHOLD_}\\n`);\n");
    const env = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${probe}` };
    delete env.MALLOC_MMAP_THRESHOLD_;
    expect(run(CLI, ['--version'], { env }).stderr).toContain('threshold=131072');
    expect(run(CLI, ['--version'], { env: { ...env, MALLOC_MMAP_THRESHOLD_: '65536' } }).stderr).toContain('threshold=65536');
  });

  it('validate writes nothing and exits 0 on a good inventory', () => {
    const dir = tmp();
    cpSync(inventoryPath('ganeti'), path.join(dir, 'g.yaml'));
    const r = netgen(['validate', path.join(dir, 'g.yaml')]);
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['g.yaml']);
  });

  it('a bad inventory: every error at once, exit 1, no stack trace, previous out/ untouched', () => {
    const dir = tmp();
    const inv = path.join(dir, 'lab.yaml');
    cpSync(inventoryPath('neutron-two-hosts'), inv);
    const out = path.join(dir, 'out');
    expect(netgen(['build', inv, '-o', out]).status).toBe(0);
    const before = snapshot(out);
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('eth1: { address: 10.10.10.10/24 }', 'eth1: { adress: 10.10.10.10/24 }').replace('short: aapl, vni: 20', 'short: aapl, vni: 10'));
    const r = netgen(['build', inv, '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lab\.yaml:\d+:\d+: error NG2001: unknown key 'adress'/);
    expect(r.stderr).toContain("did you mean 'address'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);
  });

  it('--check exits 1 on drift and lists the files, 0 when up to date', () => {
    const dir = tmp();
    const inv = path.join(dir, 'lab.yaml');
    cpSync(inventoryPath('ganeti'), inv);
    const out = path.join(dir, 'out');
    netgen(['build', inv, '-o', out]);
    expect(netgen(['build', inv, '-o', out, '--check']).status).toBe(0);
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('mtu: 9000', 'mtu: 9001'));
    const r = netgen(['build', inv, '-o', out, '--check']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/changed\s+grnet\/ena\/etc\/systemd\/network\/10-netgen-bond0\.netdev/);
  });

  it('builds every inventories/*.yaml and inventories/<dir>/ without arguments, from any project directory', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'inventories/split'), { recursive: true });
    cpSync(inventoryPath('ganeti'), path.join(dir, 'inventories/g.yaml'));
    writeFileSync(path.join(dir, 'inventories/split/tenants.yaml'), 'tenants:\n  t1: { vni: 100, cidrs: [10.1.0.0/24] }\n');
    writeFileSync(path.join(dir, 'inventories/split/site-a.yaml'), 'sites:\n  a:\n    hosts:\n      h1: { nics: { eth0: { address: 192.0.2.1/24 } }, tenants: { t1: {} } }\n');
    writeFileSync(path.join(dir, 'inventories/split/site-b.yaml'), 'sites:\n  b:\n    hosts:\n      h2: { nics: { eth0: { address: 192.0.2.2/24 } }, tenants: { t1: {} } }\n');
    const r = netgen(['build'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'out/g/manifest.json'))).toBe(true);
    const m = JSON.parse(readFileSync(path.join(dir, 'out/split/manifest.json'), 'utf8'));
    expect(m.files.some((f: { path: string }) => f.path === 'a/h1/etc/systemd/network/10-netgen-t1-vxl-100.netdev')).toBe(true);
    expect(existsSync(path.join(dir, 'inventories/split.lock.yaml'))).toBe(true);
  });

  it('a directory inventory reports an object defined in two files, pointing at both', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'inv'));
    writeFileSync(path.join(dir, 'inv/a.yaml'), 'tenants:\n  t1: { vni: 1 }\n');
    writeFileSync(path.join(dir, 'inv/b.yaml'), 'tenants:\n  t1: { vni: 2 }\n');
    const r = netgen(['validate', 'inv'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/inv\/b\.yaml:2:3: error NG1007/);
    expect(r.stderr).toMatch(/inv\/a\.yaml:2:3: note: first defined here/);
  });

  it('template overlays replace a bundled template by relative path (flag and inventory setting)', () => {
    const dir = tmp();
    const inv = path.join(dir, 'g.yaml');
    cpSync(inventoryPath('ganeti'), inv);
    mkdirSync(path.join(dir, 'tpl/networkd'), { recursive: true });
    writeFileSync(path.join(dir, 'tpl/networkd/sysctl.conf.hbs'), '{{header "#"}}# site policy\n{{#each sysctls}}{{key}}={{value}}\n{{/each}}');
    expect(netgen(['build', inv, '-o', path.join(dir, 'o1'), '--templates', path.join(dir, 'tpl')]).status).toBe(0);
    expect(readFileSync(path.join(dir, 'o1/grnet/ena/etc/sysctl.d/60-netgen.conf'), 'utf8')).toContain('# site policy\nnet.ipv4.ip_forward=1');
    writeFileSync(inv, `templates: tpl\n${readFileSync(inv, 'utf8')}`);
    expect(netgen(['build', inv, '-o', path.join(dir, 'o2')]).status).toBe(0);
    expect(readFileSync(path.join(dir, 'o2/grnet/ena/etc/sysctl.d/60-netgen.conf'), 'utf8')).toContain('# site policy');
  });

  it('explain and schema work', () => {
    expect(netgen(['explain', 'NG5005']).stdout).toContain('VXLAN adds 50 bytes');
    expect(netgen(['explain', 'NG0000']).status).toBe(2);
    const schema = JSON.parse(netgen(['schema']).stdout);
    expect(schema.properties.tenants).toBeDefined();
  });
});

describe('netgen CLI and pipes', () => {
  it('a reader that closes the pipe early gets no stack trace', () => {
    const r = run('bash', ['-c', `node ${CLI} schema | head -1; echo "status \${PIPESTATUS[0]}"`], { cwd: ROOT });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.stdout).toMatch(/status 0/);
  });
});
