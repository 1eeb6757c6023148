"""Where handlers run: this worker process's executor, and one workspace's view of it.

The process keeps one executor (the isolation daemon's client; the local one only in the explicit
unsafe mode). ``ScopedExecutor`` prefixes environment ids so that workspaces, and whole scenarios
run from the command line, never meet, and tells the emulator whether an environment is still alive.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import uuid

from django.conf import settings

from sandbox.emulator.executor import EnvironmentSpec, InitResult, InvokeRequest, InvokeResult, Services
from sandbox.emulator.simulation import simulate
from sandbox.runtime.client import DaemonExecutor, default_executor
from sandbox.runtime.limits import RUN_REAL_BUDGET_S
from sandbox.runtime.local import LocalExecutor

log = logging.getLogger(__name__)

ProcessExecutor = DaemonExecutor | LocalExecutor

_executor: ProcessExecutor | None = None
_executor_lock = threading.Lock()


def app_owner() -> str:
    """The daemon owner token shared by every web and worker process of this app (and checkout): a workspace's
    warm environment, created by one pool process, is found again by the next run whichever process takes it.
    Derived from SECRET_KEY, which handlers never see; the token only travels over the daemon's socket."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"sandbox-owner:{settings.BASE_DIR}".encode(), hashlib.sha256).hexdigest()[:32]


def process_executor() -> ProcessExecutor:
    """This worker process's executor (the isolation daemon's client when available)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = default_executor(owner=app_owner())
        return _executor


def reset_executor() -> None:
    """Drop this process's executor (after it broke, or when the daemon restarted)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        try:
            executor.close()
        except Exception:  # noqa: BLE001 - already broken
            log.warning("closing the sandbox executor failed", exc_info=True)


class ScopedExecutor:
    """One workspace's view of the shared executor: environment ids are prefixed so workspaces never meet."""

    def __init__(
        self,
        inner: ProcessExecutor,
        prefix: str,
        trust_recent: bool = False,
        tenant: str | None = None,
        budget_s: float = RUN_REAL_BUDGET_S,
    ):
        self.inner = inner
        self.prefix = prefix
        self.trust_recent = trust_recent  # skip asking the daemon about environments this process just used
        self.tenant = tenant  # whose per-student limits the environments count against
        self.deadline = time.monotonic() + budget_s  # the run's real-time budget, shared by all its calls

    def _left_s(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def _id(self, environment_id: str) -> str:
        return f"{self.prefix}{environment_id}"

    def create(self, environment_id: str, spec: EnvironmentSpec) -> InitResult:
        # A worker killed mid-run may have left this id behind: an earlier attempt of the same run.
        self.destroy(environment_id)
        return self.inner.create(self._id(environment_id), spec, real_budget_s=self._left_s(), tenant=self.tenant)

    def invoke(self, environment_id: str, request: InvokeRequest, services: Services | None = None) -> InvokeResult:
        return self.inner.invoke(self._id(environment_id), request, services, real_budget_s=self._left_s())

    def destroy(self, environment_id: str) -> None:
        try:
            self.inner.destroy(self._id(environment_id))
        except Exception:  # noqa: BLE001 - gone already (daemon restarted): nothing to free
            log.info("destroying %s failed", self._id(environment_id), exc_info=True)

    def alive(self, environment_id: str) -> bool:
        """Whether the executor still has this environment (a restarted daemon has none)."""
        inner_id = self._id(environment_id)
        if isinstance(self.inner, LocalExecutor):
            return inner_id in self.inner.environments
        if self.trust_recent and self.inner.recently_used(inner_id):
            return True  # used moments ago over a connection the daemon has not closed: no round trip
        try:
            self.inner.describe(inner_id)
        except Exception:  # noqa: BLE001 - EnvironmentGone, or the daemon is unreachable
            return False
        return True

    def close(self) -> None:
        """The inner executor is shared by the process; it stays open."""


def workspace_executor(workspace_id, trust_recent: bool = False, tenant: str | None = None) -> ScopedExecutor:
    """``trust_recent`` only when this process saved the workspace's state last (see tasks.process);
    ``tenant`` is the student whose limits (live environments, memory) the run's environments count against."""
    prefix = f"w{getattr(workspace_id, 'hex', workspace_id)}-"
    return ScopedExecutor(process_executor(), prefix, trust_recent, tenant=tenant)


def trace_whole_scenario(raw: dict, seed: int | None = None, executor: ProcessExecutor | None = None) -> dict:
    """A whole scenario on this process's executor, under its own prefix; the trace of scenarios.md."""
    scoped = ScopedExecutor(executor or process_executor(), f"cli-{uuid.uuid4().hex}-")
    return simulate(raw, scoped, seed=seed, validate=False)
