import type { Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import type { HostModel, Link, Model, Origin } from '../../model/types.js';
import { compile } from '../../pipeline/compile.js';
import { sharedPlanInput } from '../../plan/plan.js';
import { emitters } from '../../render/emitters/index.js';
import { LineIndex } from '../../render/emitters/docs/lines.js';
import { EXIT, type CommandContext } from '../context.js';
import { HostSelection } from '../host-selection.js';
import { findInventories } from '../inventories.js';
import { reportDiagnostics } from '../report.js';
import { reportOpts } from './build.js';

interface ShowFlags {
  target?: string;
  context?: boolean;
  templates?: string[];
  color?: boolean;
}

/** JSON for template contexts: bigints (addresses) as strings, Sets as arrays. */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}

/** Every inventory place that fed the host: the host itself, its links, addresses, routes, namespaces, tables. */
function originsOf(host: HostModel): Array<{ what: string; origin: Origin }> {
  const out: Array<{ what: string; origin: Origin }> = [{ what: `host ${host.name}`, origin: host.origin }];
  const link = (l: Link, where: string) => {
    out.push({ what: `${where}${l.kind} ${l.name}${l.derivedFrom ? ` (derived from ${l.derivedFrom})` : ''}`, origin: l.origin });
    for (const a of l.addresses) out.push({ what: `${where}address ${a.text} on ${l.name}${a.allocated ? ' (allocated)' : ''}`, origin: a.origin });
    for (const r of l.routes) out.push({ what: `${where}route ${r.to} on ${l.name}`, origin: r.origin });
    for (const r of l.rules) out.push({ what: `${where}rule table ${r.table} on ${l.name}`, origin: r.origin });
  };
  for (const l of host.links) link(l, '');
  for (const r of host.routes) out.push({ what: `route ${r.to}`, origin: r.origin });
  for (const r of host.rules) out.push({ what: `rule table ${r.table}`, origin: r.origin });
  for (const t of host.tables) out.push({ what: `table ${t.name} ${t.id}`, origin: t.origin });
  for (const ns of host.namespaces) {
    out.push({ what: `namespace ${ns.name}${ns.tenant ? ` (tenant ${ns.tenant})` : ''}`, origin: ns.origin });
    for (const l of ns.links) link(l, `${ns.name}: `);
    for (const r of ns.routes) out.push({ what: `${ns.name}: route ${r.to}`, origin: r.origin });
  }
  return out;
}

function printOrigins(model: Model, host: HostModel): void {
  const lines = new LineIndex(model.locator);
  const rows = originsOf(host).map((o) => ({ at: lines.at(o.origin), what: o.what }));
  const lineNo = (at: string) => Number(at.slice(at.lastIndexOf(':') + 1)) || 0;
  rows.sort((a, b) => lineNo(a.at) - lineNo(b.at) || (a.what < b.what ? -1 : 1));
  const width = Math.max(...rows.map((r) => r.at.length));
  process.stdout.write(`\n==> inventory lines that feed ${host.id}\n`);
  for (const r of rows) process.stdout.write(`${r.at.padEnd(width)}  ${r.what}\n`);
}

async function showHost(hostArg: string, inventories: string[], flags: ShowFlags): Promise<number> {
  for (const inv of inventories) {
    const sel = new HostSelection([], [hostArg]);
    const r = await compile(inv, { templateOverlays: flags.templates, onlyHosts: sel });
    if (reportDiagnostics(r.bag, r.loaded, reportOpts({ color: flags.color }))) return EXIT.errors;
    const model = r.model!;
    const host = model.hosts.find((h) => h.name === hostArg || h.id === hostArg);
    if (!host || !r.files || !r.manifest) continue;
    const known = new Set(emitters.map((e) => e.target));
    if (flags.target && !known.has(flags.target)) throw new UsageError(`unknown target '${flags.target}'; targets: ${[...known].join(', ')}`);
    const chosen = emitters.filter((e) => e.planHost && (!flags.target || e.target === flags.target));
    const shared = sharedPlanInput(model, emitters);
    const planned = chosen.flatMap((e) => e.planHost!(host, shared).map((p) => ({ ...p, target: e.target })));
    if (flags.context) {
      for (const p of planned) process.stdout.write(`==> ${p.path}  (target ${p.target}, template ${p.template ?? 'none'})\n${JSON.stringify(p.context ?? {}, jsonReplacer, 2)}\n\n`);
    } else {
      for (const p of planned) {
        const f = r.files.get(p.path);
        if (!f) continue;
        process.stdout.write(`==> ${p.path}  (${p.kind}, ${f.mode.toString(8).padStart(4, '0')})\n${f.content}\n`);
      }
    }
    printOrigins(model, host);
    return EXIT.ok;
  }
  throw new UsageError(`no host '${hostArg}' in ${inventories.join(', ')}`);
}

export function registerShow(program: Command, ctx: CommandContext): void {
  program
    .command('show')
    .description("print one host's artifacts (or the data each template receives) and the inventory lines that fed them; writes nothing")
    .argument('<host>', 'host name or site/host')
    .argument('[inventories...]', 'inventory files or directories (every inventories/*.yaml when none is given)')
    .option('--target <target>', 'only the artifacts of one target (networkd, netns, nftables, frr, ...)')
    .option('--context', 'print the template context of each artifact instead of its text')
    .option('-t, --templates <dir...>', 'template overlay directories (preview a template edit)')
    .option('--no-color', 'no colours in diagnostics')
    .addHelpText('after', '\nExamples:\n  netgen show node01 inventories/neutron-two-hosts.yaml\n  netgen show lab/node01 --target netns --context   # what netns templates receive\n  netgen show ceph01 -t overlay/                    # preview an overlay template\n')
    .action(async (host: string, invs: string[], flags: ShowFlags) => {
      ctx.setExit(await showHost(host, findInventories(invs), flags));
    });
}
