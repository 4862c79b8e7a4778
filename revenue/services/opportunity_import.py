"""Import opportunities and their stage history from a CSV file
(docs/revenue.md, "Files"): a Salesforce "Opportunity History" report export,
a HubSpot deals export, or the generic layout.

Every row becomes normalized events with ids derived from the row's content,
then one ``crm_batch_ingest``: the whole file or nothing, and importing the
same file again is all duplicates. A file with any bad row is refused with
every error as ``row N: field: message`` (N: the line in the file).
"""

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from core.csv_safe import csv_cell_unmark
from enablement.models import Organization
from revenue.events import (
    EventInvalid,
    OpportunityEvent,
    OwnerRef,
    StageRef,
    amount,
    day,
    required,
    text,
    when,
)
from revenue.services.ingest import BatchResult, crm_batch_ingest

# A file of more rows is refused: ~60 MB, the size an admin upload allows.
MAX_ROWS = 200_000
MAX_ERRORS = 50  # listed; the count is always whole
FORMATS = ("generic", "salesforce", "hubspot")
# Report exports write dates in the exporting user's locale; these are read
# besides ISO 8601 (set the locale to English (United States) or ISO).
DATE_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d %H:%M")
# A column: its header in each layout (aliases allowed), by what it holds.
COLUMNS = {
    "generic": {
        "id": ("opportunity_id",),
        "name": ("name",),
        "owner_email": ("owner_email",),
        "owner_id": ("owner_id",),
        "stage": ("stage",),
        "stage_changed_at": ("stage_changed_at",),
        "amount": ("amount",),
        "currency": ("currency",),
        "pipeline": ("pipeline",),
        "created_at": ("created_at",),
        "expected_close": ("expected_close",),
    },
    "salesforce": {
        "id": ("Opportunity ID", "Opportunity ID (18)"),
        "name": ("Opportunity Name",),
        "owner_email": ("Owner Email", "Opportunity Owner: Email"),
        "owner_id": ("Owner ID", "Opportunity Owner ID"),
        "stage": ("To Stage", "Stage"),
        "stage_changed_at": ("Last Modified", "Edit Date"),
        "amount": ("Amount",),
        "currency": ("Opportunity Currency", "Currency"),
        "pipeline": ("Opportunity Record Type",),
        "created_at": ("Created Date",),
        "expected_close": ("Close Date",),
    },
    "hubspot": {
        "id": ("Record ID",),
        "name": ("Deal Name",),
        "owner_email": ("Deal owner email", "Owner Email"),
        "owner_id": ("Deal owner ID", "Deal owner"),
        "stage": ("Deal Stage",),
        "stage_changed_at": ("Last Modified Date",),
        "amount": ("Amount",),
        "currency": ("Currency",),
        "pipeline": ("Pipeline",),
        "created_at": ("Create Date",),
        "expected_close": ("Close Date",),
    },
}
REQUIRED = ("id", "stage", "stage_changed_at")
# HubSpot's per-stage columns: Date entered "Appointment Scheduled (Sales Pipeline)".
HUBSPOT_ENTERED = re.compile(
    r'^Date entered "(?P<stage>.+?)(?: \((?P<pipeline>.+)\))?"$'
)


class OpportunityImportError(Exception):
    """The file is refused whole; ``errors``: ``row N: field: message``."""

    def __init__(self, errors: list[str], total: int | None = None):
        self.errors = errors[:MAX_ERRORS]
        self.total = total if total is not None else len(errors)
        super().__init__("; ".join(self.errors))


def _instant(value: str, field_name: str) -> dt.datetime | None:
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return when(value, field_name)


def _day(value: str, field_name: str) -> dt.date | None:
    instant = _instant(value, field_name) if "/" in value else None
    return instant.date() if instant else day(value, field_name)


def _rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OpportunityImportError([_("row 1: file: is not UTF-8 text.")]) from None
    try:
        reader = csv.DictReader(io.StringIO(content, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise OpportunityImportError(
                    [_("row %d: file: more than %d rows.") % (MAX_ROWS + 2, MAX_ROWS)]
                )
            rows.append(row)
    except csv.Error as error:
        raise OpportunityImportError(
            [f"row {reader.line_num}: file: {error}."]
        ) from None
    if not header:
        raise OpportunityImportError([_("row 1: file: is empty.")])
    return header, rows


def _columns(layout: str, header: list[str]) -> dict[str, str]:
    found = {}
    for key, names in COLUMNS[layout].items():
        for name in names:
            if name in header:
                found[key] = name
                break
    missing = [COLUMNS[layout][key][0] for key in REQUIRED if key not in found]
    if missing:
        raise OpportunityImportError(
            [f"row 1: {name}: {_('the column is missing.')}" for name in missing]
        )
    return found


def _cell(row: dict, columns: dict[str, str], key: str) -> str:
    value = row.get(columns.get(key, ""), "") if key in columns else ""
    return csv_cell_unmark((value or "").strip()) if isinstance(value, str) else ""


def _row_events(
    row: dict, columns: dict, layout: str, header: list[str]
) -> list[OpportunityEvent]:
    cell: Callable[[str], str] = lambda key: _cell(row, columns, key)  # noqa: E731
    deal = required(cell("id"), columns["id"], limit="external_id")
    changed_at = _instant(cell("stage_changed_at"), columns["stage_changed_at"])
    if changed_at is None:
        raise EventInvalid(columns["stage_changed_at"], "is required.")
    readers = {
        "name": lambda v, f: text(v, f, limit="name"),
        "amount": amount,
        "currency": lambda v, f: text(v, f, limit="currency").upper(),
        "pipeline": lambda v, f: text(v, f, limit="pipeline"),
        "created_at": _instant,
        "expected_close": _day,
    }
    targets = {"created_at": "created_in_crm_at", "expected_close": "expected_close_on"}
    fields = {
        targets.get(key, key): read(cell(key), columns[key])
        for key, read in readers.items()
        if key in columns and cell(key)
    }
    email = text(
        cell("owner_email"), columns.get("owner_email", "owner_email"), limit="email"
    )
    owner_id = text(
        cell("owner_id"), columns.get("owner_id", "owner_id"), limit="owner_id"
    )
    owner = OwnerRef(email=email, external_id=owner_id) if email or owner_id else None
    stage = StageRef(name=required(cell("stage"), columns["stage"], limit="stage"))
    events = [
        _event(deal, changed_at, fields=fields, owner=owner, stage=stage, layout=layout)
    ]
    if layout == "hubspot":
        events = _hubspot_entries(row, header, deal, layout) + events
    return events


def _hubspot_entries(row: dict, header: list[str], deal: str, layout: str) -> list:
    entries = []
    for column in header:
        match = HUBSPOT_ENTERED.match(column)
        value = (row.get(column) or "").strip()
        if match and value:
            at = _instant(value, column)
            stage = StageRef(name=text(match["stage"], column, limit="stage"))
            entries.append(_event(deal, at, stage=stage, layout=layout))
    return sorted(entries, key=lambda e: e.occurred_at)


def _event(
    deal: str, at: dt.datetime, *, layout: str, fields=None, owner=None, stage=None
):
    """An event whose id is its content: the same row imported again is a duplicate."""
    fields = fields or {}
    identity = repr((deal, at.isoformat(), sorted(fields.items()), owner, stage))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return OpportunityEvent(
        event_id=f"csv:{layout}:{deal}:{digest}"[:200],
        external_id=deal,
        occurred_at=at,
        fields=fields,
        owner=owner,
        stage=stage,
        stage_changed_at=at,
    )


def opportunity_file_read(*, data: bytes, layout: str) -> list[OpportunityEvent]:
    """The file's events, oldest first, or OpportunityImportError with every bad row."""
    if layout not in FORMATS:
        raise OpportunityImportError(
            [f"row 1: format: {layout!r} is not one of {FORMATS}."]
        )
    header, rows = _rows(data)
    columns = _columns(layout, header)
    events, errors = [], []
    for number, row in enumerate(rows, start=2):
        try:
            events += _row_events(row, columns, layout, header)
        except EventInvalid as error:
            errors.append(f"row {number}: {error.field}: {error.message}")
    if errors:
        raise OpportunityImportError(errors)
    return sorted(events, key=lambda e: e.occurred_at)


def opportunity_import(
    *,
    organization: Organization,
    data: bytes,
    layout: str,
    now: dt.datetime,
    dry_run: bool = False,
) -> BatchResult:
    """Import the file in one transaction (``dry_run``: report, then roll back)."""
    events = opportunity_file_read(data=data, layout=layout)
    return crm_batch_ingest(
        organization=organization,
        events=events,
        source="csv",
        now=now,
        dry_run=dry_run,
    )
