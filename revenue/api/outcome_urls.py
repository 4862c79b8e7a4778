from django.urls import path

from revenue.api import outcome_views as views

app_name = "outcome-kpis"

urlpatterns = [
    path("summary/", views.OutcomeSummaryGetApi.as_view(), name="summary"),
    path("reps/", views.OutcomeRepListApi.as_view(), name="reps"),
    path("retention/", views.RetentionOutcomeListApi.as_view(), name="retention"),
]
