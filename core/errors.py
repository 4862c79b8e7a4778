"""The one refusal type of the application's services.

A service that refuses raises an ``ApplicationError`` (or a subclass naming
its domain) with a machine-readable ``code``, a message for people and
optional ``details``; nothing is written. The API maps it to its JSON error
shape and the pages to an error template, each in one place.
"""

from typing import Any


class ApplicationError(Exception):
    """A refused request: nothing was written."""

    def __init__(self, code: str, message: str, details: Any = None):
        self.code = code
        self.message = message
        self.details = details if details is not None else {}
        super().__init__(message)
