"""The API's one parser: JSON, bounded in size and in depth.

DRF's JSON parser answers a malformed body with a 400 but lets two bodies
through as 500s: one nested deeper than Python's recursion limit
(``RecursionError`` in ``json``), and, since it reads the stream itself, one
of any size (Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` guards only
``request.body`` and forms). Here the first is a 400 ``parse_error`` and the
second a ``RequestDataTooBig``, which the exception handler answers with 413.
"""

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JsonParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise RequestDataTooBig("The request body is over the upload limit.")
            stream = io.BytesIO(raw)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
