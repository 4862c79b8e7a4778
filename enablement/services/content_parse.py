"""Parse a content file, YAML or CSV, into plain data: the items of each section.

Each item keeps where it stood in ``_loc`` ("questions[2]", "row 5") for the
error messages; an item that is not a mapping is kept whole as ``_bad``.
Checking the items is ``content_validate``'s work.
"""

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import yaml

from enablement.models import MAX_CHOICES, Question
from enablement.services.content_format import (
    SECTIONS,
    ContentData,
    ContentImportError,
    is_csv,
)

CSV_REQUIRED_COLUMNS = frozenset(
    {"methodology", "module", "topic", "key", "stem", "correct"}
)


def content_parse(*, name: str, text: str) -> ContentData:
    """Parse YAML or CSV text (by file extension) into the common structure."""
    if is_csv(name):
        return _parse_csv(name, text)
    return _parse_yaml(name, text)


def _parse_yaml(name: str, text: str) -> ContentData:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise ContentImportError([f"{name}: {where}: not valid YAML ({exc})"]) from exc
    if not isinstance(data, dict):
        raise ContentImportError(
            [f"{name}: the top level must be a mapping of sections"]
        )
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ContentImportError(
            [f"{name}: unknown top-level section(s): {', '.join(sorted(unknown))}"]
        )
    return {
        section: _yaml_items(name, section, data.get(section)) for section in SECTIONS
    }


def _yaml_items(name: str, section: str, items: Any) -> list[dict[str, Any]]:
    items = items or []
    if not isinstance(items, list):
        raise ContentImportError([f"{name}: {section}: must be a list"])
    return [
        {**item, "_loc": f"{section}[{i}]"}
        if isinstance(item, dict)
        else {"_bad": item, "_loc": f"{section}[{i}]"}
        for i, item in enumerate(items)
    ]


def _parse_csv(name: str, text: str) -> ContentData:
    reader = csv.DictReader(io.StringIO(text))
    missing = CSV_REQUIRED_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise ContentImportError(
            [f"{name}: row 1: missing column(s): {', '.join(sorted(missing))}"]
        )
    # A row names its methodology, topic and module; the first row that
    # names one defines it.
    parents: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in SECTIONS[:-1]}
    questions, errors = [], []
    for loc, row in _csv_rows(reader):
        for section, item in _csv_parents(row, loc):
            parents[section].setdefault(item["key"], item)
        correct = _csv_correct(row["correct"])
        if correct is None:
            errors.append(
                f"{name}: {loc}: correct: list choice numbers such as 2 or 1;3"
            )
        questions.append(_csv_question(row, correct or set(), loc))
    if errors:
        raise ContentImportError(errors)
    return {
        **{section: list(items.values()) for section, items in parents.items()},
        "questions": questions,
    }


def _csv_rows(reader: csv.DictReader) -> Iterator[tuple[str, dict[str, str]]]:
    """Each row's location and its cells, stripped (a missing cell is blank)."""
    for row_number, cells in enumerate(reader, start=2):
        yield f"row {row_number}", {k: (v or "").strip() for k, v in cells.items() if k}


def _csv_parents(row: dict[str, str], loc: str) -> list[tuple[str, dict[str, Any]]]:
    """The methodology, topic and module a row names (those its cells name)."""
    parents = [
        (
            "methodologies",
            {
                "key": row["methodology"],
                "name": row.get("methodology_name") or row["methodology"],
                "_loc": loc,
            },
        ),
        (
            "topics",
            {
                "key": row["topic"],
                "name": row.get("topic_name") or row["topic"],
                "_loc": loc,
            },
        ),
        (
            "modules",
            {
                "key": row["module"],
                "methodology": row["methodology"],
                "name": row.get("module_name") or row["module"],
                "position": row.get("module_position") or 1,
                "_loc": loc,
            },
        ),
    ]
    return [(section, item) for section, item in parents if item["key"]]


def _csv_correct(cell: str) -> set[int] | None:
    """Read the choice numbers a "correct" cell lists ("2", "1;3"); None if not numbers."""
    try:
        return {int(x) for x in re.split(r"[;, ]+", cell) if x}
    except ValueError:
        return None


def _csv_question(row: dict[str, str], correct: set[int], loc: str) -> dict[str, Any]:
    numbers = range(1, MAX_CHOICES + 1)
    texts = [row.get(f"choice_{i}", "") for i in numbers]
    feedbacks = [row.get(f"feedback_{i}", "") for i in numbers]
    return {
        "key": row["key"],
        "module": row["module"],
        "topic": row["topic"],
        "type": row.get("type") or Question.Kind.SINGLE_CHOICE,
        "status": row.get("status") or Question.Status.DRAFT,
        "stem": row["stem"],
        "explanation": row.get("explanation", ""),
        "reference_url": row.get("reference_url", ""),
        "choices": [
            {"text": t, "correct": i in correct, "feedback": f}
            for i, (t, f) in enumerate(zip(texts, feedbacks, strict=True), start=1)
            if t
        ],
        "_loc": loc,
    }
