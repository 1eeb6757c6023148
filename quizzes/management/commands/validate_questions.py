from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes import bank


class Command(BaseCommand):
    help = "Check the question files (structure and bank health) without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=bank.CONTENT_DIR, help="folder of question files")
        parser.add_argument(
            "--lessons-dir", type=Path, default=bank.LESSONS_DIR, help="lesson files: topics and sections"
        )
        parser.add_argument("--min-per-topic", type=int, default=bank.MIN_PER_TOPIC)
        parser.add_argument("--min-total", type=int, default=bank.MIN_TOTAL)

    def handle(self, *args, **options):
        questions, problems = bank.read_bank(options["dir"], bank.lesson_topics(options["lessons_dir"]))
        report = bank.health(questions, options["min_per_topic"], options["min_total"])
        self.print_health(report)
        for problem in problems:
            self.stderr.write(f"  {problem}")
        for failure in report.failures:
            self.stderr.write(f"  bank health: {failure}")
        count = len(problems) + len(report.failures)
        if count:
            raise CommandError(f"the question bank has {count} problem(s), listed above")
        self.stdout.write(self.style.SUCCESS(f"The question bank is valid: {report.total} questions."))

    def print_health(self, report: bank.Health) -> None:
        out = self.stdout.write
        out(
            f"Questions: {report.total} ({report.single} single choice, {report.multiple} multiple response, "
            f"{report.multiple_share:.0%} multiple)"
        )
        out("Per topic (single / multiple):")
        for topic, counts in sorted(report.per_topic.items()):
            out(f"  {topic:<32} {counts['single']:>3} / {counts['multiple']:<3}")
        letters = "  ".join(
            f"{letter} {report.letters.get(letter, 0)} ({report.letter_share(letter):.0%})" for letter in "ABCD"
        )
        out(f"Correct option position in single-choice questions: {letters}")
        out(
            f"The correct option is the longest in {report.longest_correct} of {report.single} single-choice "
            f"questions ({report.longest_share:.0%}; limit {bank.MAX_LONGEST_SHARE:.0%})"
        )
        out(
            f"The longest option is a correct one in {report.longest_correct_multiple} of {report.multiple} "
            "multiple-response questions (for information)"
        )
        if report.multiple:
            positions = "  ".join(
                f"{letter} {report.keyed_positions.get(letter, 0)} ({report.keyed_position_share(letter):.0%})"
                for letter in bank.LETTERS
                if letter in report.keyed_positions
            )
            out(
                f"Keyed positions in multiple-response questions: {positions} "
                f"(limit {bank.MAX_KEYED_POSITION_SHARE:.0%} each)"
            )
            key_set, count = max(report.key_sets.items(), key=lambda pair: (pair[1], pair[0]))
            out(
                f"Most common multiple-response key set: {key_set} in {count} of {report.multiple} "
                f"({report.key_set_share(key_set):.0%}; limit {bank.MAX_KEY_SET_SHARE:.0%})"
            )
