"""The rep's pages, at the site root."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from reinforcement.web import offline_views, rep_views, settings_views

app_name = "rep"

urlpatterns = [
    path("", rep_views.rep_today, name="today"),
    path(
        "prompts/<uuid:prompt_id>/answer/",
        rep_views.rep_answer_submit,
        name="answer",
    ),
    path("progress/", rep_views.rep_progress, name="progress"),
    path("home/", rep_views.rep_home, name="home"),
    path("refresher/", rep_views.rep_refresher, name="refresher"),
    path("settings/", settings_views.rep_settings, name="settings"),
    path("login/", rep_views.RepLoginView.as_view(), name="login"),
    path("offline/", offline_views.rep_offline, name="offline"),
    path("sw.js", offline_views.rep_service_worker, name="service_worker"),
    path("logout/", LogoutView.as_view(), name="logout"),
]
