"""User, Group and JWT tokens in admin, scoped like everything else (admin_tenancy).

The admins of django.contrib.auth and simplejwt's token blacklist are
replaced by scoped subclasses of themselves.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.admin import (
    BlacklistedTokenAdmin,
    OutstandingTokenAdmin,
)
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)

from enablement.admin_tenancy import GLOBAL, TenantScopedAdmin

User = get_user_model()

# Who cannot grant themselves more than their organization: these stay with
# superusers.
PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")
# Staff status follows the role and deactivation goes through the people
# service (enablement/services/people.py), so a tenant does not set them here.
ROLE_FIELDS = ("is_staff", "is_active")

for model in (User, Group, OutstandingToken, BlacklistedToken):
    admin.site.unregister(model)


@admin.register(User)
class ScopedUserAdmin(TenantScopedAdmin, UserAdmin):
    # A person belongs to an organization as its rep, a manager of one of its
    # teams, or one of its admins.
    organization_paths = (
        "rep_profile__team__organization",
        "managed_teams__organization",
        "administered_organizations",
        "authored_organizations",
        "membership__organization",
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A superuser who is also one of an organization's people stays out of
        # reach: changing their password or email would hand over the site.
        return queryset.filter(is_superuser=False)

    def has_add_permission(self, request):
        # A tenant adds people through the People admin (person_upsert), which
        # ties them to the organization; a bare User would belong to no one.
        return request.user.is_superuser and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *PRIVILEGE_FIELDS, *ROLE_FIELDS)


@admin.register(Group)
class ScopedGroupAdmin(TenantScopedAdmin, GroupAdmin):
    # Groups are site-wide roles: superusers only.
    organization_path = GLOBAL


# Refresh tokens are credentials: superusers only.
@admin.register(OutstandingToken)
class ScopedOutstandingTokenAdmin(TenantScopedAdmin, OutstandingTokenAdmin):
    organization_path = GLOBAL


@admin.register(BlacklistedToken)
class ScopedBlacklistedTokenAdmin(TenantScopedAdmin, BlacklistedTokenAdmin):
    organization_path = GLOBAL
