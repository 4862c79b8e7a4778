from pathlib import Path

from django.core.management.base import BaseCommand

from enablement.management.commands._organization import organization_from_option
from enablement.services.content_export import content_dump, content_export


class Command(BaseCommand):
    help = "Export the organization's content as YAML or CSV (by the file's extension)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", help="Organization name (default: the only one).")

    def handle(self, *args, file, org, **options):
        organization = organization_from_option(org)
        data = content_export(organization=organization)
        file.write_text(content_dump(data=data, name=str(file)), encoding="utf-8")
        self.stdout.write(
            f"Wrote {len(data['questions'])} questions in {len(data['modules'])} modules to {file}"
        )
