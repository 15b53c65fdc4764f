"""Benchmark: a day's patrol plan on 5,000 sites, 10 teams and a 200,000-segment network.

geoair's way (risk scores, selection, scipy Dijkstra from each chosen site only,
regret insertion + local search + ruin-and-recreate, road geometry of every leg) is
timed against the obvious approach measured in the same run on the same data:
a networkx graph, one shortest path per pair of chosen sites
(``nx.shortest_path_length``; timed on a sample of pairs and extrapolated unless
``--full-baseline``), then the top-risk list cut into teams in rank order and each
team ordered by nearest neighbour. It also times the better-known networkx way, one
``single_source_dijkstra_path_length`` per chosen site, and compares the route
lengths of both plans on the same distance matrix.

Usage::

    python scripts/bench_patrol.py                # full size (about a minute)
    python scripts/bench_patrol.py --scale 0.05   # quick check
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy
import shapely

from geoair.patrol.plan import Start, plan_patrol, select_sites
from geoair.patrol.risk import default_patrol_settings, risk_scores, site_table
from geoair.patrol.road_graph import build_road_graph, road_distances
from geoair.patrol.routing import route_length

GK = pyproj.CRS.from_epsg(4547)  # CGCS2000 Gauss-Krüger, CM 114°E (Yangquan)
X0, Y0 = 420_000.0, 4_160_000.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_data(scale: float, seed: int = 20240305):
    """A jittered grid road network, sites scattered over it, cases and inspections."""
    rng = np.random.default_rng(seed)
    segments_wanted = int(200_000 * scale)
    side = int(np.ceil(np.sqrt(segments_wanted / 2))) + 1  # 2*side*(side-1) ≈ segments
    spacing = 250.0
    gx, gy = np.meshgrid(np.arange(side) * spacing, np.arange(side) * spacing)
    nodes = np.column_stack([gx.ravel() + X0, gy.ravel() + Y0])
    nodes += rng.uniform(-60, 60, nodes.shape)
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.vstack(
        [
            np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
            np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()]),
        ]
    )
    pairs = pairs[rng.permutation(len(pairs))[:segments_wanted]]
    lines = shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1))
    roads = gpd.GeoDataFrame({"road_class": ["县道"] * len(lines)}, geometry=lines, crs=GK).to_crs(
        4326
    )

    n_sites = int(5000 * max(scale, 0.02))
    extent = (side - 1) * spacing
    xy = np.column_stack(
        [rng.uniform(X0, X0 + extent, n_sites), rng.uniform(Y0, Y0 + extent, n_sites)]
    )
    points = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=GK).to_crs(4326)
    n_heaps = n_sites // 10
    enterprises = gpd.GeoDataFrame(
        {
            "id": [f"E{i:05d}" for i in range(n_sites - n_heaps)],
            "name": [f"企业{i:05d}" for i in range(n_sites - n_heaps)],
            "county": "测试县",
            "performance_grade": rng.choice(["A", "B", "C", "D"], n_sites - n_heaps),
            "status": rng.choice(
                ["正常生产", "依法停产", "自然停产"], n_sites - n_heaps, p=[0.85, 0.1, 0.05]
            ),
        },
        geometry=points.iloc[n_heaps:].to_numpy(),
        crs=4326,
    )
    heaps = gpd.GeoDataFrame(
        {
            "id": [f"H{i:04d}" for i in range(n_heaps)],
            "name": [f"矸石山{i:04d}" for i in range(n_heaps)],
            "county": "测试县",
            "treatment": rng.choice(["未治理", "治理中", "已治理"], n_heaps),
            "burning": pd.array(rng.random(n_heaps) < 0.1, dtype="boolean"),
        },
        geometry=points.iloc[:n_heaps].to_numpy(),
        crs=4326,
    )
    n_cases = n_sites // 2
    case_ent = rng.integers(0, len(enterprises), n_cases)
    cases = pd.DataFrame(
        {
            "inspection_date": pd.Timestamp("2024-03-05")
            - pd.to_timedelta(rng.integers(1, 400, n_cases), unit="D"),
            "enterprise_id": enterprises["id"].to_numpy()[case_ent],
            "enterprise_name": enterprises["name"].to_numpy()[case_ent],
            "problem": "问题",
            "rectified": pd.array(rng.random(n_cases) < 0.8, dtype="boolean"),
        }
    )
    n_ins = n_sites
    ins_ent = rng.integers(0, len(enterprises), n_ins)
    inspections = pd.DataFrame(
        {
            "inspection_date": pd.Timestamp("2024-03-05")
            - pd.to_timedelta(rng.integers(1, 60, n_ins), unit="D"),
            "enterprise_id": enterprises["id"].to_numpy()[ins_ent],
            "enterprise_name": enterprises["name"].to_numpy()[ins_ent],
            **{
                item: pd.array(rng.random(n_ins) < 0.8, dtype="boolean")
                for item in (
                    "yard_enclosed",
                    "roads_hardened",
                    "site_hardened",
                    "dust_measures_ok",
                    "vehicle_washing",
                    "unorganised_ok",
                )
            },
            "status": "正常生产",
        }
    )
    centre = (
        gpd.GeoSeries([shapely.Point(X0 + extent / 2, Y0 + extent / 2)], crs=GK)
        .to_crs(4326)
        .iloc[0]
    )
    start = Start("局", float(centre.x), float(centre.y))
    return roads, enterprises, heaps, cases, inspections, start, extent


def nearest_neighbour(dist: np.ndarray, stops: list[int]) -> list[int]:
    order, todo, here = [], list(stops), 0
    while todo:
        nxt = min(todo, key=lambda s: dist[here, s])
        order.append(nxt)
        todo.remove(nxt)
        here = nxt
    return order


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = 5,000 sites and 200,000 road segments"
    )
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--stops", type=int, default=8)
    parser.add_argument(
        "--pairs",
        type=int,
        default=60,
        help="networkx per-pair sample size (extrapolated to all pairs)",
    )
    parser.add_argument(
        "--full-baseline",
        action="store_true",
        help="run networkx on every pair instead of extrapolating",
    )
    args = parser.parse_args()

    t = time.perf_counter()
    roads, enterprises, heaps, cases, inspections, start, extent = build_data(args.scale)
    print(
        f"data: {len(roads):,} road segments over {extent / 1000:.0f} km x "
        f"{extent / 1000:.0f} km, {len(enterprises) + len(heaps):,} sites, "
        f"{len(cases):,} cases, {len(inspections):,} inspections "
        f"(built in {time.perf_counter() - t:.1f} s)"
    )
    print(
        f"machine: {platform.machine()}, {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, shapely {shapely.__version__}, geopandas "
        f"{gpd.__version__}, networkx {nx.__version__}; cores: 2 (shared)"
    )

    # --- geoair -------------------------------------------------------------------------
    cfg = default_patrol_settings()
    t0, c0 = time.perf_counter(), time.process_time()
    sites = site_table(enterprises, heaps)
    risk = risk_scores(
        sites, as_of="2024-03-05", cases=cases, inspections=inspections, settings=cfg
    )
    t_risk = time.perf_counter() - t0
    cpu_risk = time.process_time() - c0
    t1 = time.perf_counter()
    plan = plan_patrol(
        risk,
        date="2024-03-05",
        teams=args.teams,
        stops=args.stops,
        start=start,
        roads=roads,
        settings=cfg,
    )
    t_plan = time.perf_counter() - t1
    t_geoair = time.perf_counter() - t0
    cpu_geoair = time.process_time() - c0
    rss_geoair = _rss_mb()
    print(
        f"geoair: risk {t_risk:.2f} s + plan {t_plan:.2f} s = {t_geoair:.2f} s wall "
        f"({cpu_geoair:.2f} s CPU); {len(plan.stops)} stops, {plan.total_m / 1000:.1f} km; "
        f"peak RSS {rss_geoair:.0f} MB"
    )

    # --- the same distances for comparing route quality ------------------------------------
    selected, _ = select_sites(
        risk,
        places=args.teams * args.stops,
        coverage_days=int(cfg["coverage_days"]),
        coverage_share_max=float(cfg["coverage_share_max"]),
    )
    lons = np.r_[start.lon, selected.geometry.x.to_numpy()]
    lats = np.r_[start.lat, selected.geometry.y.to_numpy()]
    pts = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=4326).to_crs(GK)
    xy = shapely.get_coordinates(pts.to_numpy())
    graph = build_road_graph(roads, crs=GK)
    dist, nodes, access = road_distances(graph, xy)

    # --- the obvious approach ---------------------------------------------------------------
    t2, c2 = time.perf_counter(), time.process_time()
    metric = roads.to_crs(GK)
    coords = shapely.get_coordinates(metric.geometry.to_numpy()).reshape(-1, 2, 2)
    g = nx.Graph()
    for (ax, ay), (bx, by) in coords:
        a, b = (round(ax, 1), round(ay, 1)), (round(bx, 1), round(by, 1))
        g.add_edge(a, b, weight=float(np.hypot(bx - ax, by - ay)))
    keys = list(g.nodes)
    node_xy = np.array(keys)
    snapped = [keys[int(np.argmin(np.hypot(*(node_xy - p).T)))] for p in xy]
    t_build = time.perf_counter() - t2
    cpu_build = time.process_time() - c2
    n = len(xy)
    all_pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rng = np.random.default_rng(1)
    sample = (
        all_pairs
        if args.full_baseline or len(all_pairs) <= args.pairs
        else [all_pairs[k] for k in rng.choice(len(all_pairs), args.pairs, replace=False)]
    )
    t3 = time.perf_counter()
    for i, j in sample:
        nx.shortest_path_length(g, snapped[i], snapped[j], weight="weight")
    t_pairs = (time.perf_counter() - t3) * len(all_pairs) / len(sample)
    extrapolated = (
        ""
        if len(sample) == len(all_pairs)
        else (f" (extrapolated from {len(sample)} of {len(all_pairs)} pairs)")
    )
    t4, c4 = time.perf_counter(), time.process_time()
    for i in range(n):
        nx.single_source_dijkstra_path_length(g, snapped[i], weight="weight")
    t_sources = time.perf_counter() - t4
    cpu_sources = time.process_time() - c4
    base_routes = [
        nearest_neighbour(
            dist, list(range(1 + k * args.stops, 1 + min(n - 1, (k + 1) * args.stops)))
        )
        for k in range(args.teams)
    ]
    base_km = sum(route_length(dist, r) for r in base_routes) / 1000
    baseline_pairs = t_risk + t_build + t_pairs
    baseline_sources = t_risk + t_build + t_sources
    print(
        f"obvious: networkx graph + snapping {t_build:.2f} s; one shortest path per pair "
        f"{t_pairs:.1f} s{extrapolated}; one Dijkstra per site {t_sources:.1f} s; "
        f"rank-order teams + nearest neighbour: {base_km:.1f} km"
    )
    print(
        f"ratio (networkx per pair / geoair): {baseline_pairs / t_geoair:.1f}x; "
        f"(networkx per site / geoair): {baseline_sources / t_geoair:.1f}x"
    )
    cpu_base = cpu_risk + cpu_build + cpu_sources
    print(
        f"CPU time (less sensitive to other jobs on the machine): risk + networkx one "
        f"Dijkstra per site {cpu_base:.1f} s vs geoair {cpu_geoair:.2f} s "
        f"({cpu_base / cpu_geoair:.1f}x)"
    )
    print(
        f"route length: geoair {plan.total_m / 1000:.1f} km vs nearest neighbour "
        f"{base_km:.1f} km ({100 * (1 - plan.total_m / 1000 / base_km):.0f}% shorter)"
    )
    print(f"peak RSS of the whole run: {_rss_mb():.0f} MB (geoair part: {rss_geoair:.0f} MB)")
    ok = t_geoair < 60
    print(f"target: plan in under 60 s -> {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
