"""A previewed upload kept in the session until its confirmation.

The preview page shows what an import would do; the confirm request imports
exactly that file, once. The token on the confirm form ties the two together,
so an old tab or a replayed POST cannot import a different or stale preview.
"""

import base64
import secrets
from typing import Any

from django.http import HttpRequest


def import_preview_store(
    request: HttpRequest, *, key: str, data: bytes, **fields: Any
) -> str:
    """Keep the uploaded bytes and the import's options; returns the token."""
    token = secrets.token_urlsafe(16)
    request.session[key] = {
        "token": token,
        "data": base64.b64encode(data).decode(),
        **fields,
    }
    return token


def import_preview_take(request: HttpRequest, *, key: str) -> dict[str, Any] | None:
    """The stored preview if the POSTed token matches it, removed from the
    session (a second confirm finds nothing); its "data" decoded to bytes."""
    stored = request.session.get(key)
    token = request.POST.get("token", "")
    if not stored or not secrets.compare_digest(stored["token"], token):
        return None
    del request.session[key]
    return {**stored, "data": base64.b64decode(stored["data"])}
