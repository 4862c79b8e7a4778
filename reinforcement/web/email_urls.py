"""The email's links (docs/channels.md): one-tap answers and the unsubscribe."""

from django.urls import path

from reinforcement.web import email_views

app_name = "email"

urlpatterns = [
    path("answer/<str:token>/", email_views.email_answer, name="answer"),
    path("unsubscribe/<str:token>/", email_views.email_unsubscribe, name="unsubscribe"),
]
