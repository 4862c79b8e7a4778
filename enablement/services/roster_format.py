"""The roster CSV that import and export share: one person per row.

Columns: ``COLUMNS``. ``roster_parse`` turns the file's bytes into rows, or
raises RosterImportError listing every problem as ``row N: field: message``
(row 1 is the header), so a file is fixed in one pass.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.csv_safe import csv_cell_safe, csv_cell_unmark
from core.errors import ApplicationError
from enablement.models import validate_time_zone

COLUMNS = [
    "email", "first_name", "last_name", "team", "role", "time_zone",
    "delivery_hour", "working_days", "hired_on", "external_id",
]  # fmt: skip
ROLES = ("rep", "manager")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7
MAX_ROWS = 50_000
# NUL and the like: PostgreSQL refuses them in text, and no name needs them.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Lengths of the columns they are stored in (User, Team, Membership).
MAX_LENGTHS = {
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "team": 120,
    "external_id": 255,
}
# Export writes formula-leading cells behind a quote (core/csv_safe); import
# takes the quote off again.


class RosterImportError(ApplicationError):
    """The roster was rejected, nothing written; ``errors``: one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(
            code="invalid_roster",
            message="\n".join(errors),
            details={"errors": errors},
        )


@dataclass(frozen=True)
class RosterRow:
    """One valid row; None: the cell was empty (the stored value stays)."""

    row: int
    email: str
    team: str
    role: str
    first_name: str | None = None
    last_name: str | None = None
    time_zone: str | None = None
    delivery_hour: int | None = None
    working_days: str | None = None
    hired_on: dt.date | None = None
    external_id: str | None = None


def days_to_digits(text: str) -> str:
    """``mon,tue,wed`` -> ``123`` (ISO weekdays); ValueError names a bad day."""
    names = [d.strip().lower() for d in text.split(",") if d.strip()]
    unknown = [d for d in names if d not in DAYS]
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; use {','.join(DAYS)}")
    if len(set(names)) != len(names):
        raise ValueError("a day is repeated")
    if not names:
        raise ValueError("name at least one day, e.g. mon,tue,wed,thu,fri")
    return "".join(sorted(str(DAYS.index(d) + 1) for d in names))


def digits_to_days(digits: str) -> str:
    return ",".join(DAYS[int(d) - 1] for d in sorted(digits))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterImportError(
            ["file: the file is UTF-16 text; save it as CSV UTF-8 and upload again"]
        )
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterImportError(
            [
                f"file: not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
                f"{exc.start}); save it as CSV UTF-8 and upload again"
            ]
        ) from None


def _header_errors(header: list[str] | None) -> list[str]:
    if not header:
        return ["row 1: header: the file is empty; the first row names the columns"]
    errors = []
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [h for h in names if h not in COLUMNS]
    repeated = sorted({h for h in names if names.count(h) > 1})
    if missing:
        errors.append(f"row 1: header: missing columns: {', '.join(missing)}")
    if unknown:
        errors.append(f"row 1: header: unknown columns: {', '.join(unknown)}")
    if repeated:
        errors.append(f"row 1: header: repeated columns: {', '.join(repeated)}")
    if errors:
        errors.append(f"row 1: header: expected {','.join(COLUMNS)}")
    return errors


def _email(text: str):
    if not text:
        raise ValueError("required")
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"{text!r} is not an email address") from None
    return text.lower()


def _required(text: str):
    if not text:
        raise ValueError("required")
    return text


def _role(text: str):
    if text.lower() not in ROLES:
        raise ValueError(f"{text!r}: use rep or manager")
    return text.lower()


def _time_zone(text: str):
    try:
        validate_time_zone(text)
    except ValidationError:
        raise ValueError(
            f"{text!r} is not an IANA time zone such as Europe/Berlin"
        ) from None
    return text


def _hour(text: str):
    if not (text.isascii() and text.isdigit()) or int(text) > 23:
        raise ValueError(f"{text!r}: a whole hour from 0 to 23")
    return int(text)


def _date(text: str):
    # fromisoformat also takes 20240131 and week dates; a roster says YYYY-MM-DD.
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r}: a date as YYYY-MM-DD") from None


# Column -> converter of a non-empty cell (ValueError: the message); the
# email, team and role converters also see empty cells.
CONVERTERS = {
    "email": _email,
    "team": _required,
    "role": _role,
    "first_name": str,
    "last_name": str,
    "time_zone": _time_zone,
    "delivery_hour": _hour,
    "working_days": days_to_digits,
    "hired_on": _date,
    "external_id": str,
}
REQUIRED = ("email", "team", "role")


def _row_parse(number: int, cells: dict[str, str]) -> tuple[RosterRow | None, list]:
    values, errors = {}, []
    for name, convert in CONVERTERS.items():
        text = cells[name]
        if len(text) > MAX_LENGTHS.get(name, 255):
            errors.append(
                f"row {number}: {name}: at most {MAX_LENGTHS[name]} characters"
            )
            continue
        if CONTROL.search(text):
            errors.append(f"row {number}: {name}: contains a control character")
            continue
        if not text and name not in REQUIRED:
            continue  # empty: the stored value stays
        try:
            values[name] = convert(text)
        except ValueError as exc:
            errors.append(f"row {number}: {name}: {exc}")
    return (None if errors else RosterRow(row=number, **values)), errors


def _duplicates(rows: list[RosterRow]) -> list[str]:
    errors, seen = [], {}
    for row in rows:
        for name in ("email", "external_id"):
            value = getattr(row, name)
            if value is None:
                continue
            # Emails match case-insensitively, external ids exactly.
            key = value.lower() if name == "email" else value
            first = seen.setdefault((name, key), row.row)
            if first != row.row:
                errors.append(
                    f"row {row.row}: {name}: {value!r} is also in row {first}"
                )
    return errors


def roster_parse(data: bytes) -> list[RosterRow]:
    """Every row of a roster file, or RosterImportError with every problem."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterImportError(
            [f"row 1: header: not readable as CSV ({exc})"]
        ) from None
    errors = _header_errors(header)
    if errors:
        raise RosterImportError(errors)
    names = [h.strip() for h in header]
    rows: list[RosterRow] = []
    number = 1
    try:
        for number, record in enumerate(reader, start=2):
            if not any(c.strip() for c in record):
                continue  # a blank line
            if len(record) != len(names):
                errors.append(
                    f"row {number}: row: {len(record)} cells, the header has "
                    f"{len(names)}"
                )
                continue
            cells = {
                n: csv_cell_unmark(c.strip())
                for n, c in zip(names, record, strict=True)
            }
            row, row_errors = _row_parse(number, cells)
            errors += row_errors
            if row is not None:
                rows.append(row)
            if number > MAX_ROWS + 1:
                errors.append(f"row {number}: row: at most {MAX_ROWS} people a file")
                break
    except csv.Error as exc:
        errors.append(f"row {number + 1}: row: not readable as CSV ({exc})")
    if not rows and not errors:
        errors.append("row 2: row: the roster lists nobody")
    errors += _duplicates(rows)
    if errors:
        raise RosterImportError(errors)
    return rows


def roster_dump(records: list[dict[str, str]]) -> str:
    """The CSV text of rows given as column -> text, cells neutralized."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([csv_cell_safe(record.get(c) or "") for c in COLUMNS])
    return out.getvalue()
