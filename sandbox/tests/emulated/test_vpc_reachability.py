"""VPC reachability seen from handlers: internet, NAT, endpoints, ENI permissions, function states.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

from .parts import fn, invoke, problems, run

PROBE_PRELUDE = "import socket\n"
PROBE = """\
results = {}
for host, port in event["targets"]:
    try:
        socket.create_connection((host, port), timeout=1).close()
        results[f"{host}:{port}"] = "connected"
    except OSError as error:
        results[f"{host}:{port}"] = type(error).__name__
return results
"""
NETWORK = {
    "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
    "internet_gateways": {"igw": {"vpc": "main"}},
    "nat_gateways": {"nat-n": {"subnet": "public-p"}},
    "route_tables": {
        "public": {"vpc": "main", "routes": {"0.0.0.0/0": "igw"}},
        "private-nat": {"vpc": "main", "routes": {"0.0.0.0/0": "nat-n"}},
        "private-local": {"vpc": "main", "routes": {}},
    },
    "subnets": {
        "public-p": {"vpc": "main", "cidr": "10.0.0.0/24", "route_table": "public"},
        "private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private-nat"},
        "private-b": {"vpc": "main", "cidr": "10.0.3.0/24", "route_table": "private-local"},
        "data": {"vpc": "main", "cidr": "10.0.2.0/24", "route_table": "private-local"},
    },
    "security_groups": {
        "sg-fn": {"vpc": "main", "egress": [{"protocol": "tcp", "ports": "all", "to": "0.0.0.0/0"}]},
        "sg-db": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 5432, "from": "sg-fn"}]},
        "sg-endpoint": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 443, "from": "sg-fn"}]},
    },
    "endpoints": {"s3-gateway": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["private-local"]}},
    "hosts": {
        "db": {"name": "db.internal", "ip": "10.0.2.10", "port": 5432, "subnet": "data", "security_groups": ["sg-db"]},
        "web": {"name": "example.com", "port": 443, "internet": True},
    },
}
VPC_ROLE = {"policies": ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"]}
S3 = "s3.us-east-1.amazonaws.com"
DYNAMODB = "dynamodb.us-east-1.amazonaws.com"
SQS = "sqs.us-east-1.amazonaws.com"


def probe(executor, vpc, targets, network=NETWORK) -> tuple[dict, list]:
    config = {"role": VPC_ROLE, "timeout_s": 30}
    if vpc:
        config["vpc"] = vpc
    trace = run(
        executor,
        {
            "functions": {"fn": fn(PROBE, PROBE_PRELUDE, **config)},
            "network": network,
            "steps": [invoke(0, "fn", payload={"targets": targets})],
        },
    )
    return trace["responses"][0]["payload"], trace["connections"]


def test_without_vpc_the_internet_works_and_private_addresses_do_not(executor):
    results, connections = probe(executor, None, [["example.com", 443], ["10.0.2.10", 5432]])

    assert results["example.com:443"] == "connected"
    assert results["10.0.2.10:5432"] != "connected"
    verdicts = {c["host"]: c for c in connections}
    assert verdicts["10.0.2.10"]["outcome"] == "timeout" and verdicts["10.0.2.10"]["reason"]


def test_private_subnet_with_nat_reaches_internet_and_database(executor):
    results, connections = probe(
        executor,
        {"subnets": ["private-a"], "security_groups": ["sg-fn"]},
        [["example.com", 443], ["db.internal", 5432]],
    )

    assert results == {"example.com:443": "connected", "db.internal:5432": "connected"}
    assert all(c["outcome"] == "connected" and c["reason"] for c in connections)


def test_public_subnet_trap_gives_no_internet(executor):
    results, connections = probe(
        executor, {"subnets": ["public-p"], "security_groups": ["sg-fn"]}, [["example.com", 443]]
    )

    assert results["example.com:443"] != "connected"
    assert connections[0]["outcome"] == "timeout"
    assert "public" in connections[0]["reason"] or "internet gateway" in connections[0]["reason"]


def test_gateway_endpoint_only_reaches_s3(executor):
    results, _ = probe(
        executor,
        {"subnets": ["private-b"], "security_groups": ["sg-fn"]},
        [[S3, 443], [DYNAMODB, 443], [SQS, 443], ["example.com", 443]],
    )

    assert results[f"{S3}:443"] == "connected"
    assert results[f"{DYNAMODB}:443"] != "connected"
    assert results[f"{SQS}:443"] != "connected"
    assert results["example.com:443"] != "connected"


def test_adding_dynamodb_gateway_and_sqs_interface_endpoints_fixes_them(executor):
    network = json.loads(json.dumps(NETWORK))
    network["endpoints"]["ddb-gateway"] = {
        "type": "gateway",
        "service": "dynamodb",
        "vpc": "main",
        "route_tables": ["private-local"],
    }
    network["endpoints"]["sqs-interface"] = {
        "type": "interface",
        "service": "sqs",
        "vpc": "main",
        "subnets": ["private-b"],
        "security_groups": ["sg-endpoint"],
    }

    results, _ = probe(
        executor, {"subnets": ["private-b"], "security_groups": ["sg-fn"]}, [[DYNAMODB, 443], [SQS, 443]], network
    )

    assert results == {f"{DYNAMODB}:443": "connected", f"{SQS}:443": "connected"}


def test_vpc_without_eni_permissions_is_rejected():
    found = problems(
        {
            "functions": {
                "fn": fn(
                    "return 1",
                    vpc={"subnets": ["private-a"], "security_groups": ["sg-fn"]},
                    role={"policies": ["AWSLambdaBasicExecutionRole"]},
                )
            },
            "network": NETWORK,
        }
    )

    assert "InvalidParameterValueException" in found and "CreateNetworkInterface" in found


def test_an_idle_vpc_function_goes_inactive_then_pending_then_active(executor):
    idle = 14 * 86400
    vpc = {"subnets": ["private-a"], "security_groups": ["sg-fn"]}

    def state_at(at_s):
        return {"at_s": at_s, "get_function": {"function": "fn"}}

    trace = run(
        executor,
        {
            "account": {"vpc_eni_delay_s": 60},
            "functions": {"fn": fn("return 1", vpc=vpc, role=VPC_ROLE)},
            "network": NETWORK,
            "steps": [
                state_at(0),
                invoke(1, "fn"),
                invoke(61, "fn"),
                state_at(61 + idle - 60),
                state_at(61 + idle + 5),
                invoke(61 + idle + 10, "fn"),
                state_at(61 + idle + 11),
                invoke(61 + idle + 12, "fn"),
                state_at(61 + idle + 80),
                invoke(61 + idle + 81, "fn"),
            ],
        },
    )

    assert [(s["state"], s["state_reason_code"]) for s in trace["function_states"]] == [
        ("Pending", "Creating"),
        ("Active", None),
        ("Inactive", "Idle"),
        ("Pending", "Restoring"),
        ("Active", None),
    ]
    codes = [(r["status_code"], r["error_type"]) for r in trace["responses"]]
    assert codes == [
        (409, "ResourceConflictException"),
        (200, None),
        (502, "ResourceNotReadyException"),
        (409, "ResourceConflictException"),
        (200, None),
    ]
    assert len(trace["attempts"]) == 2


def test_connecting_to_the_loopback_address_is_refused_at_once(executor):
    body = """
    results = {}
    for host in ("127.0.0.1", "localhost"):
        sock = socket.socket()
        sock.settimeout(5)
        try:
            sock.connect((host, 8080))
            results[host] = "connected"
        except ConnectionRefusedError:
            results[host] = "refused"
        except OSError as error:
            results[host] = type(error).__name__
        finally:
            sock.close()
    return results
    """
    trace = run(executor, {"functions": {"fn": fn(body, "import socket\n")}, "steps": [invoke(0, "fn")]})

    attempt = trace["attempts"][0]
    assert trace["responses"][0]["payload"] == {"127.0.0.1": "refused", "localhost": "refused"}
    assert attempt["duration_ms"] < 1000  # refused at once, not after the 5 s socket timeout
    assert {c["outcome"] for c in trace["connections"]} == {"refused"}
