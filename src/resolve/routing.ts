import type { JsonPath } from '../load/source.js';
import type { RouteModel, RuleModel, TableModel } from '../model/types.js';
import { parseAddress, parseCidr, type Family } from '../net/ip.js';
import type { RouteInput, RuleInput } from '../schema/inventory.js';
import { didYouMean } from '../util/suggest.js';
import type { ResolveContext } from './context.js';

const WELL_KNOWN_TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

export class TableScope {
  constructor(readonly tables: TableModel[]) {}

  resolve(ref: string | number, path: JsonPath, ctx: ResolveContext): { id: number; name?: string } | undefined {
    if (typeof ref === 'number') {
      const named = this.tables.find((t) => t.id === ref);
      return { id: ref, name: named?.name };
    }
    if (/^\d+$/.test(ref)) return { id: Number(ref) };
    // hasOwn, not `in`: a table named 'toString' or 'constructor' must not resolve to Object.prototype.
    if (Object.hasOwn(WELL_KNOWN_TABLES, ref)) return { id: WELL_KNOWN_TABLES[ref], name: ref };
    const t = this.tables.find((x) => x.name === ref);
    if (t) return { id: t.id, name: t.name };
    ctx.error('NG3001', `unknown routing table '${ref}'`, path, { hint: didYouMean(ref, [...this.tables.map((x) => x.name), ...Object.keys(WELL_KNOWN_TABLES)]) ?? 'declare it under the host\'s tables:' });
    return undefined;
  }
}

export function parseRoute(r: RouteInput, path: JsonPath, tables: TableScope, ctx: ResolveContext, dev?: string): RouteModel | undefined {
  let to: string;
  let family: Family;
  if (r.to === 'default' || r.to === 'default4') {
    to = '0.0.0.0/0';
    family = 4;
  } else if (r.to === 'default6') {
    to = '::/0';
    family = 6;
  } else {
    const c = parseCidr(r.to, true);
    if (!c) {
      ctx.error('NG2006', `route destination '${r.to}' is not a prefix`, path.concat('to'), { hint: "write e.g. 10.0.0.0/16, 2001:db8::/48 or 'default'" });
      return undefined;
    }
    if (c.value !== c.network) {
      ctx.error('NG4005', `route destination ${r.to} has host bits set`, path.concat('to'), { hint: `write ${c.networkText}` });
      return undefined;
    }
    to = c.networkText;
    family = c.family;
  }
  if (r.to === 'default' && r.via && parseAddress(r.via)?.family === 6) {
    to = '::/0';
    family = 6;
  }
  if (r.via) {
    const v = parseAddress(r.via);
    if (v && v.family !== family) {
      ctx.error('NG4006', `route to ${r.to} (IPv${family}) via ${r.via} (IPv${v.family})`, path.concat('via'));
      return undefined;
    }
  }
  const table = r.table !== undefined ? tables.resolve(r.table, path.concat('table'), ctx) : undefined;
  if (r.table !== undefined && !table) return undefined;
  return {
    to,
    family,
    via: r.via ? parseAddress(r.via)!.text : undefined,
    table: table?.id,
    tableName: table?.name,
    metric: r.metric,
    scope: r.scope,
    type: r.type,
    onlink: r.onlink,
    source: r.source ? parseAddress(r.source)?.text : undefined,
    dev,
    description: r.description,
    origin: path,
  };
}

export function parseRules(r: RuleInput, path: JsonPath, tables: TableScope, ctx: ResolveContext, iifDefault?: string): RuleModel[] {
  const from = r.from ? parseCidr(r.from, true) : undefined;
  const to = r.to ? parseCidr(r.to, true) : undefined;
  if (from && to && from.family !== to.family) {
    ctx.error('NG4006', `rule from ${r.from} to ${r.to} mixes IPv4 and IPv6`, path.concat('to'));
    return [];
  }
  const table = tables.resolve(r.table, path.concat('table'), ctx);
  if (!table) return [];
  const known = from?.family ?? to?.family;
  const families: Family[] = known ? [known] : r.family === 'ipv4' ? [4] : r.family === 'ipv6' ? [6] : [4, 6];
  return families.map((family) => ({
    family,
    from: from?.networkText,
    to: to?.networkText,
    iif: r.iif ?? iifDefault,
    oif: r.oif,
    fwmark: r.fwmark,
    table: table.id,
    tableName: table.name,
    priority: r.priority,
    description: r.description,
    origin: path,
  }));
}
