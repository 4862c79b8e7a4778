"""manage.py import_opportunities FILE --organization X [--format ...] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from enablement.models import Organization
from revenue.services.opportunity_import import (
    FORMATS,
    OpportunityImportError,
    opportunity_import,
)


class Command(BaseCommand):
    help = (
        "Import opportunities and stage history from a CSV (a Salesforce "
        "Opportunity History report, a HubSpot deals export, or the generic "
        "layout): the whole file or nothing; re-importing changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--organization", required=True, help="Name or id.")
        parser.add_argument("--format", choices=FORMATS, default="generic")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        key = options["organization"]
        query = Q(name=key) | (Q(pk=int(key)) if key.isdigit() else Q())
        organization = Organization.objects.filter(query).first()
        if organization is None:
            raise CommandError(f"No organization {key!r}.")
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        try:
            result = opportunity_import(
                organization=organization,
                data=data,
                layout=options["format"],
                now=timezone.now(),
                dry_run=options["dry_run"],
            )
        except OpportunityImportError as error:
            raise CommandError(
                f"Refused, nothing written ({error.total} errors):\n"
                + "\n".join(error.errors)
            ) from None
        prefix = "Dry run (nothing written): " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{result}")
