import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Real-tool tests never skip silently: a missing tool or missing root fails the test with the
 * command that fixes it (scripts/install-test-tools installs them all).
 */
export function requireTool(cmd: string, debianPackage: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} is not installed: run 'sudo scripts/install-test-tools' (apt-get install ${debianPackage})`);
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces): run the suite as root, as CI does');
}

export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeout ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

export function sh(script: string): string {
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' });
}
