from django.urls import path

from reinforcement.api import kpi_views as views

app_name = "kpis"

urlpatterns = [
    path("summary/", views.KpiSummaryGetApi.as_view(), name="summary"),
    path("heatmap/", views.RetentionHeatmapGetApi.as_view(), name="heatmap"),
    path("coaching/", views.CoachingListApi.as_view(), name="coaching"),
    path("participation/", views.ParticipationGetApi.as_view(), name="participation"),
    path("trends/", views.TrendListApi.as_view(), name="trends"),
    path(
        "forgetting-curve/",
        views.ForgettingCurveGetApi.as_view(),
        name="forgetting-curve",
    ),
    path("content/", views.ContentPerformanceListApi.as_view(), name="content"),
    path(
        "misconceptions/", views.MisconceptionListApi.as_view(), name="misconceptions"
    ),
    path("ramp/", views.RampListApi.as_view(), name="ramp"),
    path("memory-model/", views.MemoryModelGetApi.as_view(), name="memory-model"),
]
