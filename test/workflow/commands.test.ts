import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { CLI, ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

const COLOURED = new Set(['build', 'validate', 'diff', 'show', 'watch']);
const netgen = (args: string[], cwd?: string) => run('node', [CLI, ...args, ...(COLOURED.has(args[0]) && !args.includes('--help') ? ['--no-color'] : [])], { cwd });
const invOf = (b: Built, name: string) => path.join(path.dirname(b.outDir), `${name}.yaml`);

describe('netgen diff', () => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('exits 0 on a fresh build, 1 with file list and hunks after an inventory edit; --stat summarises', () => {
    built = buildExample('neutron-two-hosts');
    const inv = invOf(built, 'neutron-two-hosts');
    const same = netgen(['diff', inv, '-o', built.outDir]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/no differences/);
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('microsoft: { addresses: [10.1.0.5,', 'microsoft: { addresses: [10.1.0.7,'));
    const d = netgen(['diff', inv, '-o', built.outDir]);
    expect(d.status, d.stderr).toBe(1);
    expect(d.stdout).toMatch(/changed lab\/node02\/usr\/local\/lib\/netgen\/netns-up\.sh/);
    expect(d.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(d.stdout).toMatch(/^-.*10\.1\.0\.5\/24/m);
    expect(d.stdout).toMatch(/^\+.*10\.1\.0\.7\/24/m);
    expect(d.stdout).not.toMatch(/\x1b\[/);
    const stat = netgen(['diff', inv, '-o', built.outDir, '--stat']);
    expect(stat.status).toBe(1);
    expect(stat.stdout).toMatch(/files? changed \(0 added, \d+ changed, 0 removed\)/);
    expect(stat.stdout).not.toMatch(/^@@/m);
  });
});

describe('netgen build --host', () => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('rewrites one host and the inventory-wide files, keeps the others, and the manifest equals a full build', () => {
    built = buildExample('neutron-two-hosts');
    const inv = invOf(built, 'neutron-two-hosts');
    const node02 = built.abs('lab/node02/usr/local/lib/netgen/netns-up.sh');
    const before02 = statSync(node02).mtimeMs;
    // An edit that changes node01 and node02; building only node01 must leave node02 stale.
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('apple:     { addresses: [10.1.0.4,', 'apple:     { addresses: [10.1.0.9,'));
    const r = netgen(['build', inv, '-o', built.outDir, '--host', 'node01']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 host in/);
    expect(readFileSync(built.abs('lab/node01/usr/local/lib/netgen/netns-up.sh'), 'utf8')).toMatch(/10\.1\.0\.9\/24/);
    expect(statSync(node02).mtimeMs).toBe(before02);
    const manifest = JSON.parse(readFileSync(built.abs('manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
    // A full build into another directory: same file list; only node02's files differ in content.
    const full = path.join(path.dirname(built.outDir), 'full');
    expect(netgen(['build', inv, '-o', full, '-q']).status).toBe(0);
    const fullManifest = JSON.parse(readFileSync(path.join(full, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
    expect(manifest.files.map((f) => f.path)).toEqual(fullManifest.files.map((f) => f.path));
    const differing = manifest.files.filter((f, i) => f.sha256 !== fullManifest.files[i].sha256).map((f) => f.path);
    expect(differing.every((p) => p.startsWith('lab/node02/')), differing.join('\n')).toBe(true);
    // Then node02 alone: the tree equals the full build.
    expect(netgen(['build', inv, '-o', built.outDir, '--site', 'lab', '--host', 'node02', '-q']).status).toBe(0);
    expect(netgen(['diff', inv, '-o', built.outDir]).status).toBe(0);
    const bad = netgen(['build', inv, '-o', built.outDir, '--host', 'nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no host matches --host nope; hosts: lab\/node01, lab\/node02/);
  });
});

describe('netgen build --watch', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-watch-'));
  let child: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  });
  it('rebuilds on save and prints the summary or the diagnostics', async () => {
    const inv = path.join(tmp, 'lab.yaml');
    writeFileSync(inv, readFileSync(path.join(ROOT, 'inventories/neutron-two-hosts.yaml'), 'utf8'));
    child = spawn('node', [CLI, 'build', inv, '-o', path.join(tmp, 'out'), '--watch', '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const waitFor = async (re: RegExp, from: number) => {
      for (let i = 0; i < 300 && !re.test(out.slice(from)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out.slice(from), out).toMatch(re);
    };
    await waitFor(/watching/, 0);
    expect(out).toMatch(/\d+ written, 0 unchanged, 0 removed; 2 hosts/);
    let mark = out.length;
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('10.1.0.5,', '10.1.0.6,'));
    await waitFor(/changed, rebuilding[\s\S]*\d+ written, \d+ unchanged, 0 removed; 2 hosts/, mark);
    mark = out.length;
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('10.1.0.6,', '10.1.0.300,'));
    await waitFor(/lab\.yaml:\d+:\d+: error NG2006/, mark);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    expect(child.exitCode).toBe(0);
  });
});

describe('netgen show', () => {
  it("prints a host's artifacts and inventory lines, or template contexts, writing nothing", () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-show-'));
    try {
      const inv = path.join(ROOT, 'inventories/neutron-two-hosts.yaml');
      const r = netgen(['show', 'node01', inv], tmp);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^==> lab\/node01\/usr\/local\/lib\/netgen\/netns-up\.sh {2}\(netns, 0755\)$/m);
      expect(r.stdout).not.toMatch(/lab\/node02\//);
      expect(r.stdout).toMatch(/==> inventory lines that feed lab\/node01/);
      expect(r.stdout).toMatch(/neutron-two-hosts\.yaml:14\s+nic eth1/);
      const c = netgen(['show', 'lab/node01', inv, '--target', 'netns', '--context'], tmp);
      expect(c.status, c.stderr).toBe(0);
      const firstJson = c.stdout.split('==> ')[1];
      expect(firstJson).toMatch(/"namespaces": \[/);
      expect(c.stdout).not.toMatch(/target networkd/);
      expect(existsSync(path.join(tmp, 'out'))).toBe(false);
      expect(netgen(['show', 'nosuchhost', inv], tmp).status).toBe(2);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('netgen init', () => {
  it('writes a starter inventory pointing at the schema, which builds cleanly', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-init-'));
    try {
      expect(netgen(['init', tmp]).status).toBe(0);
      const text = readFileSync(path.join(tmp, 'inventories/site.yaml'), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/netgen.schema.json');
      expect(JSON.parse(readFileSync(path.join(tmp, 'schema/netgen.schema.json'), 'utf8')).title).toBe('netgen inventory');
      const b = netgen(['build'], tmp);
      expect(b.status, b.stderr).toBe(0);
      expect(b.stderr).toBe('');
      expect(existsSync(path.join(tmp, 'out/site/manifest.json'))).toBe(true);
      expect(netgen(['init', tmp]).status).toBe(2);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('help texts', () => {
  it.each(['build', 'validate', 'diff', 'show', 'init', 'watch', 'explain', 'schema'])('netgen %s --help has an example', (cmd) => {
    const r = netgen([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n\s+netgen /);
  });
});

describe('generated documentation', () => {
  it('docs/diagnostics.md and schema/netgen.schema.json match what the catalog and the validator produce', () => {
    const r = run('node', [path.join(ROOT, 'scripts/gen-docs.mjs'), '--check']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const schema = netgen(['schema']);
    expect(schema.stdout).toBe(readFileSync(path.join(ROOT, 'schema/netgen.schema.json'), 'utf8'));
  });
});

describe('netgen validate --format sarif', () => {
  it('reports diagnostics as SARIF 2.1.0 with rule, level and region', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-wf-sarif-'));
    try {
      writeFileSync(path.join(tmp, 'bad.yaml'), 'sites:\n  s:\n    hosts:\n      h1:\n        nics: { eth0: { adress: 10.0.0.1/24 } }\n');
      const r = run('node', [CLI, 'validate', 'bad.yaml', '--format', 'sarif'], { cwd: tmp });
      expect(r.status).toBe(1);
      const sarif = JSON.parse(r.stdout) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }> }> }> };
      expect(sarif.version).toBe('2.1.0');
      const res = sarif.runs[0].results.find((x) => x.ruleId === 'NG2001')!;
      expect(res.level).toBe('error');
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('bad.yaml');
      expect(res.locations[0].physicalLocation.region).toMatchObject({ startLine: 5, startColumn: 25 });
      expect(sarif.runs[0].tool.driver.rules.map((x) => x.id)).toContain('NG2001');
      const clean = run('node', [CLI, 'validate', path.join(ROOT, 'inventories/ganeti.yaml'), '--format', 'sarif']);
      expect(clean.status).toBe(0);
      expect((JSON.parse(clean.stdout) as { runs: Array<{ results: unknown[] }> }).runs[0].results).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
