"""A rep's own settings: time zone, delivery hour, working days, channels, a
vacation pause and engagement opt-out (the Settings page and PATCH /api/v1/me/).

The one write path for what a rep may change about themselves; admins change
the rest through the people service. The profile's ``save()`` is heard by
reinforcement (today is re-planned within the minute for plan fields) and by
the audit log (before and after of each changed field, the rep as actor).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from enablement.audit import audit_context
from enablement.models import (
    REP_OPTIONAL_CHANNELS,
    WEEKDAY_DIGITS,
    Organization,
    RepProfile,
)

WEB = "web"
# What a rep may set, and the profile field each is stored in.
SETTABLE = (
    "time_zone", "delivery_hour", "working_days", "channels", "paused_from",
    "paused_until", "engagement_opt_out",
)  # fmt: skip
# A pause is for a vacation, not for leaving: at most this far ahead.
PAUSE_MAX_DAYS = 366


@dataclass(frozen=True)
class RepSettings:
    """What a rep sees of their settings, and what their organization allows."""

    time_zone: str
    delivery_hour: int
    working_days: str
    channels: list[str]
    paused_from: dt.date | None
    paused_until: dt.date | None
    engagement_opt_out: bool
    channels_offered: list[str]
    working_days_allowed: str
    engagement_enabled: bool


def organization_working_days(organization: Organization) -> str:
    """The weekdays the organization works: a rep chooses among them."""
    return organization.working_days or WEEKDAY_DIGITS


def channels_offered(organization: Organization) -> list[str]:
    """The channels the organization delivers on; the in-app inbox always."""
    flags = {
        "email": organization.email_delivery,
        "slack": organization.slack_delivery,
        "teams": organization.teams_delivery,
    }
    return [WEB, *(c for c in REP_OPTIONAL_CHANNELS if flags[c])]


def rep_settings_get(*, profile: RepProfile) -> RepSettings:
    organization = profile.team.organization
    offered = channels_offered(organization)
    off = set(profile.channels_off.split(","))
    return RepSettings(
        time_zone=profile.time_zone,
        delivery_hour=profile.delivery_hour,
        # A profile without days of its own follows the organization's.
        working_days=profile.working_days or organization.working_days,
        channels=[c for c in offered if c not in off],
        paused_from=profile.paused_from,
        paused_until=profile.paused_until,
        engagement_opt_out=profile.engagement_opt_out,
        channels_offered=offered,
        working_days_allowed=organization_working_days(organization),
        engagement_enabled=organization.engagement_enabled,
    )


def _channels_off(profile: RepProfile, chosen: Iterable[str], offered: list[str]):
    chosen = list(chosen)
    refused = [c for c in chosen if c not in offered]
    if refused:
        raise ValidationError(
            {
                "channels": _(
                    "Your organization does not deliver on %(names)s; choose from "
                    "%(offered)s."
                )
                % {"names": ", ".join(map(str, refused)), "offered": ", ".join(offered)}
            }
        )
    # A channel the organization does not offer now keeps the rep's choice.
    kept_off = set(profile.channels_off.split(",")) - set(offered)
    off = {c for c in offered if c not in chosen and c != WEB} | kept_off
    return ",".join(c for c in REP_OPTIONAL_CHANNELS if c in off)


def _check(profile: RepProfile, changes: Mapping[str, Any], today: dt.date) -> None:
    errors: dict[str, str] = {}
    allowed = organization_working_days(profile.team.organization)
    days = changes.get("working_days")
    if days and set(days) - set(allowed):
        errors["working_days"] = _(
            "Choose among your organization's working days (%(days)s)."
        ) % {"days": allowed}
    until = changes.get("paused_until")
    if until and until > today + dt.timedelta(days=PAUSE_MAX_DAYS):
        errors["paused_until"] = _(
            "A pause ends within a year (by %(day)s); ask your admin otherwise."
        ) % {"day": (today + dt.timedelta(days=PAUSE_MAX_DAYS)).isoformat()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
@audit_context(cause="rep settings")
def rep_settings_update(
    *, profile: RepProfile, changes: Mapping[str, Any], today: dt.date
) -> list[str]:
    """Apply the rep's own changes (keys of ``SETTABLE``); returns the fields changed.

    Validated as a whole: a bad time zone, a working day the organization
    does not work, a channel it does not offer or a pause ending before it
    starts raises ``ValidationError`` (by field) and changes nothing.
    ``today``: the rep's local date, for the pause's upper bound.
    """
    unknown = set(changes) - set(SETTABLE)
    if unknown:
        raise ValidationError(
            {k: _("This setting cannot be changed.") for k in unknown}
        )
    _check(profile, changes, today)
    values = {k: v for k, v in changes.items() if k != "channels"}
    if "channels" in changes:
        offered = channels_offered(profile.team.organization)
        values["channels_off"] = _channels_off(profile, changes["channels"], offered)
    changed = [k for k, v in values.items() if getattr(profile, k) != v]
    for name in changed:
        setattr(profile, name, values[name])
    if not changed:
        return []
    try:
        profile.full_clean(exclude=["user", "team"])
    except ValidationError as error:
        profile.refresh_from_db()  # the caller's instance as stored again
        raise ValidationError(
            {
                ("channels" if k == "channels_off" else k): v
                for k, v in error.message_dict.items()
            }
        ) from error
    profile.save(update_fields=[*changed, "updated_at"])
    return changed
