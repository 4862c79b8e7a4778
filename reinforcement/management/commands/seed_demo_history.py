from django.core.management.base import BaseCommand
from django.utils import timezone

from reinforcement.services.demo_history import HISTORY_DAYS, demo_history_seed


class Command(BaseCommand):
    help = (
        "Simulate a few months of plans and answers for the demo organization "
        "(after seed_demo), so the manager dashboard has history. Does nothing "
        "when the demo organization already has answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=HISTORY_DAYS)

    def handle(self, *args, days, **options):
        summary = demo_history_seed(today=timezone.localdate(), days=days)
        if summary.skipped:
            self.stdout.write("Demo history exists; nothing to do.")
            return
        self.stdout.write(
            f"Simulated {summary.days} days: {summary.answers} answers. Broken "
            f"question: {summary.broken_question}; misconceptions: "
            f"{', '.join(summary.misconception_questions)}."
        )
