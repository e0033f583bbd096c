import { execFileSync } from 'node:child_process';

/** Tests run the real CLI (bin/netgen.js → dist/), so compile once before any test file starts. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
