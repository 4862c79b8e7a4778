"""The rep's Settings page: time zone, delivery hour, working days, channels,
a vacation pause and engagement opt-out, written by the rep settings service."""

import zoneinfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from enablement.models import RepProfile
from enablement.services.rep_settings import (
    RepSettings,
    rep_settings_get,
    rep_settings_update,
)
from reinforcement.selectors.reps import rep_situation_get

WEEKDAYS = [
    ("1", _("Monday")), ("2", _("Tuesday")), ("3", _("Wednesday")),
    ("4", _("Thursday")), ("5", _("Friday")), ("6", _("Saturday")), ("7", _("Sunday")),
]  # fmt: skip
CHANNEL_LABELS = {
    "web": _("This app (always on)"),
    "email": _("Email"),
    "slack": _("Slack"),
    "teams": _("Microsoft Teams"),
}


class RepSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"))
    delivery_hour = forms.TypedChoiceField(
        label=_("Questions arrive at"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
    )
    working_days = forms.MultipleChoiceField(
        label=_("Days you work"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one working day.")},
    )
    channels = forms.MultipleChoiceField(
        label=_("Where your questions arrive"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    paused_from = forms.DateField(
        label=_("Vacation from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    paused_until = forms.DateField(
        label=_("Vacation until (the last day off)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    engagement_opt_out = forms.BooleanField(
        label=_("Keep me out of points and the team leaderboard"), required=False
    )

    def __init__(self, *args, current: RepSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            (z, z) for z in sorted(zoneinfo.available_timezones())
        ]
        self.fields["working_days"].choices = [
            (d, label) for d, label in WEEKDAYS if d in current.working_days_allowed
        ]
        self.fields["channels"].choices = [
            (c, CHANNEL_LABELS[c]) for c in current.channels_offered
        ]
        if not current.engagement_enabled:
            del self.fields["engagement_opt_out"]

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["working_days"] = "".join(sorted(data["working_days"]))
        return data


def _initial(current: RepSettings) -> dict:
    return {
        "time_zone": current.time_zone,
        "delivery_hour": current.delivery_hour,
        "working_days": list(current.working_days),
        "channels": current.channels,
        "paused_from": current.paused_from,
        "paused_until": current.paused_until,
        "engagement_opt_out": current.engagement_opt_out,
    }


@login_required
@require_http_methods(["GET", "POST"])
def rep_settings(request: HttpRequest) -> HttpResponse:
    """Show the rep's settings; a POST saves them, or shows each error by its field."""
    now = timezone.now()
    situation = rep_situation_get(rep_id=request.user.pk, now=now)
    if situation is None:
        return render(request, "reinforcement/rep/not_a_rep.html", status=403)
    profile = RepProfile.objects.select_related("team__organization").get(
        user=request.user
    )
    current = rep_settings_get(profile=profile)
    form = RepSettingsForm(
        request.POST or None, current=current, initial=_initial(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            rep_settings_update(
                profile=profile, changes=form.changes(), today=situation.local_date
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            return redirect(reverse("rep:settings") + "?saved=1")
    return render(
        request,
        "reinforcement/rep/settings.html",
        {
            "form": form,
            "current": current,
            "situation": situation,
            "saved": request.method == "GET" and "saved" in request.GET,
        },
        status=400 if request.method == "POST" else 200,
    )
