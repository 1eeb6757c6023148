import datetime
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from lessons.facts import FACTS_DIR, STALE_AFTER_MONTHS, load_registry, stale


class Command(BaseCommand):
    help = f"List the facts not checked against AWS documentation for more than {STALE_AFTER_MONTHS} months."

    def add_arguments(self, parser):
        parser.add_argument("--facts", type=Path, default=FACTS_DIR, help="folder of fact registry files")
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="count from this date (YYYY-MM-DD)")

    def handle(self, *args, **options):
        today = options["today"] or timezone.localdate()
        registry, _ = load_registry(options["facts"])
        old = stale(registry, today)
        for fact in old:
            self.stdout.write(f"{fact.checked.isoformat()}  {fact.id}  ({fact.file} line {fact.line})  {fact.source}")
        self.stdout.write(
            f"{len(old)} of {len(registry)} facts were last checked more than {STALE_AFTER_MONTHS} months "
            f"before {today.isoformat()}."
        )
