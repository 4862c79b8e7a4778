from django.urls import path

from revenue.web import views

app_name = "outcomes"

urlpatterns = [
    path("retention/", views.retention_outcomes_view, name="retention"),
    path("campaigns/", views.campaign_list_view, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_report_view, name="campaign"),
]
