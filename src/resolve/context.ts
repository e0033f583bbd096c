import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { JsonPath, Locator } from '../load/source.js';
import type { Allocator } from './allocator.js';

/** What every resolver step needs: where to report, how to point, how to allocate. */
export class ResolveContext {
  constructor(
    readonly bag: DiagnosticBag,
    readonly locator: Locator,
    readonly allocator: Allocator,
  ) {}

  error(code: string, message: string, path: JsonPath, extra: { hint?: string; related?: { message: string; path: JsonPath }[]; at?: 'key' | 'value' } = {}): void {
    this.bag.error(code, message, this.locator.position(path, extra.at ?? 'value'), {
      hint: extra.hint,
      related: extra.related?.map((r) => ({ message: r.message, position: this.locator.position(r.path, 'key') })),
    });
  }

  warning(code: string, message: string, path: JsonPath, hint?: string): void {
    this.bag.warning(code, message, this.locator.position(path), hint ? { hint } : {});
  }
}
