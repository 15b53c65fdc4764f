"""A run for a part replaces only that part's rows.

Many commands compute results for a part of the data: ``geoair indicators --start
2020-11-01 --end 2020-11-30`` a month of days, ``geoair patrol plan --county 郊区`` one
county's plan, ``geoair scores parks --month 2024-02`` one month, ``geoair sources
suspects --station 赛鱼`` one station. Their tables in the workspace hold every part
computed so far; writing such a run must keep the other parts' rows.
:func:`replace_part` is that merge; :meth:`geoair.store.workspace.WorkspaceWriter.replace_part`
reads the old rows and writes the merge inside a transaction (under the workspace
lock, so no other command changes the table in between).

The part is described by key columns and, for each, the values the run covered::

    replace_part(old, new, ["period"], part={"period": ["2020-11"]})
    replace_part(old, new, ["date", "scope"])                   # the key pairs in new
    replace_part(old, new, ["date"], part={"date": lambda d: d.between(a, b)})

A value of ``part`` may be a list of values, a function of the old column (already
converted to the new column's type) that returns a boolean mask, or None (every
value). Without ``part``, the part is the key combinations present in ``new``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["PartValues", "replace_part"]


PartValues = Iterable[object] | Callable[[pd.Series], pd.Series] | None


def _text(series: pd.Series) -> pd.Series:
    """Key values as comparable text: dates as YYYY-MM-DD[ HH:MM:SS], empty as ""."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = pd.to_datetime(series)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        midnight = (values.dropna() == values.dropna().dt.normalize()).all()
        text = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
        return text.astype(object).where(values.notna(), "")
    out = series.astype(object).map(
        lambda v: (
            ""
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
            else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )
    )
    return out


def _like(old: pd.Series, new: pd.Series) -> pd.Series:
    """``old`` converted to the dtype family of ``new`` where that can be done safely."""
    if pd.api.types.is_datetime64_any_dtype(new.dtype):
        converted = pd.to_datetime(old, errors="coerce")
        if getattr(new.dt, "tz", None) is None and getattr(converted.dt, "tz", None) is not None:
            converted = converted.dt.tz_localize(None)
        return converted.astype(new.dtype) if converted.notna().any() else converted
    if isinstance(new.dtype, pd.BooleanDtype) or new.dtype == bool:
        return old.map(
            lambda v: (
                pd.NA
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                else (v in ("1", "True", "true") if isinstance(v, str) else bool(v))
            )
        ).astype("boolean")
    if isinstance(new.dtype, pd.Int64Dtype | pd.Int32Dtype):
        return pd.to_numeric(old, errors="coerce").astype("Int64")
    if pd.api.types.is_numeric_dtype(new.dtype) and not pd.api.types.is_numeric_dtype(old.dtype):
        return pd.to_numeric(old, errors="coerce")
    return old


def _in_part(
    old: pd.DataFrame,
    new: pd.DataFrame,
    key_columns: Sequence[str],
    part: Mapping[str, PartValues] | None,
) -> np.ndarray:
    """A boolean mask of the rows of ``old`` that belong to the part.

    A key column that ``old`` lacks (a table written by an older geoair) counts as
    empty in every old row: those rows belong to a part only when it covers empty
    values, so nothing is dropped because its table predates a column.
    """
    if not key_columns:
        return np.ones(len(old), dtype=bool)

    def old_column(column: str) -> pd.Series:
        if column not in old.columns:
            return pd.Series([None] * len(old), index=old.index, dtype=object)
        if column in new.columns:
            return _like(old[column], new[column])
        return old[column]

    if part is None:
        if any(c not in new.columns for c in key_columns):
            raise KeyError(f"the new rows lack a key column of the part: {list(key_columns)}")
        keys_old = pd.MultiIndex.from_arrays([_text(old_column(c)) for c in key_columns])
        keys_new = pd.MultiIndex.from_arrays([_text(new[c]) for c in key_columns])
        return np.asarray(keys_old.isin(keys_new), dtype=bool)
    mask = np.ones(len(old), dtype=bool)
    for column in key_columns:
        values = part.get(column)
        if values is None:
            continue
        series = old_column(column)
        if callable(values):
            hit = pd.Series(values(series), index=old.index).fillna(False).astype(bool)
            mask &= hit.to_numpy()
        else:
            listed = list(values)
            try:
                typed = pd.Series(listed, dtype=series.dtype)
            except (TypeError, ValueError):
                typed = pd.Series(listed, dtype=object)
            mask &= _text(series).isin(set(_text(typed))).to_numpy()
    return mask


def replace_part(
    old: pd.DataFrame | None,
    new: pd.DataFrame,
    key_columns: Sequence[str],
    *,
    part: Mapping[str, PartValues] | None = None,
) -> pd.DataFrame:
    """The rows of ``old`` outside the part, then ``new``.

    Parameters
    ----------
    old : DataFrame or GeoDataFrame, optional
        The table as stored (None or empty: ``new`` is the result).
    new : DataFrame or GeoDataFrame
        The rows the run computed for the part.
    key_columns : sequence of str
        The columns that say which part a row belongs to (``period``, ``date``,
        ``county``, ``station_id``...). Empty: the whole table is the part.
    part : mapping, optional
        Column -> the values the run covered (a list, a mask function of the old
        column, or None for every value). Default: the key combinations in ``new``.

    Returns
    -------
    DataFrame or GeoDataFrame
        ``new``'s columns; old rows get empty values in columns they lack. A
        GeoDataFrame when ``new`` is one (``new``'s geometry column and CRS).

    Examples
    --------
    >>> old = pd.DataFrame({"period": ["2020-10", "2020-11"], "v": [1.0, 2.0]})
    >>> new = pd.DataFrame({"period": ["2020-11"], "v": [5.0]})
    >>> replace_part(old, new, ["period"])["v"].tolist()
    [1.0, 5.0]
    """
    if old is None or len(old) == 0:
        return new
    old = old.reset_index(drop=True)
    kept = old.loc[~_in_part(old, new, list(key_columns), part)]
    if kept.empty:
        return new
    kept = pd.DataFrame(kept).reindex(columns=list(new.columns))
    for column in new.columns:
        if column in old.columns and not (
            isinstance(new, gpd.GeoDataFrame) and column == new.geometry.name
        ):
            kept[column] = _like(kept[column], new[column])
    if len(new) == 0:
        merged = kept.reset_index(drop=True)
    else:
        merged = pd.concat([kept, pd.DataFrame(new)], ignore_index=True)
    if isinstance(new, gpd.GeoDataFrame):
        merged = gpd.GeoDataFrame(merged, geometry=new.geometry.name, crs=new.crs)
    return merged
