"""Authoring in Django admin: the enablement manager's tool, treated as a product."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from enablement import (
    admin_account_emails,  # noqa: F401  (registers invitation and reset emails)
    admin_audit,  # noqa: F401  (registers the scoped audit log)
    admin_auth,  # noqa: F401  (registers the scoped User and Group admins)
    admin_campaigns,  # noqa: F401  (registers Campaigns)
    admin_people,  # noqa: F401  (registers People, on Membership)
)
from enablement.admin_inlines import (
    ChoiceInline,
    ChoiceInlineFormSet,
    QuestionInlineForModule,
)
from enablement.admin_organization import URL_FIELD_OVERRIDES
from enablement.admin_question_lifecycle import QuestionLifecycleMixin
from enablement.admin_tenancy import TenantScopedAdmin
from enablement.models import (
    Methodology,
    Module,
    Organization,
    Question,
    Topic,
)
from enablement.services.content_export import content_dump, content_export
from enablement.services.content_format import ContentImportError, file_size_errors
from enablement.services.content_import import content_import_file
from enablement.services.questions import question_retire, questions_publish


@admin.register(Methodology)
class MethodologyAdmin(TenantScopedAdmin):
    organization_path = "organization"
    list_display = ("name", "key", "organization")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name", "key", "description")
    ordering = ("name",)
    actions = ("export_yaml", "export_csv")
    change_list_template = "admin/enablement/methodology/change_list.html"

    def get_urls(self):
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="enablement_methodology_import",
            )
        ]
        return custom + super().get_urls()

    def _export(self, request, queryset, extension: str) -> HttpResponse | None:
        first = queryset.first()
        if first is None:
            # The selection held only rows outside the user's organizations.
            self.message_user(request, _("No methodology selected."), messages.WARNING)
            return None
        organization = first.organization
        name = f"content-{organization.pk}.{extension}"
        data = content_export(
            organization=organization,
            methodology_ids=list(
                queryset.filter(organization=organization).values_list("pk", flat=True)
            ),
        )
        response = HttpResponse(
            content_dump(data=data, name=name),
            content_type="text/csv" if extension == "csv" else "application/yaml",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description=_("Export selected as YAML"))
    def export_yaml(self, request, queryset):
        return self._export(request, queryset, "yaml")

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = ContentImportForm(
            request.POST or None,
            request.FILES or None,
            organizations=self.admin_site._registry[Organization].get_queryset(request),
        )
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = content_import_file(
                    organization=form.cleaned_data["organization"],
                    name=upload.name,
                    raw=upload.read(),
                    author=request.user,
                )
            except ContentImportError as exc:
                errors = exc.errors
            else:
                self.message_user(
                    request, f"Imported {upload.name}: {summary}", messages.SUCCESS
                )
                return redirect("admin:enablement_methodology_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import content"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/enablement/import.html", context)


class ContentImportForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    file = forms.FileField(
        help_text=_("A YAML (.yaml/.yml) or CSV (.csv) content file.")
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organizations the user works for are import targets.
        self.fields["organization"].queryset = organizations.order_by("name")

    def clean_file(self):
        # Refused before the upload is read into memory.
        upload = self.cleaned_data["file"]
        errors = file_size_errors(name=upload.name, size=upload.size)
        if errors:
            raise ValidationError(errors)
        return upload


@admin.register(Topic)
class TopicAdmin(TenantScopedAdmin):
    organization_path = "organization"
    list_display = ("name", "key", "organization")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name", "key")
    ordering = ("name",)


@admin.register(Module)
class ModuleAdmin(TenantScopedAdmin):
    organization_path = "methodology__organization"
    list_display = ("name", "methodology", "position", "key")
    list_filter = ("methodology",)
    list_select_related = ("methodology",)
    search_fields = ("name", "key", "description")
    ordering = ("methodology__name", "position")
    inlines = (QuestionInlineForModule,)


@admin.register(Question)
class QuestionAdmin(QuestionLifecycleMixin, TenantScopedAdmin):
    organization_path = "module__methodology__organization"
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = (
        "key",
        "short_stem",
        "module",
        "topic",
        "kind",
        "status",
        "version",
        "preview_link",
    )
    list_filter = ("status", "kind", "module__methodology", "module", "topic")
    list_select_related = ("module__methodology", "topic")
    search_fields = ("key", "stem", "explanation", "choices__text")
    ordering = ("module__methodology__name", "module__position", "key")
    autocomplete_fields = ("topic", "module")
    inlines = (ChoiceInline,)
    actions = ("publish_selected", "retire_selected", "copy_selected")
    fieldsets = (
        (None, {"fields": ("module", "topic", "key", "kind")}),
        (_("Content"), {"fields": ("stem", "explanation", "reference_url")}),
        (
            _("Lifecycle"),
            {
                "fields": (
                    "preview_link",
                    "status",
                    "version",
                    "author",
                    "published_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    readonly_fields = (
        "preview_link",
        "status",
        "version",
        "author",
        "published_at",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("Stem"))
    def short_stem(self, obj: Question) -> str:
        return obj.stem if len(obj.stem) <= 80 else obj.stem[:77] + "..."

    @admin.display(description=_("Preview"))
    def preview_link(self, obj: Question) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:enablement_question_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    def get_urls(self):
        custom = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="enablement_question_preview",
            )
        ]
        return custom + super().get_urls()

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = get_object_or_404(
            self.get_queryset(request).select_related("module__methodology", "topic"),
            pk=pk,
        )
        if not self.has_view_permission(request, question):
            return redirect("admin:index")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(key)s") % {"key": question.key},
            "question": question,
            "choices": question.choices.all(),
            "opts": self.model._meta,
            "original": question,
        }
        return TemplateResponse(
            request, "admin/enablement/question_preview.html", context
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # question_save refused what the form could not check (the stored
            # choices, for a user who may not see them); its atomic block has
            # rolled back.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # question_save writes the question with its choices, in save_related.
        if not change:
            obj.author = request.user

    def save_related(self, request, form, formsets, change):
        choice_formsets = [fs for fs in formsets if isinstance(fs, ChoiceInlineFormSet)]
        # An edit of a published question asks minor or major first (the mixin).
        self.question_save_confirmed(
            form=form,
            # Without the inline (no permission on choices) the stored ones stay.
            choices=choice_formsets[0].drafts() if choice_formsets else None,
            change=change,
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        # Without writing: it only lists the added, changed and deleted choices
        # that the history's change message reads.
        formset.save(commit=False)

    @admin.action(description=_("Publish selected questions"), permissions=["change"])
    def publish_selected(self, request, queryset):
        published, errors = questions_publish(questions=queryset)
        self.message_user(request, _("%(n)d question(s) published.") % {"n": published})
        for line in errors:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=_("Retire selected questions"), permissions=["change"])
    def retire_selected(self, request, queryset):
        for question in queryset:  # each withdraws its open prompts from reps
            question_retire(question=question)
        self.message_user(
            request,
            _("%(n)d question(s) retired; their open prompts were withdrawn.")
            % {"n": queryset.count()},
        )
