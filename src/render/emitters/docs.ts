import type { Viz } from '@viz-js/viz';
import type { Model } from '../../model/types.js';
import type { Emitter, PlannedFile } from '../../plan/artifact.js';
import { headerLines } from '../engine.js';
import { addressPlan } from './docs/address-plan.js';
import { LineIndex } from './docs/lines.js';
import { colorKeys, siteTopology, topologyDot } from './docs/topology.js';

/**
 * out/<inventory>/docs/: per site a topology diagram (DOT and SVG) and per inventory an address
 * plan in Markdown. The SVG is rendered in-process by Graphviz compiled to WebAssembly, so no
 * system binary is needed. The instance is created once, in prepare(), so commands that do not
 * build (validate, explain, schema) never load it.
 */
let viz: Viz | undefined;
let loading: Promise<void> | undefined;

export function prepareViz(): Promise<void> {
  loading ??= import('@viz-js/viz').then(async (m) => {
    viz = await m.instance();
  });
  return loading;
}

/**
 * Graphviz layout time grows fast with size, and a picture of more is unreadable: larger sites (by
 * hosts, or by interfaces and namespaces drawn: one host with 2,000 VLANs took 300 ms) get the DOT
 * source only.
 */
export const SVG_MAX_HOSTS = 24;
export const SVG_MAX_NODES = 500;

export function renderSvg(dot: string, source: string): string {
  if (!viz) throw new Error('the Graphviz renderer is not loaded: call prepareViz() (compile does, through Emitter.prepare)');
  const svg = viz.renderString(dot, { format: 'svg', engine: 'dot' });
  // The header goes after the XML declaration, which must stay first.
  return svg.replace(/^(<\?xml[^>]*>\n)?/, (decl) => `${decl}${headerLines('xml', { source })}`);
}

export const docsEmitter: Emitter = {
  target: 'docs',
  prepare: prepareViz,
  planGlobal(model: Model): PlannedFile[] {
    const colors = colorKeys(model);
    const files: PlannedFile[] = [];
    for (const site of model.sites) {
      const topology = siteTopology(model, site, colors);
      const dot = topologyDot(topology, headerLines('//', { source: model.source }));
      files.push({ kind: 'doc', site: site.name, path: `docs/${site.name}.dot`, content: dot });
      const nodes = topology.hosts.reduce((n, h) => n + h.nodes.length, 0);
      // Laid out only when the DOT changed (or the SVG is missing): an edit in one site does not redraw the others.
      if (site.hosts.length <= SVG_MAX_HOSTS && nodes <= SVG_MAX_NODES) files.push({ kind: 'doc', site: site.name, path: `docs/${site.name}.svg`, derived: { from: dot, make: (d) => renderSvg(d, model.source) } });
    }
    const plan = addressPlan(model, (wanted) => new LineIndex(model.locator, { wanted }));
    files.push({ kind: 'doc', path: 'docs/address-plan.md', template: 'docs/address-plan.md.hbs', context: plan });
    return files;
  },
};
