import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type CompileResult } from '../pipeline/compile.js';
import { writeTree } from '../write/writer.js';
import { buildLab, destroyLab, NETWORKD_CANDIDATES, runHostScripts, UP_SCRIPT } from './bringup.js';
import { addressOwners, runCheck, type CheckResult } from './checks.js';
import { EndpointResolver } from './endpoints.js';
import { LabError, runAsync, runSync, toolPath } from './exec.js';
import { hostUnits, startUnits, sysctlFiles } from './services.js';
import { loadState, ours, placeArgv, placeName, removeState, saveState, type LabState } from './state.js';
import { buildTopology } from './topology.js';
import { FRR_DAEMONS, frrStandInPlan, startFrrStandIn } from './frr-standin.js';
import type { Model } from '../model/types.js';
import type { CheckInput } from '../schema/inventory.js';

/** Tools every lab needs; the lab stops before creating anything when one is missing. */
const TOOLS: Array<[string, string]> = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['ping', 'iputils-ping'],
  ['bash', 'bash'],
];

/** Root, the tools, and (per inventory) the tools its checks need. Returns what is missing, as sentences. */
export function missingRequirements(needs: { vtysh?: boolean; busybox?: boolean } = {}): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network and mount namespaces): run it with sudo');
  const tools = [...TOOLS];
  if (needs.vtysh) tools.push(['vtysh', 'frr']);
  if (needs.busybox) tools.push(['busybox', 'busybox']);
  for (const [cmd, pkg] of tools) if (!toolPath(cmd)) missing.push(`${cmd} (apt-get install ${pkg})`);
  if (!NETWORKD_CANDIDATES.some(existsSync)) missing.push('systemd-networkd (apt-get install systemd)');
  return missing;
}

/** compile(): its semantic checks include NG6004 for the `checks:` section (validateChecks). */
export async function compileForLab(inventory: string): Promise<CompileResult> {
  return compile(inventory);
}

function requirementsFor(r: CompileResult): string[] {
  const checks = r.model?.checks ?? [];
  const routers = (r.model?.hosts ?? []).some((h) => h.role !== 'linux' && (h.input.bgp || Object.values(h.input.vrfs ?? {}).some((v) => v?.bgp)));
  const missing = missingRequirements({ vtysh: checks.some((c) => c.bgp) || routers, busybox: checks.some((c) => c.dhcp) });
  if (routers && !existsSync(path.join(FRR_DAEMONS, 'bgpd'))) missing.push(`${FRR_DAEMONS}/bgpd for the router stand-ins (apt-get install frr)`);
  return missing;
}

/**
 * Brings the lab up: artifacts into a temporary tree, simulated hosts with networkd, wires and
 * stand-ins, then every host's generated up script. A second `up` of a live lab re-runs the
 * scripts (they are idempotent) and changes nothing else.
 */
export async function labUp(inventory: string, r: CompileResult, opts: { prefix?: string } = {}): Promise<LabState> {
  if (!r.model || !r.files || !r.manifest) throw new LabError('the inventory did not compile');
  const missing = requirementsFor(r);
  if (missing.length) throw new LabError(`netgen lab needs ${missing.join(', ')}`);
  const invAbs = path.resolve(inventory);
  const existing = loadState(invAbs);
  if (existing && existing.hosts.every((h) => ours(existing, h.holderPid))) {
    await upScripts(existing);
    return existing;
  }
  if (existing) await labDown(existing);
  const prefix = opts.prefix ?? `ngl-${process.pid}`;
  const workdir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const outDir = path.join(workdir, 'out');
  writeTree(outDir, r.files);
  const kinds: Record<string, string[]> = {};
  for (const f of r.manifest) if (f.site && f.host) (kinds[`${f.site}/${f.host}`] ??= []).includes(f.kind) || kinds[`${f.site}/${f.host}`].push(f.kind);
  const topo = buildTopology(r.model);
  const s: LabState = { version: 1, prefix, inventory: invAbs, workdir, outDir, hosts: [], standIns: [], segments: topo.segments, notes: topo.notes, netns: [], pids: [], kinds, unitFailures: [], starts: {} };
  const save = () => saveState(s);
  save();
  try {
    buildLab(s, topo, save);
    startRouterStandIns(s, r.model);
    save();
    const units = new Map(s.hosts.map((h) => [h.id, hostUnits(h)]));
    await Promise.all(
      s.hosts.map(async (h) => {
        for (const f of sysctlFiles(h)) await runAsync([...placeArgv(s, { host: h.id }), 'sysctl', '-q', '-p', f]);
        await startUnits(s, h, units.get(h.id)!.before);
      }),
    );
    await upScripts(s);
    await Promise.all(s.hosts.map((h) => startUnits(s, h, units.get(h.id)!.after)));
    save();
  } catch (e) {
    await labDown(s);
    throw e;
  }
  return s;
}

/** Routers that cannot run here keep their BGP peerings with the lab: their stand-ins run FRR. */
function startRouterStandIns(s: LabState, model: Model): void {
  const owners = addressOwners(model, s);
  const inLab = (a: string) => (owners.get(a) ?? []).some((p) => !('standin' in p));
  for (const st of s.standIns) {
    const host = st.hostId ? model.hosts.find((h) => h.id === st.hostId) : undefined;
    const plan = host && frrStandInPlan(model, host, inLab);
    if (!plan) continue;
    startFrrStandIn(s, st, plan);
    st.reason = `${plan.summary}; addresses from the inventory, its ${host.role} configuration does not run here`;
  }
}

async function upScripts(s: LabState): Promise<void> {
  const results = await runHostScripts(s, UP_SCRIPT);
  const failed = results.filter((x) => x.result.status !== 0);
  if (failed.length) {
    const logs = failed.map((f) => {
      const h = s.hosts.find((x) => x.id === f.host)!;
      const nd = runSync(['tail', '-n', '15', path.join(s.workdir, `host-${h.short}`, 'networkd.log')]).stdout;
      return `${f.host}: ${f.result.command} exited ${f.result.status}\n${f.result.stderr.trim().split('\n').slice(-8).join('\n')}\nnetworkd (last lines):\n${nd}`;
    });
    throw new LabError(`the generated up script failed:\n${logs.join('\n')}`);
  }
}

export async function labCheck(s: LabState, r: CompileResult): Promise<CheckResult[]> {
  if (!r.model) throw new LabError('the inventory did not compile');
  const ctx = { s, model: r.model, resolver: new EndpointResolver(r.model), owners: addressOwners(r.model, s) };
  const results: CheckResult[] = [];
  // reach first (it waits for the lab to settle), then the checks that expect silence.
  const byIndex = new Map<number, CheckResult>();
  const all = r.model.checks.map((c, i) => ({ c, i }));
  for (const phase of [all.filter((x) => x.c.reach), all.filter((x) => !x.c.reach)]) {
    await runConcurrently(phase, async ({ c, i }) => void byIndex.set(i, await runCheck(ctx, c)));
  }
  for (const f of s.unitFailures) {
    results.push({ name: `${f.unit} starts on ${f.host}`, kind: 'reach', result: 'fail', commands: [f.unit], detail: f.message, places: [{ host: f.host }] });
  }
  const limits = s.limitations ?? [];
  for (const f of limits) {
    results.push({ name: `${f.unit} on ${f.host}`, kind: 'reach', result: 'limited', commands: [f.unit], detail: `${f.message}: a limitation of this machine, its rules are not in force in the lab`, places: [] });
  }
  for (let i = 0; i < r.model.checks.length; i++) {
    const c = byIndex.get(i)!;
    // A check that involves a host whose unit could not load says so: its verdict lacks those rules.
    const hit = limits.filter((f) => c.places.some((p) => 'host' in p && p.host === f.host));
    if (hit.length) c.detail += ` [note: ${hit.map((f) => `${f.unit} on ${f.host} is ${f.message}`).join('; ')}, so this result does not include its rules]`;
    results.push(c);
  }
  saveState(s);
  return results;
}

/**
 * What a check listens on: two checks with the same key would share a port (and hear each other's
 * probes), so they run one after the other. Isolation listens on every tenant namespace: alone.
 */
function listenerKey(c: CheckInput): string | undefined {
  const r = c.reach ?? c.no_reach;
  if (r && (r.port || (r.proto && r.proto !== 'icmp'))) return `${r.proto ?? 'tcp'} ${r.to} ${r.port ?? ''}`;
  if (c.snat) return `${c.snat.proto ?? 'tcp'} ${c.snat.address} ${c.snat.port ?? ''}`;
  if (c.isolation) return 'isolation';
  return undefined;
}

/**
 * Runs checks at once, except those sharing a listener key (in order, one chain per key) and
 * isolation (after the rest, alone): most of a lab's time is probes waiting for silence.
 */
async function runConcurrently<T extends { c: CheckInput; i: number }>(items: T[], run: (x: T) => Promise<void>): Promise<void> {
  const chains = new Map<string, T[]>();
  const alone: T[] = [];
  for (const x of items) {
    const key = listenerKey(x.c) ?? `#${x.i}`;
    if (key === 'isolation') alone.push(x);
    else chains.set(key, [...(chains.get(key) ?? []), x]);
  }
  await Promise.all([...chains.values()].map(async (chain) => {
    for (const x of chain) await run(x);
  }));
  for (const x of alone) await run(x);
}

export async function labDown(s: LabState): Promise<string[]> {
  const problems = await destroyLab(s);
  removeState(s.inventory);
  return problems;
}

export function stateOf(inventory: string): LabState | undefined {
  return loadState(path.resolve(inventory));
}

/** The state of the places a failed check involved: addresses, routes, nftables counters. */
export function describePlaces(s: LabState, places: Parameters<typeof placeArgv>[1][]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const nft = toolPath('nft');
  for (const p of places) {
    const key = placeName(p);
    if (seen.has(key)) continue;
    seen.add(key);
    const argv = placeArgv(s, p);
    out.push(`--- ${key}`);
    out.push(runSync([...argv, 'ip', '-br', 'addr'], { timeoutMs: 5000 }).stdout.trimEnd());
    const routes = runSync([...argv, 'ip', 'route', 'show', 'table', 'all'], { timeoutMs: 5000 }).stdout.split('\n').filter((l) => l && !/^(local|broadcast|multicast) /.test(l));
    out.push(...routes.map((l) => `route ${l}`));
    if (nft) {
      const rules = runSync([...argv, 'nft', 'list', 'ruleset'], { timeoutMs: 5000 }).stdout.trim();
      if (rules) out.push(rules);
    }
  }
  return out.join('\n');
}
