import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Tests run the real CLI (bin/netgen.js → dist/), so compile once before any test file starts. */
export default function setup(): () => void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  // Every scratch directory of the run (the tests' own, and those of the tools and CLIs they start)
  // lands under one directory, removed when the run ends: a failed or interrupted test leaks nothing.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'netgen-tests-'));
  // Like /tmp itself: daemons the tests start drop to their own users (frr) and must reach their sockets.
  chmodSync(scratch, 0o1777);
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
