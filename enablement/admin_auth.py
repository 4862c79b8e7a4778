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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *PRIVILEGE_FIELDS)


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
