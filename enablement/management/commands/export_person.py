from pathlib import Path

from enablement.management.commands._audited import AuditedCommand
from enablement.management.commands._person import person_from_email
from enablement.services.person_data import (
    person_data_export,
    person_data_json,
    person_data_zip,
)


class Command(AuditedCommand):
    help = (
        "Export everything held about a person (GDPR access request): FILE.json, "
        "or FILE.zip with data.json and one CSV per table."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("file", type=Path)

    def handle(self, *args, email, file, **options):
        user = person_from_email(email)
        tables = person_data_export(user=user, by="manage.py export_person")
        if file.suffix.lower() == ".zip":
            file.write_bytes(person_data_zip(tables=tables))
        else:
            file.write_text(person_data_json(tables=tables), encoding="utf-8")
        counts = ", ".join(f"{len(rows)} {name}" for name, rows in tables.items())
        self.stdout.write(f"Wrote {counts} to {file}")
