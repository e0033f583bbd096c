import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryPath, ROOT } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

/** netgen installed as a package (npm install -g / npx) finds its bundled templates, not the cwd's. */
describe('installed package', () => {
  it('builds an inventory from an unrelated directory', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'netgen-pkg-'));
    // --ignore-scripts: `prepare` would run tsc, which rewrites every file of dist/ while the other test
    // files run the CLI from it. A build that read a module or hashed dist/ mid-rewrite failed, or found
    // its output out of date (the flaky "netgen init … builds cleanly" and "a partial build forgets the
    // record"). dist/ is built before the tests (npm ci runs prepare).
    const pack = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, timeout: 170_000 });
    expect(pack.status, pack.stderr).toBe(0);
    const tgz = readdirSync(tmp).find((n) => n.endsWith('.tgz'))!;
    const prefix = path.join(tmp, 'prefix');
    const inst = run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', path.join(tmp, tgz)], { cwd: tmp, timeout: 170_000 });
    expect(inst.status, inst.stderr).toBe(0);
    const bin = path.join(prefix, 'bin/netgen');
    const work = path.join(tmp, 'work');
    const r = run(bin, ['build', inventoryPath('neutron-two-hosts'), '-o', path.join(work, 'out'), '--quiet'], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(work, 'out/lab/node01/usr/local/lib/netgen/netns-up.sh'))).toBe(true);
  });
});
