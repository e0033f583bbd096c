import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LabError, runAsync, startDetached } from './exec.js';
import { kernelLimitation } from './kernel.js';
import { placeArgv, remember, type HostState, type LabState } from './state.js';

/**
 * A simulated host has no systemd, so the lab starts the generated units the way a deployed host
 * would (and in the order the generated `apply` script uses): sysctl.d, the host nftables unit,
 * [networkd and the namespace script run before], then FRR and dnsmasq instances. Each unit's own
 * ExecStartPre/ExecStart lines run unmodified, inside NetworkNamespacePath when the unit sets one.
 */

interface ServiceUnit {
  name: string;
  type: string;
  pre: string[];
  start: string[];
  netns?: string;
  runtimeDirs: string[];
}

/** Reads [Service] keys from a unit and its drop-ins (later files win; ExecStart= lines accumulate). */
function readUnit(files: string[], name: string, instance?: string): ServiceUnit {
  const u: ServiceUnit = { name, type: 'simple', pre: [], start: [], runtimeDirs: [] };
  const subst = (v: string) => (instance === undefined ? v : v.replace(/%[iI]/g, instance));
  for (const f of files.filter(existsSync)) {
    let section = '';
    for (const raw of readFileSync(f, 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      if (line.startsWith('[')) {
        section = line;
        continue;
      }
      if (section !== '[Service]') continue;
      const eq = line.indexOf('=');
      const key = line.slice(0, eq).trim();
      const value = subst(line.slice(eq + 1).trim());
      if (key === 'Type') u.type = value;
      else if (key === 'ExecStartPre') u.pre.push(value.replace(/^[-@+!:]+/, ''));
      else if (key === 'ExecStart') {
        if (value === '') u.start = [];
        else u.start.push(value.replace(/^[-@+!:]+/, ''));
      } else if (key === 'NetworkNamespacePath') u.netns = path.basename(value);
      else if (key === 'RuntimeDirectory') u.runtimeDirs.push(...value.split(/\s+/));
    }
  }
  return u;
}

function dropIns(root: string, unit: string): string[] {
  const dir = path.join(root, 'etc/systemd/system', `${unit}.d`);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.conf')).sort().map((f) => path.join(dir, f)) : [];
}

/** The machine's own unit (frr@.service comes with the frr package), as the deployed host has it. */
function systemUnit(root: string, file: string): string {
  const generated = path.join(root, 'etc/systemd/system', file);
  if (existsSync(generated)) return generated;
  return ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'].map((d) => path.join(d, file)).find(existsSync) ?? generated;
}

function listed(dir: string, ext: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort() : [];
}

/** Units to start before the namespace script (host firewall) and after it (daemons in namespaces). */
export function hostUnits(h: HostState): { before: ServiceUnit[]; after: ServiceUnit[] } {
  const root = h.root;
  const before: ServiceUnit[] = [];
  const after: ServiceUnit[] = [];
  const nft = path.join(root, 'etc/systemd/system/netgen-nftables.service');
  if (existsSync(nft)) before.push(readUnit([nft, ...dropIns(root, 'netgen-nftables.service')], 'netgen-nftables.service'));
  for (const ns of listed(path.join(root, 'etc/frr'), '').filter((d) => existsSync(path.join(root, 'etc/frr', d, 'frr.conf')))) {
    after.push(readUnit([systemUnit(root, 'frr@.service'), ...dropIns(root, `frr@${ns}.service`)], `frr@${ns}.service`, ns));
  }
  for (const conf of listed(path.join(root, 'etc/netgen/dnsmasq'), '.conf')) {
    const inst = conf.replace(/\.conf$/, '');
    after.push(readUnit([systemUnit(root, 'netgen-dnsmasq@.service'), ...dropIns(root, `netgen-dnsmasq@${inst}.service`)], `netgen-dnsmasq@${inst}.service`, inst));
  }
  return { before, after };
}

export function sysctlFiles(h: HostState): string[] {
  return listed(path.join(h.root, 'etc/sysctl.d'), '.conf').filter((f) => f.includes('netgen')).map((f) => `/etc/sysctl.d/${f}`);
}

/**
 * Runs units in a simulated host: oneshot/forking synchronously, simple ones as long-lived
 * processes (PIDs kept). A failing unit does not stop the lab (a deployed host boots on too), it is
 * recorded and reported as a failed check.
 */
export async function startUnits(s: LabState, h: HostState, units: ServiceUnit[]): Promise<void> {
  for (const u of units) {
    try {
      await startUnit(s, h, u);
    } catch (e) {
      if (!(e instanceof LabError)) throw e;
      const limit = kernelLimitation(s, h, e.message);
      if (limit) (s.limitations ??= []).push({ host: h.id, unit: u.name, message: limit });
      else s.unitFailures.push({ host: h.id, unit: u.name, message: e.message });
    }
  }
}

async function startUnit(s: LabState, h: HostState, u: ServiceUnit): Promise<void> {
  const hostArgv = placeArgv(s, { host: h.id });
  {
    const argv = u.netns ? [...hostArgv, 'ip', 'netns', 'exec', u.netns] : hostArgv;
    for (const d of u.runtimeDirs) await runAsync([...hostArgv, 'mkdir', '-p', `/run/${d}`]);
    for (const line of u.pre) {
      const r = await runAsync([...argv, 'sh', '-c', `exec ${line}`], { timeoutMs: 60_000 });
      if (r.status !== 0) throw new LabError(`ExecStartPre failed: ${line}\n${(r.stderr || r.stdout).trim().split('\n').slice(0, 6).join('\n')}`);
    }
    for (const line of u.start) {
      if (u.type === 'simple' || u.type === 'exec' || u.type === 'notify') {
        s.pids.push(remember(s, startDetached([...argv, 'sh', '-c', `exec ${line}`], path.join(s.workdir, `host-${h.short}`, `${u.name}.log`))));
        continue;
      }
      const r = await runAsync([...argv, 'sh', '-c', `exec ${line}`], { timeoutMs: 60_000 });
      if (r.status !== 0) throw new LabError(`ExecStart failed: ${line}\n${(r.stderr || r.stdout).trim().split('\n').slice(0, 6).join('\n')}`);
    }
  }
}
