"""Command-line entry points shared by ``python -m sandbox.emulator`` and the
``scenario`` management command.

``run FILE [--seed N]`` prints the trace as JSON on stdout and exits 0 (handler
failures are results). ``validate FILE`` only checks. An invalid file exits 2 with
one line per problem on stderr, naming the field and its line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

# Executors live outside the pure core; the default is found by name so the core imports none of them.
DEFAULT_EXECUTOR = "sandbox.runtime.client:default_executor"


def make_executor():
    """The executor for command-line runs: the isolation daemon (started if none runs). Where the
    machine cannot isolate, it refuses, unless the explicit unsafe local mode is switched on."""
    module_name, _, attribute = DEFAULT_EXECUTOR.partition(":")
    return getattr(importlib.import_module(module_name), attribute)()


def load_checked(path: str):
    """(raw, lines, problems) for a scenario file; problems include read errors."""
    from .loader import ScenarioError, load
    from .runner import check

    try:
        raw, lines = load(path)
    except ScenarioError as error:
        return None, None, [str(error)]
    except OSError as error:
        return None, None, [f"{path}: {error.strerror or error}"]
    return raw, lines, [str(p) for p in check(raw, lines)]


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
    from .runner import run_scenario

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
        trace = run_scenario(raw, executor, seed=seed, lines=lines, validate=False)
    finally:
        executor.close()
    stdout.write(json.dumps(trace, indent=indent) + "\n")
    return 0
