"""GDPR requests: export everything held about a person, or erase their identity.

Export: the profile, membership and roles written here, plus the tables other
apps register (reinforcement registers answers, memory states and prompts in
its AppConfig, since enablement never imports it), as JSON or as a zip of
one CSV per table beside that JSON.

Erasure keeps the rows that aggregates are made of (answers, memory states,
the rep profile's team and hire date) and removes who they were: username,
email and names become an anonymous token, the password unusable, the
external id cleared, roles and admin history scrubbed. Team and organization
figures are the same before and after.
"""

import csv
import datetime as dt
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Callable

from django.contrib.admin.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.audit import audit_access, audit_context
from enablement.audit_scrub import audit_person_scrub
from enablement.models import (
    AccountEmail,
    Membership,
    Organization,
    RepProfile,
    Team,
)
from enablement.services.people import person_deactivate
from enablement.signals import person_erased

logger = logging.getLogger(__name__)

ERASED_PREFIX = "erased-"

# A section returns {table name: rows}; rows are dicts of JSON-safe values.
PersonDataSection = Callable[[AbstractBaseUser], dict[str, list[dict]]]
_SECTIONS: list[PersonDataSection] = []


def person_data_section_register(section: PersonDataSection) -> None:
    """Add another app's tables to every export (idempotent)."""
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def _own_tables(user: AbstractBaseUser) -> dict[str, list[dict]]:
    membership = Membership.objects.filter(user=user).select_related("organization")
    profile = RepProfile.objects.filter(user=user).select_related("team")
    roles = [
        {"role": "admin", "organization": o.name}
        for o in Organization.objects.filter(admins=user)
    ]
    roles += [
        {"role": "author", "organization": o.name}
        for o in Organization.objects.filter(authors=user)
    ]
    roles += [
        {"role": "manager", "team": t.name} for t in Team.objects.filter(managers=user)
    ]
    return {
        "user": [
            {
                "id": user.pk,
                "username": user.get_username(),
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "is_active": user.is_active,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            }
        ],
        "membership": [
            {
                "organization": m.organization.name,
                "external_id": m.external_id,
                "deactivated_at": m.deactivated_at,
                "created_at": m.created_at,
            }
            for m in membership
        ],
        "rep_profile": [
            {
                "team": p.team.name,
                "time_zone": p.time_zone,
                "delivery_hour": p.delivery_hour,
                "working_days": p.working_days,
                "daily_dose": p.daily_dose,
                "paused_until": p.paused_until,
                "paused_from": p.paused_from,
                "channels_off": p.channels_off,
                "engagement_opt_out": p.engagement_opt_out,
                "hired_on": p.hired_on,
            }
            for p in profile
        ],
        "roles": roles,
        "account_emails": list(
            AccountEmail.objects.filter(user=user).values(
                "kind", "status", "created_at", "sent_at"
            )
        ),
    }


def person_data_export(
    *, user: AbstractBaseUser, by: str = ""
) -> dict[str, list[dict]]:
    """Every table held about the person: {table: rows}. Audited in the log."""
    tables = _own_tables(user)
    audit_access(instance=user, cause="personal data export")
    for section in _SECTIONS:
        tables.update(section(user))
    logger.info(
        "person data exported: user %s, %s rows, by %s",
        user.pk,
        sum(len(rows) for rows in tables.values()),
        by or "unknown",
    )
    return tables


def person_data_json(*, tables: dict[str, list[dict]]) -> str:
    return json.dumps(tables, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def person_data_zip(*, tables: dict[str, list[dict]]) -> bytes:
    """A zip of ``data.json`` and one ``<table>.csv`` per table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", person_data_json(tables=tables))
        for name, rows in tables.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, cls=DjangoJSONEncoder)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _admin_history_scrub(user: AbstractBaseUser, token: str) -> None:
    """Admin history names objects by their str(): rename those of the person."""
    targets = {
        type(user): [user.pk],
        Membership: Membership.objects.filter(user=user).values_list("pk", flat=True),
        RepProfile: RepProfile.objects.filter(user=user).values_list("pk", flat=True),
    }
    for model, ids in targets.items():
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        ).update(object_repr=token)


@transaction.atomic
@audit_context(cause="erasure")
def person_erase(
    *, user: AbstractBaseUser, by: str = "", now: dt.datetime | None = None
) -> str:
    """Erase the person's identity and keep their history anonymously; returns the token.

    The person is deactivated first (open prompts withdrawn, not planned).
    Refused for a superuser (erase the role first). Audited in the log by
    user id and token only.
    """
    if user.is_superuser:
        raise ApplicationError("invalid", _("A superuser cannot be erased."))
    if user.get_username().startswith(ERASED_PREFIX) and not user.email:
        return user.get_username()  # erased already
    now = now or timezone.now()
    membership = Membership.objects.filter(user=user).first()
    if membership is not None:
        person_deactivate(membership=membership, at=now)
        membership.external_id = ""
        membership.save(update_fields=["external_id", "updated_at"])
    token = ERASED_PREFIX + secrets.token_hex(8)
    user.username = token
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    for organization in Organization.objects.filter(admins=user):
        organization.admins.remove(user)
    for organization in Organization.objects.filter(authors=user):
        organization.authors.remove(user)
    for team in Team.objects.filter(managers=user):
        team.managers.remove(user)
    AccountEmail.objects.filter(user=user).delete()
    person_erased.send(sender=Membership, user=user)
    _admin_history_scrub(user, token)
    audit_person_scrub(user=user, token=token)
    logger.info(
        "person erased: user %s is now %s, by %s", user.pk, token, by or "unknown"
    )
    return token
