"""Roster import and export in Django admin: upload, preview, confirm.

The upload is imported as a dry run (the real import, rolled back) and shown
as a preview; the file's bytes and the preview's digest wait in the session
until Confirm, which imports them again and writes only if the outcome is the
previewed one. Mounted under /admin/enablement/roster/ by config/urls.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from enablement.import_previews import import_preview_store, import_preview_take
from enablement.models import Organization, RepProfile
from enablement.services.roster_export import roster_export
from enablement.services.roster_format import COLUMNS, RosterImportError
from enablement.services.roster_import import RosterSummary, roster_import

app_name = "roster"
SESSION_KEY = "roster_preview"
IMPORT_PERMISSIONS = ("enablement.add_repprofile", "enablement.change_repprofile")
EXPORT_PERMISSIONS = ("enablement.view_repprofile",)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PREVIEW_LIMIT = 1000  # rows listed per section; the counts are always whole


def roster_organizations(*, user) -> QuerySet:
    """Where the user may import: the organizations they administer (all for a
    superuser); authoring content grants no people."""
    if user.is_active and user.is_superuser:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(admins=user).order_by("name")


class RosterUploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    file = forms.FileField(help_text=_("A roster CSV (UTF-8), header as below."))
    deactivate_missing = forms.BooleanField(
        required=False,
        label=_("Deactivate reps and managers missing from the file"),
        help_text=_("Admins, authors and you are never deactivated."),
    )
    invite = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Email each new person an invitation to set a password"),
        help_text=_("Leave unticked when everyone signs in with single sign-on."),
    )

    def __init__(self, *args, organizations: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("A roster file is at most 10 MB."))
        return upload


def _require(request: HttpRequest, permissions: tuple[str, ...]) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _page(request, template: str, title, **context) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": title,
        "opts": RepProfile._meta,
        "columns": ",".join(COLUMNS),
        **context,
    }
    return TemplateResponse(request, f"admin/enablement/{template}", context)


def _preview(request, summary: RosterSummary, organization, name: str, token: str):
    return _page(
        request,
        "roster_preview.html",
        _("Roster preview"),
        summary=summary,
        organization=organization,
        file_name=name,
        token=token,
        limit=PREVIEW_LIMIT,
        created=summary.created[:PREVIEW_LIMIT],
        changed=summary.changed[:PREVIEW_LIMIT],
        deactivated=summary.deactivated[:PREVIEW_LIMIT],
    )


def roster_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a roster: a preview of what would change, or every error."""
    _require(request, IMPORT_PERMISSIONS)
    organizations = roster_organizations(user=request.user)
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, organizations=organizations
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        upload = form.cleaned_data["file"]
        data = upload.read()
        deactivate = form.cleaned_data["deactivate_missing"]
        try:
            summary = roster_import(
                organization=organization,
                data=data,
                deactivate_missing=deactivate,
                dry_run=True,
                by=request.user,
            )
        except RosterImportError as exc:
            errors = exc.errors
        else:
            token = import_preview_store(
                request,
                key=SESSION_KEY,
                data=data,
                organization=organization.pk,
                name=upload.name,
                deactivate_missing=deactivate,
                invite=form.cleaned_data["invite"],
                digest=summary.digest,
            )
            return _preview(request, summary, organization, upload.name, token)
    return _page(
        request,
        "roster_import.html",
        _("Import a roster"),
        form=form,
        errors=errors,
        organizations=organizations,
    )


@require_POST
def roster_confirm_view(request: HttpRequest) -> HttpResponse:
    """Write the previewed roster, exactly as previewed, or nothing."""
    _require(request, IMPORT_PERMISSIONS)
    stored = import_preview_take(request, key=SESSION_KEY)
    if stored is None:
        messages.error(request, _("That preview has expired; upload the roster again."))
        return redirect("roster:import")
    organization = get_object_or_404(
        roster_organizations(user=request.user), pk=stored["organization"]
    )
    try:
        summary = roster_import(
            organization=organization,
            data=stored["data"],
            deactivate_missing=stored["deactivate_missing"],
            invite=stored.get("invite", True),
            by=request.user,
            expected_digest=stored["digest"],
        )
    except RosterImportError as exc:
        form = RosterUploadForm(organizations=roster_organizations(user=request.user))
        return _page(
            request,
            "roster_import.html",
            _("Import a roster"),
            form=form,
            errors=exc.errors,
        )
    messages.success(
        request, _("Imported %(name)s: %(summary)s.") % {
            "name": stored["name"], "summary": summary
        }
    )  # fmt: skip
    return redirect("admin:enablement_repprofile_changelist")


@require_GET
def roster_export_view(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organization's roster as a CSV download."""
    _require(request, EXPORT_PERMISSIONS)
    organization = get_object_or_404(
        roster_organizations(user=request.user), pk=organization_id
    )
    response = HttpResponse(
        roster_export(organization=organization), content_type="text/csv"
    )
    name = f"roster-{slugify(organization.name) or organization.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("import/", admin.site.admin_view(roster_import_view), name="import"),
    path("confirm/", admin.site.admin_view(roster_confirm_view), name="confirm"),
    path(
        "export/<int:organization_id>/",
        admin.site.admin_view(roster_export_view),
        name="export",
    ),
]
