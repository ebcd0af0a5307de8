"""Spreadsheet exports (CSV and XLSX) whose text never runs as a formula.

Names staff type (a resource called ``=HYPERLINK(…)``) end up in these files; a spreadsheet
program would evaluate a cell starting with ``=``, ``+``, ``-`` or ``@`` (also tab and CR).
Following the OWASP rule on CSV injection, such a CSV cell gets a leading single quote; an
XLSX cell is written as a text cell, which Excel and LibreOffice show as typed and never
evaluate. Numbers stay numbers, negative ones too: only text is touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[object]


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """The value as a CSV field: text that would start a formula gets a single quote first."""
    return f"'{value}" if looks_like_formula(value) else value


def csv_bytes(rows: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    # A BOM so that spreadsheet programs read Vietnamese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


def sheet_title(title: str) -> str:
    """What a spreadsheet accepts as a sheet's name: at most 31 characters, none of []:*?/\\."""
    return title.translate(SHEET_TITLE_FORBIDDEN).strip()[:31] or "-"


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[Row]]]) -> bytes:
    """A workbook with one sheet per ``(title, rows)``."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        sheet = book.create_sheet(title=sheet_title(title))
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if not isinstance(value, str):
                    sheet.cell(row=r, column=c, value=value)
                    continue
                # Without the control characters an XLSX file cannot hold (openpyxl refuses).
                text = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet.cell(row=r, column=c, value=text)
                # openpyxl makes any text starting with "=" a formula; this keeps it text, and
                # the quote prefix keeps it text when someone edits the cell.
                cell.data_type = "s"
                cell.quotePrefix = looks_like_formula(text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
