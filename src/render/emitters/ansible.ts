import type { HostModel, Model } from '../../model/types.js';
import type { Emitter, PlannedFile } from '../../plan/artifact.js';

/**
 * out/<inventory>/ansible/: an inventory (hosts grouped by site and role) and a playbook that reads
 * manifest.json at run time. Keying the playbook on the manifest (kinds and paths) rather than on a
 * list baked in here means it deploys whatever the other emitters produced, including files of
 * targets added later, and stays correct after a `build --host` that merged the manifest.
 */

/** A YAML double-quoted scalar: JSON string escapes are a subset of YAML's. */
function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** Ansible group names must be identifiers (letters, digits, underscores). */
export function groupName(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * The name a host has in the Ansible inventory: its own name, or site-host when two sites use the
 * same host name (Ansible host names are global).
 */
export function ansibleHostNames(model: Model): Map<string, string> {
  const count = new Map<string, number>();
  for (const h of model.hosts) count.set(h.name, (count.get(h.name) ?? 0) + 1);
  return new Map(model.hosts.map((h) => [h.id, count.get(h.name)! > 1 ? `${h.site}-${h.name}` : h.name]));
}

function cephAdmins(model: Model): Set<string> {
  const admins = new Set<string>();
  for (const cluster of Object.values(model.input.ceph ?? {})) if (cluster?.admin_host) admins.add(cluster.admin_host);
  return admins;
}

function hostVars(h: HostModel, name: string, admins: Set<string>) {
  const vars: Array<{ key: string; value: string }> = [];
  if (h.managementAddress) vars.push({ key: 'ansible_host', value: yamlString(h.managementAddress) });
  vars.push({ key: 'netgen_site', value: yamlString(h.site) }, { key: 'netgen_host', value: yamlString(h.name) });
  vars.push({ key: 'netgen_namespaces', value: `[${h.namespaces.map((n) => yamlString(n.name)).join(', ')}]` });
  if (admins.has(h.name)) vars.push({ key: 'netgen_ceph_admin', value: 'true' });
  return { name: yamlString(name), vars };
}

export const ansibleEmitter: Emitter = {
  target: 'ansible',
  planGlobal(model: Model): PlannedFile[] {
    const names = ansibleHostNames(model);
    const admins = cephAdmins(model);
    const sites = model.sites.map((s) => ({
      group: groupName('site', s.name),
      hosts: s.hosts.map((h) => hostVars(h, names.get(h.id)!, admins)),
    }));
    const role = (r: HostModel['role']) => model.hosts.filter((h) => h.role === r).map((h) => yamlString(names.get(h.id)!));
    const ctx = { inventory: model.source, sites, linux: role('linux'), vyos: role('vyos') };
    return [
      { kind: 'ansible', path: 'ansible/hosts.yml', template: 'ansible/hosts.yml.hbs', context: ctx },
      { kind: 'ansible', path: 'ansible/deploy.yml', template: 'ansible/deploy.yml.hbs', context: ctx },
      { kind: 'ansible', path: 'ansible/ansible.cfg', template: 'ansible/ansible.cfg.hbs', context: ctx },
    ];
  },
};
