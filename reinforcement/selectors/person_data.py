"""A rep's history for a GDPR export: answers, memory states and prompts.

Registered with ``enablement.services.person_data`` by the app config, so
enablement's export includes it without importing reinforcement.
"""

from django.contrib.auth.base_user import AbstractBaseUser

from reinforcement.models import Answer, MemoryState, Prompt


def rep_history_tables(user: AbstractBaseUser) -> dict[str, list[dict]]:
    """{table: rows} of everything reinforcement holds about this person."""
    answers = Answer.objects.filter(rep=user).order_by("answered_at")
    states = MemoryState.objects.filter(rep=user).order_by("question__key")
    prompts = Prompt.objects.filter(rep=user).order_by("local_date", "position")
    return {
        "answers": [
            {
                "id": a["id"],
                "question": a["question__key"],
                "question_version": a["question_version"],
                "chosen_choice_ids": a["chosen_choice_ids"],
                "correct": a["correct"],
                "confidence": a["confidence"],
                "response_ms": a["response_ms"],
                "on_time": a["on_time"],
                "answered_at": a["answered_at"],
            }
            for a in answers.values(
                "id",
                "question__key",
                "question_version",
                "chosen_choice_ids",
                "correct",
                "confidence",
                "response_ms",
                "on_time",
                "answered_at",
            )  # fmt: skip
        ],
        "memory_states": list(
            states.values(
                "question__key",
                "state",
                "stability",
                "difficulty",
                "due",
                "last_review",
                "review_count",
                "lapse_count",
            )  # fmt: skip
        ),
        "prompts": list(
            prompts.values(
                "id",
                "question__key",
                "local_date",
                "source",
                "status",
                "delivered_at",
                "expires_at",
                "answered_at",
            )  # fmt: skip
        ),
    }
