from pathlib import Path

from django.core.management.base import CommandError

from enablement.management.commands._audited import AuditedCommand
from enablement.management.commands._organization import organization_from_option
from enablement.services.content_format import ContentImportError
from enablement.services.content_import import content_import_path


class Command(AuditedCommand):
    help = "Import content files (YAML or CSV), each all-or-nothing; re-importing is a no-op."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--org", help="Organization name (default: the only one).")

    def handle(self, *args, files, org, **options):
        organization = organization_from_option(org)
        failed = False
        for path in files:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                summary = content_import_path(organization=organization, path=path)
            except OSError as exc:
                raise CommandError(f"{path}: cannot be read ({exc.strerror})") from exc
            except ContentImportError as exc:
                failed = True
                self.stderr.write(f"{path}: rejected, nothing written:")
                for line in exc.errors:
                    self.stderr.write(f"  {line}")
                continue
            self.stdout.write(f"{path}: {summary}")
        if failed:
            raise CommandError("Some files were rejected.")
