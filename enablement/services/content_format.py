"""The content file format that import and export share (YAML and CSV).

Both formats and their limits are documented in ``enablement/content/FORMAT.md``;
CSV is one question per row (``CSV_COLUMNS``). Items are identified by their
``key``, so importing the same file twice changes nothing.
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

# The fields each section's items may carry (YAML); CSV carries the columns.
FIELDS = {
    "methodologies": ("key", "name", "description"),
    "topics": ("key", "name", "description"),
    "modules": ("key", "methodology", "name", "position", "description"),
    "questions": (
        "key", "module", "topic", "type", "status", "stem", "explanation",
        "reference_url", "choices",
    ),
}  # fmt: skip
CHOICE_FIELDS = ("text", "correct", "feedback")

# The largest file an import reads: about 2,000 questions of ordinary length.
# The per-text limits are models.TEXT_LIMITS and the fields' max_length.
MAX_FILE_BYTES = 5 * 1024 * 1024

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


def file_size_errors(*, name: str, size: int) -> list[str]:
    """The error for a file over ``MAX_FILE_BYTES``, if it is."""
    if size <= MAX_FILE_BYTES:
        return []
    return [
        f"{name}: (file): size: {size:,} bytes is over the limit of "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB; split the file"
    ]


def is_csv(name: str) -> bool:
    """Say whether a file name is read and written as CSV (otherwise YAML)."""
    return name.lower().endswith(".csv")
