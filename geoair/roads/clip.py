"""The geodesic clipping core: roads cut to true circles around many centres, measured.

:class:`RoadSegments` / :func:`road_segments` cut roads into indexed straight segments;
:func:`clip_to_circles` cuts them to the true circles around many centres and measures
the pieces; :func:`nearest_road_m` gives the ground distance to the nearest road. The
method and its error budget are described in :mod:`geoair.roads.buffers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from geoair.errors import ConfigError, SchemaError
from geoair.messages import t

__all__ = [
    "RoadSegments",
    "check_distance",
    "clip_to_circles",
    "metres_per_degree",
    "nearest_road_m",
    "road_segments",
]


log = logging.getLogger(__name__)

Array = NDArray[np.float64]

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
        return (
            np.minimum(self.x0, self.x1),
            np.maximum(self.x0, self.x1),
            np.minimum(self.y0, self.y1),
            np.maximum(self.y0, self.y1),
        )

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
        boxes = shapely.box(
            np.minimum.reduceat(xmin, starts),
            np.minimum.reduceat(ymin, starts),
            np.maximum.reduceat(xmax, starts),
            np.maximum.reduceat(ymax, starts),
        )
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
        raise SchemaError(
            t(
                "error.roads.not_lines",
                n=int(bad.sum()),
                rows=rows + (", ..." if bad.sum() > 5 else ""),
            )
        )
    if (types[present] == 5).any():
        parts, road_of_part = shapely.get_parts(geoms, return_index=True)
    else:  # all simple lines: skip splitting into parts
        parts, road_of_part = geoms[present], np.flatnonzero(present)
    coords, part_of_coord = shapely.get_coordinates(parts, return_index=True)
    x, y = coords[:, 0], coords[:, 1]
    # a segment joins consecutive vertices of one part; repeated vertices make none
    keep = (part_of_coord[:-1] == part_of_coord[1:]) & ((x[:-1] != x[1:]) | (y[:-1] != y[1:]))
    first = np.flatnonzero(keep)
    return RoadSegments(
        x[first],
        y[first],
        x[first + 1],
        y[first + 1],
        road_of_part[part_of_coord[first]].astype(np.int64),
    )


# --- local frames ---------------------------------------------------------------------


def metres_per_degree(lat: ArrayLike) -> tuple[Array, Array]:
    """Metres per degree of longitude and of latitude at ``lat`` (WGS-84; degrees, one
    or many)."""
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
    return (
        radius_m * (1.0 + 1e-4 + 4.0 * (1.0 + np.abs(np.tan(np.radians(lat)))) * radius_m / 6.3e6)
        + 1e-3
    )


def _candidates(
    lon: Array, lat: Array, segments: RoadSegments, search_m: Array
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(gate, segment) pairs whose segment may come within ``search_m`` of the gate.

    A superset: every segment with a point within ``search_m`` metres of a gate is in
    it. One STRtree query of all the gates' boxes against the roads' chunks (see
    :attr:`RoadSegments.chunks`), then the chunks' segments tested against the boxes
    in NumPy.
    """
    empty = np.empty(0, dtype=np.int64)
    if len(segments) == 0 or len(lon) == 0:
        return empty, empty
    kx, ky = metres_per_degree(lat)
    dx, dy = search_m / kx, search_m / ky
    tree, starts, lengths = segments.chunks
    west, east, south, north = lon - dx, lon + dx, lat - dy, lat + dy
    gate, chunk = tree.query(shapely.box(west, south, east, north))
    count = lengths[chunk]
    seg = np.repeat(starts[chunk] - np.cumsum(count) + count, count) + np.arange(count.sum())
    xmin, xmax, ymin, ymax = segments.bounds
    meets = (
        (xmin[seg] <= np.repeat(east[gate], count))
        & (xmax[seg] >= np.repeat(west[gate], count))
        & (ymin[seg] <= np.repeat(north[gate], count))
        & (ymax[seg] >= np.repeat(south[gate], count))
    )
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
    return np.column_stack(
        [n * cos_phi * np.cos(lam), n * cos_phi * np.sin(lam), n * (1.0 - _E2) * sin_phi]
    )


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


def clip_to_circles(
    lon: ArrayLike, lat: ArrayLike, segments: RoadSegments, *, radius_m: float = 100.0
) -> pd.DataFrame:
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
    from geoair.roads.clip import check_distance

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
    kx, ky = (k[gate] for k in metres_per_degree(lat))
    x0, y0 = segments.x0[seg], segments.y0[seg]
    dlon, dlat = segments.x1[seg] - x0, segments.y1[seg] - y0
    t_a, t_b = _chord_in_circle(
        np.column_stack([(x0 - glon) * kx, (y0 - glat) * ky]),
        np.column_stack([dlon * kx, dlat * ky]),
        outer[gate],
    )
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
    gate, seg = gate[inside], seg[inside]  # positions (int); the rest are floats
    (
        glon,
        glat,
        x0,
        y0,
        dlon,
        dlat,
        t_a,
        t_b,
        centre,
        rho,
        radius_c,
        a,
        d,
        s_in,
        s_out,
    ) = (
        v[inside]
        for v in (
            glon,
            glat,
            x0,
            y0,
            dlon,
            dlat,
            t_a,
            t_b,
            centre,
            rho,
            radius_c,
            a,
            d,
            s_in,
            s_out,
        )
    )
    span = t_b - t_a
    t_in, t_out = t_a + s_in * span, t_a + s_out * span

    # 3. a Newton step on the segment itself where an end is on the circle
    t_in = _newton(
        t_in, s_in > 0, x0, y0, dlon, dlat, centre, d / span[:, None], radius_c, t_a, t_b
    )
    t_out = np.maximum(
        t_in,
        _newton(
            t_out, s_out < 1, x0, y0, dlon, dlat, centre, d / span[:, None], radius_c, t_a, t_b
        ),
    )
    lon_in, lat_in = _point_at(
        t_in,
        x0,
        y0,
        dlon,
        dlat,
        segments.x0[seg],
        segments.y0[seg],
        segments.x1[seg],
        segments.y1[seg],
    )
    lon_out, lat_out = _point_at(
        t_out,
        x0,
        y0,
        dlon,
        dlat,
        segments.x0[seg],
        segments.y0[seg],
        segments.x1[seg],
        segments.y1[seg],
    )
    p_in, p_out = _ecef(lon_in, lat_in) - centre, _ecef(lon_out, lat_out) - centre
    chord = p_out - p_in
    length = _chord_to_arc(np.sqrt(_dot(chord, chord)), rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_near = np.clip(-_dot(p_in, chord) / _dot(chord, chord), 0.0, 1.0)
    closest = p_in + np.nan_to_num(s_near)[:, None] * chord
    distance = _chord_to_arc(np.sqrt(_dot(closest, closest)), rho)
    pieces = pd.DataFrame(
        {
            "gate": gate,
            "segment": seg,
            "road": segments.road[seg],
            "t_in": t_in,
            "t_out": t_out,
            "lon_in": lon_in,
            "lat_in": lat_in,
            "lon_out": lon_out,
            "lat_out": lat_out,
            "length_m": length,
            "distance_m": distance,
        }
    )
    pieces = pieces[pieces["length_m"].to_numpy() >= _MIN_PIECE_M]
    order = np.lexsort((pieces["segment"].to_numpy(), pieces["gate"].to_numpy()))
    log.debug("%d candidate pieces, %d inside %.1f m", int(near.sum()), len(pieces), radius_m)
    return pieces.iloc[order].reset_index(drop=True)


def _point_at(
    t: Array,
    x0: Array,
    y0: Array,
    dlon: Array,
    dlat: Array,
    vx0: Array,
    vy0: Array,
    vx1: Array,
    vy1: Array,
) -> tuple[Array, Array]:
    """The point at ``t`` along segments; the vertices themselves, bit for bit, at 0 and 1."""
    lon = np.where(t <= 0.0, vx0, np.where(t >= 1.0, vx1, x0 + t * dlon))
    lat = np.where(t <= 0.0, vy0, np.where(t >= 1.0, vy1, y0 + t * dlat))
    return lon, lat


def _newton(
    t: Array,
    on_circle: NDArray[np.bool_],
    x0: Array,
    y0: Array,
    dlon: Array,
    dlat: Array,
    centre: Array,
    slope: Array,
    radius_c: Array,
    t_a: Array,
    t_b: Array,
) -> Array:
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


def nearest_road_m(
    lon: ArrayLike, lat: ArrayLike, segments: RoadSegments, *, search_m: float
) -> tuple[Array, NDArray[np.int64]]:
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


def _nearest_within(
    lon: Array, lat: Array, segments: RoadSegments, reach: float
) -> tuple[Array, NDArray[np.int64]]:
    """:func:`nearest_road_m` for one search distance (all points finite)."""
    best = np.full(lon.shape, np.nan)
    best_road = np.full(lon.shape, -1, dtype=np.int64)
    gate, seg = _candidates(lon, lat, segments, _outer_radius(reach, lat))
    glon, glat = lon[gate], lat[gate]
    kx, ky = (k[gate] for k in metres_per_degree(lat))
    x0, y0 = segments.x0[seg], segments.y0[seg]
    dlon, dlat = segments.x1[seg] - x0, segments.y1[seg] - y0
    px, py, ex, ey = (x0 - glon) * kx, (y0 - glat) * ky, dlon * kx, dlat * ky
    t = np.clip(-(px * ex + py * ey) / (ex * ex + ey * ey), 0.0, 1.0)
    chord = _ecef(x0 + t * dlon, y0 + t * dlat) - _ecef(lon, lat)[gate]
    dist = _chord_to_arc(np.sqrt(_dot(chord, chord)), _mean_radius(glat))
    within = dist <= reach
    frame = pd.DataFrame(
        {"gate": gate[within], "dist": dist[within], "road": segments.road[seg[within]]}
    )
    if len(frame):
        nearest = frame.loc[frame.groupby("gate")["dist"].idxmin()]
        best[nearest["gate"].to_numpy()] = nearest["dist"].to_numpy()
        best_road[nearest["gate"].to_numpy()] = nearest["road"].to_numpy()
    return best, best_road


_DISTANCE_NAMES = {
    "radius": "radius",
    "gate-to-site limit": "gate_site",
    "nearest-road search distance": "nearest_road",
}


def check_distance(distance_m: float, *, name: str = "distance") -> float:
    """Return ``distance_m`` as a float, or refuse a distance that is not a positive number."""
    try:
        value = float(distance_m)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        key = f"distance_name.{_DISTANCE_NAMES.get(name, 'distance')}"
        raise ConfigError(t("error.roads.positive", name=t(key), value=distance_m))
    return value
