"""Cells that spreadsheet programs would run: neutralised (OWASP's CSV injection rule).

A text cell that begins with =, +, -, @, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets, even in a CSV file. Such cells get a leading apostrophe, which
spreadsheets show as text and never evaluate. Numbers (a negative progress change, a longitude)
stay numbers. In XLSX files, text is written as text (never as a formula), so no prefix is needed.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def neutralise(value):
    """The cell as a spreadsheet may show it without running it."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_csv_file(path: Path, *, encoding: str = "utf-8-sig") -> None:
    """Rewrite a CSV file (with a BOM) in place, row by row, with every cell neutralised."""
    partial = path.with_name(path.name + ".partial")
    with open(path, newline="", encoding=encoding) as source, open(partial, "w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        for row in csv.reader(source):
            writer.writerow([neutralise(cell) for cell in row])
    partial.replace(path)


def as_text_cells(worksheet) -> None:
    """Make every string cell of an openpyxl worksheet a text cell, so that '=...' is never a formula."""
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
