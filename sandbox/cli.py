"""The scenario command line: ``python -m sandbox.cli run FILE [--seed N]`` / ``validate FILE``.

The ``scenario`` management command calls ``execute`` too. ``run`` prints the trace as JSON on
stdout and exits 0 (handler failures are results). ``validate`` only checks. An invalid file
exits 2 with one line per problem on stderr, naming the field and its line. It needs no
Django: the emulator simulates, the isolation daemon's client runs the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys

from sandbox.emulator.simulation import load_checked, simulate
from sandbox.runtime.client import default_executor


def make_executor():
    """The executor for command-line runs: the isolation daemon (started if none runs). Where the
    machine cannot isolate, it refuses, unless the explicit unsafe local mode is switched on."""
    return default_executor()


def main(argv: list[str] | None = None, executor_factory=make_executor, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="scenario", description="Run or check an emulator scenario.")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run a scenario and print its trace as JSON")
    run.add_argument("file")
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--indent", type=int, default=None)
    validate = sub.add_parser("validate", help="check a scenario without running it")
    validate.add_argument("file")
    args = parser.parse_args(argv)
    return execute(
        args.action,
        args.file,
        getattr(args, "seed", None),
        executor_factory,
        stdout,
        stderr,
        indent=getattr(args, "indent", None),
    )


def execute(action: str, path: str, seed, executor_factory, stdout, stderr, indent=None) -> int:
    raw, lines, problems = load_checked(path)
    if problems:
        for problem in problems:
            stderr.write(f"{path}: {problem}\n")
        return 2
    if action == "validate":
        stdout.write(f"{path}: valid\n")
        return 0
    try:
        executor = executor_factory()
    except RuntimeError as error:
        stderr.write(f"cannot run handlers: {error}\n")
        return 1
    try:
        trace = simulate(raw, executor, seed=seed, lines=lines, validate=False)
    finally:
        executor.close()
    stdout.write(json.dumps(trace, indent=indent) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
