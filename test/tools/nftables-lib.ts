import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { run } from '../helpers/tools.js';

/**
 * Helpers shared by the nftables tests: throwaway namespaces (never the host's own ruleset) and
 * the one kernel limitation this machine has. Named nftables-lib.ts so vitest does not collect it.
 */

let counter = 0;
/** A fresh namespace named for this area and process; the caller deletes it in finally/afterAll. */
export function makeNetns(tag: string): string {
  const name = `ngt-nft-${process.pid}-${tag}-${counter++}`;
  const r = run('ip', ['netns', 'add', name]);
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  return name;
}

export function deleteNetns(name: string): void {
  run('ip', ['netns', 'del', name]);
}

export function nftIn(ns: string, args: string[]): { status: number; stdout: string; stderr: string } {
  return run('ip', ['netns', 'exec', ns, 'nft', ...args]);
}

/**
 * Conntrack in the bridge family needs nf_conntrack_bridge (CONFIG_NF_CONNTRACK_BRIDGE). Debian's
 * kernel has it as a module; the kernel these tests may run on can lack it, and then the kernel
 * answers every `ct` expression in a bridge table with EPROTO ("Protocol error").
 */
let bridgeCt: boolean | undefined;
export function kernelHasBridgeConntrack(): boolean {
  if (bridgeCt !== undefined) return bridgeCt;
  const ns = makeNetns('probe');
  const file = `/tmp/ngt-nft-${process.pid}-probe.nft`;
  try {
    writeFileSync(file, 'table bridge probe {\n\tchain c {\n\t\ttype filter hook forward priority filter;\n\t\tct state established accept\n\t}\n}\n');
    bridgeCt = nftIn(ns, ['-c', '-f', file]).status === 0;
  } finally {
    deleteNetns(ns);
    rmSync(file, { force: true });
  }
  return bridgeCt;
}

/** Line numbers (1-based) of `ct` rules inside bridge tables. */
export function bridgeCtLines(text: string): Set<number> {
  const out = new Set<number>();
  let inBridge = false;
  text.split('\n').forEach((line, i) => {
    if (/^table bridge \S+ \{$/.test(line)) inBridge = true;
    else if (/^table /.test(line)) inBridge = false;
    else if (inBridge && /^\s+ct /.test(line)) out.add(i + 1);
  });
  return out;
}

/**
 * `nft -c -f FILE` inside a throwaway namespace. On a kernel without bridge conntrack the only
 * errors allowed are EPROTO on bridge `ct` lines; the file is then checked again without them, so
 * every other line is still judged by the kernel.
 */
export function nftCheck(ns: string, file: string): { ok: boolean; errors: string[]; strippedForKernel: number } {
  const r = nftIn(ns, ['-c', '-f', file]);
  if (r.status === 0) return { ok: true, errors: [], strippedForKernel: 0 };
  const errors = r.stderr.split('\n').filter((l) => l.includes('Error:'));
  const text = readFileSync(file, 'utf8');
  const ctLines = bridgeCtLines(text);
  const onlyBridgeCt =
    !kernelHasBridgeConntrack() &&
    errors.length > 0 &&
    errors.every((e) => {
      const m = /:(\d+):\d+-\d+: Error: Could not process rule: Protocol error$/.exec(e);
      return !!m && ctLines.has(Number(m[1]));
    });
  if (!onlyBridgeCt) return { ok: false, errors, strippedForKernel: 0 };
  const stripped = withoutBridgeCt(file);
  const again = nftIn(ns, ['-c', '-f', stripped]);
  return { ok: again.status === 0, errors: again.stderr.split('\n').filter((l) => l.includes('Error:')), strippedForKernel: ctLines.size };
}

/** A copy of the file without the bridge `ct` lines (only for kernels without bridge conntrack). */
export function withoutBridgeCt(file: string): string {
  const text = readFileSync(file, 'utf8');
  const ct = bridgeCtLines(text);
  const out = `${file}.no-bridge-ct`;
  writeFileSync(out, text.split('\n').filter((_, i) => !ct.has(i + 1)).join('\n'));
  return out;
}

/** Rule lines of a ruleset file: inside a chain, not the chain's own type/policy/comment lines. */
export function ruleLines(text: string): string[] {
  const out: string[] = [];
  let inChain = false;
  for (const line of text.split('\n')) {
    if (/^\tchain \S+ \{$/.test(line)) inChain = true;
    else if (/^\t\}$/.test(line)) inChain = false;
    else if (inChain && /^\t\t/.test(line) && !/^\t\t(type |comment )/.test(line)) out.push(line.trim());
  }
  return out;
}
