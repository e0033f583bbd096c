import { Type } from '@sinclair/typebox';
import { IfName, IpAddress, IpCidr, Mac, Name, NamedMap, Port, Strict, Text } from './common.js';

/** Ports as written by operators: 6789, "6800-7300", with an optional protocol. */
export const PortSpec = Type.Unsafe<number | string>({ type: ['integer', 'string'], description: 'A port (6789) or range ("6800-7300").' });
export const Proto = Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('icmp'), Type.Literal('any')]);

export const NatRule = Strict(
  {
    type: Type.Union([Type.Literal('snat'), Type.Literal('masquerade'), Type.Literal('dnat')]),
    from: Type.Optional(Type.Array(IpCidr, { description: 'Source prefixes translated (default: any).' })),
    to_prefix: Type.Optional(Type.Array(IpCidr, { description: 'Only traffic towards these prefixes.' })),
    out: Type.Optional(IfName),
    in: Type.Optional(IfName),
    to: Type.Optional(IpAddress),
    proto: Type.Optional(Proto),
    port: Type.Optional(Type.Unsafe<number | string>({ ...PortSpec, description: 'Destination port or range matched (with proto; without it TCP and UDP).' })),
    to_port: Type.Optional(Port),
    description: Type.Optional(Text),
  },
  'A NAT rule (SNAT to an address, masquerade, or DNAT).',
);

export const ServiceAccess = Strict(
  {
    address: IpAddress,
    ports: Type.Optional(Type.Array(PortSpec)),
    proto: Type.Optional(Proto),
    allow: Type.Array(IpCidr, { description: 'Sources allowed to reach this service; everything else towards the address is dropped.' }),
    description: Type.Optional(Text),
  },
  'A local service reachable only from the listed sources (seed 000: each tenant reaches only its own MDS).',
);

export const SgRule = Strict(
  {
    direction: Type.Union([Type.Literal('ingress'), Type.Literal('egress')]),
    proto: Type.Optional(Proto),
    ports: Type.Optional(PortSpec),
    remote: Type.Optional(IpCidr),
    remote_group: Type.Optional(Name),
    description: Type.Optional(Text),
  },
  'A security-group rule.',
);
export const SecurityGroup = Strict({ description: Type.Optional(Text), rules: Type.Array(SgRule) }, 'A named set of rules applied to ports.');

export const PortSecurity = Strict(
  {
    bridge: IfName,
    mac: Mac,
    addresses: Type.Array(IpAddress, { minItems: 1 }),
    groups: Type.Optional(Type.Array(Name)),
    description: Type.Optional(Text),
  },
  'A VM port on a bridge: only its IP/MAC pairs may send, DHCP server replies from it are dropped, security groups apply.',
);

export const Firewall = Strict(
  {
    services: Type.Optional(NamedMap(ServiceAccess)),
    ports: Type.Optional(NamedMap(PortSecurity, '^[A-Za-z0-9_][A-Za-z0-9_.-]*$')),
    anti_spoofing: Type.Optional(Type.Boolean({ description: 'Routed taps (taps with routes, outside any bridge) may only send from the prefixes routed to them; link-local IPv6, duplicate address detection and DHCP discovers stay allowed.' })),
  },
  'Firewall intent for the root namespace of a host or for a network namespace.',
);

/** AS numbers are range-checked semantically (NG6003) so that the message can say why (0, AS_TRANS, too large). */
const Asn = Type.Integer({ description: 'A BGP AS number, 1..4294967295 (4-byte ASNs as plain integers).' });

export const BgpNeighbor = Strict({
  address: IpAddress,
  remote_as: Type.Union([Asn, Type.Literal('internal'), Type.Literal('external')]),
  update_source: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_:][A-Za-z0-9_.:-]*$', maxLength: 64, description: 'An interface of the instance (eth1) or one of its addresses.' }),
  ),
  description: Type.Optional(Text),
  address_families: Type.Optional(
    Type.Array(Type.Union([Type.Literal('ipv4-unicast'), Type.Literal('ipv6-unicast'), Type.Literal('l2vpn-evpn')]), {
      uniqueItems: true,
      description: 'Default: the unicast family of the neighbor address.',
    }),
  ),
  import: Type.Optional(Type.Array(IpCidr, { description: 'Prefixes accepted from this neighbor, matched exactly (default: none).' })),
  export: Type.Optional(Type.Array(IpCidr, { description: 'Prefixes announced to this neighbor, matched exactly (default: the networks).' })),
  ebgp_multihop: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
});

export const Bgp = Strict(
  {
    asn: Asn,
    router_id: Type.Optional(IpAddress),
    listen: Type.Optional(IpAddress),
    networks: Type.Optional(Type.Array(IpCidr)),
    neighbors: Type.Optional(Type.Array(BgpNeighbor)),
    advertise_all_vni: Type.Optional(Type.Boolean()),
    description: Type.Optional(Text),
  },
  'BGP for one FRR instance (one per namespace) or one VyOS router/VRF.',
);

export const Dhcp = Strict(
  {
    interface: IfName,
    ranges: Type.Array(Strict({ start: IpAddress, end: IpAddress, lease: Type.Optional(Type.String({ pattern: '^[0-9]+[smhd]?$|^infinite$' })) }), { minItems: 1 }),
    router: Type.Optional(IpAddress),
    dns_servers: Type.Optional(Type.Array(IpAddress)),
    upstream_dns: Type.Optional(Type.Array(IpAddress)),
    domain: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$' })),
    hosts: Type.Optional(NamedMap(Strict({ mac: Mac, address: IpAddress }))),
  },
  'A dnsmasq DHCP/DNS server running in the namespace.',
);

export const Vrf = Strict({ table: Type.Integer({ minimum: 1, maximum: 4294967295 }), bgp: Type.Optional(Bgp), description: Type.Optional(Text) }, 'A VRF.');

export const CephDaemon = Strict({
  public_addr: Type.Optional(IpAddress),
  public_network: Type.Optional(Type.Array(IpCidr)),
  cluster_network: Type.Optional(Type.Array(IpCidr)),
  restart: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'The orchestrator service to restart when a setting changes (ceph orch restart NAME).' })),
});

export const CephCluster = Strict(
  {
    admin_host: Name,
    mon_ip: Type.Optional(IpAddress),
    public_network: Type.Optional(Type.Array(IpCidr)),
    cluster_network: Type.Optional(Type.Array(IpCidr)),
    single_host_defaults: Type.Optional(Type.Boolean()),
    daemons: Type.Optional(NamedMap(CephDaemon, '^(osd|mds|mon|mgr|client|global)(\\.[A-Za-z0-9_-]+)?(/[a-z]+:[A-Za-z0-9_.-]+)?$')),
    description: Type.Optional(Text),
  },
  'A Ceph cluster managed with cephadm.',
);
