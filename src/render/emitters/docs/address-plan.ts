import type { HostModel, Link, Model, NamespaceModel, Origin } from '../../../model/types.js';
import { parseCidr } from '../../../net/ip.js';
import type { LineIndex } from './lines.js';

/**
 * View-model of docs/address-plan.md: per tenant and site every interface with its addresses,
 * subnet, VNI, VLAN, MAC, routing table and the inventory line it came from, plus a Mermaid
 * overview. One pass over hosts and links.
 */

/** Mermaid overviews larger than this become unreadable; above it only sites are drawn. */
const MERMAID_MAX_HOSTS = 60;

/** A Markdown table cell: one line, pipes escaped. */
export function mdCell(v: string | number | undefined): string {
  if (v === undefined || v === '') return '';
  return String(v).replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'");
}

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

/** Rows whose `source` is filled in once every cited origin is known (one small line index, not all of them). */
type Cite = (row: { source: string }, origin: Origin) => void;

function rowsOf(host: HostModel, ns: NamespaceModel | undefined, l: Link, vni: number | undefined, cite: Cite): Row[] {
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

/** `linesFor` makes the line index of the origins the plan cites. */
export function addressPlan(model: Model, linesFor: (wanted: Origin[]) => LineIndex) {
  const cited: Array<{ source: string }> = [];
  const origins: Origin[] = [];
  const cite: Cite = (row, origin) => {
    cited.push(row);
    origins.push(origin);
  };
  const tenantNames = new Set(model.tenants.map((t) => t.name));
  const vniTenant = new Map(model.tenants.map((t) => [t.vni, t.name]));
  const tenantVni = new Map(model.tenants.map((t) => [t.name, t.vni]));
  const OTHER = '';
  // group → site → rows, filled in one pass
  const groups = new Map<string, Map<string, Row[]>>();
  const add = (group: string, site: string, rows: Row[]) => {
    let sites = groups.get(group);
    if (!sites) groups.set(group, (sites = new Map()));
    const list = sites.get(site) ?? [];
    list.push(...rows);
    sites.set(site, list);
  };
  for (const h of model.hosts) {
    for (const l of h.links) {
      if (!interesting(l, false)) continue;
      const derived = l.derivedFrom?.startsWith('tenant ') ? l.derivedFrom.slice(7) : undefined;
      const tenant = derived ?? (l.vxlan ? vniTenant.get(l.vxlan.vni) : undefined);
      const group = tenant && tenantNames.has(tenant) ? tenant : OTHER;
      add(group, h.site, rowsOf(h, undefined, l, undefined, cite));
    }
    for (const ns of h.namespaces) {
      const group = ns.tenant && tenantNames.has(ns.tenant) ? ns.tenant : OTHER;
      const vni = ns.tenant ? tenantVni.get(ns.tenant) : undefined;
      for (const l of ns.links) add(group, h.site, rowsOf(h, ns, l, vni, cite));
    }
  }
  const sections = (group: string) =>
    [...(groups.get(group) ?? new Map<string, Row[]>()).entries()].map(([site, rows]) => ({ site: mdCell(site), rows }));
  const tenants = model.tenants.map((t) => {
    const row = {
      name: mdCell(t.name),
      vni: `${t.vni}${t.vniAllocated ? ' (allocated)' : ''}`,
      cidrs: mdCell(t.cidrs.map((c) => c.cidrText).join(', ')),
      gateway: mdCell([t.gateway, t.gateway6].filter(Boolean).join(', ')),
      hosts: mdCell(t.hosts.join(', ')),
      source: '',
      sites: sections(t.name),
    };
    cite(row, t.origin);
    return row;
  });
  const tables = model.hosts.flatMap((h) =>
    h.tables.map((t) => {
      const row = { host: mdCell(h.id), name: mdCell(t.name), id: t.id, allocated: t.allocated ? 'yes' : 'no', source: '' };
      cite(row, t.origin);
      return row;
    }),
  );
  const lines = linesFor(origins);
  cited.forEach((row, i) => (row.source = mdCell(lines.at(origins[i]))));
  return {
    inventory: mdCell(model.source),
    description: mdCell(model.input.description),
    mermaid: mermaid(model),
    tenants,
    other: sections(OTHER),
    tables,
  };
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
