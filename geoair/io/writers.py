"""Read users' files into raw frames, and write result frames to files, atomically.

Reading knows formats and encodings, not schemas: :func:`read_vector` gives a
GeoDataFrame with the file's own CRS; :func:`read_grid` gives a table file (CSV,
Excel) as a grid of cells with no header chosen yet, because the documents' forms
have titles above and multi-row merged headers. :mod:`geoair.imports` finds the
header and validates. A file that cannot be read raises :class:`InputFileError` with a
Chinese sentence, then the same in English (``中文。 / English.``).

Writing (:func:`write_table`) picks the format from the extension and writes to a
temporary file beside the target, then renames it, so a failure never leaves a
half-written file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoair.errors import OutputError
from geoair.io.tempfiles import remove_stale, temp_prefix

__all__ = ["WRITE_SUFFIXES", "atomic_path", "write_table"]


log = logging.getLogger(__name__)


WRITE_SUFFIXES = {".csv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet"}


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    The file appears whole or not at all. Any OS error while writing (no permission,
    disk full, a folder that cannot be made) becomes an :class:`OutputError` that
    names the file and says what to do; the temporary file is removed.
    """
    target = Path(target)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent)
        fd, tmp_name = tempfile.mkstemp(
            prefix=temp_prefix(), suffix=target.suffix, dir=target.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # writers that refuse to overwrite (GDAL) get a fresh name
        yield tmp
        os.replace(tmp, target)
    except OutputError:
        raise
    except PermissionError as exc:
        raise OutputError(
            f"Cannot write {target}: permission denied "
            f"({exc.filename or target.parent}). If the file is open in Excel "
            "or another program, close it; or choose a folder you can write "
            "to (--out)."
        ) from None
    except OSError as exc:
        raise OutputError(
            f"Cannot write {target}: {exc.strerror or exc}. Choose another "
            "place (--out), or free some disk space."
        ) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


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
            f"Cannot write '{suffix}' files. Use one of: {', '.join(sorted(WRITE_SUFFIXES))}."
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
                raise OutputError(
                    "GeoJSON needs a layer with geometry; use .csv or .xlsx for tables."
                )
            pyogrio.write_dataframe(
                frame.to_crs(4326), tmp, driver="GeoJSON", layer_options={"RFC7946": "YES"}
            )
        else:  # .gpkg
            from geoair.io.gpkg import write_gpkg_layer

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
