"""Every test here that takes ``executor`` runs twice: with the local executor and through the isolation daemon."""

from __future__ import annotations

import pytest

from sandbox.runtime.client import DaemonExecutor, ensure_daemon
from sandbox.runtime.local import LocalExecutor


@pytest.fixture(scope="package", params=["local", "daemon"])
def executor(request):
    if request.param == "daemon":
        ensure_daemon()
        made = DaemonExecutor()
    else:
        made = LocalExecutor()
    yield made
    made.close()
