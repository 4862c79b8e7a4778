"""Erasure in the audit log: the erased person's identity leaves every entry.

Their own entries (their user, membership and rep profile) keep what
happened and when, with each identity field's values replaced and the
object named by the erasure token. Entries elsewhere that name them (a
team's managers, "module -> rep", "rep @ organization") name the token
instead. Entries of what they did keep their user (now anonymous) but lose
their email and address.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from enablement.models import AuditEntry, Membership, RepProfile

ERASED = "(erased)"
IDENTITY_FIELDS = frozenset(
    {"username", "email", "first_name", "last_name", "external_id", "password"}
)
_NAME_FIELDS = ("username", "email")


def _own_entries(user: AbstractBaseUser):
    condition = Q(
        content_type=ContentType.objects.get_for_model(type(user)), object_id=user.pk
    )
    for model in (Membership, RepProfile):
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.filter(user=user).values("pk"),
        )
    return AuditEntry.objects.filter(condition)


def _names(entries, user_type: ContentType, token: str) -> set[str]:
    """Every username and email the log knows the person by."""
    names = set()
    for entry in entries:
        if entry.content_type_id == user_type.pk:
            names.add(entry.object_repr)
        for name in _NAME_FIELDS:
            names.update((entry.changes or {}).get(name, ()))
    return names - {"", "None", token, ERASED}


def _renamed(text: str, names: set[str], token: str) -> str:
    """An object's name with the person's replaced: "x", "x @ org", "module -> x"."""
    for name in names:
        if text == name:
            return token
        if text.startswith(f"{name} @ "):
            return token + text[len(name) :]
        if text.endswith(f" -> {name}"):
            return text[: -len(name)] + token
    return text


def _replaced(value, names: set[str], token: str):
    if isinstance(value, str):
        return token if value in names else value
    if isinstance(value, list | tuple):
        return [_replaced(v, names, token) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, names, token) for k, v in value.items()}
    return value


def audit_person_scrub(*, user: AbstractBaseUser, token: str) -> int:
    """Remove the erased person's identity from the audit log; the entries changed."""
    user_type = ContentType.objects.get_for_model(type(user))
    own = list(_own_entries(user))
    names = _names(own, user_type, token)
    for entry in own:
        entry.object_repr = (
            token
            if entry.content_type_id == user_type.pk
            else (_renamed(entry.object_repr, names, token))
        )
        entry.changes = {
            field: [ERASED, ERASED] if field in IDENTITY_FIELDS else values
            for field, values in (entry.changes or {}).items()
        }
        entry.serialized_data = None
    others = []
    if names:
        mentions = Q()
        for name in names:
            mentions |= Q(object_repr__contains=name) | Q(text__contains=name)
        candidates = (
            AuditEntry.objects.annotate(text=Cast("changes", TextField()))
            .filter(mentions)
            .exclude(pk__in=[e.pk for e in own])
        )
        for entry in candidates:
            entry.object_repr = _renamed(entry.object_repr, names, token)
            entry.changes = _replaced(entry.changes, names, token)
            others.append(entry)
    AuditEntry.objects.bulk_update(
        own + others, ["object_repr", "changes", "serialized_data"], batch_size=500
    )
    AuditEntry.objects.filter(actor=user).update(
        actor_email=None, remote_addr=None, remote_port=None
    )
    return len(own) + len(others)
