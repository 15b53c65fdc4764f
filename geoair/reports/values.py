"""Values made readable for export: 是/否 booleans, plain numbers, dates as text.

Shared by :mod:`geoair.reports.export` (Shapefile, GeoJSON, CSV, Excel) and
:mod:`geoair.reports.kml`; the input frame is never modified.
"""

from __future__ import annotations

from typing import TypeGuard, TypeVar

import geopandas as gpd
import pandas as pd

from geoair.messages import yes_no
from geoair.store.schema import KINDS

__all__ = ["is_geo"]


_Frame = TypeVar("_Frame", bound=pd.DataFrame)


def _zh_headers(layer: str | None) -> dict[str, str]:
    spec = KINDS.get(layer or "")
    return {} if spec is None else {f.name: f.zh for f in spec.fields}


def _humanise(frame: _Frame, *, dates_as_text: bool, booleans_as_text: bool = True) -> _Frame:
    """Booleans as 是/否 (unless told), nullable numbers as floats, datetimes as text."""
    out = frame.copy()
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for column in out.columns:
        if column == geometry:
            continue
        series = out[column]
        if booleans_as_text and (isinstance(series.dtype, pd.BooleanDtype) or series.dtype == bool):
            out[column] = series.map(yes_no).astype(object)
        elif isinstance(series.dtype, pd.Int64Dtype | pd.Int32Dtype):
            out[column] = (
                series.astype("float64") if series.isna().any() else series.astype("int64")
            )
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_localize(None)
        if dates_as_text and pd.api.types.is_datetime64_any_dtype(out[column].dtype):
            values = out[column]
            midnight = (values.dropna() == values.dropna().dt.normalize()).all()
            fmt = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S"
            out[column] = values.dt.strftime(fmt).astype(object).where(values.notna(), None)
    return out


def _texty(series: pd.Series) -> bool:
    """Object or string dtype (pandas 3 stores text as its own "str" dtype)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def is_geo(frame: pd.DataFrame) -> TypeGuard[gpd.GeoDataFrame]:
    """True for a GeoDataFrame that has its geometry column."""
    return isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
