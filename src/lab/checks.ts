import type { Model } from '../model/types.js';
import { parseAddress } from '../net/ip.js';
import type { CheckInput } from '../schema/inventory.js';
import { isolationCheck } from './isolation.js';
import { checkKind, EndpointResolver, type CheckKind } from './endpoints.js';
import { commandLine, killPids, LabError, runAsync, type RunResult } from './exec.js';
import { heard, probe, startListener, startListeners, type Listener } from './probe.js';
import { placeArgv, placeName, type LabState } from './state.js';
import type { PlaceRef } from './topology.js';

/** `limited`: a generated unit this machine's kernel cannot load (listed, neither a pass nor a failure). */
export type Outcome = 'pass' | 'fail' | 'skip' | 'limited';

export interface CheckResult {
  name: string;
  kind: CheckKind;
  result: Outcome;
  /** The commands behind the verdict, as a user would run them. */
  commands: string[];
  detail: string;
  /** Places whose state is shown when the check fails. */
  places: PlaceRef[];
}

export interface CheckContext {
  s: LabState;
  model: Model;
  resolver: EndpointResolver;
  /** address text -> places that hold it (several with overlapping tenant CIDRs). */
  owners: Map<string, PlaceRef[]>;
}

/** Reach checks retry until this deadline: networkd and IPv6 DAD may still be settling right after `up`. */
const REACH_DEADLINE_MS = 8000;
const BGP_DEADLINE_MS = 12_000;
const DEFAULT_PORT = 7;
const DHCP_ATTEMPTS = 10;

export function addressOwners(model: Model, s: LabState): Map<string, PlaceRef[]> {
  const owners = new Map<string, PlaceRef[]>();
  const add = (text: string, place: PlaceRef) => {
    const list = owners.get(text);
    if (list) list.push(place);
    else owners.set(text, [place]);
  };
  for (const h of model.hosts) {
    if (h.role !== 'linux') continue;
    for (const l of h.links) for (const a of l.addresses) add(a.cidr.text, { host: h.id });
    for (const ns of h.namespaces) {
      for (const l of ns.links) {
        for (const a of l.addresses) add(a.cidr.text, { host: h.id, ns: ns.name });
        for (const a of l.veth?.peerAddresses ?? []) add(a.cidr.text, { host: h.id });
      }
    }
  }
  for (const seg of s.segments) for (const p of seg.ports) if ('standin' in p.place) for (const a of p.addresses) add(a.split('/')[0], p.place);
  return owners;
}

export function checkName(c: CheckInput, kind: CheckKind): string {
  if (c.name) return c.name;
  const b = c[kind] as Record<string, unknown>;
  if (kind === 'isolation') return `isolation ${(b.tenants as string[]).join(' / ')}`;
  const parts = ['from', 'on', 'to', 'source', 'address', 'peer', 'server'].filter((k) => b[k] !== undefined).map((k) => `${k} ${b[k]}`);
  return `${kind} ${parts.join(' ')}${b.port ? ` ${b.proto ?? 'tcp'}/${b.port}` : ''}`;
}

export async function runCheck(ctx: CheckContext, c: CheckInput): Promise<CheckResult> {
  const kind = checkKind(c)!;
  const base = { name: checkName(c, kind), kind, commands: [] as string[], places: [] as PlaceRef[] };
  const res = (result: Outcome, detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({ ...base, ...extra, result, detail });
  switch (kind) {
    case 'reach':
    case 'no_reach': {
      const r = c[kind]!;
      const from = ctx.resolver.resolve(r.from);
      if (!from.ok) return res('fail', from.message);
      base.places.push(from.place);
      const proto = r.proto ?? (r.port ? 'tcp' : 'icmp');
      const expect = kind === 'reach';
      const source = r.source ? (parseAddress(r.source)?.text ?? r.source) : undefined;
      const added = source ? await ensureSource(ctx.s, from.place, source) : undefined;
      if (added) base.commands.push(added.command);
      let outcome: { ok: boolean; detail: string; commands: string[] };
      try {
        outcome = proto === 'icmp' ? await ping(ctx, from.place, r.to, expect, source) : await portProbe(ctx, from.place, r.to, proto, r.port ?? DEFAULT_PORT, expect, source);
      } finally {
        if (added) await runAsync(added.undo, { timeoutMs: 5000 });
      }
      base.commands.push(...outcome.commands);
      base.places.push(...(ctx.owners.get(parseAddress(r.to)?.text ?? r.to) ?? []));
      return res(outcome.ok === expect ? 'pass' : 'fail', outcome.detail);
    }
    case 'snat':
      return snatCheck(ctx, c.snat!, base, res);
    case 'bgp':
      return bgpCheck(ctx, c.bgp!, base, res);
    case 'dhcp':
      return dhcpCheck(ctx, c.dhcp!, base, res);
    case 'isolation':
      return isolationCheck(ctx, c.isolation!.tenants, base, res);
  }
}

type Res = (result: Outcome, detail: string, extra?: Partial<CheckResult>) => CheckResult;
type Base = { commands: string[]; places: PlaceRef[] };

/**
 * A source address for a probe: when the place lacks it (a spoofed source), it is added to lo for
 * the probe only, so the kernel lets the probe send from it; `undo` removes it again.
 */
async function ensureSource(s: LabState, place: PlaceRef, source: string): Promise<{ command: string; undo: string[] } | undefined> {
  const argv = placeArgv(s, place);
  const have = await runAsync([...argv, 'ip', '-o', 'addr', 'show'], { timeoutMs: 5000 });
  if (have.stdout.split(/\s+/).some((w) => w.split('/')[0] === source)) return undefined;
  const v6 = source.includes(':');
  const cidr = `${source}/${v6 ? 128 : 32}`;
  const add = [...argv, 'ip', 'addr', 'add', cidr, 'dev', 'lo', ...(v6 ? ['nodad'] : [])];
  const r = await runAsync(add, { timeoutMs: 5000 });
  if (r.status !== 0) throw new LabError(`could not add the probe's source address: ${r.command}: ${r.stderr.trim()}`);
  return { command: `${r.command}   (source for the probe, removed after it)`, undo: [...argv, 'ip', 'addr', 'del', cidr, 'dev', 'lo'] };
}

/** reach: ping until a reply or the deadline; no_reach: a fixed number of echoes, none may be answered. */
async function ping(ctx: CheckContext, from: PlaceRef, to: string, expect: boolean, source?: string): Promise<{ ok: boolean; detail: string; commands: string[] }> {
  const argv = [...placeArgv(ctx.s, from), 'ping', '-n', '-c', expect ? '1' : '3', '-i', '0.2', '-W', '1', ...(source ? ['-I', source] : []), to];
  const until = Date.now() + (expect ? REACH_DEADLINE_MS : 0);
  let r: RunResult;
  do {
    r = await runAsync(argv, { timeoutMs: 10_000 });
  } while (r.status !== 0 && Date.now() < until);
  const summary = r.stdout.split('\n').find((l) => l.includes('packets transmitted')) ?? (r.stderr.trim() || `exit ${r.status}`);
  return { ok: r.status === 0, detail: `${placeName(from)} -> ${to}: ${summary.trim()}`, commands: [r.command] };
}

function listenersFor(ctx: CheckContext, to: string, proto: 'tcp' | 'udp', port: number): Listener[] {
  const places = ctx.owners.get(parseAddress(to)?.text ?? to) ?? [];
  return startListeners(ctx.s, places.map((place) => ({ place, proto, addr: to, port, marker: `at:${placeName(place)}` })));
}

async function portProbe(ctx: CheckContext, from: PlaceRef, to: string, proto: 'tcp' | 'udp', port: number, expect: boolean, source = '') {
  const listeners = listenersFor(ctx, to, proto, port);
  try {
    if (listeners.length === 0) return { ok: false, detail: `no place in the lab holds ${to}, so nothing listens on it`, commands: [] };
    const tag = probeTag('from', from);
    const until = Date.now() + (expect ? REACH_DEADLINE_MS : 0);
    let r: RunResult;
    do {
      r = await probe(ctx.s, from, proto, to, port, tag, 1500, source);
    } while (r.status !== 0 && Date.now() < until);
    const seenBy = listeners.filter((l) => heard(l).some((h) => h.tag === tag)).map((l) => placeName(l.place));
    const command = `${commandLine(placeArgv(ctx.s, from))} <${proto} probe${source ? ` from ${source}` : ''}> ${to} ${port}`;
    const ok = r.status === 0 || seenBy.length > 0;
    const detail = ok ? `${proto}/${port} on ${to} answered by ${r.stdout.trim().replace(/^at:/, '') || seenBy.join(', ')}` : `${proto}/${port} on ${to}: no answer (listening in ${listeners.map((l) => placeName(l.place)).join(', ')})`;
    return { ok, detail, commands: [command] };
  } finally {
    stopListeners(ctx.s, listeners);
  }
}

/** A probe's tag: one word (the listener logs "probe SOURCE TAG"; a stand-in's name has a space). */
function probeTag(kind: string, place: PlaceRef): string {
  return `${kind}:${placeName(place).replace(/\s+/g, '_')}`;
}

export function stopListeners(s: LabState, listeners: Listener[]): void {
  const pids = new Set(listeners.map((l) => l.pid));
  killPids(pids);
  s.pids = s.pids.filter((p) => !pids.has(p));
}

function hasKind(ctx: CheckContext, hostId: string, kind: string): boolean {
  return (ctx.s.kinds[hostId] ?? []).includes(kind);
}

async function snatCheck(ctx: CheckContext, c: NonNullable<CheckInput['snat']>, base: Base, res: Res): Promise<CheckResult> {
  const from = ctx.resolver.resolve(c.from);
  const to = ctx.resolver.resolve(c.to);
  if (!from.ok || !to.ok) return res('fail', (!from.ok ? from.message : '') + (!to.ok ? to.message : ''));
  if (!hasKind(ctx, from.host.id, 'nftables') && !hasKind(ctx, to.host.id, 'nftables')) return res('skip', `no nftables artifact for ${from.host.id} yet: nothing translates`);
  base.places.push(from.place, to.place);
  const proto = c.proto ?? 'tcp';
  const port = c.port ?? DEFAULT_PORT;
  const l = startListener(ctx.s, to.place, proto, c.address, port, `at:${placeName(to.place)}`);
  try {
    const tag = probeTag('snat', from.place);
    const until = Date.now() + REACH_DEADLINE_MS;
    let r: RunResult;
    do r = await probe(ctx.s, from.place, proto, c.address, port, tag);
    while (r.status !== 0 && Date.now() < until);
    base.commands.push(`${commandLine(placeArgv(ctx.s, from.place))} <${proto} probe> ${c.address} ${port}`, `listener in ${placeName(to.place)} records the source address`);
    const seen = heard(l).filter((h) => h.tag === tag).map((h) => h.source);
    const want = parseAddress(c.source)?.text ?? c.source;
    if (seen.length === 0) return res('fail', `${c.address}:${port} not reached from ${placeName(from.place)}`);
    return res(seen.every((x) => parseAddress(x)?.text === want) ? 'pass' : 'fail', `arrived from ${[...new Set(seen)].join(', ')}, expected ${want}`);
  } finally {
    stopListeners(ctx.s, [l]);
  }
}

interface BgpNeighborJson {
  bgpState?: string;
  addressFamilyInfo?: Record<string, { acceptedPrefixCounter?: number }>;
}

async function bgpCheck(ctx: CheckContext, c: NonNullable<CheckInput['bgp']>, base: Base, res: Res): Promise<CheckResult> {
  const on = ctx.resolver.resolve(c.on);
  if (!on.ok) return res('fail', on.message);
  const standIn = 'standin' in on.place ? ctx.s.standIns.find((x) => x.short === (on.place as { standin: string }).standin) : undefined;
  if (standIn && !standIn.frrDir) return res('fail', `${placeName(on.place)} runs no BGP speaker (${standIn.reason})`);
  if (!standIn && !hasKind(ctx, on.host.id, 'frr')) return res('skip', `no FRR artifact for ${on.host.id} yet: no BGP speaker runs`);
  base.places.push(on.place);
  const ns = 'ns' in on.place ? on.place.ns : undefined;
  // FRR instances per namespace are addressed by their pathspace (vtysh -N); a host-wide FRR by plain
  // vtysh; a stand-in's own FRR by its socket directory.
  const variants = standIn ? [['--vty_socket', standIn.frrDir!]] : ns ? [['-N', ns], []] : [[]];
  const until = Date.now() + BGP_DEADLINE_MS;
  let last = '';
  let variant = variants[0];
  for (;;) {
    const argv = [...placeArgv(ctx.s, on.place), 'vtysh', ...variant, '-c', `show bgp neighbors ${c.peer} json`];
    const r = await runAsync(argv, { timeoutMs: 10_000 });
    base.commands.splice(0, base.commands.length, r.command);
    let state = '';
    let prefixes = 0;
    if (r.status !== 0) {
      last = r.stderr.trim() || r.stdout.trim();
      // No daemon under that pathspace: a host-wide FRR answers plain vtysh.
      variant = variants[(variants.indexOf(variant) + 1) % variants.length];
    } else {
      try {
        const j = JSON.parse(r.stdout) as Record<string, BgpNeighborJson>;
        const n = j[c.peer] ?? Object.values(j)[0];
        state = n?.bgpState ?? '';
        prefixes = Object.values(n?.addressFamilyInfo ?? {}).reduce((a, f) => a + (f.acceptedPrefixCounter ?? 0), 0);
        last = `session with ${c.peer} ${state || 'unknown'}, ${prefixes} prefix(es) accepted`;
      } catch {
        last = r.stdout.trim().slice(0, 200);
      }
    }
    if (state === 'Established') {
      if (!c.prefix) return res('pass', last);
      const rr = await runAsync([...placeArgv(ctx.s, on.place), 'vtysh', ...variant, '-c', `show bgp ${c.prefix.includes(':') ? 'ipv6' : 'ipv4'} unicast ${c.prefix} json`], { timeoutMs: 10_000 });
      base.commands.push(rr.command);
      if (rr.status === 0 && /"paths"\s*:\s*\[\s*\{/.test(rr.stdout)) return res('pass', `${last}; ${c.prefix} received`);
      last += `; ${c.prefix} not received`;
    }
    if (Date.now() > until) return res('fail', last);
    await new Promise((done) => setTimeout(done, 1000));
  }
}

async function dhcpCheck(ctx: CheckContext, c: NonNullable<CheckInput['dhcp']>, base: Base, res: Res): Promise<CheckResult> {
  const from = ctx.resolver.resolve(c.from);
  const server = ctx.resolver.resolve(c.server);
  if (!from.ok || !server.ok) return res('fail', (!from.ok ? from.message : '') + (!server.ok ? server.message : ''));
  if (!hasKind(ctx, server.host.id, 'dnsmasq')) return res('skip', `no dnsmasq artifact for ${server.host.id} yet: no DHCP server runs`);
  base.places.push(from.place, server.place);
  let iface = c.interface;
  if (!iface) {
    const links = await runAsync([...placeArgv(ctx.s, from.place), 'ip', '-o', 'link', 'show'], { timeoutMs: 5000 });
    iface = links.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0]).find((n) => n && n !== 'lo');
  }
  if (!iface) return res('fail', `${placeName(from.place)} has no interface to ask on`);
  // -s /bin/true: ask and report, but do not configure the lease (the check must not change the lab).
  const argv = [...placeArgv(ctx.s, from.place), 'busybox', 'udhcpc', '-i', iface, '-n', '-q', '-f', '-t', '4', '-T', '1', '-s', '/bin/true'];
  const serverName = placeName(server.place);
  const serverAddrs = new Set([...ctx.owners].filter(([, places]) => places.some((p) => placeName(p) === serverName)).map(([a]) => a));
  // Several servers may share a segment (seed 003: one per site on a stretched VLAN, each with half
  // of the range) and the client takes the first offer: ask again until `server` is the one that answers.
  const others: string[] = [];
  let last = '';
  for (let attempt = 0; attempt < DHCP_ATTEMPTS; attempt++) {
    const r = await runAsync(argv, { timeoutMs: 15_000 });
    if (attempt === 0) base.commands.push(r.command);
    const lease = /lease of (\S+) obtained from (\S+?),?\s/.exec(`${r.stdout}${r.stderr} `);
    if (!lease) {
      last = `no lease on ${iface}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
      break;
    }
    if (serverAddrs.has(lease[2])) {
      const also = others.length ? ` (before it, ${[...new Set(others)].join(', ')} answered first)` : '';
      return res('pass', `lease of ${lease[1]} on ${iface} from ${lease[2]} (${serverName})${also}`);
    }
    others.push(`${lease[2]} with ${lease[1]}`);
    last = `${DHCP_ATTEMPTS} leases on ${iface}, none from ${serverName} (${[...serverAddrs].join(', ')}): ${[...new Set(others)].join('; ')}`;
  }
  return res('fail', last);
}
