import type { HostModel } from '../../model/types.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput } from '../../plan/artifact.js';
import { NETNS_LIB_DIR, NETNS_SERVICE } from './netns.js';

/**
 * usr/local/lib/netgen/apply: what the Ansible handlers do, in the same order, for operators who
 * deploy with rsync or scp. It looks at the files present on the host rather than at a list fixed
 * here, so every target's files are covered without this emitter knowing them.
 */
export const applyEmitter: Emitter = {
  target: 'apply',
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    if (host.role !== 'linux') return [];
    const cephAdmin = Object.values(shared.input.ceph ?? {}).some((c) => c?.admin_host === host.name);
    const ctx = { site: host.site, host: host.name, namespaces: host.namespaces.map((n) => n.name), service: NETNS_SERVICE, cephAdmin };
    return [{ kind: 'apply', site: host.site, host: host.name, path: `${hostRoot(host)}/${NETNS_LIB_DIR}/apply`, template: 'apply/apply.sh.hbs', context: ctx, mode: 0o755 }];
  },
};
