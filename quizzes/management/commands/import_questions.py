from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.bank import CONTENT_DIR, LESSONS_DIR, lesson_topics
from quizzes.importing import ImportFailed, import_questions


class Command(BaseCommand):
    help = "Import quizzes/content/*.yaml into the database (idempotent; all or nothing; removed ids retire)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=CONTENT_DIR, help="folder of question files")
        parser.add_argument("--lessons-dir", type=Path, default=LESSONS_DIR, help="lesson files: topics and sections")

    def handle(self, *args, **options):
        try:
            counts = import_questions(options["dir"], lesson_topics(options["lessons_dir"]))
        except ImportFailed as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"no question was imported; fix these {len(exc.problems)} problem(s):\n{lines}"
            ) from None
        summary = ", ".join(f"{value} {name}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Questions imported: {summary}."))
