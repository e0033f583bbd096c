import type { HostModel } from '../../model/types.js';
import { parseAddress } from '../../net/ip.js';
import { hostRoot, type Emitter, type PlannedFile, type SharedPlanInput } from '../../plan/artifact.js';
import { frrConfigView } from './frr-config.js';
import { checkFrr } from './frr-check.js';
import { frrInstances, type FrrInstance } from './frr-instance.js';
import { NETNS_SERVICE } from './netns.js';

/** zebra's netlink receive buffer, as seed 000 runs it: large route bursts must not overflow it. */
const ZEBRA_NETLINK_BUFFER = 90000000;

/**
 * The address the daemons' vty binds to (seed 000: `-A 10.0.3.3`): the instance's listen address,
 * else loopback. Each instance lives in its own network namespace, so the default vty ports never clash.
 */
function vtyAddress(inst: FrrInstance): string {
  if (inst.bgp.listen) return parseAddress(inst.bgp.listen)?.text ?? inst.bgp.listen;
  return '127.0.0.1';
}

function instanceFiles(inst: FrrInstance, shared: SharedPlanInput): PlannedFile[] {
  const { host, namespace } = inst;
  const base = { site: host.site, host: host.name };
  const etc = `${hostRoot(host)}/etc/frr${namespace ? `/${namespace}` : ''}`;
  const vty = vtyAddress(inst);
  const ctx = {
    host: host.name,
    inventory: shared.source,
    namespace,
    // Namespace names with '-' or '.' are refused by the checks (NG6010), so the name is its own systemd instance name.
    unitInstance: namespace,
    netnsService: NETNS_SERVICE,
    config: frrConfigView(inst),
    zebraOptions: `-A ${vty} -s ${ZEBRA_NETLINK_BUFFER}`,
    bgpdOptions: `-A ${vty}`,
    staticdOptions: `-A ${vty}`,
  };
  const files: PlannedFile[] = [
    { ...base, kind: 'frr', path: `${etc}/frr.conf`, template: 'frr/frr.conf.hbs', context: ctx },
    { ...base, kind: 'frr', path: `${etc}/daemons`, template: 'frr/daemons.hbs', context: ctx },
    { ...base, kind: 'frr', path: `${etc}/vtysh.conf`, template: 'frr/vtysh.conf.hbs', context: ctx },
  ];
  if (namespace) {
    const system = `${hostRoot(host)}/etc/systemd/system`;
    files.push(
      { ...base, kind: 'systemd', path: `${system}/frr@${namespace}.service.d/10-netgen.conf`, template: 'frr/frr-netns.conf.hbs', context: ctx },
      { ...base, kind: 'systemd', path: `${system}/${NETNS_SERVICE}.d/frr-${namespace}.conf`, template: 'frr/netns-wants-frr.conf.hbs', context: ctx },
    );
  }
  return files;
}

/** One FRR instance (zebra + bgpd) per namespace with `bgp:`, and one for the root namespace of a linux host with `bgp:`. */
export const frrEmitter: Emitter = {
  target: 'frr',
  planHost(host: HostModel, shared: SharedPlanInput): PlannedFile[] {
    return frrInstances(host).flatMap((inst) => instanceFiles(inst, shared));
  },
  check: checkFrr,
};
