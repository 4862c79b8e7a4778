"""Input and output serializers of the read-only KPI API (plain Serializers)."""

from rest_framework import serializers

from reinforcement.api.serializers import QueryParamsSerializer
from reinforcement.kpi_rules import MIN_ANSWERS
from reinforcement.selectors.scoping import MAX_ID


def _id_param(help_text: str) -> serializers.IntegerField:
    # Bounded above too: an id past 64 bits overflows SQLite's integers.
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=help_text
    )


class KpiScopeInputSerializer(QueryParamsSerializer):
    organization = _id_param("Organization id (default: the first visible).")
    team = _id_param("Narrow to one visible team (default: all visible).")


class KpiTopicInputSerializer(KpiScopeInputSerializer):
    topic = _id_param("Topic id (default: the weakest topic).")


_NOT_ENOUGH_ANSWERS = (
    f" Null when fewer than {MIN_ANSWERS} answers stand behind it"
    " (not enough answers yet, docs/kpis.md)."
)
_NOT_ENOUGH_REVIEWS = (
    f" Null when fewer than {MIN_ANSWERS} spaced reviews stand behind it"
    " (not enough answers yet, docs/kpis.md)."
)


class RetentionOutputSerializer(serializers.Serializer):
    answers = serializers.IntegerField(help_text="Answers of all time.")
    enough_answers = serializers.BooleanField(
        help_text=f"Whether there are {MIN_ANSWERS} answers, so predicted_retention "
        "is given."
    )
    enough_reviews = serializers.BooleanField(
        help_text=f"Whether there are {MIN_ANSWERS} spaced reviews, so the observed "
        "figures and predicted_at_review are given."
    )
    predicted_retention = serializers.FloatField(
        source="predicted",
        allow_null=True,
        help_text="Mean predicted recall if asked today." + _NOT_ENOUGH_ANSWERS,
    )
    observed_retention = serializers.FloatField(
        source="observed",
        allow_null=True,
        help_text="Guessing-corrected accuracy on spaced reviews (90 days)."
        + _NOT_ENOUGH_REVIEWS,
    )
    raw_review_accuracy = serializers.FloatField(
        source="raw_accuracy", allow_null=True, help_text=_NOT_ENOUGH_REVIEWS.strip()
    )
    predicted_at_review = serializers.FloatField(
        allow_null=True,
        help_text="The model's mean predicted recall at answer time of the reviews "
        "in observed_retention (the calibration pair)." + _NOT_ENOUGH_REVIEWS,
    )
    reviews = serializers.IntegerField()
    mastery = serializers.FloatField(allow_null=True)
    enrolled = serializers.IntegerField()
    introduced = serializers.IntegerField()
    mastered = serializers.IntegerField()
    certain_wrong = serializers.IntegerField()


class RepOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="rep_id")
    username = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField()


class TeamSummaryOutputSerializer(serializers.Serializer):
    team_id = serializers.IntegerField()
    name = serializers.CharField()
    reps = serializers.IntegerField()
    retention = RetentionOutputSerializer()
    participation = serializers.FloatField(allow_null=True)
    delivered = serializers.IntegerField()
    answered_on_time = serializers.IntegerField()
    active_7d = serializers.IntegerField(source="active_7")
    active_30d = serializers.IntegerField(source="active_30")


class ScopeSummaryOutputSerializer(serializers.Serializer):
    label = serializers.CharField()
    target_retention = serializers.FloatField(source="target")
    total = TeamSummaryOutputSerializer()
    teams = TeamSummaryOutputSerializer(many=True)


class HeatmapCellOutputSerializer(serializers.Serializer):
    rep_id = serializers.IntegerField()
    topic_id = serializers.IntegerField()
    retention = RetentionOutputSerializer()


class TopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    key = serializers.CharField()
    name = serializers.CharField()


class HeatmapOutputSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    reps = RepOutputSerializer(many=True)
    topics = TopicOutputSerializer(many=True)
    cells = HeatmapCellOutputSerializer(many=True)
    total = RetentionOutputSerializer()


class CoachingItemOutputSerializer(serializers.Serializer):
    rep = RepOutputSerializer()
    topic = TopicOutputSerializer(allow_null=True)
    gap = serializers.FloatField(help_text="Target minus predicted retention.")
    retention = RetentionOutputSerializer()


class ParticipationRowOutputSerializer(serializers.Serializer):
    rep = RepOutputSerializer()
    delivered = serializers.IntegerField()
    answered_on_time = serializers.IntegerField()
    participation = serializers.FloatField(source="rate", allow_null=True)
    active_7d = serializers.BooleanField(source="active_7")
    active_30d = serializers.BooleanField(source="active_30")
    current_streak = serializers.IntegerField()
    longest_streak = serializers.IntegerField()
    answered_by_channel = serializers.DictField(
        child=serializers.IntegerField(),
        source="by_channel",
        help_text="Answers in the window per channel (web, api, slack, teams, email).",
    )


class ParticipationOutputSerializer(serializers.Serializer):
    delivered = serializers.IntegerField()
    answered_on_time = serializers.IntegerField()
    participation = serializers.FloatField(source="rate", allow_null=True)
    active_7d = serializers.IntegerField(source="active_7")
    active_30d = serializers.IntegerField(source="active_30")
    answered_by_channel = serializers.DictField(
        child=serializers.IntegerField(),
        source="by_channel",
        help_text="Answers in the window per channel (web, api, slack, teams, email).",
    )
    reps = ParticipationRowOutputSerializer(many=True, source="rows")


class TrendPointOutputSerializer(serializers.Serializer):
    week = serializers.DateField()
    answers = serializers.IntegerField(help_text="Answers up to the week's end.")
    predicted_retention = serializers.FloatField(
        source="predicted", allow_null=True, help_text=_NOT_ENOUGH_ANSWERS.strip()
    )
    observed_retention = serializers.FloatField(
        source="observed",
        allow_null=True,
        help_text="Of the week's spaced reviews." + _NOT_ENOUGH_REVIEWS,
    )
    reviews = serializers.IntegerField()
    participation = serializers.FloatField(allow_null=True)
    delivered = serializers.IntegerField()
    mastery = serializers.FloatField(allow_null=True)


class CurvePointOutputSerializer(serializers.Serializer):
    days_from = serializers.IntegerField(source="bin_start")
    days_to = serializers.IntegerField(source="bin_end", allow_null=True)
    reviews = serializers.IntegerField()
    observed_recall = serializers.FloatField(
        source="observed", allow_null=True, help_text=_NOT_ENOUGH_REVIEWS.strip()
    )
    model_recall = serializers.FloatField(
        source="predicted", allow_null=True, help_text=_NOT_ENOUGH_REVIEWS.strip()
    )


class ForgettingCurveOutputSerializer(serializers.Serializer):
    topic = TopicOutputSerializer()
    points = CurvePointOutputSerializer(many=True)


class ChoicePicksOutputSerializer(serializers.Serializer):
    choice_id = serializers.IntegerField()
    text = serializers.CharField()
    picks = serializers.IntegerField()
    certain_picks = serializers.IntegerField()


class QuestionPerformanceOutputSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    key = serializers.CharField()
    topic = serializers.CharField()
    answers = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    first_try_accuracy = serializers.FloatField(allow_null=True)
    reps = serializers.IntegerField()
    discrimination = serializers.FloatField(allow_null=True)
    certain_wrong = serializers.IntegerField()
    wrong_choices = ChoicePicksOutputSerializer(many=True)
    flags = serializers.ListField(child=serializers.CharField())


class MisconceptionOutputSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    question_key = serializers.CharField()
    topic = serializers.CharField()
    choice_text = serializers.CharField()
    certain_picks = serializers.IntegerField()
    reps = serializers.IntegerField()


class RampRowOutputSerializer(serializers.Serializer):
    rep = RepOutputSerializer()
    module_id = serializers.IntegerField()
    module = serializers.CharField()
    new_hire = serializers.BooleanField()
    started_on = serializers.DateField()
    mastered_on = serializers.DateField(source="reached_on", allow_null=True)
    days = serializers.IntegerField(help_text="To mastery, or so far if not reached.")
    team_median_days = serializers.FloatField(allow_null=True)
    new_hire_median_days = serializers.FloatField(allow_null=True)


# Memory model report ------------------------------------------------------------


class CalibrationBinOutputSerializer(serializers.Serializer):
    low = serializers.FloatField(help_text="Lower edge of predicted P(right).")
    high = serializers.FloatField()
    answers = serializers.IntegerField()
    predicted = serializers.FloatField(
        allow_null=True, help_text="Mean predicted probability of a right answer."
    )
    observed = serializers.FloatField(
        allow_null=True, help_text="Share of these answers that were right."
    )


class CalibrationOutputSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    log_loss = serializers.FloatField(allow_null=True)
    rmse_bins = serializers.FloatField(allow_null=True)
    bins = CalibrationBinOutputSerializer(many=True)


class MemoryModelFitOutputSerializer(serializers.Serializer):
    fitted_at = serializers.DateTimeField()
    adopted = serializers.BooleanField()
    likelihood = serializers.CharField(help_text="answers, or grades (before 2026-12).")
    train_reviews = serializers.IntegerField()
    holdout_reviews = serializers.IntegerField()
    holdout_from = serializers.DateTimeField(allow_null=True)
    current_log_loss = serializers.FloatField(allow_null=True)
    candidate_log_loss = serializers.FloatField(allow_null=True)
    current_rmse_bins = serializers.FloatField(allow_null=True)
    candidate_rmse_bins = serializers.FloatField(allow_null=True)
    note = serializers.CharField()


class RepMemorySummaryOutputSerializer(serializers.Serializer):
    reps = serializers.IntegerField(help_text="Active reps of the organization.")
    own = serializers.IntegerField(
        help_text="Reps with a forgetting multiplier of their own in use."
    )
    faster = serializers.IntegerField(
        help_text="Of them, forgetting faster than the organization's model."
    )
    slower = serializers.IntegerField(help_text="Of them, forgetting more slowly.")
    not_adopted = serializers.IntegerField(
        help_text="Fitted but not adopted (the organization's model is used)."
    )
    too_few = serializers.IntegerField(help_text="Too few answers for a fit yet.")
    quartiles = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="Min, 25%, median, 75%, max of the multipliers in use; "
        "null under 5 reps. No rep is named.",
    )


class MemoryModelReportOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    parameters = serializers.ListField(
        child=serializers.FloatField(),
        help_text="The 21 FSRS-6 parameters in use (the FSRS-6 defaults until a fit is adopted).",
    )
    adopted = MemoryModelFitOutputSerializer(
        allow_null=True, help_text="The fit in use; null: the defaults."
    )
    latest = MemoryModelFitOutputSerializer(
        allow_null=True, help_text="The newest refit that scored a hold-out."
    )
    model = CalibrationOutputSerializer(
        allow_null=True,
        help_text="On the latest hold-out: the model in use after that refit.",
    )
    default = CalibrationOutputSerializer(
        allow_null=True, help_text="On the same answers: the FSRS-6 defaults."
    )
    fits = MemoryModelFitOutputSerializer(many=True, help_text="Newest first.")
    reps = RepMemorySummaryOutputSerializer(
        help_text="Memory per rep: how many reps forget faster or more slowly "
        "than the organization's model, counted."
    )
