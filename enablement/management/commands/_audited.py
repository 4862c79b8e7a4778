from django.core.management.base import BaseCommand

from enablement.audit import audit_context
from enablement.management.commands._person import person_from_email


class AuditedCommand(BaseCommand):
    """A command whose writes the audit log records as "command NAME", or as
    the person named with ``--actor EMAIL``."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="Who runs this, for the audit log (default: the command itself).",
        )
        return parser

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        email = options.get("actor")
        actor = person_from_email(email) if email else None
        with audit_context(via=f"command {name}", actor=actor):
            return super().execute(*args, **options)
