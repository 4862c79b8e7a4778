"""The question admin's lifecycle: confirm edits of published questions, copy.

An edit of a published question is not saved at once: admin shows its diff
and asks whether it is minor (wording; reps' memory kept) or major (meaning or
correct answer; memory reset), major preselected when the correct set
changes. "Copy as new draft" is the way back from a retired question.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from enablement.models import Question
from enablement.services.questions import (
    ChoiceDraft,
    QuestionDiff,
    question_copy,
    question_edit_diff,
    question_save,
)


class QuestionAdminForm(forms.ModelForm):
    # Not in the fieldsets: sent only by the confirmation page; anything but
    # minor or major reads as unconfirmed.
    change_kind = forms.CharField(required=False)

    def clean_change_kind(self) -> str:
        value = self.cleaned_data["change_kind"]
        return value if value in Question.Change.values else ""


class _EditUnconfirmed(Exception):
    """An edit of a published question reached saving without a kind of change."""

    def __init__(self, diff: QuestionDiff):
        self.diff = diff


class QuestionLifecycleMixin:
    """For QuestionAdmin: the confirmation of edits and "Copy as new draft"."""

    form = QuestionAdminForm
    change_form_template = "admin/enablement/question/change_form.html"

    def get_urls(self):
        copy = path(
            "<int:pk>/copy/",
            self.admin_site.admin_view(self.copy_view),
            name="enablement_question_copy",
        )
        return [copy, *super().get_urls()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _EditUnconfirmed as unconfirmed:
            # Nothing was written (the atomic block rolled back): show the diff.
            return self._edit_confirm_page(request, object_id, unconfirmed.diff)

    def question_save_confirmed(
        self, *, form, choices: list[ChoiceDraft] | None, change: bool
    ) -> None:
        """Save through question_save, or ask first if a published question changes."""
        kind = form.cleaned_data.get("change_kind") or None
        if kind is None and change:
            diff = question_edit_diff(question=form.instance, choices=choices)
            if diff is not None:
                raise _EditUnconfirmed(diff)
        question_save(question=form.instance, choices=choices, change=kind)

    def _edit_confirm_page(self, request, object_id, diff: QuestionDiff):
        original = get_object_or_404(self.get_queryset(request), pk=object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm the edit of %(key)s") % {"key": original.key},
            "opts": self.model._meta,
            "original": original,
            "diff": diff,
            "kinds": Question.Change.choices,
            "default": Question.Change.MAJOR if diff.correct_set_changed else "",
            # Sent from this page without a valid choice (radios are required).
            "error": _("Choose minor or major.")
            if "change_kind" in request.POST
            else "",
            "form_url": request.get_full_path(),
            # The edit itself, sent again with the kind of change.
            "hidden": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", "change_kind")
                for value in values
            ],
        }
        return TemplateResponse(
            request, "admin/enablement/question_change_confirm.html", context
        )

    def copy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """POST: copy the question (retired ones too) into a new draft and open it."""
        question = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method != "POST" or not self.has_add_permission(request):
            return redirect("admin:enablement_question_change", pk)
        copy = question_copy(question=question, author=request.user)
        self.message_user(
            request,
            _("Copied %(key)s into the new draft %(copy)s.")
            % {"key": question.key, "copy": copy.key},
            messages.SUCCESS,
        )
        return redirect("admin:enablement_question_change", copy.pk)

    @admin.action(description=_("Copy as new draft"), permissions=["add"])
    def copy_selected(self, request, queryset):
        copies = [question_copy(question=q, author=request.user) for q in queryset]
        self.message_user(
            request,
            _("%(n)d draft(s) created: %(keys)s.")
            % {"n": len(copies), "keys": ", ".join(c.key for c in copies)},
            messages.SUCCESS,
        )
