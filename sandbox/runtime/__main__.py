"""``python -m sandbox.runtime``: run the sandbox daemon in the foreground; ``--check``: print the isolation mode.

The daemon is always exec'd afresh with an empty environment (``/proc/self/environ`` of every process forked
from it shows the exec-time environment, so nothing may be in it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from sandbox.runtime import client, isolation, limits

MODES = {
    "root-cgroup-v2": "full isolation; memory and pids limits through cgroup v2",
    "root-cgroup-v1": "full isolation; memory, pids and freezer through cgroup v1",
    "root-rlimits": "isolation without cgroups: memory is capped per process only (a multi-process handler can "
    "use more than its memory size)",
    "none": "no isolation possible: handlers will not run",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.runtime", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the isolation mode this machine allows")
    parser.add_argument("--json", action="store_true", help="with --check: print JSON")
    parser.add_argument("--socket", default=client.socket_path(), help="the daemon's socket path")
    parser.add_argument(
        "--foreground-or-wait",
        action="store_true",
        help="for a process runner: run the daemon, or, when one already runs or none can, say so and wait",
    )
    args = parser.parse_args(argv)
    if args.foreground_or_wait:
        return run_or_wait(args.socket)
    if args.check:
        report = isolation.check()
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"isolation mode: {report['mode']} ({MODES[report['mode']]})")
            for key in ("root", "namespaces", "cgroups", "seccomp"):
                print(f"  {key}: {report[key]}")
            for key in ("reason", "warning"):
                if report.get(key):
                    print(f"  {key}: {report[key]}")
            host = limits.host_limits()
            print(
                f"  all environments together: {host['memory_mb']} MiB of memory, {host['pids']} tasks, "
                f"{host['reservable_mb']} MB of memory sizes reserved"
            )
            if report["mode"] == "none":
                print(f"  unsafe local mode: set {client.UNSAFE_FLAG}=1 (single-user laptop only)")
        return 0 if report["mode"] != "none" else 1
    exec_daemon(args.socket)
    return 0  # not reached


def exec_daemon(path: str) -> None:
    """Replace this process with the daemon, exec'd with an empty environment."""
    command, _ = client.daemon_command(path)
    os.makedirs(os.path.dirname(path), mode=0o711, exist_ok=True)
    os.execve(command[0], command, {})


def run_or_wait(path: str) -> int:
    """The Procfile's ``sandbox`` process: it must not exit, or the process runner stops everything."""
    message = None
    try:
        running = client.current_daemon(path)  # restarts one of this checkout that runs older code
    except client.SandboxUnavailable as refusal:
        running, message = None, str(refusal)
    if running is not None:
        message = f"Using the sandbox daemon already running at {path}."
        if client.wrong_group(running):
            message += (
                f" It was not started for the group {os.environ[client.GROUP_SETTING]} (another checkout's "
                "daemon): processes that are not root cannot reach it. Stop it, or set SANDBOX_SOCKET."
            )
    elif message is None and (report := isolation.check())["mode"] == "none":
        message = (
            f"The sandbox cannot isolate handlers on this machine ({report.get('reason')}): handlers will not "
            f"run. For a single-user laptop only, set {client.UNSAFE_FLAG}=1 to run them without isolation."
        )
    if message is None:
        exec_daemon(path)
    print(message, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
