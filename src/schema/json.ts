import { Inventory } from './inventory.js';

type Json = Record<string, unknown>;

/**
 * TypeBox writes unions of literals as anyOf/const; editors and error messages do better with enum.
 * The same normalised document is what ajv checks and what `netgen schema` prints, so they cannot drift.
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Json;
  if (Array.isArray(obj.anyOf) && obj.anyOf.length > 0 && obj.anyOf.every((s) => typeof s === 'object' && s !== null && 'const' in (s as Json))) {
    const values = (obj.anyOf as Json[]).map((s) => s.const);
    const rest: Json = { ...obj };
    delete rest.anyOf;
    const types = [...new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)))];
    return { ...rest, type: types.length === 1 ? types[0] : types, enum: values };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k] = normalise(v);
  if ('const' in out && !('type' in out)) {
    const v = out.const;
    out.type = typeof v === 'number' ? 'integer' : typeof v;
  }
  return out;
}

let cached: Json | undefined;

export function inventorySchemaJson(): Json {
  if (!cached) {
    cached = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'https://netgen.invalid/schema/netgen.schema.json',
      title: 'netgen inventory',
      ...(normalise(JSON.parse(JSON.stringify(Inventory))) as Json),
    };
  }
  return cached;
}
