from reinforcement.models import Prompt


def answer_body(
    prompt: Prompt,
    *,
    correct: bool = True,
    key: str = "key-1",
    confidence="fairly_sure",
) -> dict:
    """A valid answer to the prompt, right or wrong."""
    choices = prompt.question.choices
    choice = (
        choices.get(is_correct=True)
        if correct
        else choices.filter(is_correct=False).first()
    )
    return {"choice_ids": [choice.id], "confidence": confidence, "idempotency_key": key}
