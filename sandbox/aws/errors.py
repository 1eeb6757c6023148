"""The error a request raises when it cannot become a call: unknown service or operation, or bad input."""

from __future__ import annotations


class ProtocolError(Exception):
    """A request the layer cannot turn into a call, with the code, message and status AWS answers with.

    ``service`` names the service when it is known, so the answer can take that service's error form.
    """

    def __init__(self, code: str, message: str, status: int = 400, service: str | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.service = service
