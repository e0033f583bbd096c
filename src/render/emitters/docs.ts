import type { Model, SiteModel } from '../../model/types.js';
import { lineStructureKey } from '../../load/line-key.js';
import type { Emitter, GlobalPart, PlannedFile } from '../../plan/artifact.js';
import { digest } from '../../plan/reuse.js';
import { headerLines } from '../engine.js';
import { addressPlanIndex, Citations, MERMAID_MAX_HOSTS, siteAddressPlan, siteAddressPlanPath, tenantFacts } from './docs/address-plan.js';
import { LineIndex } from './docs/lines.js';
import { layoutSvg, startLayoutThread } from './docs/svg-layout.js';
import { colorKeys, siteNodeCount, siteTopology, topologyDot } from './docs/topology.js';

/**
 * out/<inventory>/docs/: per site a topology diagram (DOT and SVG) and an address plan in Markdown,
 * and per inventory an index of the plans with the tenants and an overview. The SVG is laid out
 * in-process by Graphviz compiled to WebAssembly (docs/svg-layout.ts), so no system binary is needed.
 */

/**
 * Graphviz layout time grows fast with size, and a picture of more is unreadable: larger sites (by
 * hosts, or by interfaces and namespaces drawn: one host with 2,000 VLANs took 300 ms) get the DOT
 * source only.
 */
export const SVG_MAX_HOSTS = 24;
export const SVG_MAX_NODES = 500;

export async function renderSvg(dot: string, source: string): Promise<string> {
  const svg = await layoutSvg(dot);
  // The header goes after the XML declaration, which must stay first.
  return svg.replace(/^(<\?xml[^>]*>\n)?/, (decl) => `${decl}${headerLines('xml', { source })}`);
}

/** Whether a site gets an SVG besides its DOT. */
const drawn = (site: SiteModel): boolean => site.hosts.length <= SVG_MAX_HOSTS && siteNodeCount(site) <= SVG_MAX_NODES;

const INDEX = 'index';
const sitePart = (site: string): string => `site/${site}`;

export const docsEmitter: Emitter = {
  target: 'docs',
  /** The layout thread starts loading Graphviz while the hosts are planned, when a site is small enough to draw. */
  prepare(model: Model): void {
    if (model.sites.some(drawn)) startLayoutThread();
  },
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
      // Laid out only when the DOT changed (or the SVG is missing): an edit in one site does not redraw the others.
      if (drawn(site)) yield { kind: 'doc', site: site.name, part, path: `docs/${site.name}.svg`, derived: { from: dot, make: (d) => renderSvg(d, model.source) } };
      yield { kind: 'doc', site: site.name, part, path: siteAddressPlanPath(site.name), template: 'docs/site-address-plan.md.hbs', context: siteAddressPlan(model, site, citations) };
    }
    if (wanted(INDEX)) yield { kind: 'doc', part: INDEX, path: 'docs/address-plan.md', template: 'docs/address-plan.md.hbs', context: addressPlanIndex(model, citations) };
  },
};
