"""``python manage.py scenario run FILE [--seed N]`` and ``scenario validate FILE``.

A thin wrapper over ``sandbox.cli``: the trace goes to stdout as JSON (exit 0);
an invalid file exits 2 with one line per problem, naming the field and its YAML line.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from sandbox import cli


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
            from sandbox.running import run_file_via_celery

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
