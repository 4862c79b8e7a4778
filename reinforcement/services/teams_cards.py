"""The daily dose as a Microsoft Teams Adaptive Card (docs/channels.md).

Posted to the rep's team channel through its Workflows webhook, so it names
the rep and shows each question's stem, never its choices (the channel is
shared). Each question opens on the rep's Today page already chosen
(``?prompt=<id>``); answering happens there, through ``answer_submit`` like
every channel (answering inside Teams needs a Bot Framework bot: see the docs).
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.teams import adaptive_card_message
from reinforcement.models import Prompt

# Teams shows at most six buttons on a card; the last opens all of today.
MAX_QUESTION_ACTIONS = 5


def prompt_url(*, today_url: str, prompt: Prompt) -> str:
    """The rep's Today page with this question chosen."""
    return f"{today_url}?{urlencode({'prompt': str(prompt.pk)})}"


def dose_card(
    *, rep_name: str, prompts: Sequence[Prompt], today_url: str
) -> dict[str, Any]:
    """The Workflows webhook message of one rep's dose: title, stems, buttons."""
    title = ngettext(
        "%(name)s: your question for today",
        "%(name)s: your %(n)d questions for today",
        len(prompts),
    ) % {"name": rep_name, "n": len(prompts)}
    topics = ", ".join(sorted({p.question.topic.name for p in prompts}))
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "TextBlock", "text": topics, "isSubtle": True, "wrap": True,
         "spacing": "None"},
    ]  # fmt: skip
    for number, prompt in enumerate(prompts, start=1):
        body.append(
            {
                "type": "Container",
                "separator": True,
                "selectAction": {
                    "type": "Action.OpenUrl",
                    "url": prompt_url(today_url=today_url, prompt=prompt),
                },
                "items": [
                    {
                        "type": "TextBlock",
                        "text": f"{number}. {prompt.question.stem}",
                        "wrap": True,
                    },
                ],  # fmt: skip
            }
        )
    actions = [
        {
            "type": "Action.OpenUrl",
            "title": _("Answer question %(n)d") % {"n": number},
            "url": prompt_url(today_url=today_url, prompt=prompt),
        }
        for number, prompt in enumerate(prompts[:MAX_QUESTION_ACTIONS], start=1)
    ]
    actions.append(
        {
            "type": "Action.OpenUrl",
            "title": _("Open today's questions"),
            "url": today_url,
        }
    )
    return adaptive_card_message(body=body, actions=actions)
