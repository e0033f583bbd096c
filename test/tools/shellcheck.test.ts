import { afterAll, describe, expect, it } from 'vitest';
import { buildExample, type Built } from '../helpers/build.js';
import { EXAMPLES } from '../helpers/paths.js';
import { requireTool, run } from '../helpers/tools.js';

/** Every generated shell script is shellcheck-clean and parses with bash -n. */
describe.each(EXAMPLES)('scripts of %s', (example) => {
  let built: Built;
  afterAll(() => built?.cleanup());
  it('pass shellcheck and bash -n', () => {
    requireTool('shellcheck', 'shellcheck');
    built = buildExample(example);
    const scripts = built.manifest.filter((f) => f.path.endsWith('.sh') || f.mode === '0755');
    for (const s of scripts) {
      const syntax = run('bash', ['-n', built.abs(s.path)]);
      expect(syntax.status, `${s.path}: ${syntax.stderr}`).toBe(0);
      const r = run('shellcheck', ['--severity=style', '--shell=bash', built.abs(s.path)]);
      expect(r.status, `${s.path}\n${r.stdout}`).toBe(0);
    }
  });
});
