import type { PlannedFile } from '../plan/artifact.js';
import type { ManifestEntry } from '../write/writer.js';
import { manifestEntry } from './manifest.js';
import type { TemplateEngine } from './engine.js';
import { sha256Hex } from '../util/hash.js';

export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Rendered {
  content: string;
  mode: number;
  entry: ManifestEntry;
}

/**
 * Renders one planned file; output is normalised to end in exactly one newline. A file whose `derived`
 * content comes as a promise is returned as a promise of the same.
 */
export function renderOne(p: PlannedFile, engine: TemplateEngine): Rendered | Promise<Rendered> {
  let content: string;
  if (p.content !== undefined) content = p.content;
  else if (p.derived) {
    const made = p.derived.make(p.derived.from);
    if (typeof made !== 'string') return made.then((text) => finished(p, text));
    content = made;
  } else {
    try {
      content = engine.render(p.template!, p.context ?? {});
    } catch (e) {
      throw new TemplateRenderError(p.template!, (e as Error).message.split('\n')[0]);
    }
  }
  return finished(p, content);
}

function finished(p: PlannedFile, text: string): Rendered {
  // trimEnd, not a /\s*$/ replace: the regex retries from every whitespace run (a tenth of render time).
  // Most files have no run of blank lines to squeeze: a search is cheaper than a replace that copies.
  const squeezed = text.includes('\n\n\n') ? text.replace(/\n{3,}/g, '\n\n') : text;
  // Most end in one line break already: kept as they are, not copied.
  const n = squeezed.length;
  const content = n >= 2 && squeezed.charCodeAt(n - 1) === 10 && !/\s/.test(squeezed[n - 2]) ? squeezed : `${squeezed.trimEnd()}\n`;
  const mode = p.mode ?? 0o644;
  return { content, mode, entry: manifestEntry(p, sha256Hex(content), Buffer.byteLength(content)) };
}

/**
 * What one host's files (or the inventory-wide ones) are rendered from: their paths, modes, templates
 * and contexts. Templates and helpers are pure functions of the context, so an equal fingerprint under
 * the same templates (`renderKey`) means equal bytes, and the last build's files can be kept without
 * rendering. Contexts are plain JSON data (test/unit/fingerprint.test.ts holds every emitter to it);
 * a context JSON cannot express leaves the group without a fingerprint, i.e. always rendered.
 */
export function groupFingerprint(renderKey: string, planned: PlannedFile[]): string | undefined {
  // One string, one hash update: per-file updates cost more in native calls than the hashing itself.
  let text = renderKey;
  // Emitters hand one context object to several files (a namespace's up, down and unit; FRR's five
  // files); it is serialised once and referred to by its first file's index after that.
  const seen = new Map<object, number>();
  try {
    planned.forEach((p, i) => {
      text += `\0${p.path}\0${p.kind}\0${p.site ?? ''}\0${p.host ?? ''}\0${p.mode ?? 0o644}\0`;
      if (p.content !== undefined) text += `c${p.content}`;
      else if (p.derived) text += `d${p.derived.from}`;
      else {
        const context = p.context ?? {};
        const first = seen.get(context);
        if (first !== undefined) text += `t${p.template}\0=${first}`;
        else {
          seen.set(context, i);
          text += `t${p.template}\0${JSON.stringify(context)}`;
        }
      }
    });
  } catch {
    return undefined;
  }
  return sha256Hex(text);
}
