from django.urls import path

from slack_app import views

app_name = "slack"
urlpatterns = [
    # One bolt endpoint; the manifest names each request URL separately.
    path("events/", views.slack_events, name="events"),
    path("interactivity/", views.slack_events, name="interactivity"),
    path("commands/", views.slack_events, name="commands"),
    path("install/", views.slack_install, name="install"),
    path("oauth/redirect/", views.slack_oauth_redirect, name="oauth_redirect"),
]
