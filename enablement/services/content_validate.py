"""Check parsed content against the content rules and what the organization has.

Every problem is reported, each as "<file>: <where>: <field>: <what>", so an
author can fix a file in one pass. Lengths and the key pattern are read from
the models (``TEXT_LIMITS`` and the fields' ``max_length``), so a file is
refused for the same reasons a save would be. A field an item leaves out is
required only when the item is new: a stored item keeps its value.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from enablement.models import (
    KEY_VALIDATOR,
    TEXT_LIMITS,
    Choice,
    Methodology,
    Module,
    Organization,
    Question,
    Topic,
)
from enablement.services.content_format import CHOICE_FIELDS, FIELDS, ContentData
from enablement.services.questions import ChoiceDraft, question_choices_errors

Item = dict[str, Any]
_POSITION_MAX = 32767  # a PositiveSmallIntegerField


def content_validate(
    *, organization: Organization, name: str, data: ContentData
) -> list[str]:
    """Return every error in the parsed file; an empty list means it can be written."""
    return _ContentCheck(organization, name, data).errors_found()


def text_limit(model: type[models.Model], field: str) -> int | None:
    """The longest text a field takes: ``TEXT_LIMITS`` for long texts, else max_length."""
    model_field = model._meta.get_field(field)
    if isinstance(model_field, models.TextField):
        return TEXT_LIMITS.get(field)
    return model_field.max_length


def text_problem(
    value: Any, *, limit: int | None, key: str, written: str
) -> str | None:
    """What is wrong with a value given for a text field, if anything.

    YAML reads an unquoted ``True``, ``no``, ``3`` or ``2024-01-31`` as a
    boolean, number or date; the message shows the author how to quote it.
    """
    if isinstance(value, bool | int | float | datetime.date):
        kind = (
            "true/false"
            if isinstance(value, bool)
            else "a date"
            if isinstance(value, datetime.date)
            else "a number"
        )
        return f'is {kind}, not text; write it in quotes: {key}: "{written}"'
    if isinstance(value, list):
        return "is a list; write one text here"
    if isinstance(value, dict):
        return "is a mapping; write one text here (check the indentation)"
    if not isinstance(value, str):
        return "must be text"
    if "\x00" in value:
        return "contains a NUL character (\\x00), which cannot be stored; remove it"
    if limit and len(value) > limit:
        return f"is longer than {limit} characters ({len(value)})"
    return None


def _position(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    else:
        return None
    return number if 0 <= number <= _POSITION_MAX else None


class _ContentCheck:
    def __init__(self, organization: Organization, name: str, data: ContentData):
        self.name = name
        self.data = data
        self.errors: list[str] = []
        self.url_validator = URLValidator()
        questions = Question.objects.filter(
            module__methodology__organization=organization
        )
        self.stored_keys = {
            "methodologies": set(
                organization.methodologies.values_list("key", flat=True)
            ),
            "topics": set(organization.topics.values_list("key", flat=True)),
            "modules": set(
                Module.objects.filter(
                    methodology__organization=organization
                ).values_list("key", flat=True)
            ),
            "questions": set(questions.values_list("key", flat=True)),
        }
        self.stored_kinds = dict(questions.values_list("key", "kind"))
        self.retired = set(
            questions.filter(status=Question.Status.RETIRED).values_list(
                "key", flat=True
            )
        )
        # Keys that may be referred to: stored ones and those this file defines.
        self.keys: dict[str, set[str]] = {}

    def errors_found(self) -> list[str]:
        self._section("methodologies", Methodology, self._check_described)
        self._section("topics", Topic, self._check_described)
        self._section("modules", Module, self._check_module)
        self._section("questions", Question, self._check_question)
        return self.errors

    def _err(self, item: Item, field: str, message: str) -> None:
        self.errors.append(f"{self.name}: {item['_loc']}: {field}: {message}")

    def _section(
        self,
        section: str,
        model: type[models.Model],
        check: Callable[[Item, type[models.Model], bool], None],
    ) -> None:
        keys: set[str] = set()
        for item in self.data[section]:
            if "_bad" in item:
                self._err(item, "(item)", "must be a mapping of fields (key: value)")
                continue
            for field in item:
                if not str(field).startswith("_") and field not in FIELDS[section]:
                    self._err(item, str(field), _unknown_field(FIELDS[section]))
            key = item.get("key")
            if self._key_ok(item, model, key):
                if key in keys:
                    self._err(item, "key", f"{key!r} appears twice in this file")
                keys.add(key)
            stored = isinstance(key, str) and key in self.stored_keys[section]
            check(item, model, not stored)
        self.keys[section] = keys | self.stored_keys[section]

    def _key_ok(self, item: Item, model: type[models.Model], key: Any) -> bool:
        if key is None or key == "":
            self._err(item, "key", "is required")
            return False
        problem = text_problem(
            key, limit=None, key="key", written=_written(item, "key", key)
        )
        if problem is None and not KEY_VALIDATOR.regex.match(key):
            problem = (
                "lowercase letters, digits and dashes, at most "
                f"{text_limit(model, 'key')}"
            )
        if problem:
            self._err(item, "key", problem)
        return problem is None

    def _text(
        self,
        item: Item,
        model: type[models.Model],
        field: str,
        *,
        required: bool,
        new: bool,
    ) -> None:
        """A text field: ``required`` ones cannot be blank, and a new item must give them."""
        if field not in item:
            if required and new and field not in item.get("_defaults", {}):
                self._err(item, field, "is required")
            return
        value = item[field]
        if value is None or value == "":
            if required:
                self._err(item, field, "is required")
            return
        problem = text_problem(
            value,
            limit=text_limit(model, field),
            key=field,
            written=_written(item, field, value),
        )
        if problem:
            self._err(item, field, problem)

    def _reference(self, item: Item, field: str, section: str, *, new: bool) -> None:
        if field not in item:
            if new:
                self._err(item, field, "is required")
            return
        value = item[field]
        if not isinstance(value, str):
            self._err(item, field, f"must be the key of one of the {section}")
        elif value not in self.keys[section]:
            self._err(item, field, f"unknown {field} {value!r}")

    def _check_described(
        self, item: Item, model: type[models.Model], new: bool
    ) -> None:
        self._text(item, model, "name", required=True, new=new)
        self._text(item, model, "description", required=False, new=new)

    def _check_module(self, item: Item, model: type[models.Model], new: bool) -> None:
        self._check_described(item, model, new)
        self._reference(item, "methodology", "methodologies", new=new)
        if "position" in item and _position(item["position"]) is None:
            self._err(
                item, "position", f"must be a whole number from 0 to {_POSITION_MAX}"
            )

    def _check_question(self, item: Item, model: type[models.Model], new: bool) -> None:
        for field in ("stem", "explanation"):
            self._text(item, model, field, required=True, new=new)
        self._text(item, model, "reference_url", required=False, new=new)
        self._check_url(item)
        self._reference(item, "module", "modules", new=new)
        self._reference(item, "topic", "topics", new=new)
        kind = item.get("type", self.stored_kinds.get(_key(item), "single_choice"))
        kind_ok = isinstance(kind, str) and kind in Question.Kind.values
        if not kind_ok:
            self._err(item, "type", f"must be one of {', '.join(Question.Kind.values)}")
        self._check_status(item)
        if "choices" not in item:
            if new:
                self._err(item, "choices", "is required")
            return
        drafts = self._choice_drafts(item)
        if drafts is not None and kind_ok:
            for message in question_choices_errors(kind=kind, choices=drafts):
                self._err(item, "choices", message)

    def _check_url(self, item: Item) -> None:
        url = item.get("reference_url")
        if isinstance(url, str) and url:
            try:
                self.url_validator(url)
            except ValidationError:
                self._err(item, "reference_url", "is not a valid URL")

    def _check_status(self, item: Item) -> None:
        if "status" not in item:
            return  # new: draft; stored: unchanged
        status = item["status"]
        if not isinstance(status, str) or status not in Question.Status.values:
            self._err(
                item, "status", f"must be one of {', '.join(Question.Status.values)}"
            )
        elif status != Question.Status.RETIRED and _key(item) in self.retired:
            self._err(
                item, "status", "this question is retired and cannot be brought back"
            )

    def _choice_drafts(self, item: Item) -> list[ChoiceDraft] | None:
        """Check each choice and return them as drafts; None if any is malformed.

        The rules over all choices (how many, how many correct) are checked
        only on well-formed choices, so one unquoted ``True`` gives one error.
        """
        choices = item["choices"]
        if not isinstance(choices, list):
            self._err(item, "choices", "must be a list of choices (each '- text: ...')")
            return None
        before = len(self.errors)
        drafts = [self._choice_draft(item, j, c) for j, c in enumerate(choices)]
        if len(self.errors) > before:
            return None
        return drafts

    def _choice_draft(self, item: Item, j: int, choice: Any) -> ChoiceDraft | None:
        where = f"choices[{j}]"
        if not isinstance(choice, dict):
            self._err(item, where, "must be a mapping with text and correct")
            return None
        for field in choice:
            if not str(field).startswith("_") and field not in CHOICE_FIELDS:
                self._err(item, f"{where}.{field}", _unknown_field(CHOICE_FIELDS))
        text, feedback = choice.get("text"), choice.get("feedback")
        if text is None or text == "":
            self._err(item, f"{where}.text", "is required")
        for field in ("text", "feedback"):
            self._choice_text(item, where, choice, field)
        if not isinstance(choice.get("correct", False), bool):
            self._err(item, f"{where}.correct", "must be true or false, unquoted")
        if not isinstance(text, str) or not isinstance(feedback or "", str):
            return None
        return ChoiceDraft(text, bool(choice.get("correct")), feedback or "")

    def _choice_text(self, item: Item, where: str, choice: Item, field: str) -> None:
        value = choice.get(field)
        if value is None or value == "":
            return
        problem = text_problem(
            value,
            limit=text_limit(Choice, field),
            key=field,
            written=_written(choice, field, value),
        )
        if problem:
            self._err(item, f"{where}.{field}", problem)


def _key(item: Item) -> str | None:
    key = item.get("key")
    return key if isinstance(key, str) else None


def _written(item: Item, field: str, value: Any) -> str:
    """What the author wrote for a field (YAML plain scalars), else the value."""
    return item.get("_written", {}).get(field, str(value))


def _unknown_field(known: tuple[str, ...]) -> str:
    return f"unknown field; the fields are {', '.join(known)}"
