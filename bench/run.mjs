// `npm run bench`: builds synthetic inventories of 10 … 10,000 hosts with the real CLI (one process
// per run), compares with the file-system floor and with `netplan generate`, prints a table and writes
// bench/results.json. See bench/README.md. Environment:
//   BENCH_SIZES=10,100,1000,10000  host counts     BENCH_RUNS=5   runs per measurement (≤ 2 at 10,000)
//   BENCH_DIR=/tmp/...             scratch dir      BENCH_NETPLAN=1000  VLANs/bridges for netplan (0: skip)
//   BENCH_MERGE=1                  keep the sizes of bench/results.json that this run does not measure
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInventory, generateNetplanPair } from './generate.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin/netgen.js');
const FLOOR = path.join(ROOT, 'bench/floor.mjs');
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000,10000').split(',').map(Number).filter((n) => n > 0);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NETPLAN_N = Number(process.env.BENCH_NETPLAN ?? 1000);
const MERGE = process.env.BENCH_MERGE === '1';
const RESULTS = path.join(ROOT, 'bench/results.json');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const scratch = process.env.BENCH_DIR ?? os.tmpdir();
mkdirSync(scratch, { recursive: true });
const work = mkdtempSync(path.join(scratch, 'netgen-bench-'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs a command as its own process; wall time in seconds, peak RSS in MiB (GNU time), stdout. */
function run(cmd, args, { allowFail = false } = {}) {
  const rssFile = path.join(work, 'rss.txt');
  const [c, a] = TIME ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  // Every measured run starts with no dirty pages left by the one before: the kernel writes them back
  // about 30 s later, and a run that met that writeback took up to five times as long (4,000 files:
  // 0.08 s or 0.48 s for the same floor).
  spawnSync('sync');
  const t0 = performance.now();
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`.slice(0, 4000));
  const rss = TIME && existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : NaN;
  return { wall, rss, stdout: r.stdout, status: r.status };
}

// As operators run it: the executable, whose first line starts Node as netgen wants (bin/netgen.js).
const netgen = (args, opts) => run(CLI, args, opts);

function stagesOf(stdout) {
  const m = /timings \(ms\): (.*)/.exec(stdout);
  const out = {};
  if (m) for (const part of m[1].split(', ')) {
    const [k, v] = part.split(' ');
    out[k] = Number(v) / 1000;
  }
  return out;
}

function countTree(dir) {
  let files = 0;
  let bytes = 0;
  (function walk(d) {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else {
        files++;
        bytes += readFileSync(path.join(d, e.name)).length;
      }
    }
  })(dir);
  return { files, bytes };
}

function log(s) {
  process.stderr.write(`${s}\n`);
}

function benchSize(hosts) {
  const runs = hosts >= 10000 ? Math.min(RUNS, 2) : RUNS;
  const dir = path.join(work, `h${hosts}`);
  mkdirSync(dir, { recursive: true });
  const inv = path.join(dir, 'bench.yaml');
  const textA = generateInventory(hosts, { seed: hosts });
  // A host that is not a Ceph admin host (the first of each site): moving an admin host's address would also
  // leave its cluster's mon_ip behind, a warning, and not the plain one-host edit this measures.
  const textB = generateInventory(hosts, { seed: hosts, changed: Math.floor(hosts / 2) + 1 });
  writeFileSync(inv, textA);
  const out = path.join(dir, 'out');
  log(`${hosts} hosts: inventory ${(textA.length / 1e6).toFixed(1)} MB, ${runs} run(s)`);
  netgen(['build', inv, '-o', out, '-q']); // warm-up; writes the allocation lock beside the inventory
  const { files, bytes } = countTree(out);

  const build = [];
  const floor = [];
  const rss = [];
  const stages = [];
  for (let i = 0; i < runs; i++) {
    // Build and floor alternate so that both see the same machine load. Each writes into a directory
    // of its own, removed only after the last run: on a file system mounted with `discard`, removing
    // 680,000 files keeps the disk busy for minutes, and the next measured run paid for it.
    const r = netgen(['build', inv, '-o', path.join(dir, `fresh-${i}`), '--timings']);
    build.push(r.wall);
    rss.push(r.rss);
    stages.push(stagesOf(r.stdout));
    floor.push(JSON.parse(run(process.execPath, [FLOOR, out, path.join(dir, `floor-${i}`)]).stdout).write_s);
  }
  for (let i = 0; i < runs; i++) for (const d of [`fresh-${i}`, `floor-${i}`]) rmSync(path.join(dir, d), { recursive: true, force: true });
  const noop = [];
  for (let i = 0; i < runs; i++) noop.push(netgen(['build', inv, '-o', out]).wall);
  const change = [];
  const changeRss = [];
  for (let i = 0; i < runs; i++) {
    writeFileSync(inv, i % 2 === 0 ? textB : textA); // each run moves one host's storage address
    const r = netgen(['build', inv, '-o', out]);
    if (i === 0) log(`  one-host change: ${r.stdout.trim()}`);
    change.push(r.wall);
    changeRss.push(r.rss);
  }
  writeFileSync(inv, textA);
  netgen(['build', inv, '-o', out, '-q']);
  // After an upgrade of netgen no fingerprint holds: everything is rendered again, and compared with the
  // old tree so that unchanged files are not rewritten. Its memory is the old tree's records beside a full
  // build's. Without the build state, that is what the build does; measured once.
  for (const f of readdirSync(dir)) if (f.endsWith('.netgen-state.json')) rmSync(path.join(dir, f));
  const rebuild = netgen(['build', inv, '-o', out, '-q']);
  const validate = [];
  for (let i = 0; i < runs; i++) validate.push(netgen(['validate', inv]).wall);
  const check = [];
  for (let i = 0; i < runs; i++) check.push(netgen(['build', '--check', inv, '-o', out, '-q']).wall);
  rmSync(dir, { recursive: true, force: true });
  const stageMedian = {};
  for (const k of Object.keys(stages[0] ?? {})) stageMedian[k] = round(median(stages.map((s) => s[k] ?? 0)));
  return {
    hosts,
    files,
    bytes,
    build_s: round(median(build)),
    build_min_s: round(Math.min(...build)),
    floor_s: round(median(floor)),
    noop_s: round(median(noop)),
    change_s: round(median(change)),
    validate_s: round(median(validate)),
    check_s: round(median(check)),
    peak_rss_mb: round(Math.max(...rss), 1),
    // A rebuild holds the old tree's records beside the model: its peak is measured too (printed only).
    change_rss_mb: round(Math.max(...changeRss), 1),
    rebuild_s: round(rebuild.wall),
    rebuild_rss_mb: round(rebuild.rss, 1),
    stages: stageMedian,
  };
}

function benchNetplan(n) {
  const has = spawnSync('netplan', ['--help'], { encoding: 'utf8' });
  if (has.error) {
    log('netplan not installed (Debian: apt-get install netplan.io): skipping the comparison');
    return undefined;
  }
  const dir = path.join(work, 'netplan');
  mkdirSync(dir, { recursive: true });
  const { inventory, netplan } = generateNetplanPair(n);
  const inv = path.join(dir, 'equal.yaml');
  writeFileSync(inv, inventory);
  log(`netplan: ${n} VLANs and ${n} bridges over one bond`);
  const ng = [];
  const np = [];
  const out = path.join(dir, 'out');
  let units = 0;
  netgen(['build', inv, '-o', out, '-q']); // warm-up
  for (let i = 0; i < RUNS; i++) {
    // Fresh directories, none removed before a measured run (see benchSize).
    ng.push(netgen(['build', inv, '-o', path.join(dir, `fresh-${i}`), '-q']).wall);
    const root = path.join(dir, `root-${i}`);
    mkdirSync(path.join(root, 'etc/netplan'), { recursive: true });
    writeFileSync(path.join(root, 'etc/netplan/50-bench.yaml'), netplan, { mode: 0o600 });
    np.push(run('netplan', ['generate', '--root-dir', root]).wall);
    units = readdirSync(path.join(root, 'run/systemd/network')).length;
  }
  const noop = [];
  for (let i = 0; i < RUNS; i++) noop.push(netgen(['build', inv, '-o', out, '-q']).wall);
  const netgenUnits = countTree(out).files - 1; // without manifest.json
  rmSync(dir, { recursive: true, force: true });
  return { units, netgen_units: netgenUnits, netgen_s: round(median(ng)), netgen_noop_s: round(median(noop)), netplan_s: round(median(np)) };
}

function table(rows) {
  const head = ['hosts', 'files', 'MB', 'build s', 'min s', 'floor s', 'build/floor', 'noop', 'change', 'validate s', 'check s', 'RSS MB', 'chg RSS', 'rebuild s', 'rbld RSS', 'load', 'valid.', 'resolve', 'plan', 'render', 'write'];
  const lines = rows.map((r) => [
    r.hosts, r.files, (r.bytes / 1e6).toFixed(1), r.build_s.toFixed(2), r.build_min_s.toFixed(2), r.floor_s.toFixed(2), (r.build_s / r.floor_s).toFixed(2),
    `${((100 * r.noop_s) / r.build_s).toFixed(0)}%`, `${((100 * r.change_s) / r.build_s).toFixed(0)}%`, r.validate_s.toFixed(2), r.check_s.toFixed(2), r.peak_rss_mb.toFixed(0), r.change_rss_mb.toFixed(0), r.rebuild_s.toFixed(2), r.rebuild_rss_mb.toFixed(0),
    ...['load', 'validate', 'resolve', 'plan', 'render', 'write'].map((k) => (r.stages[k] ?? 0).toFixed(2)),
  ].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

try {
  // The netplan comparison first, on a quiet disk: after the ladder, the disk was still writing back and
  // discarding the removed trees, netplan (which writes after it computes, on one thread) took 0.9 s
  // instead of 0.26 s, and netgen (which writes on a second thread while it renders) gained from that.
  const np = NETPLAN_N > 0 ? benchNetplan(NETPLAN_N) : undefined;
  const sizes = SIZES.map(benchSize);
  // results.json keeps exactly the documented shape; extra columns stay in the printed table.
  const results = {
    sizes: sizes.map(({ build_min_s, change_rss_mb, rebuild_s, rebuild_rss_mb, ...r }) => r),
    netplan: np ? { units: np.units, netgen_s: np.netgen_s, netgen_noop_s: np.netgen_noop_s, netplan_s: np.netplan_s } : null,
  };
  if (MERGE && existsSync(RESULTS)) {
    // Sizes (and the netplan comparison) not measured in this run are kept from the last results.
    const last = JSON.parse(readFileSync(RESULTS, 'utf8'));
    const measured = new Set(results.sizes.map((r) => r.hosts));
    results.sizes = [...results.sizes, ...(last.sizes ?? []).filter((r) => !measured.has(r.hosts))].sort((a, b) => a.hosts - b.hosts);
    results.netplan ??= last.netplan ?? null;
  }
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${table(sizes)}\n(stage columns in seconds; noop/change as % of a full build)\n`);
  const at = (h) => sizes.find((s) => s.hosts === h);
  if (at(1000) && at(10000)) {
    process.stdout.write(`1,000 → 10,000 hosts: time ×${(at(10000).build_s / at(1000).build_s).toFixed(2)}, peak RSS ×${(at(10000).peak_rss_mb / at(1000).peak_rss_mb).toFixed(2)}\n`);
  }
  if (np) {
    process.stdout.write(`netplan equal work (${NETPLAN_N} VLANs + ${NETPLAN_N} bridges on one bond; netplan ${np.units} units, netgen ${np.netgen_units}): netgen ${np.netgen_s.toFixed(3)}s, netplan generate ${np.netplan_s.toFixed(3)}s (×${(np.netplan_s / np.netgen_s).toFixed(2)}); netgen no-op ${np.netgen_noop_s.toFixed(3)}s (×${(np.netplan_s / np.netgen_noop_s).toFixed(1)} faster)\n`);
  }
  process.stdout.write(`written bench/results.json\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
