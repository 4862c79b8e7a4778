"""HubSpot payloads (docs/revenue.md, "Wiring HubSpot").

Two shapes, told apart by the body:

- a **Webhooks API** batch (a JSON array, up to 100 events per request):
  ``[{"eventId", "subscriptionId", "portalId", "occurredAt" (epoch ms),
  "subscriptionType": "deal.creation" | "deal.propertyChange", "objectId",
  "propertyName", "propertyValue", ...}]``;
- a **workflow "Send a webhook"** body of a deal-based workflow (one deal):
  ``{"objectId", "portalId"?, "properties": {"dealstage": ..., ...}}``, each
  property either its value or ``{"value": ..., "timestamp": ...}`` (the
  legacy workflow format).

A deal's stage is HubSpot's internal stage id (``appointmentscheduled``,
``closedwon``, or a number in a custom pipeline): match it through the
stage's CRM key. ``hubspot_owner_id`` is matched to a member's external id.
"""

from typing import Any

from revenue.adapters import PayloadInvalid
from revenue.adapters.common import collect, json_load, mapping
from revenue.events import (
    EventInvalid,
    OpportunityEvent,
    OwnerRef,
    ParsedBatch,
    StageRef,
    amount,
    day,
    required,
    text,
    when,
)

# HubSpot's default pipeline's closing stages; in a custom pipeline set the
# stage's kind in admin.
KIND_OF_STAGE = {"closedwon": "won", "closedlost": "lost"}
DEAL_TYPES = ("deal.creation", "deal.propertyChange")
# A deal property: the model field and its reader.
PROPERTIES = {
    "dealname": ("name", lambda v, f: text(v, f, limit="name")),
    "amount": ("amount", amount),
    "deal_currency_code": ("currency", lambda v, f: text(v, f, limit="currency")),
    "pipeline": ("pipeline", lambda v, f: text(v, f, limit="pipeline")),
    "createdate": ("created_in_crm_at", when),
    "closedate": ("expected_close_on", day),
}


def parse(body: bytes) -> ParsedBatch:
    data = json_load(body)
    if isinstance(data, list):
        return collect(data, _webhook_event, lambda item: item.get("eventId"))
    if isinstance(data, dict) and "objectId" in data:
        return collect([data], _workflow_deal, lambda item: item.get("objectId"))
    raise PayloadInvalid(
        "Expected a HubSpot webhook batch (a list) or a workflow deal (objectId)."
    )


def _stage(value: Any, field_name: str) -> StageRef:
    stage = required(value, field_name, limit="stage")
    return StageRef(external_id=stage, kind=KIND_OF_STAGE.get(stage, ""))


def _webhook_event(item: Any) -> OpportunityEvent:
    item = mapping(item, "event")
    kind = item.get("subscriptionType")
    if kind not in DEAL_TYPES:
        raise EventInvalid("subscriptionType", f"{kind!r} is not a deal event.")
    deal = required(item.get("objectId"), "objectId", limit="external_id")
    occurred_at = when(item.get("occurredAt"), "occurredAt")
    if occurred_at is None:
        raise EventInvalid("occurredAt", "is required.")
    # HubSpot does not promise eventId is unique on its own: the deal, the
    # property and the instant make the delivery's identity.
    parts = [
        "hs",
        text(item.get("portalId"), "portalId", limit="owner_id"),
        deal,
        text(item.get("propertyName"), "propertyName", limit="stage"),
        str(item.get("occurredAt")),
        text(item.get("eventId"), "eventId", limit="owner_id"),
    ]
    event = OpportunityEvent(
        event_id=":".join(parts)[:200], external_id=deal, occurred_at=occurred_at
    )
    if kind == "deal.creation":
        return OpportunityEvent(**{**event.__dict__, "fields": {}})
    return _property(event, item.get("propertyName"), item.get("propertyValue"))


def _property(event: OpportunityEvent, name: Any, value: Any) -> OpportunityEvent:
    values = dict(event.__dict__)
    if name == "dealstage":
        values["stage"] = _stage(value, "propertyValue")
    elif name == "hubspot_owner_id":
        values["owner"] = OwnerRef(
            external_id=text(value, "propertyValue", limit="owner_id")
        )
    elif name in PROPERTIES:
        target, read = PROPERTIES[name]
        values["fields"] = {target: read(value, "propertyValue")}
    else:
        raise EventInvalid("propertyName", f"{name!r} is not a deal property read.")
    return OpportunityEvent(**values)


def _value(prop: Any) -> Any:
    return prop.get("value") if isinstance(prop, dict) else prop


def _workflow_deal(item: dict) -> OpportunityEvent:
    deal = required(item.get("objectId"), "objectId", limit="external_id")
    props = mapping(item.get("properties", {}), "properties")
    stage_prop = props.get("dealstage")
    stage_at = when(
        stage_prop.get("timestamp") if isinstance(stage_prop, dict) else None,
        "properties.dealstage.timestamp",
    )
    modified = when(
        _value(props.get("hs_lastmodifieddate")), "properties.hs_lastmodifieddate"
    )
    occurred_at = stage_at or modified
    if occurred_at is None:
        raise EventInvalid(
            "properties.hs_lastmodifieddate",
            "is required (when the deal changed) unless dealstage has a timestamp.",
        )
    fields = {
        target: read(_value(props[name]), f"properties.{name}")
        for name, (target, read) in PROPERTIES.items()
        if name in props
    }
    owner_id = text(
        _value(props.get("hubspot_owner_id")),
        "properties.hubspot_owner_id",
        limit="owner_id",
    )
    owner_email = text(
        _value(props.get("hubspot_owner_email")),
        "properties.hubspot_owner_email",
        limit="email",
    )
    stage = _stage(_value(stage_prop), "properties.dealstage") if stage_prop else None
    stamp = int(occurred_at.timestamp() * 1000)
    event_id = (
        f"hs-wf:{item.get('portalId', '')}:{deal}:{stage and stage.label()}:{stamp}"
    )
    return OpportunityEvent(
        event_id=event_id[:200],
        external_id=deal,
        occurred_at=occurred_at,
        fields=fields,
        owner=OwnerRef(email=owner_email, external_id=owner_id)
        if owner_id or owner_email
        else None,
        stage=stage,
        stage_changed_at=stage_at or modified,
    )
