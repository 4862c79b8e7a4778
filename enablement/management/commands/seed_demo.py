from enablement.management.commands._audited import AuditedCommand
from enablement.services.demo import (
    ADMIN_USERNAME,
    AUTHOR_USERNAME,
    DEMO_PASSWORD,
    demo_seed,
)


class Command(AuditedCommand):
    help = "Create the demo organization (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        summary = demo_seed()
        self.stdout.write(
            f"Demo organization {summary.organization.name!r}: "
            f"{summary.questions_imported} questions, {len(summary.reps)} reps."
        )
        self.stdout.write(f"Demo password for every login: {DEMO_PASSWORD}")
        self.stdout.write(
            f"  enablement admin (people, teams, settings, content in /admin/): "
            f"{ADMIN_USERNAME}"
        )
        self.stdout.write(f"  author (content only, /admin/): {AUTHOR_USERNAME}")
        self.stdout.write(f"  managers (/manager/): {', '.join(summary.managers)}")
        self.stdout.write(
            f"  reps: {', '.join(summary.reps[:3])} ... {summary.reps[-1]}"
        )
