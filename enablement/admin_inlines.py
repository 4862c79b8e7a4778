"""The inlines of the content admin: a module's questions, a question's choices."""

from django import forms
from django.contrib import admin

from enablement.admin_tenancy import TenantScopedMixin
from enablement.models import Choice, Question
from enablement.services.questions import ChoiceDraft, question_choices_validate


class QuestionInlineForModule(TenantScopedMixin, admin.TabularInline):
    organization_path = "module__methodology__organization"
    model = Question
    fields = ("key", "topic", "kind", "status", "version")
    readonly_fields = ("key", "topic", "kind", "status", "version")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """Check the question's choice rules across the whole inline formset."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # The rules question_save applies, run here so they show on the form.
        question_choices_validate(kind=self.instance.kind, choices=self.drafts())

    def drafts(self) -> list[ChoiceDraft]:
        """The choices the valid formset leaves: deleted and empty forms dropped."""
        return [
            ChoiceDraft(
                f.cleaned_data["text"],
                f.cleaned_data.get("is_correct", False),
                f.cleaned_data.get("feedback", ""),
                id=f.instance.pk,
                position=f.cleaned_data.get("position"),
            )
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("text")
        ]


class ChoiceInline(TenantScopedMixin, admin.TabularInline):
    organization_path = "question__module__methodology__organization"
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "text", "is_correct", "feedback")
    extra = 1
    min_num = 0
    max_num = 6
