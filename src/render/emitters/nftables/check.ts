import type { JsonPath } from '../../../load/source.js';
import type { Model } from '../../../model/types.js';
import type { Family } from '../../../net/ip.js';
import type { TargetReport } from '../../../plan/artifact.js';
import { didYouMean } from '../../../util/suggest.js';
import { addressText, parsePort, prefixText } from './expr.js';
import { scopesOf, type FirewallScope, type NatInput } from './scope.js';

/**
 * Checks of the nat:, firewall: and security_groups: sections that need the model (interface names,
 * bridge membership, group names) or that the schema cannot say well (families, port syntax).
 * One pass over hosts and their namespaces; lookups are sets and maps.
 */
export function checkNftables(model: Model, report: TargetReport): void {
  const groups = model.input.security_groups ?? {};
  for (const host of model.hosts)
    for (const scope of scopesOf(host)) {
      scope.nat.forEach((r, i) => checkNat(scope, r, [...scope.path, 'nat', i], report));
      checkServices(scope, report);
      checkPorts(scope, new Set(Object.keys(groups)), report);
    }
  for (const [name, g] of Object.entries(groups))
    g.rules.forEach((r, i) => {
      const path = ['security_groups', name, 'rules', i];
      if (r.remote_group !== undefined && !groups[r.remote_group])
        report.error('NG6001', `security group '${r.remote_group}' is not defined`, [...path, 'remote_group'], { hint: didYouMean(r.remote_group, Object.keys(groups)) ?? 'define it under security_groups:' });
      if (r.remote !== undefined && r.remote_group !== undefined) report.error('NG2004', 'a rule takes remote or remote_group, not both', [...path, 'remote_group'], { hint: 'split it into two rules' });
      if (r.ports !== undefined) checkPortSpec(r.ports, r.proto, [...path, 'ports'], report);
    });
}

function scopeName(scope: FirewallScope): string {
  return scope.ns ? `namespace ${scope.ns.name} of ${scope.host.id}` : `the root namespace of ${scope.host.id}`;
}

function checkInterface(scope: FirewallScope, name: string | undefined, path: JsonPath, report: TargetReport): void {
  if (name === undefined || scope.ifnames.has(name)) return;
  report.error('NG6001', `interface '${name}' does not exist in ${scopeName(scope)}`, path, { hint: didYouMean(name, scope.ifnames) ?? `interfaces there: ${[...scope.ifnames].sort().join(', ') || 'none'}` });
}

/** A port or range, and a protocol that has ports (ports without a protocol mean TCP and UDP). */
function checkPortSpec(spec: unknown, proto: string | undefined, path: JsonPath, report: TargetReport): void {
  const p = parsePort(spec);
  if (typeof p === 'string') report.error('NG6002', p, path, { hint: 'write 6789 or "6800-7300"' });
  else if (proto === 'icmp' || proto === 'any') report.error('NG6002', `ports need proto tcp or udp, not ${proto}`, path, { hint: 'set proto: tcp or udp, or leave proto out for both' });
}

function checkNat(scope: FirewallScope, r: NatInput, path: JsonPath, report: TargetReport): void {
  checkInterface(scope, r.out, [...path, 'out'], report);
  checkInterface(scope, r.in, [...path, 'in'], report);
  if (r.type === 'dnat' && r.out !== undefined) report.error('NG2004', 'dnat happens before routing: it can match the incoming interface (in), not out', [...path, 'out']);
  if (r.type === 'masquerade' && r.to !== undefined) report.error('NG2004', 'masquerade takes the address of the outgoing interface; it has no to', [...path, 'to'], { hint: 'use type: snat to pin the address' });
  if (r.type !== 'masquerade' && r.to === undefined) report.error('NG2002', `${r.type} needs a to: address`, path, { hint: r.type === 'snat' ? 'or use type: masquerade' : undefined });
  if (r.port !== undefined) checkPortSpec(r.port, r.proto, [...path, 'port'], report);
  if (r.to_port !== undefined && r.proto !== 'tcp' && r.proto !== 'udp') report.error('NG6002', 'to_port needs proto tcp or udp', [...path, 'to_port']);
  const to = r.to !== undefined ? addressText(r.to) : undefined;
  const families = new Set<Family>();
  for (const key of ['from', 'to_prefix'] as const)
    (r[key] ?? []).forEach((text, i) => {
      const p = prefixText(text);
      if (!p) return;
      families.add(p.family);
      if (to && p.family !== to.family) report.error('NG4006', `${key} ${text} is IPv${p.family} but the rule translates to the IPv${to.family} address ${to.text}`, [...path, key, i], { hint: 'write one rule per family' });
    });
  if (!to && families.size > 1 && r.type !== 'masquerade') report.error('NG4006', 'the rule mixes IPv4 and IPv6 prefixes', path);
}

function checkServices(scope: FirewallScope, report: TargetReport): void {
  for (const [name, s] of Object.entries(scope.firewall?.services ?? {})) {
    const path = [...scope.path, 'firewall', 'services', name];
    const addr = addressText(s.address);
    s.allow.forEach((text, i) => {
      const p = prefixText(text);
      if (p && addr && p.family !== addr.family) report.error('NG4006', `source ${text} is IPv${p.family} but the service address ${addr.text} is IPv${addr.family}`, [...path, 'allow', i], { hint: 'declare the other family as a service of its own' });
    });
    (s.ports ?? []).forEach((spec, i) => checkPortSpec(spec, s.proto, [...path, 'ports', i], report));
  }
}

function checkPorts(scope: FirewallScope, groups: Set<string>, report: TargetReport): void {
  const byName = new Map(scope.links.map((l) => [l.name, l]));
  for (const [name, p] of Object.entries(scope.firewall?.ports ?? {})) {
    const path = [...scope.path, 'firewall', 'ports', name];
    const bridge = byName.get(p.bridge);
    if (!bridge || bridge.kind !== 'bridge') {
      const bridges = scope.links.filter((l) => l.kind === 'bridge').map((l) => l.name);
      report.error('NG6001', `bridge '${p.bridge}' does not exist in ${scopeName(scope)}`, [...path, 'bridge'], { hint: didYouMean(p.bridge, bridges) ?? `bridges there: ${bridges.sort().join(', ') || 'none'}` });
    } else {
      const link = byName.get(name);
      if (!link) report.error('NG6001', `port '${name}' is not an interface of ${scopeName(scope)}`, path, { at: 'key', hint: didYouMean(name, byName.keys()) ?? `add it to the bridge members of ${p.bridge}` });
      else if (link.master !== p.bridge) report.error('NG6001', `port '${name}' is not a member of bridge ${p.bridge}${link.master ? ` (it is in ${link.master})` : ''}`, path, { at: 'key', hint: `add it to the members of ${p.bridge}` });
    }
    (p.groups ?? []).forEach((g, i) => {
      if (!groups.has(g)) report.error('NG6001', `security group '${g}' is not defined`, [...path, 'groups', i], { hint: didYouMean(g, groups) ?? 'define it under security_groups:' });
    });
  }
}
