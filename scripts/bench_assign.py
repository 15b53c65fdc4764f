"""Benchmark: points in polygons (sites in parks/counties), geoair against raw STRtree.

Target (shared/PERFORMANCE.md): 1e6 points × 1e4 polygons, geoair's assignment
within 2× of the raw ``shapely.STRtree.query(points, predicate="within")``, the
building of the result table included: :func:`geoair.scores.assign.locate` (a Series of
polygon names) and the whole :func:`geoair.scores.assign.assign_sites` (the
``site_assignment`` table with county rules). Also timed, for reference: geopandas
``sjoin``, the obvious approach.

Usage::

    python scripts/bench_assign.py              # full size: 1e6 points, 1e4 polygons
    python scripts/bench_assign.py --scale 0.01 # quick: 1e4 points, 100 polygons

Data are seeded: a grid of polygons over Shanxi's extent, each a 48-gon (a rough
"county" or "park"), and uniformly random points; about 40 % of points fall inside.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.scores.assign import assign_sites, locate


def build(n_points: int, n_polygons: int, seed: int = 42):
    rng = np.random.default_rng(seed)
    side = max(1, int(round(np.sqrt(n_polygons))))
    x0, y0, width, height = 110.2, 34.6, 4.4, 6.1  # Shanxi's extent, degrees
    cw, ch = width / side, height / side
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    cx = x0 + (ix.ravel() + 0.5) * cw
    cy = y0 + (iy.ravel() + 0.5) * ch
    radius = 0.45 * min(cw, ch) * rng.uniform(0.8, 1.1, (cx.size, 48))
    rings = np.stack(
        [cx[:, None] + radius * np.cos(angles), cy[:, None] + radius * np.sin(angles)], axis=-1
    )
    polys = shapely.polygons(rings)
    polygons = gpd.GeoDataFrame(
        {
            "id": [f"P{i}" for i in range(len(polys))],
            "name": [f"区{i:05d}" for i in range(len(polys))],
        },
        geometry=polys,
        crs=4326,
    )
    xs = rng.uniform(x0, x0 + width, n_points)
    ys = rng.uniform(y0, y0 + height, n_points)
    points = gpd.GeoDataFrame(
        {"id": np.char.add("E", np.arange(n_points).astype(str)).astype(object)},
        geometry=shapely.points(xs, ys),
        crs=4326,
    )
    return points, polygons


def timed(label: str, func, repeat: int):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<52} {best:8.3f} s")
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = 1e6 points × 1e4 polygons; 0.01 = 1e4 × 100"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    parser.add_argument("--skip-sjoin", action="store_true", help="leave out geopandas.sjoin")
    args = parser.parse_args()
    n_points, n_polygons = int(1e6 * args.scale), max(1, int(1e4 * args.scale))
    print(
        f"points in polygons: {n_points:,} points × {n_polygons:,} polygons "
        f"(python {platform.python_version()}, shapely {shapely.__version__}, "
        f"GEOS {shapely.geos_version_string}, geopandas {gpd.__version__}, "
        f"pandas {pd.__version__}, numpy {np.__version__})"
    )
    t0 = time.perf_counter()
    points, polygons = build(n_points, n_polygons)
    print(f"  data built in {time.perf_counter() - t0:.1f} s")

    geoms, polys = points.geometry.values, polygons.geometry.values

    def raw():
        tree = shapely.STRtree(polys)
        return tree.query(geoms, predicate="within")

    def geoair_locate():
        return locate(points, polygons, name_column="name")

    def geoair_table():
        names = locate(points, polygons, name_column="name")
        return pd.DataFrame(
            {"site_id": points["id"].astype(object), "county": names.astype(object)}, copy=False
        )

    def full():
        return assign_sites({"enterprises": points}, counties=polygons)

    print("cold run (first call, includes imports and caches):")
    timed("raw STRtree.query(predicate='within')", raw, 1)
    # Warm runs interleaved (raw, geoair, raw, geoair...), best of each kept, so that
    # other jobs on the shared machine slow both sides alike.
    best: dict[str, float] = {}
    results: dict[str, object] = {}
    contenders = {"raw": raw, "locate": geoair_locate, "table": geoair_table, "full": full}
    for _ in range(args.repeat):
        for key, func in contenders.items():
            start = time.perf_counter()
            results[key] = func()
            best[key] = min(best.get(key, float("inf")), time.perf_counter() - start)
    print(f"warm runs, interleaved (best of {args.repeat}):")
    print(f"  {'raw STRtree.query(predicate=within), pairs only':<52} {best['raw']:8.3f} s")
    print(
        f"  {'geoair.scores.assign.locate -> Series of polygon names':<52} {best['locate']:8.3f} s"
    )
    print(f"  {'geoair locate + (site_id, county) table':<52} {best['table']:8.3f} s")
    print(
        f"  {'geoair.scores.assign.assign_sites (counties, full table)':<52} {best['full']:8.3f} s"
    )
    t_raw, t_loc, t_tab, t_full = best["raw"], best["locate"], best["table"], best["full"]
    ip, _ = results["raw"]
    series = results["locate"]
    assert series.notna().sum() == len(np.unique(ip)), "geoair and raw disagree"
    assert (
        results["full"]["county"].fillna("").to_numpy(dtype=object)
        == series.fillna("").to_numpy(dtype=object)
    ).all(), "locate and assign disagree"
    if not args.skip_sjoin:
        t_sj, _ = timed(
            "geopandas.sjoin(predicate='within') (obvious way)",
            lambda: gpd.sjoin(
                points, polygons[["name", "geometry"]], predicate="within", how="left"
            ),
            1,
        )
    inside = int(series.notna().sum())
    print(f"  {inside:,} of {n_points:,} points inside a polygon")
    print(f"ratio geoair locate / raw query:          {t_loc / t_raw:.2f} (target ≤ 2)")
    print(f"ratio geoair locate+table / raw query:    {t_tab / t_raw:.2f} (target ≤ 2)")
    if not args.skip_sjoin:
        print(f"ratio geopandas.sjoin / geoair locate:    {t_sj / t_loc:.2f}")
    print(f"ratio assign_sites / raw query:           {t_full / t_raw:.2f} (target ≤ 2)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of the process): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
