"""A day's patrol plan: which sites, which team, in what order, from and back to the start.

Selection (:func:`select_sites`)
    The day has ``teams x stops`` places. Sites overdue under the coverage rule (not
    visited for ``coverage_days`` or more, or never) are forced in first, most overdue
    first, up to ``coverage_share_max`` of the places; the rest go to the highest
    risk scores. No site is chosen twice.

Routes (:func:`plan_patrol`)
    Distances in metres along the workspace's roads when it has them (shortest paths,
    see :mod:`geoair.patrol.routing`), else in a straight line, both in the
    Gauss-Krüger zone of the data. The chosen sites are split among the teams and
    each team's round trip from the start is ordered by
    :func:`geoair.patrol.routing.solve_routes`.

The start is a named place (``[patrol]`` start or ``[patrol.places]`` in
``geoair.toml``, or any enterprise, station, park or heap of the workspace) or
``lon,lat``; one outside the county planned for is refused.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.errors import PlanError, SchemaError
from geoair.io.crs import WGS84, in_china, metric_crs
from geoair.messages import t
from geoair.patrol.risk import KIND_ZH
from geoair.patrol.road_graph import build_road_graph, road_distances, straight_distances
from geoair.patrol.routing import route_length, solve_routes
from geoair.store.settings import DEFAULT_SETTINGS, PatrolSettings

__all__ = [
    "PatrolPlan",
    "Start",
    "assign_counties",
    "check_start",
    "plan_patrol",
    "resolve_start",
    "select_sites",
]


log = logging.getLogger(__name__)


@dataclass
class Start:
    """The place every team leaves from and returns to (WGS-84 degrees)."""

    name: str
    lon: float
    lat: float


@dataclass
class PatrolPlan:
    """A day's plan.

    Attributes
    ----------
    date : Timestamp
    start : Start
    mode : str
        ``"road"`` (shortest paths on the road network) or ``"straight"``.
    stops : GeoDataFrame
        The ``patrol_stops`` layer: one point per stop with ``team``, ``stop``
        (order), the site, ``why`` (risk rank or coverage rule), ``reasons``,
        ``leg_m`` and ``distance_so_far_m``.
    routes : GeoDataFrame
        The ``patrol_routes`` layer: one line per team, start to start, ``length_m``.
    backlog : int
        Overdue sites that did not fit the day.
    """

    date: pd.Timestamp
    start: Start
    mode: str
    stops: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    backlog: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_m(self) -> float:
        return float(self.routes["length_m"].sum()) if len(self.routes) else 0.0


# --- the start ----------------------------------------------------------------------


def _parse_lonlat(text: str) -> tuple[float, float] | None:
    parts = text.replace("，", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return lon, lat


def resolve_start(
    start: str | None,
    *,
    settings: PatrolSettings | None = None,
    layers: Mapping[str, gpd.GeoDataFrame | None] | None = None,
) -> Start:
    """Turn ``--start`` into a named point.

    Parameters
    ----------
    start : str or None
        A name, or ``"lon,lat"`` in WGS-84 degrees; None means the configured start.
    settings : PatrolSettings, optional
        The ``[patrol]`` settings (default: the built-in ones).
    layers : mapping of name to GeoDataFrame, optional
        Workspace layers whose features can be named (enterprises, stations, ...).

    Raises
    ------
    PlanError
        The name is unknown or ambiguous, or the coordinates are not in China.
    """
    cfg = settings or DEFAULT_SETTINGS.patrol
    if start is None or not start.strip():
        found = Start(cfg.start_name, cfg.start_lon, cfg.start_lat)
    else:
        start = start.strip()
        lonlat = _parse_lonlat(start)
        if lonlat is not None:
            found = Start(f"{lonlat[0]:.5f},{lonlat[1]:.5f}", *lonlat)
        elif start == cfg.start_name:
            found = Start(start, cfg.start_lon, cfg.start_lat)
        elif start in cfg.places:
            value = cfg.places[start]
            if not (isinstance(value, list | tuple) and len(value) == 2):
                raise PlanError(t("error.patrol.place_value", name=start, value=value))
            found = Start(start, float(value[0]), float(value[1]))
        else:
            found = _find_in_layers(start, layers or {}, cfg)
    if not bool(in_china([found.lon], [found.lat])[0]):
        raise PlanError(
            t("error.patrol.start_not_in_china", name=found.name, lon=found.lon, lat=found.lat)
        )
    return found


def _find_in_layers(
    name: str, layers: Mapping[str, gpd.GeoDataFrame | None], cfg: PatrolSettings
) -> Start:
    exact: list[tuple] = []  # (layer, name, point)
    partial: list[tuple] = []
    for layer_name, layer in layers.items():
        if layer is None or len(layer) == 0 or "name" not in layer.columns:
            continue
        names = layer["name"].astype(str)
        for mask, bucket in (
            (names == name, exact),
            (names.str.contains(name, regex=False), partial),
        ):
            for idx in np.flatnonzero(mask.to_numpy()):
                geom = layer.geometry.iloc[idx]
                if geom is None or geom.is_empty:
                    continue
                point = geom if geom.geom_type == "Point" else geom.representative_point()
                bucket.append((layer_name, names.iloc[idx], point))
    for bucket in (exact, partial):
        if len(bucket) == 1:
            _, found_name, point = bucket[0]
            return Start(found_name, float(point.x), float(point.y))
        if len(bucket) > 1:
            listed = "、".join(f"{n} ({layer})" for layer, n, _ in bucket[:8])
            raise PlanError(t("error.patrol.start_ambiguous", name=name, listed=listed))
    known = [cfg.start_name, *cfg.places]
    raise PlanError(
        t("error.patrol.start_unknown", name=name, known=t("word.list_sep").join(known))
    )


def check_start(
    start: Start,
    *,
    sites: gpd.GeoDataFrame,
    counties: gpd.GeoDataFrame | None = None,
    county: str | None = None,
    start_max_m: float = 50_000.0,
) -> None:
    """Refuse a start outside the county planned for (or far from every site).

    Raises
    ------
    PlanError
        With the reason and what to give instead.
    """
    point = shapely.Point(start.lon, start.lat)
    if counties is not None and len(counties) and "name" in counties.columns:
        if county is not None:
            area = counties[counties["name"].astype(str) == county]
            where = county
        else:
            area, where = counties, t("error.patrol.all_counties")
        if len(area) and not bool(area.geometry.to_crs(WGS84).intersects(point).any()):
            raise PlanError(
                t(
                    "error.patrol.start_outside",
                    name=start.name,
                    lon=start.lon,
                    lat=start.lat,
                    where=where,
                )
            )
        if len(area):
            return
    if len(sites) == 0:
        return
    crs = metric_crs([start.lon, *sites.geometry.x])
    xy = sites.geometry.to_crs(crs)
    here = gpd.GeoSeries([point], crs=WGS84).to_crs(crs).iloc[0]
    nearest = float(xy.distance(here).min())
    if nearest > start_max_m:
        raise PlanError(
            t(
                "error.patrol.start_far",
                name=start.name,
                lon=start.lon,
                lat=start.lat,
                km=nearest / 1000,
                limit=start_max_m,
            )
        )


# --- selection ----------------------------------------------------------------------


def assign_counties(sites: gpd.GeoDataFrame, counties: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Fill missing ``county`` values from the county polygon each site lies in."""
    if counties is None or len(counties) == 0 or "name" not in counties.columns:
        return sites
    missing = sites["county"].isna() | (sites["county"].astype(str).str.strip() == "")
    if not missing.any():
        return sites
    out = sites.copy()
    polys = counties.to_crs(WGS84)
    tree = shapely.STRtree(polys.geometry.to_numpy())
    points = cast(gpd.GeoSeries, out.geometry[missing])  # pandas-stubs: a Series
    pts, polys_idx = tree.query(points.to_numpy(), predicate="within")
    rows = np.flatnonzero(missing.to_numpy())[pts]
    values = out["county"].astype(object).to_numpy().copy()
    values[rows] = polys["name"].astype(str).to_numpy()[polys_idx]
    out["county"] = values
    return out


def select_sites(
    risk: pd.DataFrame, *, places: int, coverage_days: int, coverage_share_max: float = 0.5
) -> tuple[pd.DataFrame, int]:
    """Pick the day's sites: overdue ones forced in (up to a share), then by risk.

    Parameters
    ----------
    risk : DataFrame
        From :func:`geoair.patrol.risk.risk_scores` (``score``, ``rank``,
        ``days_since_visit``; NA days = never visited).
    places : int
        Teams x stops.
    coverage_days : int
        A site not visited for this many days (or never) is overdue.
    coverage_share_max : float
        At most ``ceil(share x places)`` places go to forced sites.

    Returns
    -------
    selected : DataFrame
        Rows of ``risk`` with ``forced`` (bool) and ``why`` (text), in priority order.
    backlog : int
        Overdue sites left for another day.
    """
    if places < 1:
        raise PlanError(t("error.patrol.no_places"))
    days = risk["days_since_visit"].astype("Float64")
    overdue = (days.isna() | (days >= coverage_days)).to_numpy(dtype=bool)
    quota = min(int(overdue.sum()), math.ceil(max(0.0, coverage_share_max) * places), places)
    ranked = risk.assign(_days=days.fillna(np.inf).astype(float), _pos=np.arange(len(risk)))
    forced_pos = (
        ranked[overdue]
        .sort_values(["_days", "score", "_pos"], ascending=[False, False, True])["_pos"]
        .to_numpy()[:quota]
    )
    chosen = list(forced_pos)
    taken = set(chosen)
    by_risk = ranked.sort_values(["score", "_pos"], ascending=[False, True])["_pos"].to_numpy()
    for pos in by_risk:
        if len(chosen) >= places:
            break
        if pos not in taken:
            chosen.append(pos)
            taken.add(pos)
    selected = risk.iloc[chosen].copy()
    forced = np.zeros(len(selected), dtype=bool)
    forced[: len(forced_pos)] = True
    selected["forced"] = forced
    never = selected["days_since_visit"].isna().to_numpy()
    selected["why"] = [
        (
            (
                t("patrol.why_never", days=coverage_days)
                if nv
                else t("patrol.why_overdue", since=int(d), days=coverage_days)
            )
            if f
            else t("patrol.why_rank", rank=int(r))
        )
        for f, nv, d, r in zip(
            forced, never, selected["days_since_visit"].fillna(-1), selected["rank"], strict=True
        )
    ]
    backlog = int(overdue.sum()) - int(overdue[chosen].sum()) if len(chosen) else int(overdue.sum())
    return selected.reset_index(drop=True), backlog


# --- the plan -----------------------------------------------------------------------


def _as_line(coords: np.ndarray) -> shapely.LineString:
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(np.diff(coords, axis=0) != 0, axis=1)
    coords = coords[keep]
    if len(coords) < 2:
        coords = np.vstack([coords, coords])
    return shapely.LineString(coords)


def plan_patrol(
    risk: gpd.GeoDataFrame,
    *,
    date: str | pd.Timestamp,
    teams: int,
    stops: int,
    start: Start,
    roads: gpd.GeoDataFrame | None = None,
    counties: gpd.GeoDataFrame | None = None,
    county: str | None = None,
    settings: PatrolSettings | None = None,
    max_route_km: float | None = None,
    lns_rounds: int = 150,
) -> PatrolPlan:
    """Plan a day: pick sites, split them among teams, order each round trip.

    Parameters
    ----------
    risk : GeoDataFrame
        Risk scores (:func:`geoair.patrol.risk.risk_scores`) with point geometry.
    date : str or Timestamp
        The day planned.
    teams, stops : int
        Number of teams and most stops per team.
    start : Start
        From :func:`resolve_start`.
    roads : GeoDataFrame, optional
        Road lines; without them distances are straight lines.
    counties : GeoDataFrame, optional
        County polygons, to check the start and to fill missing site counties.
    county : str, optional
        Plan only this county's sites.
    settings : PatrolSettings, optional
        The ``[patrol]`` settings (default: the built-in ones).
    max_route_km : float, optional
        Longest round trip wanted for one team, km (default: ``[patrol]``
        ``max_route_km``; 0 = no limit). A soft limit: teams are balanced to stay under
        it, and a note names any team that could not.
    lns_rounds : int
        Improvement rounds of :func:`geoair.patrol.routing.solve_routes`.

    Returns
    -------
    PatrolPlan

    Raises
    ------
    PlanError
        Bad teams/stops, an unknown county, no site to visit, a start outside the area.
    """
    cfg = settings or DEFAULT_SETTINGS.patrol
    if teams < 1 or stops < 1:
        raise PlanError(t("error.patrol.teams_stops", teams=teams, stops=stops))
    date = pd.Timestamp(date).normalize()
    sites = assign_counties(risk, counties)
    if county is not None:
        known = sorted(set(sites["county"].dropna().astype(str)))
        if counties is not None and "name" in counties.columns:
            known = sorted(set(known) | set(counties["name"].astype(str)))
        if county not in known:
            raise PlanError(
                t(
                    "error.patrol.unknown_county",
                    county=county,
                    known=t("word.list_sep").join(known) or t("error.patrol.no_counties"),
                )
            )
        sites = sites[sites["county"].astype(str) == county]
        if len(sites) == 0:
            raise PlanError(t("error.patrol.empty_county", county=county))
    check_start(
        start,
        sites=sites,
        counties=counties,
        county=county,
        start_max_m=cfg.start_max_m,
    )
    selected, backlog = select_sites(
        sites,
        places=teams * stops,
        coverage_days=cfg.coverage_days,
        coverage_share_max=cfg.coverage_share_max,
    )
    if len(selected) == 0:
        raise SchemaError(t("error.patrol.no_sites"))
    if backlog:
        log.info(
            "%d overdue sites did not fit today's plan; they come first on the next days", backlog
        )
    lons = np.r_[start.lon, selected.geometry.x.to_numpy()]
    lats = np.r_[start.lat, selected.geometry.y.to_numpy()]
    crs = metric_crs(lons)
    points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=WGS84).to_crs(crs)
    xy = shapely.get_coordinates(points.to_numpy())
    notes: list[str] = []
    graph = None
    if roads is not None and len(roads):
        graph = build_road_graph(
            roads,
            crs=crs,
            snap_ends_m=cfg.road_snap_ends_m,
            node_crossings=cfg.road_node_crossings,
        )
        dist, nodes, access = road_distances(graph, xy)
        far = access > cfg.snap_warn_m
        if far.any():
            names = [start.name, *selected["name"].astype(str)]
            far_sites = t("word.list_sep").join(
                t("patrol.far_site", name=names[i], metres=access[i]) for i in np.flatnonzero(far)
            )
            notes.append(t("patrol.far_from_road", sites=far_sites))
            log.info(notes[-1])  # the note is shown with the plan
        mode = "road"
    else:
        dist = straight_distances(xy)
        mode = "straight"
    limit_km = cfg.max_route_km if max_route_km is None else float(max_route_km)
    order = solve_routes(
        dist,
        n_teams=teams,
        max_stops=stops,
        depot=0,
        sites=list(range(1, len(xy))),
        lns_rounds=lns_rounds,
        max_route_m=limit_km * 1000 if limit_km > 0 else None,
    )
    if limit_km > 0:
        over = [
            (team, route_length(dist, r, 0) / 1000)
            for team, r in enumerate(order, start=1)
            if route_length(dist, r, 0) > limit_km * 1000 + 1e-6
        ]
        if over:
            teams_over = t("word.list_sep").join(
                t("patrol.team_km", team=team, km=km) for team, km in over
            )
            notes.append(t("patrol.over_limit_note", limit=limit_km, teams=teams_over))
            log.info(notes[-1])  # the note is shown with the plan
    stop_rows: list[dict[str, Any]] = []
    route_rows: list[dict[str, Any]] = []
    for team, route in enumerate(order, start=1):
        if not route:
            continue
        seq = [0, *route, 0]
        legs = [float(dist[seq[k], seq[k + 1]]) for k in range(len(seq) - 1)]
        so_far = np.cumsum(legs)
        for k, row_index in enumerate(route):
            row = selected.iloc[row_index - 1]
            stop_rows.append(
                {
                    "date": date.strftime("%Y-%m-%d"),
                    "team": team,
                    "stop": k + 1,
                    "site_key": row["site_key"],
                    "site_kind": row["site_kind"],
                    "kind_zh": KIND_ZH.get(row["site_kind"], row["site_kind"]),
                    "site_id": row["site_id"],
                    "name": row["name"],
                    "county": row["county"],
                    "score": float(row["score"]),
                    "rank": int(row["rank"]),
                    "forced": bool(row["forced"]),
                    "why": row["why"],
                    "reasons": row["reasons"],
                    "leg_m": round(legs[k], 1),
                    "distance_so_far_m": round(float(so_far[k]), 1),
                    "lon": float(lons[row_index]),
                    "lat": float(lats[row_index]),
                    "geometry": shapely.Point(lons[row_index], lats[row_index]),
                }
            )
        if graph is not None:
            pieces = []
            for a, b in zip(seq[:-1], seq[1:], strict=True):
                net = dist[a, b] - access[a] - access[b]
                path = graph.path(int(nodes[a]), int(nodes[b]), length_m=max(net, 0.0))
                pieces.append(np.vstack([xy[a], path, xy[b]]))
            line = _as_line(np.vstack(pieces))
        else:
            line = _as_line(xy[seq])
        route_rows.append(
            {
                "date": date.strftime("%Y-%m-%d"),
                "team": team,
                "stops": len(route),
                "length_m": round(route_length(dist, route, 0), 1),
                "return_leg_m": round(legs[-1], 1),
                "limit_km": limit_km if limit_km > 0 else np.nan,
                "over_limit": bool(
                    limit_km > 0 and route_length(dist, route, 0) > limit_km * 1000 + 1e-6
                ),
                "mode": mode,
                "start": start.name,
                "sites": "→".join(str(selected.iloc[i - 1]["name"]) for i in route),
                "geometry": line,
            }
        )
    stops_frame = (
        gpd.GeoDataFrame(pd.DataFrame(stop_rows), geometry="geometry", crs=WGS84)
        if (stop_rows)
        else gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=WGS84)
    )
    if route_rows:
        lines = gpd.GeoSeries([r.pop("geometry") for r in route_rows], crs=crs).to_crs(WGS84)
        routes_frame = gpd.GeoDataFrame(
            pd.DataFrame(route_rows), geometry=lines.to_numpy(), crs=WGS84
        )
    else:
        routes_frame = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=WGS84)
    log.info(
        "patrol plan %s: %d stops, %d teams, %.1f km (%s)",
        date.date(),
        len(stop_rows),
        len(route_rows),
        routes_frame["length_m"].sum() / 1000 if route_rows else 0,
        mode,
    )
    return PatrolPlan(
        date=date,
        start=start,
        mode=mode,
        stops=stops_frame,
        routes=routes_frame,
        backlog=backlog,
        notes=notes,
    )
