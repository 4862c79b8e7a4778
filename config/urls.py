from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Sales reinforcement"
admin.site.site_title = "Sales reinforcement admin"
admin.site.index_title = "Authoring and settings"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
