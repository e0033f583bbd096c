import type { CheckResult } from './checks.js';
import type { LabState } from './state.js';

export interface LabReport {
  inventory: string;
  prefix: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Generated units this machine's kernel cannot load (not a failure, not a pass). */
  limited: number;
  seconds: { up: number; checks: number; down: number };
  checks: Array<CheckResult & { state?: string }>;
  standIns: string[];
  notes: string[];
}

export function makeReport(s: LabState, checks: Array<CheckResult & { state?: string }>, seconds: LabReport['seconds']): LabReport {
  const count = (r: string) => checks.filter((c) => c.result === r).length;
  return {
    inventory: s.inventory,
    prefix: s.prefix,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    limited: count('limited'),
    seconds,
    checks,
    standIns: s.standIns.map((x) => `${x.netns}: ${x.reason}`),
    notes: s.notes,
  };
}

/** The table: result, check, the command behind it; details under each row; state of the places of failed checks. */
export function formatReport(r: LabReport): string {
  const lines: string[] = [];
  const w = Math.min(48, Math.max(5, ...r.checks.map((c) => c.name.length)));
  lines.push(`${'RESULT'.padEnd(6)}  ${'CHECK'.padEnd(w)}  COMMAND`);
  for (const c of r.checks) {
    const [first, ...rest] = c.commands.length ? c.commands : ['-'];
    lines.push(`${(c.result === 'limited' ? 'LIMIT' : c.result.toUpperCase()).padEnd(6)}  ${c.name.padEnd(w)}  ${first}`);
    for (const more of rest) lines.push(`${''.padEnd(6)}  ${''.padEnd(w)}  ${more}`);
    lines.push(`${''.padEnd(6)}  ${c.detail}`);
  }
  for (const c of r.checks.filter((x) => x.state)) lines.push('', `state for failed check "${c.name}":`, c.state!);
  if (r.standIns.length || r.notes.length) {
    lines.push('', 'stand-ins (not the real thing):');
    for (const s of r.standIns) lines.push(`  ${s}`);
    for (const n of r.notes) lines.push(`  ${n}`);
  }
  lines.push('', `${r.checks.length} checks: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.limited ? `, ${r.limited} not loadable on this kernel` : ''} (up ${r.seconds.up.toFixed(1)}s, checks ${r.seconds.checks.toFixed(1)}s, down ${r.seconds.down.toFixed(1)}s)`);
  return `${lines.join('\n')}\n`;
}
