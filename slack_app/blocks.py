"""Block Kit of a prompt's direct message: open, asking for confidence, answered.

The open message carries nothing that tells the right choice from a wrong
one: every choice button has the same style and a value of the prompt and
the choice id alone; correctness is only known once answer_submit graded it.
Reads no database: the prompt comes with its question and choices loaded.
"""

import datetime as dt
import json
import string

from django.utils.translation import gettext as _

from reinforcement.models import Answer, Prompt
from reinforcement.selectors.feedback import AnswerFeedback

CHOICE = "choice"  # action ids "choice:<n>": one button per choice
CHOICES_TOGGLE = "choices_toggle"  # the checkboxes of a select-all question
CHOICES_SUBMIT = "choices_submit"
CONFIDENCE = "confidence"  # action ids "confidence:<level>"
PAUSE = "pause_until"
CHOICES_BLOCK = "choices"
# Block Kit limits: checkbox option text 150 characters, message text 3000.
OPTION_TEXT_MAX = 140
SECTION_TEXT_MAX = 2900
LETTERS = string.ascii_uppercase


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: only &, < and > are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_MAX]},
    }


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, value: str) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75]},
        "action_id": action_id,
        "value": value,
    }


def _choices(prompt: Prompt) -> list:
    return list(prompt.question.choices.all())


def _question_blocks(prompt: Prompt, heading: str) -> list[dict]:
    question = prompt.question
    lines = [
        f"*{LETTERS[i]}.* {escape(choice.text)}"
        for i, choice in enumerate(_choices(prompt))
    ]
    return [
        _context(f"{escape(heading)} · {escape(question.topic.name)}"),
        _section(escape(question.stem)),
        _section("\n".join(lines)),
    ]


def pause_block(today: dt.date) -> dict:
    """A datepicker: no questions up to and including the chosen day."""
    return {
        "type": "actions",
        "block_id": "pause",
        "elements": [
            {
                "type": "datepicker",
                "action_id": PAUSE,
                "initial_date": today.isoformat(),
                "placeholder": {"type": "plain_text", "text": _("Pause until…")},
            }
        ],
    }


def prompt_open_blocks(*, prompt: Prompt, heading: str, today: dt.date) -> list[dict]:
    """The question with its choices to pick: buttons, or checkboxes and Submit."""
    choices = _choices(prompt)
    blocks = _question_blocks(prompt, heading)
    if prompt.question.kind == prompt.question.Kind.MULTIPLE_CHOICE:
        options = [
            {
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{LETTERS[i]}.* {escape(c.text)}"[:OPTION_TEXT_MAX],
                },
                "value": str(c.pk),
            }
            for i, c in enumerate(choices)
        ]
        elements = [
            {"type": "checkboxes", "action_id": CHOICES_TOGGLE, "options": options},
            _button(_("Submit"), CHOICES_SUBMIT, str(prompt.pk)),
        ]
        blocks.append(_context(_("Select all that apply.")))
    else:
        elements = [
            _button(LETTERS[i], f"{CHOICE}:{i}", f"{prompt.pk}:{c.pk}")
            for i, c in enumerate(choices)
        ]
    blocks.append({"type": "actions", "block_id": CHOICES_BLOCK, "elements": elements})
    blocks.append(pause_block(today))
    return blocks


def chosen_value(*, prompt_id: str, choice_ids: list[int]) -> str:
    """A confidence button's value: the prompt and the choices picked before."""
    return json.dumps({"p": prompt_id, "c": sorted(choice_ids)}, separators=(",", ":"))


def _chosen_letters(prompt: Prompt, choice_ids: list[int]) -> str:
    picked = set(choice_ids)
    return ", ".join(
        LETTERS[i] for i, c in enumerate(_choices(prompt)) if c.pk in picked
    )


def prompt_confidence_blocks(
    *, prompt: Prompt, heading: str, choice_ids: list[int], today: dt.date
) -> list[dict]:
    """The question with the rep's pick, asking how sure they are."""
    value = chosen_value(prompt_id=str(prompt.pk), choice_ids=choice_ids)
    picked = _chosen_letters(prompt, choice_ids)
    return [
        *_question_blocks(prompt, heading),
        _section(
            _("Your answer: *%(picked)s*. How sure are you?") % {"picked": picked}
        ),
        {
            "type": "actions",
            "block_id": CONFIDENCE,
            "elements": [
                _button(str(label), f"{CONFIDENCE}:{level}", value)
                for level, label in Answer.Confidence.choices
            ],
        },
        pause_block(today),
    ]


def _peers_line(prompt: Prompt, feedback: AnswerFeedback) -> str:
    letters = {c.pk: LETTERS[i] for i, c in enumerate(_choices(prompt))}
    peers = feedback.peers
    parts = [
        f"{letters.get(choice.choice_id, '?')} {round(choice.share * 100)}%"
        for choice in peers.choices
    ]
    return _("How peers answered (%(n)d answers): %(parts)s") % {
        "n": peers.total,
        "parts": " · ".join(parts),
    }


def prompt_answered_blocks(
    *, prompt: Prompt, heading: str, feedback: AnswerFeedback
) -> list[dict]:
    """The verdict, the explanation, the playbook link and how peers answered."""
    choices = _choices(prompt)
    right = [
        f"*{LETTERS[i]}.* {escape(c.text)}"
        for i, c in enumerate(choices)
        if c.pk in set(feedback.correct_choice_ids)
    ]
    picked = _chosen_letters(prompt, feedback.chosen_choice_ids)
    if feedback.correct:
        verdict = _(":white_check_mark: *Correct* (you answered %(picked)s).")
    else:
        verdict = _(":x: *Not quite* (you answered %(picked)s). The answer: %(right)s")
    blocks = [
        *_question_blocks(prompt, heading),
        _section(verdict % {"picked": picked, "right": "; ".join(right)}),
        _section(escape(feedback.explanation)),
    ]
    if feedback.reference_url:
        blocks.append(
            _section(f"<{escape(feedback.reference_url)}|{_('Open the playbook')}>")
        )
    blocks.append(_context(_peers_line(prompt, feedback)))
    return blocks


def prompt_fallback_text(*, prompt: Prompt) -> str:
    """The notification text (and what clients without Block Kit show)."""
    return prompt.question.stem[:150]
