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
  the ground distance to the nearest line. Gate roads (:mod:`geoair.gate_roads`)
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
:func:`_candidates`); the geometry is vectorised NumPy over the pairs.
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
from dataclasses import dataclass
from functools import cached_property, lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geoair._errors import ConfigError, SchemaError
from geoair.crs import WGS84, require_wgs84

log = logging.getLogger(__name__)

Array = NDArray[np.float64]

GEOD = pyproj.Geod(ellps="WGS84")
"""The WGS-84 ellipsoid (CGCS2000's GRS80 differs from it by 0.1 mm in the minor axis)."""

DEFAULT_VERTICES = 72
_CIRCLES_PER_BATCH = 10_000
_CIRCLE_GRID_DEG = 0.01  # latitude step of the exact circle offsets that are interpolated
_BAND_DEG = 0.1  # width of the longitude bands that share one local transverse Mercator


def check_distance(distance_m: float, *, name: str = "distance") -> float:
    """Return ``distance_m`` as a float, or refuse a distance that is not a positive number."""
    try:
        value = float(distance_m)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise ConfigError(f"The {name} must be a positive number of metres, not {distance_m!r}. "
                          "Give for example 100 for a hundred metres.")
    return value


def check_vertices(vertices: int) -> int:
    """Return ``vertices`` as an int, or refuse fewer than 8 (a circle would look square)."""
    if int(vertices) != vertices or int(vertices) < 8:
        raise ConfigError(f"A circle needs at least 8 vertices to look round, not {vertices!r}; "
                          f"{DEFAULT_VERTICES} is a good choice.")
    return int(vertices)


def geodesic_circles(lon: ArrayLike, lat: ArrayLike, *, radius_m: float | ArrayLike,
                     vertices: int = DEFAULT_VERTICES) -> NDArray[np.object_]:
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
        chosen = where[start:start + _CIRCLES_PER_BATCH]
        k = len(chosen)
        if same_radius:
            dlon, dlat = _circle_offsets(lat[chosen], float(radius[where[0]]), azimuths)
        else:
            x, y, _ = GEOD.fwd(np.repeat(lon[chosen], vertices),
                               np.repeat(lat[chosen], vertices), np.tile(azimuths, k),
                               np.repeat(radius[chosen], vertices))
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
    base = np.floor(lat.min() / step) * step
    below = np.floor((lat - base) / step).astype(np.int64)
    rows = np.unique(np.r_[below, below + 1])
    grid = base + rows * step
    m = len(azimuths)
    x, y, _ = GEOD.fwd(np.zeros(len(rows) * m), np.repeat(grid, m), np.tile(azimuths, len(rows)),
                       np.full(len(rows) * m, radius_m))
    table_lon = np.asarray(x).reshape(len(rows), m)
    table_lat = np.asarray(y).reshape(len(rows), m) - grid[:, None]
    lo = np.searchsorted(rows, below)
    w = ((lat - (base + below * step)) / step)[:, None]
    return ((1 - w) * table_lon[lo] + w * table_lon[lo + 1],
            (1 - w) * table_lat[lo] + w * table_lat[lo + 1])


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


def buffer_layer(layer: gpd.GeoDataFrame, *, distance_m: float,
                 vertices: int = DEFAULT_VERTICES) -> gpd.GeoDataFrame:
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
        result[points] = geodesic_circles(shapely.get_x(geoms[points]),
                                          shapely.get_y(geoms[points]),
                                          radius_m=distance_m, vertices=vertices)
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
    return np.array([abs(GEOD.geometry_area_perimeter(p)[0]) if p is not None else np.nan
                     for p in polygons])


def centres_of(layer: gpd.GeoDataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitude and latitude of every feature: the point itself, else a point inside it.

    Features without geometry give NaN.

    Raises
    ------
    SchemaError
        The frame has no geometry column at all.
    """
    if not isinstance(layer, gpd.GeoDataFrame) or layer.geometry.name not in layer.columns:
        raise SchemaError("The layer has no geometry (no locations).")
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


_A = 6378137.0  # WGS-84 semi-major axis, m
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_MIN_PIECE_M = 0.001  # pieces shorter than this (a road touching the circle) are dropped
_LINE_TYPES = (1, 2, 5)  # LineString, LinearRing, MultiLineString


# --- road segments ------------------------------------------------------------------

_CHUNK = 16  # segments per indexed chunk of a road


@dataclass(frozen=True)
class RoadSegments:
    """Roads cut into straight segments between consecutive vertices (WGS-84 degrees).

    Attributes
    ----------
    x0, y0, x1, y1 : numpy.ndarray of float
        Start and end longitude/latitude of every segment, road by road in the roads'
        order and along each road (callers rely on this order).
    road : numpy.ndarray of int
        Position (0-based row) of the segment's road in the roads layer.
    """

    x0: Array
    y0: Array
    x1: Array
    y1: Array
    road: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.x0)

    @cached_property
    def bounds(self) -> tuple[Array, Array, Array, Array]:
        """Each segment's bounding box: (xmin, xmax, ymin, ymax), degrees."""
        return (np.minimum(self.x0, self.x1), np.maximum(self.x0, self.x1),
                np.minimum(self.y0, self.y1), np.maximum(self.y0, self.y1))

    @cached_property
    def chunks(self) -> tuple[shapely.STRtree, NDArray[np.int64], NDArray[np.int64]]:
        """Spatial index of the roads in chunks of up to 16 consecutive segments.

        Returns
        -------
        (STRtree, starts, lengths)
            An STRtree of the chunks' bounding boxes (degrees), and each chunk's first
            segment and number of segments. Indexing chunks rather than single
            segments avoids making a million GEOS geometries; short chunks keep a long
            road from dragging all its segments into every query near it.
        """
        n = len(self)
        if n == 0:
            empty = np.empty(0, dtype=np.int64)
            return shapely.STRtree(np.empty(0, dtype=object)), empty, empty
        position = np.arange(n)
        new_road = np.r_[True, self.road[1:] != self.road[:-1]]
        road_start = np.maximum.accumulate(np.where(new_road, position, 0))
        starts = np.flatnonzero(new_road | ((position - road_start) % _CHUNK == 0))
        lengths = np.diff(np.r_[starts, n])
        xmin, xmax, ymin, ymax = self.bounds
        boxes = shapely.box(np.minimum.reduceat(xmin, starts), np.minimum.reduceat(ymin, starts),
                            np.maximum.reduceat(xmax, starts), np.maximum.reduceat(ymax, starts))
        return shapely.STRtree(boxes), starts, lengths


def road_segments(geometries: ArrayLike) -> RoadSegments:
    """Cut line geometries (LineString or MultiLineString, WGS-84) into indexed segments.

    Parameters
    ----------
    geometries : array_like of shapely geometries
        One per road; None and empty geometries give no segments.

    Returns
    -------
    RoadSegments

    Raises
    ------
    SchemaError
        A road is not a line (a polygon or a point).
    """
    geoms = np.asarray(geometries, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms)
    bad = present & ~np.isin(types, _LINE_TYPES)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
        raise SchemaError(f"Roads must be lines, but {int(bad.sum())} feature(s) are not (rows "
                          f"{rows}{', ...' if bad.sum() > 5 else ''}). Use the road centre lines, "
                          "not road surface polygons or points.")
    if (types[present] == 5).any():
        parts, road_of_part = shapely.get_parts(geoms, return_index=True)
    else:  # all simple lines: skip splitting into parts
        parts, road_of_part = geoms[present], np.flatnonzero(present)
    coords, part_of_coord = shapely.get_coordinates(parts, return_index=True)
    x, y = coords[:, 0], coords[:, 1]
    # a segment joins consecutive vertices of one part; repeated vertices make none
    keep = (part_of_coord[:-1] == part_of_coord[1:]) & ((x[:-1] != x[1:]) | (y[:-1] != y[1:]))
    first = np.flatnonzero(keep)
    return RoadSegments(x[first], y[first], x[first + 1], y[first + 1],
                        road_of_part[part_of_coord[first]].astype(np.int64))


# --- local frames ---------------------------------------------------------------------

def _metres_per_degree(lat: Array) -> tuple[Array, Array]:
    """Metres per degree of longitude and of latitude at ``lat`` (WGS-84)."""
    phi = np.radians(lat)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    n = _A / np.sqrt(w)
    m = _A * (1.0 - _E2) / w**1.5
    return np.radians(1.0) * n * np.cos(phi), np.radians(1.0) * m


def _outer_radius(radius_m: float, lat: Array) -> Array:
    """A radius in the equirectangular frame that surely contains the true circle.

    The frame's scale is exact at the gate and off by about ``tan(lat)·r/6371 km`` at
    distance r, so a few times that, plus a fixed 1e-4, is a safe margin.
    """
    return radius_m * (1.0 + 1e-4 + 4.0 * (1.0 + np.abs(np.tan(np.radians(lat))))
                       * radius_m / 6.3e6) + 1e-3


def _candidates(lon: Array, lat: Array, segments: RoadSegments,
                search_m: Array) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(gate, segment) pairs whose segment may come within ``search_m`` of the gate.

    A superset: every segment with a point within ``search_m`` metres of a gate is in
    it. One STRtree query of all the gates' boxes against the roads' chunks (see
    :attr:`RoadSegments.chunks`), then the chunks' segments tested against the boxes
    in NumPy.
    """
    empty = np.empty(0, dtype=np.int64)
    if len(segments) == 0 or len(lon) == 0:
        return empty, empty
    kx, ky = _metres_per_degree(lat)
    dx, dy = search_m / kx, search_m / ky
    tree, starts, lengths = segments.chunks
    west, east, south, north = lon - dx, lon + dx, lat - dy, lat + dy
    gate, chunk = tree.query(shapely.box(west, south, east, north))
    count = lengths[chunk]
    seg = np.repeat(starts[chunk] - np.cumsum(count) + count, count) + np.arange(count.sum())
    xmin, xmax, ymin, ymax = segments.bounds
    meets = ((xmin[seg] <= np.repeat(east[gate], count))
             & (xmax[seg] >= np.repeat(west[gate], count))
             & (ymin[seg] <= np.repeat(north[gate], count))
             & (ymax[seg] >= np.repeat(south[gate], count)))
    return np.repeat(gate, count)[meets].astype(np.int64), seg[meets].astype(np.int64)


def _dot(u: Array, v: Array) -> Array:
    return np.einsum("ij,ij->i", u, v)


def _chord_in_circle(p: Array, d: Array, radius: Array | float) -> tuple[Array, Array]:
    """Where ``p + s·d``, s in [0, 1], lies inside ``|x| <= radius``: (s_in, s_out).

    ``p`` and ``d`` are (n, k) arrays (k = 2 or 3). s_out <= s_in where the segment
    does not enter (outside, or touching at one point).
    """
    a = _dot(d, d)
    b = _dot(p, d)
    c = _dot(p, p) - np.square(radius)
    disc = b * b - a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(disc > 0, disc, 0.0))
        s_in = np.where(a > 0, (-b - root) / a, 1.0)
        s_out = np.where(a > 0, (-b + root) / a, 0.0)
    s_in = np.clip(s_in, 0.0, 1.0)
    s_out = np.where(disc > 0, np.clip(s_out, 0.0, 1.0), 0.0)
    return s_in, s_out


def _ecef(lon: Array, lat: Array) -> Array:
    """Earth-centred coordinates (m, an (n, 3) array) of points on the WGS-84 ellipsoid."""
    lam, phi = np.radians(lon), np.radians(lat)
    sin_phi, cos_phi = np.sin(phi), np.cos(phi)
    n = _A / np.sqrt(1.0 - _E2 * sin_phi * sin_phi)
    return np.column_stack([n * cos_phi * np.cos(lam), n * cos_phi * np.sin(lam),
                            n * (1.0 - _E2) * sin_phi])


def _mean_radius(lat: Array) -> Array:
    """Gaussian mean radius of curvature sqrt(M·N) at ``lat`` (m)."""
    w = 1.0 - _E2 * np.sin(np.radians(lat)) ** 2
    return _A * np.sqrt(1.0 - _E2) / w


def _arc_to_chord(arc: Array | float, rho: Array) -> Array:
    """Straight-line (3-D chord) length of a ground distance ``arc`` (m)."""
    return arc - arc**3 / (24.0 * rho * rho)


def _chord_to_arc(chord: Array, rho: Array) -> Array:
    """Ground distance of a 3-D chord (inverse of :func:`_arc_to_chord` to 1e-15)."""
    return chord + chord**3 / (24.0 * rho * rho)


# --- clipping -------------------------------------------------------------------------

def clip_to_circles(lon: ArrayLike, lat: ArrayLike, segments: RoadSegments, *,
                    radius_m: float = 100.0) -> pd.DataFrame:
    """The pieces of road segments inside the true circle of ``radius_m`` around each centre.

    Parameters
    ----------
    lon, lat : array_like of float
        Circle centres (gates), WGS-84 degrees; NaN centres get no pieces.
    segments : RoadSegments
        From :func:`road_segments`.
    radius_m : float
        Radius in metres (geodesic).

    Returns
    -------
    DataFrame
        One row per (centre, segment) piece longer than 1 mm: ``gate`` and ``segment``
        and ``road`` (0-based positions), ``t_in``/``t_out`` (where the piece starts
        and ends along the segment, 0-1), ``lon_in``, ``lat_in``, ``lon_out``,
        ``lat_out`` (the piece's ends, on the segment and, unless a vertex, on the
        circle), ``length_m`` (ground length) and ``distance_m`` (nearest approach of
        the piece to the centre). Sorted by gate and segment.

    Notes
    -----
    The segment is the straight line between its vertices in longitude/latitude, as
    GIS software stores and draws it. After a cut to the neighbourhood of the centre
    (a slightly larger circle in a local equirectangular frame), its two ends are
    taken to earth-centred 3-D coordinates, where the circle of geodesic radius R is
    the sphere of chord radius ``R − R³/24ρ²`` (ρ the mean radius of curvature,
    exact to 1e-12 m at 100 m) around the centre and the intersection is a quadratic.
    One Newton step on the segment itself then removes the sub-millimetre bow of the
    segment against the 3-D chord. Ends are therefore on the stored line and within
    1e-6 m of the circle, and lengths are exact to about 1e-8 m.
    """
    radius_m = check_distance(radius_m, name="radius")
    lon = np.asarray(lon, dtype="float64").ravel()
    lat = np.asarray(lat, dtype="float64").ravel()
    ok = np.isfinite(lon) & np.isfinite(lat)
    outer = np.where(ok, _outer_radius(radius_m, np.where(ok, lat, 0.0)), 0.0)
    gate, seg = _candidates(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0), segments, outer)
    keep = ok[gate]
    gate, seg = gate[keep], seg[keep]

    # 1. cut each segment, in longitude/latitude, to the part inside the outer circle
    glon, glat = lon[gate], lat[gate]
    kx, ky = (k[gate] for k in _metres_per_degree(lat))
    x0, y0 = segments.x0[seg], segments.y0[seg]
    dlon, dlat = segments.x1[seg] - x0, segments.y1[seg] - y0
    t_a, t_b = _chord_in_circle(np.column_stack([(x0 - glon) * kx, (y0 - glat) * ky]),
                                np.column_stack([dlon * kx, dlat * ky]), outer[gate])
    near = t_b > t_a
    gate, seg, glon, glat = gate[near], seg[near], glon[near], glat[near]
    x0, y0, dlon, dlat, t_a, t_b = (v[near] for v in (x0, y0, dlon, dlat, t_a, t_b))

    # 2. in earth-centred coordinates about the gate: the exact circle is a sphere
    centre = _ecef(lon, lat)[gate]
    rho = _mean_radius(glat)
    radius_c = _arc_to_chord(radius_m, rho)
    a = _ecef(x0 + t_a * dlon, y0 + t_a * dlat) - centre
    d = _ecef(x0 + t_b * dlon, y0 + t_b * dlat) - centre - a
    s_in, s_out = _chord_in_circle(a, d, radius_c)
    inside = (s_out - s_in) * np.sqrt(_dot(d, d)) >= _MIN_PIECE_M
    (gate, seg, glon, glat, x0, y0, dlon, dlat, t_a, t_b, centre, rho, radius_c, a, d, s_in,
     s_out) = (v[inside] for v in (gate, seg, glon, glat, x0, y0, dlon, dlat, t_a, t_b,
                                   centre, rho, radius_c, a, d, s_in, s_out))
    span = t_b - t_a
    t_in, t_out = t_a + s_in * span, t_a + s_out * span

    # 3. a Newton step on the segment itself where an end is on the circle
    t_in = _newton(t_in, s_in > 0, x0, y0, dlon, dlat, centre, d / span[:, None], radius_c,
                   t_a, t_b)
    t_out = np.maximum(t_in, _newton(t_out, s_out < 1, x0, y0, dlon, dlat, centre,
                                     d / span[:, None], radius_c, t_a, t_b))
    lon_in, lat_in = _point_at(t_in, x0, y0, dlon, dlat, segments.x0[seg], segments.y0[seg],
                               segments.x1[seg], segments.y1[seg])
    lon_out, lat_out = _point_at(t_out, x0, y0, dlon, dlat, segments.x0[seg],
                                 segments.y0[seg], segments.x1[seg], segments.y1[seg])
    p_in, p_out = _ecef(lon_in, lat_in) - centre, _ecef(lon_out, lat_out) - centre
    chord = p_out - p_in
    length = _chord_to_arc(np.sqrt(_dot(chord, chord)), rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_near = np.clip(-_dot(p_in, chord) / _dot(chord, chord), 0.0, 1.0)
    closest = p_in + np.nan_to_num(s_near)[:, None] * chord
    distance = _chord_to_arc(np.sqrt(_dot(closest, closest)), rho)
    pieces = pd.DataFrame({
        "gate": gate, "segment": seg, "road": segments.road[seg], "t_in": t_in,
        "t_out": t_out, "lon_in": lon_in, "lat_in": lat_in, "lon_out": lon_out,
        "lat_out": lat_out, "length_m": length, "distance_m": distance,
    })
    pieces = pieces[pieces["length_m"].to_numpy() >= _MIN_PIECE_M]
    order = np.lexsort((pieces["segment"].to_numpy(), pieces["gate"].to_numpy()))
    log.debug("%d candidate pieces, %d inside %.1f m", int(near.sum()), len(pieces), radius_m)
    return pieces.iloc[order].reset_index(drop=True)


def _point_at(t: Array, x0: Array, y0: Array, dlon: Array, dlat: Array, vx0: Array,
              vy0: Array, vx1: Array, vy1: Array) -> tuple[Array, Array]:
    """The point at ``t`` along segments; the vertices themselves, bit for bit, at 0 and 1."""
    lon = np.where(t <= 0.0, vx0, np.where(t >= 1.0, vx1, x0 + t * dlon))
    lat = np.where(t <= 0.0, vy0, np.where(t >= 1.0, vy1, y0 + t * dlat))
    return lon, lat


def _newton(t: Array, on_circle: NDArray[np.bool_], x0: Array, y0: Array, dlon: Array,
            dlat: Array, centre: Array, slope: Array, radius_c: Array, t_a: Array,
            t_b: Array) -> Array:
    """One Newton step of |P(t) − centre| = radius_c along the segment, where it is safe.

    ``slope`` is dP/dt (the 3-D chord of the cut part over its span of t). Grazing
    crossings (the segment within about 3° of tangent) keep the chord solution,
    which is already within a micrometre there since the cut part is short.
    """
    out = t.copy()
    if not on_circle.any():
        return out
    idx = np.flatnonzero(on_circle)
    p = _ecef(x0[idx] + t[idx] * dlon[idx], y0[idx] + t[idx] * dlat[idx]) - centre[idx]
    dist = np.sqrt(_dot(p, p))
    rate = _dot(p, slope[idx]) / dist  # d|P|/dt
    speed = np.sqrt(_dot(slope[idx], slope[idx]))
    safe = np.abs(rate) > 0.05 * speed
    step = np.where(safe, (dist - radius_c[idx]) / np.where(safe, rate, 1.0), 0.0)
    out[idx] = np.clip(t[idx] - step, t_a[idx], t_b[idx])
    return out


def nearest_road_m(lon: ArrayLike, lat: ArrayLike, segments: RoadSegments, *,
                   search_m: float) -> tuple[Array, NDArray[np.int64]]:
    """Ground distance from each point to the nearest road segment within ``search_m``.

    The nearest point is found in a local equirectangular frame and its distance then
    measured on the ellipsoid (3-D chord turned into ground distance); since the
    distance is stationary at the nearest point, it is exact to a few millimetres.
    The search widens in steps (an eighth, a half, all of ``search_m``), so points
    near a road do not pay for the widest search.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Distance in metres (NaN when no road is within ``search_m``) and the road's
        position (-1 when none).
    """
    lon = np.asarray(lon, dtype="float64").ravel()
    lat = np.asarray(lat, dtype="float64").ravel()
    best = np.full(lon.shape, np.nan)
    best_road = np.full(lon.shape, -1, dtype=np.int64)
    todo = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if len(segments) == 0:
        return best, best_road
    for reach in (search_m / 8, search_m / 2, search_m):
        if not len(todo):
            break
        dist, road = _nearest_within(lon[todo], lat[todo], segments, reach)
        found = np.isfinite(dist)
        best[todo[found]], best_road[todo[found]] = dist[found], road[found]
        todo = todo[~found]
    return best, best_road


def _nearest_within(lon: Array, lat: Array, segments: RoadSegments,
                    reach: float) -> tuple[Array, NDArray[np.int64]]:
    """:func:`nearest_road_m` for one search distance (all points finite)."""
    best = np.full(lon.shape, np.nan)
    best_road = np.full(lon.shape, -1, dtype=np.int64)
    gate, seg = _candidates(lon, lat, segments, _outer_radius(reach, lat))
    glon, glat = lon[gate], lat[gate]
    kx, ky = (k[gate] for k in _metres_per_degree(lat))
    x0, y0 = segments.x0[seg], segments.y0[seg]
    dlon, dlat = segments.x1[seg] - x0, segments.y1[seg] - y0
    px, py, ex, ey = (x0 - glon) * kx, (y0 - glat) * ky, dlon * kx, dlat * ky
    t = np.clip(-(px * ex + py * ey) / (ex * ex + ey * ey), 0.0, 1.0)
    chord = _ecef(x0 + t * dlon, y0 + t * dlat) - _ecef(lon, lat)[gate]
    dist = _chord_to_arc(np.sqrt(_dot(chord, chord)), _mean_radius(glat))
    within = dist <= reach
    frame = pd.DataFrame({"gate": gate[within], "dist": dist[within],
                          "road": segments.road[seg[within]]})
    if len(frame):
        nearest = frame.loc[frame.groupby("gate")["dist"].idxmin()]
        best[nearest["gate"].to_numpy()] = nearest["dist"].to_numpy()
        best_road[nearest["gate"].to_numpy()] = nearest["road"].to_numpy()
    return best, best_road
