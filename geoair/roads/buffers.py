"""Buffers in true ground metres: circles, buffers of any layer, lines clipped to circles.

Three tools, all free of the scale error of a single projected zone:

- :func:`geodesic_circles` draws the circle of radius ``radius_m`` around points as
  polygons whose vertices lie ``radius_m`` from the centre on the WGS-84 ellipsoid
  to a micrometre (GeographicLib through :class:`pyproj.Geod`). With 72 vertices the
  polygon's edges fall at most ``radius_m * (1 - cos(2.5°))`` (0.1 % of the radius)
  inside the true circle; it is a drawing, while measurements (gate roads) clip to
  the true circle analytically.
- :func:`buffer_layer` buffers a layer of any geometry. Points get geodesic circles;
  lines and polygons are buffered in a local transverse Mercator projection whose
  central meridian is the feature's longitude rounded to 0.1°, so the scale error is
  below 1e-6 (a CGCS2000 3° Gauss-Krüger zone reaches 2e-4 at its edge).
- :func:`clip_to_circles` cuts lines (roads) to the true circles around many
  centres (gates) and measures the pieces exactly; :func:`nearest_road_m` gives
  the ground distance to the nearest line. Gate roads (:mod:`geoair.roads.gate_roads`)
  are built on them.

How exact the clipping is
-------------------------
Nothing is measured in a projected zone. A road segment is the straight line
between its vertices in longitude/latitude, as GIS software stores and draws it.
Each candidate segment is first cut down, in longitude/latitude, to the part near
the centre (a slightly larger circle in a local equirectangular frame). The ends of
that part are taken to earth-centred 3-D coordinates on the WGS-84 ellipsoid, where
the circle of geodesic radius R around the centre is the sphere of chord radius
``R − R³/(24ρ²)`` (ρ the mean radius of curvature; the formula is exact to 1e-12 m
at R = 100 m), so entering and leaving points come from a quadratic: no polygon
stands in for the circle. One Newton step along the stored segment then removes
the bow of a longitude/latitude line against the 3-D chord (under a millimetre).
Lengths are the 3-D chords between the ends, turned back into ground distance.

Error budget: rounding in the 3-D coordinates (about 1e-9 m) and the chord-to-arc
formula (1e-12 m at 100 m) leave lengths exact to about 1e-8 m; the tests hold
them to 1e-8 of a brute-force reference (bisection on GeographicLib distances along
the stored segment) and to 1e-6 of ``2·√(R²−d²)`` for geodesic roads at distance
d; the benchmark checks 2,000 random meridian roads over Shanxi (worst error about
1e-10). Near tangency the length itself tends to zero and stays exact in metres.
Gates on either side of the 112.5°E Gauss-Krüger zone boundary are treated alike,
since no zone is used. Pieces shorter than 1 mm (a line that only touches the
circle) are dropped.

Speed: candidate (centre, segment) pairs come from one STRtree query of all
centres' boxes at once, against boxes of roads cut in chunks of 16 segments (see
``geoair.roads.clip._candidates``); the geometry is vectorised NumPy over the pairs. The
clipping core (``RoadSegments``, ``road_segments``, ``clip_to_circles``,
``nearest_road_m``) is :mod:`geoair.roads.clip`.
``scripts/bench_gate_roads.py`` measures it.

Examples
--------
>>> import geopandas as gpd, shapely
>>> stations = gpd.GeoDataFrame({"id": ["S1"]},
...     geometry=[shapely.Point(113.58, 37.86)], crs="EPSG:4326")
>>> rings = buffer_layer(stations, distance_m=1000)
>>> round(float(rings.area_m2.iloc[0]) / 1e6, 3)   # pi km2, less the 72-gon's shortfall
3.138
"""

from __future__ import annotations

import logging
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geoair.errors import ConfigError, SchemaError
from geoair.io.crs import WGS84, require_wgs84
from geoair.messages import t
from geoair.roads.clip import check_distance

__all__ = [
    "DEFAULT_VERTICES",
    "GEOD",
    "band_meridians",
    "buffer_layer",
    "buffer_name",
    "centres_of",
    "check_vertices",
    "geodesic_circles",
    "local_tm",
]


log = logging.getLogger(__name__)

Array = NDArray[np.float64]

GEOD = pyproj.Geod(ellps="WGS84")
"""The WGS-84 ellipsoid (CGCS2000's GRS80 differs from it by 0.1 mm in the minor axis)."""

DEFAULT_VERTICES = 72
_CIRCLES_PER_BATCH = 10_000
_CIRCLE_GRID_DEG = 0.01  # latitude step of the exact circle offsets that are interpolated
_BAND_DEG = 0.1  # width of the longitude bands that share one local transverse Mercator


def check_vertices(vertices: int) -> int:
    """Return ``vertices`` as an int, or refuse fewer than 8 (a circle would look square)."""
    if int(vertices) != vertices or int(vertices) < 8:
        raise ConfigError(
            f"A circle needs at least 8 vertices to look round, not {vertices!r}; "
            f"{DEFAULT_VERTICES} is a good choice."
        )
    return int(vertices)


def geodesic_circles(
    lon: ArrayLike, lat: ArrayLike, *, radius_m: float | ArrayLike, vertices: int = DEFAULT_VERTICES
) -> NDArray[np.object_]:
    """Polygons approximating geodesic circles around points (WGS-84 degrees).

    Parameters
    ----------
    lon, lat : array_like of float
        Centres, WGS-84 degrees. NaN centres give None.
    radius_m : float or array_like of float
        Radius in metres (one per centre, or one for all).
    vertices : int
        Number of vertices of each polygon, each ``radius_m`` from its centre (to 1e-8
        of the radius: see :func:`_circle_offsets`).

    Returns
    -------
    numpy.ndarray of shapely.Polygon
        One polygon per centre, in WGS-84 longitude/latitude.
    """
    lon = np.asarray(lon, dtype="float64").ravel()
    lat = np.asarray(lat, dtype="float64").ravel()
    vertices = check_vertices(vertices)
    radius = np.broadcast_to(np.asarray(radius_m, dtype="float64"), lon.shape)
    out = np.full(lon.shape, None, dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(radius) & (radius > 0)
    n = int(ok.sum())
    if n == 0:
        return out
    # counter-clockwise rings (the GeoPackage/OGC convention): decreasing azimuth
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)[::-1]
    where = np.flatnonzero(ok)
    same_radius = bool(np.all(radius[where] == radius[where[0]]))
    for start in range(0, n, _CIRCLES_PER_BATCH):  # batches bound the memory
        chosen = where[start : start + _CIRCLES_PER_BATCH]
        k = len(chosen)
        if same_radius:
            dlon, dlat = _circle_offsets(lat[chosen], float(radius[where[0]]), azimuths)
        else:
            x, y, _ = GEOD.fwd(
                np.repeat(lon[chosen], vertices),
                np.repeat(lat[chosen], vertices),
                np.tile(azimuths, k),
                np.repeat(radius[chosen], vertices),
            )
            dlon = np.asarray(x).reshape(k, vertices) - lon[chosen, None]
            dlat = np.asarray(y).reshape(k, vertices) - lat[chosen, None]
        ring = np.empty((k, vertices + 1, 2))
        ring[:, :vertices, 0] = lon[chosen, None] + dlon
        ring[:, :vertices, 1] = lat[chosen, None] + dlat
        ring[:, vertices] = ring[:, 0]
        out[chosen] = shapely.polygons(ring)
    return out


def _circle_offsets(lat: Array, radius_m: float, azimuths: Array) -> tuple[Array, Array]:
    """Longitude and latitude offsets of geodesic circle vertices around centres at ``lat``.

    On an ellipsoid of revolution the offsets do not depend on the centre's
    longitude, so they are computed exactly (GeographicLib) on a grid of latitudes
    0.01° apart and interpolated linearly: the interpolation error is about
    ``2.3·(1.75e-4)²/8`` of the radius, 1e-6 m for 100 m.
    """
    step = _CIRCLE_GRID_DEG
    # grid rows numbered from the equator, so that a centre's offsets do not depend on
    # the other centres computed with it (the same circle in any batch, bit for bit)
    below = np.floor(lat / step).astype(np.int64)
    rows = np.unique(np.r_[below, below + 1])
    grid = rows * step
    m = len(azimuths)
    x, y, _ = GEOD.fwd(
        np.zeros(len(rows) * m),
        np.repeat(grid, m),
        np.tile(azimuths, len(rows)),
        np.full(len(rows) * m, radius_m),
    )
    table_lon = np.asarray(x).reshape(len(rows), m)
    table_lat = np.asarray(y).reshape(len(rows), m) - grid[:, None]
    lo = np.searchsorted(rows, below)
    w = ((lat - below * step) / step)[:, None]
    return (
        (1 - w) * table_lon[lo] + w * table_lon[lo + 1],
        (1 - w) * table_lat[lo] + w * table_lat[lo + 1],
    )


@lru_cache(maxsize=512)
def local_tm(central_meridian: float) -> pyproj.CRS:
    """A transverse Mercator on the CGCS2000 ellipsoid centred on ``central_meridian``.

    Within 0.05° of longitude of the central meridian its scale error is below 1e-6
    at any latitude of China.
    """
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={central_meridian:.4f} +k=1 +x_0=500000 +y_0=0 "
        "+ellps=GRS80 +units=m +no_defs"
    )


def band_meridians(lon: ArrayLike) -> NDArray[np.float64]:
    """The central meridian (longitude rounded to 0.1°) of each longitude's local band."""
    return np.round(np.asarray(lon, dtype="float64") / _BAND_DEG) * _BAND_DEG


def buffer_layer(
    layer: gpd.GeoDataFrame, *, distance_m: float, vertices: int = DEFAULT_VERTICES
) -> gpd.GeoDataFrame:
    """Buffer every feature of a WGS-84 layer by ``distance_m`` true metres.

    Parameters
    ----------
    layer : GeoDataFrame
        Points, lines or polygons in EPSG:4326 (stations, gangue heaps, parks,
        enterprises, ...). Not modified.
    distance_m : float
        Buffer distance in metres (> 0).
    vertices : int
        Vertices of a full circle: points get exactly this many; lines and polygons
        get ``vertices / 4`` per quarter circle at their corners.

    Returns
    -------
    GeoDataFrame
        The layer's attributes, ``buffer_m`` and ``area_m2`` (of the buffer polygon,
        in metres²), with the buffer polygons as geometry, in EPSG:4326, on the
        input's index. Features without geometry keep None.

    Raises
    ------
    CRSError
        The layer is not in EPSG:4326.
    ConfigError
        ``distance_m`` is not a positive number.
    """
    require_wgs84(layer, what="the layer to buffer")
    distance_m = check_distance(distance_m)
    vertices = check_vertices(vertices)
    geoms = np.asarray(layer.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    type_ids = shapely.get_type_id(geoms)
    result = np.full(len(geoms), None, dtype=object)
    area = np.full(len(geoms), np.nan)

    points = ~missing & (type_ids == 0)
    if points.any():
        result[points] = geodesic_circles(
            shapely.get_x(geoms[points]),
            shapely.get_y(geoms[points]),
            radius_m=distance_m,
            vertices=vertices,
        )
    others = ~missing & ~points
    if others.any():
        centre_lon = shapely.get_x(shapely.centroid(geoms[others]))
        meridians = band_meridians(centre_lon)
        idx = np.flatnonzero(others)
        for meridian in np.unique(meridians):
            chosen = idx[meridians == meridian]
            crs = local_tm(float(meridian))
            metric = gpd.GeoSeries(geoms[chosen], crs=WGS84).to_crs(crs)
            buffered = metric.buffer(distance_m, quad_segs=max(2, vertices // 4))
            area[chosen] = buffered.area.to_numpy()
            result[chosen] = buffered.to_crs(WGS84).to_numpy()
    if points.any():
        area[points] = _polygon_areas_m2(result[points])
    out = layer.copy()
    out["buffer_m"] = distance_m
    out["area_m2"] = area
    out = out.set_geometry(gpd.GeoSeries(result, index=layer.index, crs=WGS84))
    log.info("buffered %d features by %.0f m", int((~missing).sum()), distance_m)
    return out


def _polygon_areas_m2(polygons: NDArray[np.object_]) -> NDArray[np.float64]:
    """Ellipsoidal areas (m²) of WGS-84 polygons."""
    return np.array(
        [abs(GEOD.geometry_area_perimeter(p)[0]) if p is not None else np.nan for p in polygons]
    )


def centres_of(layer: gpd.GeoDataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitude and latitude of every feature: the point itself, else a point inside it.

    Features without geometry give NaN.

    Raises
    ------
    SchemaError
        The frame has no geometry column at all.
    """
    if not isinstance(layer, gpd.GeoDataFrame) or layer.geometry.name not in layer.columns:
        raise SchemaError(t("error.roads.no_geometry"))
    geoms = np.asarray(layer.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    if ok.any():
        inside = geoms[ok]
        not_point = shapely.get_type_id(inside) != 0
        inside = inside.copy()
        inside[not_point] = shapely.point_on_surface(inside[not_point])
        lon[ok] = shapely.get_x(inside)
        lat[ok] = shapely.get_y(inside)
    return lon, lat


def buffer_name(kind: str, distance_m: float) -> str:
    """Workspace name of a buffer layer: ``stations_buffer_1000m``."""
    return f"{kind}_buffer_{distance_m:g}m".replace(".", "_")
