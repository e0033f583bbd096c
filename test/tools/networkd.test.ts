import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES, SHARED } from '../helpers/paths.js';
import { requireRoot, run } from '../helpers/tools.js';

const CHECK = path.join(SHARED, 'networkd/networkd-check');

/** Every generated unit set is applied by the real systemd-networkd (the shared referee): zero warnings. */
describe.each(EXAMPLES)('networkd units of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('are accepted by systemd-networkd without a warning', () => {
    requireRoot();
    built = buildExample(example);
    const dirs = [...new Set(built.files('networkd').filter((f) => f.path.includes('/etc/systemd/network/')).map((f) => path.dirname(f.path)))];
    if (example !== 'proxmox-vyos-ceph') expect(dirs.length).toBeGreaterThan(0);
    for (const dir of dirs) {
      const r = run(CHECK, [built.abs(dir), '3']);
      expect(r.stdout + r.stderr, `${dir}\n${r.stdout}${r.stderr}`).toMatch(/networkd-check: 0 unit warning\(s\)/);
      expect(r.status).toBe(0);
    }
  });
});
