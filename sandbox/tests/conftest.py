"""Executors shared by the sandbox's tests: the isolation daemon and the local executor, each made once per test
module, and ``executor`` running a test once with each. A module that needs another executor defines its own
``executor`` fixture, which takes precedence over this one."""

from __future__ import annotations

import pytest

from sandbox.runtime import client
from sandbox.runtime.local import LocalExecutor


@pytest.fixture(scope="module")
def daemon():
    made = client.DaemonExecutor(max_procs=64)
    yield made
    made.close()


@pytest.fixture(scope="module")
def local():
    made = LocalExecutor()
    yield made
    made.close()


@pytest.fixture(params=["daemon", "local"])
def executor(request, daemon, local):
    return daemon if request.param == "daemon" else local
