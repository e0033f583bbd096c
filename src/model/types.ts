import type { JsonPath, Locator } from '../load/source.js';
import type { Cidr, Family } from '../net/ip.js';
import type { CheckInput, HostInput, InventoryInput, NamespaceInput } from '../schema/inventory.js';

/** Where an object came from in the inventory: every model object keeps one, so any later check can point at it. */
export type Origin = JsonPath;

export interface IfAddress {
  cidr: Cidr;
  /** As configured: 10.1.0.4/24 */
  text: string;
  origin: Origin;
  /** Allocated by netgen (not written in the inventory). */
  allocated?: boolean;
  shared?: boolean;
}

export interface RouteModel {
  /** Destination prefix text ('0.0.0.0/0' and '::/0' for defaults). */
  to: string;
  family: Family;
  via?: string;
  table?: number;
  tableName?: string;
  metric?: number;
  scope?: 'global' | 'link' | 'host';
  type?: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
  onlink?: boolean;
  source?: string;
  /** Output interface; routes declared on a link get that link. */
  dev?: string;
  description?: string;
  origin: Origin;
}

export interface RuleModel {
  family: Family;
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: number;
  table: number;
  tableName?: string;
  priority?: number;
  description?: string;
  origin: Origin;
}

export type LinkKind = 'nic' | 'bond' | 'vlan' | 'bridge' | 'vxlan' | 'macvlan' | 'veth' | 'tap' | 'vrf';

/**
 * Who creates and configures a link:
 * networkd — a root-namespace link described by .netdev/.network units;
 * script   — created or moved by the namespace scripts (networkd is told to leave it alone);
 * external — configured by networkd, created by someone else (hypervisor taps).
 */
export type LinkOwner = 'networkd' | 'script' | 'external';

export interface Link {
  name: string;
  kind: LinkKind;
  owner: LinkOwner;
  origin: Origin;
  description?: string;
  /** Why netgen made this link when the inventory did not name it (e.g. "tenant microsoft"). */
  derivedFrom?: string;
  mtu?: number;
  mac?: string;
  matchMac?: string;
  addresses: IfAddress[];
  gateway?: string;
  gateway6?: string;
  routes: RouteModel[];
  rules: RuleModel[];
  proxyArp?: boolean;
  proxyNdp?: boolean;
  proxyNdpAddresses: string[];
  forwarding?: boolean;
  dhcp?: 'ipv4' | 'ipv6' | 'yes' | 'no';
  acceptRa?: boolean;
  linkLocal?: boolean;
  /** Bridge this link is a port of. */
  master?: string;
  /** Bond this link is a member of. */
  bond?: string;
  primaryMember?: boolean;
  vrf?: string;
  /** Links stacked on this one (networkd VLAN=, VXLAN=, MACVLAN= in this link's .network). */
  stacked: { vlans: string[]; vxlans: string[]; macvlans: string[] };
  bondOpts?: { mode: string; miimon?: number; lacpRate?: string; hashPolicy?: string; minLinks?: number };
  vlan?: { id: number; link: string };
  bridge?: { stp?: boolean; ageing?: number; forwardDelay?: number; priority?: number; vlanFiltering?: boolean };
  vxlan?: { vni: number; local?: string; remote?: string; group?: string; port: number; learning: boolean; ttl?: number; underlay?: string; fdb: string[] };
  macvlan?: { link: string; mode: string };
  veth?: { peer: string; peerBridge?: string; peerAddresses: IfAddress[]; peerMac?: string; peerMtu?: number };
  vrfTable?: number;
}

/**
 * Only these parts of the input stay with the model: the rest is resolved into it, and the parsed
 * inventory can go once the model is built (at 10,000 hosts it is 160 MB).
 */
export type HostTargetInput = Pick<HostInput, 'bgp' | 'firewall' | 'nat' | 'vrfs'>;
export type NamespaceTargetInput = Pick<NamespaceInput, 'bgp' | 'dhcp' | 'firewall' | 'nat'>;
export type InventoryTargetInput = Pick<InventoryInput, 'ceph' | 'description' | 'security_groups'>;

export interface NamespaceModel {
  name: string;
  tenant?: string;
  description?: string;
  origin: Origin;
  links: Link[];
  routes: RouteModel[];
  rules: RuleModel[];
  sysctls: Array<[string, string]>;
  forwarding: boolean;
  /** The parts of the validated input that target emitters read as written. */
  input: NamespaceTargetInput;
}

export interface TableModel {
  name: string;
  id: number;
  origin: Origin;
  allocated: boolean;
}

export interface HostModel {
  site: string;
  name: string;
  /** site/host */
  id: string;
  role: 'linux' | 'vyos';
  origin: Origin;
  description?: string;
  managementAddress?: string;
  links: Link[];
  tables: TableModel[];
  routes: RouteModel[];
  rules: RuleModel[];
  sysctls: Array<[string, string]>;
  namespaces: NamespaceModel[];
  underlay?: { link: string; v4?: string; v6?: string };
  /** The parts of the validated input that target emitters read as written. */
  input: HostTargetInput;
}

export interface TenantModel {
  name: string;
  short: string;
  vni: number;
  vniAllocated: boolean;
  cidrs: Cidr[];
  gateway?: string;
  gateway6?: string;
  shared: Set<string>;
  mtu?: number;
  description?: string;
  origin: Origin;
  /** host ids carrying this tenant, sorted */
  hosts: string[];
}

export interface SiteModel {
  name: string;
  description?: string;
  hosts: HostModel[];
}

export interface Model {
  /** Inventory name (file name without .yaml). */
  name: string;
  /** Shown in generated file headers: the inventory's file name. */
  source: string;
  tenants: TenantModel[];
  sites: SiteModel[];
  hosts: HostModel[];
  checks: CheckInput[];
  /** The parts of the validated input that target emitters read as written. */
  input: InventoryTargetInput;
  /** Maps origins to file:line (docs and `netgen show` cite inventory lines). Non-enumerable: never serialised. */
  readonly locator?: Locator;
}
