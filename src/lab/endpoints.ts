import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { JsonPath, Locator } from '../load/source.js';
import type { HostModel, Model } from '../model/types.js';
import type { CheckInput } from '../schema/inventory.js';
import { closest } from '../util/suggest.js';
import { shortNames, type PlaceRef } from './topology.js';
import { vmShort } from './vms.js';

/** The kinds of check, in the order the schema lists them; each check has exactly one. */
export const CHECK_KINDS = ['reach', 'no_reach', 'snat', 'bgp', 'isolation', 'dhcp'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export function checkKind(c: CheckInput): CheckKind | undefined {
  return CHECK_KINDS.find((k) => c[k] !== undefined);
}

export type Resolved = { ok: true; place: PlaceRef; host: HostModel } | { ok: false; message: string; hint?: string };

/**
 * Endpoints are `host`, `host/namespace`, or `host/tap`: the VM behind that tap (the lab stands it
 * in by a namespace holding the tap's other end). A host name shared by two sites is ambiguous.
 */
export class EndpointResolver {
  private readonly byName = new Map<string, HostModel[]>();
  private readonly shorts: Map<string, string>;

  constructor(model: Model) {
    for (const h of model.hosts) {
      const list = this.byName.get(h.name);
      if (list) list.push(h);
      else this.byName.set(h.name, [h]);
    }
    this.shorts = shortNames(model.hosts);
  }

  resolve(endpoint: string): Resolved {
    const [hostName, ns] = endpoint.split('/');
    const hosts = this.byName.get(hostName) ?? [];
    if (hosts.length === 0) return { ok: false, message: `unknown host ${hostName}`, hint: hintFor(hostName, [...this.byName.keys()]) };
    if (hosts.length > 1) return { ok: false, message: `host name ${hostName} is ambiguous (${hosts.map((h) => h.id).join(', ')})`, hint: 'give the hosts distinct names' };
    const host = hosts[0];
    if (host.role !== 'linux') {
      if (ns) return { ok: false, message: `${host.id} is a ${host.role} router: the lab stands it in by one namespace, so it has no namespace ${ns}` };
      return { ok: true, host, place: { standin: this.shorts.get(host.id)! } };
    }
    const isNs = !!ns && host.namespaces.some((n) => n.name === ns);
    const isTap = !!ns && host.links.some((l) => l.kind === 'tap' && l.name === ns);
    if (isNs && isTap) return { ok: false, message: `${ns} on ${host.id} is both a namespace and a tap`, hint: 'rename one of them' };
    if (isTap) return { ok: true, host, place: { standin: vmShort(this.shorts.get(host.id)!, ns!) } };
    if (ns && !isNs) {
      const names = [...host.namespaces.map((n) => n.name), ...host.links.filter((l) => l.kind === 'tap').map((l) => l.name)];
      return { ok: false, message: `host ${host.id} has no namespace or tap ${ns}`, hint: hintFor(ns, names) };
    }
    return { ok: true, host, place: ns ? { host: host.id, ns } : { host: host.id } };
  }
}

function hintFor(name: string, candidates: string[]): string | undefined {
  const c = closest(name, candidates);
  return c ? `did you mean ${c}?` : undefined;
}

/** NG6004 for every check that names a host, namespace or tenant that does not exist (positioned at the field). */
export function validateChecks(model: Model, locator: Locator, bag: DiagnosticBag): void {
  const resolver = new EndpointResolver(model);
  const tenants = new Set(model.tenants.map((t) => t.name));
  const err = (path: JsonPath, message: string, hint?: string) => bag.error('NG6004', message, locator.position(path), { hint });
  model.checks.forEach((c, i) => {
    const at = (...rest: Array<string | number>): JsonPath => ['checks', i, ...rest];
    const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) {
      err(at(), kinds.length ? `a check has exactly one kind, this one has ${kinds.join(' and ')}` : `a check needs one of ${CHECK_KINDS.join(', ')}`, kinds.length ? 'split it into one check per kind' : undefined);
      return;
    }
    const kind = kinds[0];
    const body = c[kind] as Record<string, unknown>;
    for (const field of ['from', 'to', 'on', 'server'] as const) {
      const v = body[field];
      if (typeof v !== 'string' || (kind === 'reach' || kind === 'no_reach') && field === 'to') continue;
      const r = resolver.resolve(v);
      if (!r.ok) err(at(kind, field), r.message, r.hint);
    }
    if ((kind === 'reach' || kind === 'no_reach') && body.source !== undefined && String(body.source).includes(':') !== String(body.to).includes(':')) {
      err(at(kind, 'source'), `source ${String(body.source)} and target ${String(body.to)} are of different address families`);
    }
    if (kind === 'isolation') {
      c.isolation!.tenants.forEach((t, j) => {
        if (!tenants.has(t)) err(at(kind, 'tenants', j), `unknown tenant ${t}`, hintFor(t, [...tenants]));
      });
    }
  });
}
