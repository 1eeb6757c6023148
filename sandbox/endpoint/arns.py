"""ARNs of a world's resources, and the scenario format's references (``queue:orders``) they stand for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    region: str
    account_id: str

    @classmethod
    def of(cls, world: dict) -> Account:
        account = world.get("account") or {}
        return cls(str(account.get("region") or "us-east-1"), str(account.get("account_id") or "123456789012"))

    def function(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    def of_ref(self, ref: str, world: dict) -> str:
        """The ARN a reference such as ``queue:orders`` or ``function:fn:prod`` names."""
        kind, _, name = ref.partition(":")
        if kind == "function":
            base, _, qualifier = name.partition(":")
            return self.function(base, qualifier or None)
        if kind == "queue":
            return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"
        if kind == "topic":
            return f"arn:aws:sns:{self.region}:{self.account_id}:{name}"
        if kind == "bus":
            return f"arn:aws:events:{self.region}:{self.account_id}:event-bus/{name}"
        if kind == "bucket":
            return f"arn:aws:s3:::{name}"
        if kind == "stream":
            stream = (world.get("streams") or {}).get(name) or {}
            if isinstance(stream, dict) and stream.get("type") == "dynamodb":
                return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}/stream/1970-01-01T00:00:00.000"
            return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{name}"
        return ref


def ref_of(arn: str) -> str | None:
    """The scenario reference an ARN names (``arn:aws:sqs:...:orders`` -> ``queue:orders``); None if none."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service, resource = parts[2], parts[5]
    if service == "sqs" and resource:
        return f"queue:{resource}"
    if service == "sns" and resource:
        return f"topic:{resource}"
    if service == "lambda" and resource.startswith("function:"):
        return resource
    if service == "events" and resource.startswith("event-bus/"):
        return "bus:" + resource.removeprefix("event-bus/")
    if service == "s3" and resource:
        return f"bucket:{resource}"
    if service == "kinesis" and resource.startswith("stream/"):
        return "stream:" + resource.removeprefix("stream/")
    if service == "dynamodb" and resource.startswith("table/") and "/stream/" in resource:
        return "stream:" + resource.removeprefix("table/").split("/", 1)[0]
    return None


def function_name(given: str) -> tuple[str, str | None]:
    """(name, qualifier) of a FunctionName as Lambda accepts it: a name, ``name:qualifier``, a partial ARN
    (``123456789012:function:name``) or a full ARN, each optionally with a qualifier."""
    parts = given.split(":")
    if given.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        return parts[6], (parts[7] if len(parts) > 7 else None)
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], (parts[3] if len(parts) > 3 else None)
    if len(parts) == 2:
        return parts[0], parts[1]
    return given, None
