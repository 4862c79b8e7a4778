from django.urls import path

from reinforcement.web.manager_views import manager_dashboard_view, manager_export_view

app_name = "manager"

urlpatterns = [
    path("", manager_dashboard_view, name="dashboard"),
    path("export/<slug:table>.csv", manager_export_view, name="export"),
]
