from django.urls import re_path

from provisioning.views import scim_endpoint

app_name = "provisioning"
urlpatterns = [re_path(r"^(?P<path>.*)$", scim_endpoint, name="scim")]
