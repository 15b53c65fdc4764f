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
    raise InputFileError(
        f"{path.name}：geoair 不能读取{f'“{suffix}”' if suffix else '没有扩展名的'}文件，请另存为 "
        "Excel（.xlsx）、CSV、GeoPackage、Shapefile（.shp 或压缩包）、GeoJSON 或 KML。 / "
        f"{path.name}: geoair does not read '{suffix or 'files without an extension'}' files. "
        "Save it as Excel (.xlsx), CSV, GeoPackage, Shapefile (.shp or zipped), GeoJSON or KML."
    )


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputFileError(
            f"文件 {path} 不存在，请检查文件名和文件夹。 / {path} does not "
            "exist. Check the name and folder."
        )
    if path.is_dir():
        raise InputFileError(
            f"{path} 是文件夹，不是文件，请选择其中要导入的文件。 / {path} is a folder, not a file."
        )
    if path.stat().st_size == 0:
        raise InputFileError(
            f"文件 {path.name} 是空的（0字节），请从原系统重新导出。 / "
            f"{path.name} is empty (0 bytes). Export it again from its source."
        )


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
        raise InputFileError(
            "无法识别文件的文字编码，请另存为 UTF-8（Excel 中选“CSV UTF-8”），"
            "或加 --encoding gbk。 / The file's text encoding cannot be "
            "recognised. Save it as UTF-8 (in Excel: CSV UTF-8) or give "
            "--encoding gbk."
        )
    return best.encoding


def decode(data: bytes, encoding: str | None, *, name: str) -> str:
    """Decode file bytes with the given encoding, or the detected one."""
    chosen = encoding or detect_encoding(data)
    if chosen.lower().replace("-", "") in {"gbk", "gb2312"}:
        chosen = "gb18030"  # a strict superset: never worse, and decodes rare characters
    try:
        return data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        hint = (
            "leave --encoding out and geoair will recognise it"
            if encoding
            else "give --encoding gbk or --encoding utf-8"
        )
        hint_zh = (
            "去掉 --encoding，geoair 会自动识别"
            if encoding
            else "加 --encoding gbk 或 --encoding utf-8"
        )
        raise InputFileError(
            f"{name} 不能按 {chosen} 编码读取，请换一种编码：{hint_zh}。 / "
            f"{name} is not readable as {chosen} text "
            f"({exc.__class__.__name__}). Try another encoding: {hint}."
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
                    f"{path.name} 中没有图层“{layer}”，现有图层："
                    f"{'、'.join(layers)}。 / {path.name} has no layer "
                    f"{layer!r}; it has: {', '.join(layers)}."
                )
            frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, **kwargs)
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError(
            f"{path.name} 不能作为地图图层打开。文件是否完整？Shapefile 需要 "
            ".shp、.shx、.dbf 三个文件放在一起。 / "
            f"{path.name} cannot be opened as a map layer ({exc}). Is it "
            "complete? A Shapefile needs its .shp, .shx and .dbf together."
        ) from None
    except pyogrio.errors.DataLayerError as exc:
        raise InputFileError(
            f"{path.name} 的图层读取出错，请在 QGIS 中打开检查后重新导出。 / {path.name}: {exc}."
        ) from None
    except InputFileError:
        raise
    except Exception as exc:  # GDAL or Arrow on a damaged file (IndexError, ValueError...)
        raise InputFileError(
            f"{path.name} 已损坏或不完整，无法读取，请在 QGIS 中打开检查后重新导出。 / "
            f"{path.name} is damaged or incomplete and cannot be read "
            f"({exc.__class__.__name__}). Open it in QGIS, check it and export it again."
        ) from None
    frame = frame.reset_index(drop=True)
    frame["source_row"] = range(1, len(frame) + 1)
    return frame


_SHAPEFILE_PARTS = {
    ".shx": ("索引文件", "index"),
    ".dbf": ("属性表文件", "attribute table"),
}


def _check_shapefile_parts(names: set[str], shp: str, *, where: str | None) -> None:
    """Refuse a Shapefile whose .shx or .dbf is missing, naming the missing part."""
    stem = shp[: -len(".shp")]
    missing = [ext for ext in _SHAPEFILE_PARTS if f"{stem}{ext}".lower() not in names]
    if not missing:
        return
    zh = "、".join(f"{stem}{ext}（{_SHAPEFILE_PARTS[ext][0]}）" for ext in missing)
    en = " and ".join(f"{stem}{ext} (its {_SHAPEFILE_PARTS[ext][1]})" for ext in missing)
    place_zh = f"压缩包 {where} 中的" if where else ""
    place_en = f" in {where}" if where else ""
    raise InputFileError(
        f"{place_zh}Shapefile {shp} 缺少 {zh}，请把 .shp、.shx、.dbf（以及 .prj、.cpg）"
        f"放在一起{'打包' if where else ''}后重新导入。 / The Shapefile {shp}{place_en} lacks "
        f"{en}. Put its .shp, .shx and .dbf (and .prj, .cpg) together and import again."
    )


def _zip_members(path: Path) -> list[str]:
    """Names of the files in a zip, after checking it opens and does not unpack too far."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} 不是完整的 zip 压缩包，请重新打包。 / {path.name} is not a complete "
            f"zip file ({exc.__class__.__name__}). Zip it again."
        ) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputFileError(
            f"{path.name} 解压后有 {unpacked / 1024**3:.1f} GB，超过 geoair 的上限 "
            f"{MAX_UNPACKED_BYTES / 1024**3:.0f} GB，请检查文件是否正确。 / {path.name} would "
            f"unpack to {unpacked / 1024**3:.1f} GB, more than geoair's limit of "
            f"{MAX_UNPACKED_BYTES / 1024**3:.0f} GB. Check that it is the right file."
        )
    return [info.filename.rsplit("/", 1)[-1] for info in infos if not info.is_dir()]


_NOT_EXCEL = (
    "{name} 不能作为 Excel 工作簿读取，请在 Excel 中打开后另存为 .xlsx。 / {name} "
    "cannot be read as an Excel workbook ({exc}). Open it in Excel and save it "
    "again as .xlsx."
)


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
                raise InputFileError(_NOT_EXCEL.format(name=path.name, exc=exc)) from None
            raise InputFileError(
                f"{path.name} 中找不到这个工作表，请用 --sheet 写明工作表名称。"
                f" / {path.name}: {exc}. Name a sheet with --sheet."
            ) from None
        except Exception as exc:  # zip/xml errors of a file that is not really Excel
            raise InputFileError(_NOT_EXCEL.format(name=path.name, exc=exc)) from None
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
            raise InputFileError(
                f"{path.name} 不是格式正确的 CSV 文件，请在 Excel 中打开后另存为"
                f" CSV。 / {path.name} is not a well-formed CSV file ({exc})."
            ) from None
        except pd.errors.EmptyDataError:
            raise InputFileError(
                f"{path.name} 中没有数据行，请检查是否选对了文件。 / {path.name} has no rows. "
                "Check that you chose the right file."
            ) from None
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    grid = grid.dropna(how="all")
    grid = grid[~grid.map(lambda v: v is None or str(v).strip() == "").all(axis=1)]
    if grid.empty:
        raise InputFileError(
            f"{path.name} 中没有数据行，请检查是否选对了文件（以及用 --sheet "
            f"选对了工作表）。 / {path.name} has no rows. Check that you chose "
            "the right file (and the right sheet, with --sheet)."
        )
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
            f"{path.name} 不能作为 Parquet 文件读取，文件可能不完整，请重新导出。 / "
            f"{path.name} cannot be read as a Parquet file ({exc.__class__.__name__}); it may "
            "be incomplete. Export it again."
        ) from None


def _is_geoparquet(path: Path) -> bool:
    return b"geo" in (pq.read_schema(path).metadata or {})
