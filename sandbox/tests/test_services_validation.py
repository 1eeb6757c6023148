"""Validation of what the SDK reaches: tables, role statements, resource policies, table mappings."""

from __future__ import annotations

from sandbox.emulator.executor import NetworkTable, Verdict
from sandbox.emulator.validation import apply_defaults, role_allows, validate
from sandbox.emulator.vpc import network_table

CODE = "def lambda_handler(event, context):\n    return 1\n"


def scenario(**sections) -> dict:
    base = {"functions": {"orders": {"code": CODE}}}
    base.update(sections)
    return base


def problems(raw: dict) -> dict[str, str]:
    return {p.field: p.message for p in validate(raw)}


def test_a_table_with_a_stream_and_its_mapping_are_valid_and_defaulted():
    raw = scenario(
        tables={"carts": {"partition_key": "user", "sort_key": "item", "stream": "NEW_AND_OLD_IMAGES"}},
        event_source_mappings=[{"function": "orders", "source": "table:carts", "starting_position": "LATEST"}],
    )

    assert validate(raw) == []
    defaulted = apply_defaults(raw)
    assert defaulted["tables"]["carts"]["policy"] is None
    assert "AWSLambdaDynamoDBExecutionRole" in defaulted["functions"]["orders"]["role"]["policies"]


def test_table_mistakes_are_reported_in_aws_words():
    found = problems(
        scenario(
            tables={
                "x": {"stream": "ALL_IMAGES"},
                "same": {"partition_key": "id", "sort_key": "id"},
                "quiet": {},
            },
            event_source_mappings=[{"function": "orders", "source": "table:quiet"}],
        )
    )

    assert "at 'tableName' failed to satisfy constraint" in found["tables.x"]
    assert found["tables.x.stream"].startswith("StreamViewType must be one of NEW_IMAGE, OLD_IMAGE")
    assert "same name" in found["tables.same.sort_key"]
    assert found["event_source_mappings.0.source"].startswith("InvalidParameterValueException: Stream not found")


def test_role_statements_and_resource_policies_are_checked():
    found = problems(
        scenario(
            functions={
                "orders": {
                    "code": CODE,
                    "role": {
                        "name": "order role!",
                        "statements": [
                            {"effect": "Maybe", "actions": ["sqs:SendMessage"]},
                            {"actions": ["SendMessage"], "resources": ["orders"]},
                            {"actions": ["sqs:*"], "principal": "*"},
                        ],
                    },
                }
            },
            queues={"jobs": {"policy": [{"effect": "Deny", "principal": "*"}]}},
        )
    )

    assert "at 'roleName' failed to satisfy constraint" in found["functions.orders.role.name"]
    assert found["functions.orders.role.statements.0.effect"].startswith("MalformedPolicyDocument: Invalid effect")
    assert "must be prefaced by a vendor" in found["functions.orders.role.statements.1.actions.0"]
    assert "must be in ARN format" in found["functions.orders.role.statements.1.resources"]
    assert "should not specify a principal" in found["functions.orders.role.statements.2.principal"]
    assert found["queues.jobs.policy.0.actions"] == "MalformedPolicyDocument: Policy statement must contain actions."


def test_statements_count_for_the_permissions_lambda_itself_needs():
    allow = {"statements": [{"effect": "Allow", "actions": ["ec2:*NetworkInterface*"], "resources": ["*"]}]}
    deny = {"actions": ["ec2:*"], "statements": [{"effect": "Deny", "actions": ["ec2:CreateNetworkInterface"]}]}

    assert role_allows(allow, "ec2:CreateNetworkInterface")
    assert not role_allows(deny, "ec2:CreateNetworkInterface")


def test_any_bucket_name_virtual_hosted_gets_the_s3_verdict():
    table = network_table({"functions": {"fn": {}}}, "fn")

    assert table.decide("any-bucket.s3.amazonaws.com", 443).outcome == "connected"
    assert table.decide("Other.Bucket.s3.us-east-1.amazonaws.com.", 443).outcome == "connected"
    assert table.decide("sts.amazonaws.com", 443).outcome == "connected"
    assert table.decide("s3.example.com", 443).outcome == "dns_failure"


def test_a_wildcard_covers_names_without_an_entry_of_their_own():
    table = NetworkTable(
        hosts={
            "*.s3.amazonaws.com": {"*": Verdict("timeout", "wild")},
            "photos.s3.amazonaws.com": {"*": Verdict("connected", "exact")},
        }
    )

    assert table.decide("photos.s3.amazonaws.com", 443).reason == "exact"
    assert table.decide("logs.s3.amazonaws.com", 443).reason == "wild"
    assert table.decide("s3.amazonaws.com", 443).outcome == "dns_failure"
