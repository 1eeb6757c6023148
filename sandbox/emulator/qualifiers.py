"""Which function, qualifier and version a caller means, and the Invoke API's service errors.

``resolve`` reads a name, a partial ARN (``name:qualifier``) or a full ARN, then picks the
version: ``$LATEST``, a published version, or an alias (a weighted alias draws from the
seeded random stream).
"""

from __future__ import annotations

from . import attempts, ids
from .model import State


def resolve(state: State, reference: str, qualifier: str | None) -> dict:
    """Find the function, qualifier and version a caller named.

    Returns ``{"name", "qualifier", "version"}`` or ``{"error": response fields}``.
    """
    name = reference
    if reference.startswith("arn:"):
        parts = reference.split(":")
        name = parts[6] if len(parts) > 6 else ""
        if len(parts) > 7 and qualifier is None:
            qualifier = parts[7]
    elif ":" in reference:
        name, _, given = reference.partition(":")
        qualifier = qualifier or given
    functions = state["config"]["functions"]
    if name not in functions:
        return {"error": not_found(state, name, None)}
    fn = functions[name]
    if qualifier in (None, "", "$LATEST"):
        return {"name": name, "qualifier": qualifier or None, "version": "$LATEST"}
    if qualifier in fn["versions"]:
        return {"name": name, "qualifier": qualifier, "version": qualifier}
    alias = fn["aliases"].get(qualifier)
    if alias is None:
        return {"error": not_found(state, name, qualifier)}
    version = alias["version"]
    for extra, weight in sorted(alias["weights"].items()):
        if ids.uniform(state, "alias") < weight:
            version = extra
            break
    return {"name": name, "qualifier": qualifier, "version": version}


def not_found(state: State, name: str, qualifier: str | None) -> dict:
    """404 for a function, version or alias that doesn't exist; an unqualified name is reported as ``$LATEST``."""
    arn = attempts.function_arn(state, name, qualifier or "$LATEST")
    message = f"Function not found: {arn}"
    return {
        "status_code": 404,
        "error_type": "ResourceNotFoundException",
        "reason": None,
        "payload": {"Message": message, "Type": "User"},
    }


def service_error(status: int, error_type: str, message: str, reason: str | None = None) -> dict:
    body = {"Type": "User", "message": message}
    if reason:
        body = {"Reason": reason, "Type": "User", "message": message}
    return {"status_code": status, "error_type": error_type, "reason": reason, "payload": body}
