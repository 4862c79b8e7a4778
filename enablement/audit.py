"""The audit log (django-auditlog): who changed what, when, with before and after.

Models are registered with ``audit_register`` (enablement's and sso's app
configs); auditlog then records every save, delete and many-to-many change
with the changed fields' before and after values. Each entry is an
``enablement.AuditEntry``, auditlog's entry plus the organization it belongs
to (so admin scopes it like everything else), its ``cause`` (a content or
roster import, publish, retire, erasure) and ``via`` (a command's name when
no person acted).

Who acted comes from the request (``AuditMiddleware``: the session user, or
the API's token user once DRF has authenticated it) or from
``audit_context(actor=...)`` in a command. Writes that bypass ``save()`` are
logged by the service that makes them, through ``audit_objects_log`` or the
``audit_question_write`` decorator, so services stay the only writers.
"""

import functools
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntryManager
from auditlog.registry import auditlog
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from rest_framework.throttling import BaseThrottle

# Never stored: values of masked fields (secrets, password hashes).
HIDDEN = "(hidden)"
# Fields of every model that only repeat the entry's own timestamp.
_NOISE_FIELDS = frozenset({"created_at", "updated_at", "last_login"})
# The path from a registered model's instance to its organization's id.
_ORGANIZATION_PATHS: dict[type[models.Model], tuple[str, ...]] = {}
_QUESTION_CAUSES = {"published": "publish", "retired": "retire", "draft": "unpublish"}


@dataclass(frozen=True)
class _Context:
    cause: str = ""
    via: str = ""
    actor: Any = None
    request: Any = None
    remote_addr: str | None = None
    remote_port: int | None = None
    organization_id: int | None = None
    buffer: list | None = field(default=None, compare=False)


# A frozen value, replaced (never changed) by each context.
_context: ContextVar[_Context] = ContextVar("enablement_audit", default=_Context())  # noqa: B039


def secret_mask(value: str) -> str:
    """auditlog's mask callable: nothing of a secret, only whether it was set."""
    return value if value in ("", "None") else HIDDEN


def audit_register(
    model: type[models.Model],
    *,
    organization: str,
    exclude: Iterable[str] = (),
    mask: Iterable[str] = (),
    m2m: Iterable[str] = (),
) -> None:
    """Record every change of model; ``organization``: the dotted path to its org id.

    ``mask``: fields whose values are never written (a change shows as
    "(hidden)"); ``m2m``: many-to-many fields whose adds and removes are logged.
    """
    skip = _NOISE_FIELDS | set(exclude)
    auditlog.register(
        model,
        include_fields=[
            f.name for f in model._meta.concrete_fields if f.name not in skip
        ],
        mask_fields=list(mask),
        mask_callable="enablement.audit.secret_mask",
        m2m_fields=set(m2m),
    )
    _ORGANIZATION_PATHS[model] = tuple(organization.split("."))


def organization_of(instance: models.Model) -> int | None:
    """The id of the organization an instance belongs to (None: none known).

    Inside a service of one organization (``audit_organization``) that one:
    a person being created has no membership yet, and asking costs a query.
    """
    if _context.get().organization_id is not None:
        return _context.get().organization_id
    path = _ORGANIZATION_PATHS.get(type(instance))
    value: Any = instance
    try:
        for name in path or ():
            value = getattr(value, name)
            if value is None:
                break
    except ObjectDoesNotExist:
        value = None
    if path is None or isinstance(value, models.Model):
        return None
    return value


@contextmanager
def audit_context(
    *,
    cause: str = "",
    via: str = "",
    actor: Any = None,
    organization_id: int | None = None,
) -> Iterator[None]:
    """Name why and through what the writes inside are made (also a decorator).

    Nested causes are joined ("roster import: deactivation").
    """
    outer = _context.get()
    token = _context.set(
        replace(
            outer,
            cause=": ".join(c for c in (outer.cause, cause) if c),
            via=via or outer.via,
            actor=actor or outer.actor,
            organization_id=organization_id or outer.organization_id,
        )
    )
    try:
        yield
    finally:
        _context.reset(token)


def audit_organization(function: Callable) -> Callable:
    """Decorate a service taking ``organization=``: its entries without one get it."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        organization = kwargs.get("organization")
        with audit_context(organization_id=getattr(organization, "pk", None)):
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def audit_batch(**context) -> Iterator[None]:
    """Collect the entries written inside and insert them at once on the way out.

    ``context``: as for audit_context. For bulk writers (a 10,000-person
    roster): one INSERT per 1,000 entries instead of one per entry. Use it
    inside the writer's transaction, so a rolled-back write (a preview)
    leaves no entries either.
    """
    outer = _context.get()
    if outer.buffer is not None:
        with audit_context(**context):
            yield
        return
    buffer: list = []
    token = _context.set(replace(outer, buffer=buffer))
    try:
        with audit_context(**context):
            yield
    finally:
        _context.reset(token)
    if buffer:
        type(buffer[0]).objects.bulk_create(buffer, batch_size=1000)


def _actor(context: _Context) -> Any:
    if context.actor is not None:
        return context.actor
    user = getattr(context.request, "user", None)  # DRF sets it once authenticated
    if user is not None and user.is_authenticated:
        return user
    return None


def _entry_complete(entry) -> None:
    """What auditlog leaves out: actor (also for bulk writes), cause, via, address.

    Read from this module's context only: auditlog's own context value
    outlives its request in the thread, so it could name a past request's user.
    """
    context = _context.get()
    if entry.actor_id is None:
        actor = _actor(context)
        if actor is not None and getattr(actor, "pk", None):
            entry.actor, entry.actor_email = actor, getattr(actor, "email", None)
    entry.remote_addr = entry.remote_addr or context.remote_addr
    entry.remote_port = entry.remote_port or context.remote_port
    entry.via = entry.via or context.via
    entry.cause = entry.cause or context.cause or _derived_cause(entry)


def _derived_cause(entry) -> str:
    """A question's status change is its publish or retire."""
    status = (entry.changes or {}).get("status")
    if entry.content_type.model != "question" or not status:
        return ""
    return _QUESTION_CAUSES.get(status[1], "")


class AuditEntryManager(LogEntryManager):
    """auditlog's manager, completing each entry and buffering in ``audit_batch``."""

    def log_create(self, instance, force_log: bool = False, **kwargs):
        kwargs.setdefault("organization_id", organization_of(instance))
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(
        self, changed_queryset, instance, operation, field_name, **kwargs
    ):
        kwargs.setdefault("organization_id", organization_of(instance))
        return super().log_m2m_changes(
            changed_queryset, instance, operation, field_name, **kwargs
        )

    def create(self, **kwargs):
        entry = self.model(**kwargs)
        _entry_complete(entry)
        buffer = _context.get().buffer
        if buffer is not None:
            buffer.append(entry)
        else:
            entry.save(force_insert=True, using=self.db)
        return entry


def audit_objects_log(
    *, changes: Iterable[tuple[models.Model | None, models.Model | None]]
) -> None:
    """Log writes made without ``save()``: each (before, after) pair of instances.

    (None, new) is a creation, (old, None) a deletion; a pair whose tracked
    fields are equal writes nothing.
    """
    from enablement.models import AuditEntry

    for old, new in changes:
        instance = new if new is not None else old
        if not auditlog.contains(type(instance)):
            continue
        diff = model_instance_diff(old, new)
        if diff is None and old is not None and new is not None:
            continue
        action = (
            AuditEntry.Action.CREATE
            if old is None
            else AuditEntry.Action.DELETE
            if new is None
            else AuditEntry.Action.UPDATE
        )
        AuditEntry.objects.log_create(
            instance, action=action, changes=diff or {}, force_log=True
        )


def audit_access(*, instance: models.Model, cause: str) -> None:
    """Log that someone read an object's data (a personal-data export)."""
    from enablement.models import AuditEntry

    with audit_context(cause=cause):
        AuditEntry.objects.log_create(
            instance, action=AuditEntry.Action.ACCESS, changes={}, force_log=True
        )


def _question_rows(question_id: int | None) -> dict[tuple[str, int], models.Model]:
    from enablement.models import Choice, Question

    if question_id is None:
        return {}
    rows = {("q", q.pk): q for q in Question.objects.filter(pk=question_id)}
    rows.update(
        (("c", c.pk), c) for c in Choice.objects.filter(question_id=question_id)
    )
    return rows


def audit_question_write(function: Callable) -> Callable:
    """Decorate a service writing one ``question=`` and its choices with bulk writes.

    The question and its choices are read before and after; the entries are
    their differences (one per changed row), whether the service saved,
    updated in bulk or bulk-created them.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        question = kwargs["question"]
        before = _question_rows(question.pk)
        with disable_auditlog():
            result = function(*args, **kwargs)
        after = _question_rows(question.pk)
        audit_objects_log(
            changes=[
                (before.get(key), after.get(key))
                for key in sorted(before.keys() | after.keys())
            ]
        )
        return result

    return wrapper


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, trusting X-Forwarded-For only as the API does.

    The client address follows ``API_NUM_PROXIES`` (DRF's rule, the one the
    throttles use), not any header a client sends; the request is kept so an
    API request's token user, known only once DRF authenticates it, is the actor.
    """

    @staticmethod
    def _get_remote_addr(request):
        address = BaseThrottle().get_ident(request)
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            return None

    def __call__(self, request):
        token = _context.set(
            replace(
                _context.get(),
                request=request,
                remote_addr=self._get_remote_addr(request),
                remote_port=self._get_remote_port(request),
            )
        )
        try:
            return super().__call__(request)
        finally:
            _context.reset(token)
