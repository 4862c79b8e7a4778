from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enablement.models import RepProfile
from reinforcement.services.planning import plans_create


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
        profiles = RepProfile.objects.all()
        if rep:
            profiles = profiles.filter(user__username=rep)
        elif team:
            profiles = profiles.filter(team__name=team)
        rep_ids = list(profiles.values_list("user_id", flat=True))
        if not rep_ids:
            raise CommandError("No rep matches.")
        outcomes = plans_create(
            rep_ids=rep_ids, now=timezone.now(), ignore_delivery_hour=True
        )
        for o in sorted(outcomes, key=lambda o: o.username):
            detail = ", ".join(o.question_keys) if o.status == "planned" else ""
            self.stdout.write(
                f"{o.username} {o.local_date} {o.status} {len(o.question_keys)} {detail}"
            )
            if o.status == "planned" and o.question_keys and not no_deliver:
                from reinforcement.tasks import plan_deliver_task

                plan_deliver_task.delay(plan_id=o.plan_id)
        planned = sum(1 for o in outcomes if o.status == "planned")
        self.stdout.write(f"Planned {planned} of {len(outcomes)} reps.")
