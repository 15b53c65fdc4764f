"""Every cell geoair writes to Excel or CSV goes through here, so no text becomes a formula.

A name in an imported file can be ``=HYPERLINK("http://...")`` or ``=cmd|' /C calc'!A0``:
written as it is, Excel would run it as a formula when a colleague in another office
opens the export (CSV injection, OWASP). The rules, for every xlsx and CSV file geoair
writes (exports, forms, report tables, ``--out``, rejects, patrol sheets, scores):

* **xlsx**: every text cell is typed as text (openpyxl ``data_type "s"``, never ``"f"``);
  a text that starts like a formula also gets Excel's quote prefix, so editing the cell
  in Excel keeps it text. Characters an xlsx file cannot hold (C0 controls except tab,
  line feed and carriage return) are removed. Numbers, dates and booleans stay typed.
* **CSV**: a text field that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return (:data:`FORMULA_START`, OWASP's list) is written with a ``'`` in front
  (``'=1+2``), as OWASP's CSV-injection guidance says; Excel then shows it as text.
  A text that is a plain number (``-3.5``, ``+86``) cannot run and is written as it is;
  numbers in number columns are never touched (a negative number is not text).
  Control characters other than tab and line feed are removed.

Writers call :func:`write_csv`, :func:`write_xlsx` (frames to sheets) or, for laid-out
workbooks, :func:`put_cell` / :func:`row_cells` and :func:`save_workbook`, which also
turns any formula cell left in a workbook into text before saving.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoair.errors import OutputError
from geoair.messages import t
from geoair.store.tempfiles import atomic_path

__all__ = [
    "EXCEL_CELL_MAX",
    "FORMULA_START",
    "cell_value",
    "csv_field",
    "csv_frame",
    "looks_like_formula",
    "put_cell",
    "row_cells",
    "save_workbook",
    "sheet_title",
    "write_csv",
    "write_xlsx",
]


log = logging.getLogger(__name__)

#: First characters that make Excel (and LibreOffice) read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Most characters an Excel cell holds.
EXCEL_CELL_MAX = 32_767

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (and it is not a plain number)."""
    return text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text.strip())


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def csv_field(value: object) -> object:
    """A value ready for a CSV file: formula-like text quoted with ``'``, controls removed."""
    if not isinstance(value, str):
        return value
    text = _CSV_CONTROL.sub("", value.replace("\r\n", "\n"))
    if looks_like_formula(value):  # judged on the raw text: a leading tab counts
        return "'" + text
    return text


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names follow the CSV rule."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.astype(object).map(csv_field)
    out.columns = [csv_field(str(c)) for c in out.columns]
    return out


def write_csv(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    encoding: str = "utf-8-sig",
    float_format: str | None = None,
) -> Path:
    """Write ``frame`` as CSV to ``path`` (UTF-8 with BOM by default), text made safe.

    ``path`` is written directly: callers that want the file to appear whole wrap the
    call in :func:`geoair.io.writers.atomic_path`.
    """
    path = Path(path)
    csv_frame(frame).to_csv(path, index=False, encoding=encoding, float_format=float_format)
    return path


def cell_value(value: object) -> Any:
    """A Python value an xlsx cell can hold: None for missing, plain numbers, naive datetimes."""
    if _missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    return _XLSX_ILLEGAL.sub("", str(value))


def _as_text(cell) -> None:
    if isinstance(cell.value, str):
        formula_like = looks_like_formula(cell.value)
        cell.data_type = "s"
        if formula_like:
            cell.quotePrefix = True


def put_cell(sheet, row: int, column: int, value: object):
    """Set a cell of an openpyxl sheet; text is always stored as text. Returns the cell."""
    cell = sheet.cell(row=row, column=column)
    cell.value = cell_value(value)
    _as_text(cell)
    return cell


def row_cells(sheet, values: Iterable[object]) -> list:
    """openpyxl cells for ``sheet.append(...)``: text typed as text, values made storable."""
    from openpyxl.cell.cell import Cell, WriteOnlyCell

    make: Any = WriteOnlyCell if type(sheet).__name__ == "WriteOnlyWorksheet" else Cell
    cells = []
    for value in values:
        cell = make(sheet, value=cell_value(value))
        _as_text(cell)
        cells.append(cell)
    return cells


def save_workbook(book, path: Path | str) -> Path:
    """Save an openpyxl workbook atomically; any formula cell left in it is saved as text."""
    path = Path(path)
    for sheet in book.worksheets:
        if type(sheet).__name__ == "WriteOnlyWorksheet":
            continue
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame], path: Path | str, *, freeze_header: bool = True
) -> Path:
    """Write frames as the sheets of one .xlsx file (header row, then rows), atomically.

    Raises
    ------
    OutputError
        A text longer than an Excel cell holds, or a path that cannot be written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        table = pd.DataFrame(frame)
        for position, column in enumerate(table.columns):
            series = table.iloc[:, position]
            if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
                lengths = series.map(lambda v: len(v) if isinstance(v, str) else 0)
                if len(lengths) and lengths.max() > EXCEL_CELL_MAX:
                    raise OutputError(
                        t(
                            "error.io.cell_too_long",
                            n=int((lengths > EXCEL_CELL_MAX).sum()),
                            column=column,
                            limit=EXCEL_CELL_MAX,
                            name=name,
                        )
                    )
        sheet = book.create_sheet(sheet_title(name))
        if freeze_header:
            sheet.freeze_panes = "A2"
        header = row_cells(sheet, [str(c) for c in table.columns])
        for cell in header:
            cell.font = Font(bold=True)
        sheet.append(header)
        for values in table.itertuples(index=False, name=None):
            sheet.append(row_cells(sheet, values))
    if not sheets:
        book.create_sheet("data")
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def sheet_title(name: str) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters, not empty."""
    title = re.sub(r"[\[\]:*?/\\]", "_", _XLSX_ILLEGAL.sub("", str(name)))[:31].strip("'")
    return title or "data"
