"""Write result frames to files, atomically, in the format the extension names.

:func:`write_table` writes CSV, Excel, GeoPackage, GeoJSON or Parquet to a temporary
file beside the target, then renames it
(:func:`geoair.store.tempfiles.atomic_path`), so a failure never
leaves a half-written file. Every ``--out`` of the command line goes through it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import OutputError
from geoair.messages import t
from geoair.store.tempfiles import atomic_path

__all__ = ["WRITE_SUFFIXES", "write_table"]


log = logging.getLogger(__name__)


WRITE_SUFFIXES = {".csv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet"}


def write_table(frame: pd.DataFrame, path: Path | str, *, layer: str = "data") -> Path:
    """Write a (Geo)DataFrame to ``path``; the extension picks the format.

    ``.csv`` (UTF-8 with BOM, so Excel shows Chinese; geometry as WKT), ``.xlsx``,
    ``.gpkg``, ``.geojson``, ``.parquet`` (GeoParquet for layers). The file appears
    complete or not at all. CSV and Excel cells follow :mod:`geoair.io.spreadsheets`
    (no text is ever written as a formula).

    Raises
    ------
    OutputError
        Unknown extension, or the folder cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        raise OutputError(
            t("error.io.bad_suffix", suffix=suffix, choices=", ".join(sorted(WRITE_SUFFIXES)))
        )
    is_geo = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    if suffix == ".xlsx":
        from geoair.io.spreadsheets import write_xlsx

        write_xlsx({layer: _plain(frame)}, path, freeze_header=False)
        log.info("wrote %s", path)
        return path
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            from geoair.io.spreadsheets import write_csv

            write_csv(_plain(frame), tmp)
        elif suffix == ".parquet":
            (frame if is_geo else pd.DataFrame(frame)).to_parquet(tmp, index=False)
        elif suffix in {".geojson", ".json"}:
            if not is_geo:
                raise OutputError(t("error.io.geojson_table"))
            pyogrio.write_dataframe(
                cast(gpd.GeoDataFrame, frame).to_crs(4326),  # is_geo
                tmp,
                driver="GeoJSON",
                layer_options={"RFC7946": "YES"},
            )
        else:  # .gpkg
            from geoair.store.gpkg import write_gpkg_layer

            write_gpkg_layer(frame, tmp, layer)
    log.info("wrote %s", path)
    return path


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for CSV/Excel: geometry as WKT, timezone-free datetimes."""
    table = pd.DataFrame(frame).copy()
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in table.columns:
        table[frame.geometry.name] = frame.geometry.to_wkt()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.DatetimeTZDtype):
            table[column] = table[column].dt.tz_localize(None)
    return table
