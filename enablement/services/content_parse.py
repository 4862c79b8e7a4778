"""Read a content file, YAML or CSV, into plain data: the items of each section.

Each item keeps where it stood in ``_loc`` ("questions[2] (line 14)", "row 5")
for the error messages, and carries only the fields the file gives: a field a
file leaves out keeps its stored value. An item that is not a mapping is kept
whole as ``_bad``. Problems of the file itself (encoding, size, syntax,
duplicate keys, unknown columns) are raised here; checking the items is
``content_validate``'s work.
"""

import csv
import difflib
import io
import re
from typing import Any

import yaml

from core.csv_safe import csv_cell_unmark
from enablement.models import MAX_CHOICES
from enablement.services.content_format import (
    CSV_COLUMNS,
    SECTIONS,
    ContentData,
    ContentImportError,
    file_size_errors,
    is_csv,
)
from enablement.services.content_yaml import YamlSource, yaml_load

CSV_REQUIRED_COLUMNS = ("methodology", "module", "topic", "key", "stem", "correct")
# The columns a row names its methodology, topic and module by, and the
# fields of that item the other columns give.
_CSV_PARENTS = (
    ("methodologies", "methodology", {"methodology_name": "name"}),
    ("topics", "topic", {"topic_name": "name"}),
    (
        "modules",
        "module",
        {
            "methodology": "methodology",
            "module_name": "name",
            "module_position": "position",
        },
    ),
)


def content_decode(*, name: str, raw: bytes) -> str:
    """Decode an uploaded file as UTF-8 (a byte-order mark is allowed)."""
    errors = file_size_errors(name=name, size=len(raw))
    if errors:
        raise ContentImportError(errors)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentImportError(
            [
                f"{name}: line {line}: (file): not UTF-8 text (byte 0x{raw[exc.start]:02x}"
                f" at offset {exc.start}); save the file as UTF-8 (in Excel: CSV UTF-8)"
            ]
        ) from exc


def content_parse(*, name: str, text: str) -> ContentData:
    """Parse YAML or CSV text (by file extension) into the common structure."""
    errors = file_size_errors(name=name, size=len(text.encode("utf-8", "replace")))
    if errors:
        raise ContentImportError(errors)
    if is_csv(name):
        return _parse_csv(name, text)
    return _parse_yaml(name, text)


def _nul_errors(name: str, text: str) -> list[str]:
    return [
        f"{name}: line {n}: (text): contains a NUL character (\\x00), which cannot be"
        " stored; remove it"
        for n, line in enumerate(text.split("\n"), start=1)
        if "\x00" in line
    ]


def _parse_yaml(name: str, text: str) -> ContentData:
    errors = _nul_errors(name, text)
    if errors:
        raise ContentImportError(errors)
    try:
        source, duplicates = yaml_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ContentImportError(
            [f"{name}: {where}: (syntax): not valid YAML ({exc})"]
        ) from exc
    if duplicates:
        raise ContentImportError(
            [f"{name}: line {line}: (key): {message}" for line, message in duplicates]
        )
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        raise ContentImportError(
            [f"{name}: line 1: (file): the top level must be a mapping of sections"]
        )
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ContentImportError(
            [
                f"{name}: line {source.line(data) or 1}: {section}: unknown section;"
                f" the sections are {', '.join(SECTIONS)}"
                for section in sorted(map(str, unknown))
            ]
        )
    return {
        section: _yaml_items(name, source, section, data.get(section))
        for section in SECTIONS
    }


def _yaml_items(
    name: str, source: YamlSource, section: str, items: Any
) -> list[dict[str, Any]]:
    items = items or []
    if not isinstance(items, list):
        raise ContentImportError(
            [
                f"{name}: {section}: (section): must be a list of items (each '- key: ...')"
            ]
        )
    return [_yaml_item(source, item, f"{section}[{i}]") for i, item in enumerate(items)]


def _yaml_item(source: YamlSource, item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"_bad": item, "_loc": where}
    line = source.line(item)
    out = {**item, "_loc": f"{where} (line {line})", "_written": source.written(item)}
    choices = item.get("choices")
    if isinstance(choices, list):
        out["choices"] = [
            {**c, "_written": source.written(c)} if isinstance(c, dict) else c
            for c in choices
        ]
    return out


def _parse_csv(name: str, text: str) -> ContentData:
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip() for cell in next(rows, [])]
    errors = _csv_header_errors(name, header)
    if errors:
        raise ContentImportError(errors)
    parents: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in SECTIONS[:-1]}
    questions = []
    for row_number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line
        loc = f"row {row_number}"
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            errors.append(
                f"{name}: {loc}: (row): has {len(cells)} cells but the header names"
                f" {len(header)} columns"
            )
            continue
        row = {
            column: csv_cell_unmark(cell.strip())
            for column, cell in zip(header, cells, strict=False)
        }
        row.update({c: "" for c in header[len(cells) :]})
        errors += _csv_parents(name, parents, row, loc)
        question, question_errors = _csv_question(name, row, loc)
        errors += question_errors
        questions.append(question)
    if errors:
        raise ContentImportError(errors)
    return {
        **{section: list(items.values()) for section, items in parents.items()},
        "questions": questions,
    }


def _csv_header_errors(name: str, header: list[str]) -> list[str]:
    """Every column must be known, named once; the required ones must be there."""
    errors, seen = [], set()
    for number, column in enumerate(header, start=1):
        if not column:
            errors.append(f"{name}: row 1: column {number}: has no name")
        elif column not in CSV_COLUMNS:
            errors.append(f"{name}: row 1: {column}: {_unknown_column(column)}")
        elif column in seen:
            errors.append(f"{name}: row 1: {column}: the column appears twice")
        seen.add(column)
    errors += [
        f"{name}: row 1: {column}: missing column"
        for column in CSV_REQUIRED_COLUMNS
        if column not in seen
    ]
    return errors


def _unknown_column(column: str) -> str:
    if re.fullmatch(r"(choice|feedback)_\d+", column):
        return f"unknown column; a question has at most {MAX_CHOICES} choices"
    close = difflib.get_close_matches(column, CSV_COLUMNS, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown column; {hint}the columns are in enablement/content/FORMAT.md"


def _csv_parents(
    name: str, parents: dict[str, dict[str, dict[str, Any]]], row: dict, loc: str
) -> list[str]:
    """Record the methodology, topic and module a row names; refuse a contradiction.

    A blank cell says nothing: a new item's name defaults to its key, and a
    stored item keeps what it has.
    """
    errors = []
    for section, key_column, columns in _CSV_PARENTS:
        key = row[key_column]
        if not key:
            continue
        item = parents[section].setdefault(
            key, {"key": key, "_loc": loc, "_defaults": {"name": key}}
        )
        for column, field in columns.items():
            value = row.get(column, "")
            if not value:
                continue
            if field in item and item[field] != value:
                errors.append(
                    f"{name}: {loc}: {column}: {value!r} differs from {item[field]!r}"
                    f" given for {key_column} {key!r} in an earlier row"
                )
            item.setdefault(field, value)
    return errors


def _csv_correct(cell: str) -> set[int] | None:
    """Read the choice numbers a "correct" cell lists ("2", "1;3"); None if not numbers."""
    try:
        return {int(x) for x in re.split(r"[;, ]+", cell) if x}
    except ValueError:
        return None


def _csv_question(name: str, row: dict[str, str], loc: str) -> tuple[dict, list[str]]:
    """The question a row gives, with only the fields its columns carry."""
    question: dict[str, Any] = {
        "key": row["key"],
        "module": row["module"],
        "topic": row["topic"],
        "stem": row["stem"],
        "_loc": loc,
    }
    for column in ("type", "status"):
        if row.get(column):  # blank: a new question's default, a stored one's value
            question[column] = row[column]
    for column in ("explanation", "reference_url"):
        if column in row:
            question[column] = row[column]
    errors = []
    correct = _csv_correct(row["correct"])
    if correct is None:
        errors.append(f"{name}: {loc}: correct: list choice numbers such as 2 or 1;3")
        correct = set()
    question["choices"] = []
    for i in range(1, MAX_CHOICES + 1):
        text, feedback = row.get(f"choice_{i}", ""), row.get(f"feedback_{i}", "")
        if text:
            question["choices"].append(
                {"text": text, "correct": i in correct, "feedback": feedback}
            )
        elif feedback:
            errors.append(f"{name}: {loc}: feedback_{i}: choice_{i} is empty")
        elif i in correct:
            errors.append(f"{name}: {loc}: correct: choice_{i} is empty")
    errors += [
        f"{name}: {loc}: correct: there is no choice {i}"
        for i in sorted(correct)
        if not 1 <= i <= MAX_CHOICES
    ]
    return question, errors
