import type { HostModel, Link, Model, NamespaceModel, SiteModel } from '../../../model/types.js';

/**
 * View-model of one site's topology diagram (Graphviz DOT): a cluster per host holding its uplinks,
 * VLANs, bridges, VXLANs, VRFs and one node per namespace; VXLAN tunnels between hosts joined by VNI.
 * Namespaces, VRFs and tenant links share a colour per tenant (or per namespace name where the
 * inventory declares no tenants), assigned once per inventory so every site's picture agrees.
 */

/** ColorBrewer Set3: pastel, distinguishable, readable with black text. */
const PALETTE = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5', '#bc80bd', '#ccebc5', '#ffed6f', '#d9d9d9'];
const NEUTRAL = '#f4f4f4';
/**
 * Polyline routing reads best but its router fails (and prints to stderr) on large crowded sites;
 * above this many hosts edges are straight lines.
 */
const POLYLINE_MAX_HOSTS = 8;
/** More interfaces than this in one namespace are summarised as "+N more". */
const NS_LINES = 5;

/** A DOT double-quoted string. */
export function dotString(s: string): string {
  if (!DOT_SPECIAL.test(s)) return `"${s}"`;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

const DOT_SPECIAL = /[\\"\n]/;

/** Escapes text for DOT HTML-like labels. */
function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface ColorKeys {
  color(key: string | undefined): string;
  keys: Array<{ key: string; color: string }>;
}

/** Colour per tenant (or namespace name when the namespace has no tenant), stable across sites. */
export function colorKeys(model: Model): ColorKeys {
  const names = new Set<string>(model.tenants.map((t) => t.name));
  for (const h of model.hosts) for (const ns of h.namespaces) names.add(ns.tenant ?? ns.name);
  const sorted = [...names].sort();
  const map = new Map(sorted.map((k, i) => [k, PALETTE[i % PALETTE.length]]));
  return { color: (k) => (k !== undefined && map.get(k)) || NEUTRAL, keys: sorted.map((key) => ({ key, color: map.get(key)! })) };
}

interface DotNode {
  id: string;
  attrs: string;
}
interface DotEdge {
  from: string;
  to: string;
  attrs: string;
}

function attrs(a: Record<string, string | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (k === 'label' && v!.startsWith('<') ? `${k}=${v}` : `${k}=${dotString(v!)}`))
    .join(', ');
}

function addrLines(l: Link): string[] {
  return l.addresses.map((a) => a.text);
}

/** The tenant (colour key) a root-namespace link belongs to, when netgen derived it for one. */
function linkKey(l: Link, vniTenant: Map<number, string>, keys: Set<string>): string | undefined {
  if (l.derivedFrom?.startsWith('tenant ')) return l.derivedFrom.slice('tenant '.length);
  if (l.vxlan && vniTenant.has(l.vxlan.vni)) return vniTenant.get(l.vxlan.vni);
  if (l.kind === 'vrf' && keys.has(l.name)) return l.name;
  return l.vrf && keys.has(l.vrf) ? l.vrf : undefined;
}

/** What a link's node says under its name. */
function linkDetail(l: Link): string {
  switch (l.kind) {
    case 'nic':
      return 'NIC';
    case 'bond':
      return `bond ${l.bondOpts?.mode ?? ''}`.trim();
    case 'vlan':
      return `VLAN ${l.vlan?.id ?? ''}`;
    case 'vxlan':
      return `VXLAN VNI ${l.vxlan?.vni ?? ''}`;
    case 'tap':
      return l.description ?? 'tap';
    case 'vrf':
      return `VRF table ${l.vrfTable ?? ''}`;
    default:
      return l.kind; // bridge, macvlan, veth
  }
}

const LINK_SHAPE: Record<Link['kind'], string> = { nic: 'box', bond: 'box', vlan: 'box', bridge: 'box', vxlan: 'hexagon', macvlan: 'box', veth: 'ellipse', tap: 'ellipse', vrf: 'octagon' };

function linkNode(id: string, l: Link, fill: string): DotNode {
  const label = [l.name, linkDetail(l), ...addrLines(l)].filter(Boolean).join('\n');
  const style = l.kind === 'bridge' ? 'filled,bold' : l.kind === 'nic' || l.kind === 'bond' ? 'filled' : 'rounded,filled';
  return { id, attrs: attrs({ label, shape: LINK_SHAPE[l.kind], style, fillcolor: fill }) };
}

function namespaceNode(id: string, ns: NamespaceModel, fill: string): DotNode {
  const rows = ns.links.map((l) => `${l.name} ${addrLines(l).join(' ')}`.trim());
  const shown = rows.length > NS_LINES ? [...rows.slice(0, NS_LINES - 1), `+${rows.length - NS_LINES + 1} more`] : rows;
  const title = ns.tenant && ns.tenant !== ns.name ? `netns ${ns.name} (tenant ${ns.tenant})` : `netns ${ns.name}`;
  const label = `<<table border="0" cellborder="0" cellspacing="0" cellpadding="3"><tr><td><b>${html(title)}</b></td></tr>${shown.map((r) => `<tr><td align="left">${html(r)}</td></tr>`).join('')}</table>>`;
  return { id, attrs: attrs({ label, shape: 'folder', style: 'filled', fillcolor: fill, margin: '0.2,0.06' }) };
}

export interface SiteTopology {
  name: string;
  title: string;
  hosts: Array<{ id: string; attrs: string; nodes: DotNode[] }>;
  edges: DotEdge[];
  tunnels: DotEdge[];
  legend?: string;
}

/** A host's links that are drawn as nodes: all but the bridge side of a root veth pair (drawn as the edge from the veth to its bridge). */
function drawnLinks(h: HostModel): Link[] {
  const vethPeers = new Set(h.links.filter((l) => l.veth?.peerBridge).map((l) => l.veth!.peer));
  return h.links.filter((l) => !vethPeers.has(l.name));
}

/** How many nodes a site's diagram has (drawn links and namespaces), known without drawing it. */
export const siteNodeCount = (site: SiteModel): number => site.hosts.reduce((n, h) => n + drawnLinks(h).length + h.namespaces.length, 0);

export function siteTopology(model: Model, site: SiteModel, colors: ColorKeys): SiteTopology {
  const vniTenant = new Map(model.tenants.map((t) => [t.vni, t.name]));
  const keyNames = new Set(colors.keys.map((k) => k.key));
  const edges: DotEdge[] = [];
  const byVni = new Map<number, Array<{ node: string; key?: string }>>();
  const usedKeys = new Set<string>();
  const hosts = site.hosts.map((h: HostModel, hi: number) => {
    const nid = (name: string) => dotString(`h${hi}_${name}`);
    const nodes: DotNode[] = [];
    const rootNames = new Set(h.links.map((l) => l.name));
    for (const l of drawnLinks(h)) {
      const key = linkKey(l, vniTenant, keyNames);
      if (key) usedKeys.add(key);
      nodes.push(linkNode(nid(`l_${l.name}`), l, key ? colors.color(key) : NEUTRAL));
      const to = (target: string, a: Record<string, string | undefined> = {}) => edges.push({ from: nid(`l_${l.name}`), to: nid(`l_${target}`), attrs: attrs(a) });
      if (l.master && rootNames.has(l.master)) to(l.master);
      if (l.bond && rootNames.has(l.bond)) to(l.bond);
      if (l.vrf && rootNames.has(l.vrf)) to(l.vrf, { style: 'dashed' });
      if (l.veth?.peerBridge && rootNames.has(l.veth.peerBridge)) to(l.veth.peerBridge, { label: l.veth.peer, fontsize: '8' });
      if (l.vlan && rootNames.has(l.vlan.link)) edges.push({ from: nid(`l_${l.vlan.link}`), to: nid(`l_${l.name}`), attrs: '' });
      if (l.macvlan && rootNames.has(l.macvlan.link)) edges.push({ from: nid(`l_${l.macvlan.link}`), to: nid(`l_${l.name}`), attrs: '' });
      if (l.vxlan) {
        const underlay = l.vxlan.underlay ?? h.underlay?.link;
        if (underlay && rootNames.has(underlay)) edges.push({ from: nid(`l_${underlay}`), to: nid(`l_${l.name}`), attrs: attrs({ style: 'dotted', color: 'gray50', arrowhead: 'none' }) });
        const list = byVni.get(l.vxlan.vni) ?? [];
        list.push({ node: nid(`l_${l.name}`), key });
        byVni.set(l.vxlan.vni, list);
      }
    }
    for (const ns of h.namespaces) {
      const key = ns.tenant ?? ns.name;
      usedKeys.add(key);
      const id = nid(`ns_${ns.name}`);
      nodes.push(namespaceNode(id, ns, colors.color(key)));
      for (const l of ns.links) {
        if (l.veth?.peerBridge && rootNames.has(l.veth.peerBridge)) edges.push({ from: id, to: nid(`l_${l.veth.peerBridge}`), attrs: attrs({ label: l.name, fontsize: '8', color: 'gray30' }) });
        const parent = l.vlan?.link ?? l.macvlan?.link;
        if (parent && rootNames.has(parent)) edges.push({ from: nid(`l_${parent}`), to: id, attrs: attrs({ label: l.name, fontsize: '8' }) });
      }
    }
    const role = h.role === 'vyos' ? 'VyOS router' : 'Linux';
    const label = [`${h.name} (${role})`, h.managementAddress, h.description].filter(Boolean).join('\n');
    const hostAttrs = [`label=${dotString(label)}`, 'style="rounded,filled"', `fillcolor=${dotString(h.role === 'vyos' ? '#fff4d6' : '#ffffff')}`, 'color="gray40"'];
    return { id: `cluster_h${hi}`, attrs: hostAttrs.join('; '), nodes };
  });
  // One edge per consecutive pair of endpoints with the same VNI: a chain, not a full mesh, so the
  // picture stays readable (and linear) when many hosts carry the same tenant.
  const tunnels: DotEdge[] = [];
  for (const [vni, ends] of [...byVni.entries()].sort((a, b) => a[0] - b[0])) {
    for (let i = 1; i < ends.length; i++) {
      const key = ends[i].key ?? ends[i - 1].key;
      tunnels.push({ from: ends[i - 1].node, to: ends[i].node, attrs: attrs({ label: `VNI ${vni}`, style: 'bold,dashed', color: key ? darker(colors.color(key)) : 'gray20', dir: 'both', arrowhead: 'none', arrowtail: 'none', penwidth: '2', constraint: 'false' }) });
    }
  }
  const legendKeys = colors.keys.filter((k) => usedKeys.has(k.key));
  const legend = legendKeys.length > 1
    ? `<<table border="0" cellborder="1" cellspacing="0" cellpadding="5"><tr><td><b>colour</b></td></tr>${legendKeys.map((k) => `<tr><td bgcolor="${k.color}">${html(k.key)}</td></tr>`).join('')}</table>>`
    : undefined;
  // ASCII only: one character outside Latin-1 makes V8 hold the whole DOT (6 MB for a 1,000-host site)
  // as a two-byte string, which every later pass (the line-break checks, the hash, the encoding) reads
  // at a quarter of the speed.
  const title = [`site ${site.name} of ${model.source}`, ...wrap(model.input.description ?? '', 60)].filter(Boolean).join('\n');
  return { name: dotString(site.name), title: dotString(title), hosts, edges, tunnels, legend };
}

/** A darker shade of a palette colour for tunnel lines (pastels are too faint as 2px lines). */
function darker(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const ch = (shift: number) => Math.round(((n >> shift) & 0xff) * 0.6).toString(16).padStart(2, '0');
  return `#${ch(16)}${ch(8)}${ch(0)}`;
}

/**
 * The DOT text. Built here rather than in a template because the SVG is rendered from exactly this
 * text at plan time (an overlay could not change one without the other).
 */
export function topologyDot(t: SiteTopology, header: string): string {
  const out: string[] = [header.trimEnd(), '// Topology of one site: a box per host (VyOS routers shaded), interfaces and namespaces inside,', '// VXLAN tunnels between hosts as thick dashed lines labelled with their VNI.'];
  out.push(`graph ${t.name} {`);
  out.push(`  graph [label=${t.title}, labelloc=t, fontname="Helvetica", fontsize=14, rankdir=TB, nodesep=0.25, ranksep=0.45, newrank=true, splines=${t.hosts.length <= POLYLINE_MAX_HOSTS ? 'polyline' : 'line'}];`);
  out.push('  node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"];');
  out.push('  edge [fontname="Helvetica", fontsize=9, color="gray40"];');
  for (const h of t.hosts) {
    out.push(`  subgraph ${h.id} {`, `    ${h.attrs};`);
    for (const n of h.nodes) out.push(`    ${n.id} [${n.attrs}];`);
    out.push('  }');
  }
  for (const e of [...t.edges, ...t.tunnels]) out.push(`  ${e.from} -- ${e.to}${e.attrs ? ` [${e.attrs}]` : ''};`);
  if (t.legend) out.push(`  legend [shape=plaintext, label=${t.legend}];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Breaks text into lines of at most `width` characters at spaces (wide titles would be clipped). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
