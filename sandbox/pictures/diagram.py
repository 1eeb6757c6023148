"""The VPC diagram: a scenario's ``network`` section (and the functions attached to it) drawn as SVG.

Pure: plain dicts in, frozen values and SVG markup out. The drawing has the internet on top (internet hosts
and AWS services), then one box per VPC with its internet gateway on the top edge, its subnets as a grid of
boxes (each naming its route table, its routes, and what sits in it: NAT gateways, hosts, functions with their
security groups) and its endpoints along the bottom. Each subnet carries a word for what its routes make it:
``public`` (0.0.0.0/0 to an internet gateway), ``private, NAT`` (0.0.0.0/0 to a NAT gateway) or ``isolated``.
Lines join subnets to the gateway their default route uses; connection verdicts stay in the table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 880
PAD = 16
SUBNET_W = 268
SUBNET_GAP = 14
COLUMNS = 3
LINE = 17
INTERNET_H = 64
VPC_HEAD = 54
ITEM_H = 24


@dataclass(frozen=True)
class Item:
    kind: str  # nat | host | function
    name: str
    detail: str


@dataclass(frozen=True)
class Subnet:
    name: str
    cidr: str
    route_table: str
    routes: tuple[str, ...]
    kind: str  # public | private, NAT | isolated
    default_target: str
    items: tuple[Item, ...]
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class Vpc:
    name: str
    cidr: str
    gateway: str
    x: float
    y: float
    width: float
    height: float
    subnets: tuple[Subnet, ...]
    endpoints: tuple[str, ...]


@dataclass(frozen=True)
class Diagram:
    width: float
    height: float
    internet: tuple[str, ...]
    vpcs: tuple[Vpc, ...]

    @property
    def empty(self) -> bool:
        return not self.vpcs and not self.internet


def subnet_kind(routes: dict, net: dict) -> tuple[str, str]:
    """(kind, target) from the subnet's default route."""
    target = str(routes.get("0.0.0.0/0") or "")
    if target in (net.get("internet_gateways") or {}):
        return "public", target
    if target in (net.get("nat_gateways") or {}):
        return "private, NAT", target
    return "isolated", target


KIND_ORDER = {"public": 0, "private, NAT": 1, "isolated": 2}
ITEM_CHARS = 38


def _kind_of(subnet: str, net: dict) -> str:
    table = (net.get("route_tables") or {}).get((net["subnets"][subnet] or {}).get("route_table") or "") or {}
    return subnet_kind(dict(table.get("routes") or {}), net)[0]


def _clip(text: str, limit: int = ITEM_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _items(subnet: str, net: dict, functions: dict) -> list[Item]:
    items = []
    for name, spec in sorted((net.get("nat_gateways") or {}).items()):
        if (spec or {}).get("subnet") == subnet:
            items.append(Item("nat", name, "NAT gateway"))
    for name, spec in sorted((net.get("hosts") or {}).items()):
        spec = spec or {}
        if spec.get("subnet") == subnet:
            groups = ", ".join(spec.get("security_groups") or [])
            items.append(
                Item(
                    "host",
                    name,
                    f"{spec.get('name', name)}:{spec.get('port', '')}" + (f" [{groups}]" if groups else ""),
                )
            )
    for name, spec in sorted(functions.items()):
        vpc = (spec or {}).get("vpc") or {}
        if subnet in (vpc.get("subnets") or []):
            groups = ", ".join(vpc.get("security_groups") or [])
            items.append(Item("function", name, "Lambda ENI" + (f" [{groups}]" if groups else "")))
    return items


def build(network: dict | None, functions: dict | None = None) -> Diagram:
    net = network or {}
    functions = functions or {}
    internet = []
    for name, spec in sorted((net.get("hosts") or {}).items()):
        spec = spec or {}
        if spec.get("internet") or not spec.get("subnet"):
            internet.append(f"{name}: {spec.get('name', name)}:{spec.get('port', '')}")
    y = PAD + INTERNET_H + 30
    vpcs = []
    for vpc_name, vpc_spec in sorted((net.get("vpcs") or {}).items()):
        gateway = next(
            (
                name
                for name, spec in sorted((net.get("internet_gateways") or {}).items())
                if (spec or {}).get("vpc") == vpc_name
            ),
            "",
        )
        subnets, row_top, row_height = [], y + VPC_HEAD, 0.0
        names = sorted(
            (name for name, spec in (net.get("subnets") or {}).items() if (spec or {}).get("vpc") == vpc_name),
            key=lambda name: (KIND_ORDER[_kind_of(name, net)], name),
        )
        for index, name in enumerate(names):
            spec = net["subnets"][name] or {}
            if index and index % COLUMNS == 0:
                row_top += row_height + SUBNET_GAP
                row_height = 0.0
            table_name = spec.get("route_table") or ""
            table = (net.get("route_tables") or {}).get(table_name) or {}
            routes = dict(table.get("routes") or {})
            kind, target = subnet_kind(routes, net)
            items = _items(name, net, functions)
            route_lines = tuple(f"{cidr} → {to}" for cidr, to in routes.items())
            height = 3 * LINE + 10 + LINE * max(len(route_lines), 1) + ITEM_H * len(items) + 8
            row_height = max(row_height, height)
            x = PAD * 2 + (index % COLUMNS) * (SUBNET_W + SUBNET_GAP)
            subnets.append(
                Subnet(
                    name,
                    str(spec.get("cidr", "")),
                    table_name,
                    route_lines,
                    kind,
                    target,
                    tuple(items),
                    x,
                    row_top,
                    height,
                )
            )
        endpoints = tuple(
            f"{name}: {spec.get('type', 'interface')} endpoint for {spec.get('service', '?')}"
            for name, spec in sorted((net.get("endpoints") or {}).items())
            if (spec or {}).get("vpc") == vpc_name
        )
        bottom = row_top + row_height + (SUBNET_GAP + LINE * len(endpoints) if endpoints else 0) + PAD
        vpcs.append(
            Vpc(
                vpc_name,
                str((vpc_spec or {}).get("cidr", "")),
                gateway,
                PAD,
                y,
                WIDTH - 2 * PAD,
                bottom - y,
                tuple(subnets),
                endpoints,
            )
        )
        y = bottom + 24
    return Diagram(WIDTH, y, tuple(internet), tuple(vpcs))


def _text(x, y, text, css="", anchor="") -> str:
    extra = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text class="{css}" x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def render_svg(diagram: Diagram) -> str:
    out = [
        f'<svg class="vpc-diagram" viewBox="0 0 {diagram.width:g} {diagram.height:g}" width="{diagram.width:g}" '
        f'height="{diagram.height:g}" role="img" aria-labelledby="vpc-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="vpc-title">Network diagram: VPCs, subnets, gateways, endpoints and hosts</title>',
        f'<rect class="vd-internet" x="{PAD}" y="{PAD}" width="{diagram.width - 2 * PAD:g}" height="{INTERNET_H}" rx="10"/>',
        _text(PAD + 10, PAD + 20, "Internet and AWS public endpoints", "vd-title"),
        _text(PAD + 10, PAD + 42, "; ".join(diagram.internet) or "no internet hosts declared", "vd-small"),
    ]
    for vpc in diagram.vpcs:
        out.append(
            f'<rect class="vd-vpc" x="{vpc.x:g}" y="{vpc.y:g}" width="{vpc.width:g}" height="{vpc.height:g}" rx="10"/>'
        )
        out.append(_text(vpc.x + 12, vpc.y + 22, f"VPC {vpc.name} {vpc.cidr}", "vd-title"))
        gateway_x = vpc.x + vpc.width - 150
        if vpc.gateway:
            out.append(
                f'<line class="vd-link" x1="{gateway_x + 60:g}" y1="{PAD + INTERNET_H:g}" '
                f'x2="{gateway_x + 60:g}" y2="{vpc.y - 8:g}"/>'
            )
            out.append(f'<rect class="vd-igw" x="{gateway_x:g}" y="{vpc.y - 12:g}" width="120" height="24" rx="5"/>')
            out.append(_text(gateway_x + 60, vpc.y + 4, f"IGW {vpc.gateway}", "vd-small", "middle"))
        else:
            out.append(_text(vpc.x + vpc.width - 12, vpc.y + 22, "no internet gateway", "vd-small", "end"))
        for subnet in vpc.subnets:
            if subnet.kind == "public" and vpc.gateway:
                out.append(
                    f'<line class="vd-link public" x1="{subnet.x + SUBNET_W / 2:g}" y1="{subnet.y:g}" '
                    f'x2="{gateway_x + 60:g}" y2="{vpc.y + 12:g}"/>'
                )
        for subnet in vpc.subnets:
            out.append(_subnet(subnet))
        for index, endpoint in enumerate(vpc.endpoints):
            out.append(
                _text(
                    vpc.x + 12,
                    vpc.y + vpc.height - PAD - LINE * (len(vpc.endpoints) - index - 1) - 4,
                    f"⇄ {endpoint}",
                    "vd-small",
                )
            )
    out.append("</svg>")
    return "".join(out)


def _subnet(subnet: Subnet) -> str:
    kind_css = subnet.kind.split(",")[0]
    out = [
        f'<g class="vd-subnet {kind_css}">',
        f'<rect x="{subnet.x:g}" y="{subnet.y:g}" width="{SUBNET_W}" height="{subnet.height:g}" rx="8"/>',
        _text(subnet.x + 10, subnet.y + LINE + 2, f"{subnet.name} {subnet.cidr}", "vd-name"),
        _text(subnet.x + SUBNET_W - 10, subnet.y + LINE + 2, subnet.kind, "vd-kind", "end"),
        _text(subnet.x + 10, subnet.y + 2 * LINE + 6, f"route table {subnet.route_table or '(none)'}", "vd-small"),
    ]
    line_y = subnet.y + 3 * LINE + 6
    for route in subnet.routes or ("no routes besides local",):
        out.append(_text(subnet.x + 18, line_y, route, "vd-route"))
        line_y += LINE
    line_y += 6
    for item in subnet.items:
        out.append(
            f'<rect class="vd-item {item.kind}" x="{subnet.x + 8:g}" y="{line_y - 4:g}" '
            f'width="{SUBNET_W - 16}" height="{ITEM_H - 4}" rx="4"/>'
        )
        glyph = {"nat": "NAT", "host": "host", "function": "λ"}[item.kind]
        full = f"{glyph} {item.name}: {item.detail}"
        out.append(f"<g><title>{escape(full)}</title>{_text(subnet.x + 14, line_y + 11, _clip(full), 'vd-small')}</g>")
        line_y += ITEM_H
    out.append("</g>")
    return "".join(out)
