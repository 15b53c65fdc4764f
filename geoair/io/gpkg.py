"""A geoair workspace: a folder with ``workspace.gpkg``, ``geoair.toml`` and side files.

Layout::

    DIR/
      workspace.gpkg     layers and record tables (a GeoPackage that QGIS opens)
      geoair.toml        settings (see geoair.config)
      readings/          hourly and monthly readings as partitioned Parquet
      rejects/           rows refused by imports, with row numbers and reasons
      outputs/           files written by analyses (maps, forms, reports)

Writes are atomic: :meth:`Workspace.transaction` works on a copy of the GeoPackage
and moves it over the original only when every write succeeded, so a failure or
Ctrl-C in the middle leaves the workspace as it was. A lock file keeps two geoair
processes from writing at once.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import WorkspaceError

__all__ = ["storable_frame", "write_gpkg_layer"]


# GeoPackage 1.3: GDAL 3.6 (Debian 12's ogrinfo) and QGIS 3.22+ open it without warnings.
_GPKG_OPTIONS = {"VERSION": "1.3"}


def write_gpkg_layer(frame: pd.DataFrame, path: Path, name: str) -> None:
    """Write ``frame`` as layer ``name`` of the GeoPackage at ``path``, replacing it."""
    frame = storable_frame(frame)
    kwargs = {} if Path(path).exists() else {"dataset_options": _GPKG_OPTIONS}
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is None:
            raise WorkspaceError(f"Layer {name!r} has no coordinate system; refusing to store it.")
        geom_types = set(frame.geom_type.dropna().unique())
        if len(geom_types) > 1:
            kwargs["geometry_type"] = "Unknown"
        pyogrio.write_dataframe(
            frame, path, layer=name, driver="GPKG", promote_to_multi=False, **kwargs
        )
    else:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", **kwargs)


def storable_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast columns GPKG cannot hold as they are (nullable ints/bools, lists) to ones it can."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out, gpd.GeoDataFrame) and column == out.geometry.name:
            continue
        series = out[column]
        if isinstance(series.dtype, pd.BooleanDtype):
            out[column] = series.astype("float64")  # 1/0/NaN; restored on read
        elif isinstance(series.dtype, pd.Int64Dtype | pd.Int32Dtype):
            has_gaps = series.isna().any()
            out[column] = series.astype("float64" if has_gaps else "int64")
        elif series.dtype == object:
            sample = series.dropna()
            if len(sample) and isinstance(sample.iloc[0], list | tuple | set | dict):
                out[column] = series.map(lambda v: None if v is None else "、".join(map(str, v)))
    return out
