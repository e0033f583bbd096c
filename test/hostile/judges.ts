import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';
import { nftCheck } from '../tools/nftables-lib.js';

export interface ManifestFile {
  path: string;
  kind: string;
  mode: string;
}

export function readManifest(outDir: string): ManifestFile[] {
  return (JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as { files: ManifestFile[] }).files;
}

export function isScript(f: ManifestFile): boolean {
  return f.path.endsWith('.sh') || f.mode === '0755';
}

/** bash -n and shellcheck on every script; returns problems (empty when clean). */
export function judgeScripts(outDir: string, files: ManifestFile[]): string[] {
  const problems: string[] = [];
  const scripts = files.filter(isScript).map((f) => path.join(outDir, f.path));
  for (const s of scripts) {
    const n = run('bash', ['-n', s]);
    if (n.status !== 0) problems.push(`bash -n ${s}: ${n.stderr}`);
  }
  if (scripts.length) {
    const r = run('shellcheck', ['--severity=style', '--shell=bash', ...scripts]);
    if (r.status !== 0) problems.push(`shellcheck:\n${r.stdout}${r.stderr}`);
  }
  return problems;
}

/** The slower judges, for every kind present: networkd-check, nft -c, vtysh --dryrun, vyos-check, dnsmasq --test. */
export function judgeSlow(outDir: string, files: ManifestFile[], nftNs: string): string[] {
  const problems: string[] = [];
  const abs = (f: ManifestFile) => path.join(outDir, f.path);
  const networkDirs = [...new Set(files.filter((f) => f.kind === 'networkd' && f.path.includes('/etc/systemd/network/')).map((f) => path.dirname(f.path)))];
  for (const dir of networkDirs) {
    const r = run(path.join(SHARED, 'networkd/networkd-check'), [path.join(outDir, dir), '3']);
    if (!/networkd-check: 0 unit warning\(s\)/.test(r.stdout + r.stderr) || r.status !== 0) problems.push(`networkd-check ${dir}:\n${r.stdout}${r.stderr}`);
  }
  for (const f of files.filter((x) => x.kind === 'nftables' && x.path.endsWith('.nft'))) {
    requireTool('nft', 'nftables');
    const r = nftCheck(nftNs, abs(f));
    if (!r.ok) problems.push(`nft -c ${f.path}: ${r.errors.join('\n')}`);
  }
  for (const f of files.filter((x) => x.kind === 'frr' && x.path.endsWith('frr.conf'))) {
    requireTool('vtysh', 'frr');
    const r = run('vtysh', ['--dryrun', '-f', abs(f)]);
    if (r.status !== 0 || (r.stdout + r.stderr).trim()) problems.push(`vtysh --dryrun ${f.path}: ${r.stdout}${r.stderr}`);
  }
  const vyosCheck = path.join(SHARED, 'vyos/vyos-check.mjs');
  for (const f of files.filter((x) => x.kind === 'vyos' && !isScript(x))) {
    if (!existsSync(vyosCheck)) break;
    const r = run('node', [vyosCheck, abs(f)]);
    const m = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout);
    if (!m || m[2] !== '0') problems.push(`vyos-check ${f.path}: ${r.stdout}${r.stderr}`);
  }
  for (const f of files.filter((x) => x.kind === 'dnsmasq' && x.path.endsWith('.conf'))) {
    requireTool('dnsmasq', 'dnsmasq-base');
    const r = run('dnsmasq', ['--test', '-C', abs(f)]);
    if (r.status !== 0) problems.push(`dnsmasq --test ${f.path}: ${r.stderr}`);
  }
  return problems;
}
