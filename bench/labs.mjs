// `sudo npm run bench:labs`: runs `netgen lab` over the five example inventories one after the other
// (the real CLI, one process each, as CI would), prints per-lab and total wall time and writes
// bench/labs.json. Issue 6's bar: all five together under 60 s on a 2-core machine.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin/netgen.js');
const EXAMPLES = ['neutron-two-hosts', 'ganeti', 'vserver-zones', 'proxmox-vyos-ceph', 'stretched-sites'];
const BAR_S = 60;

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/labs.mjs needs root (network namespaces): sudo npm run bench:labs\n');
  process.exit(2);
}

const labs = [];
const t0 = performance.now();
for (const name of EXAMPLES) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'lab', path.join(ROOT, 'inventories', `${name}.yaml`), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t) / 1000;
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`netgen lab ${name} exited ${r.status} without a report:\n${r.stderr}`);
  }
  labs.push({ name, wall_s: Math.round(wall * 100) / 100, up_s: report.seconds.up, checks_s: report.seconds.checks, down_s: report.seconds.down, checks: report.checks.length, passed: report.passed, failed: report.failed, limited: report.limited ?? 0 });
}
const total = Math.round(((performance.now() - t0) / 1000) * 100) / 100;
const results = { cpus: os.cpus().length, total_s: total, bar_s: BAR_S, labs };
writeFileSync(path.join(ROOT, 'bench/labs.json'), `${JSON.stringify(results, null, 2)}\n`);
const fmt = (x) => (typeof x === 'number' ? x.toFixed(2) : String(x));
process.stdout.write(`${['lab', 'wall s', 'up s', 'checks s', 'down s', 'checks', 'passed', 'failed', 'limited'].join('\t')}\n`);
for (const l of labs) process.stdout.write(`${[l.name, fmt(l.wall_s), fmt(l.up_s), fmt(l.checks_s), fmt(l.down_s), l.checks, l.passed, l.failed, l.limited].join('\t')}\n`);
process.stdout.write(`all five: ${total.toFixed(2)} s on ${results.cpus} CPUs (bar ${BAR_S} s); written bench/labs.json\n`);
process.exit(total < BAR_S && labs.every((l) => l.failed === 0) ? 0 : 1);
