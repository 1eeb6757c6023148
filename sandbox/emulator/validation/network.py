"""The ``network`` section: its defaults and its checks.

``network_defaults`` fills in what AWS gives a resource that doesn't say (a new security
group allows all outbound traffic, a host in a subnet gets an address from it...).
``network_problems`` checks a section and names each problem's field; reachability, what a
handler can connect to, is ``vpc.network_table``.
"""

from __future__ import annotations

import ipaddress

from .rules import Names

SECTIONS = (
    "vpcs",
    "internet_gateways",
    "nat_gateways",
    "route_tables",
    "subnets",
    "security_groups",
    "endpoints",
    "hosts",
    "network_acls",
)
GATEWAY_SERVICES = ("s3", "dynamodb")
LIST_FIELDS = {
    "security_groups": ("ingress", "egress"),
    "endpoints": ("route_tables", "subnets", "security_groups"),
    "hosts": ("security_groups",),
    "network_acls": ("subnets", "inbound", "outbound"),
}


def network_defaults(network: dict) -> dict:
    """The network section with every default filled in (a new dict)."""
    net = {name: Names(network.get(name) or {}) for name in SECTIONS}
    net.update({k: v for k, v in network.items() if k not in SECTIONS})
    for name, spec in list(net["nat_gateways"].items()):
        net["nat_gateways"][name] = {"connectivity": "public", **(spec or {})}
    for name, spec in list(net["route_tables"].items()):
        net["route_tables"][name] = {**(spec or {}), "routes": dict((spec or {}).get("routes") or {})}
    for name, spec in list(net["subnets"].items()):
        net["subnets"][name] = {"route_table": None, **(spec or {})}
    for name, spec in list(net["security_groups"].items()):
        spec = dict(spec or {})
        spec["ingress"] = list(spec.get("ingress") or [])
        # AWS gives a new security group one outbound rule allowing everything.
        spec["egress"] = (
            list(spec["egress"] or []) if "egress" in spec else [{"protocol": "all", "ports": "all", "to": "0.0.0.0/0"}]
        )
        net["security_groups"][name] = spec
    for name, spec in list(net["endpoints"].items()):
        net["endpoints"][name] = {
            "type": "gateway",
            "route_tables": [],
            "subnets": [],
            "security_groups": [],
            "private_dns": True,
            **(spec or {}),
        }
    counters: dict[str, int] = Names()
    for name, spec in list(net["hosts"].items()):
        spec = {"name": name, "port": None, "subnet": None, "security_groups": [], "internet": False, **(spec or {})}
        if spec.get("ip") is None and spec["subnet"] in net["subnets"]:
            counters[spec["subnet"]] = counters.get(spec["subnet"], 0) + 1
            block = cidr_block(net["subnets"][spec["subnet"]].get("cidr"))
            if block is not None and block.num_addresses > 16:
                spec["ip"] = str(block.network_address + 9 + counters[spec["subnet"]])
        net["hosts"][name] = spec
    for name, spec in list(net["network_acls"].items()):
        net["network_acls"][name] = {"subnets": [], "inbound": [], "outbound": [], **(spec or {})}
    return net


def network_problems(network: dict) -> list[tuple[str, str]]:
    """``(field, message)`` for everything wrong in a network section (fields relative to it)."""
    if not isinstance(network, dict):
        return [("", "network must be a mapping")]
    problems = _shape_problems(network)
    if problems:
        return problems
    return _NetworkChecks(network_defaults(network)).problems()


def _shape_problems(network: dict) -> list[tuple[str, str]]:
    """Sections, entries and lists of the wrong type: nothing else can be checked past them."""
    problems: list[tuple[str, str]] = []
    for name in network:
        if name not in SECTIONS:
            problems.append((str(name), f"unknown network section '{name}'; use {', '.join(SECTIONS)}"))
    for section in SECTIONS:
        value = network.get(section)
        if value is not None and not isinstance(value, dict):
            problems.append((section, f"{section} must be a mapping of names to settings"))
        elif any(spec is not None and not isinstance(spec, dict) for spec in (value or {}).values()):
            problems.append((section, f"each entry of {section} must be a mapping of settings"))
    if problems:
        return problems
    for section, fields in LIST_FIELDS.items():
        for name, spec in (network.get(section) or {}).items():
            for key in fields:
                value = (spec or {}).get(key)
                if value is not None and not isinstance(value, list):
                    problems.append((f"{section}.{name}.{key}", f"{key} must be a list"))
    for name, spec in (network.get("route_tables") or {}).items():
        if (spec or {}).get("routes") is not None and not isinstance(spec["routes"], dict):
            problems.append(
                (f"route_tables.{name}.routes", 'routes map a block to a gateway, e.g. {"0.0.0.0/0": nat-a}')
            )
    return problems


class _NetworkChecks:
    """The checks of a well-shaped network section (defaults filled in), one section at a time."""

    def __init__(self, net: dict):
        self.net = net
        self.found: list[tuple[str, str]] = []
        self.vpc_blocks: dict = Names()

    def problems(self) -> list[tuple[str, str]]:
        self.vpcs()
        self.gateways()
        self.route_tables()
        self.subnets()
        self.security_groups()
        self.endpoints()
        self.hosts()
        self.network_acls()
        return self.found

    def add(self, where: str, message: str) -> None:
        self.found.append((where, message))

    def need(self, section: str, name, where: str, what: str) -> bool:
        if name not in self.net[section]:
            self.add(where, f"{what} {name!r} doesn't exist; declare it under network.{section}")
            return False
        return True

    def vpcs(self) -> None:
        for name, spec in self.net["vpcs"].items():
            block = cidr_block(spec.get("cidr"))
            if block is None or not 16 <= block.prefixlen <= 28 or block.version != 4:
                self.add(f"vpcs.{name}.cidr", "a VPC needs an IPv4 cidr between /16 and /28, e.g. 10.0.0.0/16")
            else:
                self.vpc_blocks[name] = block

    def gateways(self) -> None:
        for name, spec in self.net["internet_gateways"].items():
            self.need("vpcs", spec.get("vpc"), f"internet_gateways.{name}.vpc", "VPC")
        for name, spec in self.net["nat_gateways"].items():
            self.need("subnets", spec.get("subnet"), f"nat_gateways.{name}.subnet", "subnet")
            if spec["connectivity"] not in ("public", "private"):
                self.add(f"nat_gateways.{name}.connectivity", "connectivity is public or private")

    def route_tables(self) -> None:
        for name, spec in self.net["route_tables"].items():
            self.need("vpcs", spec.get("vpc"), f"route_tables.{name}.vpc", "VPC")
            for dest, target in spec["routes"].items():
                self.route(f"route_tables.{name}.routes.{dest}", spec.get("vpc"), dest, target)

    def route(self, where: str, vpc, dest, target) -> None:
        net = self.net
        if cidr_block(dest) is None:
            self.add(where, f"{dest!r} is not an address block such as 0.0.0.0/0")
        if target == "local":
            return
        if target in net["internet_gateways"]:
            if net["internet_gateways"][target].get("vpc") != vpc:
                self.add(where, f"internet gateway {target} is attached to another VPC")
        elif target in net["nat_gateways"]:
            nat_subnet = net["subnets"].get(net["nat_gateways"][target].get("subnet")) or {}
            if nat_subnet.get("vpc") != vpc:
                self.add(where, f"NAT gateway {target} is in another VPC")
        else:
            self.add(where, f"route target {target!r} is not an internet gateway or NAT gateway")

    def subnets(self) -> None:
        blocks: list = []
        for name, spec in self.net["subnets"].items():
            where = f"subnets.{name}"
            if not self.need("vpcs", spec.get("vpc"), f"{where}.vpc", "VPC"):
                continue
            self.subnet_block(where, name, spec, blocks)
            table = spec.get("route_table")
            known_table = table is not None and self.need("route_tables", table, f"{where}.route_table", "route table")
            if known_table and self.net["route_tables"][table].get("vpc") != spec["vpc"]:
                self.add(f"{where}.route_table", f"route table {table} belongs to another VPC")

    def subnet_block(self, where: str, name: str, spec: dict, blocks: list) -> None:
        block = cidr_block(spec.get("cidr"))
        parent = self.vpc_blocks.get(spec["vpc"])
        if block is None:
            self.add(f"{where}.cidr", "a subnet needs a cidr such as 10.0.1.0/24")
        elif parent is not None and not (block.version == 4 and block.subnet_of(parent)):
            self.add(f"{where}.cidr", f"{block} is not inside VPC {spec['vpc']} ({parent})")
        elif block.prefixlen > 28:
            self.add(f"{where}.cidr", "a subnet is between /16 and /28")
        else:
            for other, other_block in blocks:
                if block.overlaps(other_block):
                    self.add(f"{where}.cidr", f"{block} overlaps subnet {other} ({other_block})")
            blocks.append((name, block))

    def security_groups(self) -> None:
        for name, spec in self.net["security_groups"].items():
            self.need("vpcs", spec.get("vpc"), f"security_groups.{name}.vpc", "VPC")
            for direction, key in (("ingress", "from"), ("egress", "to")):
                for index, rule in enumerate(spec[direction]):
                    self.found.extend(
                        _rule_problems(rule, f"security_groups.{name}.{direction}.{index}", key, self.net)
                    )

    def endpoints(self) -> None:
        for name, spec in self.net["endpoints"].items():
            where = f"endpoints.{name}"
            self.need("vpcs", spec.get("vpc"), f"{where}.vpc", "VPC")
            if spec["type"] not in ("gateway", "interface"):
                self.add(f"{where}.type", "an endpoint type is gateway or interface")
            if not isinstance(spec.get("service"), str) or not spec["service"]:
                self.add(f"{where}.service", "name the AWS service, e.g. s3, dynamodb, sqs")
            elif spec["type"] == "gateway" and spec["service"] not in GATEWAY_SERVICES:
                self.add(
                    f"{where}.service",
                    f"gateway endpoints exist only for S3 and DynamoDB; use an interface endpoint for {spec['service']}",
                )
            if spec["type"] == "gateway":
                for index, table in enumerate(spec["route_tables"]):
                    self.need("route_tables", table, f"{where}.route_tables.{index}", "route table")
            else:
                if not spec["subnets"]:
                    self.add(f"{where}.subnets", "an interface endpoint sits in at least one subnet")
                for index, subnet in enumerate(spec["subnets"]):
                    self.need("subnets", subnet, f"{where}.subnets.{index}", "subnet")
                for index, group in enumerate(spec["security_groups"]):
                    self.need("security_groups", group, f"{where}.security_groups.{index}", "security group")

    def hosts(self) -> None:
        for name, spec in self.net["hosts"].items():
            where = f"hosts.{name}"
            if not isinstance(spec["name"], str) or not spec["name"]:
                self.add(f"{where}.name", "a host needs the DNS name a handler connects to")
            if not ports_of(spec):
                self.add(f"{where}.port", "give the port (1-65535) the host listens on, or a list of ports")
            if spec["internet"] is True:
                continue
            if spec["subnet"] is None:
                self.add(where, "a host is either on the internet (internet: true) or in a subnet (subnet: NAME)")
                continue
            if self.need("subnets", spec["subnet"], f"{where}.subnet", "subnet"):
                block = cidr_block(self.net["subnets"][spec["subnet"]].get("cidr"))
                ip = address(spec.get("ip"))
                if spec.get("ip") is not None and (ip is None or (block and ip not in block)):
                    self.add(f"{where}.ip", f"{spec.get('ip')!r} is not an address in subnet {spec['subnet']}")
            for index, group in enumerate(spec["security_groups"]):
                self.need("security_groups", group, f"{where}.security_groups.{index}", "security group")

    def network_acls(self) -> None:
        for name, spec in self.net["network_acls"].items():
            for index, subnet in enumerate(spec["subnets"]):
                self.need("subnets", subnet, f"network_acls.{name}.subnets.{index}", "subnet")
            for direction in ("inbound", "outbound"):
                for index, rule in enumerate(spec[direction]):
                    where = f"network_acls.{name}.{direction}.{index}"
                    self.found.extend(_rule_problems(rule, where, "cidr", self.net))
                    if rule.get("action", "allow") not in ("allow", "deny"):
                        self.add(f"{where}.action", "a network ACL rule's action is allow or deny")


def _rule_problems(rule, where: str, key: str, net: dict) -> list[tuple[str, str]]:
    if not isinstance(rule, dict):
        return [(where, "a rule is a mapping such as {protocol: tcp, ports: 443, " + key + ": 0.0.0.0/0}")]
    problems = []
    if str(rule.get("protocol", "tcp")) not in ("tcp", "udp", "icmp", "all", "-1"):
        problems.append((f"{where}.protocol", "protocol is tcp, udp, icmp or all"))
    if port_range(rule.get("ports", "all")) is None:
        problems.append((f"{where}.ports", "ports is all, a port number, or a range such as 1024-65535"))
    peer = rule.get(key, rule.get("cidr"))
    if peer is None:
        problems.append((where, f"say where the traffic may go ({key}: a cidr or a security group)"))
    elif cidr_block(peer) is None and peer not in net["security_groups"] and not str(peer).startswith("pl-"):
        problems.append((f"{where}.{key}", f"{peer!r} is neither an address block nor a security group"))
    return problems


def ports_of(spec: dict) -> tuple[int, ...]:
    value = spec.get("port", spec.get("ports"))
    values = value if isinstance(value, list) else [value]
    ports = tuple(v for v in values if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535)
    return ports if len(ports) == len(values) else ()


def port_range(value) -> tuple[int, int] | None:
    if value in ("all", None, "-1", -1):
        return (0, 65535)
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value) if 0 <= value <= 65535 else None
    if isinstance(value, str):
        low, _, high = value.partition("-")
        if low.isdigit() and (high.isdigit() or not high):
            span = (int(low), int(high or low))
            return span if 0 <= span[0] <= span[1] <= 65535 else None
    return None


def cidr_block(value):
    """An address block such as ``10.0.0.0/16``, or None."""
    try:
        return ipaddress.ip_network(value, strict=False) if isinstance(value, str) and "/" in value else None
    except ValueError:
        return None


def address(value):
    """An IPv4 address, or None."""
    try:
        return ipaddress.IPv4Address(value) if isinstance(value, str) else None
    except ValueError:
        return None
