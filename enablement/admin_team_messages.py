""" "Send test message" buttons on the Team change page (email and Slack).

Allowed to whoever may change the team, on the teams of their organizations
(the admin's scoped queryset); the outcome, or the channel's exact error, is
shown as an admin message, never as an error page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from enablement.services.team_messages import (
    CHANNELS,
    TestMessageFailed,
    team_test_message_send,
)


class TeamTestMessageAdminMixin:
    change_form_template = "admin/enablement/team/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.test_message_view)
        return [
            path(
                "<path:object_id>/test-message/<str:channel>/",
                view,
                name="enablement_team_test_message",
            ),
            *super().get_urls(),
        ]

    def test_message_view(self, request, object_id, channel):
        team = self.get_object(request, object_id)  # scoped: another org's is None
        if team is None or channel not in CHANNELS:
            raise Http404
        if not self.has_change_permission(request, team):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            where = team_test_message_send(
                team=team, channel=channel, user=request.user
            )
        except TestMessageFailed as exc:
            self.message_user(
                request,
                _("The test message was not sent: %(error)s") % {"error": exc.message},
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                _("Test message sent to %(where)s.") % {"where": where},
                messages.SUCCESS,
            )
        return redirect(reverse("admin:enablement_team_change", args=[team.pk]))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            context["test_message_urls"] = {
                channel: reverse(
                    "admin:enablement_team_test_message", args=[obj.pk, channel]
                )
                for channel in CHANNELS
            }
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)
