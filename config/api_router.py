"""Everything under /api/v1/: the rep API, the KPI API, the schema and its docs."""
from django.urls import include, path

urlpatterns = [
    path("", include("reinforcement.api.rep_urls")),
    path("kpis/", include("reinforcement.api.kpi_urls")),
]
