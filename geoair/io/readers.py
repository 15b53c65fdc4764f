"""Read users' files into raw frames: vector layers, and tables as grids of cells.

Reading knows formats and encodings, not schemas: :func:`read_vector` gives a
GeoDataFrame with the file's own CRS; :func:`read_grid` gives a table file (CSV,
Excel) as a grid of cells with no header chosen yet, because the documents' forms
have titles above and multi-row merged headers; :func:`detect_encoding` tells UTF-8
from GBK. :mod:`geoair.io.headers` finds the header and :mod:`geoair.imports`
validates. A file that cannot be read raises :class:`~geoair.errors.InputFileError`
with a Chinese sentence, then the same in English (``中文。 / English.``).
"""

from __future__ import annotations

import io
import logging
import struct
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pyogrio.errors

from geoair.errors import InputFileError
from geoair.messages import t

__all__ = [
    "MAX_UNPACKED_BYTES",
    "PARQUET_SUFFIXES",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "decode",
    "detect_encoding",
    "file_kind",
    "read_grid",
    "read_parquet_file",
    "read_vector",
]


log = logging.getLogger(__name__)

VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".kml", ".zip", ".fgb", ".pbf", ".osm"}
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
#: Most bytes a zipped file (a zipped Shapefile, an .xlsx workbook) may unpack to:
#: 2 GiB, ten times the largest real file geoair has met; a "zip bomb" that unpacks to
#: more is refused before anything is unpacked. geoair's choice.
MAX_UNPACKED_BYTES = 2 * 1024**3


def file_kind(path: Path) -> str:
    """``vector``, ``table`` or ``parquet``, from the file's extension."""
    suffix = path.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    what = t("error.io.suffix_files", suffix=suffix) if suffix else t("error.io.no_suffix_files")
    raise InputFileError(t("error.io.unknown_suffix", name=path.name, what=what))


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputFileError(t("error.io.no_file", path=path))
    if path.is_dir():
        raise InputFileError(t("error.io.is_folder", path=path))
    if path.stat().st_size == 0:
        raise InputFileError(t("error.io.empty_file", name=path.name))


# --- encodings ----------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """The text encoding of ``data``: UTF-8 (with or without BOM) or GB18030 (GBK's superset).

    UTF-8 is tried strictly first because GBK bytes are almost never valid UTF-8;
    then GB18030; then charset-normalizer's best guess.

    Raises
    ------
    InputFileError
        No encoding decodes the bytes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputFileError(t("error.io.unknown_encoding"))
    return best.encoding


def decode(data: bytes, encoding: str | None, *, name: str) -> str:
    """Decode file bytes with the given encoding, or the detected one."""
    chosen = encoding or detect_encoding(data)
    if chosen.lower().replace("-", "") in {"gbk", "gb2312"}:
        chosen = "gb18030"  # a strict superset: never worse, and decodes rare characters
    try:
        return data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        hint = t("error.io.encoding_hint_leave_out" if encoding else "error.io.encoding_hint_give")
        raise InputFileError(
            t(
                "error.io.bad_encoding",
                name=name,
                encoding=chosen,
                error=exc.__class__.__name__,
                hint=hint,
            )
        ) from None


def _dbf_encoding(shp: Path, encoding: str | None) -> str | None:
    """For a Shapefile without a .cpg file, tell UTF-8 from GBK by decoding the .dbf records."""
    if encoding:
        return encoding
    cpg = shp.with_suffix(".cpg")
    if cpg.exists() or shp.with_suffix(".CPG").exists():
        return None  # GDAL reads the .cpg
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    header_len = struct.unpack("<H", data[8:10])[0] if len(data) >= 10 else 0
    return detect_encoding(data[header_len:]).replace("utf-8-sig", "utf-8")


# --- reading ------------------------------------------------------------------------


def read_vector(
    path: Path | str, *, layer: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame:
    """Read a GeoPackage, Shapefile (plain or zipped), GeoJSON or KML as it is.

    Parameters
    ----------
    path : path
        The file.
    layer : str, optional
        Layer of a multi-layer file; KML folders are read and stacked when omitted.
    encoding : str, optional
        Text encoding of a Shapefile's attributes (default: the .cpg, else detected).

    Returns
    -------
    GeoDataFrame
        With the file's CRS (possibly None) and a ``source_row`` column (1-based).
    """
    path = Path(path)
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        _check_shapefile_parts(
            {p.name.lower() for p in path.parent.iterdir()}, path.name, where=None
        )
    elif suffix == ".zip":
        names = _zip_members(path)
        shapefiles = [n for n in names if n.lower().endswith(".shp")]
        for shp in shapefiles:
            _check_shapefile_parts({n.lower() for n in names}, shp, where=path.name)
    kwargs: dict = {}
    if suffix == ".shp":
        chosen = _dbf_encoding(path, encoding)
        if chosen:
            kwargs["encoding"] = chosen
    elif encoding:
        kwargs["encoding"] = encoding
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        if layer is None and suffix == ".kml" and len(layers) > 1:
            parts = [pyogrio.read_dataframe(path, layer=name, **kwargs) for name in layers]
            frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=parts[0].crs)
        else:
            if layer is not None and layer not in layers:
                raise InputFileError(
                    t(
                        "error.io.no_such_layer",
                        name=path.name,
                        layer=layer,
                        layers=t("word.list_sep").join(layers),
                    )
                )
            frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, **kwargs)
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError(t("error.io.not_a_layer", name=path.name, error=exc)) from None
    except pyogrio.errors.DataLayerError as exc:
        raise InputFileError(t("error.io.layer_error", name=path.name, error=exc)) from None
    except InputFileError:
        raise
    except Exception as exc:  # GDAL or Arrow on a damaged file (IndexError, ValueError...)
        raise InputFileError(
            t("error.io.damaged_layer", name=path.name, error=exc.__class__.__name__)
        ) from None
    frame = frame.reset_index(drop=True)
    frame["source_row"] = range(1, len(frame) + 1)
    return frame


_SHAPEFILE_PARTS = (".shx", ".dbf")


def _check_shapefile_parts(names: set[str], shp: str, *, where: str | None) -> None:
    """Refuse a Shapefile whose .shx or .dbf is missing, naming the missing part."""
    stem = shp[: -len(".shp")]
    missing = [ext for ext in _SHAPEFILE_PARTS if f"{stem}{ext}".lower() not in names]
    if not missing:
        return
    parts = t("error.io.shapefile_parts_sep").join(
        t("error.io.shapefile_part", file=f"{stem}{ext}", part=t(f"error.io.shapefile_part{ext}"))
        for ext in missing
    )
    if where:
        raise InputFileError(
            t("error.io.shapefile_lacks_in_zip", zip=where, shp=shp, missing=parts)
        )
    raise InputFileError(t("error.io.shapefile_lacks", shp=shp, missing=parts))


def _zip_members(path: Path) -> list[str]:
    """Names of the files in a zip, after checking it opens and does not unpack too far."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(
            t("error.io.bad_zip", name=path.name, error=exc.__class__.__name__)
        ) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputFileError(
            t(
                "error.io.zip_too_big",
                name=path.name,
                size=unpacked / 1024**3,
                limit=MAX_UNPACKED_BYTES / 1024**3,
            )
        )
    return [info.filename.rsplit("/", 1)[-1] for info in infos if not info.is_dir()]


def read_grid(
    path: Path | str, *, encoding: str | None = None, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a CSV or Excel file as a grid of cells (no header chosen, nothing converted).

    Returns
    -------
    DataFrame
        Columns 0..n-1, index = the 1-based row number in the file (as Excel shows it).
    """
    path = Path(path)
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        if suffix != ".xls":
            import zipfile

            if zipfile.is_zipfile(path):
                _zip_members(path)  # refuses a workbook that unpacks too far
        try:
            grid = pd.read_excel(
                path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object
            )
        except ValueError as exc:
            if "worksheet" not in str(exc).lower():  # not an Excel file after all
                raise InputFileError(t("error.io.not_excel", name=path.name, error=exc)) from None
            raise InputFileError(t("error.io.no_sheet", name=path.name, error=exc)) from None
        except Exception as exc:  # zip/xml errors of a file that is not really Excel
            raise InputFileError(t("error.io.not_excel", name=path.name, error=exc)) from None
    else:
        text = decode(path.read_bytes(), encoding, name=path.name)
        sep = "\t" if suffix == ".tsv" or (text.count("\t") > text.count(",")) else ","
        try:
            grid = pd.read_csv(
                io.StringIO(text),
                header=None,
                dtype=str,
                sep=sep,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        except pd.errors.ParserError as exc:
            raise InputFileError(t("error.io.bad_csv", name=path.name, error=exc)) from None
        except pd.errors.EmptyDataError:
            raise InputFileError(t("error.io.no_rows", name=path.name)) from None
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    grid = grid.dropna(how="all")
    grid = grid[~grid.map(lambda v: v is None or str(v).strip() == "").all(axis=1)]
    if grid.empty:
        raise InputFileError(t("error.io.no_rows_sheet", name=path.name))
    return grid


def read_parquet_file(path: Path) -> pd.DataFrame:
    """A Parquet or GeoParquet file (a GeoDataFrame when it has geometry).

    Raises
    ------
    InputFileError
        The file cannot be read as Parquet (damaged, incomplete, another format).
    """
    try:
        return gpd.read_parquet(path) if _is_geoparquet(path) else pd.read_parquet(path)
    except Exception as exc:  # pyarrow's errors of a damaged or foreign file
        raise InputFileError(
            t("error.io.bad_parquet", name=path.name, error=exc.__class__.__name__)
        ) from None


def _is_geoparquet(path: Path) -> bool:
    return b"geo" in (pq.read_schema(path).metadata or {})
