"""`/reinforce <topic>`: a refresher on a topic, posted as direct messages."""

import datetime as dt
import logging

from django.utils.translation import gettext as _

from reinforcement.selectors.reps import (
    EnrolledTopic,
    rep_situation_get,
    topics_enrolled_for_rep,
)
from reinforcement.services.refresher import RefresherRejected, refresher_create
from slack_app.blocks import escape
from slack_app.client import installation_client
from slack_app.models import SlackMember
from slack_app.services.members import member_dm_channel
from slack_app.services.messages import slack_prompts_post

logger = logging.getLogger(__name__)


def topic_match(*, text: str, topics: list[EnrolledTopic]) -> EnrolledTopic | None:
    """The topic named by text: its key or name, else the one name that starts so."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    for topic in topics:
        if wanted in (topic.key.casefold(), topic.name.casefold()):
            return topic
    starting = [t for t in topics if t.name.casefold().startswith(wanted)]
    return starting[0] if len(starting) == 1 else None


def _topic_list(topics: list[EnrolledTopic]) -> str:
    return ", ".join(f"`{escape(t.key)}` ({escape(t.name)})" for t in topics)


def slack_refresher_start(
    *, member: SlackMember, text: str, now: dt.datetime
) -> tuple[int, str]:
    """Create a refresher on the named topic and post it; returns (questions
    posted, the message sent to the rep). A topic that matches none, or a
    refusal of the refresher service, is explained in the direct message."""
    client = installation_client(member.installation)
    channel = member_dm_channel(client=client, member=member)
    situation = rep_situation_get(rep_id=member.rep_id, now=now)
    topics = topics_enrolled_for_rep(situation=situation) if situation else []
    topic = topic_match(text=text, topics=topics)
    message = ""
    if not topics:
        message = _("You are not enrolled in any topic yet.")
    elif topic is None:
        message = _("Which topic? `/reinforce <topic>` with one of: %(topics)s") % {
            "topics": _topic_list(topics)
        }
    else:
        try:
            prompts = refresher_create(situation=situation, now=now, topic_id=topic.id)
        except RefresherRejected as exc:
            message = exc.message
        else:
            message = _("A refresher on %(topic)s: %(n)d questions, weakest first.") % {
                "topic": escape(topic.name),
                "n": len(prompts),
            }
            client.chat_postMessage(channel=channel, text=message)
            posted = slack_prompts_post(
                member=member,
                prompt_ids=[p.pk for p in prompts],
                today=situation.local_date,
                now=now,
            )
            return posted, message
    client.chat_postMessage(channel=channel, text=message)
    return 0, message
