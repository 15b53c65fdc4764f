"""Geometry checks of the import pipeline: building points from longitude/latitude
columns, bringing any coordinate system to WGS-84 (GCJ-02/BD-09 shifted back when the
user says so), shape type and validity (repairs that keep the meaning), and the
in-China test with a hint when longitude and latitude are swapped.

Every function records per-row problems in ``reasons`` (file row number -> list of
reasons) instead of raising, so that one pass collects every problem of a file. The
reasons are short Chinese sentences for the rejects file's 原因 column (what is wrong,
what to do); errors about the whole file are bilingual (Chinese, then English).
"""

from __future__ import annotations

import re
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoair.errors import InputFileError, SchemaError
from geoair.io import crs as crs_mod
from geoair.io.normalize import clean_text, parse_number
from geoair.messages import language, t
from geoair.store.schema import TableSpec

__all__ = [
    "check_geometry",
    "check_in_china",
    "coords_label",
    "parse_degrees",
    "table_geometry",
    "to_wgs84",
]


_GEOMETRY_TYPES = {
    "point": {"Point"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "point_or_polygon": {"Point", "Polygon", "MultiPolygon"},
}
_GEOMETRY_ZH = {
    "point": "点",
    "line": "线",
    "polygon": "面（多边形）",
    "point_or_polygon": "点或面",
}
_SHAPE_ZH = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "LinearRing": "线环",
    "Polygon": "面",
    "MultiPolygon": "多面",
    "GeometryCollection": "几何集合",
}
# shapely type ids: 0 Point, 1 LineString, 3 Polygon, 5 MultiLineString, 6 MultiPolygon.
_TYPE_IDS = {"point": [0], "line": [1, 5], "polygon": [3, 6], "point_or_polygon": [0, 3, 6]}
_WKT_HEADERS = ("geometry", "wkt", "geom", "shape", "几何", "坐标串")
_REPAIR_TOLERANCE = 0.01  # a repair may change an area by at most 1 %
# Text reaching this is NFKC-folded: ″ has become ′′.
_DMS = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*(?:′(?!′)|'(?!')|’|分))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|′′|''|”|秒)?)?\s*([NSEW东西南北]?)\s*$"
)


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
    return parse_number(text)


def coords_label(system) -> str:
    """A coordinate system's name for the user (``gcj02`` -> ``GCJ-02（高德/腾讯）``)."""
    if system in ("gcj02", "bd09"):
        return t(f"crs.{system}")
    return "WGS-84" if system == "wgs84" else getattr(system, "name", str(system))


def table_geometry(
    spec: TableSpec, cells: pd.DataFrame, columns: dict[str, str], reasons: dict[int, list[str]]
) -> gpd.GeoSeries:
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
                reasons.setdefault(cast(int, row_number), []).append(
                    "图形（WKT文本）无法读取，请检查几何列是否完整"
                )
                geoms.append(None)
        # types-geopandas wants geometries only; None (a missing one) is fine
        return gpd.GeoSeries(geoms, index=index)  # type: ignore[arg-type]
    assert spec.geometry is not None  # a layer kind
    if "_lon" not in columns or "_lat" not in columns:
        if spec.geometry != "point":
            raise SchemaError(
                t(
                    "error.import.not_points",
                    kind=spec.zh if language() == "zh" else spec.name,
                    geometry=t(f"error.import.geometry.{spec.geometry}"),
                )
            )
        raise SchemaError(t("error.import.no_lon_lat", kind=spec.zh))
    lon = np.full(len(index), np.nan)
    lat = np.full(len(index), np.nan)
    for i, (row_number, lon_cell, lat_cell) in enumerate(
        zip(index, cells[columns["_lon"]], cells[columns["_lat"]], strict=True)
    ):
        for out, cell, word in ((lon, lon_cell, "经度"), (lat, lat_cell, "纬度")):
            try:
                out[i] = np.nan if (v := parse_degrees(cell)) is None else v
            except ValueError:
                reasons.setdefault(row_number, []).append(
                    f"{word}：“{clean_text(cell)}”不是数字，请填写度数，如 113.58 或 113°35′12″"
                )
    missing = np.isnan(lon) | np.isnan(lat)
    for row_number in index[missing]:
        if not reasons.get(row_number):
            reasons.setdefault(row_number, []).append("经度或纬度为空，请填写该点的经纬度")
    return gpd.GeoSeries(shapely.points(lon, lat), index=index).where(~missing, None)


def to_wgs84(
    geometry: gpd.GeoSeries, system, file_crs, *, from_table: bool, notes: list[str]
) -> gpd.GeoSeries:
    """Bring geometries to EPSG:4326, shifting GCJ-02/BD-09 back when declared."""
    if isinstance(system, pyproj.CRS):
        if file_crs is not None and pyproj.CRS(file_crs) != system:
            notes.append(
                t(
                    "import_note.file_crs_overridden",
                    file_crs=pyproj.CRS(file_crs).name,
                    system=system.name,
                )
            )
        series = gpd.GeoSeries(geometry.values, index=geometry.index, crs=system)
        if system.is_projected or system != pyproj.CRS(crs_mod.WGS84):
            notes.append(t("import_note.converted", system=system.name))
        return series.to_crs(crs_mod.WGS84)
    if system in ("gcj02", "bd09"):
        if file_crs is not None and pyproj.CRS(file_crs).is_projected:
            raise InputFileError(
                t("error.import.coords_projected", system=system, crs=pyproj.CRS(file_crs).name)
            )
        shifted = crs_mod.shift_geometries(geometry.values, source=system, target="wgs84")
        notes.append(t("import_note.converted", system=coords_label(system)))
        return gpd.GeoSeries(shifted, index=geometry.index, crs=crs_mod.WGS84)
    if file_crs is None and not from_table and system is None:
        raise InputFileError(t("error.import.no_crs"))
    if file_crs is None:
        return gpd.GeoSeries(geometry.values, index=geometry.index, crs=crs_mod.WGS84)
    return gpd.GeoSeries(geometry.values, index=geometry.index, crs=file_crs).to_crs(crs_mod.WGS84)


def check_geometry(
    spec: TableSpec, geometry: gpd.GeoSeries, reasons: dict[int, list[str]], notes: list[str]
) -> gpd.GeoSeries:
    """Type, emptiness, validity (repair) and the in-China test, per row."""
    assert spec.geometry is not None  # a layer kind
    allowed = _GEOMETRY_TYPES[spec.geometry]
    geoms = np.asarray(geometry.values, dtype=object).copy()
    # Only rows that are empty, of another type or invalid need a look one by one.
    present = ~shapely.is_missing(geoms)
    fine = present.copy()
    fine[present] = (
        np.isin(shapely.get_type_id(geoms[present]), _TYPE_IDS[spec.geometry])
        & ~shapely.is_empty(geoms[present])
        & shapely.is_valid(geoms[present])
    )
    # Coordinates that are not finite numbers (NaN, infinity) from a damaged file.
    coords, owner = shapely.get_coordinates(geoms[present], return_index=True)
    nonfinite = np.zeros(len(geoms), dtype=bool)
    nonfinite[np.flatnonzero(present)[np.unique(owner[~np.isfinite(coords).all(axis=1)])]] = True
    fine &= ~nonfinite
    repaired = converted = 0
    for i in np.flatnonzero(~fine):
        row_number, geom = geometry.index[int(i)], geoms[i]
        if geom is None or geom.is_empty:
            if not reasons.get(row_number):
                reasons.setdefault(row_number, []).append("没有坐标或图形，请补填经纬度或图形")
            continue
        if nonfinite[i]:
            reasons.setdefault(row_number, []).append(
                "坐标不是有限的数字（空值或无穷大），请核对经纬度或图形"
            )
            geoms[i] = None
            continue
        kind = geom.geom_type
        if kind == "MultiPoint" and len(geom.geoms) == 1:
            geom, kind = geom.geoms[0], "Point"
        if kind in ("LineString", "MultiLineString") and spec.geometry == "polygon":
            reasons.setdefault(row_number, []).append(
                f"应为{_GEOMETRY_ZH['polygon']}，却是一条线，请提供面图层"
            )
            continue
        if spec.geometry == "point" and kind in ("Polygon", "MultiPolygon"):
            geom, kind = geom.representative_point(), "Point"
            converted += 1
        if kind not in allowed:
            reasons.setdefault(row_number, []).append(
                f"应为{_GEOMETRY_ZH[spec.geometry]}，却是{_SHAPE_ZH.get(kind, kind)}，"
                f"请提供{_GEOMETRY_ZH[spec.geometry]}图层"
            )
            continue
        if not geom.is_valid:
            fixed = shapely.make_valid(geom)
            if kind in ("Polygon", "MultiPolygon"):
                parts = [
                    g
                    for g in getattr(fixed, "geoms", [fixed])
                    if g.geom_type in ("Polygon", "MultiPolygon")
                ]
                fixed = shapely.union_all(parts) if parts else None
                keeps_meaning = (
                    fixed is not None
                    and geom.area > 0
                    and abs(fixed.area - abs(shapely.area(geom)))
                    <= _REPAIR_TOLERANCE * max(fixed.area, 1e-12)
                )
            else:
                keeps_meaning = fixed is not None and fixed.geom_type in allowed
            if not keeps_meaning:
                reasons.setdefault(row_number, []).append(
                    "图形自相交，自动修复会改变它的形状，请在QGIS中重新绘制"
                )
                continue
            geom = fixed
            repaired += 1
        geoms[i] = geom
    if repaired:
        notes.append(t("import_note.repaired", n=repaired))
    if converted:
        notes.append(t("import_note.polygons_to_points", layer=spec.zh, n=converted))
    result = gpd.GeoSeries(geoms, index=geometry.index, crs=geometry.crs)
    check_in_china(result, reasons)
    return result


def check_in_china(geometry: gpd.GeoSeries, reasons: dict[int, list[str]]) -> None:
    """Add a reason to every row whose geometry lies outside China (or has longitude and
    latitude swapped)."""
    values = np.asarray(geometry.values, dtype=object)
    present = pd.Series(
        ~shapely.is_missing(values) & ~shapely.is_empty(values), index=geometry.index
    )
    if not present.any():
        return
    shapes = cast(gpd.GeoSeries, geometry[present])  # pandas-stubs types [] as a Series
    is_point = (shapes.geom_type == "Point").to_numpy()
    points = shapes if is_point.all() else shapes.representative_point()
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    inside = crs_mod.in_china(lon, lat)
    swapped = crs_mod.in_china(lat, lon)
    for row_number, ok, swap, x, y in zip(points.index, inside, swapped, lon, lat, strict=True):
        if ok:
            continue
        if swap:
            reasons.setdefault(row_number, []).append(
                f"经度和纬度似乎填反了（{x:.5f}, {y:.5f}），请交换两列（经度约73–135，纬度约18–54）"
            )
        elif abs(x) > 180 or abs(y) > 90:
            reasons.setdefault(row_number, []).append(
                f"（{x:.1f}, {y:.1f}）不是经纬度；如果是投影坐标（米），请用 --coords "
                "EPSG:编号 重新导入（如 EPSG:4547）"
            )
        else:
            reasons.setdefault(row_number, []).append(
                f"该点（{x:.5f}, {y:.5f}）在中国境外，请核对经纬度"
            )
