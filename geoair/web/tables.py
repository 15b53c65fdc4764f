"""Frames as tables for pages and the JSON API: JSON-ready cells, labelled columns.

A workflow's result is a (Geo)DataFrame; a page shows its first rows as an HTML table
(built in the browser with ``textContent``, so every text is shown as text) and the
API returns the same rows. Geometry is left out; booleans become 是/否 (yes/no),
missing values empty, numbers stay numbers (rounded to 0.1 from 100 up, else to 3
decimals), dates text. Column labels and yes/no are in the current language
(:func:`geoair.messages.language`): in Chinese a column has its header of the field
dictionary (:func:`geoair.store.fields.header`, as report tables have it), in English
its ``web.column.*`` label of the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoair.messages import MESSAGES, language, t, yes_no
from geoair.store.fields import header

__all__ = ["ROW_LIMIT", "cell", "column_label", "frame_table"]


ROW_LIMIT = 300  # rows of one result table sent to the page


def column_label(column: str) -> str:
    """A result table's column header in the current language: the field dictionary's
    Chinese header, or the catalogue's English label; else the column's own name."""
    if language() == "zh":
        said = header(column)
        if said != column:
            return said
    key = f"web.column.{column}"
    return t(key) if key in MESSAGES else column


def cell(value: Any) -> Any:
    """One JSON-ready cell: None, a number, or text (yes/no in the current language)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return yes_no(bool(value))
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        if number.is_integer() and abs(number) < 1e15:
            return int(number)
        return round(number, 1 if abs(number) >= 100 else 3)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M")
    if isinstance(value, bytes):
        return None
    return str(value)


def frame_table(
    frame: pd.DataFrame | None,
    title: str,
    *,
    columns: Sequence[str] | None = None,
    limit: int = ROW_LIMIT,
) -> dict[str, Any]:
    """The first ``limit`` rows of ``frame`` as ``{title, columns, rows, total}``.

    Parameters
    ----------
    frame : DataFrame or None
        The table (geometry is dropped); None gives an empty table.
    title : str
        Shown above the table.
    columns : sequence of str, optional
        Only these columns, in this order (those absent are skipped).
    limit : int
        Most rows sent; ``total`` says how many there are.
    """
    if frame is None:
        frame = pd.DataFrame()
    geometry = frame.geometry.name if hasattr(frame, "geometry") and "geometry" in frame else None
    keep = [c for c in (columns or frame.columns) if c in frame.columns and c != geometry]
    head = frame[keep].head(limit)
    rows = [[cell(v) for v in row] for row in head.itertuples(index=False, name=None)]
    return {
        "title": title,
        "columns": [{"key": str(c), "label": column_label(str(c))} for c in keep],
        "rows": rows,
        "total": int(len(frame)),
    }
