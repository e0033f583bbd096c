import { createRequire } from 'node:module';
import type HandlebarsApi from 'handlebars';

/**
 * Calling compiled templates without Handlebars' per-call setup. A top-level call makes Handlebars wrap
 * every registered helper anew (a closure each, twenty of them) and build a fresh prototype-access
 * policy: for 68,000 files at 1,000 hosts, about a twentieth of a build. A call made the way Handlebars
 * calls a partial (`partial: true`) takes the helpers, partials, hooks and policy as given instead:
 * they are made here once per engine, with what the per-call setup would have made.
 */

type Helper = (...args: unknown[]) => unknown;

interface ProtoAccessModule {
  createProtoAccessControl(options: object): unknown;
  resultIsAllowed(result: unknown, control: unknown, name: string): boolean;
  isPrototypeConstructor(parent: object, name: string, result: unknown): boolean;
}

/** Handlebars' prototype-access policy (internal to its runtime, and what its own lookups use). */
const access = createRequire(import.meta.url)('handlebars/dist/cjs/handlebars/internal/proto-access.js') as ProtoAccessModule;

/** The options of a direct call; `data` is added per call for templates that read @data. */
export interface DirectCall {
  partial: true;
  helpers: Record<string, Helper>;
  partials: Record<string, unknown>;
  decorators: Record<string, unknown>;
  hooks: Record<string, Helper>;
  protoAccessControl: unknown;
}

/**
 * `hb`'s helpers, partials and decorators as a direct call needs them. Partials registered later are
 * seen too (the partials object is Handlebars' own). Handlebars moves `helperMissing` and
 * `blockHelperMissing` into hooks, and gives each helper call `options.lookupProperty`; of its own
 * helpers only `lookup` reads that, and netgen's never do, so only `lookup` is wrapped.
 */
export function directCall(hb: typeof HandlebarsApi): DirectCall {
  const protoAccessControl = access.createProtoAccessControl({});
  // Handlebars' own lookupProperty (runtime.js), with the same policy.
  const lookupProperty = (parent: Record<string, unknown>, name: string): unknown => {
    const result = parent[name];
    if (result == null) return result;
    if (Object.prototype.hasOwnProperty.call(parent, name) && !access.isPrototypeConstructor(parent, name, result)) return result;
    return access.resultIsAllowed(result, protoAccessControl, name) ? result : undefined;
  };
  const helpers: Record<string, Helper> = {};
  const hooks: Record<string, Helper> = {};
  for (const [name, helper] of Object.entries(hb.helpers as Record<string, Helper>)) {
    const given =
      name === 'lookup'
        ? function (this: unknown, ...args: unknown[]) {
            (args[args.length - 1] as { lookupProperty?: unknown }).lookupProperty = lookupProperty;
            return helper.apply(this, args);
          }
        : helper;
    if (name === 'helperMissing' || name === 'blockHelperMissing') hooks[name] = given;
    else helpers[name] = given;
  }
  return { partial: true, helpers, partials: hb.partials as Record<string, unknown>, decorators: hb.decorators as Record<string, unknown>, hooks, protoAccessControl };
}
