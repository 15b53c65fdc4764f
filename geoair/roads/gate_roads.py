"""Gate roads: the road within R metres (100 by default) of every factory gate, measured exactly.

The 2024 clean-factory action (阳环函〔2024〕6号, 二(二)) requires the road within 100 m of
every factory gate to be washed and swept. :func:`plan_sweeping` finds, for every
gate, the stretches of every road inside the circle of radius R around it, and
turns them into the layers and tables of a sweeping plan (see :class:`SweepPlan`).

Lengths are exact to about 1e-8 m: roads are clipped to the true (geodesic) circle
around each gate by an intersection solved in earth-centred coordinates (see
:mod:`geoair.roads.buffers`, "How exact the clipping is"); no Gauss-Krüger zone is used,
so gates on both sides of 112.5°E are alike.

This module is a little over 600 lines on purpose: the four results of a plan
(``gate_roads``, ``gate_buffers``, ``sweep_tasks``, ``gate_findings``) are built from
one private record of the gates (``_Gates``) by helpers that read best side by side;
the geometry itself (road segments, exact clipping) is in ``geoair.roads.clip``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from geoair.io.crs import WGS84, require_wgs84
from geoair.roads.buffers import (
    DEFAULT_VERTICES,
    GEOD,
    band_meridians,
    centres_of,
    geodesic_circles,
    local_tm,
)
from geoair.roads.clip import (
    RoadSegments,
    check_distance,
    clip_to_circles,
    nearest_road_m,
    road_segments,
)

__all__ = ["SweepPlan", "county_totals", "gate_roads", "plan_sweeping"]


log = logging.getLogger(__name__)

Array = NDArray[np.float64]
_UNNAMED = "无名道路"


def _text(series: pd.Series | None, n: int, *, prefix: str = "") -> NDArray[np.object_]:
    """A column as str (None for blanks); a generated ``prefix<n>`` when missing."""
    if series is None:
        if prefix:
            return (prefix + pd.Series(np.arange(1, n + 1)).astype(str)).to_numpy(dtype=object)
        return np.full(n, None, dtype=object)
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    # pandas-stubs: na_value must be a scalar, but pandas takes any value, None here
    out = text.to_numpy(dtype=object, na_value=None).copy()  # type: ignore[call-overload]
    out[blank] = None
    return out


# --- the plan -----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepPlan:
    """The layers and tables of a gate-road sweeping plan.

    Attributes
    ----------
    gate_roads : GeoDataFrame
        One (multi)line per gate and road, clipped to the circle: ``gate_id``,
        ``gate_name``, ``enterprise_id``, ``enterprise_name``, ``county``, ``road_id``,
        ``road_name``, ``road_class``, ``length_m``, ``distance_m`` (gate to road).
    gate_buffers : GeoDataFrame
        The circles as polygons (for maps), one per gate: ``gate_id``, ``gate_name``,
        ``enterprise_id``, ``enterprise_name``, ``radius_m``, ``road_length_m``,
        ``roads`` (names).
    sweep_tasks : DataFrame
        One row per enterprise: ``enterprise_id``, ``enterprise_name``, ``county``,
        ``status``, ``gates`` (ids), ``n_gates``, ``roads`` (names), ``n_roads`` (names),
        ``length_m`` (stretches shared by two gates counted once),
        ``gate_length_sum_m`` (per-gate lengths added up), ``gates_without_road``.
    gate_findings : GeoDataFrame
        Gate points with a problem, one row per gate and finding: ``gate_id``,
        ``gate_name``, ``enterprise_id``, ``enterprise_name``, ``county``, ``finding``
        (``no_road``, ``far_from_site``, ``unknown_enterprise``, ``no_location``),
        ``finding_zh`` (the same in Chinese, with the distance), ``distance_m`` (to the
        nearest road within ``nearest_search_m``, or to the enterprise's site).
    """

    gate_roads: gpd.GeoDataFrame
    gate_buffers: gpd.GeoDataFrame
    sweep_tasks: pd.DataFrame
    gate_findings: gpd.GeoDataFrame

    def layers(self) -> dict[str, pd.DataFrame]:
        """Workspace name -> frame, for writing."""
        return {
            "gate_roads": self.gate_roads,
            "gate_buffers": self.gate_buffers,
            "sweep_tasks": self.sweep_tasks,
            "gate_findings": self.gate_findings,
        }


@dataclass(frozen=True)
class _Gates:
    lon: Array
    lat: Array
    gate_id: NDArray[np.object_]
    gate_name: NDArray[np.object_]
    enterprise_id: NDArray[np.object_]  # the key used for grouping
    enterprise_pos: NDArray[np.int64]  # row in enterprises, -1 if unknown
    geometry: NDArray[np.object_]


def _prepare_gates(gates: gpd.GeoDataFrame, enterprises: gpd.GeoDataFrame | None) -> _Gates:
    n = len(gates)
    lon, lat = centres_of(gates)
    gate_id = _text(gates.get("id"), n, prefix="G")
    gate_name = _text(gates.get("name"), n)
    ent_id = _text(gates.get("enterprise_id"), n)
    ent_name = _text(gates.get("enterprise_name"), n)
    pos = np.full(n, -1, dtype=np.int64)
    if enterprises is not None and len(enterprises):
        e_ids = pd.Series(_text(enterprises.get("id"), len(enterprises)))
        e_names = pd.Series(_text(enterprises.get("name"), len(enterprises)))
        by_id = pd.Series(e_ids.index, index=e_ids)
        by_name = pd.Series(e_names.index, index=e_names)
        by_id = by_id[by_id.index.notna() & ~by_id.index.duplicated()]
        by_name = by_name[by_name.index.notna() & ~by_name.index.duplicated()]
        found = pd.Series(ent_id).map(by_id)
        found = found.fillna(pd.Series(ent_name).map(by_name))
        pos = found.fillna(-1).to_numpy(dtype=np.int64)
        fill = (pos >= 0) & pd.isna(ent_id)  # matched by name: take the enterprise's id
        ent_id[fill] = e_ids.to_numpy(dtype=object)[pos[fill]]
    key = np.where(pd.isna(ent_id), ent_name, ent_id).astype(object)
    geometry = np.asarray(gates.geometry.array, dtype=object)
    return _Gates(lon, lat, gate_id, gate_name, key, pos, geometry)


def _enterprise_column(
    enterprises: gpd.GeoDataFrame | None, column: str, pos: NDArray[np.int64]
) -> NDArray[np.object_]:
    out = np.full(len(pos), None, dtype=object)
    if enterprises is None or column not in enterprises.columns:
        return out
    values = _text(enterprises[column], len(enterprises))
    known = pos >= 0
    out[known] = values[pos[known]]
    return out


def gate_roads(
    gates: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, *, radius_m: float = 100.0
) -> gpd.GeoDataFrame:
    """The road stretches within ``radius_m`` of every gate, one feature per gate and road.

    Parameters
    ----------
    gates : GeoDataFrame
        Gate points in EPSG:4326 with ``id`` (and optionally ``name``,
        ``enterprise_id``, ``enterprise_name``). Not modified.
    roads : GeoDataFrame
        Road lines in EPSG:4326 with ``id``, ``name``, ``road_class`` (see
        :func:`normalise_roads`). Not modified.
    radius_m : float
        Radius of the circle around each gate, in metres.

    Returns
    -------
    GeoDataFrame
        The ``gate_roads`` layer of :class:`SweepPlan` (without enterprise details).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gates = gpd.GeoDataFrame({"id": ["G1"]}, geometry=[shapely.Point(113.5, 37.8)],
    ...                          crs="EPSG:4326")
    >>> road = shapely.LineString([(113.5, 37.79), (113.5, 37.81)])  # through the gate
    >>> roads = gpd.GeoDataFrame({"id": ["R1"], "name": ["桃北路"]}, geometry=[road],
    ...                          crs="EPSG:4326")
    >>> round(float(gate_roads(gates, roads).length_m.iloc[0]), 6)
    200.0
    """
    require_wgs84(gates, what="the gates layer")
    require_wgs84(roads, what="the roads layer")
    prepared = _prepare_gates(gates, None)
    segments = road_segments(roads.geometry.values)
    pieces = clip_to_circles(prepared.lon, prepared.lat, segments, radius_m=radius_m)
    return _gate_road_layer(pieces, prepared, roads, None)[0]


def _gate_road_layer(
    pieces: pd.DataFrame, g: _Gates, roads: gpd.GeoDataFrame, enterprises: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, NDArray[np.int64]]:
    """The gate_roads layer, and the gate position of each of its rows."""
    gate = pieces["gate"].to_numpy()
    road = pieces["road"].to_numpy()
    # pieces come sorted by gate, then segment; road_segments numbers segments road by
    # road, so within a gate the pieces of one road are consecutive and in road order
    new = (
        np.r_[True, (gate[1:] != gate[:-1]) | (road[1:] != road[:-1])]
        if len(pieces)
        else np.zeros(0, dtype=bool)
    )
    first = np.flatnonzero(new)
    geometry = _merged_lines(pieces, new)
    g_pos, r_pos = gate[first], road[first]
    road_id = _text(_take(roads.get("id"), r_pos), len(r_pos))
    missing_id = pd.isna(road_id)
    road_id[missing_id] = (
        pd.Series(r_pos[missing_id] + 1).astype(str).radd("R").to_numpy(dtype=object)
    )
    road_name = _text(_take(roads.get("name"), r_pos), len(r_pos))
    road_class = _text(_take(roads.get("road_class"), r_pos), len(r_pos))
    if len(first):
        length = np.add.reduceat(pieces["length_m"].to_numpy(), first)
        distance = np.minimum.reduceat(pieces["distance_m"].to_numpy(), first)
    else:
        length = distance = np.zeros(0)
    e_pos = g.enterprise_pos[g_pos]
    frame = pd.DataFrame(
        {
            "gate_id": g.gate_id[g_pos],
            "gate_name": g.gate_name[g_pos],
            "enterprise_id": g.enterprise_id[g_pos],
            "enterprise_name": _enterprise_column(enterprises, "name", e_pos),
            "county": _enterprise_column(enterprises, "county", e_pos),
            "road_id": road_id,
            "road_name": road_name,
            "road_class": road_class,
            "length_m": length,
            "distance_m": distance,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84)), g_pos


def _take(series: pd.Series | None, positions: NDArray[np.int64]) -> pd.Series | None:
    return None if series is None else series.iloc[positions].reset_index(drop=True)


def _merged_lines(pieces: pd.DataFrame, new_group: NDArray[np.bool_]) -> NDArray[np.object_]:
    """One MultiLineString per group of pieces; pieces that meet at a vertex are joined.

    ``pieces`` are sorted by group and, within it, along the road; ``new_group`` marks
    the first piece of each group. Consecutive pieces whose end and start are the
    same vertex form one line part.
    """
    n = len(pieces)
    if n == 0:
        return np.empty(0, dtype=object)
    lon_in, lat_in = pieces["lon_in"].to_numpy(), pieces["lat_in"].to_numpy()
    lon_out, lat_out = pieces["lon_out"].to_numpy(), pieces["lat_out"].to_numpy()
    joined = np.r_[
        False, ~new_group[1:] & (lon_in[1:] == lon_out[:-1]) & (lat_in[1:] == lat_out[:-1])
    ]
    starts = ~joined
    # each run: its first piece's start, then every piece's end
    out_pos = np.arange(n) + np.cumsum(starts)
    in_pos = out_pos[starts] - 1
    coords = np.empty((n + int(starts.sum()), 2))
    coords[out_pos, 0], coords[out_pos, 1] = lon_out, lat_out
    coords[in_pos, 0], coords[in_pos, 1] = lon_in[starts], lat_in[starts]
    line_offsets = np.r_[in_pos, len(coords)]
    group_of_run = (np.cumsum(new_group) - 1)[starts]
    first_run = np.flatnonzero(np.r_[True, group_of_run[1:] != group_of_run[:-1]])
    geom_offsets = np.r_[first_run, len(group_of_run)]
    return shapely.from_ragged_array(
        shapely.GeometryType.MULTILINESTRING, coords, (line_offsets, geom_offsets)
    )


def _union_lengths(
    pieces: pd.DataFrame, enterprise_code: NDArray[np.int64], n_enterprises: int
) -> Array:
    """Per enterprise, the length of the union of its gates' pieces (shared stretches once)."""
    if len(pieces) == 0:
        return np.zeros(n_enterprises)
    ent = enterprise_code[pieces["gate"].to_numpy()]
    seg = pieces["segment"].to_numpy()
    t_in, t_out = pieces["t_in"].to_numpy(), pieces["t_out"].to_numpy()
    order = np.lexsort((t_in, seg, ent))
    ent, seg, t_in, t_out = ent[order], seg[order], t_in[order], t_out[order]
    lon_in, lat_in = pieces["lon_in"].to_numpy()[order], pieces["lat_in"].to_numpy()[order]
    lon_out, lat_out = pieces["lon_out"].to_numpy()[order], pieces["lat_out"].to_numpy()[order]
    new_group = np.r_[True, (ent[1:] != ent[:-1]) | (seg[1:] != seg[:-1])]
    group = np.cumsum(new_group) - 1
    # running maximum of t_out within each (enterprise, segment): lift groups apart by 2
    lifted = np.maximum.accumulate(t_out + 2.0 * group)
    previous = np.r_[-np.inf, lifted[:-1]]
    starts = new_group | (t_in + 2.0 * group > previous)
    run = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    # the run's end is the piece reaching furthest along the segment
    last = pd.Series(t_out).groupby(run).idxmax().to_numpy()
    _, _, length = GEOD.inv(lon_in[first], lat_in[first], lon_out[last], lat_out[last])
    # float64 with weights (numpy's stubs say intp whatever the weights)
    return cast(Array, np.bincount(ent[first], weights=np.asarray(length), minlength=n_enterprises))


def plan_sweeping(
    gates: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None = None,
    *,
    radius_m: float = 100.0,
    gate_site_max_m: float = 2000.0,
    nearest_search_m: float = 2000.0,
    vertices: int = DEFAULT_VERTICES,
) -> SweepPlan:
    """The sweeping plan: gate roads, circles, tasks per enterprise, findings.

    Parameters
    ----------
    gates : GeoDataFrame
        Gate points in EPSG:4326: ``id``, ``name``, ``enterprise_id``,
        ``enterprise_name``. Not modified.
    roads : GeoDataFrame
        Road lines in EPSG:4326: ``id``, ``name``, ``road_class``. Not modified.
    enterprises : GeoDataFrame, optional
        Enterprise sites in EPSG:4326: ``id``, ``name``, ``county``, ``status``. Gates
        are matched by ``enterprise_id``, else by enterprise name.
    radius_m : float
        Radius around each gate (阳环函〔2024〕6号: 100 m).
    gate_site_max_m : float
        A gate farther than this from its enterprise's site is flagged.
    nearest_search_m : float
        For a gate with no road within ``radius_m``, how far to look for the nearest
        road to report its distance.
    vertices : int
        Vertices of the drawn circles in ``gate_buffers``.

    Returns
    -------
    SweepPlan
    """
    require_wgs84(gates, what="the gates layer")
    require_wgs84(roads, what="the roads layer")
    if enterprises is not None:
        require_wgs84(enterprises, what="the enterprises layer")
    radius_m = check_distance(radius_m, name="radius")
    gate_site_max_m = check_distance(gate_site_max_m, name="gate-to-site limit")
    nearest_search_m = check_distance(nearest_search_m, name="nearest-road search distance")
    g = _prepare_gates(gates, enterprises)
    segments = road_segments(roads.geometry.values)
    pieces = clip_to_circles(g.lon, g.lat, segments, radius_m=radius_m)
    layer, layer_gate = _gate_road_layer(pieces, g, roads, enterprises)
    log.info(
        "%d gates, %d road segments: %d gate-road stretches within %.0f m",
        len(gates),
        len(segments),
        len(layer),
        radius_m,
    )

    n = len(gates)
    per_gate = cast(  # float64 with weights (numpy's stubs say intp whatever the weights)
        Array,
        np.bincount(pieces["gate"].to_numpy(), weights=pieces["length_m"].to_numpy(), minlength=n),
    )
    has_road = np.zeros(n, dtype=bool)
    has_road[pieces["gate"].to_numpy()] = True
    located = np.isfinite(g.lon) & np.isfinite(g.lat)

    buffers = _gate_buffers(
        g, enterprises, layer, layer_gate, per_gate, radius_m=radius_m, vertices=vertices
    )
    findings = _findings(
        g,
        enterprises,
        segments,
        has_road,
        located,
        radius_m=radius_m,
        gate_site_max_m=gate_site_max_m,
        nearest_search_m=nearest_search_m,
    )
    tasks = _sweep_tasks(g, enterprises, layer, layer_gate, pieces, per_gate, has_road)
    return SweepPlan(layer, buffers, tasks, findings)


def _gate_buffers(
    g: _Gates,
    enterprises: gpd.GeoDataFrame | None,
    layer: gpd.GeoDataFrame,
    layer_gate: NDArray[np.int64],
    per_gate: Array,
    *,
    radius_m: float,
    vertices: int,
) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "gate_id": g.gate_id,
            "gate_name": g.gate_name,
            "enterprise_id": g.enterprise_id,
            "enterprise_name": _enterprise_column(enterprises, "name", g.enterprise_pos),
            "radius_m": radius_m,
            "road_length_m": per_gate,
        }
    )
    frame["roads"] = _join_unique(layer_gate, _road_labels(layer), len(frame))
    circles = geodesic_circles(g.lon, g.lat, radius_m=radius_m, vertices=vertices)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(circles, crs=WGS84))


def _join_unique(codes: NDArray[np.int64], labels: ArrayLike, n: int) -> NDArray[np.object_]:
    """Per code 0..n-1, its labels joined with 、 (first-seen order, each once); None if none.

    Vectorised: duplicates dropped and rows ordered by pandas, strings concatenated by
    ``np.add.reduceat`` (no Python loop over groups).
    """
    out = np.full(n, None, dtype=object)
    frame = pd.DataFrame(
        {"code": np.asarray(codes, dtype=np.int64), "label": pd.Series(labels, dtype=object)}
    ).dropna()
    frame = frame.drop_duplicates().sort_values("code", kind="stable")
    if frame.empty:
        return out
    code = frame["code"].to_numpy()
    starts = np.r_[True, code[1:] != code[:-1]]
    label = frame["label"].astype(str)
    text = label.where(starts, "、" + label).to_numpy(dtype=object)  # 、 before all but the first
    first = np.flatnonzero(starts)
    out[code[first]] = np.add.reduceat(text, first)
    return out


def _road_labels(layer: pd.DataFrame) -> pd.Series:
    """Road names for lists; an unnamed road shows as 无名道路(id)."""
    names = layer["road_name"].astype(object)
    unnamed = names.isna()
    return names.where(~unnamed, _UNNAMED + "(" + layer["road_id"].astype(str) + ")")


def _site_distances(g: _Gates, enterprises: gpd.GeoDataFrame) -> Array:
    """Ground distance from each gate to its enterprise's site (point or footprint)."""
    out = np.full(len(g.lon), np.nan)
    sites = np.asarray(enterprises.geometry.array, dtype=object)
    known = (g.enterprise_pos >= 0) & np.isfinite(g.lon)
    if not known.any():
        return out
    idx = np.flatnonzero(known)
    site = sites[g.enterprise_pos[idx]]
    present = ~(shapely.is_missing(site) | shapely.is_empty(site))
    idx, site = idx[present], site[present]
    point = shapely.get_type_id(site) == 0
    if point.any():
        _, _, dist = GEOD.inv(
            g.lon[idx[point]],
            g.lat[idx[point]],
            shapely.get_x(site[point]),
            shapely.get_y(site[point]),
        )
        out[idx[point]] = dist
    if (~point).any():  # a footprint polygon: distance to it, 0 inside, in a local TM
        idx_p, site_p = idx[~point], site[~point]
        meridians = band_meridians(g.lon[idx_p])
        for meridian in np.unique(meridians):
            chosen = meridians == meridian
            crs = local_tm(float(meridian))
            gate_m = gpd.GeoSeries(g.geometry[idx_p[chosen]], crs=WGS84).to_crs(crs)
            site_m = gpd.GeoSeries(site_p[chosen], crs=WGS84).to_crs(crs)
            out[idx_p[chosen]] = shapely.distance(gate_m.to_numpy(), site_m.to_numpy())
    return out


_FINDING_ZH = {
    "no_location": "厂门无坐标",
    "no_road": "厂门{r:g}米范围内无道路",
    "unknown_enterprise": "厂门所属企业不在企业名录中",
}


def _findings(
    g: _Gates,
    enterprises: gpd.GeoDataFrame | None,
    segments: RoadSegments,
    has_road: NDArray[np.bool_],
    located: NDArray[np.bool_],
    *,
    radius_m: float,
    gate_site_max_m: float,
    nearest_search_m: float,
) -> gpd.GeoDataFrame:
    rows: list[pd.DataFrame] = []

    def add(mask: NDArray[np.bool_], code: str, distance: Array, text: pd.Series | str) -> None:
        """Findings ``code`` for the gates in ``mask``, said in Chinese by ``text``."""
        if mask.any():
            said = text[mask].to_numpy(dtype=object) if isinstance(text, pd.Series) else text
            rows.append(
                pd.DataFrame(
                    {
                        "gate": np.flatnonzero(mask),
                        "finding": code,
                        "finding_zh": said,
                        "distance_m": distance[mask],
                    }
                )
            )

    def metres(values: Array) -> pd.Series:
        return pd.Series(np.round(np.nan_to_num(values)).astype(np.int64)).astype(str)

    n = len(g.lon)
    nan = np.full(n, np.nan)
    add(~located, "no_location", nan, _FINDING_ZH["no_location"])
    lonely = located & ~has_road
    nearest = nan.copy()
    if lonely.any():
        nearest[lonely], _ = nearest_road_m(
            g.lon[lonely], g.lat[lonely], segments, search_m=nearest_search_m
        )
    no_road = _FINDING_ZH["no_road"].format(r=radius_m) + pd.Series(
        np.where(
            np.isfinite(nearest),
            "，最近道路" + metres(nearest) + "米",
            f"，{nearest_search_m:g}米内无道路",
        ),
        dtype=object,
    )
    add(lonely, "no_road", nearest, no_road)
    if enterprises is not None:
        add(g.enterprise_pos < 0, "unknown_enterprise", nan, _FINDING_ZH["unknown_enterprise"])
        site = _site_distances(g, enterprises)
        far = np.isfinite(site) & (site > gate_site_max_m)
        add(
            far,
            "far_from_site",
            site,
            "厂门距企业位置" + metres(site) + f"米，超过{gate_site_max_m:g}米，疑似坐标错误",
        )
    columns = {
        "gate_id": object,
        "gate_name": object,
        "enterprise_id": object,
        "enterprise_name": object,
        "county": object,
        "finding": object,
        "finding_zh": object,
        "distance_m": float,
    }
    if not rows:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=WGS84))
    found = pd.concat(rows, ignore_index=True).sort_values(["gate", "finding"], kind="stable")
    gate = found["gate"].to_numpy()
    frame = pd.DataFrame(
        {
            "gate_id": g.gate_id[gate],
            "gate_name": g.gate_name[gate],
            "enterprise_id": g.enterprise_id[gate],
            "enterprise_name": _enterprise_column(enterprises, "name", g.enterprise_pos[gate]),
            "county": _enterprise_column(enterprises, "county", g.enterprise_pos[gate]),
            "finding": found["finding"].to_numpy(),
            "finding_zh": found["finding_zh"].to_numpy(),
            "distance_m": found["distance_m"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(
        frame[list(columns)], geometry=gpd.GeoSeries(g.geometry[gate], crs=WGS84)
    )


def _sweep_tasks(
    g: _Gates,
    enterprises: gpd.GeoDataFrame | None,
    layer: gpd.GeoDataFrame,
    layer_gate: NDArray[np.int64],
    pieces: pd.DataFrame,
    per_gate: Array,
    has_road: NDArray[np.bool_],
) -> pd.DataFrame:
    keys = pd.Series(g.enterprise_id, dtype=object).fillna("(未注明企业)")
    codes, uniques = pd.factorize(keys, sort=False)
    codes = codes.astype(np.int64)
    n_ent = len(uniques)
    union = _union_lengths(pieces, codes, n_ent)
    gate_sum = np.bincount(codes, weights=per_gate, minlength=n_ent)
    frame = pd.DataFrame({"enterprise_id": np.asarray(uniques, dtype=object)})
    first_gate = (
        pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        if len(codes)
        else np.zeros(0, dtype=np.int64)
    )
    e_pos = g.enterprise_pos[first_gate] if len(first_gate) else np.zeros(0, dtype=np.int64)
    frame["enterprise_name"] = _enterprise_column(enterprises, "name", e_pos)
    frame["county"] = _enterprise_column(enterprises, "county", e_pos)
    frame["status"] = _enterprise_column(enterprises, "status", e_pos)
    frame["gates"] = _join_unique(codes, g.gate_id, n_ent)
    frame["n_gates"] = np.bincount(codes, minlength=n_ent)
    labels = _road_labels(layer).to_numpy(dtype=object)
    layer_code = codes[layer_gate]
    frame["roads"] = _join_unique(layer_code, labels, n_ent)
    frame["n_roads"] = (
        pd.Series(labels)
        .groupby(layer_code)
        .nunique()
        .reindex(range(n_ent), fill_value=0)
        .to_numpy(dtype=np.int64)
    )  # named roads, not features
    frame["length_m"] = union
    frame["gate_length_sum_m"] = gate_sum
    frame["gates_without_road"] = _join_unique(codes[~has_road], g.gate_id[~has_road], n_ent)
    if enterprises is not None and len(enterprises):
        frame = _add_gateless(frame, enterprises, set(uniques))
    return frame.sort_values(
        ["county", "enterprise_id"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _add_gateless(frame: pd.DataFrame, enterprises: gpd.GeoDataFrame, seen: set) -> pd.DataFrame:
    """Enterprises with no gate recorded get a row too, so that they are not forgotten."""
    ids = _text(enterprises.get("id"), len(enterprises))
    names = _text(enterprises.get("name"), len(enterprises))
    missing = np.flatnonzero(
        ~pd.Series(ids).isin(seen).to_numpy() & ~pd.Series(names).isin(seen).to_numpy()
    )
    if not len(missing):
        return frame
    extra = pd.DataFrame(
        {
            "enterprise_id": ids[missing],
            "enterprise_name": names[missing],
            "county": _text(enterprises.get("county"), len(enterprises))[missing],
            "status": _text(enterprises.get("status"), len(enterprises))[missing],
            "gates": None,
            "n_gates": 0,
            "roads": None,
            "n_roads": 0,
            "length_m": 0.0,
            "gate_length_sum_m": 0.0,
            "gates_without_road": "(未登记厂门)",
        }
    )
    return pd.concat([frame, extra], ignore_index=True)


# --- the workspace ------------------------------------------------------------------


def county_totals(sweep_tasks: pd.DataFrame) -> pd.DataFrame:
    """Metres to sweep per county, from ``sweep_tasks``.

    Returns
    -------
    DataFrame
        ``county`` (未注明 where unknown), ``enterprises`` (with at least one gate road),
        ``gates``, ``length_m``; largest first.
    """
    tasks = sweep_tasks.assign(county=sweep_tasks["county"].fillna("(未注明县区)"))
    out = tasks.groupby("county", sort=False).agg(
        enterprises=("length_m", lambda s: int((s > 0).sum())),
        gates=("n_gates", "sum"),
        length_m=("length_m", "sum"),
    )
    return out.sort_values("length_m", ascending=False).reset_index()
