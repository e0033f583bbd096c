import { createRequire } from 'node:module';

interface ProtoAccessModule {
  createProtoAccessControl(options: object): unknown;
  resultIsAllowed(result: unknown, control: unknown, name: string): boolean;
  isPrototypeConstructor(parent: object, name: string, result: unknown): boolean;
}

/** Handlebars' prototype-access policy (internal to its runtime, and what its own lookups use), loaded when first asked. */
const accessModule = (): ProtoAccessModule => createRequire(import.meta.url)('handlebars/dist/cjs/handlebars/internal/proto-access.js') as ProtoAccessModule;

/**
 * How Handlebars' runtime reads a property for a template, for generated templates to read the same:
 * own properties as they are (but a prototype's `constructor`), inherited ones only where its default
 * prototype-access policy allows (it denies them, and logs the first denial of each name).
 */
export function handlebarsLookup(): { lookup(parent: unknown, name: string): unknown; nullContext: object } {
  let policy: { access: ProtoAccessModule; control: unknown } | undefined;
  const lookup = (parent: unknown, name: string): unknown => {
    const result = (parent as Record<string, unknown>)[name];
    if (result == null) return result;
    // Generated code reads own properties itself and asks here for the rest: rare, so loaded then.
    if (!policy) {
      const access = accessModule();
      policy = { access, control: access.createProtoAccessControl({}) };
    }
    if (Object.prototype.hasOwnProperty.call(parent, name) && !policy.access.isPrototypeConstructor(parent as object, name, result)) return result;
    return policy.access.resultIsAllowed(result, policy.control, name) ? result : undefined;
  };
  return { lookup, nullContext: Object.seal({}) };
}
