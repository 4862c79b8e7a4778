"""Who may use the rep endpoints: an authenticated user with a rep profile."""

from django.utils import timezone
from rest_framework.request import Request

from reinforcement.api.errors import ApiError
from reinforcement.selectors.reps import (
    RepSituation,
    rep_situation_get,
)


def rep_situation_or_error(request: Request) -> RepSituation:
    """The caller's rep situation now, or a 403 ``not_a_rep`` for other users.

    Object-level access is enforced in the selectors and services, which
    always filter by the caller's own id: another rep's prompt is a 404.
    """
    situation = rep_situation_get(rep_id=request.user.pk, now=timezone.now())
    if situation is None:
        raise ApiError("not_a_rep", "This account has no rep profile.", 403)
    return situation
