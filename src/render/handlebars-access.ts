import { createRequire } from 'node:module';

interface ProtoAccessModule {
  createProtoAccessControl(options: object): unknown;
  resultIsAllowed(result: unknown, control: unknown, name: string): boolean;
  isPrototypeConstructor(parent: object, name: string, result: unknown): boolean;
}

/** Handlebars' prototype-access policy (internal to its runtime, and what its own lookups use). */
const access = createRequire(import.meta.url)('handlebars/dist/cjs/handlebars/internal/proto-access.js') as ProtoAccessModule;

/**
 * How Handlebars' runtime reads a property for a template, for generated templates to read the same:
 * own properties as they are (but a prototype's `constructor`), inherited ones only where its default
 * prototype-access policy allows (it denies them, and logs the first denial of each name).
 */
export function handlebarsLookup(): { lookup(parent: unknown, name: string): unknown; nullContext: object } {
  const control = access.createProtoAccessControl({});
  const lookup = (parent: unknown, name: string): unknown => {
    const result = (parent as Record<string, unknown>)[name];
    if (result == null) return result;
    if (Object.prototype.hasOwnProperty.call(parent, name) && !access.isPrototypeConstructor(parent as object, name, result)) return result;
    return access.resultIsAllowed(result, control, name) ? result : undefined;
  };
  return { lookup, nullContext: Object.seal({}) };
}
