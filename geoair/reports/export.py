"""Export workspace layers and tables to the formats report writers hand on.

GeoPackage and Shapefile for GIS staff, KML for field tablets and phone map apps,
GeoJSON and GeoParquet for web developers, CSV and Excel for everyone. Every file is
written beside its target under a temporary name and renamed when complete, so a
failure never leaves a half-written file.

Coordinate systems (``crs``):

``wgs84``
    EPSG:4326, as stored. KML and GeoJSON are always this (RFC 7946).
``cgcs2000``
    EPSG:4490, China's national system; it agrees with WGS-84 to a few centimetres,
    so the coordinates are the stored ones, labelled EPSG:4490.
``gcj02``
    Every vertex shifted to GCJ-02 for Amap/Tencent-based apps. There is no EPSG code
    for GCJ-02, so the file name ends in ``_GCJ02`` and a ``coord_sys`` column says
    ``GCJ-02``: nobody should mistake it for WGS-84.
``EPSG:n``
    Any other system (e.g. EPSG:4547, CGCS2000 Gauss-Krüger 114°E), by pyproj.

Shapefile field names are at most 10 bytes (the dBASE limit). The rule, applied in
column order, depends only on the column names and the encoding:

1. a name of at most 10 bytes in the chosen encoding is kept;
2. a longer name has each ``_``-separated word abbreviated by :data:`ABBREVIATIONS`
   and is then cut to 10 bytes (never inside a character);
3. a name equal (ignoring case) to one already given gets ``_2``, ``_3``... in place
   of its last characters.

The mapping is written beside the Shapefile as ``NAME_fields.csv`` (columns
``field``, ``shp_field``, ``header_zh``).

KML text is built by :mod:`geoair.reports.kml` and values are made readable (是/否,
dates as text) by :mod:`geoair.reports.values`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geoair.errors import CRSError, OutputError, WorkspaceError
from geoair.io.crs import WGS84, shift_geometries
from geoair.io.paths import child
from geoair.io.spreadsheets import write_csv, write_xlsx
from geoair.messages import t
from geoair.reports.kml import kml_document
from geoair.reports.tables import report_table, sheet_name
from geoair.reports.values import _humanise, _texty, _zh_headers, is_geo
from geoair.store.tempfiles import atomic_path, remove_stale, temp_prefix

__all__ = [
    "ABBREVIATIONS",
    "ExportCRS",
    "FORMATS",
    "GEOMETRY_ONLY",
    "export_frame",
    "export_layer",
    "ogrinfo_summary",
    "resolve_crs",
    "shapefile_field_names",
    "to_export_crs",
]


log = logging.getLogger(__name__)

FORMATS: dict[str, str] = {
    "gpkg": ".gpkg",
    "shp": ".shp",
    "geojson": ".geojson",
    "kml": ".kml",
    "parquet": ".parquet",
    "csv": ".csv",
    "xlsx": ".xlsx",
}
GEOMETRY_ONLY = ("shp", "geojson", "kml")
# Word abbreviations for Shapefile field names (rule 2 above).
ABBREVIATIONS: dict[str, str] = {
    "enterprise": "ent",
    "enterprises": "ents",
    "performance": "perf",
    "inspection": "insp",
    "inspections": "insps",
    "station": "stn",
    "stations": "stns",
    "county": "cty",
    "township": "twn",
    "responsible": "resp",
    "treatment": "treat",
    "rectification": "rectif",
    "rectified": "rectd",
    "unorganised": "unorg",
    "vehicle": "veh",
    "washing": "wash",
    "measures": "meas",
    "measure": "meas",
    "transport": "trans",
    "hardened": "hard",
    "enclosed": "encl",
    "distance": "dist",
    "number": "num",
    "length": "len",
    "category": "cat",
    "pollutant": "poll",
    "dustfall": "dustf",
    "concentration": "conc",
    "target": "tgt",
    "problem": "prob",
    "problems": "probs",
    "status": "stat",
    "above": "abv",
    "scale": "scl",
    "score": "scr",
    "count": "n",
    "total": "tot",
    "volume": "vol",
    "burning": "burn",
    "owner": "own",
    "class": "cls",
    "name": "nm",
    "mean": "mn",
    "valid": "vld",
    "month": "mon",
    "period": "per",
    "value": "val",
}
_DBF_TEXT_MAX = 254  # bytes in a dBASE character field


@dataclass(frozen=True)
class ExportCRS:
    """A resolved ``--crs`` choice.

    Attributes
    ----------
    key : str
        ``wgs84``, ``cgcs2000``, ``gcj02`` or ``epsg``.
    crs : pyproj.CRS
        The CRS written into the file (EPSG:4326 for GCJ-02, with the label below).
    label : str
        Human label, e.g. ``WGS-84 (EPSG:4326)`` or ``GCJ-02``.
    """

    key: str
    crs: pyproj.CRS
    label: str

    @property
    def geographic(self) -> bool:
        return self.crs.is_geographic

    @property
    def file_suffix(self) -> str:
        """Appended to output file names so a shifted file is never taken for WGS-84."""
        return "_GCJ02" if self.key == "gcj02" else ""


def resolve_crs(text: str | None) -> ExportCRS:
    """Read a ``--crs`` value: ``wgs84``, ``cgcs2000``, ``gcj02`` or ``EPSG:n``.

    Raises
    ------
    CRSError
        The value names no coordinate system; the message lists the choices.
    """
    key = (text or "wgs84").strip().lower()
    if key in {"wgs84", "wgs-84", "epsg:4326", "4326"}:
        return ExportCRS("wgs84", pyproj.CRS.from_epsg(4326), "WGS-84 (EPSG:4326)")
    if key in {"cgcs2000", "epsg:4490", "4490"}:
        return ExportCRS("cgcs2000", pyproj.CRS.from_epsg(4490), "CGCS2000 (EPSG:4490)")
    if key in {"gcj02", "gcj-02", "amap", "gaode", "高德"}:
        return ExportCRS(
            "gcj02", pyproj.CRS.from_epsg(4326), "GCJ-02 (Amap/Tencent shifted; NOT WGS-84)"
        )
    if key in {"bd09", "bd-09", "baidu"}:
        raise CRSError(
            "--crs bd09 is not offered: Baidu maps take their own API's "
            "conversion. Use gcj02 for Amap/Tencent, or wgs84."
        )
    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise CRSError(t("error.export.bad_crs", text=text)) from None
    epsg = crs.to_epsg()
    return ExportCRS("epsg", crs, f"EPSG:{epsg}" if epsg else crs.name)


def to_export_crs(frame: gpd.GeoDataFrame, target: ExportCRS) -> gpd.GeoDataFrame:
    """A copy of a WGS-84 layer in the export coordinate system (input not modified).

    A ``gcj02`` result keeps the EPSG:4326 label (no code exists for GCJ-02) and gains
    a ``coord_sys`` column saying ``GCJ-02``.
    """
    if frame.crs is None:
        raise CRSError(
            "The layer has no coordinate system; geoair cannot export it safely. "
            "Import it again with geoair import, which sets one."
        )
    wgs = frame.to_crs(WGS84) if pyproj.CRS(frame.crs) != pyproj.CRS(WGS84) else frame.copy()
    if target.key == "wgs84":
        return wgs
    if target.key == "gcj02":
        out = wgs.copy()
        out[out.geometry.name] = shift_geometries(
            wgs.geometry.values, source="wgs84", target="gcj02"
        )
        out["coord_sys"] = "GCJ-02"
        return out
    if target.key == "cgcs2000":
        # Same coordinates (WGS-84 and CGCS2000 agree to centimetres), national label.
        return wgs.set_crs(target.crs, allow_override=True)
    return wgs.to_crs(target.crs)


# --- Shapefile field names ------------------------------------------------------------


def _fit(text: str, limit: int, encoding: str) -> str:
    """``text`` cut to at most ``limit`` bytes in ``encoding``, never inside a character."""
    out = ""
    for char in text:
        if len((out + char).encode(encoding, errors="replace")) > limit:
            break
        out += char
    return out


def shapefile_field_names(columns: list[str], *, encoding: str = "utf-8") -> dict[str, str]:
    """Map column names to Shapefile field names of at most 10 bytes (rule in the module doc).

    Parameters
    ----------
    columns : list of str
        Attribute column names, in order (no geometry column).
    encoding : str
        The .dbf encoding (``utf-8`` or ``gbk``): Chinese characters take 3 or 2 bytes.

    Returns
    -------
    dict
        Original name -> Shapefile name; every value unique ignoring case.

    Examples
    --------
    >>> shapefile_field_names(["enterprise_name", "enterprise_id", "performance_grade"])
    {'enterprise_name': 'ent_nm', 'enterprise_id': 'ent_id', 'performance_grade': 'perf_grade'}
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = str(column)
        if len(name.encode(encoding, errors="replace")) > 10:
            words = [ABBREVIATIONS.get(word.lower(), word) for word in name.split("_")]
            name = _fit("_".join(w for w in words if w), 10, encoding)
        candidate, number = name, 1
        while candidate.lower() in taken:
            number += 1
            tail = f"_{number}"
            candidate = _fit(name, 10 - len(tail), encoding) + tail
        taken.add(candidate.lower())
        mapping[str(column)] = candidate
    return mapping


# --- writers ------------------------------------------------------------------------------


def _write_gpkg(frame: pd.DataFrame, tmp: Path, layer: str) -> None:
    from geoair.store.gpkg import write_gpkg_layer

    write_gpkg_layer(frame, tmp, layer)


def _write_geojson(frame: gpd.GeoDataFrame, tmp: Path, layer: str) -> None:
    out = _humanise(frame, dates_as_text=True, booleans_as_text=False)  # JSON true/false
    # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
    out[out.geometry.name] = shapely.orient_polygons(out.geometry.values, exterior_cw=False)
    pyogrio.write_dataframe(
        out,
        tmp,
        driver="GeoJSON",
        layer=layer,
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": 9, "WRITE_NAME": "NO"},
    )


def _write_parquet(frame: pd.DataFrame, tmp: Path, layer: str) -> None:
    if is_geo(frame):
        frame.to_parquet(tmp, index=False, write_covering_bbox=True)
    else:
        pd.DataFrame(frame).to_parquet(tmp, index=False)


def _tabular(
    frame: pd.DataFrame, target: ExportCRS | None, *, wkt_decimals: int = -1
) -> pd.DataFrame:
    """Points as lon/lat (x/y when projected) columns; other geometries as WKT.

    ``wkt_decimals`` rounds WKT coordinates (-1: full precision).
    """
    table = _humanise(frame, dates_as_text=False)
    if not is_geo(frame):
        return pd.DataFrame(table)
    geometry = frame.geometry
    plain = pd.DataFrame(table.drop(columns=[geometry.name]))
    types = set(geometry.geom_type.dropna())
    geographic = frame.crs is None or pyproj.CRS(frame.crs).is_geographic
    xname, yname = ("lon", "lat") if geographic else ("x", "y")
    if types <= {"Point"}:
        plain[xname] = np.where(geometry.isna(), np.nan, geometry.x)
        plain[yname] = np.where(geometry.isna(), np.nan, geometry.y)
    else:
        plain["wkt"] = shapely.to_wkt(geometry.values, rounding_precision=wkt_decimals)
    return plain


def _write_csv(frame: pd.DataFrame, tmp: Path, layer: str, target: ExportCRS | None) -> None:
    write_csv(report_table(_tabular(frame, target), layer=layer), tmp, float_format="%.10g")


def _write_xlsx(frame: pd.DataFrame, tmp: Path, layer: str, target: ExportCRS | None) -> None:
    # Excel holds at most 32,767 characters in a cell: WKT to 8 decimals (1 mm in
    # degrees), and a refusal rather than a cut geometry when that is still too long.
    geographic = not is_geo(frame) or frame.crs is None or pyproj.CRS(frame.crs).is_geographic
    table = report_table(_tabular(frame, target, wkt_decimals=8 if geographic else 3), layer=layer)
    write_xlsx({sheet_name(layer): table}, tmp)


def _geometry_family(geom_type: str) -> str:
    return {
        "Point": "point",
        "MultiPoint": "point",
        "LineString": "line",
        "MultiLineString": "line",
        "Polygon": "polygon",
        "MultiPolygon": "polygon",
    }.get(geom_type, "other")


def _write_shapefile(
    frame: gpd.GeoDataFrame, target: Path, layer: str, encoding: str
) -> list[Path]:
    """Write ``target`` (and siblings) through a temporary folder; return written paths."""
    # Dates as text (dBASE has no date-time type), and text cut to the dBASE limit of 254
    # bytes with a warning that names the fields (GeoPackage keeps everything).
    out = _humanise(frame, dates_as_text=True)
    attrs = [c for c in out.columns if c != out.geometry.name]
    truncated: dict[str, int] = {}
    for column in attrs:
        if not _texty(out[column]):
            continue
        values = out[column]
        long = values.map(
            lambda v: (
                isinstance(v, str) and len(v.encode(encoding, errors="replace")) > _DBF_TEXT_MAX
            )
        )
        if long.any():
            truncated[column] = int(long.sum())
            out[column] = values.where(
                ~long, values[long].map(lambda v: _fit(v, _DBF_TEXT_MAX, encoding))
            )
    if truncated:
        log.warning(
            "Shapefile %s: text longer than 254 bytes was cut in %s; export as gpkg "
            "to keep it whole",
            target.name,
            ", ".join(f"{c} ({n} rows)" for c, n in truncated.items()),
        )
    mapping = shapefile_field_names(attrs, encoding=encoding)
    out = out.rename(columns=mapping)
    families = out.geometry.geom_type.map(_geometry_family)
    groups = sorted(set(families.dropna()))
    if "other" in groups:
        raise OutputError(
            "A Shapefile cannot hold geometry collections. Export this layer "
            "as GeoPackage (--format gpkg) instead."
        )
    zh = _zh_headers(layer)
    fields = pd.DataFrame(
        {
            "field": list(mapping),
            "shp_field": list(mapping.values()),
            "header_zh": [zh.get(c, "") for c in mapping],
            "rows_cut_to_254_bytes": [truncated.get(c, 0) for c in mapping],
        }
    )
    written: list[Path] = []
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target.parent)
    with tempfile.TemporaryDirectory(prefix=temp_prefix(), dir=target.parent) as tmpdir:
        staged: list[tuple[Path, Path]] = []
        for family in groups:
            stem = target.stem if len(groups) == 1 else f"{target.stem}_{family}"
            part = out[families == family]
            shp = Path(tmpdir) / f"{stem}.shp"
            pyogrio.write_dataframe(
                part,
                shp,
                driver="ESRI Shapefile",
                encoding=encoding,
                promote_to_multi=family != "point" or None,
            )
            cpg = shp.with_suffix(".cpg")
            cpg.write_text(
                "GBK" if encoding.lower() in {"gbk", "cp936", "gb18030"} else "UTF-8",
                encoding="ascii",
            )
            for file in sorted(Path(tmpdir).glob(f"{stem}.*")):
                staged.append((file, target.parent / file.name))
        mapping_file = Path(tmpdir) / f"{target.stem}_fields.csv"
        write_csv(fields, mapping_file)
        staged.append((mapping_file, target.parent / mapping_file.name))
        for source, destination in staged:
            os.replace(source, destination)
            written.append(destination)
    # The .shp files first: they are what users open.
    return sorted(written, key=lambda p: (p.suffix.lower() != ".shp", p.name))


# --- the entry points ----------------------------------------------------------------------


def export_frame(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    fmt: str | None = None,
    crs: str | ExportCRS | None = "wgs84",
    encoding: str = "utf-8",
    layer: str | None = None,
    style_by: str | None = None,
) -> list[Path]:
    """Write a layer or table to ``path`` in ``fmt``; the files appear complete or not at all.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        A workspace layer (EPSG:4326) or table. Not modified.
    path : path
        Output file. A ``gcj02`` export gets ``_GCJ02`` added to its name unless the
        name already says GCJ02.
    fmt : str, optional
        One of :data:`FORMATS`; default from the extension of ``path``.
    crs : str or ExportCRS
        ``wgs84`` (default), ``cgcs2000``, ``gcj02`` or ``EPSG:n``. KML and GeoJSON
        accept only wgs84 and gcj02.
    encoding : str
        Shapefile attribute encoding: ``utf-8`` (default) or ``gbk`` for older software.
    layer : str, optional
        Layer name inside the file (GeoPackage, Excel sheet, KML document).
    style_by : str, optional
        KML: the field that chooses colours and folders.

    Returns
    -------
    list of Path
        Every file written (a Shapefile is several).

    Raises
    ------
    OutputError
        Unknown format, a table sent to a geometry-only format, or a path that cannot be
        written.
    CRSError
        A coordinate system the format cannot carry.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    fmt = {"json": "geojson", "geoparquet": "parquet", "shapefile": "shp"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise OutputError(
            t("error.export.bad_format", fmt=fmt or path.name, choices=", ".join(FORMATS))
        )
    target = crs if isinstance(crs, ExportCRS) else resolve_crs(crs)
    layer = layer or path.stem
    geo = is_geo(frame)
    if fmt in GEOMETRY_ONLY and not geo:
        raise OutputError(t("error.export.no_geometry", layer=layer, fmt=fmt))
    if fmt in {"kml", "geojson"} and target.key not in {"wgs84", "gcj02"}:
        raise CRSError(
            f"{fmt.upper()} files are always in WGS-84 longitude/latitude, so "
            f"--crs {target.label} cannot be used. Use --crs wgs84 (or gcj02 for "
            "Amap-based apps)."
        )
    if path.suffix.lower() != FORMATS[fmt] and not (
        fmt == "geojson" and path.suffix.lower() == ".json"
    ):
        path = path.with_name(path.name + FORMATS[fmt])
    if target.file_suffix and "gcj02" not in path.stem.lower():
        path = path.with_name(path.stem + target.file_suffix + path.suffix)
    if path.is_dir():
        raise OutputError(t("error.export.is_folder", path=path))
    data = to_export_crs(frame, target) if is_geo(frame) else pd.DataFrame(frame).copy()
    try:
        if fmt == "shp":
            # shp, geojson and kml: GEOMETRY_ONLY, so data is a GeoDataFrame
            written = _write_shapefile(cast(gpd.GeoDataFrame, data), path, layer, encoding)
        else:
            with atomic_path(path) as tmp:
                if fmt == "gpkg":
                    _write_gpkg(data, tmp, layer)
                elif fmt == "geojson":
                    _write_geojson(cast(gpd.GeoDataFrame, data), tmp, layer)
                elif fmt == "parquet":
                    _write_parquet(data, tmp, layer)
                elif fmt == "csv":
                    _write_csv(data, tmp, layer, target if geo else None)
                elif fmt == "xlsx":
                    _write_xlsx(data, tmp, layer, target if geo else None)
                else:  # kml
                    tmp.write_bytes(
                        kml_document(
                            cast(gpd.GeoDataFrame, data),
                            layer=layer,
                            style_by=style_by,
                            crs_label=target.label,
                        )
                    )
            written = [path]
    except PermissionError as exc:
        raise OutputError(
            f"Cannot write {path}: permission denied ({exc.filename}). Choose a "
            "folder you can write to with --out."
        ) from None
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose another place with --out."
        ) from None
    log.info("exported %s (%d rows, %s) to %s", layer, len(frame), target.label, path)
    return written


def export_layer(
    ws,
    name: str,
    *,
    fmt: str,
    out: Path | str | None = None,
    crs: str | None = "wgs84",
    encoding: str = "utf-8",
    style_by: str | None = None,
) -> list[Path]:
    """Export workspace layer or table ``name``; default file ``outputs/NAME.EXT``.

    Raises
    ------
    WorkspaceError
        No such layer; the message lists what the workspace holds.
    """
    available = ws.layers()
    if name not in available:
        raise WorkspaceError(
            t(
                "error.export.no_layer",
                name=name,
                available=", ".join(sorted(available)) or t("error.export.nothing_yet"),
            )
        )
    if fmt not in FORMATS:
        raise OutputError(t("error.export.bad_format", fmt=fmt, choices=", ".join(FORMATS)))
    frame = ws.read(name)
    path = Path(out) if out is not None else child(ws.outputs_dir, name, suffix=FORMATS[fmt])
    return export_frame(
        frame, path, fmt=fmt, crs=crs, encoding=encoding, layer=name, style_by=style_by
    )


def ogrinfo_summary(path: Path | str) -> str:
    """``ogrinfo -ro -al -so PATH`` output (GDAL's command line), for checks and support.

    Raises
    ------
    OutputError
        ogrinfo is missing or cannot open the file.
    """
    exe = shutil.which("ogrinfo")
    if exe is None:
        raise OutputError(
            "GDAL's ogrinfo is not installed (Debian/Ubuntu: apt-get install gdal-bin)."
        )
    result = subprocess.run(
        [exe, "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise OutputError(f"ogrinfo cannot open {path}: {result.stderr.strip()}")
    return result.stdout


# --- the demo's report folder ----------------------------------------------------------------
