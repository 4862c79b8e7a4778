"""The POST data of admin forms, as a browser would send them."""

from enablement.models import Question


def question_change_form(
    question: Question, *, stem: str | None = None, correct_index: int | None = None,
    **extra: str,
) -> dict[str, str]:  # fmt: skip
    """The question's change form as stored, with its choices inline; ``stem``
    and ``correct_index`` (the one correct choice) change it, ``extra`` adds or
    overrides fields (``change_kind``)."""
    stored = list(question.choices.order_by("position"))
    form = {
        "module": question.module_id,
        "topic": question.topic_id,
        "key": question.key,
        "kind": question.kind,
        "stem": question.stem if stem is None else stem,
        "explanation": question.explanation,
        "reference_url": "",
        "choices-TOTAL_FORMS": str(len(stored)),
        "choices-INITIAL_FORMS": str(len(stored)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "6",
        "_save": "Save",
        **extra,
    }
    for i, c in enumerate(stored):
        form |= {
            f"choices-{i}-id": str(c.pk),
            f"choices-{i}-question": str(question.pk),
            f"choices-{i}-position": str(c.position),
            f"choices-{i}-text": c.text,
        }
        if c.is_correct if correct_index is None else i == correct_index:
            form[f"choices-{i}-is_correct"] = "on"
    return form
