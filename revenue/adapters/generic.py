"""The generic JSON shape (docs/revenue.md, "Webhook"):

{"events": [{"id": "evt-1", "type": "opportunity", "occurred_at": "...",
             "opportunity": {"id": "006A", "name": ..., "stage": ...}},
            {"id": "evt-2", "type": "lead", "occurred_at": "...",
             "lead": {"id": "L-1", ...}}]}
"""

from typing import Any

from revenue.adapters import PayloadInvalid
from revenue.adapters.common import collect, json_load, mapping
from revenue.events import (
    EventInvalid,
    LeadEvent,
    OpportunityEvent,
    OwnerRef,
    ParsedBatch,
    StageRef,
    amount,
    day,
    required,
    stage_kind,
    text,
    when,
)

TYPES = ("opportunity", "lead")
# Optional deal fields: (the JSON key, the model field, the reader).
OPPORTUNITY_FIELDS = (
    ("name", "name", lambda v, f: text(v, f, limit="name")),
    ("amount", "amount", amount),
    ("currency", "currency", lambda v, f: text(v, f, limit="currency").upper()),
    ("pipeline", "pipeline", lambda v, f: text(v, f, limit="pipeline")),
    ("created_at", "created_in_crm_at", when),
    ("expected_close", "expected_close_on", day),
    ("closed_at", "closed_at", when),
)


def parse(body: bytes) -> ParsedBatch:
    data = json_load(body)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise PayloadInvalid('Expected an object with an "events" list.')
    return collect(data["events"], event_read, lambda item: item.get("id"))


def event_read(item: Any) -> OpportunityEvent | LeadEvent:
    item = mapping(item, "event")
    event_id = required(item.get("id"), "id", limit="event_id")
    occurred_at = when(item.get("occurred_at"), "occurred_at")
    if occurred_at is None:
        raise EventInvalid("occurred_at", "is required.")
    kind = item.get("type")
    if kind not in TYPES:
        raise EventInvalid("type", "must be opportunity or lead.")
    if kind == "lead":
        return _lead(event_id, occurred_at, mapping(item.get("lead"), "lead"))
    return _opportunity(
        event_id, occurred_at, mapping(item.get("opportunity"), "opportunity")
    )


def owner_read(value: Any, field_name: str = "owner") -> OwnerRef | None:
    if value is None:
        return None
    if isinstance(value, str):
        return OwnerRef(email=text(value, field_name, limit="email"))
    value = mapping(value, field_name)
    return OwnerRef(
        email=text(value.get("email"), f"{field_name}.email", limit="email"),
        external_id=text(value.get("id"), f"{field_name}.id", limit="owner_id"),
    )


def stage_read(value: Any, field_name: str = "stage") -> StageRef | None:
    if value is None:
        return None
    if isinstance(value, str):
        return StageRef(name=required(value, field_name, limit="stage"))
    value = mapping(value, field_name)
    ref = StageRef(
        name=text(value.get("name"), f"{field_name}.name", limit="stage"),
        external_id=text(value.get("id"), f"{field_name}.id", limit="stage"),
        kind=stage_kind(value.get("kind"), f"{field_name}.kind"),
    )
    if not ref.label():
        raise EventInvalid(field_name, "needs a name or an id.")
    return ref


def _opportunity(event_id, occurred_at, data: dict) -> OpportunityEvent:
    fields = {
        target: read(data[key], f"opportunity.{key}")
        for key, target, read in OPPORTUNITY_FIELDS
        if key in data
    }
    return OpportunityEvent(
        event_id=event_id,
        external_id=required(data.get("id"), "opportunity.id", limit="external_id"),
        occurred_at=occurred_at,
        fields=fields,
        owner=owner_read(data.get("owner"), "opportunity.owner"),
        stage=stage_read(data.get("stage"), "opportunity.stage"),
        stage_changed_at=when(
            data.get("stage_changed_at"), "opportunity.stage_changed_at"
        ),
    )


def _lead(event_id, occurred_at, data: dict) -> LeadEvent:
    return LeadEvent(
        event_id=event_id,
        external_id=required(data.get("id"), "lead.id", limit="external_id"),
        occurred_at=occurred_at,
        owner=owner_read(data.get("owner"), "lead.owner"),
        created_in_crm_at=when(data.get("created_at"), "lead.created_at"),
        converted_at=when(data.get("converted_at"), "lead.converted_at"),
        opportunity_external_id=text(
            data.get("opportunity_id"), "lead.opportunity_id", limit="external_id"
        ),
    )
