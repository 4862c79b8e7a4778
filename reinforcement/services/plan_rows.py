"""The Prompt rows of a drafted plan, shared by planning and re-planning."""

from reinforcement.models import DailyPlan, Prompt


def plan_prompts(
    draft,
    plan: DailyPlan,
    *,
    skip: frozenset[int] = frozenset(),
    start: int = 1,
    **extra,
) -> list[Prompt]:
    """The draft's prompts (but those of questions in `skip`), numbered from `start`."""
    pairs = zip(draft.question_ids, draft.recalls, strict=True)
    return [
        Prompt(
            rep_id=draft.ctx.schedule.rep_id,
            question_id=qid,
            plan=plan,
            local_date=draft.local_date,
            position=position,
            predicted_recall=recall,
            expires_at=draft.expires_at,
            **extra,
        )
        for position, (qid, recall) in enumerate(
            [p for p in pairs if p[0] not in skip], start=start
        )
    ]
