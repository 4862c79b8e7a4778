"""Forms of the rep pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enablement.models import Question
from reinforcement.models import Answer
from reinforcement.services.refresher import DEFAULT_REFRESHER_SIZE

REFRESHER_SIZES = [(3, "3"), (5, "5"), (10, "10")]


class AnswerForm(forms.Form):
    """One question: the choice(s), how sure, and the key that makes a resubmit replay."""

    confidence = forms.ChoiceField(
        label=_("How sure are you?"),
        choices=Answer.Confidence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how sure you are.")},
    )
    # Generated when the question is rendered: a double tap, a reload or a
    # back-and-resubmit sends the same key, and the service replays the result.
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    shown_at = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        options = [(c.id, c.text) for c in question.choices.all()]
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            field = forms.TypedMultipleChoiceField(
                label=_("Choose every answer that applies"),
                choices=options,
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("Choose at least one answer.")},
            )
        else:
            field = forms.TypedChoiceField(
                label=_("Choose one answer"),
                choices=options,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        self.fields = {"choice": field, **self.fields}

    def choice_ids(self) -> list[int]:
        chosen = self.cleaned_data["choice"]
        return list(chosen) if isinstance(chosen, list) else [chosen]


class OneTapAnswerForm(AnswerForm):
    """An email link's answer: its idempotency key is the link's, not the form's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["idempotency_key"]


class RefresherForm(forms.Form):
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int)
    size = forms.TypedChoiceField(
        label=_("How many questions"),
        choices=REFRESHER_SIZES,
        coerce=int,
        initial=DEFAULT_REFRESHER_SIZE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [
            (t.id, f"{t.name} ({t.question_count})") for t in topics
        ]
