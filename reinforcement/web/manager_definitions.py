"""The KPI definitions of docs/kpis.md, rendered into the manager pages.

Each ``## `` section of the document becomes one HTML fragment, keyed by the
slug of its heading without its number, with underscores so templates can
look it up ("## 7. At risk (coaching list)" -> ``at_risk_coaching_list``), so every figure on a page can carry its own
definition in a <details>, and /manager/definitions/ shows them all. The
file is read once per process: the definitions are the document, not a copy.
"""

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt

KPI_DOC = Path(settings.BASE_DIR) / "docs" / "kpis.md"
_HEADING = re.compile(r"^## +(?:\d+\. +)?(.+?)\s*$", re.MULTILINE)


def _render(text: str) -> SafeString:
    # The document is the repository's own; raw HTML in it is still escaped.
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return mark_safe(html)  # noqa: S308 - rendered with html disabled


@lru_cache(maxsize=1)
def kpi_definitions() -> dict[str, tuple[str, SafeString]]:
    """slug -> (heading, HTML of the section body), in document order."""
    text = KPI_DOC.read_text(encoding="utf-8")
    marks = list(_HEADING.finditer(text))
    sections = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        heading = mark.group(1)
        sections[slugify(heading).replace("-", "_")] = (
            heading,
            _render(text[mark.end() : end]),
        )
    return sections


def kpi_definition_html() -> dict[str, SafeString]:
    """slug -> HTML, for templates (``definitions.retention``)."""
    return {slug: html for slug, (_heading, html) in kpi_definitions().items()}
