import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runSync } from './exec.js';
import type { HostState, LabState } from './state.js';

/**
 * Kernel features that generated artifacts may need and that some kernels lack. A unit that fails
 * only for such a reason is a limitation of the machine running the lab, not of the inventory:
 * the report lists it as such (not a pass, not a failed check), and the checks that involve that
 * host say that its rules were not in force.
 */

/** `ct` in the bridge family needs nf_conntrack_bridge (stock Debian 12 kernels have it). */
const BRIDGE_CT_PROBE = 'table bridge ngprobe { chain c { type filter hook forward priority 0; ct state established accept; } }\n';
let bridgeCt: boolean | undefined;

/** Tries one bridge rule with `ct state` in a throwaway namespace, once per process. */
export function hasBridgeConntrack(s: LabState): boolean {
  if (bridgeCt !== undefined) return bridgeCt;
  const ns = `${s.prefix}-kprobe`;
  if (runSync(['ip', 'netns', 'add', ns]).status !== 0) return true;
  s.netns.push(ns);
  try {
    bridgeCt = runSync(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: BRIDGE_CT_PROBE, timeoutMs: 10_000 }).status === 0;
  } finally {
    if (runSync(['ip', 'netns', 'del', ns]).status === 0) s.netns = s.netns.filter((x) => x !== ns);
  }
  return bridgeCt;
}

function rulesetsUseBridgeCt(h: HostState): boolean {
  const dir = path.join(h.root, 'etc/netgen/nftables');
  if (!existsSync(dir)) return false;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.nft'))
    .some((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      return /^table bridge /m.test(text) && /^\s+ct (state|status) /m.test(text);
    });
}

/** Why a failed unit cannot load on this kernel, or undefined when its failure is a real one. */
export function kernelLimitation(s: LabState, h: HostState, message: string): string | undefined {
  if (/Protocol error/.test(message) && rulesetsUseBridgeCt(h) && !hasBridgeConntrack(s)) return 'not loadable on this kernel (no bridge conntrack)';
  return undefined;
}
