"""The sandbox's limits on real resources: per call, per run, per client, per host.

Emulated time runs on a virtual clock (a handler's ``time.sleep(600)`` costs no real time), so the emulated
timeout does not bound what a run costs the host. These do. docs/sandbox-runtime.md explains how to size them.
Standard library only.
"""

from __future__ import annotations

import os

MIB = 1024 * 1024

# --- real time ---------------------------------------------------------------------------------------------------
# Real seconds one create or invoke may run inside the daemon (Init included), whatever its emulated timeout.
REAL_TIME_LIMIT_S = 60.0
# Real seconds of the daemon's time one run (a task's worth of creates and invokes) may use in all. The Celery
# task's soft limit must be above this, with room for the database work around the run.
RUN_REAL_BUDGET_S = 200.0
# How long a client waits for any reply: the longest call plus teardown (up to 5 s) and queueing.
CALL_TIMEOUT_S = REAL_TIME_LIMIT_S + 15.0
CONNECT_TIMEOUT_S = 5.0

# --- per client (one secret owner token: by default one per process) -------------------------------------------
ENVIRONMENTS_PER_CLIENT = 64  # live environments
MEMORY_PER_CLIENT_MB = 8 * 1024  # sum of the memory sizes of a client's live environments

# --- per host ----------------------------------------------------------------------------------------------------
MAX_ENVIRONMENTS = 400  # beyond this, the least recently used idle environment is recycled
HOST_RESERVE_FRACTION = 0.25  # of the host's memory kept out of every environment's reach
HOST_RESERVE_MIN_MB = 1024
OVERCOMMIT = 4  # memory sizes reserved may add up to this many times the memory all environments may use
PIDS_FRACTION = 0.5  # of the kernel's task limit that all environments together may use
LOG_BYTES_PER_TURN = 4 * MIB  # log output the daemon reads per loop turn, over all environments


def host_memory_mb() -> int:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 4096


def kernel_task_limit() -> int:
    limits = []
    for path in ("/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"):
        try:
            with open(path) as handle:
                limits.append(int(handle.read()))
        except (OSError, ValueError):
            pass
    return min(limits) if limits else 32768


def host_limits() -> dict:
    """What all environments together may use on this host: memory (MiB), tasks, memory reservable (MiB)."""
    total = host_memory_mb()
    reserve = max(HOST_RESERVE_MIN_MB, int(total * HOST_RESERVE_FRACTION))
    memory = max(256, total - reserve)
    return {
        "memory_mb": memory,
        "pids": max(256, int(kernel_task_limit() * PIDS_FRACTION)),
        "reservable_mb": memory * OVERCOMMIT,
        "cpus": os.cpu_count() or 1,
    }
