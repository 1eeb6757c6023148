from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.facts import FACTS_DIR
from lessons.importing import CONTENT_DIR, validate


class Command(BaseCommand):
    help = "Check the lesson files and the fact registry without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=CONTENT_DIR, help="folder of lesson files")
        parser.add_argument("--facts", type=Path, default=FACTS_DIR, help="folder of fact registry files")

    def handle(self, *args, **options):
        problems, lessons, facts = validate(options["dir"], options["facts"])
        for problem in problems:
            self.stderr.write(f"  {problem}")
        if problems:
            raise CommandError(f"the lessons and fact registry have {len(problems)} problem(s), listed above")
        self.stdout.write(self.style.SUCCESS(f"The lessons are valid: {lessons} lessons, {facts} facts."))
