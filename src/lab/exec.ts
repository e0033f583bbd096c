import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A failed lab step: the CLI prints the message (no stack trace) and tears the lab down. */
export class LabError extends Error {}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The command line as a user would type it (shown in the report). */
  command: string;
}

export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}

export function runSync(argv: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, input: opts.input, maxBuffer: 16 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : ''), command: commandLine(argv) };
}

/** Runs and throws LabError with the tool's own message when it fails. */
export function must(argv: string[], what: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = runSync(argv, opts);
  if (r.status !== 0) throw new LabError(`${what} failed: ${r.command}\n${(r.stderr || r.stdout).trim()}`);
  return r;
}

export function runAsync(argv: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => (stderr += e.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr, command: commandLine(argv) });
    });
  });
}

/** Starts a long-lived process that outlives this one (holders, networkd, listeners); returns its PID. */
export function startDetached(argv: string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    if (child.pid === undefined) throw new LabError(`could not start ${commandLine(argv)}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** A zombie (exited, not yet reaped by this process's event loop) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Ends processes by PID: TERM, a short grace period, then KILL. */
export function killPids(pids: Iterable<number>): void {
  const list = [...new Set(pids)].filter((p) => p > 1 && p !== process.pid);
  for (const p of list) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const until = Date.now() + 1500;
  while (list.some(alive) && Date.now() < until) sleepMs(20);
  for (const p of list.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Start time of a process (clock ticks since boot): with the PID it identifies the process even after PID reuse. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function toolPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${shellWord(cmd)}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
