"""The counter writes that fold one new answer into the rollups.

The deltas are ``kpi_rules.answer_rollup_deltas``; this module only maps
them to tables and single-row upserts (see reinforcement.db.write_batch).
"""

from django.db.models import Model

from reinforcement.db.write_batch import Statement, increment_statement
from reinforcement.kpi_rules import (
    PEER_CHOICE_COUNT,
    PEER_QUESTION_COUNT,
    REP_ANSWER_DAY,
    REP_CHOICE_STAT,
    REP_QUESTION_STAT,
    REP_TOPIC_DAY,
    REP_TOPIC_RECALL_BIN,
    AnswerFacts,
    answer_rollup_deltas,
)
from reinforcement.models import (
    PeerChoiceCount,
    PeerQuestionCount,
    RepAnswerDay,
    RepChoiceStat,
    RepQuestionStat,
    RepTopicDay,
    RepTopicRecallBin,
)

ROLLUP_MODELS: dict[str, type[Model]] = {
    REP_TOPIC_DAY: RepTopicDay,
    REP_ANSWER_DAY: RepAnswerDay,
    REP_QUESTION_STAT: RepQuestionStat,
    REP_CHOICE_STAT: RepChoiceStat,
    REP_TOPIC_RECALL_BIN: RepTopicRecallBin,
    PEER_QUESTION_COUNT: PeerQuestionCount,
    PEER_CHOICE_COUNT: PeerChoiceCount,
}


def rollup_answer_statements(facts: AnswerFacts) -> list[Statement]:
    """The writes that fold one new answer into the counters.

    Run them inside the answer's write. Each is one indexed single-row
    upsert: no read of the log.
    """
    return [
        increment_statement(
            ROLLUP_MODELS[delta.table],
            delta.key,
            defaults=delta.defaults or None,
            latest=delta.latest or None,
            **delta.increments,
        )
        for delta in answer_rollup_deltas(facts)
    ]
