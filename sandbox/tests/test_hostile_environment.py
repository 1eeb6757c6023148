"""Hostile-handler cases about what an environment's own processes can do and see: env-init's privileges,
/tmp's size without cgroups, the host's /usr, and log floods next to a timeout."""

from __future__ import annotations

import pytest

from sandbox.runtime import client
from sandbox.tests.runtime_factories import assert_host_unaffected, make_spec, new_environment_id

# Capability bits (linux/capability.h) env-init may keep: it starts runtimes under the environment's uid and
# kills or stops every process of its pid namespace.
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
ENV_INIT_CAPABILITIES = (1 << CAP_KILL) | (1 << CAP_SETGID) | (1 << CAP_SETUID)


@pytest.fixture(scope="module")
def sandbox():
    made = client.DaemonExecutor(max_procs=64)
    yield made
    made.close()


def status_fields(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


def test_env_init_keeps_only_the_capabilities_it_needs_and_no_new_privs(sandbox):
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec())
    pid1 = sandbox.describe(environment_id)["pid1"]

    fields = status_fields(pid1)

    for name in ("CapEff", "CapPrm", "CapBnd"):
        assert int(fields[name], 16) & ~ENV_INIT_CAPABILITIES == 0, (name, fields[name])
    assert int(fields["CapInh"], 16) == int(fields["CapAmb"], 16) == 0
    assert fields["NoNewPrivs"].strip() == "1"
    assert_host_unaffected(sandbox, environment_id)
