"""Geometry checks of the import pipeline: building points from longitude/latitude
columns, bringing any coordinate system to WGS-84 (GCJ-02/BD-09 shifted back when the
user says so), shape type and validity (repairs that keep the meaning), and the
in-China test with a hint when longitude and latitude are swapped.

Every function records per-row problems in ``reasons`` (file row number -> list of
reasons) instead of raising, so that one pass collects every problem of a file.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoair import crs as crs_mod
from geoair._errors import InputFileError, SchemaError
from geoair.normalize import clean_text, parse_number
from geoair.schema import TableSpec

_GEOMETRY_TYPES = {
    "point": {"Point"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "point_or_polygon": {"Point", "Polygon", "MultiPolygon"},
}
_GEOMETRY_WORDS = {"point": "a point", "line": "a line", "polygon": "an area (polygon)",
                   "point_or_polygon": "a point or an area"}
_WKT_HEADERS = ("geometry", "wkt", "geom", "shape", "几何", "坐标串")
_REPAIR_TOLERANCE = 0.01  # a repair may change an area by at most 1 %
# Text reaching this is NFKC-folded: ″ has become ′′.
_DMS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*(?:′(?!′)|'(?!')|’|分))?\s*"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:\"|′′|''|”|秒)?)?\s*([NSEW东西南北]?)\s*$")


def parse_degrees(value: object) -> float | None:
    """Decimal degrees, or degrees-minutes-seconds such as 113°35′12.5″ or 113度35分12秒."""
    text = clean_text(value)
    if text is None:
        return None
    match = _DMS.match(text)
    if match:
        deg, minutes, seconds, hemi = match.groups()
        number = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
        return -number if hemi in ("S", "W", "南", "西") else number
    number = parse_number(text)
    return number


def coords_label(system) -> str:
    return {"wgs84": "WGS-84", "gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}.get(
        system, getattr(system, "name", str(system)))


def table_geometry(spec: TableSpec, cells: pd.DataFrame, columns: dict[str, str],
                   reasons: dict[int, list[str]]) -> gpd.GeoSeries:
    """Geometries from a WKT column or longitude/latitude columns (no CRS set yet).

    ``columns`` maps ``_wkt``, ``_lon``, ``_lat`` to the labels of ``cells``.
    """
    index = cells.index
    if "_wkt" in columns:
        geoms = []
        for row_number, text in cells[columns["_wkt"]].items():
            try:
                geoms.append(shapely.from_wkt(clean_text(text)) if clean_text(text) else None)
            except shapely.errors.GEOSException:
                reasons.setdefault(row_number, []).append("the shape (WKT) cannot be read")
                geoms.append(None)
        return gpd.GeoSeries(geoms, index=index)
    if "_lon" not in columns or "_lat" not in columns:
        if spec.geometry != "point":
            raise SchemaError(
                f"{spec.name} are {_GEOMETRY_WORDS[spec.geometry]}s: import a GeoPackage, "
                "Shapefile, GeoJSON or KML, or a table with a WKT column named geometry.")
        raise SchemaError(
            f"The file has no longitude/latitude columns for the {spec.zh} points. Name them "
            "经度 and 纬度 (or lon and lat).")
    lon = np.full(len(index), np.nan)
    lat = np.full(len(index), np.nan)
    for i, (row_number, lon_cell, lat_cell) in enumerate(zip(
            index, cells[columns["_lon"]], cells[columns["_lat"]], strict=True)):
        try:
            lon[i] = np.nan if (v := parse_degrees(lon_cell)) is None else v
            lat[i] = np.nan if (v := parse_degrees(lat_cell)) is None else v
        except ValueError as exc:
            reasons.setdefault(row_number, []).append(f"coordinates: {exc}")
    missing = np.isnan(lon) | np.isnan(lat)
    for row_number in index[missing]:
        if not reasons.get(row_number):
            reasons.setdefault(row_number, []).append(
                "longitude or latitude (经度/纬度) is empty")
    return gpd.GeoSeries(shapely.points(lon, lat), index=index).where(~missing, None)


def to_wgs84(geometry: gpd.GeoSeries, system, file_crs, *, from_table: bool,
             notes: list[str]) -> gpd.GeoSeries:
    """Bring geometries to EPSG:4326, shifting GCJ-02/BD-09 back when declared."""
    if isinstance(system, pyproj.CRS):
        if file_crs is not None and pyproj.CRS(file_crs) != system:
            notes.append(f"the file says {pyproj.CRS(file_crs).name}; using {system.name} "
                         "as --coords asked")
        series = gpd.GeoSeries(geometry.values, index=geometry.index, crs=system)
        if system.is_projected or system != pyproj.CRS(crs_mod.WGS84):
            notes.append(f"coordinates converted from {system.name} to WGS-84")
        return series.to_crs(crs_mod.WGS84)
    if system in ("gcj02", "bd09"):
        if file_crs is not None and pyproj.CRS(file_crs).is_projected:
            raise InputFileError(f"--coords {system} is for longitude/latitude copied from web "
                                 f"maps, but this file is in {pyproj.CRS(file_crs).name}.")
        shifted = crs_mod.shift_geometries(geometry.values, source=system, target="wgs84")
        notes.append(f"coordinates converted from {coords_label(system)} to WGS-84")
        return gpd.GeoSeries(shifted, index=geometry.index, crs=crs_mod.WGS84)
    if file_crs is None and not from_table and system is None:
        raise InputFileError(
            "The file has no coordinate system (a Shapefile without its .prj?). Say which "
            "with --coords wgs84, gcj02 (Amap), bd09 (Baidu) or EPSG:number.")
    if file_crs is None:
        return gpd.GeoSeries(geometry.values, index=geometry.index, crs=crs_mod.WGS84)
    return gpd.GeoSeries(geometry.values, index=geometry.index, crs=file_crs).to_crs(
        crs_mod.WGS84)


def check_geometry(spec: TableSpec, geometry: gpd.GeoSeries,
                   reasons: dict[int, list[str]], notes: list[str]) -> gpd.GeoSeries:
    """Type, emptiness, validity (repair) and the in-China test, per row."""
    allowed = _GEOMETRY_TYPES[spec.geometry]
    geoms = geometry.values.copy()
    repaired = converted = 0
    for i, (row_number, geom) in enumerate(geometry.items()):
        if geom is None or geom.is_empty:
            if not reasons.get(row_number):
                reasons.setdefault(row_number, []).append("no coordinates or shape")
            continue
        kind = geom.geom_type
        if kind == "MultiPoint" and len(geom.geoms) == 1:
            geom, kind = geom.geoms[0], "Point"
        if kind in ("LineString", "MultiLineString") and spec.geometry == "polygon":
            reasons.setdefault(row_number, []).append(
                f"a line where {_GEOMETRY_WORDS['polygon']} is expected")
            continue
        if spec.geometry == "point" and kind in ("Polygon", "MultiPolygon"):
            geom, kind = geom.representative_point(), "Point"
            converted += 1
        if kind not in allowed:
            reasons.setdefault(row_number, []).append(
                f"a {kind} where {_GEOMETRY_WORDS[spec.geometry]} is expected")
            continue
        if not geom.is_valid:
            fixed = shapely.make_valid(geom)
            if kind in ("Polygon", "MultiPolygon"):
                parts = [g for g in getattr(fixed, "geoms", [fixed])
                         if g.geom_type in ("Polygon", "MultiPolygon")]
                fixed = shapely.union_all(parts) if parts else None
                keeps_meaning = (fixed is not None and geom.area > 0 and
                                 abs(fixed.area - abs(shapely.area(geom))) <= _REPAIR_TOLERANCE *
                                 max(fixed.area, 1e-12))
            else:
                keeps_meaning = fixed is not None and fixed.geom_type in allowed
            if not keeps_meaning:
                reasons.setdefault(row_number, []).append(
                    "the shape crosses itself and cannot be repaired without changing it; "
                    "redraw it in QGIS")
                continue
            geom = fixed
            repaired += 1
        geoms[i] = geom
    if repaired:
        notes.append(f"{repaired} shapes that crossed themselves were repaired (make_valid) "
                     "without changing their area by more than 1 %")
    if converted:
        notes.append(f"{converted} areas given for {spec.zh} points were replaced by a point "
                     "inside each")
    result = gpd.GeoSeries(geoms, index=geometry.index, crs=geometry.crs)
    check_in_china(result, reasons)
    return result


def check_in_china(geometry: gpd.GeoSeries, reasons: dict[int, list[str]]) -> None:
    present = geometry.notna() & ~geometry.is_empty
    if not present.any():
        return
    points = geometry[present].representative_point()
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    inside = crs_mod.in_china(lon, lat)
    swapped = crs_mod.in_china(lat, lon)
    for row_number, ok, swap, x, y in zip(points.index, inside, swapped, lon, lat, strict=True):
        if ok:
            continue
        if swap:
            reasons.setdefault(row_number, []).append(
                f"longitude and latitude look swapped ({x:.5f}, {y:.5f}): 经度 is about "
                "73-135, 纬度 about 18-54; swap the two columns")
        elif abs(x) > 180 or abs(y) > 90:
            reasons.setdefault(row_number, []).append(
                f"({x:.1f}, {y:.1f}) are not degrees; if they are metres of a projected "
                "system give it with --coords EPSG:number (e.g. EPSG:4547)")
        else:
            reasons.setdefault(row_number, []).append(
                f"the point ({x:.5f}, {y:.5f}) lies outside China; check the coordinates")


