"""The content file format that import and export share (YAML and CSV).

The YAML format is documented in ``enablement/content/FORMAT.md``; the CSV
format is one question per row (see ``CSV_COLUMNS``). Items are identified by
their ``key``, so importing the same file twice changes nothing.
"""

from typing import Any

from core.errors import ApplicationError
from enablement.models import MAX_CHOICES

SECTIONS = ("methodologies", "topics", "modules", "questions")
CSV_COLUMNS = [
    "methodology", "methodology_name", "module", "module_name", "module_position",
    "topic", "topic_name", "key", "type", "status", "stem", "explanation",
    "reference_url", "correct",
    *[f"choice_{i}" for i in range(1, MAX_CHOICES + 1)],
    *[f"feedback_{i}" for i in range(1, MAX_CHOICES + 1)],
]  # fmt: skip

# Parsed content: the items of each section, as plain mappings.
ContentData = dict[str, list[dict[str, Any]]]


class ContentImportError(ApplicationError):
    """The file was rejected; ``errors`` names the file, location and field of each."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(
            code="invalid_content",
            message="\n".join(errors),
            details={"errors": errors},
        )


def is_csv(name: str) -> bool:
    """Say whether a file name is read and written as CSV (otherwise YAML)."""
    return name.lower().endswith(".csv")
