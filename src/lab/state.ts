import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alive, processStart } from './exec.js';
import type { PlaceRef, Segment } from './topology.js';

/** Where `netgen lab up` leaves what `check` and `down` need; root-only tmpfs, gone at reboot like the lab. */
export const STATE_DIR = process.env.NETGEN_LAB_STATE_DIR ?? '/run/netgen-lab';

export interface HostState {
  id: string;
  short: string;
  netns: string;
  holderPid: number;
  networkdPid?: number;
  /** The host's generated tree (mirrors its filesystem root). */
  root: string;
  hasUpScript: boolean;
  hasDownScript: boolean;
}

export interface StandInState {
  short: string;
  netns: string;
  reason: string;
  hostId?: string;
  /** Directory of a stand-in's own FRR (vty sockets, config), when it runs one. */
  frrDir?: string;
}

export interface LabState {
  version: 1;
  prefix: string;
  inventory: string;
  workdir: string;
  /** Generated artifacts the lab runs, written with writeTree. */
  outDir: string;
  hosts: HostState[];
  standIns: StandInState[];
  switchNs?: string;
  segments: Segment[];
  notes: string[];
  /** Every root-level namespace the lab made, deleted by `down`. */
  netns: string[];
  /** Other long-lived processes the lab started (listeners). */
  pids: number[];
  /** PID -> start time of every process the lab started: a recorded PID is only signalled while it is still that process. */
  starts: Record<string, string>;
  /** Manifest kinds present per host id (nftables, frr, dnsmasq...), to tell "not built yet" from "broken". */
  kinds: Record<string, string[]>;
  /** Generated units that failed to start in a simulated host (reported as failed checks). */
  unitFailures: Array<{ host: string; unit: string; message: string }>;
  /** Generated units this machine's kernel cannot load (a missing feature, not an inventory fault). */
  limitations?: Array<{ host: string; unit: string; message: string }>;
}

export function statePath(inventoryAbs: string): string {
  const base = path.basename(inventoryAbs.replace(/[/\\]+$/, '')).replace(/\.ya?ml$/i, '');
  const h = createHash('sha256').update(inventoryAbs).digest('hex').slice(0, 8);
  return path.join(STATE_DIR, `${base}-${h}.json`);
}

export function saveState(s: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const p = statePath(s.inventory);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  // rename is atomic: a crash never leaves half a state file.
  renameSync(`${p}.tmp`, p);
}

export function loadState(inventoryAbs: string): LabState | undefined {
  const p = statePath(inventoryAbs);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as LabState;
}

export function removeState(inventoryAbs: string): void {
  rmSync(statePath(inventoryAbs), { force: true });
}

/** Records a process the lab started and returns its PID. */
export function remember(s: LabState, pid: number): number {
  const t = processStart(pid);
  if (t) s.starts[String(pid)] = t;
  return pid;
}

/** True while `pid` is still the process the lab started (not a reused PID, not a zombie). */
export function ours(s: LabState, pid: number | undefined): pid is number {
  return !!pid && s.starts[String(pid)] !== undefined && processStart(pid) === s.starts[String(pid)] && alive(pid);
}

/** argv prefix that runs a command in a place of the lab. */
export function placeArgv(s: LabState, place: PlaceRef): string[] {
  if ('standin' in place) {
    const st = s.standIns.find((x) => x.short === place.standin);
    if (!st) throw new Error(`no stand-in ${place.standin}`);
    return ['ip', 'netns', 'exec', st.netns];
  }
  const h = s.hosts.find((x) => x.id === place.host);
  if (!h) throw new Error(`no simulated host ${place.host}`);
  const base = ['nsenter', '-t', String(h.holderPid), '-m', '-n'];
  return place.ns ? [...base, 'ip', 'netns', 'exec', place.ns] : base;
}

export function placeName(place: PlaceRef): string {
  return 'standin' in place ? `stand-in ${place.standin}` : place.ns ? `${place.host}/${place.ns}` : place.host;
}
