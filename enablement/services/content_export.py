"""Export content in the import structure, and write it out as YAML or CSV.

An export imported back into the same organization changes nothing. CSV
cells that a spreadsheet would run as a formula are written inert
(``core.csv_safe``), and the import reads them back as they were.
"""

import io
from typing import Any

import yaml

from core.csv_safe import SafeDictWriter
from enablement.models import Module, Organization, Question, Topic
from enablement.services.content_format import CSV_COLUMNS, ContentData, is_csv


def content_export(
    *, organization: Organization, methodology_ids: list[int] | None = None
) -> ContentData:
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


def content_dump(*, data: ContentData, name: str) -> str:
    """Serialize exported content as CSV or YAML, by the file name's extension."""
    if not is_csv(name):
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS)
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
