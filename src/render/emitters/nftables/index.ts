import type { HostModel, NamespaceModel } from '../../../model/types.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput } from '../../../plan/artifact.js';
import { shellWord } from '../../quote.js';
import { registerNamespaceHook } from '../netns.js';
import { bridgeTable, groupMembers, NFT_TARGET } from './bridge.js';
import { checkNftables } from './check.js';
import type { NftTable } from './expr.js';
import { inetTable } from './inet.js';
import { namespaceScope, rootScope, type FirewallScope } from './scope.js';

/** Where rulesets live on the host (the output tree mirrors the host's root). */
export const NFT_DIR = 'etc/netgen/nftables';
export const NFT_SERVICE = 'netgen-nftables.service';
export const rootRulesetPath = () => `/${NFT_DIR}/root.nft`;
export const namespaceRulesetPath = (ns: string) => `/${NFT_DIR}/netns/${ns}.nft`;

/** The tables of one scope; none when the inventory asks nothing of this namespace. */
export function tablesOf(scope: FirewallScope, shared: SharedPlanInput): NftTable[] {
  return [inetTable(scope), bridgeTable(scope, shared)].filter((t): t is NftTable => !!t);
}

function rulesetFile(host: HostModel, target: string, scope: string, loadCommand: string, tables: NftTable[]): PlannedFile {
  return { site: host.site, host: host.name, kind: 'nftables', path: `${hostRoot(host)}${target}`, template: 'nftables/ruleset.nft.hbs', context: { scope, loadCommand, tables } };
}

export const nftablesEmitter: Emitter = {
  target: NFT_TARGET,
  check: checkNftables,
  shareAcrossHosts: groupMembers,
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    if (host.role !== 'linux') return [];
    const files: PlannedFile[] = [];
    const root = tablesOf(rootScope(host), shared);
    if (root.length) {
      const path = rootRulesetPath();
      files.push(rulesetFile(host, path, `the root namespace of ${host.id}`, `nft -f ${path}`, root));
      files.push({ site: host.site, host: host.name, kind: 'systemd', path: `${hostRoot(host)}/etc/systemd/system/${NFT_SERVICE}`, template: 'nftables/netgen-nftables.service.hbs', context: { host: host.id, path, tables: root } });
    }
    for (const ns of host.namespaces) {
      const tables = tablesOf(namespaceScope(host, ns), shared);
      if (tables.length) files.push(rulesetFile(host, namespaceRulesetPath(ns.name), `namespace ${ns.name} on ${host.id}`, loadLine(ns), tables));
    }
    return files;
  },
};

function loadLine(ns: NamespaceModel): string {
  return `ip netns exec ${shellWord(ns.name)} nft -f ${shellWord(namespaceRulesetPath(ns.name))}`;
}

// The namespace scripts load a namespace's ruleset once its links exist; deleting the namespace
// on the way down removes its rules with it, so there is nothing to undo.
registerNamespaceHook((host, ns, shared) => (tablesOf(namespaceScope(host, ns), shared).length ? { up: [loadLine(ns)], down: [] } : { up: [], down: [] }));
