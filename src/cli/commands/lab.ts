import type { Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import type { CheckResult } from '../../lab/checks.js';
import { LabError } from '../../lab/exec.js';
import { compileForLab, describePlaces, labCheck, labDown, labUp, missingRequirements, stateOf } from '../../lab/lab.js';
import { formatReport, makeReport } from '../../lab/report.js';
import type { LabState } from '../../lab/state.js';
import { reportDiagnostics } from '../report.js';
import { EXIT, type CommandContext } from '../context.js';

interface LabFlags {
  keep?: boolean;
  json?: boolean;
  strict?: boolean;
  color?: boolean;
}

const ACTIONS = ['up', 'check', 'down'] as const;
type Action = (typeof ACTIONS)[number] | 'run';

/** Tears the lab down on Ctrl-C or SIGTERM while it is being built or checked. */
function onInterrupt(get: () => LabState | undefined): () => void {
  const handler = (sig: NodeJS.Signals) => {
    const s = get();
    process.stderr.write(`netgen lab: ${sig}, tearing the lab down\n`);
    void (s ? labDown(s) : Promise.resolve([])).finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function withState(s: LabState, results: CheckResult[]): Array<CheckResult & { state?: string }> {
  return results.map((r) => (r.result === 'fail' && r.places.length ? { ...r, state: describePlaces(s, r.places) } : r));
}

async function act(action: Action, inventory: string, flags: LabFlags): Promise<number> {
  if (action === 'down') {
    const s = stateOf(inventory);
    if (!s) {
      process.stdout.write(`no lab is up for ${inventory}\n`);
      return EXIT.ok;
    }
    const problems = await labDown(s);
    for (const p of problems) process.stderr.write(`netgen lab: could not remove ${p}\n`);
    if (!flags.json) process.stdout.write(`lab ${s.prefix} is down\n`);
    return problems.length ? EXIT.errors : EXIT.ok;
  }
  const missing = missingRequirements();
  if (missing.length) throw new UsageError(`netgen lab needs ${missing.join(', ')}`);
  const r = await compileForLab(inventory);
  if (reportDiagnostics(r.bag, r.loaded, { format: flags.json ? 'json' : 'text', color: flags.color ?? (process.stderr.isTTY && !process.env.NO_COLOR) })) return EXIT.errors;
  let state: LabState | undefined = action === 'check' ? stateOf(inventory) : undefined;
  if (action === 'check' && !state) throw new UsageError(`no lab is up for ${inventory}: run netgen lab up ${inventory} first`);
  const release = onInterrupt(() => state ?? stateOf(inventory));
  const t0 = performance.now();
  try {
    if (action !== 'check') state = await labUp(inventory, r);
    const t1 = performance.now();
    if (action === 'up') {
      process.stdout.write(upSummary(state!, (t1 - t0) / 1000));
      return EXIT.ok;
    }
    const results = withState(state!, await labCheck(state!, r));
    const t2 = performance.now();
    if (action === 'run' && !flags.keep) await labDown(state!);
    const t3 = performance.now();
    const report = makeReport(state!, results, { up: (t1 - t0) / 1000, checks: (t2 - t1) / 1000, down: (t3 - t2) / 1000 });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (action === 'run' && flags.keep && !flags.json) process.stdout.write(`lab ${state!.prefix} kept: netgen lab down ${inventory}\n`);
    return report.failed || (flags.strict && report.skipped) ? EXIT.errors : EXIT.ok;
  } catch (e) {
    if (e instanceof LabError) {
      process.stderr.write(`netgen lab: ${e.message}\n`);
      return EXIT.errors;
    }
    const s = state ?? stateOf(inventory);
    if (s && action === 'run') await labDown(s);
    throw e;
  } finally {
    release();
  }
}

function upSummary(s: LabState, secs: number): string {
  const lines = [`lab ${s.prefix} is up in ${secs.toFixed(1)}s`];
  for (const h of s.hosts) lines.push(`  ${h.id}: nsenter -t ${h.holderPid} -m -n bash    (then ip netns exec NAME ...)`);
  for (const x of s.standIns) lines.push(`  stand-in ${x.netns}: ${x.reason}`);
  for (const n of s.notes) lines.push(`  stand-in: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function registerLab(program: Command, ctx: CommandContext): void {
  program
    .command('lab')
    .description('prove the inventory\'s checks in network namespaces: up, check, down (needs root)')
    .argument('<args...>', '[up|check|down] INVENTORY')
    .option('--keep', 'leave the lab up after the checks (netgen lab down INVENTORY removes it)')
    .option('--json', 'print the report as JSON (for CI)')
    .option('--strict', 'a skipped check (its artifacts are not built yet) counts as a failure')
    .option('--no-color', 'no colours in diagnostics')
    .addHelpText('after', '\nExamples:\n  sudo netgen lab inventories/neutron-two-hosts.yaml      # up, check, down; exit 1 if a check fails\n  sudo netgen lab up inventories/ganeti.yaml              # then poke around with nsenter / ip netns exec\n  sudo netgen lab check inventories/ganeti.yaml --json\n  sudo netgen lab down inventories/ganeti.yaml\n')
    .action(async (args: string[], flags: LabFlags) => {
      const action: Action = (ACTIONS as readonly string[]).includes(args[0]) && args.length > 1 ? (args[0] as Action) : 'run';
      const invs = action === 'run' ? args : args.slice(1);
      if (invs.length !== 1) throw new UsageError('netgen lab takes one inventory: netgen lab [up|check|down] INVENTORY');
      ctx.setExit(await act(action, invs[0], flags));
    });
}
