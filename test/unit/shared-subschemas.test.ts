import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { loadInventory } from '../../src/load/load.js';
import { inventorySchemaJson } from '../../src/schema/json.js';
import { withSharedSubschemas } from '../../src/validate/shared-subschemas.js';
import { EXAMPLES, inventoryPath, ROOT } from '../helpers/paths.js';

/**
 * The validator that decides whether an inventory is valid runs on the schema with its repeated
 * subschemas shared (validate/shared-subschemas.ts); the one that explains failures on the schema as
 * written. They must agree on every inventory: the examples, every bad fixture, and random edits of both.
 */
describe('shared subschemas', () => {
  const formats = (ajv: Ajv) => {
    for (const name of ['ip-address', 'ip-cidr', 'ip-address-or-cidr']) ajv.addFormat(name, { type: 'string', validate: (s: string) => !s.includes('!') });
    return ajv;
  };
  const schema = inventorySchemaJson();
  const shared = withSharedSubschemas(schema as never);
  const inline = formats(new Ajv({ allErrors: true, strict: false })).compile(schema);
  const lean = formats(new Ajv({ allErrors: false, strict: false, inlineRefs: false })).compile(shared);

  it('writes each repeated shape once', () => {
    const definitions = (shared as { definitions?: object }).definitions;
    expect(Object.keys(definitions ?? {}).length).toBeGreaterThan(10);
    expect(JSON.stringify(shared).length).toBeLessThan(JSON.stringify(schema).length / 2);
  });

  const inventories = async () => {
    const bad = path.join(ROOT, 'test/fixtures/bad');
    const files = [...EXAMPLES.map(inventoryPath), ...readdirSync(bad).filter((f) => f.endsWith('.yaml')).map((f) => path.join(bad, f))];
    const values: unknown[] = [];
    for (const f of files) {
      const loaded = await loadInventory(f, new DiagnosticBag());
      if (loaded) values.push(loaded.data);
    }
    return values;
  };

  it('gives the verdict of the inline schema on the examples and every bad fixture', async () => {
    const values = await inventories();
    expect(values.length).toBeGreaterThan(60);
    let invalid = 0;
    for (const v of values) {
      expect(lean(v)).toBe(inline(v));
      if (!inline(v)) invalid++;
    }
    expect(invalid).toBeGreaterThan(20);
  });

  it('gives the verdict of the inline schema on random edits of them', async () => {
    const values = await inventories();
    // An edit: somewhere in the value, a key removed, a value replaced by one of another type, or a key added.
    const junk = fc.constantFrom<unknown>(null, 0, -1, 4096, 70000, 1.5, '', 'x', 'eth0', '10.0.0.1/24', 'fd00::1', '!', true, [], ['x'], {}, { name: 'x' });
    const edit = fc.record({ which: fc.nat(), path: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), action: fc.constantFrom('remove', 'replace', 'add'), value: junk, key: fc.constantFrom('name', 'mtu', 'vni', 'address', 'extra', 'members', 'id') });
    let runs = 0;
    let rejected = 0;
    fc.assert(
      fc.property(edit, ({ which, path: steps, action, value, key }) => {
        const data = structuredClone(values[which % values.length]) as Record<string, unknown>;
        let node: unknown = data;
        for (const step of steps) {
          if (node === null || typeof node !== 'object') break;
          const keys = Object.keys(node);
          if (keys.length === 0) break;
          const k = keys[step % keys.length];
          const child = (node as Record<string, unknown>)[k];
          if (child === null || typeof child !== 'object' || step % 3 === 0) {
            if (action === 'remove') delete (node as Record<string, unknown>)[k];
            else if (action === 'replace') (node as Record<string, unknown>)[k] = value;
            else (node as Record<string, unknown>)[key] = value;
            break;
          }
          node = child;
        }
        const verdict = inline(data);
        expect(lean(data)).toBe(verdict);
        runs++;
        if (!verdict) rejected++;
      }),
      { numRuns: Number(process.env.SCHEMA_RUNS ?? 2000) },
    );
    // Both kinds are tried often: edits the schema rejects and edits it takes.
    expect(rejected / runs).toBeGreaterThan(0.2);
    expect(rejected / runs).toBeLessThan(0.95);
  });
});
