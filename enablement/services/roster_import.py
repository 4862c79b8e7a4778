"""Import a roster: every row through person_upsert, all or nothing.

A preview is the real import rolled back (``dry_run``), so it lists exactly
what the write would do; its ``digest`` names that outcome, and a confirmed
import given the digest is rolled back as well if its outcome differs (the
file or the people changed since the preview). Re-importing the same file
writes nothing: person_upsert saves only what differs.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ApplicationError
from enablement.audit import audit_batch
from enablement.models import Membership, Organization, Team
from enablement.services.people import (
    PeopleIndex,
    PersonData,
    people_index,
    person_deactivate,
    person_find,
    person_reactivate,
    person_upsert,
)
from enablement.services.roster_format import (
    RosterImportError,
    RosterRow,
    digits_to_days,
    roster_parse,
)

USER_FIELDS = ("email", "first_name", "last_name", "is_staff")
PROFILE_FIELDS = ("time_zone", "delivery_hour", "working_days", "hired_on")
CHANGED_SINCE_PREVIEW = (
    "file: the roster or the people changed since the preview; nothing was "
    "written, preview it again"
)


@dataclass(frozen=True)
class RosterChange:
    """A person the import creates, changes or deactivates; ``fields``:
    (name, before, after) of each changed field."""

    email: str
    row: int | None = None  # None: not in the file (deactivated)
    fields: tuple[tuple[str, str, str], ...] = ()

    @property
    def field_names(self) -> str:
        return ", ".join(name for name, _, _ in self.fields)


@dataclass
class RosterSummary:
    organization_id: int
    created: list[RosterChange] = field(default_factory=list)
    changed: list[RosterChange] = field(default_factory=list)
    deactivated: list[RosterChange] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    unchanged: int = 0
    written: bool = False

    @property
    def is_noop(self) -> bool:
        return not (
            self.created or self.changed or self.deactivated or self.teams_created
        )

    @property
    def digest(self) -> str:
        """The outcome in a few bytes: a confirm must reproduce the preview's."""
        outcome = asdict(self)
        outcome.pop("written")
        text = json.dumps(outcome, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.changed)} changed, "
            f"{self.unchanged} unchanged, {len(self.deactivated)} deactivated, "
            f"{len(self.teams_created)} teams created"
        )


class _Rollback(Exception):
    def __init__(self, summary: RosterSummary):
        self.summary = summary


def roster_import(
    *,
    organization: Organization,
    data: bytes,
    deactivate_missing: bool = False,
    dry_run: bool = False,
    by: AbstractBaseUser | None = None,
    expected_digest: str | None = None,
    invite: bool = True,
) -> RosterSummary:
    """Import a roster file's bytes into organization, or write nothing.

    Raises RosterImportError listing every bad row. ``deactivate_missing``
    deactivates the organization's reps and managers absent from the file
    (never its admins, authors, or ``by``, the importing user). ``invite``
    sends each person created an invitation once the import commits.
    """
    rows = roster_parse(data)
    try:
        with (
            transaction.atomic(),
            audit_batch(
                cause="roster import", actor=by, organization_id=organization.pk
            ),
        ):
            # One roster import of an organization at a time.
            Organization.objects.select_for_update().filter(pk=organization.pk).get()
            summary = _roster_write(organization, rows, deactivate_missing, by, invite)
            if expected_digest is not None and summary.digest != expected_digest:
                raise RosterImportError([CHANGED_SINCE_PREVIEW])
            if dry_run:
                raise _Rollback(summary)
    except _Rollback as rollback:
        return rollback.summary
    summary.written = not summary.is_noop
    return summary


def _teams_ensure(
    organization: Organization, rows: list[RosterRow], summary: RosterSummary
) -> dict[str, Team]:
    """The organization's teams by case-folded name, creating those the file names."""
    teams = {
        t.name.casefold(): t for t in Team.objects.filter(organization=organization)
    }
    for row in rows:
        key = row.team.casefold()
        if key not in teams:
            teams[key] = Team.objects.create(organization=organization, name=row.team)
            summary.teams_created.append(row.team)
    return teams


def _identities(
    organization: Organization, rows: list[RosterRow], index: PeopleIndex
) -> dict[int, AbstractBaseUser | None]:
    """The stored person of each row (None: new); errors for ambiguous ones."""
    errors, found, rows_of_user = [], {}, {}
    for row in rows:
        try:
            user = person_find(
                organization=organization,
                email=row.email,
                external_id=row.external_id,
                index=index,
            )
        except ApplicationError as exc:
            errors.append(f"row {row.row}: email: {exc.message}")
            continue
        owner = index.by_email.get(row.email) or index.by_username.get(row.email)
        if user is not None and owner is not None and owner.pk != user.pk:
            errors.append(
                f"row {row.row}: email: {row.email} is another person's than "
                f"external id {row.external_id}'s"
            )
        if user is not None:
            first = rows_of_user.setdefault(user.pk, row.row)
            if first != row.row:
                errors.append(
                    f"row {row.row}: email: the same person as row {first} "
                    "(matched by external id or email)"
                )
        found[row.row] = user
    if errors:
        raise RosterImportError(errors)
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def _snapshot(user, index: PeopleIndex, team_names: dict[int, str]) -> dict[str, str]:
    """The stored values person_upsert may change, as text."""
    if user is None:
        return {}
    values = {name: _text(getattr(user, name)) for name in USER_FIELDS}
    membership = index.memberships.get(user.pk)
    values["external_id"] = membership.external_id if membership else ""
    profile = index.profiles.get(user.pk)
    if profile is not None:
        values["team"] = team_names.get(profile.team_id, str(profile.team_id))
        values.update({n: _text(getattr(profile, n)) for n in PROFILE_FIELDS})
        values["working_days"] = digits_to_days(profile.working_days)
    return values


def _after(user, index: PeopleIndex, row: RosterRow) -> dict[str, str]:
    values = _snapshot(user, index, {})
    values["team"] = row.team
    values["managed_teams"] = row.team
    values["membership"] = "yes"
    return values


def _roster_write(
    organization: Organization,
    rows: list[RosterRow],
    deactivate_missing: bool,
    by: AbstractBaseUser | None,
    invite: bool,
) -> RosterSummary:
    summary = RosterSummary(organization_id=organization.pk)
    index = people_index(organization=organization, emails=[r.email for r in rows])
    stored = _identities(organization, rows, index)
    teams = _teams_ensure(organization, rows, summary)
    team_names = {t.pk: t.name for t in teams.values()}
    errors, seen = [], set()
    for row in rows:
        before = _snapshot(stored[row.row], index, team_names)
        try:
            result = person_upsert(
                organization=organization,
                data=_person_data(row, teams[row.team.casefold()]),
                index=index,
                invite=invite,
            )
        except ApplicationError as exc:
            errors.append(f"row {row.row}: email: {exc.message}")
            continue
        except ValidationError as exc:
            errors += [
                f"row {row.row}: {name}: {' '.join(messages)}"
                for name, messages in getattr(
                    exc, "message_dict", {"row": exc.messages}
                ).items()
            ]
            continue
        seen.add(result.user.pk)
        _count(summary, row, result, before, _after(result.user, index, row))
    if errors:
        raise RosterImportError(errors)
    if deactivate_missing:
        for membership in _missing(organization, index, seen, by, team_names):
            person_deactivate(membership=membership)
            summary.deactivated.append(RosterChange(email=membership.user.email))
    return summary


def _count(summary, row, result, before: dict, after: dict) -> None:
    if result.membership.deactivated_at is not None:
        person_reactivate(membership=result.membership)
        result.changed.append("active")
        before["active"], after["active"] = "no", "yes"
    if result.created:
        fields = (("team", "", row.team), ("role", "", row.role))
        summary.created.append(
            RosterChange(email=row.email, row=row.row, fields=fields)
        )
    elif result.changed:
        fields = tuple(
            (name, before.get(name, ""), after.get(name, ""))
            for name in dict.fromkeys(result.changed)
        )
        summary.changed.append(
            RosterChange(email=row.email, row=row.row, fields=fields)
        )
    else:
        summary.unchanged += 1


def _person_data(row: RosterRow, team: Team) -> PersonData:
    return PersonData(
        email=row.email,
        role=row.role,
        team=team,
        first_name=row.first_name,
        last_name=row.last_name,
        external_id=row.external_id,
        time_zone=row.time_zone,
        delivery_hour=row.delivery_hour,
        working_days=row.working_days,
        hired_on=row.hired_on,
    )


def _missing(organization, index: PeopleIndex, seen: set, by, team_names) -> list:
    """Active reps and managers of organization the file does not list.

    Admins, authors, superusers and the importing user are never among them.
    """
    keep = set(organization.admins.values_list("pk", flat=True))
    keep |= set(organization.authors.values_list("pk", flat=True))
    keep |= seen | ({by.pk} if by is not None else set())
    people = {u for u, p in index.profiles.items() if p.team_id in team_names}
    people |= {user_id for _, user_id in index.managed}
    memberships = (
        Membership.objects.filter(
            organization=organization,
            deactivated_at__isnull=True,
            user_id__in=people - keep,
            user__is_superuser=False,
        )
        .select_related("user")
        .order_by("user__email", "pk")
    )
    return list(memberships)
