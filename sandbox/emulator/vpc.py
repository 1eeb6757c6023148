"""VPC reachability: which connections a function's handler can make, and why.

``network_table(scenario, function_name)`` applies the decision procedure below
to every name a handler may try: the hosts under
``network.hosts`` (by name, and private hosts also by address) and AWS service
endpoints (``<service>.<region>.amazonaws.com``, ``s3.amazonaws.com`` and bucket
names such as ``<bucket>.s3.<region>.amazonaws.com``). Every verdict carries its
reason in plain words naming the resources involved.

The rules, in order:

1. No ``vpc`` (or no subnets): the function runs in a Lambda-owned network with
   internet access. Internet hosts and AWS endpoints connect; private hosts don't:
   a private DNS name doesn't resolve (``dns_failure``) and an ``*.amazonaws.com``
   name or an address resolves to a private address with no route to it
   (``timeout``).
2. ``vpc`` but a role without the ENI permissions: the function can't be attached
   (AWS rejects the configuration; ``validate`` reports it too); nothing connects.
3. A private host: same VPC only; the function's security groups must allow the
   port outbound (to the host's address or one of its groups), the host's groups
   must allow it inbound (from one of the function's groups or a block covering the
   function's subnet), network ACLs (if any) must pass both ways; then the host must
   listen on the port, otherwise ``refused``.
4. An AWS service: a gateway endpoint (S3, DynamoDB) on the route table of the
   function's subnet, then an interface endpoint with private DNS whose security
   groups admit the function on 443; otherwise the internet path.
5. The internet path: the subnet's route for the address must go to a NAT gateway
   whose own subnet routes 0.0.0.0/0 to an internet gateway of the VPC. A route
   straight to an internet gateway does not work: a function's network interface
   has no public IP address (the public-subnet trap). The function's groups must
   allow the port outbound.
6. A function in several subnets may use any of them; when the verdicts differ the
   failing one is reported, with a note.

Blocked connections are ``timeout`` (the packets are dropped and the call hangs),
as on AWS.

The network section's defaults and its checks live in ``validation.network``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .executor import NetworkTable, Verdict
from .validation.network import address, cidr_block, network_defaults, port_range, ports_of
from .validation.rules import ENI_ACTIONS, eni_message, role_allows

AWS_SERVICES = (
    "s3",
    "dynamodb",
    "sqs",
    "sns",
    "lambda",
    "sts",
    "secretsmanager",
    "ssm",
    "kms",
    "events",
    "kinesis",
    "logs",
    "monitoring",
    "states",
    "streams.dynamodb",
    "xray",
    "ec2",
    "execute-api",
)
AWS_PORTS = (443, 80)
# Example public addresses standing in for AWS services and internet hosts.
SERVICE_IPS = {"s3": "52.216.8.10", "dynamodb": "3.218.180.10"}
OTHER_SERVICE_IP = "54.239.28.85"
ANY = "*"


# --- the decision procedure ----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str  # what the handler connects to (lower case)
    kind: str  # internet | private | aws
    ports: tuple[int, ...]
    ip: ipaddress.IPv4Address | None = None
    host: str = ""  # the key under network.hosts
    service: str = ""  # for AWS endpoints


@dataclass
class Context:
    net: dict
    function: str
    groups: list[str]
    region: str
    notes: list[str] = field(default_factory=list)


def network_table(scenario: Mapping[str, Any], function_name: str) -> NetworkTable:
    """Connection verdicts for every name ``function_name``'s handler may try."""
    function = (scenario.get("functions") or {}).get(function_name) or {}
    net = network_defaults(scenario.get("network") or {})
    region = (scenario.get("account") or {}).get("region") or "us-east-1"
    vpc = function.get("vpc") or {}
    subnets = list(vpc.get("subnets") or [])
    ctx = Context(net, function_name, list(vpc.get("security_groups") or []), region)
    role = function.get("role")
    missing = [a for a in ENI_ACTIONS if isinstance(role, dict) and not role_allows(role, a)] if subnets else []
    hosts: dict[str, dict[str, Verdict]] = {}
    for target in _targets(net, region, scenario.get("buckets") or {}):
        ports: dict[str, Verdict] = {}
        for port in (*target.ports, ANY):
            if missing:
                verdict = Verdict(
                    "timeout",
                    f"function {function_name} has no network interface in its VPC: "
                    f"{eni_message(missing[0]).split(': ', 1)[1]} (add the "
                    "AWSLambdaVPCAccessExecutionRole policy), so AWS rejects the configuration",
                )
            elif not subnets:
                verdict = _outside_vpc(ctx, target, port)
            else:
                verdict = _from_subnets(ctx, subnets, target, port)
            ports[str(port)] = verdict
        hosts.setdefault(target.name, ports)
    default = Verdict(
        "dns_failure",
        "the name doesn't resolve: in the sandbox only the names under network.hosts "
        "and AWS service endpoints (*.amazonaws.com) exist",
    )
    return NetworkTable(hosts=hosts, default=default)


def _targets(net: dict, region: str, buckets: dict) -> list[Target]:
    targets = []
    for index, (key, spec) in enumerate(net["hosts"].items()):
        ports = ports_of(spec)
        name = str(spec.get("name") or key).lower().rstrip(".")
        if spec.get("internet") is True:
            ip = address(spec.get("ip")) or ipaddress.IPv4Address(f"203.0.113.{index % 250 + 1}")
            targets.append(Target(name, "internet", ports, ip, key))
        else:
            ip = address(spec.get("ip"))
            targets.append(Target(name, "private", ports, ip, key))
            if ip is not None:
                targets.append(Target(str(ip), "private", ports, ip, key))
    names = {t.name for t in targets}
    for service in AWS_SERVICES:
        for name in (f"{service}.{region}.amazonaws.com",) + (("s3.amazonaws.com",) if service == "s3" else ()):
            if name not in names:
                targets.append(Target(name, "aws", AWS_PORTS, _service_ip(service), service=service))
    for bucket in buckets:
        for name in (f"{bucket}.s3.{region}.amazonaws.com", f"{bucket}.s3.amazonaws.com"):
            if name.lower() not in names:
                targets.append(Target(name.lower(), "aws", AWS_PORTS, _service_ip("s3"), service="s3"))
    # Any other bucket, addressed virtual-hosted style, and STS's global endpoint.
    for name in (f"*.s3.{region}.amazonaws.com", "*.s3.amazonaws.com"):
        targets.append(Target(name, "aws", AWS_PORTS, _service_ip("s3"), service="s3"))
    if "sts.amazonaws.com" not in names:
        targets.append(Target("sts.amazonaws.com", "aws", AWS_PORTS, _service_ip("sts"), service="sts"))
    return targets


def _service_ip(service: str) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(SERVICE_IPS.get(service, OTHER_SERVICE_IP))


def _outside_vpc(ctx: Context, target: Target, port) -> Verdict:
    prefix = f"function {ctx.function} has no VPC config, so it runs in a Lambda-owned network with internet access"
    if target.kind == "private":
        spec = ctx.net["hosts"][target.host]
        where = f"subnet {spec.get('subnet')}"
        vpc = (ctx.net["subnets"].get(spec.get("subnet")) or {}).get("vpc")
        if target.name.endswith(".amazonaws.com") or address(target.name) is not None:
            return Verdict(
                "timeout",
                f"{target.name} is the private address {target.ip} in {where} of VPC {vpc}; "
                f"function {ctx.function} has no VPC config, so there is no route to it. Attach the "
                f"function to subnets of {vpc} (vpc: {{subnets, security_groups}})",
            )
        return Verdict(
            "dns_failure",
            f"{target.name} is a private name that resolves only inside VPC {vpc}; "
            f"function {ctx.function} has no VPC config, so the name doesn't resolve",
        )
    return _listening(target, port, Verdict("connected", f"{prefix}; {target.name} answers on {_p(port)}"))


def _listening(target: Target, port, verdict: Verdict) -> Verdict:
    """The verdict once packets arrive: refused (or dropped, for AWS) on ports nobody listens on."""
    if port != ANY and int(port) in target.ports:
        return verdict
    listed = " and ".join(map(str, target.ports))
    if target.kind == "aws":
        return Verdict("timeout", f"{target.name} answers only on port {listed}; connections to {_p(port)} hang")
    return Verdict("refused", f"{target.name} listens on port {listed}; nothing accepts connections on {_p(port)}")


def _p(port) -> str:
    return "other ports" if port == ANY else f"port {port}"


def _tp(port) -> str:
    return "other tcp ports" if port == ANY else f"tcp port {port}"


def _from_subnets(ctx: Context, subnets: list[str], target: Target, port) -> Verdict:
    verdicts = [(subnet, _from_subnet(ctx, subnet, target, port)) for subnet in subnets]
    failing = [(s, v) for s, v in verdicts if v.outcome != "connected"]
    if not failing or len(failing) == len(verdicts):
        return verdicts[0][1]
    working = ", ".join(s for s, v in verdicts if v.outcome == "connected")
    subnet, verdict = failing[0]
    return Verdict(
        verdict.outcome,
        f"{verdict.reason}. From subnet {working} it would work, but Lambda may use any "
        "of the function's subnets, so give them all the same routing",
    )


def _from_subnet(ctx: Context, subnet: str, target: Target, port) -> Verdict:
    spec = ctx.net["subnets"].get(subnet)
    if spec is None:
        return Verdict("timeout", f"subnet {subnet} doesn't exist, so function {ctx.function} has no network interface")
    if target.kind == "private":
        return _to_private(ctx, subnet, target, port)
    if target.kind == "aws":
        via = _via_endpoint(ctx, subnet, target, port)
        if via is not None:
            return via
    return _to_internet(ctx, subnet, target, port)


def _to_private(ctx: Context, subnet: str, target: Target, port) -> Verdict:
    host = ctx.net["hosts"][target.host]
    vpc = ctx.net["subnets"][subnet].get("vpc")
    host_vpc = (ctx.net["subnets"].get(host.get("subnet")) or {}).get("vpc")
    if host_vpc != vpc:
        return Verdict(
            "timeout",
            f"{target.name} is in VPC {host_vpc} but function {ctx.function} is in VPC {vpc}; "
            "there is no route between the two VPCs",
        )
    path = (f"{target.name} ({target.ip}) in subnet {host['subnet']}", host.get("security_groups") or [])
    blocked = _check_path(ctx, subnet, target.ip, host["subnet"], path, port)
    if blocked:
        return blocked
    return _listening(
        target,
        port,
        Verdict(
            "connected",
            f"subnet {subnet} reaches {path[0]} over the VPC's local route; the function's security "
            f"groups ({', '.join(ctx.groups)}) allow {_tp(port)} out and its security groups ({', '.join(path[1])}) allow it in",
        ),
    )


def _check_path(ctx: Context, subnet: str, ip, peer_subnet: str | None, peer, port) -> Verdict | None:
    """Security groups and network ACLs between the function and a peer inside the VPC."""
    label, peer_groups = peer
    numeric = 65000 if port == ANY else int(port)
    source = cidr_block(ctx.net["subnets"][subnet].get("cidr"))
    if not any(_sg_allows(ctx.net, g, "egress", numeric, ip=ip, groups=peer_groups) for g in ctx.groups):
        return Verdict(
            "timeout",
            f"no outbound rule of the function's security groups "
            f"({', '.join(ctx.groups) or 'none'}) allows {_tp(port)} to {label}",
        )
    acl = _acl_block(ctx, subnet, "outbound", numeric, ip) or (
        peer_subnet != subnet and _acl_block(ctx, peer_subnet, "inbound", numeric, source)
    )
    if acl:
        return Verdict("timeout", acl)
    if not any(_sg_allows(ctx.net, g, "ingress", numeric, ip=source, groups=ctx.groups) for g in peer_groups):
        return Verdict(
            "timeout",
            f"no inbound rule of {label}'s security groups ({', '.join(peer_groups) or 'none'}) "
            f"allows {_tp(port)} from the function's groups ({', '.join(ctx.groups)}) or from "
            f"subnet {subnet} ({source})",
        )
    return None


def _via_endpoint(ctx: Context, subnet: str, target: Target, port) -> Verdict | None:
    vpc = ctx.net["subnets"][subnet].get("vpc")
    table = ctx.net["subnets"][subnet].get("route_table")
    for name, spec in ctx.net["endpoints"].items():
        if spec.get("vpc") != vpc or spec.get("service") != target.service:
            continue
        if spec["type"] == "gateway":
            if table not in spec["route_tables"]:
                ctx.notes.append(
                    f"gateway endpoint {name} isn't associated with route table {table or '(main)'} of subnet {subnet}"
                )
                continue
            numeric = 443 if port == ANY else int(port)
            if not any(
                _sg_allows(ctx.net, g, "egress", numeric, ip=target.ip, prefix_list=f"pl-{target.service}")
                for g in ctx.groups
            ):
                return Verdict(
                    "timeout",
                    f"route table {table} sends {target.service} traffic to gateway endpoint "
                    f"{name}, but no outbound rule of the function's security groups allows {_tp(port)}",
                )
            return _listening(
                target,
                port,
                Verdict(
                    "connected",
                    f"route table {table} of subnet {subnet} sends {target.service} traffic to gateway "
                    f"endpoint {name}, privately, without a NAT gateway",
                ),
            )
        if not spec.get("private_dns", True):
            ctx.notes.append(
                f"interface endpoint {name} has private DNS off, so {target.name} still resolves to public addresses"
            )
            continue
        where = (spec["subnets"] or [None])[0]
        block = cidr_block((ctx.net["subnets"].get(where) or {}).get("cidr"))
        ip = block.network_address + 5 if block is not None else None
        label = f"interface endpoint {name} (subnet {where})"
        blocked = _check_path(ctx, subnet, ip, where, (label, spec["security_groups"]), port)
        if blocked:
            return blocked
        return _listening(
            target,
            port,
            Verdict(
                "connected",
                f"private DNS resolves {target.name} to {label}; its security groups "
                f"({', '.join(spec['security_groups'])}) allow {_tp(port)} from the function",
            ),
        )
    return None


def _to_internet(ctx: Context, subnet: str, target: Target, port) -> Verdict:
    spec = ctx.net["subnets"][subnet]
    table_name = spec.get("route_table")
    table = ctx.net["route_tables"].get(table_name) or {"routes": {}}
    hop = _route(table["routes"], target.ip)
    what = (
        f"{target.name} is on the internet" if target.kind == "internet" else f"{target.name} is a public AWS endpoint"
    )
    notes = "; ".join(ctx.notes)
    ctx.notes.clear()
    notes = f" ({notes})" if notes else ""
    where = f"subnet {subnet} (route table {table_name})" if table_name else f"subnet {subnet} (no route table)"
    if hop is None:
        return Verdict(
            "timeout",
            f"{what}, but {where} routes 0.0.0.0/0 to nothing; add a NAT gateway in a public "
            f"subnet and route 0.0.0.0/0 to it{notes}",
        )
    if hop in ctx.net["internet_gateways"]:
        return Verdict(
            "timeout",
            f"{what}, and {where} routes 0.0.0.0/0 straight to internet gateway {hop}, but a "
            "Lambda function's network interface never has a public IP address, so the traffic is "
            "dropped (the public-subnet trap); put the function in private subnets that route through a "
            f"NAT gateway{notes}",
        )
    nat = ctx.net["nat_gateways"].get(hop)
    if nat is None:
        return Verdict("timeout", f"{what}, but {where} routes it to {hop}, which leads nowhere{notes}")
    if nat["connectivity"] != "public":
        return Verdict("timeout", f"{what}, but NAT gateway {hop} is private and can't reach the internet{notes}")
    nat_subnet = ctx.net["subnets"].get(nat.get("subnet")) or {}
    nat_table = ctx.net["route_tables"].get(nat_subnet.get("route_table")) or {"routes": {}}
    igw = _route(nat_table["routes"], target.ip)
    if igw not in ctx.net["internet_gateways"]:
        return Verdict(
            "timeout",
            f"{what}; {where} routes to NAT gateway {hop}, but its subnet {nat.get('subnet')} "
            "doesn't route 0.0.0.0/0 to an internet gateway, so the NAT gateway can't reach the "
            f"internet{notes}",
        )
    numeric = 65000 if port == ANY else int(port)
    if not any(_sg_allows(ctx.net, g, "egress", numeric, ip=target.ip) for g in ctx.groups):
        return Verdict(
            "timeout",
            f"{what}, but no outbound rule of the function's security groups "
            f"({', '.join(ctx.groups) or 'none'}) allows {_tp(port)} to it",
        )
    acl = _acl_block(ctx, subnet, "outbound", numeric, target.ip)
    if acl:
        return Verdict("timeout", acl)
    return _listening(
        target,
        port,
        Verdict(
            "connected",
            f"{where} routes 0.0.0.0/0 to NAT gateway {hop}, whose subnet {nat.get('subnet')} routes to "
            f"internet gateway {igw}",
        ),
    )


def _route(routes: dict, ip) -> str | None:
    """The target of the most specific route covering ``ip`` (None: no route)."""
    best, best_len = None, -1
    for dest, hop in routes.items():
        block = cidr_block(dest)
        if block is not None and ip is not None and ip in block and block.prefixlen > best_len and hop != "local":
            best, best_len = hop, block.prefixlen
    return best


def _sg_allows(net, group: str, direction: str, port: int, ip=None, groups=(), prefix_list="") -> bool:
    key = "to" if direction == "egress" else "from"
    for rule in (net["security_groups"].get(group) or {}).get(direction, []):
        if not _rule_covers(rule, port):
            continue
        peer = rule.get(key, rule.get("cidr"))
        if peer in groups or (prefix_list and peer == prefix_list):
            return True
        block = cidr_block(peer)
        if block is not None and ip is not None and _contains(block, ip):
            return True
    return False


def _rule_covers(rule: dict, port: int) -> bool:
    protocol = str(rule.get("protocol", "tcp"))
    if protocol in ("all", "-1"):
        return True
    if protocol != "tcp":
        return False
    span = port_range(rule.get("ports", "all"))
    return span is not None and span[0] <= port <= span[1]


def _acl_block(ctx: Context, subnet: str | None, direction: str, port: int, peer) -> str | None:
    """Why a network ACL drops the traffic (None when it passes).

    Network ACLs are stateless: the request is checked on ``port`` and the reply
    on the ephemeral ports (1024-65535) in the other direction.
    """
    for name, acl in ctx.net["network_acls"].items():
        if subnet not in acl["subnets"]:
            continue
        reverse = "inbound" if direction == "outbound" else "outbound"
        for way, checked in ((direction, port), (reverse, 1024)):
            if not _acl_allows(acl[way], checked, peer):
                return (
                    f"network ACL {name} on subnet {subnet} has no {way} rule allowing "
                    f"{'tcp port ' + str(checked) if checked == port else 'the reply on ports 1024-65535'} "
                    f"{'to' if way == 'outbound' else 'from'} {peer}; ACLs are stateless, so both ways need a rule"
                )
    return None


def _acl_allows(rules: list, port: int, peer) -> bool:
    for rule in sorted(rules, key=lambda r: r.get("rule", 100) if isinstance(r.get("rule", 100), int) else 100):
        block = cidr_block(rule.get("cidr"))
        if block is None or peer is None or not _contains(block, peer):
            continue
        span = port_range(rule.get("ports", "all"))
        if str(rule.get("protocol", "all")) in ("all", "-1") or (
            span and span[0] <= port <= span[1] and str(rule.get("protocol")) == "tcp"
        ):
            return rule.get("action", "allow") == "allow"
    return False


def _contains(block, peer) -> bool:
    if isinstance(peer, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return peer.version == block.version and peer.subnet_of(block)
    return peer in block
