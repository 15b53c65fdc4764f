"""Merging rows by key: what an import does to the rows already stored.

Both stores give the same answer: the GeoPackage folder merges frames with
:func:`merge_rows`; the PostGIS store does the same in SQL (see
:mod:`geoair.store.postgis`), comparing keys as text with missing values as "".
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = ["add_new_rows", "merge_rows"]


def _keys(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.MultiIndex:
    parts = frame[list(key)].astype(object)
    return pd.MultiIndex.from_frame(parts.where(parts.notna(), "").map(str))


def merge_rows(
    existing: pd.DataFrame | None, new: pd.DataFrame, key: tuple[str, ...]
) -> tuple[pd.DataFrame, int]:
    """Existing rows whose key is not among the new rows, then the new rows.

    Parameters
    ----------
    existing : DataFrame or None
        The rows stored now.
    new : DataFrame
        The rows to store; their keys are unique.
    key : tuple of str
        Key columns (those missing from either frame are ignored).

    Returns
    -------
    (merged, replaced) : (DataFrame, int)
        ``replaced`` counts existing rows that new rows replaced.
    """
    if existing is None or existing.empty:
        return new, 0
    key = tuple(k for k in key if k in new.columns and k in existing.columns)
    stale = pd.Series(_keys(existing, key).isin(_keys(new, key)), index=existing.index)
    kept = existing.loc[~stale]
    columns = list(new.columns)
    kept = kept.reindex(columns=columns)
    merged = pd.concat([kept, new], ignore_index=True)
    if isinstance(new, gpd.GeoDataFrame):
        merged = gpd.GeoDataFrame(merged, geometry=new.geometry.name, crs=new.crs)
    return merged, int(stale.sum())


def add_new_rows(
    existing: pd.DataFrame | None, new: pd.DataFrame, key: tuple[str, ...]
) -> tuple[pd.DataFrame, int]:
    """Existing rows, then the new rows whose key is not stored yet.

    Returns
    -------
    (merged, added) : (DataFrame, int)
    """
    if existing is None or existing.empty:
        return new, len(new)
    key = tuple(k for k in key if k in new.columns and k in existing.columns)
    fresh = new.loc[~_keys(new, key).isin(_keys(existing, key))]
    if fresh.empty:
        return existing, 0
    merged = pd.concat([existing, fresh], ignore_index=True)
    if isinstance(existing, gpd.GeoDataFrame):
        merged = gpd.GeoDataFrame(merged, geometry=existing.geometry.name, crs=existing.crs)
    return merged, len(fresh)
