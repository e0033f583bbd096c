/**
 * The catalog of diagnostic codes. Codes are stable: never renumber one, only add.
 * docs/diagnostics.md and `netgen explain` are generated from this table.
 */
export interface CatalogEntry {
  code: string;
  title: string;
  explanation: string;
  example?: string;
  fix?: string;
}

const entries: CatalogEntry[] = [
  // 1xxx: reading the inventory
  { code: 'NG1001', title: 'YAML syntax error', explanation: 'The file is not valid YAML; nothing in it can be checked further.', example: 'hosts:\n  node01: {nics: [eth0}', fix: 'Fix the syntax at the position shown (unbalanced brackets, bad indentation, stray characters).' },
  { code: 'NG1002', title: 'Duplicate key', explanation: 'A mapping has the same key twice. YAML would silently keep one of them, hiding the other.', example: 'tenants:\n  apple: {}\n  apple: {}', fix: 'Remove or rename one of the keys.' },
  { code: 'NG1003', title: 'Tab character in indentation', explanation: 'YAML forbids tabs for indentation.', fix: 'Indent with spaces.' },
  { code: 'NG1004', title: 'Too many aliases', explanation: 'The document expands aliases beyond a safe limit (an "alias bomb"). netgen refuses to expand it.', example: 'a: &a [x, x]\nb: &b [*a, *a]\n...', fix: 'Write the values out, or use fewer nested aliases.' },
  { code: 'NG1005', title: 'Cannot read inventory', explanation: 'The inventory file or directory does not exist or cannot be read.', fix: 'Check the path.' },
  { code: 'NG1006', title: 'Inventory is not a mapping', explanation: 'The top level of an inventory must be a mapping with keys such as tenants and sites.', fix: 'Start the file with `tenants:` / `sites:`.' },
  { code: 'NG1007', title: 'Defined in two files', explanation: 'In a directory inventory, two files define the same object.', fix: 'Keep the definition in one file.' },
  { code: 'NG1008', title: 'Lock file unreadable', explanation: 'The allocation lock file beside the inventory could not be parsed; allocations are recomputed from scratch, which may renumber addresses.', fix: 'Restore the lock file from version control.' },
  // 2xxx: schema
  { code: 'NG2001', title: 'Unknown key', explanation: 'The key is not part of the inventory language at this place.', example: 'nics:\n  eth1: {adress: 10.0.0.1/24}', fix: 'Use the key suggested by "did you mean", or remove it. `netgen schema` prints the language.' },
  { code: 'NG2002', title: 'Missing required field', explanation: 'An object lacks a field it must have.', example: 'bonds:\n  bond0: {mode: 802.3ad}   # no members', fix: 'Add the field.' },
  { code: 'NG2003', title: 'Wrong type', explanation: 'The value has the wrong type (a string where a number is expected, a list where a mapping is expected, ...).', fix: 'Write a value of the type named in the message.' },
  { code: 'NG2004', title: 'Value not allowed', explanation: 'The value is outside the allowed set or range.', example: 'bonds:\n  bond0: {mode: lacp}', fix: 'Use one of the values listed in the message.' },
  { code: 'NG2005', title: 'Invalid name', explanation: 'Names of hosts, tenants, namespaces and interfaces are restricted to letters, digits and `-_.` (interfaces at most 15 bytes), so that they can never break out of a shell word, an nft string or a config line.', example: "tenants:\n  'a;reboot': {}", fix: 'Rename it using only letters, digits, `-`, `_` and `.`.' },
  { code: 'NG2006', title: 'Invalid IP address or prefix', explanation: 'The value is not an IPv4/IPv6 address or prefix in the form required here.', example: 'address: 10.0.0.300/24', fix: 'Write a valid address such as 10.0.0.3/24 or 2001:db8::3/64.' },
  { code: 'NG2007', title: 'Invalid text', explanation: 'Free text (descriptions) may not contain control characters such as newlines or NUL, which would break configuration lines.', fix: 'Write the text on one line with printable characters.' },
  // 3xxx: names and references
  { code: 'NG3001', title: 'Unknown reference', explanation: 'The name refers to an object (interface, bridge, tenant, host, table) that is not defined.', fix: 'Define the object or correct the name (see "did you mean").' },
  { code: 'NG3002', title: 'Duplicate name', explanation: 'Two objects would have the same name in one scope (interfaces of one host or namespace, namespaces of one host).', fix: 'Rename one of them; derived names can be pinned with `names:`.' },
  { code: 'NG3003', title: 'Name too long', explanation: 'Linux interface names are at most 15 bytes (IFNAMSIZ - 1).', example: 'bridges:\n  tenant-bridge-microsoft: {}', fix: 'Use a shorter name, or set a tenant `short:` name so derived names fit.' },
  { code: 'NG3004', title: 'Member used twice', explanation: 'An interface is a member of two bonds or bridges, or of a bond and a bridge, or is moved into a namespace and also used in the root namespace.', fix: 'Use each interface in one place only.' },
  { code: 'NG3005', title: 'Reserved name', explanation: 'The name is reserved by the kernel or netgen (lo, all, default, a namespace called 1).', fix: 'Choose another name.' },
  // 4xxx: addressing
  { code: 'NG4001', title: 'Overlapping CIDRs in one tenant', explanation: 'CIDRs may overlap between tenants (that is what namespaces are for) but not inside one tenant, where routing would be ambiguous.', example: 'tenants:\n  a: {cidrs: [10.0.0.0/16, 10.0.3.0/24]}', fix: 'Remove the smaller prefix or split the range.' },
  { code: 'NG4002', title: 'Address outside its subnet', explanation: "An address does not lie in the subnet or tenant CIDRs it belongs to, or a gateway is not reachable on the interface's subnets.", fix: 'Correct the address or the prefix length.' },
  { code: 'NG4003', title: 'Duplicate address', explanation: 'The same address is used twice in one L2 domain (a tenant, a bridge, or one host). An address shared on purpose (anycast gateway, VRRP) must be declared in `shared_addresses`.', fix: 'Use another address, or declare it as shared.' },
  { code: 'NG4004', title: 'Address pool exhausted', explanation: 'No free address is left in the pool to allocate from.', fix: 'Enlarge the pool or pin addresses by hand.' },
  { code: 'NG4005', title: 'Prefix has host bits set', explanation: 'A network prefix (CIDR) has bits set after the prefix length.', example: 'cidrs: [10.1.0.5/24]', fix: 'Write the network address, e.g. 10.1.0.0/24.' },
  { code: 'NG4006', title: 'Address family mismatch', explanation: 'IPv4 and IPv6 are mixed where they must agree (a route via an IPv6 gateway to an IPv4 prefix, a rule from IPv4 to IPv6).', fix: 'Use the same family on both sides.' },
  { code: 'NG4007', title: 'Tenant address needs a prefix', explanation: 'A tenant address must lie in one of the tenant CIDRs so that its prefix length is known.', fix: 'Add the CIDR to the tenant or write the address with /len.' },
  // 5xxx: L2, overlay, routing
  { code: 'NG5001', title: 'VNI reused', explanation: 'Two tenants or VXLAN interfaces use the same VNI in one site, which would merge their L2 domains.', fix: 'Give each a distinct VNI.' },
  { code: 'NG5002', title: 'VNI out of range', explanation: 'A VXLAN network identifier is 24 bits: 1..16777215.', fix: 'Use a VNI in range.' },
  { code: 'NG5003', title: 'VLAN id out of range', explanation: 'An 802.1Q VLAN id is 1..4094.', fix: 'Use a VLAN id in range.' },
  { code: 'NG5004', title: 'VLAN id reused', explanation: 'The same VLAN id is declared twice on one parent interface.', fix: 'Use one VLAN interface per id and parent.' },
  { code: 'NG5005', title: 'MTU too small for VXLAN', explanation: 'VXLAN adds 50 bytes (IPv4 underlay) or 70 bytes (IPv6 underlay) of headers; the underlay MTU must be at least the VXLAN MTU plus that overhead or packets are dropped.', example: 'eth1 mtu 1500 carrying a vxlan with mtu 1500', fix: 'Raise the underlay MTU (e.g. 9000) or lower the VXLAN MTU (e.g. 1450).' },
  { code: 'NG5006', title: 'VXLAN has no endpoint', explanation: 'A VXLAN needs a local underlay address and a remote, a group, or peer hosts carrying the same tenant.', fix: 'Give the host an underlay address (`underlay:`) or the VXLAN a remote.' },
  { code: 'NG5007', title: 'Invalid MAC address', explanation: 'A MAC address must be six hex octets; a generated or pinned address must be unicast (bit 0 clear) and should be locally administered (bit 1 set).', fix: 'Use a unicast, locally administered address such as 02:00:00:00:00:01.' },
  { code: 'NG5008', title: 'Routing table id invalid or reused', explanation: 'Routing table ids are 1..4294967295 except 253-255 (default, main, local), and one id cannot name two tables.', fix: 'Choose another id.' },
  { code: 'NG5009', title: 'Duplicate MAC address', explanation: 'The same MAC address is used twice on one host or L2 domain.', fix: 'Change one of them.' },
  { code: 'NG5010', title: 'Bond mode option mismatch', explanation: 'An option was given that the bond mode does not use (lacp_rate without 802.3ad, primary without active-backup).', fix: 'Remove the option or change the mode.' },
  // 6xxx: targets (firewall, routing daemons, routers, storage)
  { code: 'NG6001', title: 'Unknown target reference', explanation: 'A firewall, BGP, NAT or service rule names an address, set or peer that is not defined.', fix: 'Define it or correct the name.' },
  { code: 'NG6002', title: 'Invalid port', explanation: 'Ports are 1..65535; ranges are written 1000-2000.', fix: 'Correct the port.' },
  { code: 'NG6003', title: 'Invalid ASN', explanation: 'BGP AS numbers are 1..4294967295; 23456 (AS_TRANS, RFC 6793) is reserved for 2-byte speakers and cannot be an AS of its own.', example: 'bgp:\n  asn: 0', fix: 'Correct the AS number.' },
  { code: 'NG6004', title: 'Invalid check', explanation: 'A lab check names a host, namespace or address that does not exist.', fix: 'Correct the check.' },
  { code: 'NG6010', title: 'Name not usable as an FRR instance', explanation: 'An FRR instance per namespace uses the namespace name as its pathspace (/etc/frr/NAME, vtysh -N NAME); FRR refuses pathspaces containing dots, and "daemons" would clash with the root instance\'s file.', example: 'namespaces:\n  tenant.a:\n    bgp: {asn: 64515}', fix: 'Rename the namespace (letters, digits, - and _).' },
  { code: 'NG6101', title: 'Unknown DHCP interface', explanation: 'A namespace dhcp: section names an interface the namespace does not have; dnsmasq would bind to nothing.', example: 'dhcp:\n  interface: ns-typo', fix: 'Name one of the namespace interfaces (see "did you mean").' },
  { code: 'NG6102', title: 'DHCP address outside the interface subnet', explanation: 'A DHCP range, static host or router option lies outside every subnet of the interface dnsmasq serves (or a range is empty or mixes IPv4 and IPv6). dnsmasq ignores such ranges and clients cannot use such a router.', example: 'ranges: [{start: 10.9.0.10, end: 10.9.0.99}]   # interface has 10.1.0.2/24', fix: 'Correct the range, or give the interface an address in that subnet.' },
  { code: 'NG6103', title: 'Unknown Ceph admin host', explanation: 'A ceph: cluster names an admin_host that is not a host of the inventory (or is the name of hosts in two sites); its scripts would have nowhere to go.', fix: 'Name an existing host (see "did you mean"), or rename one of the duplicate hosts.' },
  { code: 'NG6104', title: 'Ceph public_addr outside public_network', explanation: 'A daemon public_addr is not inside the public_network that applies to it (its own or the cluster one); Ceph would bind the daemon to an address clients do not use.', example: 'mds.a: {public_addr: 10.0.0.3, public_network: [192.168.100.0/24]}', fix: 'Correct the address or the network.' },
  { code: 'NG6105', title: 'Ceph mon_ip not on the admin host', explanation: 'cephadm bootstrap runs on the admin host and creates the first monitor on mon_ip, which must be one of that host\'s addresses.', fix: 'Use an address of the admin host, or change admin_host.' },
  { code: 'NG6106', title: 'Interface name not valid on VyOS', explanation: 'VyOS names interfaces by kind (ethN or enp..., bondN, brN, vxlanN) and VLAN interfaces PARENT.ID; other names cannot be configured.', example: 'bridges:\n  storage: {}', fix: 'Rename the interface the VyOS way, e.g. br10 or eth2.3.' },
  { code: 'NG6107', title: 'Not rendered for VyOS', explanation: 'The inventory asks for something on a VyOS router that netgen does not render there (network namespaces, veth/tap/macvlan links, port security, BGP listen address, routes in tables that are not VRFs). It is ignored for that router.', fix: 'Remove it from the router, or configure it on the router by hand.' },
  { code: 'NG6108', title: 'Value outside the VyOS range', explanation: 'VyOS accepts narrower ranges than Linux for some values: VRF tables 100..65535, bridge ageing 0 or 10..1000000, VXLAN VNI up to 16777214 and MTU 1200..16000, bond miimon 0 or 50..1000 and min_links up to 16, AS numbers up to 4294967294, IPv4 BGP router-ids.', example: 'vrfs:\n  blue: {table: 42}', fix: 'Use a value in the VyOS range.' },
  // 9xxx: output and internals
  { code: 'NG9001', title: 'Cannot write output', explanation: 'Writing the output tree failed (disk full, permissions). The previous output is left untouched.', fix: 'Free space or fix permissions and build again.' },
  { code: 'NG9002', title: 'Output is locked', explanation: 'Another netgen build is writing the same output directory.', fix: 'Wait for it to finish; if no build is running, remove the stale lock file named in the message.' },
  { code: 'NG9003', title: 'Template error', explanation: 'A template (bundled or from an overlay) failed to compile or render.', fix: 'Fix the template named in the message.' },
  { code: 'NG9004', title: 'Refusing to write outside the output directory', explanation: 'A path in the output would leave the output directory or pass through a symbolic link.', fix: 'Remove the symbolic link from the output directory.' },
];

export const catalog: ReadonlyMap<string, CatalogEntry> = new Map(entries.map((e) => [e.code, e]));

export function allCatalogEntries(): CatalogEntry[] {
  return [...entries].sort((a, b) => (a.code < b.code ? -1 : 1));
}
