"""The form model: a header tree becomes merged Excel cells, and a workbook is written.

A :data:`Header` is a list of nodes ``(label, children)``, with ``children`` ``None`` for
a column; :func:`header_cells` turns it into the cells and merges of a multi-row Excel
header. A :class:`Form` is one sheet (title, header, rows, notes), built by the
documents' forms in :mod:`geoair.reports.forms` and :mod:`geoair.reports.dispatch`;
:func:`write_workbook` writes forms as one workbook, atomically. The small helpers
here (month bounds, 是/否 cells, numbers and text as a clerk writes them) serve both.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from geoair.errors import FormError
from geoair.io.spreadsheets import put_cell, save_workbook, sheet_title
from geoair.messages import t

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["Form", "Header", "header_cells", "write_workbook"]


log = logging.getLogger(__name__)


# A header is a list of nodes; a node is (label, children) with children a list of
# nodes, or (label, None) for a column.
Header = list[tuple[str, "Header | None"]]


@dataclass
class Form:
    """A form ready to be written as one Excel sheet.

    Attributes
    ----------
    sheet : str
        Sheet name (≤ 31 characters).
    titles : list of str
        Lines above the table: an annex label, the title, a subtitle.
    header : Header
        The header tree (merged cells follow from it).
    rows : list of list
        Data rows, one value per leaf column.
    notes : list of str
        Lines under the table.
    merges : list of tuple
        Extra merges in the data area: (first row, first col, last row, last col),
        0-based within the data rows.
    widths : list of float
        Column widths in characters.
    bold_rows : list of int
        Data rows (0-based) written in bold: section titles and header rows of a form
        laid out without a header tree.
    """

    sheet: str
    titles: list[str]
    header: Header
    rows: list[list[object]]
    notes: list[str] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    bold_rows: list[int] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The leaf labels, left to right."""
        return [label for label, _, _ in _leaves(self.header)]

    def frame(self) -> pd.DataFrame:
        """The data rows as a DataFrame with leaf headers (for tests and previews)."""
        return pd.DataFrame(self.rows, columns=self.columns)


def _leaves(header: Header, depth: int = 0):
    for label, children in header:
        if children:
            yield from _leaves(children, depth + 1)
        else:
            yield label, children, depth


def _depth(header: Header) -> int:
    return 1 + max((_depth(c) for _, c in header if c), default=0)


def _width(node: tuple[str, Header | None]) -> int:
    label, children = node
    return sum(_width(c) for c in children) if children else 1


def header_cells(
    header: Header,
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, int, int]]]:
    """Cells and merges of a header tree.

    Returns
    -------
    (cells, merges)
        ``cells``: (row, col, label), 0-based; ``merges``: (row1, col1, row2, col2)
        inclusive, for every node spanning more than one cell.
    """
    depth = _depth(header)
    cells: list[tuple[int, int, str]] = []
    merges: list[tuple[int, int, int, int]] = []

    def place(nodes: Header, row: int, col: int) -> None:
        for node in nodes:
            label, children = node
            span = _width(node)
            cells.append((row, col, label))
            last_row = row if children else depth - 1
            if span > 1 or last_row > row:
                merges.append((row, col, last_row, col + span - 1))
            if children:
                place(children, row + 1, col)
            col += span

    place(header, 0, 0)
    return cells, merges


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month or ""):
        raise FormError(t("forms.bad_month", month=month))
    start = pd.Timestamp(month + "-01")
    return start, start + pd.offsets.MonthEnd(0)


def _month_zh(month: str) -> str:
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def _yes_no(value: object, yes: str = "是", no: str = "否") -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return yes if bool(value) else no


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _number(value: Any) -> float | int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _in_month(frame: pd.DataFrame, month: str, column: str = "inspection_date") -> pd.DataFrame:
    start, end = _month_bounds(month)
    dates = pd.to_datetime(frame[column], errors="coerce")
    return frame[(dates >= start) & (dates <= end)]


def _for_county(frame: pd.DataFrame, county: str | None) -> pd.DataFrame:
    if county is None or "county" not in frame.columns:
        return frame
    return frame[frame["county"].astype(str) == county]


def _place(county: str | None, city: str) -> str:
    return county or city


def _months_present(frame: pd.DataFrame, column: str = "inspection_date") -> str:
    dates = pd.to_datetime(frame[column], errors="coerce").dropna()
    if dates.empty:
        return t("forms.no_dated_rows")
    return t("forms.months_present", first=f"{dates.min():%Y-%m}", last=f"{dates.max():%Y-%m}")


def _flag(row: pd.Series, flag: str, label: str) -> bool:
    value = row.get(flag)
    if (
        value is not None
        and value is not pd.NA
        and not (isinstance(value, float) and np.isnan(value))
    ):
        return bool(value)
    return label in str(row.get("measure") or "")


def write_workbook(forms: list[Form], path: Path | str) -> Path:
    """Write forms as sheets of one .xlsx file, atomically, with merged header cells.

    Raises
    ------
    OutputError
        The path cannot be written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    book = Workbook()
    book.remove(cast("Worksheet", book.active))  # a new workbook's one sheet
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    for form in forms:
        sheet = book.create_sheet(sheet_title(form.sheet))
        ncols = max(len(form.columns), max((len(r) for r in form.rows), default=1))
        row = 1
        for number, title in enumerate(form.titles):
            cell = put_cell(sheet, row, 1, title)
            is_label = number == 0 and re.fullmatch(r"附件\d*", title)
            cell.font = Font(
                name="黑体" if is_label else "方正小标宋简体",
                size=12 if is_label else 16,
                bold=not is_label,
            )
            if not is_label:
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
                cell.alignment = Alignment(horizontal="center", vertical="center")
            row += 1
        if form.header:
            cells, merges = header_cells(form.header)
            depth = _depth(form.header)
            for r in range(depth):
                for c in range(ncols):
                    sheet.cell(row=row + r, column=c + 1).border = border
            for r, c, label in cells:
                cell = put_cell(sheet, row + r, c + 1, label)
                cell.font = Font(bold=True)
                cell.alignment = centre
            for r1, c1, r2, c2 in merges:
                sheet.merge_cells(
                    start_row=row + r1, start_column=c1 + 1, end_row=row + r2, end_column=c2 + 1
                )
            row += depth
        data_top = row
        for number, values in enumerate(form.rows):
            for c, value in enumerate(values):
                cell = put_cell(sheet, row, c + 1, value)
                if form.header or any(v is not None for v in values[1:]):
                    cell.border = border
                cell.alignment = left if isinstance(value, str) and len(value) > 12 else centre
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                if number in form.bold_rows:
                    cell.font = Font(bold=True)
            if (
                not form.header
                and len([v for v in values if v is not None]) == 1
                and isinstance(values[0], str)
                and values[0][:2] in ("一、", "二、", "三、")
            ):
                sheet.cell(row=row, column=1).font = Font(bold=True)
                sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left")
            row += 1
        for r1, c1, r2, c2 in form.merges:
            sheet.merge_cells(
                start_row=data_top + r1,
                start_column=c1 + 1,
                end_row=data_top + r2,
                end_column=c2 + 1,
            )
        for note in form.notes:
            put_cell(sheet, row, 1, note).alignment = Alignment(wrap_text=False)
            row += 1
        for c, width in enumerate(form.widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    save_workbook(book, path)
    log.info("wrote %s", path)
    return path
