"""Checks of function URLs (``function_urls``), resource-based policy statements (``permissions``),
IAM users (``users``) and the ``url_request`` step, with AWS's wording where AWS refuses the same."""

from __future__ import annotations

import re

from .base import BaseChecker
from .rules import MANAGED_POLICIES, OUTSIDE_OPERATIONS, STEP_DEFAULTS

URL_FIELDS = ("auth_type", "cors", "invoke_mode", "description")
CORS_FIELDS = ("allow_origins", "allow_methods", "allow_headers", "expose_headers", "max_age", "allow_credentials")
PERMISSION_FIELDS = ("function", "principal", "action", "function_url_auth_type", "sid")
USER_FIELDS = ("actions", "policies", "description")
AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
URL_QUALIFIER = re.compile(r"(?!^\d+$)^[0-9a-zA-Z-_]+$")
USER_NAME = re.compile(r"[\w+=,.@-]{1,64}")
MAX_AGE_S = (0, 86400)
# (scenario key, AWS member, most items, longest item)
CORS_LISTS = (
    ("allow_origins", "allowOrigins", 100, 253),
    ("allow_methods", "allowMethods", 6, 6),
    ("allow_headers", "allowHeaders", 100, 1024),
    ("expose_headers", "exposeHeaders", 100, 1024),
)


def _invalid(value, member: str, constraint: str) -> str:
    if isinstance(value, list):
        value = "[" + ", ".join(str(item) for item in value) + "]"
    shown = "null" if value is None else f"'{value}'"
    return (
        f"ValidationException: 1 validation error detected: Value {shown} at '{member}' failed to satisfy "
        f"constraint: {constraint}"
    )


class UrlChecks(BaseChecker):
    def function_urls(self) -> None:
        urls = self.dict_of(self.raw.get("function_urls"), "function_urls", "function_urls") or {}
        for target, spec in urls.items():
            field = f"function_urls.{target}"
            self.url_target(str(target), field)
            spec = self.dict_of(spec, field, "a function URL")
            if spec is None:
                continue
            self.fields(spec, field, URL_FIELDS)
            if spec.get("auth_type") not in AUTH_TYPES:
                self.add(
                    f"{field}.auth_type",
                    _invalid(spec.get("auth_type"), "authType", "Member must satisfy enum value set: [AWS_IAM, NONE]")
                    if spec.get("auth_type") is not None
                    else _invalid(None, "authType", "Member must not be null"),
                )
            mode = spec.get("invoke_mode", "BUFFERED")
            if mode not in INVOKE_MODES:
                self.add(
                    f"{field}.invoke_mode",
                    _invalid(mode, "invokeMode", "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]"),
                )
            elif mode == "RESPONSE_STREAM":
                self.add(f"{field}.invoke_mode", "response streaming isn't emulated; use BUFFERED")
            if spec.get("cors") is not None:
                self.cors(spec["cors"], f"{field}.cors")

    def url_target(self, target: str, field: str) -> None:
        """``NAME`` or ``NAME:ALIAS``: the function (and alias) must exist; a version can't have a URL."""
        name, _, qualifier = target.partition(":")
        functions = self.section("functions")
        account = self.section("account")
        region, account_id = account.get("region", "us-east-1"), account.get("account_id", "123456789012")
        if qualifier and not URL_QUALIFIER.fullmatch(qualifier):
            self.add(
                field,
                _invalid(
                    qualifier,
                    "qualifier",
                    r"Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)",
                ),
            )
            return
        spec = functions.get(name)
        aliases = (spec.get("aliases") or {}) if isinstance(spec, dict) else {}
        if spec is None or (qualifier and qualifier not in aliases):
            arn = f"arn:aws:lambda:{region}:{account_id}:function:{target}"
            self.add(field, f"ResourceNotFoundException: Function not found: {arn}")

    def cors(self, cors, field: str) -> None:
        cors = self.dict_of(cors, field, "cors")
        if cors is None:
            return
        self.fields(cors, field, CORS_FIELDS)
        for key, member, most, longest in CORS_LISTS:
            items = self.list_of(cors.get(key), f"{field}.{key}", key)
            if items is None:
                continue
            if len(items) > most:
                self.add(
                    f"{field}.{key}",
                    _invalid(items, f"cors.{member}", f"Member must have length less than or equal to {most}"),
                )
            for index, item in enumerate(items):
                text = self.text(item, f"{field}.{key}.{index}")
                if text is not None and len(text) > longest:
                    self.add(
                        f"{field}.{key}.{index}",
                        _invalid(
                            items,
                            f"cors.{member}",
                            f"Member must satisfy constraint: [Member must have length less than or equal to {longest}]",
                        ),
                    )
                elif text == "" and key == "allow_origins":
                    self.add(
                        f"{field}.{key}.{index}",
                        _invalid(
                            items,
                            f"cors.{member}",
                            "Member must satisfy constraint: [Member must have length greater than or equal to 1]",
                        ),
                    )
        if cors.get("max_age") is not None:
            self.whole(cors["max_age"], f"{field}.max_age", "cors.maxAge", *MAX_AGE_S)
        if cors.get("allow_credentials") is not None:
            self.flag(cors["allow_credentials"], f"{field}.allow_credentials")

    def permissions(self) -> None:
        statements = self.list_of(self.raw.get("permissions"), "permissions", "permissions") or []
        for index, statement in enumerate(statements):
            field = f"permissions.{index}"
            statement = self.dict_of(statement, field, "a permission")
            if statement is None:
                continue
            self.fields(statement, field, PERMISSION_FIELDS)
            target = self.text(statement.get("function"), f"{field}.function")
            if target is not None:
                self.url_target(target, f"{field}.function")
            if statement.get("principal") in (None, "", []):
                self.add(f"{field}.principal", _invalid(None, "principal", "Member must not be null"))
            actions = statement.get("action")
            if not (isinstance(actions, str) and actions) and not (
                isinstance(actions, list) and actions and all(isinstance(a, str) for a in actions)
            ):
                self.add(f"{field}.action", _invalid(None, "action", "Member must not be null"))
            auth_type = statement.get("function_url_auth_type")
            if auth_type is not None and auth_type not in AUTH_TYPES:
                self.add(
                    f"{field}.function_url_auth_type",
                    _invalid(auth_type, "functionUrlAuthType", "Member must satisfy enum value set: [AWS_IAM, NONE]"),
                )

    def users(self) -> None:
        users = self.dict_of(self.raw.get("users"), "users", "users") or {}
        for name, spec in users.items():
            field = f"users.{name}"
            if not USER_NAME.fullmatch(str(name)):
                self.add(field, f"{name!r} can't be an IAM user name: 1-64 letters, digits and +=,.@_-")
            spec = self.dict_of(spec, field, "a user")
            if spec is None:
                continue
            self.fields(spec, field, USER_FIELDS)
            for key in ("actions", "policies"):
                for index, item in enumerate(self.list_of(spec.get(key), f"{field}.{key}", key) or []):
                    self.text(item, f"{field}.{key}.{index}")
            for index, policy in enumerate(spec.get("policies") or []):
                if isinstance(policy, str) and policy not in MANAGED_POLICIES:
                    self.add(f"{field}.policies.{index}", f"unknown managed policy {policy!r}")

    def step_aws_call(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["aws_call"])
        service = body.get("service")
        if service not in OUTSIDE_OPERATIONS:
            self.add(f"{field}.service", f"service must be one of {', '.join(OUTSIDE_OPERATIONS)}, not {service!r}")
        elif body.get("operation") not in OUTSIDE_OPERATIONS[service]:
            known = ", ".join(OUTSIDE_OPERATIONS[service])
            self.add(f"{field}.operation", f"{service} answers {known} here, not {body.get('operation')!r}")
        self.dict_of(body.get("params"), f"{field}.params", "params")
        self.text(body.get("user", "developer"), f"{field}.user")

    def step_url_request(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["url_request"])
        target = body.get("url")
        if target not in self.section("function_urls"):
            self.add(f"{field}.url", f"function URL {target!r} doesn't exist; declare it under function_urls")
        method = body.get("method", "GET")
        if not isinstance(method, str) or method.upper() not in METHODS:
            self.add(f"{field}.method", f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if "path" in body:
            path = self.text(body["path"], f"{field}.path")
            if path is not None and "?" in path:
                self.add(f"{field}.path", "put the query string under query, not in path")
        if body.get("query") is not None and not isinstance(body["query"], (str, dict)):
            self.add(f"{field}.query", "query is a query string (a=1&b=2) or a mapping of names to values")
        self.dict_of(body.get("headers"), f"{field}.headers", "headers")
        if body.get("body_base64") is not None:
            self.flag(body["body_base64"], f"{field}.body_base64")
        signer = body.get("signed_as")
        if signer is not None and not (isinstance(signer, str) and USER_NAME.fullmatch(signer)):
            # An IAM user the world doesn't declare signs too: it simply has no identity policy.
            self.add(f"{field}.signed_as", f"{signer!r} can't be an IAM user name: 1-64 letters, digits and +=,.@_-")
