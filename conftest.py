"""Fixtures shared by every app's tests: a real Redis, a real Celery worker, a real browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from examprep.embedded_redis import answers

# The tests start their own sandbox daemon, from this checkout's code, on a socket no other process uses:
# a daemon left running by the app or by another checkout is never the one under test.
TEST_SOCKET = f"/run/examprep/test-{os.getpid()}/sandbox.sock"
os.environ["SANDBOX_SOCKET"] = TEST_SOCKET
os.environ.setdefault("EXAMPREP_DEV_SANDBOX", "1")  # the test daemon may run from a checkout a developer owns


def pytest_sessionfinish(session, exitstatus):
    """Stop the test daemon (if a test started one) and remove its socket folder."""
    from sandbox.runtime.client import ping

    answer = ping(TEST_SOCKET)
    if answer:
        with contextlib.suppress(ProcessLookupError):
            os.kill(answer["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and ping(TEST_SOCKET):
            time.sleep(0.05)
        if ping(TEST_SOCKET):
            with contextlib.suppress(ProcessLookupError):
                os.kill(answer["pid"], signal.SIGKILL)
    shutil.rmtree(os.path.dirname(TEST_SOCKET), ignore_errors=True)


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def redis_url():
    """The Redis the tests use; fails loudly (never skips) when none answers."""
    from django.conf import settings

    if not answers(settings.REDIS_URL):
        pytest.fail(
            f"No Redis answers at {settings.REDIS_URL}. Run the tests with 'make test' (it starts the "
            "embedded Redis), or start one: redis-server --daemonize yes"
        )
    return settings.REDIS_URL


@pytest.fixture(scope="session")
def celery_worker(redis_url, django_db_blocker):
    """A real Celery worker consuming the default and sandbox queues on the real Redis.

    One thread, so which worker thread runs a task is the same from run to run (the sandbox keeps
    per-thread daemon connections)."""
    from celery.contrib.testing.worker import start_worker

    from examprep.celery import app

    app.loader.import_default_modules()
    with (
        django_db_blocker.unblock(),
        start_worker(
            app,
            pool="threads",
            concurrency=1,
            queues=["default", "sandbox"],
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker,
    ):
        yield worker


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail(
        "No Chromium found for the browser tests. Install Debian's package: "
        "'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chrome)."
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the ORM calls of live_server fixtures are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (pages are cached per process) and fresh log-in/sign-up counters."""
    from django.core.cache import cache
    from redis.exceptions import RedisError

    from examprep.tests.limits import clear_rate_limits

    cache.clear()
    with contextlib.suppress(RedisError):
        clear_rate_limits()
    yield
    cache.clear()
