"""``python manage.py scenario run FILE [--seed N]`` and ``scenario validate FILE``.

A thin wrapper over ``sandbox.cli``: the trace goes to stdout as JSON (exit 0);
an invalid file exits 2 with one line per problem, naming the field and its YAML line.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from sandbox import cli
from sandbox.emulator.simulation import check, load_checked
from sandbox.tasks import trace_scenario


class Command(BaseCommand):
    help = "Run a sandbox scenario and print its trace as JSON, or only validate it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "validate"])
        parser.add_argument("file")
        parser.add_argument("--seed", type=int, default=None, help="overrides the scenario's seed")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON trace")
        parser.add_argument(
            "--via-celery",
            action="store_true",
            help="run on the Celery workers (queue sandbox) instead of in this process",
        )
        parser.add_argument("--timeout", type=float, default=300, help="with --via-celery: seconds to wait")

    def handle(self, *args, **options):
        if options["via_celery"] and options["action"] == "run":
            status = run_file_via_celery(
                options["file"], options["seed"], options["timeout"], self.stdout, self.stderr, indent=options["indent"]
            )
            if status:
                sys.exit(status)
            return
        status = cli.execute(
            options["action"],
            options["file"],
            options["seed"],
            cli.make_executor,
            self.stdout,
            self.stderr,
            indent=options["indent"],
        )
        if status:
            sys.exit(status)


def run_via_celery(raw: dict, seed: int | None = None, timeout: float = 300) -> dict:
    """Submit a whole scenario to the running workers (queue ``sandbox``) and wait for its trace."""
    problems = check(raw)
    if problems:
        raise ValueError("; ".join(str(problem) for problem in problems))
    result = trace_scenario.apply_async(args=[raw, seed])
    try:
        return result.get(timeout=timeout, propagate=True)
    finally:
        result.forget()


def run_file_via_celery(path: str, seed, timeout: float, stdout, stderr, indent=None) -> int:
    """``scenario run FILE --via-celery``: the same checks and output as the inline run, on the workers."""
    raw, _lines, found = load_checked(path)
    if found:
        for problem in found:
            stderr.write(f"{path}: {problem}\n")
        return 2
    try:
        trace = run_via_celery(raw, seed, timeout)
    except Exception as error:  # noqa: BLE001 - no worker, no broker, or the task failed
        stderr.write(f"{path}: the Celery run did not finish: {type(error).__name__}: {error}\n")
        return 1
    stdout.write(json.dumps(trace, indent=indent) + "\n")
    return 0
