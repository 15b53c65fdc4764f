"""Benchmark: gate roads for a province (100,000 gates, 1,000,000 road segments over Shanxi).

Builds a seeded synthetic case over Shanxi's extent (110.2-114.6°E, 34.6-40.7°N):
roads are random-walk polylines of 10 segments of 30-300 m each, gates sit mostly
near roads (as factory gates do) and some in the open. It then times, on the same
data in the same run:

- geoair: :func:`geoair.roads.gate_roads.gate_roads` (STRtree candidates, exact clipping to
  the true circle, solved in earth-centred coordinates, merged lines per gate
  and road, lengths);
- for information, :func:`geoair.roads.gate_roads.plan_sweeping` (everything the command
  computes: also circles, sweep tasks, findings);
- the obvious geopandas approach: reproject to the Gauss-Krüger zone of the data's
  middle, ``buffer(radius)`` the gates, ``geopandas.overlay`` with the roads, take
  ``.length``. If ``--baseline-fraction`` is below 1, it runs on that random share
  of the gates (with all roads) and its time is extrapolated linearly; the output
  says so.

Each run is a forked child process, so the peak memory printed (maximum resident
set size, which includes the input data) is its own. The machine is shared: each
approach runs ``--repeat`` times, alternating, and the best time of each is kept.

Usage::

    python scripts/bench_gate_roads.py                 # full size
    python scripts/bench_gate_roads.py --scale 0.05    # quick
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geoair.io.crs import metric_crs_for
from geoair.roads.buffers import GEOD
from geoair.roads.gate_roads import gate_roads, plan_sweeping

WEST, EAST, SOUTH, NORTH = 110.2, 114.6, 34.6, 40.7
SEGMENTS_PER_ROAD = 10


def build(n_gates: int, n_segments: int, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Seeded gates and roads over Shanxi's extent (WGS-84)."""
    rng = np.random.default_rng(seed)
    n_roads = n_segments // SEGMENTS_PER_ROAD
    k = SEGMENTS_PER_ROAD + 1
    start_lon = rng.uniform(WEST, EAST, n_roads)
    start_lat = rng.uniform(SOUTH, NORTH, n_roads)
    heading = rng.uniform(0, 360, n_roads)[:, None] + np.cumsum(
        rng.normal(0, 20, (n_roads, k - 1)), axis=1
    )
    step = rng.uniform(30, 300, (n_roads, k - 1))
    lon = np.empty((n_roads, k))
    lat = np.empty((n_roads, k))
    lon[:, 0], lat[:, 0] = start_lon, start_lat
    for j in range(1, k):  # 10 vectorised steps along every road at once
        lon[:, j], lat[:, j], _ = GEOD.fwd(
            lon[:, j - 1], lat[:, j - 1], heading[:, j - 1], step[:, j - 1]
        )
    roads = gpd.GeoDataFrame(
        {
            "id": [f"R{i}" for i in range(n_roads)],
            "name": [f"路{i % 5000}" for i in range(n_roads)],
            "road_class": rng.choice(["primary", "secondary", "tertiary", "residential"], n_roads),
        },
        geometry=shapely.linestrings(np.stack([lon, lat], axis=-1)),
        crs="EPSG:4326",
    )
    # 80 % of gates within 0-150 m of a random road vertex, 20 % anywhere
    near = int(n_gates * 0.8)
    pick = rng.integers(0, n_roads, near), rng.integers(0, k, near)
    g_lon, g_lat, _ = GEOD.fwd(
        lon[pick], lat[pick], rng.uniform(0, 360, near), rng.uniform(0, 150, near)
    )
    g_lon = np.r_[g_lon, rng.uniform(WEST, EAST, n_gates - near)]
    g_lat = np.r_[g_lat, rng.uniform(SOUTH, NORTH, n_gates - near)]
    gates = gpd.GeoDataFrame(
        {
            "id": [f"G{i}" for i in range(n_gates)],
            "enterprise_id": [f"E{i // 2}" for i in range(n_gates)],
        },
        geometry=shapely.points(g_lon, g_lat),
        crs="EPSG:4326",
    )
    return gates, roads


def run_geoair(gates, roads, radius_m):
    result = gate_roads(gates, roads, radius_m=radius_m)
    return result[["gate_id", "road_id", "length_m"]]


def run_plan(gates, roads, radius_m):
    plan = plan_sweeping(gates, roads, radius_m=radius_m)
    return plan.sweep_tasks


def run_obvious(gates, roads, radius_m):
    crs = metric_crs_for(gates)
    circles = gates[["id", "geometry"]].rename(columns={"id": "gate_id"}).to_crs(crs)
    circles["geometry"] = circles.buffer(radius_m)
    lines = roads[["id", "geometry"]].rename(columns={"id": "road_id"}).to_crs(crs)
    clipped = gpd.overlay(lines, circles, how="intersection", keep_geom_type=True)
    clipped["length_m"] = clipped.length
    return clipped.groupby(["gate_id", "road_id"], as_index=False)["length_m"].sum()


def _child(name, func, gates, roads, radius_m, conn):
    try:
        start, cpu = time.perf_counter(), time.process_time()
        table = func(gates, roads, radius_m)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send((seconds, cpu, peak_mb, table))
    except BaseException as exc:
        conn.send(exc)
        raise
    finally:
        conn.close()


def timed(name, func, gates, roads, radius_m, *, rows="gate-road rows"):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(name, func, gates, roads, radius_m, child))
    proc.start()
    child.close()
    answer = parent.recv()
    proc.join()
    if isinstance(answer, BaseException):
        raise SystemExit(f"{name} failed: {answer!r}")
    seconds, cpu, peak_mb, table = answer
    print(
        f"{name:>9}: {seconds:8.2f} s wall, {cpu:8.2f} s CPU   peak memory {peak_mb:7.0f} MB"
        f"   {len(table):,} {rows}",
        flush=True,
    )
    return seconds, cpu, peak_mb, table


def exactness(radius_m, *, seed):
    """Analytical check: meridian roads (exact geodesics) at known distances from gates."""
    rng = np.random.default_rng(seed + 1)
    n = 2000
    lon = rng.uniform(WEST, EAST, n)
    lat = rng.uniform(SOUTH, NORTH, n)
    side = rng.choice([-1.0, 1.0], n)
    foot_lon, _, _ = GEOD.fwd(lon, lat, 90.0 * side, rng.uniform(0, 0.95 * radius_m, n))
    # the exact distance from the gate to the meridian: minimise over the latitude
    lo, hi = lat - 1e-4, lat + 1e-4
    for _ in range(100):
        a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        da = GEOD.inv(lon, lat, foot_lon, a)[2]
        db = GEOD.inv(lon, lat, foot_lon, b)[2]
        lo, hi = np.where(da < db, lo, a), np.where(da < db, b, hi)
    d = GEOD.inv(lon, lat, foot_lon, (lo + hi) / 2)[2]
    lines = shapely.linestrings(
        np.stack([np.c_[foot_lon, foot_lon], np.c_[lat - 0.01, lat + 0.01]], axis=-1)
    )
    ids = [str(i) for i in range(n)]
    test_gates = gpd.GeoDataFrame({"id": ids}, geometry=shapely.points(lon, lat), crs="EPSG:4326")
    test_roads = gpd.GeoDataFrame({"id": ids}, geometry=lines, crs="EPSG:4326")
    got = gate_roads(test_gates, test_roads, radius_m=radius_m)
    got = got[got.gate_id == got.road_id]
    expected = 2 * np.sqrt(radius_m**2 - d[got.gate_id.astype(int)] ** 2)
    return float(np.max(np.abs(got.length_m.to_numpy() - expected) / expected)), len(got)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of 100,000 gates and 1,000,000 segments (default 1)",
    )
    parser.add_argument("--radius", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--baseline-fraction",
        type=float,
        default=1.0,
        help="run the geopandas approach on this share of the gates and "
        "extrapolate linearly (default 1: all of them)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each approach, alternating; the best is kept (default 3)",
    )
    parser.add_argument(
        "--skip-plan", action="store_true", help="do not time the whole sweeping plan"
    )
    args = parser.parse_args(argv)
    n_gates = int(round(100_000 * args.scale))
    n_segments = int(round(1_000_000 * args.scale))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; numpy {np.__version__}, shapely "
        f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas "
        f"{gpd.__version__}, pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str}), "
        f"pandas {pd.__version__}, pyogrio {pyogrio.__version__}"
    )
    print(
        f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')} "
        "(GEOS and the geodesic code are single-threaded)"
    )
    t = time.perf_counter()
    gates, roads = build(n_gates, n_segments, args.seed)
    print(
        f"data: {len(gates):,} gates, {len(roads):,} roads = "
        f"{len(roads) * SEGMENTS_PER_ROAD:,} segments, radius {args.radius:g} m "
        f"(built in {time.perf_counter() - t:.1f} s, seed {args.seed})",
        flush=True,
    )

    fraction = min(args.baseline_fraction, 1.0)
    sample = gates if fraction >= 1 else gates.sample(frac=fraction, random_state=args.seed)
    runs = {"geoair": [], "geopandas": []}
    for rep in range(args.repeat):  # alternate the order, so neither always runs first
        order = ("geoair", "geopandas") if rep % 2 == 0 else ("geopandas", "geoair")
        for name in order:
            if name == "geoair":
                runs[name].append(timed("geoair", run_geoair, gates, roads, args.radius))
            else:
                runs[name].append(timed("geopandas", run_obvious, sample, roads, args.radius))
    g_seconds, g_cpu = (min(r[i] for r in runs["geoair"]) for i in (0, 1))
    g_peak, g_table = max(r[2] for r in runs["geoair"]), runs["geoair"][-1][3]
    o_seconds, o_cpu = (min(r[i] for r in runs["geopandas"]) / fraction for i in (0, 1))
    o_table = runs["geopandas"][-1][3]
    if fraction < 1:
        print(
            f"geopandas ran on {len(sample):,} gates ({fraction:.0%}); linear extrapolation "
            f"to all gates: {o_seconds:.2f} s wall, {o_cpu:.2f} s CPU"
        )
    print(
        f"best of {args.repeat}: geoair {g_seconds:.2f} s wall, {g_cpu:.2f} s CPU, peak "
        f"{g_peak:.0f} MB; geopandas {o_seconds:.2f} s wall, {o_cpu:.2f} s CPU"
    )
    print(
        f"ratio: geopandas / geoair = {o_seconds / g_seconds:.1f}x wall, "
        f"{o_cpu / g_cpu:.1f}x CPU (the machine is shared: CPU time is the steadier figure)"
    )
    if not args.skip_plan:
        print(
            "for information, the whole plan (gate roads, 72-vertex circles, sweep tasks with "
            "shared stretches once, findings with nearest-road distances):"
        )
        timed("plan", run_plan, gates, roads, args.radius, rows="sweep tasks")

    both = g_table.merge(o_table, on=["gate_id", "road_id"], suffixes=("", "_gpd"))
    rel = (both.length_m_gpd - both.length_m) / both.length_m
    print(
        f"agreement on {len(both):,} common rows: median relative difference of the "
        f"geopandas lengths {rel.median():+.2e}, 1st-99th percentile {rel.quantile(0.01):+.2e}"
        f" .. {rel.quantile(0.99):+.2e} (its 64-gon and the zone's scale error)"
    )
    worst, count = exactness(args.radius, seed=args.seed)
    print(
        f"exactness: {count} straight roads at random distances 0-95 m from random gates "
        f"over Shanxi: worst relative error vs 2*sqrt(R^2-d^2) = {worst:.1e}"
    )
    ok = g_seconds < 60 and g_peak < 4096 and o_seconds / g_seconds >= 3
    print("targets (< 60 s, < 4 GB, >= 3x):", "met" if ok else "NOT met")


if __name__ == "__main__":
    sys.exit(main())
