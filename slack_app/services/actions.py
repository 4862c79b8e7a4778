"""What a rep does in a prompt's direct message: pick, answer, pause.

Called after Slack's request was acknowledged (bolt's lazy listeners), by
the Slack user and workspace the signed request names: a Slack user who is
no active rep of that workspace's organization, or a prompt that is not
theirs, changes nothing. Answers go through answer_submit with a key
derived from the Slack action, so a repeated click or a retried request
replays the recorded answer instead of counting it twice. An answer is
recorded before the acknowledgement too (``slack_answer_record``): a web
process that dies after acknowledging loses the message's update, never
the answer.
"""

import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import RepProfile
from enablement.services.people import rep_pause_set
from reinforcement.models import Prompt
from reinforcement.selectors.feedback import answer_feedback_get
from reinforcement.selectors.prompts import (
    answer_get_for_rep,
    prompt_get_for_rep,
    prompt_is_withdrawn_for_rep,
)
from reinforcement.selectors.reps import rep_situation_get
from reinforcement.services.answers import (
    AnswerOutcome,
    AnswerRejected,
    answer_submit,
    prompt_withdrawn_refusal,
)
from slack_app.blocks import (
    escape,
    prompt_answered_blocks,
    prompt_confidence_blocks,
    prompt_fallback_text,
)
from slack_app.client import installation_client
from slack_app.models import SlackMember
from slack_app.selectors import member_for_slack_user
from slack_app.services.messages import prompt_heading

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackAction:
    """Who acted where: from the signed payload."""

    team_id: str
    slack_user_id: str
    channel_id: str
    message_ts: str
    action_id: str
    value: str


def slack_idempotency_key(*, message_ts: str, action_id: str, value: str) -> str:
    """The answer's key: the same click (the same message, button and value)
    always gives the same key, so Slack's retries replay."""
    digest = hashlib.sha256(f"{message_ts}\n{action_id}\n{value}".encode())
    return "slack:" + digest.hexdigest()[:58]


def _heading(prompt: Prompt) -> str:
    siblings = list(
        Prompt.objects.filter(
            rep_id=prompt.rep_id, local_date=prompt.local_date, source=prompt.source
        )
        .exclude(status=Prompt.Status.WITHDRAWN)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    position = siblings.index(prompt.pk) + 1 if prompt.pk in siblings else 1
    return prompt_heading(prompt=prompt, position=position, count=len(siblings))


def _update(member: SlackMember, action: SlackAction, prompt: Prompt, blocks) -> None:
    installation_client(member.installation).chat_update(
        channel=action.channel_id,
        ts=action.message_ts,
        text=prompt_fallback_text(prompt=prompt),
        blocks=blocks,
    )


def _notice(member: SlackMember, channel_id: str, text: str) -> None:
    installation_client(member.installation).chat_postMessage(
        channel=channel_id, text=text
    )


def _prompt_of(
    member: SlackMember, prompt_id: str, channel_id: str = "", *, explain: bool = True
) -> Prompt | None:
    """The member's rep's prompt of that id; None for another's or a malformed
    id. A prompt taken back since it was posted is explained to the rep
    (unless ``explain`` is off: no Slack call before the acknowledgement)."""
    try:
        prompt_uuid = uuid.UUID(str(prompt_id))
    except ValueError:
        return None
    prompt = prompt_get_for_rep(rep_id=member.rep_id, prompt_id=prompt_uuid)
    if (
        explain
        and prompt is None
        and prompt_is_withdrawn_for_rep(rep_id=member.rep_id, prompt_id=prompt_uuid)
    ):
        _notice(member, channel_id, prompt_withdrawn_refusal().message)
    return prompt


def _today(rep_id: int, now: dt.datetime) -> dt.date:
    situation = rep_situation_get(rep_id=rep_id, now=now)
    return situation.local_date if situation else now.date()


def slack_choice_pick(
    *, action: SlackAction, prompt_id: str, choice_ids: list[int], now: dt.datetime
) -> bool:
    """The rep picked their choices: the message asks how sure they are.

    False, changing nothing, if the Slack user is no rep here, the prompt is
    not theirs or the choices are not its question's; an answered prompt
    shows its recorded answer instead.
    """
    member = member_for_slack_user(
        team_id=action.team_id, slack_user_id=action.slack_user_id
    )
    if member is None or not choice_ids:
        return False
    prompt = _prompt_of(member, prompt_id, action.channel_id)
    if prompt is None:
        return False
    if prompt.status == Prompt.Status.ANSWERED:
        return _show_recorded(member, action, prompt)
    valid = {c.pk for c in prompt.question.choices.all()}
    if not set(choice_ids) <= valid:
        return False
    blocks = prompt_confidence_blocks(
        prompt=prompt,
        heading=_heading(prompt),
        choice_ids=choice_ids,
        today=_today(member.rep_id, now),
    )
    _update(member, action, prompt, blocks)
    return True


def _show_recorded(member: SlackMember, action: SlackAction, prompt: Prompt) -> bool:
    answer = answer_get_for_rep(rep_id=member.rep_id, prompt_id=prompt.pk)
    if answer is None:
        return False
    feedback = answer_feedback_get(answer=answer, next_due=None, replayed=True)
    blocks = prompt_answered_blocks(
        prompt=prompt, heading=_heading(prompt), feedback=feedback
    )
    _update(member, action, prompt, blocks)
    return True


def _chosen(value: str) -> tuple[str, list[int]] | None:
    try:
        data = json.loads(value)
        return str(data["p"]), [int(i) for i in data["c"]]
    except (ValueError, KeyError, TypeError):
        return None


def _answer(
    member: SlackMember,
    prompt: Prompt,
    choice_ids: list[int],
    action: SlackAction,
    confidence: str,
    now: dt.datetime,
) -> AnswerOutcome:
    return answer_submit(
        rep_id=member.rep_id,
        prompt_id=prompt.pk,
        choice_ids=choice_ids,
        confidence=confidence,
        idempotency_key=slack_idempotency_key(
            message_ts=action.message_ts,
            action_id=action.action_id,
            value=action.value,
        ),
        now=now,
        channel="slack",
    )


def _answer_target(
    action: SlackAction, *, explain: bool
) -> tuple[SlackMember, Prompt, list[int]] | None:
    """Who answered which of their prompts with which choices; None if the
    Slack user is no rep here, the value is malformed or the prompt not theirs."""
    member = member_for_slack_user(
        team_id=action.team_id, slack_user_id=action.slack_user_id
    )
    chosen = _chosen(action.value)
    if member is None or chosen is None:
        return None
    prompt_id, choice_ids = chosen
    prompt = _prompt_of(member, prompt_id, action.channel_id, explain=explain)
    return None if prompt is None else (member, prompt, choice_ids)


def slack_answer_record(
    *, action: SlackAction, confidence: str, now: dt.datetime
) -> AnswerOutcome | None:
    """Record a confidence click's answer, before Slack is acknowledged, and
    nothing else (no Slack call: the acknowledgement has 3 seconds). None if
    nothing was recorded; the lazy ``slack_answer_submit`` then explains."""
    target = _answer_target(action, explain=False)
    if target is None:
        return None
    member, prompt, choice_ids = target
    try:
        return _answer(member, prompt, choice_ids, action, confidence, now)
    except AnswerRejected:
        return None


def slack_answer_submit(*, action: SlackAction, confidence: str, now: dt.datetime):
    """Record the answer of a confidence click and update the message with the
    verdict; returns the AnswerOutcome, or None if nothing was recorded.

    After ``slack_answer_record`` this replays the recorded answer (same
    key). A refused answer (expired, withdrawn, answered elsewhere) updates
    the message to say so, or to the answer recorded first.
    """
    target = _answer_target(action, explain=True)
    if target is None:
        return None
    member, prompt, choice_ids = target
    try:
        outcome = _answer(member, prompt, choice_ids, action, confidence, now)
    except AnswerRejected as exc:
        if not _show_recorded(member, action, prompt):
            _notice(member, action.channel_id, exc.message)
        logger.info("slack answer refused: %s", exc.code)
        return None
    blocks = prompt_answered_blocks(
        prompt=prompt, heading=_heading(prompt), feedback=outcome.feedback
    )
    _update(member, action, prompt, blocks)
    return outcome


def slack_pause_set(*, action: SlackAction, until: str, now: dt.datetime) -> bool:
    """Pause the rep's questions up to and including the picked day; tells them."""
    member = member_for_slack_user(
        team_id=action.team_id, slack_user_id=action.slack_user_id
    )
    if member is None:
        return False
    profile = RepProfile.objects.select_related("team", "user").get(
        user_id=member.rep_id
    )
    try:
        day = dt.date.fromisoformat(until)
        rep_pause_set(
            profile=profile, until=day, today=_today(member.rep_id, now), via="slack"
        )
    except ValueError:
        _notice(member, action.channel_id, _("Pick a day from the calendar."))
        return False
    except ApplicationError as exc:
        _notice(member, action.channel_id, exc.message)
        return False
    _notice(
        member,
        action.channel_id,
        _("Paused: no questions up to and including %(day)s.")
        % {"day": escape(day.strftime("%A %d %B %Y"))},
    )
    return True
