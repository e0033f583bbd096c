import type { HostModel, Link, Model, NamespaceModel, Origin, SiteModel } from '../../../model/types.js';
import { parseCidr } from '../../../net/ip.js';
import type { LineIndex } from './lines.js';

/**
 * View-models of the address plans: docs/address-plan.md (a Mermaid overview, the tenants, the sites)
 * and per site docs/<site>.address-plan.md (every interface with its addresses, subnet, VNI, VLAN, MAC,
 * routing table and the inventory line it came from). One file per site: a site's plan is rebuilt only
 * when that site changed, and a 10,000-host inventory is not one 30 MB page.
 */

/** Mermaid overviews larger than this become unreadable; above it only sites are drawn. */
export const MERMAID_MAX_HOSTS = 60;

/** A Markdown table cell: one line, pipes escaped. */
export function mdCell(v: string | number | undefined): string {
  if (v === undefined || v === '') return '';
  const text = String(v);
  // Most cells need nothing: one test instead of four replacements (a tenth of the docs' time).
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'");
}

const NEEDS_ESCAPE = /[\u0000-\u001f\u007f\\|`]/;

/** A Mermaid label in double quotes (Mermaid's entity for the quote itself). */
function mermaidLabel(s: string): string {
  return `"${s.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/"/g, '#quot;')}"`;
}

interface Row {
  host: string;
  namespace: string;
  iface: string;
  kind: string;
  address: string;
  subnet: string;
  vni: string;
  vlan: string;
  mac: string;
  table: string;
  source: string;
}

function tablesOf(l: Link): string {
  const t = new Set<string>();
  if (l.vrfTable) t.add(`${l.name} ${l.vrfTable}`);
  for (const r of [...l.routes, ...l.rules]) if (r.table) t.add(r.tableName ? `${r.tableName} ${r.table}` : String(r.table));
  return [...t].sort().join(', ');
}

/**
 * Where the plans' rows cite inventory lines. Made without a line index, it only collects the origins
 * cited (a first pass, whose rows are garbage at once), so that one index holding just those serves
 * every plan of the build; made with that index, it fills in each row's source as the row is made.
 */
export class Citations {
  readonly origins: Origin[] = [];

  constructor(private readonly lines?: LineIndex) {}

  /** Only collecting origins: rows made now are thrown away, so they need not be made. */
  get collecting(): boolean {
    return this.lines === undefined;
  }

  cite(row: { source: string }, origin: Origin): void {
    if (this.lines) row.source = mdCell(this.lines.at(origin));
    else this.origins.push(origin);
  }
}

type Cite = Citations['cite'];

/** What a collecting pass cites rows as (it never writes into them). */
const NO_ROW = { source: '' };

function rowsOf(host: HostModel, ns: NamespaceModel | undefined, l: Link, vni: number | undefined, citations: Citations): Row[] {
  const cite: Cite = (row, origin) => citations.cite(row, origin);
  if (citations.collecting) {
    if (l.addresses.length === 0) cite(NO_ROW, l.origin);
    for (const a of l.addresses) cite(NO_ROW, a.origin);
    return [];
  }
  const base = {
    host: mdCell(host.name),
    namespace: mdCell(ns?.name ?? ''),
    iface: mdCell(l.name),
    kind: mdCell(l.kind),
    vni: mdCell(l.vxlan?.vni ?? vni),
    vlan: mdCell(l.vlan?.id),
    mac: mdCell(l.mac ?? l.veth?.peerMac),
    table: mdCell(tablesOf(l)),
  };
  if (l.addresses.length === 0) {
    const row = { ...base, address: '', subnet: '', source: '' };
    cite(row, l.origin);
    return [row];
  }
  return l.addresses.map((a) => {
    const row = { ...base, address: mdCell(`${a.text}${a.allocated ? ' (allocated)' : ''}${a.shared ? ' (shared)' : ''}`), subnet: mdCell(parseCidr(a.text)?.networkText ?? ''), source: '' };
    cite(row, a.origin);
    return row;
  });
}

/** Links worth a row: they carry an address, a VNI, a VLAN, a MAC, or belong to a namespace. */
function interesting(l: Link, inNamespace: boolean): boolean {
  return inNamespace || l.addresses.length > 0 || !!l.vxlan || !!l.vlan || !!l.mac || l.kind === 'bridge' || l.kind === 'vrf';
}

/** The file of a site's address plan, beside the site's diagram. */
export const siteAddressPlanPath = (site: string): string => `docs/${site}.address-plan.md`;

/**
 * What the docs read of the tenants (the parts' reuse key says so: docs.ts). Everything the plans
 * show of a tenant is here.
 */
export function tenantFacts(model: Model): unknown[] {
  return model.tenants.map((t) => [t.name, t.vni, t.vniAllocated, t.cidrs.map((c) => c.cidrText), t.gateway, t.gateway6, t.hosts, t.origin]);
}

/** View-model of docs/address-plan.md: the overview, the tenants and one line per site's plan. */
export function addressPlanIndex(model: Model, citations: Citations) {
  const tenants = model.tenants.map((t) => {
    const row = {
      name: mdCell(t.name),
      vni: `${t.vni}${t.vniAllocated ? ' (allocated)' : ''}`,
      cidrs: mdCell(t.cidrs.map((c) => c.cidrText).join(', ')),
      gateway: mdCell([t.gateway, t.gateway6].filter(Boolean).join(', ')),
      hosts: mdCell(t.hosts.join(', ')),
      source: '',
    };
    citations.cite(row, t.origin);
    return row;
  });
  const sites = model.sites.map((s) => ({ name: mdCell(s.name), hosts: s.hosts.length, file: siteAddressPlanPath(s.name).slice('docs/'.length) }));
  return { inventory: mdCell(model.source), description: mdCell(model.input.description), mermaid: mermaid(model), tenants, sites };
}

/**
 * View-model of docs/<site>.address-plan.md: per tenant (in inventory order), then for host interfaces
 * and namespaces of no tenant, every interface of the site's hosts; then their routing tables. One pass
 * over the site's hosts and links.
 */
export function siteAddressPlan(model: Model, site: SiteModel, citations: Citations) {
  const cite: Cite = (row, origin) => citations.cite(row, origin);
  const tenantOrder = new Map(model.tenants.map((t, i) => [t.name, i]));
  const vniTenant = new Map(model.tenants.map((t) => [t.vni, t.name]));
  const tenantVni = new Map(model.tenants.map((t) => [t.name, t.vni]));
  const OTHER = '';
  const groups = new Map<string, Row[]>();
  const add = (group: string, rows: Row[]) => {
    const list = groups.get(group);
    if (list) list.push(...rows);
    else groups.set(group, rows);
  };
  for (const h of site.hosts) {
    for (const l of h.links) {
      if (!interesting(l, false)) continue;
      const derived = l.derivedFrom?.startsWith('tenant ') ? l.derivedFrom.slice(7) : undefined;
      const tenant = derived ?? (l.vxlan ? vniTenant.get(l.vxlan.vni) : undefined);
      add(tenant && tenantOrder.has(tenant) ? tenant : OTHER, rowsOf(h, undefined, l, undefined, citations));
    }
    for (const ns of h.namespaces) {
      const group = ns.tenant && tenantOrder.has(ns.tenant) ? ns.tenant : OTHER;
      const vni = ns.tenant ? tenantVni.get(ns.tenant) : undefined;
      for (const l of ns.links) add(group, rowsOf(h, ns, l, vni, citations));
    }
  }
  const tenants = [...groups.keys()]
    .filter((g) => g !== OTHER)
    .sort((a, b) => tenantOrder.get(a)! - tenantOrder.get(b)!)
    .map((name) => ({ name: mdCell(name), rows: groups.get(name)! }));
  const tables = site.hosts.flatMap((h) =>
    h.tables.map((t) => {
      const row = { host: mdCell(h.id), name: mdCell(t.name), id: t.id, allocated: t.allocated ? 'yes' : 'no', source: '' };
      cite(row, t.origin);
      return row;
    }),
  );
  return { inventory: mdCell(model.source), site: mdCell(site.name), hasTenants: model.tenants.length > 0, tenants, other: groups.get(OTHER) ?? [], tables };
}

function mermaid(model: Model): string[] {
  const out = ['flowchart LR'];
  const small = model.hosts.length <= MERMAID_MAX_HOSTS;
  const hostId = new Map<string, string>();
  model.sites.forEach((s, si) => {
    if (!small) {
      out.push(`  s${si}[${mermaidLabel(`site ${s.name}: ${s.hosts.length} hosts`)}]`);
      return;
    }
    out.push(`  subgraph s${si}[${mermaidLabel(`site ${s.name}`)}]`);
    s.hosts.forEach((h, hi) => {
      const id = `h${si}_${hi}`;
      hostId.set(h.id, id);
      const ns = h.namespaces.length ? `<br/>${h.namespaces.length} namespace${h.namespaces.length === 1 ? '' : 's'}` : '';
      const label = mermaidLabel(`${h.name}${h.role === 'vyos' ? ' (VyOS)' : ''}${ns}`);
      out.push(h.role === 'vyos' ? `    ${id}{{${label}}}` : `    ${id}[${label}]`);
    });
    out.push('  end');
  });
  model.tenants.forEach((t, ti) => {
    out.push(`  t${ti}([${mermaidLabel(`tenant ${t.name}<br/>VNI ${t.vni}`)}])`);
    if (small) for (const h of t.hosts) if (hostId.has(h)) out.push(`  t${ti} --- ${hostId.get(h)}`);
  });
  return out;
}
