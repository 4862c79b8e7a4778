from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reinforcement.selectors.planning import rep_ids_list
from reinforcement.services.planning import PlanOutcome, plans_create
from reinforcement.tasks import plan_deliver_task


class Command(BaseCommand):
    help = (
        "Plan today's dose now, ignoring the delivery hour but respecting working days, "
        "pauses and the one-plan-per-day rule. Delivery follows through Celery."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--rep", help="Username of one rep.")
        target.add_argument("--team", help="Name of a team.")
        target.add_argument("--all", action="store_true", help="Every rep.")
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="Plan only; do not enqueue delivery.",
        )

    def handle(self, *args, rep, team, all, no_deliver, **options):
        rep_ids = rep_ids_list(username=rep, team_name=team)
        if not rep_ids:
            raise CommandError("No rep matches.")
        outcomes = plans_create(
            rep_ids=rep_ids, now=timezone.now(), ignore_delivery_hour=True
        )
        for o in sorted(outcomes, key=lambda o: o.username):
            self.stdout.write(_outcome_line(o))
            if o.status == "planned" and o.question_keys and not no_deliver:
                plan_deliver_task.delay(plan_id=o.plan_id)
        planned = sum(1 for o in outcomes if o.status == "planned")
        self.stdout.write(f"Planned {planned} of {len(outcomes)} reps.")


def _outcome_line(o: PlanOutcome) -> str:
    detail = ", ".join(o.question_keys) if o.status == "planned" else ""
    return f"{o.username} {o.local_date} {o.status} {len(o.question_keys)} {detail}"
