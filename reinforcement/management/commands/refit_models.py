from django.core.management.base import BaseCommand
from django.utils import timezone

from enablement.models import Organization
from reinforcement.services.refit import organization_refit


class Command(BaseCommand):
    help = "Refit FSRS parameters per organization from the Answer log and print the metrics."

    def add_arguments(self, parser):
        parser.add_argument(
            "--org", help="Organization name (default: every organization)."
        )

    def handle(self, *args, org, **options):
        organizations = Organization.objects.all()
        if org:
            organizations = organizations.filter(name=org)
        for organization in organizations:
            fit = organization_refit(organization=organization, now=timezone.now())
            self.stdout.write(
                f"{organization.name}: train {fit.train_reviews}, hold-out {fit.holdout_reviews}; "
                f"log loss current {_fmt(fit.current_log_loss)} candidate "
                f"{_fmt(fit.candidate_log_loss)}; RMSE(bins) current "
                f"{_fmt(fit.current_rmse_bins)} candidate {_fmt(fit.candidate_rmse_bins)}; "
                f"{'ADOPTED' if fit.adopted else 'not adopted'} ({fit.note})"
            )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
