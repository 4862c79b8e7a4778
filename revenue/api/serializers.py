"""The CRM webhook's documented shapes (docs/revenue.md, "Webhook").

The view reads the raw body (it is signed) with the adapter of ``?source=``;
these serializers describe the generic shape and the answer in the schema.
"""

from rest_framework import serializers


class CrmOwnerSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    id = serializers.CharField(required=False, max_length=120)


class CrmStageSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=120)
    name = serializers.CharField(required=False, max_length=120)
    kind = serializers.ChoiceField(choices=["open", "won", "lost"], required=False)


class CrmOpportunitySerializer(serializers.Serializer):
    id = serializers.CharField(max_length=120)
    name = serializers.CharField(required=False, max_length=255)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.CharField(required=False, max_length=3)
    pipeline = serializers.CharField(required=False, max_length=120)
    stage = CrmStageSerializer(required=False)
    stage_changed_at = serializers.DateTimeField(required=False)
    owner = CrmOwnerSerializer(required=False)
    created_at = serializers.DateTimeField(required=False)
    expected_close = serializers.DateField(required=False)
    closed_at = serializers.DateTimeField(required=False, allow_null=True)


class CrmLeadSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=120)
    owner = CrmOwnerSerializer(required=False)
    created_at = serializers.DateTimeField(required=False)
    converted_at = serializers.DateTimeField(required=False, allow_null=True)
    opportunity_id = serializers.CharField(required=False, max_length=120)


class CrmEventSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=200, help_text="Unique per event: a retry sends it again."
    )
    type = serializers.ChoiceField(choices=["opportunity", "lead"])
    occurred_at = serializers.DateTimeField()
    opportunity = CrmOpportunitySerializer(required=False)
    lead = CrmLeadSerializer(required=False)


class CrmBatchInputSerializer(serializers.Serializer):
    events = CrmEventSerializer(many=True)


class CrmEventResultSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["applied", "duplicate"])
    message = serializers.CharField(allow_blank=True)


class CrmBatchOutputSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    results = CrmEventResultSerializer(many=True)
    stages_created = serializers.ListField(child=serializers.CharField())
    unknown_owners = serializers.ListField(child=serializers.CharField())
