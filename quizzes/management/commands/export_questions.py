import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes import bank
from quizzes.models import Question


class Command(BaseCommand):
    help = "Print the question bank as JSON: the files by default, or the imported questions with --database."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--dir", type=Path, default=bank.CONTENT_DIR, help="folder of question files")
        parser.add_argument(
            "--lessons-dir", type=Path, default=bank.LESSONS_DIR, help="lesson files: topics and sections"
        )
        parser.add_argument("--database", action="store_true", help="export the imported questions instead")

    def handle(self, *args, **options):
        if options["database"]:
            items = [
                {
                    "id": q.key,
                    "topic": q.topic,
                    "skill": q.skill,
                    "type": q.kind,
                    "section": q.section,
                    "source": q.doc_url,
                    "stem": q.stem,
                    "options": q.options,
                    "retired": q.retired_at is not None,
                }
                for q in Question.objects.all()
            ]
        else:
            questions, problems = bank.read_bank(options["dir"], bank.lesson_topics(options["lessons_dir"]))
            if problems:
                raise CommandError("the question files have problems:\n" + "\n".join(f"  {p}" for p in problems))
            items = [question.as_dict() for question in questions]
        self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
