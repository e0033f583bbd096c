/**
 * The inventory schema with each repeated subschema written once. The schema modules spell every shared
 * shape (a link, an address list, a route) inline where it is used, and ajv's generated code repeats it
 * as often: 1.7 MB of validator, whose loading and first run were most of validating a small inventory.
 * Here every subschema that occurs more than once (and is not trivially small) moves to `definitions`
 * and is referenced from each place; identical JSON is an identical constraint, so the same data passes.
 * Only the validator that decides uses it: the one that explains failures keeps the inline schema, so
 * its error paths are the schema modules' own.
 */

/** Keywords whose value is a schema. */
const SCHEMA_VALUED = new Set(['additionalProperties', 'additionalItems', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems']);
/** Keywords whose value is a list of schemas (`items` may be one schema or a list). */
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'definitions', '$defs']);

/** Subschemas shorter than this (as JSON) stay inline: a reference would save nothing. */
const MIN_SHARED_LENGTH = 160;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `schema` with `replace` applied to each subschema in schema positions (other keys copied as they are). */
function mapChildren(schema: SchemaObject, replace: (child: SchemaObject) => SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_VALUED.has(key) && isObject(value)) out[key] = replace(value);
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((v) => (isObject(v) ? replace(v) : v));
    else if (SCHEMA_LISTS.has(key) && isObject(value)) out[key] = replace(value); // `items` as one schema
    else if (SCHEMA_MAPS.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? replace(v) : v]));
    else out[key] = value;
  }
  return out;
}

/** Calls `visit` on every subschema directly below `schema`, in schema positions only (a copy is made and dropped: this runs once per validator build). */
const eachChild = (schema: SchemaObject, visit: (child: SchemaObject) => void): void => void mapChildren(schema, (child) => (visit(child), child));

/** `root` with its repeated subschemas in `definitions`, each place referring to them (root itself unchanged). */
export function withSharedSubschemas(root: SchemaObject): SchemaObject {
  if ('definitions' in root || JSON.stringify(root).includes('"$ref"')) return root; // references of its own: left as it is
  const counts = new Map<string, number>();
  const count = (s: SchemaObject) => {
    const text = JSON.stringify(s);
    counts.set(text, (counts.get(text) ?? 0) + 1);
    eachChild(s, count);
  };
  eachChild(root, count);
  const definitions: SchemaObject = {};
  const names = new Map<string, string>();
  const share = (s: SchemaObject): SchemaObject => {
    const text = JSON.stringify(s);
    if (text.length < MIN_SHARED_LENGTH || (counts.get(text) ?? 0) < 2 || '$id' in s) return mapChildren(s, share);
    let name = names.get(text);
    if (name === undefined) {
      name = `s${names.size}`;
      names.set(text, name);
      definitions[name] = mapChildren(s, share);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const shared = mapChildren(root, share);
  return names.size ? { ...shared, definitions } : root;
}
