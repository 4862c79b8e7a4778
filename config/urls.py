from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from ops import views as ops_views

admin.site.site_header = "Sales reinforcement"
admin.site.site_title = "Sales reinforcement admin"
admin.site.index_title = "Authoring and settings"

urlpatterns = [
    # Roster import/export views, before the admin's catch-all.
    path("admin/enablement/roster/", include("enablement.admin_roster")),
    # Named so Django's admin login shows its "Forgotten your password?" link.
    path(
        "admin/password-reset/",
        RedirectView.as_view(pattern_name="accounts:password_reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("", include("enablement.account_urls")),
    # Probes and the scrape target of a deployment (docs/deploy.md).
    path("health/live", ops_views.liveness, name="health-live"),
    path("health/ready", ops_views.ReadinessView.as_view(), name="health-ready"),
    path("metrics", ops_views.metrics_exposition, name="metrics"),
    path("api/v1/", include("config.api_router")),
    path("sso/", include("sso.urls")),
    # SCIM 2.0 provisioning for Okta and Entra ID (docs/people.md).
    path("scim/v2/", include("provisioning.urls")),
    # The Slack app: Slack's signed requests, the OAuth install (docs/slack.md).
    path("slack/", include("slack_app.urls")),
    # Outcome pages of the revenue link (docs/kpis.md), before the manager's.
    path("manager/outcomes/", include("revenue.web.urls")),
    path("manager/", include("reinforcement.web.manager_urls")),
    # The daily email's signed links: one-tap answers, unsubscribe (docs/channels.md).
    path("email/", include("reinforcement.web.email_urls")),
    path("", include("reinforcement.web.rep_urls")),
]

# Under /api/ these answer in the API's JSON error shape; elsewhere Django's pages.
handler400 = "reinforcement.api.errors.api_or_page_bad_request"
handler404 = "reinforcement.api.errors.api_or_page_not_found"
handler500 = "reinforcement.api.errors.api_or_page_server_error"
