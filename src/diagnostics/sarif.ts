import { catalog } from './catalog.js';
import type { Diagnostic } from './diagnostic.js';

/**
 * Diagnostics as SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) read
 * to annotate the inventory lines in a pull request. Rules are the catalog entries that occur.
 */
export function toSarif(diagnostics: Diagnostic[]): object {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const index = new Map(codes.map((c, i) => [c, i]));
  const rules = codes.map((code) => {
    const e = catalog.get(code);
    return {
      id: code,
      name: e?.title.replace(/[^A-Za-z0-9]+/g, ' ').trim().replace(/ (\w)/g, (_m, c: string) => c.toUpperCase()) ?? code,
      shortDescription: { text: e?.title ?? code },
      fullDescription: { text: e?.explanation ?? code },
      help: { text: [e?.explanation, e?.fix ? `Fix: ${e.fix}` : '', `netgen explain ${code}`].filter(Boolean).join('\n\n') },
    };
  });
  const results = diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: index.get(d.code),
    level: d.severity === 'error' ? 'error' : 'warning',
    message: { text: d.hint ? `${d.message} (hint: ${d.hint})` : d.message },
    ...(d.position
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: fileUri(d.position.file) },
                region: { startLine: d.position.line, startColumn: d.position.col, ...(d.position.endLine ? { endLine: d.position.endLine, endColumn: d.position.endCol } : {}) },
              },
            },
          ],
        }
      : {}),
    ...(d.related?.length
      ? { relatedLocations: d.related.filter((r) => r.position).map((r, i) => ({ id: i, message: { text: r.message }, physicalLocation: { artifactLocation: { uri: fileUri(r.position!.file) }, region: { startLine: r.position!.line, startColumn: r.position!.col } } })) }
      : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'netgen', rules } }, results }],
  };
}

/** Relative paths stay relative (to the repository root CI runs in); absolute ones become file: URIs. */
function fileUri(file: string): string {
  const p = file.split('\\').join('/');
  return p.startsWith('/') ? `file://${encodeURI(p)}` : encodeURI(p);
}
