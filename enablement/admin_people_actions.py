"""Admin actions on people: resend the invitation, export a person's data, erase them.

Plain functions, so any people admin (rep profiles, users, memberships) can
list them in ``actions``; each is thin and calls one service. The queryset
is the admin's, already scoped to the user's organizations.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from enablement.models import Membership
from enablement.services.invitations import invitation_send
from enablement.services.people import person_deactivate, person_reactivate
from enablement.services.person_data import (
    person_data_export,
    person_data_zip,
    person_erase,
)


def _users(queryset) -> list:
    """The people of a queryset of users, or of rows with a ``user`` (profiles, memberships)."""
    if queryset.model is get_user_model():
        return list(queryset)
    return [row.user for row in queryset.select_related("user")]


def _who(request) -> str:
    return f"admin user {request.user.pk}"


@admin.action(
    description=gettext_lazy("Send the invitation again"), permissions=["change"]
)
def invitation_resend(modeladmin, request, queryset) -> None:
    sent = 0
    for user in _users(queryset):
        try:
            invitation_send(user=user)
        except ApplicationError as exc:
            modeladmin.message_user(request, exc.message, messages.WARNING)
        else:
            sent += 1
    if sent:
        modeladmin.message_user(
            request,
            _("%(n)d invitations queued; they go out within a minute.") % {"n": sent},
            messages.SUCCESS,
        )


@admin.action(
    description=gettext_lazy("Export the person's data (GDPR, zip of JSON and CSV)"),
    permissions=["change"],
)
def person_data_download(modeladmin, request, queryset) -> HttpResponse | None:
    users = _users(queryset)
    if len(users) != 1:
        modeladmin.message_user(
            request, _("Select exactly one person to export."), messages.ERROR
        )
        return None
    user = users[0]
    tables = person_data_export(user=user, by=_who(request))
    response = HttpResponse(
        person_data_zip(tables=tables), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="person-{user.pk}.zip"'
    return response


@admin.action(
    description=gettext_lazy("Erase the person's identity (GDPR, cannot be undone)"),
    permissions=["change"],
)
def person_erase_selected(modeladmin, request, queryset) -> TemplateResponse | None:
    """Ask first, as delete does; on confirmation erase each selected person."""
    users = _users(queryset)
    if request.POST.get("confirm") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase these people?"),
            "people": users,
            "queryset": queryset,
            "action": "person_erase_selected",
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/enablement/person_erase_confirmation.html", context
        )
    erased = 0
    for user in users:
        try:
            person_erase(user=user, by=_who(request))
        except ApplicationError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            erased += 1
    modeladmin.message_user(
        request,
        _("%(n)d people erased; their answers stay, anonymous, in the figures.")
        % {"n": erased},
        messages.SUCCESS,
    )
    return None


def _memberships(queryset) -> list[Membership]:
    return list(
        Membership.objects.filter(
            user__in=[user.pk for user in _users(queryset)]
        ).select_related("user")
    )


@admin.action(
    description=gettext_lazy("Deactivate: they left (history stays)"),
    permissions=["change"],
)
def people_deactivate(modeladmin, request, queryset) -> None:
    changed = [m for m in _memberships(queryset) if m.deactivated_at is None]
    for membership in changed:
        person_deactivate(membership=membership)
    modeladmin.message_user(
        request,
        _(
            "%(n)d people deactivated: no more questions; their open prompts "
            "are withdrawn."
        )
        % {"n": len(changed)},
        messages.SUCCESS,
    )


@admin.action(
    description=gettext_lazy("Reactivate: they are back (memory kept)"),
    permissions=["change"],
)
def people_reactivate(modeladmin, request, queryset) -> None:
    changed = [m for m in _memberships(queryset) if m.deactivated_at is not None]
    for membership in changed:
        person_reactivate(membership=membership)
    modeladmin.message_user(
        request,
        _("%(n)d people reactivated; they are planned from the next run.")
        % {"n": len(changed)},
        messages.SUCCESS,
    )


PEOPLE_ACTIONS = (
    invitation_resend,
    people_deactivate,
    people_reactivate,
    person_data_download,
    person_erase_selected,
)
