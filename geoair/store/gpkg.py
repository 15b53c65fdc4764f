"""Writing a frame as a GeoPackage layer, the format of the workspace and of exports.

:func:`write_gpkg_layer` replaces one layer of a GeoPackage file, casting the columns a
GeoPackage cannot hold as they are (nullable integers and booleans, lists) to ones it
can; the workspace restores their types on reading. New files are GeoPackage 1.3
(:data:`GPKG_OPTIONS`), which Debian's GDAL 3.6 and QGIS 3.22 and later open without
warnings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import WorkspaceError
from geoair.messages import t

__all__ = [
    "GPKG_OPTIONS",
    "damaged_message",
    "gpkg_file_problem",
    "storable_frame",
    "write_gpkg_layer",
]


# GeoPackage 1.3: GDAL 3.6 (Debian 12's ogrinfo) and QGIS 3.22+ open it without warnings.
GPKG_OPTIONS = {"VERSION": "1.3"}


_SQLITE_MAGIC = b"SQLite format 3\x00"
# application_id of GeoPackage 1.2+ ("GPKG") and of 1.0/1.1 ("GP10", "GP11").
_GPKG_IDS = {b"GPKG", b"GP10", b"GP11"}


def gpkg_file_problem(path: Path) -> str | None:
    """What is wrong with a GeoPackage file at first sight, or None.

    Reads only the 100-byte SQLite header: the file is empty, is not SQLite at all
    (another file renamed), is SQLite but not a GeoPackage, or is shorter than its
    header says (cut off while it was copied or written).

    Returns
    -------
    str or None
        The problem in the current language, without the file name.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        return t("store.gpkg_problem.empty")
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        return t("store.gpkg_problem.not_gpkg")
    if header[68:72] not in _GPKG_IDS:
        return t("store.gpkg_problem.sqlite_not_gpkg")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[92:96] == header[24:28] and pages > 0
    wal = path.with_name(path.name + "-wal")
    if valid and not wal.exists() and size < pages * page_size:
        return t("store.gpkg_problem.incomplete", size=size, expected=pages * page_size)
    return None


def damaged_message(path: Path, problem: str) -> str:
    """One sentence: the workspace file, what is wrong with it (:func:`gpkg_file_problem`),
    what to do."""
    return t("error.store.workspace_file_damaged", path=path, problem=problem)


def write_gpkg_layer(frame: pd.DataFrame, path: Path, name: str) -> None:
    """Write ``frame`` as layer ``name`` of the GeoPackage at ``path``, replacing it."""
    frame = storable_frame(frame)
    kwargs: dict[str, Any] = {} if Path(path).exists() else {"dataset_options": GPKG_OPTIONS}
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is None:
            raise WorkspaceError(t("error.store.no_crs", name=name))
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
