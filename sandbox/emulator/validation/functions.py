"""Checks of the account and of each function's configuration (sections 2, 4, 7, 8)."""

from __future__ import annotations

import re

from .packaging import PackagingChecks
from .rules import (
    ACCOUNT_DEFAULTS,
    ASYNC_DEFAULTS,
    ENI_ACTIONS,
    ENV_KEY,
    ENV_LIMIT_BYTES,
    EPHEMERAL_MB,
    EVENT_AGE_S,
    FUNCTION_DEFAULTS,
    FUNCTION_NAME,
    MANAGED_POLICIES,
    MEMORY_MB,
    RESERVED_ENV,
    RETRY_ATTEMPTS,
    TIMEOUT_S,
    UNZIPPED_BYTES,
    Names,
    eni_message,
    int_or,
    measure_env,
    parse_ref,
    range_message,
    role_allows,
    runtime_message,
    unreserved_floor_message,
)
from .services import ServiceChecks


class FunctionChecks(PackagingChecks, ServiceChecks):
    def account(self) -> None:
        account = self.dict_of(self.raw.get("account"), "account", "account")
        if not account:
            return
        self.fields(account, "account", ACCOUNT_DEFAULTS)
        limit = self.whole(account.get("concurrency_limit", 1000), "account.concurrency_limit", None, 1, 10**6)
        floor = account.get("unreserved_minimum")
        if floor is not None:
            floor = self.whole(floor, "account.unreserved_minimum", None, 0, 10**6)
            if floor is not None and limit is not None and floor > limit:
                self.add(
                    "account.unreserved_minimum",
                    f"unreserved_minimum ({floor}) can't be above concurrency_limit ({limit})",
                )
        for key in ("region", "account_id"):
            if key in account:
                self.text(account[key], f"account.{key}")
        if isinstance(account.get("account_id"), str) and not re.fullmatch(r"\d{12}", account["account_id"]):
            self.add("account.account_id", "an AWS account id is 12 digits")

    def function_name(self, name, field: str) -> None:
        if not isinstance(name, str):
            self.add(field, f"function names must be text, not {name!r}")
            return
        base = (
            "ValidationException: 1 validation error detected: Value '{}' at 'functionName' failed to "
            "satisfy constraint: Member must "
        )
        if len(name) > 64:
            # The API accepts up to 140 characters (an ARN); the name part is then refused by Lambda itself.
            self.add(
                field,
                base.format(name).replace("ValidationException", "InvalidParameterValueException", 1)
                + "have length less than or equal to 64",
            )
        elif not FUNCTION_NAME.fullmatch(name):
            self.add(field, base.format(name) + "satisfy regular expression pattern: [a-zA-Z0-9-_]+")

    def function(self, name, spec: dict, field: str, partial: bool = False) -> None:
        """Check one function's settings (``partial``: only the fields present, for updates)."""
        known = tuple(FUNCTION_DEFAULTS) + ("function",) if partial else FUNCTION_DEFAULTS
        self.fields(spec, field, known)
        if not partial and not spec.get("code") and not (isinstance(spec.get("files"), dict) and spec["files"]):
            self.add(field, f"function {name} has no code; give its handler module as code: |")
        self.code(spec, field)
        if "memory_mb" in spec:
            self.whole(spec["memory_mb"], f"{field}.memory_mb", "memorySize", *MEMORY_MB)
        if "timeout_s" in spec:
            self.whole(spec["timeout_s"], f"{field}.timeout_s", "timeout", *TIMEOUT_S)
        if "ephemeral_storage_mb" in spec:
            self.whole(
                spec["ephemeral_storage_mb"], f"{field}.ephemeral_storage_mb", "ephemeralStorage.size", *EPHEMERAL_MB
            )
        if "environment" in spec:
            self.environment(spec["environment"], f"{field}.environment")
        if "runtime" in spec and (refused := runtime_message(spec["runtime"])):
            self.add(f"{field}.runtime", refused)
        if spec.get("reserved_concurrency") is not None:
            self.whole(
                spec["reserved_concurrency"], f"{field}.reserved_concurrency", "reservedConcurrentExecutions", 0, None
            )
        provisioned = spec.get("provisioned_concurrency")
        if provisioned is not None and (provisioned != 0 or isinstance(provisioned, bool)):
            self.whole(
                spec["provisioned_concurrency"],
                f"{field}.provisioned_concurrency",
                "provisionedConcurrentExecutions",
                1,
                None,
            )
        if spec.get("dead_letter") is not None:
            ref = self.ref(spec["dead_letter"], f"{field}.dead_letter", ("queue", "topic"))
            if ref and self.is_fifo(*ref):
                self.add(
                    f"{field}.dead_letter",
                    "InvalidParameterValueException: a function's dead-letter queue or topic must be "
                    "standard; FIFO queues and topics aren't supported",
                )
        if spec.get("async") is not None:
            self.async_config(name, spec["async"], f"{field}.async")
        if spec.get("role") is not None:
            self.role(spec["role"], f"{field}.role")
        if spec.get("vpc") is not None:
            self.vpc(spec, f"{field}.vpc")
        if spec.get("layers") is not None:
            self.function_layers(spec, field, self.code_bytes(spec), update=partial)
        if spec.get("file_system") is not None:
            mount = self.dict_of(spec["file_system"], f"{field}.file_system", "file_system")
            if mount is not None:
                self.fields(mount, f"{field}.file_system", {"arn": None, "mount_path": None})
                path = mount.get("mount_path")
                if not isinstance(path, str) or not path.startswith("/mnt/") or len(path) <= 5:
                    self.add(f"{field}.file_system.mount_path", "an EFS mount path starts with /mnt/, e.g. /mnt/data")
        if spec.get("snap_start") is not None:
            self.snap_start(spec, field)
        if "recursive_loop" in spec and spec["recursive_loop"] not in ("Allow", "Terminate"):
            self.add(
                f"{field}.recursive_loop",
                f"ValidationException: 1 validation error detected: Value '{spec['recursive_loop']}' at "
                "'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]",
            )
        if spec.get("provisioned_qualifier") == "$LATEST":
            self.add(
                f"{field}.provisioned_qualifier",
                "InvalidParameterValueException: Provisioned Concurrency Configs cannot be applied to unpublished "
                "function versions.",
            )
        description = self.text(spec["description"], f"{field}.description") if "description" in spec else None
        if description is not None and len(description) > 256:
            self.add(f"{field}.description", "a description is at most 256 characters")

    def provisioned_zero(self, spec: dict, field: str) -> None:
        """0 alone means no configuration; declaring one of 0 on a qualifier is what AWS refuses (an update to
        0 removes the configuration instead, so only the scenario as written is checked)."""
        provisioned = spec.get("provisioned_concurrency")
        if provisioned == 0 and not isinstance(provisioned, bool) and spec.get("provisioned_qualifier") is not None:
            self.add(f"{field}.provisioned_concurrency", range_message(0, "provisionedConcurrentExecutions", 1, None))

    def cross_function_rules(self, only: str | None = None) -> None:
        """The account-wide concurrency rules."""
        account = self.section("account")
        limit = int_or(account.get("concurrency_limit"), 1000)
        floor = account.get("unreserved_minimum")
        floor = int_or(floor, min(100, limit))
        reserved_total = 0
        for name, spec in self.section("functions").items():
            if not isinstance(spec, dict):
                continue
            field = f"functions.{name}"
            reserved = spec.get("reserved_concurrency")
            provisioned = int_or(spec.get("provisioned_concurrency"), 0)
            if isinstance(reserved, int) and not isinstance(reserved, bool) and reserved >= 0:
                reserved_total += reserved
                if reserved_total > limit - floor and (only is None or only == name):
                    self.add(f"{field}.reserved_concurrency", unreserved_floor_message(floor))
                if provisioned > reserved and (only is None or only == name):
                    self.add(
                        f"{field}.provisioned_concurrency",
                        "InvalidParameterValueException: Requested Provisioned Concurrency should not be greater "
                        "than the reservedConcurrentExecution for function",
                    )
            elif provisioned > 0:
                reserved_total += provisioned
                if reserved_total > limit - floor and (only is None or only == name):
                    self.add(
                        f"{field}.provisioned_concurrency",
                        "InvalidParameterValueException: Specified ConcurrentExecutions for function decreases "
                        f"account's UnreservedConcurrentExecution below its minimum value of [{floor}].",
                    )

    # -- function details --

    def code(self, spec: dict, field: str) -> None:
        total = 0
        if "code" in spec and self.text(spec["code"], f"{field}.code") is not None:
            total += len(spec["code"].encode())
        if "files" in spec:
            files = self.dict_of(spec["files"], f"{field}.files", "files")
            for path, source in (files or {}).items():
                if self.text(source, f"{field}.files.{path}") is not None:
                    total += len(source.encode())
                if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/"):
                    self.add(f"{field}.files.{path}", "file names are relative paths inside the package")
        if total > UNZIPPED_BYTES:
            self.add(
                field, f"InvalidParameterValueException: Unzipped size must be smaller than {UNZIPPED_BYTES} bytes"
            )
        if "handler" in spec and self.text(spec["handler"], f"{field}.handler") is not None:
            handler = spec["handler"]
            base = (
                f"ValidationException: 1 validation error detected: Value '{handler}' at 'handler' failed to "
                "satisfy constraint: Member must "
            )
            if len(handler) > 128:
                self.add(f"{field}.handler", base + "have length less than or equal to 128")
            elif not re.fullmatch(r"[^\s]+", handler):
                self.add(f"{field}.handler", base + r"satisfy regular expression pattern: [^\s]+")

    @staticmethod
    def code_bytes(spec: dict) -> int:
        """Unzipped bytes of a function's own code (its handler module and files)."""
        code = spec.get("code")
        files = spec.get("files")
        total = len(code.encode()) if isinstance(code, str) else 0
        for text in files.values() if isinstance(files, dict) else []:
            total += len(text.encode()) if isinstance(text, str) else 0
        return total

    def environment(self, env, field: str) -> None:
        env = self.dict_of(env, field, "environment")
        if not env:
            return
        for key, value in env.items():
            if isinstance(value, (dict, list)):
                self.add(f"{field}.{key}", "environment values are text; quote the value")
        bad_keys = [k for k in env if not isinstance(k, str) or not ENV_KEY.fullmatch(k)]
        if bad_keys:
            self.add(
                f"{field}.{bad_keys[0]}",
                "ValidationException: 1 validation error detected: Value at 'environment.variables' failed "
                "to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular "
                "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
            )
        reserved = [k for k in env if k in RESERVED_ENV]
        if reserved:
            self.add(
                f"{field}.{reserved[0]}",
                "InvalidParameterValueException: Lambda was unable to configure your environment variables "
                "because the environment variables you have provided contains reserved keys that are "
                f"currently not supported for modification. Reserved keys used in this request: "
                f"{', '.join(reserved)}",
            )
        measured = measure_env(env)
        if len(measured.encode()) > ENV_LIMIT_BYTES:
            self.add(
                field,
                "InvalidParameterValueException: Lambda was unable to configure your environment variables "
                "because the environment variables you have provided exceeded the 4KB limit. String "
                f"measured: {measured}",
            )

    def async_config(self, name: str, config, field: str) -> None:
        config = self.dict_of(config, field, "async")
        if not config:
            return
        self.fields(config, field, ASYNC_DEFAULTS)
        if "maximum_retry_attempts" in config:
            self.whole(
                config["maximum_retry_attempts"],
                f"{field}.maximum_retry_attempts",
                "maximumRetryAttempts",
                *RETRY_ATTEMPTS,
            )
        if "maximum_event_age_s" in config:
            self.whole(
                config["maximum_event_age_s"], f"{field}.maximum_event_age_s", "maximumEventAgeInSeconds", *EVENT_AGE_S
            )
        for condition, kinds in (
            ("on_success", ("queue", "topic", "function", "bus")),
            ("on_failure", ("queue", "topic", "function", "bus", "bucket")),
        ):
            target = config.get(condition)
            if target is None:
                continue
            if condition == "on_success" and (ref := parse_ref(target)) and ref[0] == "bucket":
                self.add(
                    f"{field}.{condition}",
                    "InvalidParameterValueException: an S3 bucket can only be an "
                    "on-failure destination; use a queue, topic, function or bus for on_success",
                )
                continue
            ref = self.ref(target, f"{field}.{condition}", kinds)
            if ref and ref[0] in ("queue", "topic") and self.is_fifo(*ref):
                self.add(
                    f"{field}.{condition}",
                    "InvalidParameterValueException: FIFO queues and topics aren't "
                    "supported as destinations; use a standard one",
                )
            if ref == ("function", name):
                self.add(
                    f"{field}.{condition}",
                    "InvalidParameterValueException: You can't specify the function as a destination for itself.",
                )

    def role(self, role, field: str) -> None:
        role = self.dict_of(role, field, "role")
        if not role:
            return
        self.fields(role, field, ("name", "policies", "actions", "statements"))
        if "name" in role and (
            not isinstance(role["name"], str) or not re.fullmatch(r"[\w+=,.@-]{1,64}", role["name"])
        ):
            self.add(
                f"{field}.name",
                f"ValidationException: 1 validation error detected: Value '{role['name']}' at 'roleName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            )
        self.statements(role.get("statements"), f"{field}.statements", principal=False)
        for key in ("policies", "actions"):
            items = self.list_of(role.get(key), f"{field}.{key}", key)
            for index, item in enumerate(items or []):
                if self.text(item, f"{field}.{key}.{index}") is None:
                    continue
                if key == "policies" and item not in MANAGED_POLICIES:
                    self.add(
                        f"{field}.{key}.{index}",
                        f"unknown managed policy {item}; known: "
                        + ", ".join(MANAGED_POLICIES)
                        + " (or list IAM actions under actions)",
                    )
                if key == "actions" and item != "*" and not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*?]+", item):
                    self.add(
                        f"{field}.{key}.{index}", f"{item!r} is not an IAM action such as ec2:CreateNetworkInterface"
                    )

    def vpc(self, spec: dict, field: str) -> None:
        vpc = self.dict_of(spec["vpc"], field, "vpc")
        if not vpc:
            return
        self.fields(vpc, field, ("subnets", "security_groups", "ipv6_allowed_for_dual_stack"))
        subnets = self.list_of(vpc.get("subnets"), f"{field}.subnets", "subnets") or []
        groups = self.list_of(vpc.get("security_groups"), f"{field}.security_groups", "security_groups") or []
        if len(subnets) > 16:
            self.add(
                f"{field}.subnets",
                range_message(len(subnets), "vpcConfig.subnetIds", 0, 16).replace("have value", "have length"),
            )
        if len(groups) > 5:
            self.add(
                f"{field}.security_groups",
                range_message(len(groups), "vpcConfig.securityGroupIds", 0, 5).replace("have value", "have length"),
            )
        if not subnets:
            return
        if not groups:
            self.add(
                f"{field}.security_groups",
                "InvalidParameterValueException: a function connected to subnets needs at least one security group",
            )
        network = self.section("network")
        known_subnets = Names(network["subnets"]) if isinstance(network.get("subnets"), dict) else Names()
        known_groups = (
            Names(network["security_groups"]) if isinstance(network.get("security_groups"), dict) else Names()
        )
        vpcs = set()
        for index, subnet in enumerate(subnets):
            if subnet not in known_subnets:
                self.add(
                    f"{field}.subnets.{index}",
                    f"InvalidSubnetIDException: subnet {subnet} doesn't exist; declare it under network.subnets",
                )
            elif isinstance(known_subnets[subnet], dict):
                vpcs.add(str(known_subnets[subnet].get("vpc")))
        if len(vpcs) > 1:
            self.add(
                f"{field}.subnets",
                "InvalidParameterValueException: all of a function's subnets must be in "
                f"one VPC, not {', '.join(sorted(map(str, vpcs)))}",
            )
        for index, group in enumerate(groups):
            if group not in known_groups:
                self.add(
                    f"{field}.security_groups.{index}",
                    f"InvalidSecurityGroupIDException: security group "
                    f"{group} doesn't exist; declare it under network.security_groups",
                )
            elif (
                isinstance(known_groups[group], dict)
                and vpcs
                and str(known_groups[group].get("vpc")) not in map(str, vpcs)
            ):
                self.add(
                    f"{field}.security_groups.{index}",
                    f"InvalidParameterValueException: security group "
                    f"{group} is in VPC {known_groups[group].get('vpc')}, the subnets in {', '.join(map(str, vpcs))}",
                )
        role = spec.get("role")
        if isinstance(role, dict):
            missing = [a for a in ENI_ACTIONS if not role_allows(role, a)]
            if missing:
                self.add(f"{field.rpartition('.')[0]}.role", eni_message(missing[0]))

    # -- other resources --
