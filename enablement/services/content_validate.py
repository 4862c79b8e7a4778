"""Check parsed content against the content rules and what the organization has.

Every problem is reported, each as "<file>: <where>: <field>: <what>", so an
author can fix a file in one pass. Lengths and the key pattern are read from
the models, so a file is refused for the same reasons a save would be.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from enablement.models import (
    KEY_VALIDATOR,
    Choice,
    Methodology,
    Module,
    Organization,
    Question,
    Topic,
)
from enablement.services.content_format import ContentData
from enablement.services.questions import ChoiceDraft, question_choices_errors

Item = dict[str, Any]


def content_validate(
    *, organization: Organization, name: str, data: ContentData
) -> list[str]:
    """Return every error in the parsed file; an empty list means it can be written."""
    return _ContentCheck(organization, name, data).errors_found()


def _max_length(model: type[models.Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length


class _ContentCheck:
    def __init__(self, organization: Organization, name: str, data: ContentData):
        self.name = name
        self.data = data
        self.errors: list[str] = []
        self.url_validator = URLValidator()
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
        }
        self.retired = set(
            Question.objects.filter(
                module__methodology__organization=organization,
                status=Question.Status.RETIRED,
            ).values_list("key", flat=True)
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
        check: Callable[[Item, type[models.Model]], None],
    ) -> None:
        keys: set[str] = set()
        key_length = _max_length(model, "key")
        for item in self.data[section]:
            if "_bad" in item:
                self._err(item, "(item)", "must be a mapping")
                continue
            key = item.get("key")
            if not isinstance(key, str) or not KEY_VALIDATOR.regex.match(key):
                self._err(
                    item,
                    "key",
                    f"lowercase letters, digits and dashes, at most {key_length}",
                )
            elif key in keys:
                self._err(item, "key", f"{key!r} appears twice in this file")
            else:
                keys.add(key)
            check(item, model)
        self.keys[section] = keys | self.stored_keys.get(section, set())

    def _text(
        self, item: Item, model: type[models.Model], field: str, required: bool = True
    ) -> None:
        value = item.get(field)
        if value is None or value == "":
            if required:
                self._err(item, field, "is required")
            return
        max_length = _max_length(model, field)
        if not isinstance(value, str):
            self._err(item, field, "must be text")
        elif max_length and len(value) > max_length:
            self._err(item, field, f"is longer than {max_length} characters")

    def _reference(self, item: Item, field: str, section: str) -> None:
        if item.get(field) not in self.keys[section]:
            self._err(item, field, f"unknown {field} {item.get(field)!r}")

    def _check_described(self, item: Item, model: type[models.Model]) -> None:
        self._text(item, model, "name")
        self._text(item, model, "description", required=False)

    def _check_module(self, item: Item, model: type[models.Model]) -> None:
        self._check_described(item, model)
        self._reference(item, "methodology", "methodologies")
        try:
            if int(item.get("position", 1)) < 0:
                raise ValueError
        except (TypeError, ValueError):
            self._err(item, "position", "must be a whole number of 0 or more")

    def _check_question(self, item: Item, model: type[models.Model]) -> None:
        self._text(item, model, "stem")
        self._text(item, model, "explanation")
        self._reference(item, "module", "modules")
        self._reference(item, "topic", "topics")
        kind = item.get("type", Question.Kind.SINGLE_CHOICE)
        if kind not in Question.Kind.values:
            self._err(item, "type", f"must be one of {', '.join(Question.Kind.values)}")
        self._check_status(item)
        if item.get("reference_url"):
            try:
                self.url_validator(item["reference_url"])
            except ValidationError:
                self._err(item, "reference_url", "is not a valid URL")
        drafts = self._choice_drafts(item)
        if drafts is not None and kind in Question.Kind.values:
            for message in question_choices_errors(kind=kind, choices=drafts):
                self._err(item, "choices", message)

    def _check_status(self, item: Item) -> None:
        status = item.get("status", Question.Status.DRAFT)
        if status not in Question.Status.values:
            self._err(
                item, "status", f"must be one of {', '.join(Question.Status.values)}"
            )
        elif status != Question.Status.RETIRED and item.get("key") in self.retired:
            self._err(
                item, "status", "this question is retired and cannot be brought back"
            )

    def _choice_drafts(self, item: Item) -> list[ChoiceDraft] | None:
        """Check each choice and return them as drafts; None if there is no list."""
        choices = item.get("choices")
        if not isinstance(choices, list):
            self._err(item, "choices", "must be a list")
            return None
        text_length = _max_length(Choice, "text")
        drafts = []
        for j, choice in enumerate(choices):
            if not isinstance(choice, dict) or not isinstance(choice.get("text"), str):
                self._err(item, f"choices[{j}].text", "is required")
                continue
            if len(choice["text"]) > text_length:
                self._err(
                    item,
                    f"choices[{j}].text",
                    f"is longer than {text_length} characters",
                )
            if not isinstance(choice.get("correct", False), bool):
                self._err(item, f"choices[{j}].correct", "must be true or false")
            drafts.append(
                ChoiceDraft(
                    choice["text"],
                    bool(choice.get("correct")),
                    choice.get("feedback") or "",
                )
            )
        return drafts
