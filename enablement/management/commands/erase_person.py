from django.core.management.base import CommandError

from core.errors import ApplicationError
from enablement.management.commands._audited import AuditedCommand
from enablement.management.commands._person import person_from_email
from enablement.services.person_data import person_erase


class Command(AuditedCommand):
    help = (
        "Erase a person's identity (GDPR erasure request): they are deactivated, their "
        "username, email and names become an anonymous token; their answers stay, "
        "anonymous, in team and organization figures. Cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm: erase without asking."
        )

    def handle(self, *args, email, yes, **options):
        user = person_from_email(email)
        if not yes:
            raise CommandError(
                f"This erases {email} for good; run again with --yes to confirm."
            )
        try:
            token = person_erase(user=user, by="manage.py erase_person")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Erased {email}: the person is now {token}.")
