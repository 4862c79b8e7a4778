"""The normalized CRM events every way in produces (docs/revenue.md).

The webhook's adapters (generic, Salesforce, HubSpot) and the file import
turn what they receive into these; ``services.ingest`` applies a batch of
them. Pure: no ORM, so an adapter is tested on payloads alone.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# The models' column limits, checked while parsing so a long value is a
# per-event error rather than a database error (docs/revenue.md).
LIMITS = {
    "event_id": 200,
    "external_id": 120,
    "name": 255,
    "currency": 3,
    "pipeline": 120,
    "stage": 120,
    "email": 254,
    "owner_id": 120,
}
# Amount: 18 digits, 2 after the point (Opportunity.amount).
MAX_AMOUNT = Decimal("9999999999999999.99")
STAGE_KINDS = ("open", "won", "lost")


class EventInvalid(ValueError):
    """One event cannot be read; ``field`` names where."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class OwnerRef:
    """The CRM's owner of a deal: matched to a member by external id or email."""

    email: str = ""
    external_id: str = ""

    def label(self) -> str:
        return self.email or self.external_id


@dataclass(frozen=True)
class StageRef:
    """A stage as the CRM names it; ``kind`` is a hint for a stage not yet known."""

    name: str = ""
    external_id: str = ""
    kind: str = ""

    def label(self) -> str:
        return self.name or self.external_id


@dataclass(frozen=True)
class OpportunityEvent:
    """A deal created or changed; with a stage, possibly a stage change.

    ``fields`` holds only what the CRM sent (name, amount, currency, pipeline,
    created_in_crm_at, expected_close_on, closed_at): absent fields stay as
    they are.
    """

    event_id: str
    external_id: str
    occurred_at: dt.datetime
    fields: dict[str, Any] = field(default_factory=dict)
    owner: OwnerRef | None = None
    stage: StageRef | None = None
    stage_changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class LeadEvent:
    """A lead created or converted (lead-to-opportunity conversion)."""

    event_id: str
    external_id: str
    occurred_at: dt.datetime
    owner: OwnerRef | None = None
    created_in_crm_at: dt.datetime | None = None
    converted_at: dt.datetime | None = None
    opportunity_external_id: str = ""


Event = OpportunityEvent | LeadEvent


@dataclass(frozen=True)
class EventError:
    """An event of a batch that cannot be read: the batch is refused whole."""

    index: int
    event_id: str
    message: str


@dataclass
class ParsedBatch:
    """What an adapter read: the events, or the errors that refuse the batch."""

    events: list[Event] = field(default_factory=list)
    errors: list[EventError] = field(default_factory=list)


def text(value: Any, field_name: str, *, limit: str | None = None) -> str:
    """A string field, stripped; numbers are accepted as their text (ids)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise EventInvalid(field_name, "must be a string.")
    value = str(value).strip()
    maximum = LIMITS[limit or field_name]
    if len(value) > maximum:
        raise EventInvalid(field_name, f"is longer than {maximum} characters.")
    return value


def required(value: Any, field_name: str, *, limit: str | None = None) -> str:
    value = text(value, field_name, limit=limit)
    if not value:
        raise EventInvalid(field_name, "is required.")
    return value


def when(value: Any, field_name: str) -> dt.datetime | None:
    """An instant: ISO 8601 (Salesforce's +0000 too), or epoch milliseconds
    (HubSpot). A date alone is midnight UTC; a naive time is UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise EventInvalid(field_name, "is not a date and time.")
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise EventInvalid(field_name, "is out of range.") from None
    if not isinstance(value, str):
        raise EventInvalid(field_name, "is not a date and time.")
    raw = value.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) > 5 and raw[-5] in "+-" and raw[-3] != ":":  # +0000
        raw = f"{raw[:-2]}:{raw[-2:]}"
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise EventInvalid(field_name, f"is not a date and time: {value!r}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def day(value: Any, field_name: str) -> dt.date | None:
    """A date: ISO 8601 (a time part is dropped) or epoch milliseconds."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise EventInvalid(field_name, f"is not a date: {value!r}.") from None
    instant = when(value, field_name)
    return instant.date() if instant else None


def amount(value: Any, field_name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise EventInvalid(field_name, "is not a number.")
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise EventInvalid(field_name, f"is not a number: {value!r}.") from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise EventInvalid(field_name, "is out of range.")
    return number.quantize(Decimal("0.01"))


def stage_kind(value: Any, field_name: str) -> str:
    kind = text(value, field_name, limit="stage").lower()
    if kind and kind not in STAGE_KINDS:
        raise EventInvalid(field_name, "must be open, won or lost.")
    return kind
