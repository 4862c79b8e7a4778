"""Import a content file: validate all of it, then write it in one transaction.

A file with any error writes nothing. Only the fields the file carries are
written: a stored item keeps the rest (a CSV has no descriptions, so an import
of one leaves them alone). Questions are written through ``question_save``, as
admin writes them, so both raise a version alike.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from enablement.audit import audit_batch
from enablement.models import Methodology, Module, Organization, Question, Topic
from enablement.services.content_format import (
    SECTIONS,
    ContentData,
    ContentImportError,
)
from enablement.services.content_parse import content_decode, content_parse
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
    with (
        transaction.atomic(),
        audit_batch(cause=f"content import {name}", organization_id=organization.pk),
    ):
        _content_write(organization, name, data, author, summary)
    return summary


def content_import_file(
    *, organization: Organization, name: str, raw: bytes, author=None
) -> ImportSummary:
    """Import a file's bytes: refused unless UTF-8 and within the size limit."""
    return content_import(
        organization=organization,
        name=name,
        text=content_decode(name=name, raw=raw),
        author=author,
    )


def content_import_path(
    *, organization: Organization, path: Path, author=None
) -> ImportSummary:
    return content_import_file(
        organization=organization, name=str(path), raw=path.read_bytes(), author=author
    )


def _content_write(
    organization: Organization, name: str, data: ContentData, author, summary
) -> None:
    methodologies = _described_write(
        name, organization, Methodology, data["methodologies"], summary, "methodologies"
    )
    topics = _described_write(
        name, organization, Topic, data["topics"], summary, "topics"
    )
    modules = _modules_write(
        name, organization, data["modules"], methodologies, summary
    )
    stored = {
        q.key: q
        for q in Question.objects.filter(module__methodology__organization=organization)
    }
    for item in data["questions"]:
        question = stored.get(item["key"]) or Question(key=item["key"], author=author)
        with _refusal_located(name, item):
            _question_write(question, item, modules, topics, summary)


@contextmanager
def _refusal_located(name: str, item: dict[str, Any]) -> Iterator[None]:
    """Turn a save's ValidationError into the import's error, at the item.

    Validation checks what a save checks, so this is the safety net for a
    rule it misses: the file is still refused whole, never half written.
    """
    try:
        yield
    except ValidationError as exc:
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"(item)": exc.messages}
        )
        raise ContentImportError(
            [
                f"{name}: {item['_loc']}: {where}: {message}"
                for where, messages in fields.items()
                for message in messages
            ]
        ) from exc


def _given(item: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields the item carries, texts stripped."""
    return {
        f: item[f].strip() if isinstance(item[f], str) else item[f]
        for f in fields
        if f in item
    }


def _described_write(
    name, organization, model, items, summary, section
) -> dict[str, Any]:
    """Write methodologies or topics (key, name, description) by key."""
    by_key = {o.key: o for o in model.objects.filter(organization=organization)}
    for item in items:
        with _refusal_located(name, item):
            by_key[item["key"]] = _upsert(
                model,
                by_key.get(item["key"]),
                {
                    "organization": organization,
                    "key": item["key"],
                    **item.get("_defaults", {}),
                },
                _given(item, ("name", "description")),
                summary,
                section,
            )
    return by_key


def _modules_write(
    name, organization, items, methodologies, summary
) -> dict[str, Module]:
    """Write modules by key; a stored module keeps its row if it changes methodology."""
    modules = {
        m.key: m for m in Module.objects.filter(methodology__organization=organization)
    }
    for item in items:
        values = _given(item, ("name", "description"))
        if "methodology" in item:
            values["methodology"] = methodologies[item["methodology"]]
        if "position" in item:
            values["position"] = int(item["position"])
        with _refusal_located(name, item):
            modules[item["key"]] = _upsert(
                Module,
                modules.get(item["key"]),
                {"key": item["key"], **item.get("_defaults", {})},
                values,
                summary,
                "modules",
            )
    return modules


def _stored_value(obj: models.Model, name: str) -> Any:
    return getattr(obj, obj._meta.get_field(name).attname)


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _upsert(
    model, obj, created: dict[str, Any], values: dict[str, Any], summary, section
):
    """Create the item from ``created`` and ``values``, or write the values that differ."""
    if obj is None:
        obj = model(**{**created, **values})
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
    if "module" in item:
        question.module = modules[item["module"]]
    if "topic" in item:
        question.topic = topics[item["topic"]]
    if "type" in item:
        question.kind = item["type"]
    texts = _given(item, ("stem", "explanation", "reference_url", "status"))
    for attr, value in texts.items():
        setattr(question, attr, value)
    if question.status == Question.Status.PUBLISHED and question.published_at is None:
        question.published_at = timezone.now()
    choices = None  # left out: a stored question keeps its choices
    if "choices" in item:
        choices = [
            ChoiceDraft(
                c["text"].strip(),
                bool(c.get("correct")),
                (c.get("feedback") or "").strip(),
            )
            for c in item["choices"]
        ]
    saved = question_save(question=question, choices=choices)
    summary.count("questions", created=saved.created, changed=saved.changed)
