"""Bulk import and export of content (YAML and CSV), all-or-nothing.

The YAML format is documented in ``enablement/content/FORMAT.md``; the CSV
format is one question per row (see ``CSV_COLUMNS``). Items are identified by
their ``key``, so importing the same file twice changes nothing.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone

from enablement.models import (
    MAX_CHOICES,
    Methodology,
    Module,
    Organization,
    Question,
    Topic,
)
from enablement.services.questions import (
    ChoiceDraft,
    question_bump_version,
    question_choices_errors,
    question_set_choices,
)

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SECTIONS = ("methodologies", "topics", "modules", "questions")
CSV_COLUMNS = [
    "methodology", "methodology_name", "module", "module_name", "module_position",
    "topic", "topic_name", "key", "type", "status", "stem", "explanation",
    "reference_url", "correct",
    *[f"choice_{i}" for i in range(1, MAX_CHOICES + 1)],
    *[f"feedback_{i}" for i in range(1, MAX_CHOICES + 1)],
]  # fmt: skip


class ContentImportError(Exception):
    """The file was rejected; ``errors`` names the file, location and field of each."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    unchanged: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(SECTIONS, 0)
    )

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def __str__(self) -> str:
        return "; ".join(
            f"{s}: {self.created[s]} created, {self.updated[s]} updated, "
            f"{self.unchanged[s]} unchanged"
            for s in SECTIONS
        )


# Parsing ---------------------------------------------------------------------


def content_parse(*, name: str, text: str) -> dict[str, list[dict[str, Any]]]:
    """Parse YAML or CSV text (by file extension) into the common structure."""
    if name.lower().endswith(".csv"):
        return _parse_csv(name, text)
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
    parsed: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        items = data.get(section) or []
        if not isinstance(items, list):
            raise ContentImportError([f"{name}: {section}: must be a list"])
        parsed[section] = [
            {**item, "_loc": f"{section}[{i}]"}
            if isinstance(item, dict)
            else {"_bad": item, "_loc": f"{section}[{i}]"}
            for i, item in enumerate(items)
        ]
    return parsed


def _parse_csv(name: str, text: str) -> dict[str, list[dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"methodology", "module", "topic", "key", "stem", "correct"} - set(
        reader.fieldnames or []
    )
    if missing:
        raise ContentImportError(
            [f"{name}: row 1: missing column(s): {', '.join(sorted(missing))}"]
        )
    data: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    seen: dict[str, set[str]] = {s: set() for s in SECTIONS}
    errors = []
    for row_number, row in enumerate(reader, start=2):
        loc = f"row {row_number}"
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if row["methodology"] and row["methodology"] not in seen["methodologies"]:
            seen["methodologies"].add(row["methodology"])
            data["methodologies"].append(
                {
                    "key": row["methodology"],
                    "name": row.get("methodology_name") or row["methodology"],
                    "_loc": loc,
                }
            )
        if row["topic"] and row["topic"] not in seen["topics"]:
            seen["topics"].add(row["topic"])
            data["topics"].append(
                {
                    "key": row["topic"],
                    "name": row.get("topic_name") or row["topic"],
                    "_loc": loc,
                }
            )
        if row["module"] and row["module"] not in seen["modules"]:
            seen["modules"].add(row["module"])
            data["modules"].append(
                {
                    "key": row["module"],
                    "methodology": row["methodology"],
                    "name": row.get("module_name") or row["module"],
                    "position": row.get("module_position") or 1,
                    "_loc": loc,
                }
            )
        texts = [row.get(f"choice_{i}", "") for i in range(1, MAX_CHOICES + 1)]
        feedbacks = [row.get(f"feedback_{i}", "") for i in range(1, MAX_CHOICES + 1)]
        try:
            correct = {int(x) for x in re.split(r"[;, ]+", row["correct"]) if x}
        except ValueError:
            errors.append(
                f"{name}: {loc}: correct: list choice numbers such as 2 or 1;3"
            )
            correct = set()
        choices = [
            {"text": t, "correct": i in correct, "feedback": f}
            for i, (t, f) in enumerate(zip(texts, feedbacks, strict=True), start=1)
            if t
        ]
        data["questions"].append(
            {
                "key": row["key"],
                "module": row["module"],
                "topic": row["topic"],
                "type": row.get("type") or Question.Kind.SINGLE_CHOICE,
                "status": row.get("status") or Question.Status.DRAFT,
                "stem": row["stem"],
                "explanation": row.get("explanation", ""),
                "reference_url": row.get("reference_url", ""),
                "choices": choices,
                "_loc": loc,
            }
        )
    if errors:
        raise ContentImportError(errors)
    return data


# Validation --------------------------------------------------------------------


def _validate(
    organization: Organization, name: str, data: dict[str, list[dict[str, Any]]]
) -> list[str]:
    errors: list[str] = []

    def err(item: dict[str, Any], fld: str, msg: str) -> None:
        errors.append(f"{name}: {item['_loc']}: {fld}: {msg}")

    def text(
        item: dict[str, Any], fld: str, required: bool = True, max_len: int = 0
    ) -> None:
        value = item.get(fld)
        if value is None or value == "":
            if required:
                err(item, fld, "is required")
            return
        if not isinstance(value, str):
            err(item, fld, "must be text")
        elif max_len and len(value) > max_len:
            err(item, fld, f"is longer than {max_len} characters")

    def keys_of(section: str, check: Callable[[dict[str, Any]], None]) -> set[str]:
        keys: set[str] = set()
        for item in data[section]:
            if "_bad" in item:
                err(item, "(item)", "must be a mapping")
                continue
            key = item.get("key")
            if not isinstance(key, str) or not KEY_RE.match(key):
                err(item, "key", "lowercase letters, digits and dashes, at most 64")
            elif key in keys:
                err(item, "key", f"{key!r} appears twice in this file")
            else:
                keys.add(key)
            check(item)
        return keys

    known = {
        "methodologies": set(organization.methodologies.values_list("key", flat=True)),
        "topics": set(organization.topics.values_list("key", flat=True)),
        "modules": set(
            Module.objects.filter(methodology__organization=organization).values_list(
                "key", flat=True
            )
        ),
    }
    methodology_keys = keys_of(
        "methodologies",
        lambda i: (text(i, "name", max_len=120), text(i, "description", False)),
    )
    topic_keys = keys_of(
        "topics",
        lambda i: (text(i, "name", max_len=120), text(i, "description", False)),
    )

    def check_module(item: dict[str, Any]) -> None:
        text(item, "name", max_len=120)
        text(item, "description", False)
        if item.get("methodology") not in methodology_keys | known["methodologies"]:
            err(item, "methodology", f"unknown methodology {item.get('methodology')!r}")
        try:
            if int(item.get("position", 1)) < 0:
                raise ValueError
        except (TypeError, ValueError):
            err(item, "position", "must be a whole number of 0 or more")

    module_keys = keys_of("modules", check_module)
    url_validator = URLValidator()
    retired = set(
        Question.objects.filter(
            module__methodology__organization=organization,
            status=Question.Status.RETIRED,
        ).values_list("key", flat=True)
    )

    def check_question(item: dict[str, Any]) -> None:
        text(item, "stem")
        text(item, "explanation")
        if item.get("module") not in module_keys | known["modules"]:
            err(item, "module", f"unknown module {item.get('module')!r}")
        if item.get("topic") not in topic_keys | known["topics"]:
            err(item, "topic", f"unknown topic {item.get('topic')!r}")
        kind = item.get("type", Question.Kind.SINGLE_CHOICE)
        if kind not in Question.Kind.values:
            err(item, "type", f"must be one of {', '.join(Question.Kind.values)}")
        status = item.get("status", Question.Status.DRAFT)
        if status not in Question.Status.values:
            err(item, "status", f"must be one of {', '.join(Question.Status.values)}")
        elif status != Question.Status.RETIRED and item.get("key") in retired:
            err(item, "status", "this question is retired and cannot be brought back")
        if item.get("reference_url"):
            try:
                url_validator(item["reference_url"])
            except ValidationError:
                err(item, "reference_url", "is not a valid URL")
        choices = item.get("choices")
        if not isinstance(choices, list):
            err(item, "choices", "must be a list")
            return
        drafts = []
        for j, choice in enumerate(choices):
            if not isinstance(choice, dict) or not isinstance(choice.get("text"), str):
                err(item, f"choices[{j}].text", "is required")
                continue
            if len(choice["text"]) > 500:
                err(item, f"choices[{j}].text", "is longer than 500 characters")
            if not isinstance(choice.get("correct", False), bool):
                err(item, f"choices[{j}].correct", "must be true or false")
            drafts.append(
                ChoiceDraft(
                    choice["text"],
                    bool(choice.get("correct")),
                    choice.get("feedback") or "",
                )
            )
        if kind in Question.Kind.values:
            for msg in question_choices_errors(kind=kind, choices=drafts):
                err(item, "choices", msg)

    keys_of("questions", check_question)
    return errors


# Writing -----------------------------------------------------------------------


def _stored_value(obj: models.Model, name: str) -> Any:
    return getattr(obj, obj._meta.get_field(name).attname)


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any], summary, section):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**{**lookup, **values})
        obj.full_clean()
        obj.save()
        summary.created[section] += 1
        return obj, True
    changed = {k: v for k, v in values.items() if _stored_value(obj, k) != _plain(v)}
    if changed:
        for k, v in changed.items():
            setattr(obj, k, v)
        obj.full_clean()
        obj.save()
        summary.updated[section] += 1
    else:
        summary.unchanged[section] += 1
    return obj, bool(changed)


def content_import(
    *, organization: Organization, name: str, text: str, author=None
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction, or write nothing."""
    data = content_parse(name=name, text=text)
    errors = _validate(organization, name, data)
    if errors:
        raise ContentImportError(errors)
    summary = ImportSummary()
    with transaction.atomic():
        methodologies = {m.key: m for m in organization.methodologies.all()}
        for item in data["methodologies"]:
            methodologies[item["key"]], _ = _upsert(
                Methodology,
                {"organization": organization, "key": item["key"]},
                {"name": item["name"], "description": item.get("description") or ""},
                summary,
                "methodologies",
            )
        topics = {t.key: t for t in organization.topics.all()}
        for item in data["topics"]:
            topics[item["key"]], _ = _upsert(
                Topic,
                {"organization": organization, "key": item["key"]},
                {"name": item["name"], "description": item.get("description") or ""},
                summary,
                "topics",
            )
        modules = {
            m.key: m
            for m in Module.objects.filter(methodology__organization=organization)
        }
        for item in data["modules"]:
            methodology = methodologies[item["methodology"]]
            existing = modules.get(item["key"])
            lookup = (
                {"pk": existing.pk}
                if existing
                else {"methodology": methodology, "key": item["key"]}
            )
            modules[item["key"]], _ = _upsert(
                Module,
                lookup,
                {
                    "methodology": methodology,
                    "name": item["name"],
                    "description": item.get("description") or "",
                    "position": int(item.get("position", 1)),
                },
                summary,
                "modules",
            )
        stored = {
            q.key: q
            for q in Question.objects.filter(
                module__methodology__organization=organization
            )
        }
        for item in data["questions"]:
            _import_question(
                item, stored.get(item["key"]), modules, topics, author, summary
            )
    return summary


def _import_question(item, existing, modules, topics, author, summary) -> None:
    status = item.get("status", Question.Status.DRAFT)
    values = {
        "module": modules[item["module"]],
        "topic": topics[item["topic"]],
        "kind": item.get("type", Question.Kind.SINGLE_CHOICE),
        "stem": item["stem"].strip(),
        "explanation": item["explanation"].strip(),
        "reference_url": item.get("reference_url") or "",
        "status": status,
    }
    lookup = (
        {"pk": existing.pk}
        if existing
        else {"module": values["module"], "key": item["key"]}
    )
    if existing is None:
        values["author"] = author
    if status == Question.Status.PUBLISHED and (
        existing is None or existing.published_at is None
    ):
        values["published_at"] = timezone.now()
    question, fields_changed = _upsert(Question, lookup, values, summary, "questions")
    drafts = [
        ChoiceDraft(
            c["text"].strip(), bool(c.get("correct")), (c.get("feedback") or "").strip()
        )
        for c in item["choices"]
    ]
    choices_changed = question_set_choices(question=question, choices=drafts)
    if existing is not None:
        if choices_changed and not fields_changed:
            summary.unchanged["questions"] -= 1
            summary.updated["questions"] += 1
        content_changed = choices_changed or any(
            getattr(existing, f) != values[f] for f in ("stem", "explanation", "kind")
        )
        if content_changed:
            question_bump_version(question=question)


# Export ------------------------------------------------------------------------


def content_export(
    *, organization: Organization, methodology_ids=None
) -> dict[str, list]:
    """Return the organization's content (or some methodologies') in the import structure."""
    methodologies = organization.methodologies.order_by("key")
    if methodology_ids is not None:
        methodologies = methodologies.filter(pk__in=methodology_ids)
    modules = (
        Module.objects.filter(methodology__in=methodologies)
        .select_related("methodology")
        .order_by("methodology__key", "position", "key")
    )
    questions = (
        Question.objects.filter(module__in=modules)
        .select_related("module", "topic")
        .prefetch_related("choices")
        .order_by("module__methodology__key", "module__position", "module__key", "key")
    )
    topic_ids = {q.topic_id for q in questions}
    if methodology_ids is None:
        topics = organization.topics.order_by("key")
    else:
        topics = Topic.objects.filter(pk__in=topic_ids).order_by("key")

    def described(d: dict[str, Any], description: str) -> dict[str, Any]:
        if description:
            d["description"] = description
        return d

    return {
        "methodologies": [
            described({"key": m.key, "name": m.name}, m.description)
            for m in methodologies
        ],
        "topics": [
            described({"key": t.key, "name": t.name}, t.description) for t in topics
        ],
        "modules": [
            described(
                {
                    "key": m.key,
                    "methodology": m.methodology.key,
                    "name": m.name,
                    "position": m.position,
                },
                m.description,
            )
            for m in modules
        ],
        "questions": [_question_export(q) for q in questions],
    }


def _question_export(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": q.key,
        "module": q.module.key,
        "topic": q.topic.key,
        "type": q.kind,
        "status": q.status,
        "stem": q.stem,
        "explanation": q.explanation,
    }
    if q.reference_url:
        out["reference_url"] = q.reference_url
    out["choices"] = []
    for c in q.choices.all():
        choice: dict[str, Any] = {"text": c.text, "correct": c.is_correct}
        if c.feedback:
            choice["feedback"] = c.feedback
        out["choices"].append(choice)
    return out


def content_dump(*, data: dict[str, list], name: str) -> str:
    """Serialize exported content as CSV or YAML, by the file name's extension."""
    if not name.lower().endswith(".csv"):
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    methodologies = {m["key"]: m for m in data["methodologies"]}
    modules = {m["key"]: m for m in data["modules"]}
    topics = {t["key"]: t for t in data["topics"]}
    for q in data["questions"]:
        module = modules[q["module"]]
        row = {
            "methodology": module["methodology"],
            "methodology_name": methodologies[module["methodology"]]["name"],
            "module": module["key"],
            "module_name": module["name"],
            "module_position": module["position"],
            "topic": q["topic"],
            "topic_name": topics[q["topic"]]["name"],
            "key": q["key"],
            "type": q["type"],
            "status": q["status"],
            "stem": q["stem"],
            "explanation": q["explanation"],
            "reference_url": q.get("reference_url", ""),
            "correct": ";".join(
                str(i) for i, c in enumerate(q["choices"], 1) if c["correct"]
            ),
        }
        for i, c in enumerate(q["choices"], start=1):
            row[f"choice_{i}"] = c["text"]
            row[f"feedback_{i}"] = c.get("feedback", "")
        writer.writerow(row)
    return out.getvalue()


def content_import_path(
    *, organization: Organization, path: Path, author=None
) -> ImportSummary:
    return content_import(
        organization=organization,
        name=str(path),
        text=path.read_text(encoding="utf-8"),
        author=author,
    )
