import { Type, type Static } from '@sinclair/typebox';
import { IFNAME_PATTERN, IfName, IpAddress, IpAddressOrCidr, IpCidr, Mac, Mtu, Name, NamedMap, Port, Strict, Text, Vni } from './common.js';
import { linkMaps, Route, Rule, Sysctls } from './links.js';
import { Bgp, CephCluster, Dhcp, Firewall, NatRule, SecurityGroup, Vrf } from './targets.js';

export const Tenant = Strict(
  {
    description: Type.Optional(Text),
    short: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,7}$', description: 'Short name (at most 8 characters) used to derive interface names, e.g. msft.' })),
    vni: Type.Optional(Vni),
    cidrs: Type.Optional(Type.Array(IpCidr, { uniqueItems: true })),
    gateway: Type.Optional(IpAddress),
    gateway6: Type.Optional(IpAddress),
    shared_addresses: Type.Optional(Type.Array(IpAddressOrCidr)),
    mtu: Type.Optional(Mtu),
  },
  'A tenant: an isolated L2/L3 domain whose CIDRs may overlap with other tenants.',
);

export const TenantPresence = Strict(
  {
    address: Type.Optional(IpAddressOrCidr),
    addresses: Type.Optional(Type.Array(IpAddressOrCidr)),
    namespace: Type.Optional(IfName),
    mac: Type.Optional(Mac),
    routes: Type.Optional(Type.Array(Route)),
    names: Type.Optional(
      Strict({ bridge: Type.Optional(IfName), vxlan: Type.Optional(IfName), veth_host: Type.Optional(IfName), veth_ns: Type.Optional(IfName) }, 'Pin derived interface names.'),
    ),
  },
  'A tenant on a host: a namespace with a veth into a per-tenant bridge, and VXLAN to every other host carrying the tenant.',
);

/** `microsoft: {}` and a bare `microsoft:` (null) both mean: present with defaults. */
const NullableTenantPresence = Type.Unsafe<Static<typeof TenantPresence> | null>({ ...JSON.parse(JSON.stringify(TenantPresence)), type: ['object', 'null'] });

export const MacScheme = Strict(
  {
    scheme: Type.Literal('vid-ctx-if'),
    context: Type.Integer({ minimum: 0, maximum: 65535, description: 'Context id (e.g. the vserver context).' }),
  },
  'Deterministic MACs 02:VID:VID:CTX:CTX:IF for VLAN interfaces in this namespace (seed 004).',
);

export const Namespace = Strict(
  {
    description: Type.Optional(Text),
    tenant: Type.Optional(Name),
    ...linkMaps,
    routes: Type.Optional(Type.Array(Route)),
    rules: Type.Optional(Type.Array(Rule)),
    forwarding: Type.Optional(Type.Boolean()),
    sysctls: Type.Optional(Sysctls),
    macs: Type.Optional(MacScheme),
    nat: Type.Optional(Type.Array(NatRule)),
    firewall: Type.Optional(Firewall),
    bgp: Type.Optional(Bgp),
    dhcp: Type.Optional(Dhcp),
  },
  'A network namespace on a host, set up by the generated scripts.',
);

export const Host = Strict(
  {
    description: Type.Optional(Text),
    role: Type.Optional(Type.Union([Type.Literal('linux'), Type.Literal('vyos')], { description: 'linux (default) or vyos.' })),
    management_address: Type.Optional(IpAddress),
    underlay: Type.Optional(IfName),
    ...linkMaps,
    vrfs: Type.Optional(NamedMap(Vrf, IFNAME_PATTERN)),
    tables: Type.Optional(NamedMap(Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 1, maximum: 4294967295 }))),
    routes: Type.Optional(Type.Array(Route)),
    rules: Type.Optional(Type.Array(Rule)),
    sysctls: Type.Optional(Sysctls),
    tenants: Type.Optional(NamedMap(NullableTenantPresence)),
    namespaces: Type.Optional(NamedMap(Namespace, IFNAME_PATTERN)),
    nat: Type.Optional(Type.Array(NatRule)),
    firewall: Type.Optional(Firewall),
    bgp: Type.Optional(Bgp),
  },
  'A host: a Linux server or a VyOS router.',
);

export const Site = Strict({ description: Type.Optional(Text), hosts: Type.Optional(NamedMap(Host)) }, 'A site (data centre, lab).');

const Endpoint = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)?$', description: 'host, host/namespace, or host/tap: the VM behind that tap (a VyOS router is a host without namespaces)' });
const ProbeProto = Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('icmp')], { description: 'icmp (default without port), tcp (default with port) or udp.' });

const ReachCheck = Strict(
  {
    from: Endpoint,
    to: IpAddress,
    proto: Type.Optional(ProbeProto),
    port: Type.Optional(Port),
    source: Type.Optional(IpAddress),
  },
  'From a host, namespace or VM to an address: ICMP echo, or a TCP/UDP port that the lab listens on where the address lives. A UDP probe counts as reaching when the listener hears it, even if no answer can come back. `source`: send from this address; the lab adds it to `from` for the probe when `from` lacks it (a spoofed source).',
);

export const Check = Strict(
  {
    name: Type.Optional(Text),
    reach: Type.Optional(ReachCheck),
    no_reach: Type.Optional(ReachCheck),
    snat: Type.Optional(
      Strict(
        { from: Endpoint, to: Endpoint, address: IpAddress, source: IpAddress, proto: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])), port: Type.Optional(Port) },
        'Traffic from `from` to `address` (a listener in `to`) arrives with source address `source`.',
      ),
    ),
    bgp: Type.Optional(Strict({ on: Endpoint, peer: IpAddress, prefix: Type.Optional(IpCidr) }, 'The FRR instance in `on` has an Established session with `peer` (and received `prefix`).')),
    isolation: Type.Optional(Strict({ tenants: Type.Array(Name, { minItems: 2, uniqueItems: true }) }, 'No address of one tenant is reachable from another, even when their CIDRs overlap.')),
    dhcp: Type.Optional(Strict({ from: Endpoint, server: Endpoint, interface: Type.Optional(IfName) }, 'A DHCP client in `from` gets a lease from the server in `server`.')),
  },
  'An intent that `netgen lab` proves in network namespaces. Exactly one kind per check.',
);

export const Defaults = Strict({
  mtu: Type.Optional(Mtu),
  vxlan_port: Type.Optional(Port),
  vxlan_learning: Type.Optional(Type.Boolean()),
  vni_range: Type.Optional(Strict({ start: Vni, end: Vni })),
  table_range: Type.Optional(Strict({ start: Type.Integer({ minimum: 1 }), end: Type.Integer({ maximum: 4294967295 }) })),
});

export const Inventory = Strict(
  {
    $schema: Type.Optional(Type.String()),
    netgen: Type.Optional(Type.Literal(1, { description: 'Inventory language version.' })),
    description: Type.Optional(Text),
    templates: Type.Optional(Type.String({ description: 'Directory of template overrides, relative to the inventory.' })),
    defaults: Type.Optional(Defaults),
    tenants: Type.Optional(NamedMap(Tenant)),
    sites: Type.Optional(NamedMap(Site)),
    security_groups: Type.Optional(NamedMap(SecurityGroup)),
    ceph: Type.Optional(NamedMap(CephCluster)),
    checks: Type.Optional(Type.Array(Check)),
  },
  'A netgen inventory.',
);

export type InventoryInput = Static<typeof Inventory>;
export type HostInput = Static<typeof Host>;
export type NamespaceInput = Static<typeof Namespace>;
export type TenantInput = Static<typeof Tenant>;
export type TenantPresenceInput = Static<typeof TenantPresence>;
export type RouteInput = Static<typeof Route>;
export type RuleInput = Static<typeof Rule>;
export type CheckInput = Static<typeof Check>;

