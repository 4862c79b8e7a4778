"""Everything under /api/v1/: the rep API, the KPI API, the schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

urlpatterns = [
    path("", include("reinforcement.api.rep_urls")),
    path("kpis/outcomes/", include("revenue.api.outcome_urls")),
    path("kpis/", include("reinforcement.api.kpi_urls")),
    # The signed CRM webhook (docs/revenue.md): the signature names the tenant.
    path("crm/", include("revenue.api.urls")),
    # The schema and its docs are public: they describe, they do not disclose.
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="api-schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[]
        ),
        name="api-docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[]
        ),
        name="api-redoc",
    ),
]
