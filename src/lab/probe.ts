import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { killPids, LabError, runAsync, sleepMs, startDetached, type RunResult } from './exec.js';
import { placeArgv, placeName, remember, type LabState } from './state.js';
import type { PlaceRef } from './topology.js';

/**
 * Listeners and clients are small Node programs run with the same Node that runs netgen (no
 * extra tool in the lab). A listener answers every probe with its marker and logs the source
 * address and the probe's tag, so a check can tell WHO answered and WHO was reached: with
 * overlapping CIDRs a reply from the right address may still come from the wrong tenant.
 */
const LISTENER = `
const [proto, addr, port, marker, log] = process.argv.slice(1);
const fs = require('fs');
const rec = (s) => fs.appendFileSync(log, s + '\\n');
const src = (a) => String(a).replace(/^::ffff:/, '');
let tries = 0;
function start() {
  const fail = (e) => { if (++tries > 100) { rec('error ' + e.message); process.exit(1); } setTimeout(start, 100); };
  if (proto === 'udp') {
    const d = require('dgram').createSocket({ type: addr.includes(':') || !addr ? 'udp6' : 'udp4', ipv6Only: false });
    d.on('error', (e) => { d.close(); fail(e); });
    d.on('message', (m, r) => { rec('probe ' + src(r.address) + ' ' + m.toString().trim()); d.send(marker + '\\n', r.port, r.address); });
    d.bind(+port, addr || '::', () => rec('ready'));
  } else {
    const srv = require('net').createServer((s) => {
      s.on('error', () => {});
      s.once('data', (m) => { rec('probe ' + src(s.remoteAddress) + ' ' + m.toString().trim()); s.end(marker + '\\n'); });
    });
    srv.on('error', fail);
    srv.listen({ port: +port, host: addr || '::', ipv6Only: false }, () => rec('ready'));
  }
}
start();
`;

/** Probes several addresses at once from one place: one line "ADDRESS<TAB>REPLY" per address that answered. */
const CLIENT = `
const [proto, port, tag, ms, src, ...addrs] = process.argv.slice(1);
let pending = addrs.length;
const done = () => { if (--pending === 0) process.exit(0); };
setTimeout(() => process.exit(0), +ms);
for (const addr of addrs) {
  let answered = false;
  const answer = (m) => { if (answered) return; answered = true; process.stdout.write(addr + '\\t' + m.toString().trim() + '\\n'); done(); };
  if (proto === 'udp') {
    const d = require('dgram').createSocket(addr.includes(':') ? 'udp6' : 'udp4');
    d.on('message', answer);
    d.on('error', () => {});
    const send = () => d.send(tag + '\\n', +port, addr);
    const go = () => { send(); setInterval(send, 300).unref(); };
    if (src) d.bind({ address: src }, go);
    else go();
  } else {
    const s = require('net').connect({ host: addr, port: +port, ...(src ? { localAddress: src } : {}) });
    let b = '';
    s.on('connect', () => s.write(tag + '\\n'));
    s.on('data', (d) => (b += d));
    s.on('end', () => (b ? answer(b) : done()));
    s.on('error', () => done());
  }
}
`;

export interface Listener {
  place: PlaceRef;
  marker: string;
  log: string;
  pid: number;
}

let serial = 0;

export interface ListenerSpec {
  place: PlaceRef;
  proto: 'tcp' | 'udp';
  /** '' listens on every address of the place. */
  addr: string;
  port: number;
  marker: string;
}

/** Starts listeners (all at once) and waits until each is bound (an address may still be tentative). */
export function startListeners(s: LabState, specs: ListenerSpec[]): Listener[] {
  const started = specs.map((sp) => {
    const log = path.join(s.workdir, `listener-${serial++}.log`);
    const pid = startDetached([...placeArgv(s, sp.place), process.execPath, '-e', LISTENER, sp.proto, sp.addr, String(sp.port), sp.marker, log], `${log}.err`);
    s.pids.push(remember(s, pid));
    return { spec: sp, l: { place: sp.place, marker: sp.marker, log, pid } };
  });
  const until = Date.now() + 12_000;
  for (const { spec, l } of started) {
    for (;;) {
      const text = existsSync(l.log) ? readFileSync(l.log, 'utf8') : '';
      if (text.includes('ready')) break;
      if (text.includes('error ') || Date.now() > until) {
        const why = [l.log, `${l.log}.err`].filter(existsSync).map((f) => readFileSync(f, 'utf8').trim()).join(' ');
        killPids(started.map((x) => x.l.pid));
        throw new LabError(`listener ${spec.proto}/${spec.port} on ${spec.addr || 'any address'} in ${placeName(spec.place)} did not start ${why}`);
      }
      sleepMs(20);
    }
  }
  return started.map((x) => x.l);
}

export function startListener(s: LabState, place: PlaceRef, proto: 'tcp' | 'udp', addr: string, port: number, marker: string): Listener {
  return startListeners(s, [{ place, proto, addr, port, marker }])[0];
}

/** Probes addresses from a place; resolves with address -> reply (the answering listener's marker). */
export async function probeMany(s: LabState, from: PlaceRef, proto: 'tcp' | 'udp', addrs: string[], port: number, tag: string, ms = 1500, source = ''): Promise<Map<string, string>> {
  const r = await runAsync([...placeArgv(s, from), process.execPath, '-e', CLIENT, proto, String(port), tag, String(ms), source, ...addrs], { timeoutMs: ms + 5000 });
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [addr, reply] = line.split('\t');
    if (addr && reply) out.set(addr, reply);
  }
  return out;
}

export async function probe(s: LabState, from: PlaceRef, proto: 'tcp' | 'udp', addr: string, port: number, tag: string, ms = 1500, source = ''): Promise<RunResult> {
  const replies = await probeMany(s, from, proto, [addr], port, tag, ms, source);
  const reply = replies.get(addr) ?? '';
  return { status: reply ? 0 : 1, stdout: reply, stderr: '', command: '' };
}

/** What a listener saw: source address and tag of each probe. */
export function heard(l: Listener): Array<{ source: string; tag: string }> {
  if (!existsSync(l.log)) return [];
  return readFileSync(l.log, 'utf8')
    .split('\n')
    .filter((x) => x.startsWith('probe '))
    .map((x) => {
      const [, source, tag] = x.split(' ');
      return { source, tag: tag ?? '' };
    });
}

