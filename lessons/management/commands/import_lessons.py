from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.facts import FACTS_DIR
from lessons.importing import CONTENT_DIR, ImportFailed, import_lessons


class Command(BaseCommand):
    help = "Import lessons/content/*.md into the database (idempotent; all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=CONTENT_DIR, help="folder of lesson files")
        parser.add_argument("--facts", type=Path, default=FACTS_DIR, help="folder of fact registry files")

    def handle(self, *args, **options):
        try:
            counts = import_lessons(options["dir"], options["facts"])
        except ImportFailed as exc:
            raise CommandError("no lesson was imported:\n" + "\n".join(exc.problems)) from None
        summary = ", ".join(f"{value} {name}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Lessons imported: {summary}."))
