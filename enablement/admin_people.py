"""People in admin: an organization's people, added and changed in one form.

The form is what an enablement admin knows about a person (email, names, role,
team, when questions arrive, hire date, HR id); saving calls the people
service (person_upsert), the one write path of admin, roster, SSO and SCIM.
Listed as "People" (Membership) with role, team and status. Actions on people
(invitations, deactivation, data export) live beside this class.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from enablement.admin_people_actions import PEOPLE_ACTIONS
from enablement.admin_tenancy import TenantScopedAdmin
from enablement.models import (
    Membership,
    Organization,
    RepProfile,
    Team,
    validate_time_zone,
)
from enablement.services.people import PersonData, Role, person_find, person_upsert

WEEKDAYS = [
    ("1", _("Mon")), ("2", _("Tue")), ("3", _("Wed")), ("4", _("Thu")),
    ("5", _("Fri")), ("6", _("Sat")), ("7", _("Sun")),
]  # fmt: skip
REP_FIELDS = ("time_zone", "delivery_hour", "working_days", "hired_on")


def _link_exists(through, *, role_field: str):
    return Exists(
        through.objects.filter(
            **{role_field: OuterRef("organization_id")}, user_id=OuterRef("user_id")
        )
    )


def people_annotated(queryset: QuerySet) -> QuerySet:
    """Memberships with their role links and team, without a query per row."""
    managed = Team.managers.through.objects.filter(
        team__organization_id=OuterRef("organization_id"), user_id=OuterRef("user_id")
    )
    return queryset.annotate(
        is_admin=_link_exists(
            Organization.admins.through, role_field="organization_id"
        ),
        is_author=_link_exists(
            Organization.authors.through, role_field="organization_id"
        ),
        is_manager=Exists(managed),
        managed_team=Subquery(managed.order_by("team__name").values("team__name")[:1]),
    ).select_related("user__rep_profile__team", "organization")


def membership_role(membership: Membership) -> str:
    """The person's role in their organization ("" when they have none yet)."""
    if getattr(membership, "is_admin", False):
        return Role.ADMIN
    if getattr(membership, "is_author", False):
        return Role.AUTHOR
    if getattr(membership, "is_manager", False):
        return Role.MANAGER
    if RepProfile.objects.filter(user_id=membership.user_id).exists():
        return Role.REP
    return ""


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == Role.ADMIN:
            return queryset.filter(is_admin=True)
        if value == Role.AUTHOR:
            return queryset.filter(is_author=True)
        if value == Role.MANAGER:
            return queryset.filter(is_manager=True)
        if value == Role.REP:
            return queryset.filter(user__rep_profile__isnull=False)
        return queryset


class ActiveFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("yes", _("Active")), ("no", _("Deactivated")))

    def queryset(self, request, queryset):
        active = Q(deactivated_at__isnull=True, user__is_active=True)
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.exclude(active)
        return queryset


class TeamFilter(admin.SimpleListFilter):
    """The person's team (as a rep or a manager); only the user's teams listed."""

    title = _("team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        teams = model_admin.admin_site._registry[Team].get_queryset(request)
        return [(str(t.pk), t.name) for t in teams.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        team = int(self.value())
        return queryset.filter(
            Q(user__rep_profile__team_id=team) | Q(user__managed_teams=team)
        ).distinct()


class PersonForm(forms.ModelForm):
    """One person: who they are, their role and team, when questions arrive."""

    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REP)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Required for reps and managers."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        validators=[validate_time_zone],
        help_text=_("An IANA zone such as Europe/Berlin. Empty: UTC."),
    )
    delivery_hour = forms.IntegerField(
        label=_("Delivery hour"),
        required=False,
        min_value=0,
        max_value=23,
        help_text=_("Local hour questions arrive, 0-23. Empty: 9."),
    )
    working_days = forms.MultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: the organization's working days."),
    )
    hired_on = forms.DateField(
        label=_("Hired on"), required=False, widget=AdminDateWidget
    )

    class Meta:
        model = Membership
        fields = ("organization", "external_id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self._initial_from(self.instance)
            # The person is matched by email; their role is set when they are
            # added (a changed role would leave the old role's links behind).
            for name in ("email", "role", "organization"):
                if name in self.fields and self.initial.get(name):
                    self.fields[name].disabled = True

    def _initial_from(self, membership: Membership) -> None:
        user = membership.user
        initial = {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": membership_role(membership),
        }
        profile = RepProfile.objects.filter(user=user).first()
        if profile is not None:
            initial |= {name: getattr(profile, name) for name in REP_FIELDS}
            initial |= {
                "team": profile.team_id,
                "working_days": list(profile.working_days),
            }
        else:
            team = user.managed_teams.filter(organization=membership.organization)
            initial["team"] = team.values_list("pk", flat=True).first()
        for name, value in initial.items():
            if name in self.fields:
                self.initial[name] = value

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        team, role = data.get("team"), data.get("role")
        if role in (Role.REP, Role.MANAGER) and team is None:
            self.add_error("team", _("A rep or manager needs a team."))
        if organization is None:
            return data
        if team is not None and team.organization_id != organization.pk:
            self.add_error("team", _("The team is in another organization."))
        if self.instance.pk is None and data.get("email"):
            self._refuse_existing(data["email"], organization)
        return data

    def _refuse_existing(self, email: str, organization: Organization) -> None:
        try:
            existing = person_find(organization=organization, email=email)
        except ApplicationError as exc:
            self.add_error("email", exc.message)
            return
        if existing is not None:
            self.add_error(
                "email", _("This person is already here: change them in the list.")
            )

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        days = "".join(sorted(data.get("working_days") or []))
        return PersonData(
            email=data["email"],
            role=data["role"],
            team=data.get("team"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            external_id=data.get("external_id") or None,
            time_zone=data.get("time_zone") or None,
            delivery_hour=data.get("delivery_hour"),
            # The form shows the profile whole: no day ticked follows the
            # organization's working days.
            working_days=days,
            hired_on=data.get("hired_on"),
        )


@admin.register(Membership)
class PeopleAdmin(TenantScopedAdmin):
    organization_path = "organization"
    form = PersonForm
    actions = PEOPLE_ACTIONS
    list_display = (
        "person_name",
        "person_email",
        "person_role",
        "person_team",
        "is_active_person",
        "external_id",
    )
    list_filter = (RoleFilter, TeamFilter, ActiveFilter)
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "user__username",
        "external_id",
    )
    ordering = ("user__last_name", "user__first_name", "user__username")
    fieldsets = (
        (None, {"fields": ("organization", "email", "first_name", "last_name")}),
        (_("Role"), {"fields": ("role", "team", "external_id")}),
        (
            _("When questions arrive (reps)"),
            {"fields": ("time_zone", "delivery_hour", "working_days", "hired_on")},
        ),
    )

    def get_queryset(self, request):
        queryset = people_annotated(super().get_queryset(request))
        if request.user.is_superuser:
            return queryset
        # As in the User admin: a superuser is nobody's to change.
        return queryset.filter(user__is_superuser=False)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # Teams offered are the user's organizations' (the scoped Team admin).
        teams = self.admin_site._registry[Team].get_queryset(request)
        form.base_fields["team"].queryset = teams.select_related("organization")
        organizations = form.base_fields.get("organization")
        if organizations is not None and obj is None:
            first = organizations.queryset.first()
            if organizations.queryset.count() == 1:
                organizations.initial = first.pk
        return form

    @admin.display(description=_("name"), ordering="user__last_name")
    def person_name(self, obj: Membership) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    @admin.display(description=_("email"), ordering="user__email")
    def person_email(self, obj: Membership) -> str:
        return obj.user.email

    @admin.display(description=_("role"))
    def person_role(self, obj: Membership) -> str:
        role = membership_role(obj)
        return Role(role).label if role else "-"

    @admin.display(description=_("team"))
    def person_team(self, obj: Membership) -> str:
        profile = getattr(obj.user, "rep_profile", None)
        if profile is not None:
            return profile.team.name
        return getattr(obj, "managed_team", None) or "-"

    @admin.display(description=_("active"), boolean=True)
    def is_active_person(self, obj: Membership) -> bool:
        return obj.deactivated_at is None and obj.user.is_active

    def save_model(self, request, obj, form, change):
        organization = form.cleaned_data.get("organization") or obj.organization
        # A person added here is emailed an invitation to set a password.
        result = person_upsert(
            organization=organization, data=form.person_data(), invite=not change
        )
        membership = Membership.objects.get(user=result.user)
        # The admin logs and redirects to obj: make it the saved membership.
        obj.pk, obj.user, obj.organization = membership.pk, result.user, organization
        obj.external_id = membership.external_id
        obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ApplicationError, ValidationError) as exc:
            # person_upsert refused what the form could not check (a race with
            # another write); its atomic block has rolled back.
            text = exc.message if isinstance(exc, ApplicationError) else exc.messages
            self.message_user(request, " ".join(_as_list(text)), messages.ERROR)
            return redirect(request.get_full_path())


def _as_list(text) -> list[str]:
    return [str(t) for t in text] if isinstance(text, list) else [str(text)]
