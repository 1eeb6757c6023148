"""The ``context`` object Lambda's Python runtime passes to handlers. Standard library only."""

from __future__ import annotations

import sys

from sandbox.runtime.shim.clock import CLOCK


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict | None = None) -> None:
        data = data or {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, data: dict) -> None:
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, data: dict) -> None:
        self.custom = data.get("custom")
        self.env = data.get("env")
        self.client = Client(data["client"]) if isinstance(data.get("client"), dict) else None


class LambdaContext:
    """The ``context`` argument, with the attributes of Lambda's Python runtime."""

    def __init__(self, config: dict, frame: dict, deadline_s: float) -> None:
        self.function_name = config["function_name"]
        self.function_version = config["version"]
        self.invoked_function_arn = frame.get("invoked_function_arn") or config["function_arn"]
        self.memory_limit_in_mb = str(config["memory_mb"])
        self.aws_request_id = frame["request_id"]
        self.log_group_name = config["log_group_name"]
        self.log_stream_name = config["log_stream_name"]
        self.identity = CognitoIdentity(frame.get("identity"))
        context = frame.get("client_context")
        self.client_context = ClientContext(context) if isinstance(context, dict) else None
        self.tenant_id = frame.get("tenant_id")
        self._deadline_s = deadline_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(round((self._deadline_s - CLOCK.now()) * 1000)))

    def log(self, message) -> None:
        sys.stdout.write(str(message))
        sys.stdout.flush()

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )
