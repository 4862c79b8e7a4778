from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enablement.management.commands._organization import organization_from_option
from enablement.services.roster_export import roster_export


class Command(BaseCommand):
    help = (
        "Export the organization's reps and managers as a roster CSV (docs/people.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Where to write; - for stdout.")
        parser.add_argument(
            "--organization", "--org", help="Organization name (default: the only one)."
        )

    def handle(self, *args, file, organization, **options):
        text = roster_export(organization=organization_from_option(organization))
        if str(file) == "-":
            self.stdout.write(text, ending="")
            return
        try:
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        self.stdout.write(f"{file}: {text.count(chr(10)) - 1} people")
