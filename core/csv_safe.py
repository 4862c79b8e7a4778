"""CSV writers that keep spreadsheets from running a cell as a formula.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``,
``-`` or ``@`` (and, after trimming, a tab or carriage return) as a formula, so
a choice text such as ``=HYPERLINK("https://evil.example", "Click")`` would run
in a manager's spreadsheet (CSV injection, OWASP). Every CSV the product writes
goes through these writers: a text cell with such a start gets a leading
apostrophe, which spreadsheets show as text and hide. Numbers are written as
they are: a negative number is not a formula.
"""

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The prefix spreadsheets read as "this cell is text".
TEXT_MARK = "'"


def csv_cell_safe(value: Any) -> Any:
    """Return the cell as written: text with a formula start gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_MARK + value
    return value


def csv_cell_unmark(value: str) -> str:
    """Undo ``csv_cell_safe`` on a cell read back, so an export re-imports unchanged."""
    if value.startswith(TEXT_MARK) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """``csv.writer`` whose every row goes through ``csv_cell_safe``."""

    def __init__(self, stream, **kwargs: Any):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose every value goes through ``csv_cell_safe``."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: csv_cell_safe(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def csv_safe_writer(stream, **kwargs: Any) -> SafeWriter:
    """A CSV writer for anything a person opens in a spreadsheet."""
    return SafeWriter(stream, **kwargs)
