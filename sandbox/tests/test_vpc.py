"""VPC reachability: the verdict and its reason for every name a handler may connect to, and the network checks."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.emulator.validation import apply_defaults, validate
from sandbox.emulator.validation.network import network_problems
from sandbox.emulator.vpc import network_table

VPC_ROLE = {"policies": ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"]}
DB = "orders.cluster-abc.us-east-1.rds.amazonaws.com"


def make_scenario(vpc=None, role=VPC_ROLE, **network_changes):
    """The common setup: subnets P (public, NAT), A (private via NAT), B (local only, S3 endpoint)."""
    network = {
        "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
        "internet_gateways": {"igw": {"vpc": "main"}},
        "nat_gateways": {"nat-n": {"subnet": "public-p"}},
        "route_tables": {
            "public": {"vpc": "main", "routes": {"0.0.0.0/0": "igw"}},
            "private-nat": {"vpc": "main", "routes": {"0.0.0.0/0": "nat-n"}},
            "isolated": {"vpc": "main", "routes": {}},
        },
        "subnets": {
            "public-p": {"vpc": "main", "cidr": "10.0.0.0/24", "route_table": "public"},
            "private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private-nat"},
            "private-b": {"vpc": "main", "cidr": "10.0.2.0/24", "route_table": "isolated"},
        },
        "security_groups": {
            "sg-fn": {"vpc": "main", "egress": [{"protocol": "all", "ports": "all", "to": "0.0.0.0/0"}]},
            "sg-db": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 5432, "from": "sg-fn"}]},
            "sg-endpoints": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 443, "from": "sg-fn"}]},
        },
        "endpoints": {"s3-gw": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["isolated"]}},
        "hosts": {
            "db": {"name": DB, "port": 5432, "subnet": "private-b", "ip": "10.0.2.10", "security_groups": ["sg-db"]},
            "example": {"name": "example.com", "port": 443, "internet": True},
        },
    }
    for key, value in network_changes.items():
        network[key] = value
    function = {"code": "def lambda_handler(event, context):\n    return 1\n", "role": role}
    if vpc is not None:
        function["vpc"] = vpc
    return {"functions": {"fn": function}, "network": network}


def in_subnet(*subnets):
    return {"subnets": list(subnets), "security_groups": ["sg-fn"]}


def verdict(scenario, host, port):
    return network_table(scenario, "fn").decide(host, port)


def test_common_setup_is_valid():
    for vpc in (None, in_subnet("private-a"), in_subnet("private-b")):
        assert validate(make_scenario(vpc)) == []


# --- no VPC --------------------------------------------------------------------------


def test_no_vpc_reaches_the_internet():
    result = verdict(make_scenario(), "example.com", 443)

    assert result.outcome == "connected"
    assert "no VPC config" in result.reason


def test_no_vpc_cannot_reach_private_address():
    result = verdict(make_scenario(), "10.0.2.10", 5432)

    assert result.outcome == "timeout"
    assert "private address 10.0.2.10" in result.reason


def test_no_vpc_resolves_rds_name_but_has_no_route():
    result = verdict(make_scenario(), DB, 5432)

    assert result.outcome == "timeout"
    assert "no route" in result.reason


def test_no_vpc_cannot_resolve_private_dns_name():
    scenario = make_scenario()
    scenario["network"]["hosts"]["cache"] = {
        "name": "cache.internal",
        "port": 6379,
        "subnet": "private-b",
        "security_groups": ["sg-db"],
    }

    result = verdict(scenario, "cache.internal", 6379)

    assert result.outcome == "dns_failure"
    assert "VPC main" in result.reason


def test_no_vpc_reaches_aws_endpoints():
    scenario = make_scenario()

    assert verdict(scenario, "dynamodb.us-east-1.amazonaws.com", 443).outcome == "connected"
    assert verdict(scenario, "sqs.us-east-1.amazonaws.com", 443).outcome == "connected"


def test_unknown_name_is_a_dns_failure():
    assert verdict(make_scenario(in_subnet("private-a")), "api.nowhere.example", 443).outcome == "dns_failure"


# --- private subnet with NAT ---------------------------------------------------------


def test_private_subnet_with_nat_reaches_the_internet():
    result = verdict(make_scenario(in_subnet("private-a")), "example.com", 443)

    assert result.outcome == "connected"
    assert "nat-n" in result.reason and "igw" in result.reason


def test_private_subnet_reaches_database_allowed_by_security_group():
    result = verdict(make_scenario(in_subnet("private-a")), DB, 5432)

    assert result.outcome == "connected"
    assert "sg-db" in result.reason


def test_database_reachable_by_address_too():
    assert verdict(make_scenario(in_subnet("private-a")), "10.0.2.10", 5432).outcome == "connected"


# --- gateway endpoint only -------------------------------------------------------------


def test_isolated_subnet_reaches_s3_through_gateway_endpoint():
    scenario = make_scenario(in_subnet("private-b"))

    result = verdict(scenario, "s3.us-east-1.amazonaws.com", 443)

    assert result.outcome == "connected"
    assert "s3-gw" in result.reason


@pytest.mark.parametrize("host", ["dynamodb.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com", "example.com"])
def test_isolated_subnet_times_out_elsewhere(host):
    result = verdict(make_scenario(in_subnet("private-b")), host, 443)

    assert result.outcome == "timeout"
    assert "private-b" in result.reason and "NAT gateway" in result.reason


def test_dynamodb_gateway_endpoint_on_route_table_makes_dynamodb_work():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["network"]["endpoints"]["ddb-gw"] = {
        "type": "gateway",
        "service": "dynamodb",
        "vpc": "main",
        "route_tables": ["isolated"],
    }

    assert verdict(scenario, "dynamodb.us-east-1.amazonaws.com", 443).outcome == "connected"
    assert verdict(scenario, "sqs.us-east-1.amazonaws.com", 443).outcome == "timeout"


def test_gateway_endpoint_on_another_route_table_does_not_help():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["network"]["endpoints"]["ddb-gw"] = {
        "type": "gateway",
        "service": "dynamodb",
        "vpc": "main",
        "route_tables": ["public"],
    }

    result = verdict(scenario, "dynamodb.us-east-1.amazonaws.com", 443)

    assert result.outcome == "timeout"
    assert "ddb-gw isn't associated with route table isolated" in result.reason


def test_sqs_interface_endpoint_makes_sqs_work():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["network"]["endpoints"]["sqs-if"] = {
        "type": "interface",
        "service": "sqs",
        "vpc": "main",
        "subnets": ["private-b"],
        "security_groups": ["sg-endpoints"],
    }

    result = verdict(scenario, "sqs.us-east-1.amazonaws.com", 443)

    assert result.outcome == "connected"
    assert "sqs-if" in result.reason


def test_interface_endpoint_security_group_must_admit_the_function():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["network"]["security_groups"]["sg-closed"] = {"vpc": "main", "ingress": []}
    scenario["network"]["endpoints"]["sqs-if"] = {
        "type": "interface",
        "service": "sqs",
        "vpc": "main",
        "subnets": ["private-b"],
        "security_groups": ["sg-closed"],
    }

    result = verdict(scenario, "sqs.us-east-1.amazonaws.com", 443)

    assert result.outcome == "timeout"
    assert "sg-closed" in result.reason


def test_interface_endpoint_without_private_dns_falls_back_to_the_internet_path():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["network"]["endpoints"]["sqs-if"] = {
        "type": "interface",
        "service": "sqs",
        "vpc": "main",
        "subnets": ["private-b"],
        "security_groups": ["sg-endpoints"],
        "private_dns": False,
    }

    result = verdict(scenario, "sqs.us-east-1.amazonaws.com", 443)

    assert result.outcome == "timeout"
    assert "private DNS off" in result.reason


# --- the public-subnet trap, security groups, ACLs, permissions --------------------------


def test_public_subnet_gives_no_internet():
    result = verdict(make_scenario(in_subnet("public-p")), "example.com", 443)

    assert result.outcome == "timeout"
    assert "public IP" in result.reason and "igw" in result.reason


def test_nat_gateway_in_a_subnet_without_internet_gateway_does_not_work():
    scenario = make_scenario(in_subnet("private-a"))
    scenario["network"]["nat_gateways"]["nat-n"]["subnet"] = "private-b"

    result = verdict(scenario, "example.com", 443)

    assert result.outcome == "timeout"
    assert "nat-n" in result.reason and "internet gateway" in result.reason


def test_database_security_group_without_inbound_rule_blocks():
    scenario = make_scenario(in_subnet("private-a"))
    scenario["network"]["security_groups"]["sg-db"]["ingress"] = []

    result = verdict(scenario, DB, 5432)

    assert result.outcome == "timeout"
    assert "inbound" in result.reason and "sg-db" in result.reason


def test_database_inbound_rule_by_cidr_covering_the_function_subnet():
    scenario = make_scenario(in_subnet("private-a"))
    scenario["network"]["security_groups"]["sg-db"]["ingress"] = [
        {"protocol": "tcp", "ports": 5432, "from": "10.0.0.0/16"}
    ]

    assert verdict(scenario, DB, 5432).outcome == "connected"


def test_function_security_group_without_outbound_rule_blocks():
    scenario = make_scenario(in_subnet("private-a"))
    scenario["network"]["security_groups"]["sg-fn"]["egress"] = [{"protocol": "tcp", "ports": 443, "to": "0.0.0.0/0"}]

    assert verdict(scenario, DB, 5432).outcome == "timeout"
    assert "outbound" in verdict(scenario, DB, 5432).reason
    assert verdict(scenario, "example.com", 443).outcome == "connected"


def test_security_group_without_egress_key_allows_all_outbound():
    scenario = make_scenario(in_subnet("private-a"))
    del scenario["network"]["security_groups"]["sg-fn"]["egress"]

    assert verdict(scenario, DB, 5432).outcome == "connected"


def test_port_nobody_listens_on_is_refused():
    result = verdict(make_scenario(in_subnet("private-a")), "example.com", 8443)

    assert result.outcome == "refused"


def test_network_acl_without_return_rule_blocks():
    scenario = make_scenario(in_subnet("private-a"))
    scenario["network"]["network_acls"] = {
        "strict": {
            "vpc": "main",
            "subnets": ["private-a"],
            "outbound": [{"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"}],
            "inbound": [{"rule": 100, "protocol": "tcp", "ports": 22, "cidr": "0.0.0.0/0", "action": "allow"}],
        }
    }

    result = verdict(scenario, DB, 5432)

    assert result.outcome == "timeout"
    assert "strict" in result.reason and "stateless" in result.reason


def test_subnets_with_different_routing_report_the_failing_one():
    result = verdict(make_scenario(in_subnet("private-a", "private-b")), "example.com", 443)

    assert result.outcome == "timeout"
    assert "any of the function's subnets" in result.reason


def test_missing_eni_permissions_leave_the_function_unattached():
    scenario = make_scenario(in_subnet("private-a"), role={"policies": ["AWSLambdaBasicExecutionRole"]})

    result = verdict(scenario, "example.com", 443)

    assert result.outcome == "timeout"
    assert "CreateNetworkInterface" in result.reason


def test_missing_eni_permissions_is_a_validation_problem():
    scenario = make_scenario(in_subnet("private-a"), role={"policies": ["AWSLambdaBasicExecutionRole"]})

    messages = [p.message for p in validate(scenario)]

    assert (
        "InvalidParameterValueException: The provided execution role does not have permissions to call "
        "CreateNetworkInterface on EC2"
    ) in messages


def test_eni_permissions_may_be_given_as_actions():
    role = {"policies": ["AWSLambdaBasicExecutionRole"], "actions": ["ec2:*"]}

    assert validate(make_scenario(in_subnet("private-a"), role=role)) == []


def test_defaulted_role_includes_vpc_access():
    scenario = make_scenario(in_subnet("private-a"), role=None)
    del scenario["functions"]["fn"]["role"]

    defaulted = apply_defaults(scenario)

    assert "AWSLambdaVPCAccessExecutionRole" in defaulted["functions"]["fn"]["role"]["policies"]
    assert verdict(defaulted, "example.com", 443).outcome == "connected"


def test_host_names_are_case_insensitive():
    assert verdict(make_scenario(), "EXAMPLE.com.", 443).outcome == "connected"


def test_bucket_endpoint_names_are_known():
    scenario = make_scenario(in_subnet("private-b"))
    scenario["buckets"] = {"uploads": {}}

    assert verdict(scenario, "uploads.s3.us-east-1.amazonaws.com", 443).outcome == "connected"


# --- network checks ------------------------------------------------------------------


def test_network_problems_names_unknown_references():
    network = copy.deepcopy(make_scenario()["network"])
    network["subnets"]["private-a"]["route_table"] = "nope"
    network["route_tables"]["public"]["routes"]["0.0.0.0/0"] = "igw-missing"

    fields = [f for f, _ in network_problems(network)]

    assert "subnets.private-a.route_table" in fields
    assert "route_tables.public.routes.0.0.0.0/0" in fields


def test_network_problems_rejects_subnet_outside_vpc_and_overlaps():
    network = copy.deepcopy(make_scenario()["network"])
    network["subnets"]["stray"] = {"vpc": "main", "cidr": "192.168.0.0/24"}
    network["subnets"]["overlap"] = {"vpc": "main", "cidr": "10.0.1.128/25"}

    messages = dict(network_problems(network))

    assert "not inside VPC main" in messages["subnets.stray.cidr"]
    assert "overlaps subnet private-a" in messages["subnets.overlap.cidr"]


def test_network_problems_rejects_gateway_endpoint_for_sqs():
    network = copy.deepcopy(make_scenario()["network"])
    network["endpoints"]["bad"] = {"type": "gateway", "service": "sqs", "vpc": "main", "route_tables": []}

    assert "only for S3 and DynamoDB" in dict(network_problems(network))["endpoints.bad.service"]


def test_vpc_subnets_must_exist_and_share_a_vpc():
    scenario = make_scenario({"subnets": ["private-a", "ghost"], "security_groups": ["sg-fn"]})

    messages = [p.message for p in validate(scenario)]

    assert any(m.startswith("InvalidSubnetIDException") for m in messages)


# --- properties ------------------------------------------------------------------------

rules = st.lists(
    st.fixed_dictionaries(
        {
            "protocol": st.sampled_from(["tcp", "udp", "all"]),
            "ports": st.sampled_from(["all", 443, 5432, "1-1024", "5000-6000"]),
            "to": st.sampled_from(["0.0.0.0/0", "10.0.0.0/16", "10.0.2.0/24", "sg-db", "192.168.0.0/16"]),
        }
    ),
    max_size=3,
)
subnet_sets = st.lists(st.sampled_from(["public-p", "private-a", "private-b"]), min_size=1, max_size=3, unique=True)
probes = st.sampled_from(
    [
        ("example.com", 443),
        (DB, 5432),
        ("10.0.2.10", 5432),
        ("dynamodb.us-east-1.amazonaws.com", 443),
        ("s3.us-east-1.amazonaws.com", 443),
    ]
)


@settings(max_examples=60)
@given(egress=rules, subnets=subnet_sets, probe=probes)
def test_allowing_all_outbound_never_breaks_a_connection(egress, subnets, probe):
    scenario = make_scenario(in_subnet(*subnets))
    scenario["network"]["security_groups"]["sg-fn"]["egress"] = egress
    before = verdict(scenario, *probe)
    scenario["network"]["security_groups"]["sg-fn"]["egress"] = egress + [{"protocol": "all", "to": "0.0.0.0/0"}]

    after = verdict(scenario, *probe)

    assert before.outcome != "connected" or after.outcome == "connected"
    assert after.reason


@settings(max_examples=60)
@given(egress=rules, subnets=subnet_sets)
def test_public_subnet_never_reaches_the_internet(egress, subnets):
    scenario = make_scenario(in_subnet(*subnets))
    scenario["network"]["security_groups"]["sg-fn"]["egress"] = egress

    result = verdict(scenario, "example.com", 443)

    if "public-p" in subnets:
        assert result.outcome == "timeout"
    if result.outcome == "connected":
        assert set(subnets) == {"private-a"}
