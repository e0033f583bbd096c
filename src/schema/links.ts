import { Type } from '@sinclair/typebox';
import { IFNAME_PATTERN, IfName, IpAddress, IpAddressOrCidr, IpCidr, Mac, Mtu, NamedMap, Port, ScalarValue, Strict, TableRef, Text, Vni, VlanId } from './common.js';

export const Route = Strict(
  {
    to: Type.String({ description: "Destination prefix, or 'default' (IPv4) / 'default6' (IPv6)." }),
    via: Type.Optional(IpAddress),
    table: Type.Optional(TableRef),
    metric: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    scope: Type.Optional(Type.Union([Type.Literal('global'), Type.Literal('link'), Type.Literal('host')])),
    type: Type.Optional(Type.Union([Type.Literal('unicast'), Type.Literal('blackhole'), Type.Literal('unreachable'), Type.Literal('prohibit')])),
    onlink: Type.Optional(Type.Boolean()),
    source: Type.Optional(IpAddress),
    description: Type.Optional(Text),
  },
  'A static route.',
);

export const Rule = Strict(
  {
    from: Type.Optional(IpCidr),
    to: Type.Optional(IpCidr),
    iif: Type.Optional(IfName),
    oif: Type.Optional(IfName),
    fwmark: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
    table: TableRef,
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 32765 })),
    family: Type.Optional(Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6'), Type.Literal('both')])),
    description: Type.Optional(Text),
  },
  'A routing policy rule (ip rule).',
);

/** Fields every link kind shares, in the root namespace and in a network namespace alike. */
const linkCommon = {
  description: Type.Optional(Text),
  mtu: Type.Optional(Mtu),
  mac: Type.Optional(Mac),
  address: Type.Optional(IpCidr),
  addresses: Type.Optional(Type.Array(IpCidr, { uniqueItems: true })),
  gateway: Type.Optional(IpAddress),
  gateway6: Type.Optional(IpAddress),
  routes: Type.Optional(Type.Array(Route)),
  rules: Type.Optional(Type.Array(Rule)),
  proxy_arp: Type.Optional(Type.Boolean()),
  proxy_ndp: Type.Optional(Type.Boolean()),
  proxy_ndp_addresses: Type.Optional(Type.Array(IpAddress)),
  forwarding: Type.Optional(Type.Boolean()),
  dhcp: Type.Optional(Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6'), Type.Literal('yes'), Type.Literal('no')])),
  accept_ra: Type.Optional(Type.Boolean()),
  link_local: Type.Optional(Type.Boolean({ description: 'Configure IPv6 link-local addresses (default: only where the link has addresses).' })),
  shared_addresses: Type.Optional(Type.Array(IpAddressOrCidr, { description: 'Addresses that are deliberately configured in more than one place (anycast gateway, VRRP).' })),
  vrf: Type.Optional(IfName),
};

export const Nic = Strict({ ...linkCommon, match_mac: Type.Optional(Mac) }, 'A physical NIC, matched by name (and renamed from its MAC with match_mac).');

export const BondMode = Type.Union(
  ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'].map((m) => Type.Literal(m)),
);
export const Bond = Strict(
  {
    ...linkCommon,
    mode: BondMode,
    members: Type.Array(IfName, { minItems: 1, uniqueItems: true }),
    primary: Type.Optional(IfName),
    miimon: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, description: 'MII link monitoring interval in ms.' })),
    lacp_rate: Type.Optional(Type.Union([Type.Literal('slow'), Type.Literal('fast')])),
    transmit_hash_policy: Type.Optional(Type.Union(['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4'].map((m) => Type.Literal(m)))),
    min_links: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  'A bond (link aggregation).',
);

export const Vlan = Strict(
  { ...linkCommon, id: Type.Optional(VlanId), link: Type.Optional(IfName) },
  'An 802.1Q VLAN interface; id and link default from a name like bond0.992.',
);

export const Bridge = Strict(
  {
    ...linkCommon,
    members: Type.Optional(Type.Array(IfName, { uniqueItems: true })),
    stp: Type.Optional(Type.Boolean()),
    ageing: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000, description: 'MAC ageing time in seconds; 0 makes the bridge flood like a hub.' })),
    forward_delay: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    vlan_filtering: Type.Optional(Type.Boolean()),
  },
  'A Linux bridge.',
);

export const Vxlan = Strict(
  {
    ...linkCommon,
    vni: Vni,
    local: Type.Optional(IpAddress),
    remote: Type.Optional(IpAddress),
    remotes: Type.Optional(Type.Array(IpAddress, { uniqueItems: true })),
    group: Type.Optional(IpAddress),
    underlay: Type.Optional(IfName),
    port: Type.Optional(Port),
    learning: Type.Optional(Type.Boolean()),
    ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  },
  'A VXLAN tunnel endpoint.',
);

export const Macvlan = Strict(
  { ...linkCommon, link: IfName, mode: Type.Optional(Type.Union(['bridge', 'private', 'vepa', 'passthru', 'source'].map((m) => Type.Literal(m)))) },
  'A macvlan interface on a parent link.',
);

export const Veth = Strict(
  {
    ...linkCommon,
    peer: IfName,
    peer_bridge: Type.Optional(IfName),
    peer_addresses: Type.Optional(Type.Array(IpCidr, { uniqueItems: true })),
    peer_mac: Type.Optional(Mac),
  },
  'A veth pair; this end is configured here, the peer stays in the root namespace (or joins peer_bridge).',
);

export const Tap = Strict({ ...linkCommon }, 'An interface created by someone else (a hypervisor tap): configured when it appears.');

export const Sysctls = NamedMap(ScalarValue, '^[a-z0-9_]+(\\.[A-Za-z0-9_@:-]+)+$', 'Kernel parameters, e.g. net.ipv4.ip_forward: 1.');

/** The link vocabulary used both by hosts (root namespace) and by network namespaces. */
export const linkMaps = {
  nics: Type.Optional(NamedMap(Nic, IFNAME_PATTERN)),
  bonds: Type.Optional(NamedMap(Bond, IFNAME_PATTERN)),
  vlans: Type.Optional(NamedMap(Vlan, IFNAME_PATTERN)),
  bridges: Type.Optional(NamedMap(Bridge, IFNAME_PATTERN)),
  vxlans: Type.Optional(NamedMap(Vxlan, IFNAME_PATTERN)),
  macvlans: Type.Optional(NamedMap(Macvlan, IFNAME_PATTERN)),
  veths: Type.Optional(NamedMap(Veth, IFNAME_PATTERN)),
  taps: Type.Optional(NamedMap(Tap, IFNAME_PATTERN)),
};
export const LINK_MAP_KEYS = Object.keys(linkMaps) as (keyof typeof linkMaps)[];
