from django.core.management.base import BaseCommand, CommandError

from enablement.models import Organization
from revenue.services.outcome_rollups import outcome_rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the outcome rollups (stage entries, deal facts and the cells "
        "the outcome KPIs read) of one organization, or of all, from the stage "
        "history. Retention at entry already computed is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, help="Organization id")

    def handle(self, *args, organization=None, **options):
        organizations = Organization.objects.order_by("pk")
        if organization is not None:
            organizations = organizations.filter(pk=organization)
            if not organizations.exists():
                raise CommandError(f"No organization with id {organization}.")
        for org in organizations:
            summary = outcome_rollups_rebuild(organization_id=org.pk)
            self.stdout.write(
                f"{org.name}: {summary.opportunities} deals, {summary.cells} cells."
            )
