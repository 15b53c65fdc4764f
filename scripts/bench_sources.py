"""Benchmark: sources near stations and the suspects ranking (issue 8).

Full size: 2,000 stations x one year of hourly wind and PM2.5 (17.5 million hours)
x 100,000 sources (90,000 enterprise points and 10,000 heap polygons) spread over
Shanxi, radius 5 km, monthly periods, 16 sectors. Target: near join + suspects
ranking in under 60 s on 2 cores.

geoair's way: :func:`geoair.sources.near.near_sources` (KD-tree / STRtree in the
Gauss-Krüger zone, geodesic distances and bearings) and :func:`geoair.sources.suspects`
(one sort and bincounts over station-period-sector codes).

The obvious way, timed in the same run: geopandas ``buffer`` + ``sjoin`` in the
metric CRS with grid distances and bearings, then pandas ``groupby`` for the
thresholds (quantile), the sector counts and the CPF, merged onto the pairs.

Each approach runs in a forked child process so that its peak memory (resident set,
input data included) is its own.

    python scripts/bench_sources.py --scale 0.05     # quick
    python scripts/bench_sources.py                  # full size
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoair.sources.suspects import suspects as sources

BBOX = (110.5, 34.6, 114.5, 40.6)  # Shanxi, roughly


def build(scale: float, seed: int = 8):
    rng = np.random.default_rng(seed)
    n_st = max(2, int(2000 * scale))
    n_pts = max(10, int(90_000 * scale))
    n_poly = max(2, int(10_000 * scale))
    lon0, lat0, lon1, lat1 = BBOX
    # shrink the box with the scale so that the density (pairs per station) stays the same
    side = np.sqrt(scale)
    lon1 = lon0 + (lon1 - lon0) * side
    lat1 = lat0 + (lat1 - lat0) * side

    def uniform(n):
        return rng.uniform(lon0, lon1, n), rng.uniform(lat0, lat1, n)

    x, y = uniform(n_st)
    stations = gpd.GeoDataFrame(
        {"id": [f"S{i:05d}" for i in range(n_st)], "name": [f"站{i}" for i in range(n_st)]},
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )
    x, y = uniform(n_pts)
    enterprises = gpd.GeoDataFrame(
        {"id": [f"E{i:06d}" for i in range(n_pts)], "name": [f"企业{i}" for i in range(n_pts)]},
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )
    x, y = uniform(n_poly)
    half = rng.uniform(0.0005, 0.002, n_poly)  # about 100-400 m squares
    heaps = gpd.GeoDataFrame(
        {"id": [f"H{i:05d}" for i in range(n_poly)], "name": [f"矸石山{i}" for i in range(n_poly)]},
        geometry=shapely.box(x - half, y - half, x + half, y + half),
        crs="EPSG:4326",
    )
    hours = pd.date_range("2024-01-01 01:00", periods=366 * 24, freq="h")
    n = n_st * len(hours)
    wd = rng.uniform(0, 360, n).astype("float32")
    wd[rng.random(n) < 0.02] = np.nan
    hourly = pd.DataFrame(
        {
            "station_id": pd.Categorical.from_codes(
                np.repeat(np.arange(n_st), len(hours)), stations["id"]
            ),
            "time": np.tile(hours.to_numpy(), n_st),
            "ws_ms": (2.5 * rng.weibull(1.8, n)).astype("float32"),
            "wd_deg": wd,
            "value": rng.lognormal(3.5, 0.6, n).astype("float32"),
        }
    )
    return stations, {"enterprises": enterprises, "gangue_heaps": heaps}, hourly


def geoair_way(stations, layers, hourly, radius_m):
    near = sources.near_sources(stations, layers, radius_m=radius_m, lines=False)
    t_near = time.perf_counter()
    ranked = sources.suspects(near, hourly, freq="month", sectors=16, top_n=10, lines=False)
    return near, ranked, t_near


def obvious_way(stations, layers, hourly, radius_m):
    from geoair.io.crs import metric_crs_for

    crs = metric_crs_for(stations)
    st = stations.to_crs(crs)
    buffers = st[["id", "name"]].set_geometry(st.buffer(radius_m))
    parts = []
    for gdf in layers.values():
        src = gdf.to_crs(crs)
        joined = gpd.sjoin(
            buffers,
            src[["id", "name", "geometry"]],
            predicate="intersects",
            lsuffix="st",
            rsuffix="src",
        )
        st_geom = st.geometry.loc[joined.index].to_numpy()
        src_geom = src.geometry.loc[joined["index_src"]].to_numpy()
        nearest = shapely.get_point(shapely.shortest_line(st_geom, src_geom), 1)
        dx = shapely.get_x(nearest) - shapely.get_x(st_geom)
        dy = shapely.get_y(nearest) - shapely.get_y(st_geom)
        parts.append(
            pd.DataFrame(
                {
                    "station_id": joined["id_st"].to_numpy(),
                    "source_id": joined["id_src"].to_numpy(),
                    "distance_m": shapely.distance(st_geom, src_geom),
                    "bearing_deg": np.rad2deg(np.arctan2(dx, dy)) % 360,
                }
            )
        )
    near = pd.concat(parts, ignore_index=True)
    t_near = time.perf_counter()
    h = hourly.copy()
    h["period"] = (h["time"] - pd.Timedelta(hours=1)).dt.to_period("M").astype(str)
    h["calm"] = h["ws_ms"] < 0.5
    h["sector"] = ((h["wd_deg"] % 360 + 11.25) // 22.5) % 16
    ok = h["value"].notna() & (h["calm"] | h["wd_deg"].notna())
    h = h[ok]
    thr = h.groupby(["station_id", "period"], observed=True)["value"].quantile(0.75)
    h = h.join(thr.rename("threshold"), on=["station_id", "period"])
    h["high"] = h["value"] >= h["threshold"]
    windy = h[~h["calm"] & h["wd_deg"].notna()]
    cpf = (
        windy.groupby(["station_id", "period", "sector"], observed=True)["high"]
        .agg(["size", "sum"])
        .reset_index()
    )
    cpf["cpf"] = cpf["sum"] / cpf["size"]
    cpf["station_id"] = cpf["station_id"].astype(str)
    near["sector"] = ((near["bearing_deg"] + 11.25) // 22.5) % 16
    ranked = near.merge(cpf[["station_id", "period", "sector", "cpf"]], on=["station_id", "sector"])
    ranked["score"] = ranked["cpf"] / (1 + ranked["distance_m"] / 1000.0)
    ranked["rank"] = ranked.groupby(["station_id", "period"])["score"].rank(
        ascending=False, method="first"
    )
    ranked = ranked[ranked["rank"] <= 10]
    return near, ranked, t_near


def _child(fn, args, queue):
    t0 = time.perf_counter()
    near, ranked, t_near = fn(*args)
    t1 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "near_s": t_near - t0,
            "suspects_s": t1 - t_near,
            "total_s": t1 - t0,
            "pairs": len(near),
            "rows": len(ranked),
            "peak_mb": peak_mb,
        }
    )


def run(fn, args):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full size (stations and sources; hours stay a year)",
    )
    parser.add_argument("--radius", type=float, default=5000.0)
    parser.add_argument("--skip-obvious", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each approach, alternating; the fastest is shown (the "
        "machine is shared, so single runs are noisy)",
    )
    args = parser.parse_args()
    t = time.perf_counter()
    stations, layers, hourly = build(args.scale)
    n_src = sum(len(g) for g in layers.values())
    print(
        f"data: {len(stations)} stations, {n_src} sources, {len(hourly):,} station-hours "
        f"(built in {time.perf_counter() - t:.1f} s)"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}, geopandas {gpd.__version__}, "
        f"shapely {shapely.__version__}, pyproj {pyproj.__version__}"
    )
    ours = base = None
    for _ in range(max(args.repeat, 1)):
        mine = run(geoair_way, (stations, layers, hourly, args.radius))
        ours = mine if ours is None or mine["total_s"] < ours["total_s"] else ours
        if not args.skip_obvious:
            theirs = run(obvious_way, (stations, layers, hourly, args.radius))
            base = theirs if base is None or theirs["total_s"] < base["total_s"] else base
    print(
        f"best of {max(args.repeat, 1)} alternating runs, load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"geoair : near {ours['near_s']:.1f} s ({ours['pairs']:,} pairs), suspects "
        f"{ours['suspects_s']:.1f} s ({ours['rows']:,} rows), total {ours['total_s']:.1f} s, "
        f"peak RSS {ours['peak_mb']:.0f} MB"
    )
    if base is not None:
        print(
            f"obvious: near {base['near_s']:.1f} s ({base['pairs']:,} pairs), suspects "
            f"{base['suspects_s']:.1f} s ({base['rows']:,} rows), total "
            f"{base['total_s']:.1f} s, peak RSS {base['peak_mb']:.0f} MB"
        )
        print(
            f"ratio obvious/geoair: near {base['near_s'] / ours['near_s']:.1f}x, suspects "
            f"{base['suspects_s'] / ours['suspects_s']:.1f}x, total "
            f"{base['total_s'] / ours['total_s']:.1f}x"
        )
    verdict = "under" if ours["total_s"] < 60 else "OVER"
    print(f"target: near + suspects {verdict} 60 s at scale {args.scale:g}")


if __name__ == "__main__":
    main()
