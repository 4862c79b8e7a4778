"""The CRM webhook under /api/v1/crm/."""

from django.urls import path

from revenue.api.views import CrmEventsIngestApi

urlpatterns = [
    path("events/", CrmEventsIngestApi.as_view(), name="api-crm-events"),
]
