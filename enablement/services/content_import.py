"""Import a content file: validate all of it, then write it in one transaction.

A file with any error writes nothing. Questions are written through
``question_save``, as admin writes them, so both raise a version alike.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from enablement.models import Methodology, Module, Organization, Question, Topic
from enablement.services.content_format import (
    SECTIONS,
    ContentData,
    ContentImportError,
)
from enablement.services.content_parse import content_parse
from enablement.services.content_validate import content_validate
from enablement.services.questions import ChoiceDraft, question_save


def _per_section() -> dict[str, int]:
    return dict.fromkeys(SECTIONS, 0)


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=_per_section)
    updated: dict[str, int] = field(default_factory=_per_section)
    unchanged: dict[str, int] = field(default_factory=_per_section)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def __str__(self) -> str:
        return "; ".join(
            f"{s}: {self.created[s]} created, {self.updated[s]} updated, "
            f"{self.unchanged[s]} unchanged"
            for s in SECTIONS
        )

    def count(self, section: str, *, created: bool, changed: bool) -> None:
        counts = (
            self.created if created else self.updated if changed else self.unchanged
        )
        counts[section] += 1


def content_import(
    *, organization: Organization, name: str, text: str, author=None
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction, or write nothing."""
    data = content_parse(name=name, text=text)
    errors = content_validate(organization=organization, name=name, data=data)
    if errors:
        raise ContentImportError(errors)
    summary = ImportSummary()
    with transaction.atomic():
        _content_write(organization, data, author, summary)
    return summary


def content_import_path(
    *, organization: Organization, path: Path, author=None
) -> ImportSummary:
    return content_import(
        organization=organization,
        name=str(path),
        text=path.read_text(encoding="utf-8"),
        author=author,
    )


def _content_write(
    organization: Organization, data: ContentData, author, summary: ImportSummary
) -> None:
    methodologies = _described_write(
        organization, Methodology, data["methodologies"], summary, "methodologies"
    )
    topics = _described_write(organization, Topic, data["topics"], summary, "topics")
    modules = _modules_write(organization, data["modules"], methodologies, summary)
    stored = {
        q.key: q
        for q in Question.objects.filter(module__methodology__organization=organization)
    }
    for item in data["questions"]:
        question = stored.get(item["key"]) or Question(key=item["key"], author=author)
        _question_write(question, item, modules, topics, summary)


def _described_write(organization, model, items, summary, section) -> dict[str, Any]:
    """Write methodologies or topics (key, name, description) by key."""
    by_key = {o.key: o for o in model.objects.filter(organization=organization)}
    for item in items:
        by_key[item["key"]] = _upsert(
            model,
            {"organization": organization, "key": item["key"]},
            {"name": item["name"], "description": item.get("description") or ""},
            summary,
            section,
        )
    return by_key


def _modules_write(organization, items, methodologies, summary) -> dict[str, Module]:
    """Write modules by key; a stored module keeps its row if it changes methodology."""
    modules = {
        m.key: m for m in Module.objects.filter(methodology__organization=organization)
    }
    for item in items:
        methodology = methodologies[item["methodology"]]
        existing = modules.get(item["key"])
        lookup = (
            {"pk": existing.pk}
            if existing
            else {"methodology": methodology, "key": item["key"]}
        )
        modules[item["key"]] = _upsert(
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
    return modules


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
        summary.count(section, created=True, changed=True)
        return obj
    changed = {k: v for k, v in values.items() if _stored_value(obj, k) != _plain(v)}
    if changed:
        for k, v in changed.items():
            setattr(obj, k, v)
        obj.full_clean()
        obj.save()
    summary.count(section, created=False, changed=bool(changed))
    return obj


def _question_write(
    question: Question, item: dict[str, Any], modules, topics, summary: ImportSummary
) -> None:
    """Apply a file's question to a stored (or new) one and save it with its choices."""
    question.module = modules[item["module"]]
    question.topic = topics[item["topic"]]
    question.kind = item.get("type", Question.Kind.SINGLE_CHOICE)
    question.stem = item["stem"].strip()
    question.explanation = item["explanation"].strip()
    question.reference_url = item.get("reference_url") or ""
    question.status = item.get("status", Question.Status.DRAFT)
    if question.status == Question.Status.PUBLISHED and question.published_at is None:
        question.published_at = timezone.now()
    saved = question_save(
        question=question,
        choices=[
            ChoiceDraft(
                c["text"].strip(),
                bool(c.get("correct")),
                (c.get("feedback") or "").strip(),
            )
            for c in item["choices"]
        ],
    )
    summary.count("questions", created=saved.created, changed=saved.changed)
