"""Serializers of the outcome KPI API (docs/kpis.md, "Outcomes")."""

from rest_framework import serializers

from reinforcement.api.kpi_serializers import KpiScopeInputSerializer
from revenue.selectors.outcomes import DEFAULT_MONTHS, MAX_MONTHS


class OutcomeScopeInputSerializer(KpiScopeInputSerializer):
    months = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_MONTHS,
        default=DEFAULT_MONTHS,
        help_text="The last N UTC calendar months, this one included.",
    )


class OutcomeFiguresSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Deals created in the window.")
    won = serializers.IntegerField(help_text="Deals closed won in the window.")
    lost = serializers.IntegerField(help_text="Deals closed lost in the window.")
    win_rate = serializers.FloatField(
        allow_null=True, help_text="won / (won + lost); null with nothing closed."
    )
    cycle_median_days = serializers.FloatField(
        allow_null=True, help_text="Median whole days from created to closed won."
    )
    leads = serializers.IntegerField(help_text="Leads created in the window.")
    leads_converted = serializers.IntegerField()
    lead_conversion = serializers.FloatField(
        allow_null=True,
        help_text="leads_converted / leads; null (not available) without lead data.",
    )


class TeamOutcomeSerializer(serializers.Serializer):
    team = serializers.CharField()
    figures = OutcomeFiguresSerializer()


class RepOutcomeSerializer(serializers.Serializer):
    rep_id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField()
    figures = OutcomeFiguresSerializer()


class StageOutcomeSerializer(serializers.Serializer):
    stage_id = serializers.IntegerField()
    name = serializers.CharField()
    entries = serializers.IntegerField(help_text="Entries into the stage.")
    resolved = serializers.IntegerField(help_text="Entries that have left it.")
    converted = serializers.IntegerField(help_text="Left to a later stage or won.")
    conversion = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(
        allow_null=True, help_text="Median whole days in the stage of those that left."
    )


class MonthOutcomeSerializer(serializers.Serializer):
    month = serializers.DateField()
    figures = OutcomeFiguresSerializer()


class OutcomeSummarySerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    total = OutcomeFiguresSerializer()
    teams = TeamOutcomeSerializer(many=True)
    stages = StageOutcomeSerializer(many=True)
    trend = MonthOutcomeSerializer(many=True)


class IntervalSerializer(serializers.Serializer):
    estimate = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()


class TargetComparisonSerializer(serializers.Serializer):
    enough = serializers.BooleanField(help_text="False: not enough data.")
    above_resolved = serializers.IntegerField()
    above_converted = serializers.IntegerField()
    below_resolved = serializers.IntegerField()
    below_converted = serializers.IntegerField()
    reps = serializers.IntegerField()
    above_rate = serializers.FloatField(allow_null=True)
    below_rate = serializers.FloatField(allow_null=True)
    difference = IntervalSerializer(
        allow_null=True, help_text="above - below, 95% interval clustered by rep."
    )


class LogisticSerializer(serializers.Serializer):
    enough = serializers.BooleanField()
    entries = serializers.IntegerField()
    reps = serializers.IntegerField()
    odds_ratio = IntervalSerializer(
        allow_null=True,
        help_text="Odds ratio of converting per 10 points of retention, 95% interval.",
    )
    p_value = serializers.FloatField(allow_null=True)


class BandSerializer(serializers.Serializer):
    label = serializers.CharField()
    resolved = serializers.IntegerField()
    converted = serializers.IntegerField()
    rate = IntervalSerializer(allow_null=True, help_text="Wilson 95% interval.")


class StageRetentionSerializer(serializers.Serializer):
    stage_id = serializers.IntegerField()
    stage = serializers.CharField()
    topics = serializers.ListField(child=serializers.CharField())
    target = serializers.FloatField()
    comparison = TargetComparisonSerializer()
    logistic = LogisticSerializer()
    bands = BandSerializer(many=True)
