"""Input and output serializers of the rep API, kept separate per endpoint."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.errors import ApplicationError
from reinforcement.models import Answer, Prompt
from reinforcement.selectors.scoping import MAX_ID
from reinforcement.services.refresher import DEFAULT_REFRESHER_SIZE, MAX_REFRESHER_SIZE

# Errors ---------------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable, e.g. not_found."))
    message = serializers.CharField(help_text=_("For people; translated."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "Per-field messages when the input was invalid, else empty: each "
            "field's path (nested ones dotted, e.g. choice_ids.0; the body as a "
            "whole is non_field_errors) maps to a list of messages."
        ),
    )


# Strict JSON types -----------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A JSON string only, taken as sent.

    DRF's CharField would take 5 for "5" and strip "  " to a blank it then
    refuses, neither of which the schema can say.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON number only: DRF's IntegerField would take "5" for 5."""

    def to_internal_value(self, data):
        if isinstance(data, str | bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClientDateTimeField(serializers.DateTimeField):
    """A client's timestamp: one that no datetime can hold in UTC is a 422.

    The schema's date-time takes 0001-01-01T00:00:00+14:00, which is before
    year 1 in UTC; like a timestamp in the future, it is well formed but not
    an instant the answer can have happened at.
    """

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError as exc:
            if exc.get_codes() == ["overflow"]:
                raise ApplicationError(
                    "timestamp_out_of_range",
                    _("The answer's timestamp is out of range."),
                ) from None
            raise


# Query parameters ------------------------------------------------------------


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters: a parameter sent empty (``?team=``) is refused.

    DRF reads an empty query value of an optional field as absent; the
    schema says an integer or a choice, so the API refuses it as invalid.
    """

    def to_internal_value(self, data):
        blank = [
            name for name in self.fields if name in data and not str(data[name]).strip()
        ]
        if blank:
            raise serializers.ValidationError(
                {
                    name: [_("Send a value or leave the parameter out.")]
                    for name in blank
                }
            )
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# Open prompts: never which choice is correct ---------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class OpenChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class OpenQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=["single_choice", "multiple_choice", "true_false"],
        help_text=_("multiple_choice: pick every right choice; else exactly one."),
    )
    stem = serializers.CharField()
    topic = RefSerializer()
    module = RefSerializer()
    choices = OpenChoiceSerializer(many=True, source="choices.all")


class PromptOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Prompt.Status.choices)
    source = serializers.ChoiceField(choices=Prompt.Source.choices)
    local_date = serializers.DateField(help_text=_("The rep's local day it was asked."))
    position = serializers.IntegerField()
    expires_at = serializers.DateTimeField(help_text=_("Answer before this instant."))
    # Why a refresher came by itself ("Refresher for Acme (entered Discovery)").
    trigger = serializers.CharField(source="trigger.label", allow_null=True)
    question = OpenQuestionSerializer()


class PromptListFilterSerializer(QueryParamsSerializer):
    source = serializers.ChoiceField(
        choices=Prompt.Source.choices, required=False, help_text=_("Only this source.")
    )


# Answering -------------------------------------------------------------------


class AnswerInputSerializer(serializers.Serializer):
    choice_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=10,
        help_text=_(
            "Chosen choice ids; exactly one unless the kind is multiple_choice."
        ),
    )
    confidence = serializers.ChoiceField(choices=Answer.Confidence.choices)
    idempotency_key = StrictCharField(
        max_length=64,
        help_text=_(
            "Unique per answer attempt (a UUID is fine); a retry with the same key "
            "and the same body returns the first result, the same key with other "
            "choices or confidence is refused (422 idempotency_key_mismatch)."
        ),
    )
    response_ms = StrictIntegerField(
        min_value=0,
        max_value=86_400_000,
        required=False,
        allow_null=True,
        help_text=_("Milliseconds from showing the question to answering."),
    )
    client_answered_at = ClientDateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When the rep answered, by the client's clock (ISO 8601)."),
    )


class ChoiceFeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    is_correct = serializers.BooleanField()
    chosen = serializers.BooleanField()
    feedback = serializers.CharField(allow_blank=True)


class PeerChoiceSerializer(serializers.Serializer):
    choice_id = serializers.IntegerField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text=_("count / total, 0 to 1."))


class PeerDistributionSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        help_text=_("The organization's answers to the question, this one included.")
    )
    choices = PeerChoiceSerializer(many=True)


class AnswerOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=_("The answer's id."))
    prompt_id = serializers.UUIDField()
    replayed = serializers.BooleanField(
        help_text=_(
            "True when this idempotency key had been seen: nothing new written."
        )
    )
    correct = serializers.BooleanField()
    confidence = serializers.ChoiceField(choices=Answer.Confidence.choices)
    chosen_choice_ids = serializers.ListField(child=serializers.IntegerField())
    correct_choice_ids = serializers.ListField(child=serializers.IntegerField())
    explanation = serializers.CharField()
    reference_url = serializers.CharField(allow_blank=True)
    choices = ChoiceFeedbackSerializer(many=True)
    peers = PeerDistributionSerializer()
    next_due = serializers.DateTimeField(
        allow_null=True, help_text=_("When the question is due to come back.")
    )
    answered_at = serializers.DateTimeField()

    def to_representation(self, instance) -> dict:
        """The same dict the declared fields produce, built directly.

        Every rep answer renders this; DRF's generic path deep-copies about
        twenty field objects per response, a sixth of the answer request's
        CPU. The fields above still define the schema, and a test checks
        this output equals the generic one.
        """
        datetime = _DATETIME_FIELD.to_representation
        peers = instance.peers
        return {
            "id": str(instance.id),
            "prompt_id": str(instance.prompt_id),
            "replayed": instance.replayed,
            "correct": instance.correct,
            "confidence": instance.confidence,
            "chosen_choice_ids": [int(i) for i in instance.chosen_choice_ids],
            "correct_choice_ids": [int(i) for i in instance.correct_choice_ids],
            "explanation": instance.explanation,
            "reference_url": instance.reference_url,
            "choices": [
                {
                    "id": c.id,
                    "text": c.text,
                    "is_correct": c.is_correct,
                    "chosen": c.chosen,
                    "feedback": c.feedback,
                }
                for c in instance.choices
            ],
            "peers": {
                "total": peers.total,
                "choices": [
                    {"choice_id": c.choice_id, "count": c.count, "share": c.share}
                    for c in peers.choices
                ],
            },
            "next_due": datetime(instance.next_due) if instance.next_due else None,
            "answered_at": datetime(instance.answered_at),
        }


_DATETIME_FIELD = serializers.DateTimeField()


# Progress --------------------------------------------------------------------


class TopicProgressSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    enrolled = serializers.IntegerField()
    introduced = serializers.IntegerField(help_text=_("Answered at least once."))
    mastered = serializers.IntegerField()
    mastery = serializers.FloatField(
        help_text=_("Share of enrolled questions mastered.")
    )
    retention = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Mean predicted recall now over introduced questions; null until "
            "the rep has answered 5 questions of the topic (docs/kpis.md)."
        ),
    )
    answers = serializers.IntegerField(help_text=_("The rep's answers in the topic."))


class TrendPointSerializer(serializers.Serializer):
    on = serializers.DateField(source="week")
    retention = serializers.FloatField(source="predicted", allow_null=True)


class ProgressOutputSerializer(serializers.Serializer):
    retention = serializers.FloatField(
        allow_null=True,
        help_text=_("Null until the rep has 5 answers (not enough answers yet)."),
    )
    enough_answers = serializers.BooleanField()
    answers_correct = serializers.IntegerField()
    mastery = serializers.FloatField()
    mastery_stability_days = serializers.FloatField()
    enrolled = serializers.IntegerField()
    introduced = serializers.IntegerField()
    streak_days = serializers.IntegerField()
    answers_this_week = serializers.IntegerField()
    answers_total = serializers.IntegerField()
    topics = TopicProgressSerializer(many=True)
    trend = TrendPointSerializer(many=True, help_text=_("Weekly, oldest first."))


# Refresher -------------------------------------------------------------------


class RefresherInputSerializer(serializers.Serializer):
    topic_id = StrictIntegerField(min_value=1, max_value=MAX_ID, required=False)
    module_id = StrictIntegerField(min_value=1, max_value=MAX_ID, required=False)
    size = StrictIntegerField(
        min_value=1, max_value=MAX_REFRESHER_SIZE, default=DEFAULT_REFRESHER_SIZE
    )

    def validate(self, attrs: dict) -> dict:
        if ("topic_id" in attrs) == ("module_id" in attrs):
            raise serializers.ValidationError(_("Send either topic_id or module_id."))
        return attrs


# The two shapes RefresherInputSerializer accepts, for the schema's oneOf.


class RefresherTopicInputSerializer(serializers.Serializer):
    topic_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    size = StrictIntegerField(
        min_value=1, max_value=MAX_REFRESHER_SIZE, default=DEFAULT_REFRESHER_SIZE
    )


class RefresherModuleInputSerializer(serializers.Serializer):
    module_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    size = StrictIntegerField(
        min_value=1, max_value=MAX_REFRESHER_SIZE, default=DEFAULT_REFRESHER_SIZE
    )


class RefresherOutputSerializer(serializers.Serializer):
    prompts = PromptOutputSerializer(many=True)


class EnrolledTopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    question_count = serializers.IntegerField()


# Tokens ---------------------------------------------------------------


class TokenRevokeInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


# simplejwt's login and refresh serializers strip their strings and refuse a
# blank; these document that (some character other than white space) for the
# schema. The views still validate with simplejwt's own.


def _not_blank(help_text: str) -> serializers.RegexField:
    return serializers.RegexField(r"\S", help_text=help_text)


class TokenObtainInputSerializer(serializers.Serializer):
    username = _not_blank(_("The rep's or manager's username."))
    password = _not_blank(_("Their password."))


class TokenRefreshInputSerializer(serializers.Serializer):
    refresh = _not_blank(_("The refresh token of the current pair."))


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField(help_text=_("Bearer token, valid 15 minutes."))
    refresh = serializers.CharField(
        help_text=_("Exchange at /api/v1/auth/token/refresh/; valid 30 days.")
    )
