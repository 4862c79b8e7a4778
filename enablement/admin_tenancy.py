"""Tenancy in Django admin: each staff user sees and writes only their organizations.

Every ModelAdmin and inline mixes in TenantScopedMixin and names the path from
its model to Organization. Querysets (changelist, change, delete, history,
actions, autocomplete), foreign-key and many-to-many choices and related list
filters all go through it; a superuser alone sees everything.
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Q, QuerySet

from enablement.models import Organization

# Marks a model with no organization (infrastructure rows): superusers only.
GLOBAL = None


def user_organizations(*, user: AbstractBaseUser) -> QuerySet:
    """The organizations a staff user works for: those they administer or author for."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(Q(admins=user) | Q(authors=user)).distinct()


def organization_scope(
    queryset: QuerySet, *, user: AbstractBaseUser, paths: tuple[str, ...] | None
) -> QuerySet:
    """The rows of queryset that reach one of the user's organizations by a path.

    An empty path is the organization itself; None (GLOBAL) keeps nothing.
    """
    if user.is_active and user.is_superuser:
        return queryset
    if paths is None:
        return queryset.none()
    organizations = user_organizations(user=user).values("pk")
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__pk__in" if path else "pk__in": organizations})
    if len(paths) == 1 and "__" not in paths[0]:
        return queryset.filter(condition)
    # A subquery: multi-valued paths would otherwise repeat rows.
    matching = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=matching)


class TenantScopedMixin:
    """Scope a ModelAdmin or an inline to the user's organizations.

    Set organization_path to the lookup from the model to its Organization
    ("" for Organization itself, GLOBAL for superuser-only models), or
    organization_paths to several (a row in any of them is in scope).
    """

    organization_path: str | None
    organization_paths: tuple[str, ...] | None = ()

    def organization_lookups(self) -> tuple[str, ...] | None:
        if self.organization_paths != ():
            return self.organization_paths
        if not hasattr(self, "organization_path"):
            raise ImproperlyConfigured(
                f"{type(self).__name__} must set organization_path."
            )
        path = self.organization_path
        return None if path is None else (path,)

    def get_queryset(self, request):
        return organization_scope(
            super().get_queryset(request),
            user=request.user,
            paths=self.organization_lookups(),
        )

    def get_field_queryset(self, db, db_field, request):
        """Foreign-key and many-to-many choices: the related admin's scoped rows."""
        model = db_field.remote_field.model
        related = self.admin_site._registry.get(model)
        if isinstance(related, TenantScopedMixin):
            queryset = related.get_queryset(request).using(db)
            ordering = related.get_ordering(request)
            return queryset.order_by(*ordering) if ordering else queryset
        if request.user.is_active and request.user.is_superuser:
            return super().get_field_queryset(db, db_field, request)
        # A model with no scoped admin offers nothing to a tenant user.
        return model._default_manager.none()


class TenantScopedAdmin(TenantScopedMixin, admin.ModelAdmin):
    """The ModelAdmin every admin of this project derives from."""

    def has_add_permission(self, request):
        # A row of a model with no organization would be everyone's.
        if self.organization_lookups() is None and not request.user.is_superuser:
            return False
        return super().has_add_permission(request)

    def get_list_filter(self, request):
        # A plain related filter lists every row of the related table, other
        # organizations' too; the related-only filter lists those in the
        # (scoped) changelist.
        return [
            self._scoped_filter(entry) for entry in super().get_list_filter(request)
        ]

    def _scoped_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, AttributeError):
            return entry
        if field.is_relation:
            return (entry, admin.RelatedOnlyFieldListFilter)
        return entry


class AdminsOnlyScopedAdmin(TenantScopedAdmin):
    """Rows only the organization's enablement admins manage (credentials for
    its CRM or SCIM link): an author of the organization sees none of them.
    The model's ``organization`` field is its organization."""

    organization_path = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization__admins=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organization" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(admins=request.user)
        return field
