"""Salesforce payloads (docs/revenue.md, "Wiring Salesforce").

- **JSON** from a record-triggered Flow's HTTP callout or Apex
  (``JSON.serialize`` of Opportunity records): one record, a list of them, or
  ``{"records": [...]}``; fields by their API names (``Id``, ``Name``,
  ``StageName``, ``Amount``, ``CurrencyIsoCode``, ``CloseDate``,
  ``CreatedDate``, ``IsClosed``, ``IsWon``, ``OwnerId``, ``Owner.Email``,
  ``LastStageChangeDate``, ``SystemModstamp``/``LastModifiedDate``).
- **An outbound message** (SOAP ``notifications`` of Opportunity objects, up
  to 100 per message): each ``Notification``'s ``Id`` is its event id, the
  one Salesforce keeps when it retries; read with defusedxml (no entities,
  no external references).
"""

from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

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

OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
FIELDS = (
    ("Name", "name", lambda v, f: text(v, f, limit="name")),
    ("Amount", "amount", amount),
    ("CurrencyIsoCode", "currency", lambda v, f: text(v, f, limit="currency")),
    ("CreatedDate", "created_in_crm_at", when),
    ("CloseDate", "expected_close_on", day),
)


def is_outbound_message(body: bytes) -> bool:
    return body.lstrip()[:1] == b"<"


def parse(body: bytes) -> ParsedBatch:
    if is_outbound_message(body):
        return _outbound(body)
    data = json_load(body)
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    records = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) for r in records):
        raise PayloadInvalid("Expected Opportunity records (JSON objects).")
    return collect(records, _record, lambda r: r.get("Id"))


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _record(record: dict, event_id: str | None = None) -> OpportunityEvent:
    record = mapping(record, "record")
    deal = required(record.get("Id"), "Id", limit="external_id")
    modified = when(
        record.get("SystemModstamp") or record.get("LastModifiedDate"),
        "SystemModstamp",
    )
    stage_at = when(record.get("LastStageChangeDate"), "LastStageChangeDate")
    occurred_at = modified or stage_at
    if occurred_at is None:
        raise EventInvalid("SystemModstamp", "or LastModifiedDate is required.")
    fields = {
        target: read(record[key], key) for key, target, read in FIELDS if key in record
    }
    kind = ""
    if "IsClosed" in record:
        kind = "won" if _flag(record.get("IsWon")) else "lost"
        kind = kind if _flag(record.get("IsClosed")) else "open"
    owner = record.get("Owner")
    email = owner.get("Email") if isinstance(owner, dict) else None
    owner_ref = OwnerRef(
        email=text(email, "Owner.Email", limit="email"),
        external_id=text(record.get("OwnerId"), "OwnerId", limit="owner_id"),
    )
    stage = text(record.get("StageName"), "StageName", limit="stage")
    stamp = occurred_at.isoformat()
    return OpportunityEvent(
        event_id=event_id or f"sf:{deal}:{stage}:{stamp}"[:200],
        external_id=deal,
        occurred_at=occurred_at,
        fields=fields,
        owner=owner_ref if owner_ref.label() else None,
        stage=StageRef(name=stage, kind=kind) if stage else None,
        stage_changed_at=stage_at or occurred_at,
    )


def _outbound(body: bytes) -> ParsedBatch:
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise PayloadInvalid(f"The outbound message is not XML: {error}.") from None
    notifications = root.iter(f"{OUTBOUND}Notification")
    items = [_notification(n) for n in notifications]
    if not items:
        raise PayloadInvalid("The outbound message has no Notification.")
    return collect(items, _notification_record, lambda item: item[0])


def _notification_record(item: tuple[str, dict]) -> OpportunityEvent:
    notification_id, record = item
    if not notification_id:
        raise EventInvalid("Notification.Id", "is required.")
    return _record(record, f"sf-om:{notification_id}"[:200])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _notification(element) -> tuple[str, dict]:
    notification_id = element.findtext(f"{OUTBOUND}Id") or ""
    sobject = element.find(f"{OUTBOUND}sObject")
    record = {}
    if sobject is not None:
        record = {_local(child.tag): (child.text or "") for child in sobject}
    return (notification_id.strip(), record)
