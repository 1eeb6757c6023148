"""The VPC diagram: a pure function of the network section and the functions."""

from __future__ import annotations

import copy

from sandbox.pictures import diagram

NETWORK = {
    "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
    "internet_gateways": {"igw-main": {"vpc": "main"}},
    "nat_gateways": {"nat-a": {"subnet": "public-a"}},
    "route_tables": {
        "public": {"vpc": "main", "routes": {"0.0.0.0/0": "igw-main"}},
        "private": {"vpc": "main", "routes": {"0.0.0.0/0": "nat-a"}},
        "data": {"vpc": "main", "routes": {}},
    },
    "subnets": {
        "a-data": {"vpc": "main", "cidr": "10.0.3.0/24", "route_table": "data"},
        "private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private"},
        "public-a": {"vpc": "main", "cidr": "10.0.0.0/24", "route_table": "public"},
    },
    "security_groups": {"sg-fn": {"vpc": "main"}, "sg-db": {"vpc": "main"}},
    "endpoints": {"s3-gateway": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["private"]}},
    "hosts": {
        "orders-db": {"name": "orders.db.internal", "port": 5432, "subnet": "a-data", "security_groups": ["sg-db"]},
        "partner": {"name": "api.partner.example", "port": 443, "internet": True},
    },
}
FUNCTIONS = {"fetcher": {"vpc": {"subnets": ["private-a"], "security_groups": ["sg-fn"]}}, "plain": {}}


def subnets_by_name(picture) -> dict:
    return {subnet.name: subnet for vpc in picture.vpcs for subnet in vpc.subnets}


def test_diagram_names_each_subnet_by_its_default_route():
    subnets = subnets_by_name(diagram.build(NETWORK, FUNCTIONS))

    assert subnets["public-a"].kind == "public"
    assert subnets["private-a"].kind == "private, NAT"
    assert subnets["a-data"].kind == "isolated"


def test_diagram_orders_subnets_public_first():
    picture = diagram.build(NETWORK, FUNCTIONS)

    assert [subnet.name for subnet in picture.vpcs[0].subnets] == ["public-a", "private-a", "a-data"]


def test_diagram_puts_nat_gateways_hosts_and_functions_in_their_subnets():
    subnets = subnets_by_name(diagram.build(NETWORK, FUNCTIONS))

    assert [(item.kind, item.name) for item in subnets["public-a"].items] == [("nat", "nat-a")]
    assert [(item.kind, item.name) for item in subnets["private-a"].items] == [("function", "fetcher")]
    assert subnets["a-data"].items[0].detail == "orders.db.internal:5432 [sg-db]"


def test_diagram_lists_internet_hosts_gateway_and_endpoints():
    picture = diagram.build(NETWORK, FUNCTIONS)

    assert picture.internet == ("partner: api.partner.example:443",)
    assert picture.vpcs[0].gateway == "igw-main"
    assert picture.vpcs[0].endpoints == ("s3-gateway: gateway endpoint for s3",)


def test_diagram_svg_shows_routes_and_the_gateway():
    svg = diagram.render_svg(diagram.build(NETWORK, FUNCTIONS))

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "0.0.0.0/0 → nat-a" in svg
    assert "IGW igw-main" in svg
    assert 'class="vd-subnet private"' in svg and 'class="vd-subnet isolated"' in svg


def test_diagram_without_an_internet_gateway_says_so():
    network = copy.deepcopy(NETWORK)
    del network["internet_gateways"]

    svg = diagram.render_svg(diagram.build(network, FUNCTIONS))

    assert "no internet gateway" in svg
    assert "IGW" not in svg


def test_diagram_escapes_names():
    network = copy.deepcopy(NETWORK)
    network["hosts"]["partner"]["name"] = "<b>evil</b>"

    svg = diagram.render_svg(diagram.build(network, FUNCTIONS))

    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_diagram_of_no_network_is_empty():
    assert diagram.build({}, FUNCTIONS).empty
    assert diagram.build(None).empty


def test_diagram_grows_with_more_subnets():
    network = copy.deepcopy(NETWORK)
    for index in range(4):
        network["subnets"][f"extra-{index}"] = {"vpc": "main", "cidr": f"10.0.{10 + index}.0/24", "route_table": "data"}

    small, large = diagram.build(NETWORK, FUNCTIONS), diagram.build(network, FUNCTIONS)

    assert large.height > small.height
    assert len(large.vpcs[0].subnets) == 7
