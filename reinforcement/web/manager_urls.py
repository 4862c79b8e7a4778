from django.urls import path

from reinforcement.web.manager_pages import (
    manager_coaching_view,
    manager_definitions_view,
    manager_rep_view,
)
from reinforcement.web.manager_views import manager_dashboard_view, manager_export_view

app_name = "manager"

urlpatterns = [
    path("", manager_dashboard_view, name="dashboard"),
    path("export/<slug:table>.csv", manager_export_view, name="export"),
    path("reps/<int:rep_id>/", manager_rep_view, name="rep"),
    path("coaching/", manager_coaching_view, name="coaching"),
    path("definitions/", manager_definitions_view, name="definitions"),
]
