"""A call AWS refuses: its error code, message and HTTP status, raised and answered in the service's error form."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def not_found(message: str) -> Refused:
    return Refused("ResourceNotFoundException", message, 404)


def invalid(message: str) -> Refused:
    return Refused("InvalidParameterValueException", message, 400)


def conflict(message: str) -> Refused:
    return Refused("ResourceConflictException", message, 409)
