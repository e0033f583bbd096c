import type { Viz } from '@viz-js/viz';
import type { Model } from '../../model/types.js';
import { lineStructureKey } from '../../load/line-key.js';
import type { Emitter, GlobalPart, PlannedFile } from '../../plan/artifact.js';
import { digest } from '../../plan/reuse.js';
import { headerLines } from '../engine.js';
import { addressPlanIndex, Citations, MERMAID_MAX_HOSTS, siteAddressPlan, siteAddressPlanPath, tenantFacts } from './docs/address-plan.js';
import { LineIndex } from './docs/lines.js';
import { colorKeys, siteTopology, topologyDot } from './docs/topology.js';

/**
 * out/<inventory>/docs/: per site a topology diagram (DOT and SVG) and an address plan in Markdown,
 * and per inventory an index of the plans with the tenants and an overview. The SVG is rendered
 * in-process by Graphviz compiled to WebAssembly, so no system binary is needed. The instance is
 * created once, in prepare(), so commands that do not build (validate, explain, schema) never load it.
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

const INDEX = 'index';
const sitePart = (site: string): string => `site/${site}`;

export const docsEmitter: Emitter = {
  target: 'docs',
  prepare: prepareViz,
  /**
   * One part per site (its diagram and address plan read its own hosts) and the index. Every part
   * reads the tenants, the colours (assigned across the inventory) and the inventory lines it cites:
   * an edit that moves no line and touches one site rebuilds that site's docs and the index only when
   * what they show changed.
   */
  globalParts(model: Model): GlobalPart[] {
    const shared = digest({ description: model.input.description, tenants: tenantFacts(model), colors: colorKeys(model).keys, lines: lineStructureKey(model.locator) });
    const small = model.hosts.length <= MERMAID_MAX_HOSTS;
    return [
      { id: INDEX, hosts: small ? model.hosts : [], reads: { shared, sites: model.sites.map((s) => [s.name, s.hosts.length]) } },
      ...model.sites.map((site) => ({ id: sitePart(site.name), site: site.name, hosts: site.hosts, reads: { shared } })),
    ];
  },
  /**
   * Site by site, each file made when it is asked for: a site's rows and diagram are garbage once
   * rendered (all sites' at once were 400 MB at 10,000 hosts). The rows are made twice: first only to
   * learn which inventory lines they cite, so that one line index serves every plan.
   */
  *planGlobal(model: Model, parts?: ReadonlySet<string>): Generator<PlannedFile> {
    const wanted = (id: string) => !parts || parts.has(id);
    const sites = model.sites.filter((s) => wanted(sitePart(s.name)));
    const collect = new Citations();
    for (const site of sites) siteAddressPlan(model, site, collect);
    if (wanted(INDEX)) addressPlanIndex(model, collect);
    const citations = new Citations(collect.origins.length ? new LineIndex(model.locator, { wanted: collect.origins }) : undefined);
    const colors = colorKeys(model);
    for (const site of sites) {
      const part = sitePart(site.name);
      const topology = siteTopology(model, site, colors);
      const dot = topologyDot(topology, headerLines('//', { source: model.source }));
      yield { kind: 'doc', site: site.name, part, path: `docs/${site.name}.dot`, content: dot };
      const nodes = topology.hosts.reduce((n, h) => n + h.nodes.length, 0);
      // Laid out only when the DOT changed (or the SVG is missing): an edit in one site does not redraw the others.
      if (site.hosts.length <= SVG_MAX_HOSTS && nodes <= SVG_MAX_NODES) yield { kind: 'doc', site: site.name, part, path: `docs/${site.name}.svg`, derived: { from: dot, make: (d) => renderSvg(d, model.source) } };
      yield { kind: 'doc', site: site.name, part, path: siteAddressPlanPath(site.name), template: 'docs/site-address-plan.md.hbs', context: siteAddressPlan(model, site, citations) };
    }
    if (wanted(INDEX)) yield { kind: 'doc', part: INDEX, path: 'docs/address-plan.md', template: 'docs/address-plan.md.hbs', context: addressPlanIndex(model, citations) };
  },
};
