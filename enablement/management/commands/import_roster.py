from pathlib import Path

from django.core.management.base import CommandError

from enablement.management.commands._audited import AuditedCommand
from enablement.management.commands._organization import organization_from_option
from enablement.services.roster_format import RosterImportError
from enablement.services.roster_import import roster_import


class Command(AuditedCommand):
    help = (
        "Import a roster CSV (docs/people.md), all or nothing; re-importing the "
        "same file is a no-op."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organization", "--org", help="Organization name (default: the only one)."
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Deactivate the organization's reps and managers absent from the file.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change; write nothing.",
        )
        parser.add_argument(
            "--no-invite",
            action="store_true",
            help="Do not email the people created an invitation (e.g. SSO-only).",
        )

    def handle(
        self,
        *args,
        file,
        organization,
        deactivate_missing,
        dry_run,
        no_invite,
        **options,
    ):
        target = organization_from_option(organization)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            summary = roster_import(
                organization=target,
                data=data,
                deactivate_missing=deactivate_missing,
                dry_run=dry_run,
                invite=not no_invite,
            )
        except RosterImportError as exc:
            self.stderr.write(f"{file}: rejected, nothing written:")
            for line in exc.errors:
                self.stderr.write(f"  {line}")
            raise CommandError("The roster was rejected.") from None
        if options["verbosity"] > 1:
            for change in summary.created:
                self.stdout.write(f"  create row {change.row}: {change.email}")
            for change in summary.changed:
                self.stdout.write(
                    f"  change row {change.row}: {change.email}: {change.field_names}"
                )
            for change in summary.deactivated:
                self.stdout.write(f"  deactivate {change.email}")
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{file}: {prefix}{summary}")
