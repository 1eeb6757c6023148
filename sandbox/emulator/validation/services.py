"""Checks of what the SDK reaches: DynamoDB ``tables``, IAM policy statements and resource policies."""

from __future__ import annotations

import re

from .base import BaseChecker
from .rules import TABLE_DEFAULTS

STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
TABLE_FIELDS = tuple(TABLE_DEFAULTS)
STATEMENT_FIELDS = ("effect", "actions", "resources", "principal", "sid")
TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
ACTION = re.compile(r"\*|[a-z0-9-]+:[A-Za-z0-9*?]+")
# Resources that may carry a resource-based policy, and the section they live in.
POLICY_SECTIONS = ("functions", "queues", "topics", "buckets", "buses", "tables")


class ServiceChecks(BaseChecker):
    def tables(self) -> None:
        for name, spec in self.section("tables").items():
            field = f"tables.{name}"
            if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
                self.add(
                    field,
                    f"ValidationException: 1 validation error detected: Value '{name}' at 'tableName' failed to "
                    "satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ "
                    "(3 to 255 characters)",
                )
            spec = self.dict_of(spec, field, f"table {name}")
            if spec is None:
                continue
            self.fields(spec, field, TABLE_FIELDS)
            for key in ("partition_key", "sort_key"):
                if spec.get(key) is not None:
                    self.text(spec[key], f"{field}.{key}")
            if spec.get("partition_key") is not None and spec.get("partition_key") == spec.get("sort_key"):
                self.add(
                    f"{field}.sort_key",
                    "ValidationException: Both the Hash Key and the Range Key element in the KeySchema have the same name",
                )
            if spec.get("stream") is not None:
                self.choice(spec["stream"], f"{field}.stream", STREAM_VIEW_TYPES, "StreamViewType")
                if name in self.section("streams"):
                    self.add(
                        f"{field}.stream",
                        f"a table's stream is named after the table, and streams.{name} already exists; "
                        "rename one of them",
                    )

    def resource_policies(self) -> None:
        for section in POLICY_SECTIONS:
            for name, spec in self.section(section).items():
                if isinstance(spec, dict) and spec.get("policy") is not None:
                    self.statements(spec["policy"], f"{section}.{name}.policy", principal=True)

    def statements(self, value, field: str, principal: bool) -> None:
        """IAM statements: ``{effect, actions, resources}`` (and ``principal`` in a resource policy)."""
        for index, statement in enumerate(self.list_of(value, field, "statements") or []):
            sfield = f"{field}.{index}"
            statement = self.dict_of(statement, sfield, "a policy statement")
            if not statement:
                if statement is not None:
                    self.add(sfield, "a statement needs at least effect and actions")
                continue
            self.fields(statement, sfield, STATEMENT_FIELDS)
            effect = statement.get("effect", "Allow")
            if effect not in ("Allow", "Deny"):
                self.add(
                    f"{sfield}.effect",
                    f"MalformedPolicyDocument: Invalid effect: {effect} (a statement's effect is Allow or Deny)",
                )
            actions = statement.get("actions")
            listed = actions if isinstance(actions, list) else [actions]
            if actions is None or not listed:
                self.add(f"{sfield}.actions", "MalformedPolicyDocument: Policy statement must contain actions.")
            for number, action in enumerate(listed if actions is not None else []):
                if not isinstance(action, str) or not ACTION.fullmatch(action):
                    self.add(
                        f"{sfield}.actions.{number}" if isinstance(actions, list) else f"{sfield}.actions",
                        f"MalformedPolicyDocument: Actions/Conditions must be prefaced by a vendor, "
                        f"e.g., iam, sdb, ec2, etc. ({action!r} is not like sqs:SendMessage)",
                    )
            resources = statement.get("resources", "*")
            for resource in resources if isinstance(resources, list) else [resources]:
                if not isinstance(resource, str) or not (resource == "*" or resource.startswith("arn:")):
                    self.add(
                        f"{sfield}.resources",
                        f'MalformedPolicyDocument: Resource {resource} must be in ARN format or "*".',
                    )
            if "principal" in statement and not principal:
                self.add(
                    f"{sfield}.principal",
                    "MalformedPolicyDocument: Policy document should not specify a principal. "
                    "(an execution role's statements name no principal; resource policies do)",
                )
