import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';

describe.each(EXAMPLES)('apply script of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('exists per Linux host (0755, kind apply), is shellcheck clean, and runs the handlers in order', () => {
    requireTool('shellcheck', 'shellcheck');
    built = buildExample(example);
    const scripts = built.files('apply');
    const linuxHosts = new Set(built.manifest.filter((f) => f.kind === 'networkd' || f.kind === 'netns').map((f) => `${f.site}/${f.host}`));
    expect(scripts.length).toBeGreaterThanOrEqual(linuxHosts.size);
    for (const s of scripts) {
      expect(s.mode).toBe('0755');
      expect(s.path).toMatch(/^[^/]+\/[^/]+\/usr\/local\/lib\/netgen\/apply$/);
      const sc = run('shellcheck', ['--severity=style', '--shell=bash', built.abs(s.path)]);
      expect(sc.status, sc.stdout).toBe(0);
      const hostRoot = built.abs(s.path.split('/').slice(0, 2).join('/'));
      const dry = run('bash', [built.abs(s.path), '--dry-run'], { env: { ...process.env, NETGEN_ROOT: hostRoot } });
      expect(dry.status, dry.stderr).toBe(0);
      const lines = dry.stdout.trim().split('\n');
      expect(lines[0]).toBe('systemctl daemon-reload');
      const order = ['networkctl reload', 'systemctl restart netgen-netns.service', 'nft -f', 'frr@'];
      const at = order.map((o) => lines.findIndex((l) => l.includes(o))).filter((i) => i >= 0);
      expect(at, dry.stdout).toEqual([...at].sort((a, b) => a - b));
      expect(lines).toContain('networkctl reload');
      const hasNetns = built.manifest.some((f) => f.path === `${s.path.split('/').slice(0, 2).join('/')}/etc/systemd/system/netgen-netns.service`);
      if (hasNetns) expect(lines).toContain('systemctl restart netgen-netns.service');
    }
  });
});
