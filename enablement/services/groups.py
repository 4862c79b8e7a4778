"""The staff groups the product relies on: what each role may do in admin.

Permissions say what kind of row a role may touch; admin tenancy
(enablement/admin_tenancy.py) says which rows: only their organization's.
Both groups are synced after every migrate (enablement/apps.py), so a
deployment picks up a changed list on its next release.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ADMIN_GROUP = "Enablement admin"
AUTHOR_GROUP = "Enablement author"

# Content: what both roles edit.
CONTENT_MODELS = ("methodology", "module", "topic", "question", "choice")
# (app label, model, actions) an enablement admin has beyond content. People
# are added and changed through the People admin (Membership, person_upsert);
# a User row is only viewed and changed (names, email), never added or
# deleted from the User admin by a tenant. Organizations are changed, never
# added or deleted. Deliveries and plans are read to answer "did it go out?";
# failed deliveries may be resent.
ALL = ("add", "change", "delete", "view")
ADMIN_EXTRA = (
    ("enablement", "membership", ("add", "change", "view")),
    ("enablement", "repprofile", ALL),
    ("enablement", "team", ALL),
    ("enablement", "enrollment", ALL),
    ("enablement", "organization", ("change", "view")),
    # Company holidays, an inline of their organization's settings.
    ("enablement", "holiday", ALL),
    ("auth", "user", ("change", "view")),
    # Invitation and reset emails: read, and resend (a change).
    ("enablement", "accountemail", ("change", "view")),
    # change: "Resend failed" (a failed row back to pending), nothing else.
    ("reinforcement", "delivery", ("view", "change")),
    ("reinforcement", "dailyplan", ("view",)),
    ("reinforcement", "prompt", ("view",)),
    # Reminders and manager digests: read, with a canceled row's reason.
    ("reinforcement", "reminder", ("view",)),
    ("reinforcement", "managerdigest", ("view",)),
    # The refit history and the "Memory model" report page built on it.
    ("reinforcement", "memorymodelfit", ("view",)),
    # Single sign-on settings of their organization (sso/).
    ("sso", "identityprovider", ALL),
    ("sso", "alloweddomain", ALL),
    # The SCIM bearer token of their organization (provisioning/).
    ("provisioning", "provisioningtoken", ALL),
    # The Slack app (slack_app/): their installation (viewed, removed; added
    # through Slack's OAuth) and reps' Slack users (viewed, matched again).
    ("slack_app", "slackinstallation", ("view", "delete")),
    ("slack_app", "slackmember", ("view",)),
    # The CRM link (revenue/): deals and received events read, deals imported
    # from a file (add, change), webhook secrets issued, CRM settings changed.
    ("revenue", "opportunity", ("add", "change", "view")),
    ("revenue", "crmevent", ("view",)),
    ("revenue", "webhooksecret", ("add", "view")),
    ("revenue", "crmsettings", ("add", "change", "view")),
    # Campaigns, and the CRM stage-to-topic map (revenue/, docs/revenue.md).
    ("enablement", "campaign", ALL),
    ("revenue", "salesstage", ALL),
    ("revenue", "stagerefresher", ("view",)),
)


def _permissions(entries) -> list[Permission]:
    condition = Q(pk__in=[])
    for app_label, model, actions in entries:
        condition |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return list(Permission.objects.filter(condition))


def _content_entries():
    # The audit log is read by both roles; its admin shows an author only
    # content entries (enablement/admin_audit.py).
    return [("enablement", model, ALL) for model in CONTENT_MODELS] + [
        ("enablement", "auditentry", ("view",))
    ]


def author_group_sync() -> Group:
    """Create or refresh the "Enablement author" group: content only, no people."""
    group, _ = Group.objects.get_or_create(name=AUTHOR_GROUP)
    group.permissions.set(_permissions(_content_entries()))
    return group


def admin_group_sync() -> Group:
    """Create or refresh the "Enablement admin" group: people, teams, managers,
    enrollments, organization settings, content, and deliveries to read."""
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    group.permissions.set(_permissions([*_content_entries(), *ADMIN_EXTRA]))
    return group


def groups_sync() -> dict[str, Group]:
    """Both role groups, refreshed; keyed by the role they grant."""
    return {"admin": admin_group_sync(), "author": author_group_sync()}


def role_group(*, role: str) -> Group:
    """The group of an admin-working role ("admin" or "author"), synced if missing."""
    name = ADMIN_GROUP if role == "admin" else AUTHOR_GROUP
    group = Group.objects.filter(name=name).first()
    if group is None:
        group = admin_group_sync() if role == "admin" else author_group_sync()
    return group
