import type { CheckContext, CheckResult, Outcome } from './checks.js';
import { stopListeners } from './checks.js';
import { commandLine, runAsync } from './exec.js';
import { heard, probeMany, startListeners, type Listener } from './probe.js';
import { placeArgv, placeName } from './state.js';
import type { PlaceRef } from './topology.js';

const ISOLATION_PORT = 7999;
const PARALLEL = 16;

interface TenantNs {
  tenant: string;
  place: PlaceRef;
  addrs: string[];
}

export async function pool<T>(items: Array<() => Promise<T>>, n: number): Promise<T[]> {
  const out: T[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await items[i]();
      }
    }),
  );
  return out;
}

/**
 * Isolation: from every namespace of tenant B, every address of tenant A is probed (TCP, and ICMP
 * where B itself has no such address). With overlapping CIDRs the same address usually exists in
 * B too and answers, so the verdict rests on WHO answered and WHO heard: every tenant namespace
 * runs a listener with its own marker, and a probe answered by A — or merely heard by A — fails
 * the check.
 */
export async function isolationCheck(
  ctx: CheckContext,
  tenants: string[],
  base: { commands: string[]; places: PlaceRef[] },
  res: (result: Outcome, detail: string, extra?: Partial<CheckResult>) => CheckResult,
): Promise<CheckResult> {
  const members: TenantNs[] = [];
  for (const h of ctx.model.hosts) {
    if (h.role !== 'linux') continue;
    for (const ns of h.namespaces) {
      if (!ns.tenant || !tenants.includes(ns.tenant)) continue;
      const addrs = ns.links.flatMap((l) => l.addresses.map((a) => a.cidr.text));
      members.push({ tenant: ns.tenant, place: { host: h.id, ns: ns.name }, addrs });
    }
  }
  const missing = tenants.filter((t) => !members.some((m) => m.tenant === t));
  if (missing.length) return res('fail', `no namespace of tenant ${missing.join(', ')} in the lab`);
  base.places.push(...members.map((m) => m.place));
  const listeners: Listener[] = [];
  try {
    listeners.push(...startListeners(ctx.s, members.map((m) => ({ place: m.place, proto: 'tcp' as const, addr: '', port: ISOLATION_PORT, marker: `iso:${m.tenant}:${placeName(m.place)}` }))));
    // Forget learned neighbours first: a cached MAC would hide a leak that only a fresh ARP/ND reveals.
    await Promise.all(members.map((m) => runAsync([...placeArgv(ctx.s, m.place), 'ip', 'neigh', 'flush', 'all'], { timeoutMs: 5000 })));
    const addrsOf = new Map<string, Set<string>>();
    for (const m of members) for (const a of m.addrs) (addrsOf.get(m.tenant) ?? addrsOf.set(m.tenant, new Set()).get(m.tenant)!).add(a);
    const jobs: Array<() => Promise<string[]>> = [];
    let probes = 0;
    let own = 0;
    let icmp = 0;
    for (const from of members) {
      const mine = addrsOf.get(from.tenant) ?? new Set<string>();
      const targets = [...new Set(tenants.filter((t) => t !== from.tenant).flatMap((t) => [...addrsOf.get(t)!]))].sort();
      probes += targets.length;
      const tag = `iso:${from.tenant}:${placeName(from.place)}`;
      jobs.push(async () => {
        const replies = await probeMany(ctx.s, from.place, 'tcp', targets, ISOLATION_PORT, tag);
        const bad: string[] = [];
        for (const [addr, answer] of replies) {
          if (answer.startsWith(`iso:${from.tenant}:`)) own++;
          else bad.push(`${placeName(from.place)} (${from.tenant}) reached ${addr} in ${answer.replace(/^iso:/, '')}`);
        }
        return bad;
      });
      // Addresses only other tenants have: not even an echo reply may come back.
      for (const addr of targets.filter((a) => !mine.has(a))) {
        icmp++;
        jobs.push(async () => {
          const r = await runAsync([...placeArgv(ctx.s, from.place), 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', addr], { timeoutMs: 10_000 });
          return r.status === 0 ? [`${placeName(from.place)} (${from.tenant}) got an echo reply from ${addr}`] : [];
        });
      }
    }
    const violations = (await pool(jobs, PARALLEL)).flat();
    for (const l of listeners) {
      const tenant = l.marker.split(':')[1];
      for (const h of heard(l)) {
        const fromTenant = h.tag.split(':')[1];
        if (fromTenant && fromTenant !== tenant) violations.push(`${l.marker.replace(/^iso:/, '')} heard a probe from ${h.tag.replace(/^iso:/, '')} (source ${h.source})`);
      }
    }
    const first = members[0];
    base.commands.push(`${commandLine(placeArgv(ctx.s, first.place))} <tcp probe> ADDRESS ${ISOLATION_PORT}   (${probes} probes, each tenant namespace listening with its own marker)`);
    if (violations.length) return res('fail', [...new Set(violations)].sort().join('; '));
    return res('pass', `${probes} probes across ${tenants.join(', ')}: ${own} answered by the prober's own tenant (same addresses), none by another; ${icmp} echo requests to other tenants' own addresses unanswered`);
  } finally {
    stopListeners(ctx.s, listeners);
  }
}
