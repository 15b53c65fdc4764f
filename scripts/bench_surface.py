"""Benchmark: IDW of 1e4 stations onto 1e6 cells, k = 12, geoair versus the obvious way.

geoair's way is :func:`geoair.reports.surface.idw` (cKDTree query in chunks of 262,144 cells,
weights computed in place, exact at stations). The baseline is the obvious approach:
one ``cKDTree.query`` over every cell, then NumPy ``1 / d**2`` weights and two sums.
Both use the same tree settings and one worker thread. PERFORMANCE.md asks geoair to
stay within 1.2x of the baseline.

Usage::

    python scripts/bench_surface.py            # 1e4 stations, 1e6 cells
    python scripts/bench_surface.py --scale 0.1  # 1e3 stations, 1e5 cells (quick)

Prints wall times (best of --repeat runs, warm: the first run is reported apart as
cold), the ratio, peak traced memory of each (tracemalloc, NumPy buffers included),
the largest difference between the two results, and library versions.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np
import scipy
from scipy.spatial import cKDTree

from geoair.reports.surface import idw


def baseline(
    xy: np.ndarray, z: np.ndarray, cells: np.ndarray, *, k: int, power: float
) -> np.ndarray:
    """The obvious approach: query everything at once, weight with NumPy."""
    dist, idx = cKDTree(xy).query(cells, k=k)
    with np.errstate(divide="ignore"):
        w = 1.0 / dist**power
    return (w * z[idx]).sum(axis=1) / w.sum(axis=1)


def run(function, *args, **kwargs) -> tuple[float, float, np.ndarray]:
    """(seconds, peak MB, result) of one call."""
    tracemalloc.start()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full size (1e4 stations, 1e6 cells)",
    )
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--power", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240301)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    n_stations = max(int(10_000 * args.scale), args.k)
    side = max(int(round(1_000 * np.sqrt(args.scale))), 2)
    extent_m = 200_000.0  # a 200 km square: a Shanxi city and its neighbours
    xy = rng.uniform(0, extent_m, size=(n_stations, 2))
    z = (
        40
        + 25 * np.sin(xy[:, 0] / 17_000) * np.cos(xy[:, 1] / 23_000)
        + rng.normal(0, 4, n_stations)
    )
    centres = (np.arange(side) + 0.5) * (extent_m / side)
    gx, gy = np.meshgrid(centres, centres)
    cells = np.column_stack([gx.ravel(), gy.ravel()])

    print(f"IDW: {n_stations:,} stations -> {len(cells):,} cells, k={args.k}, power={args.power:g}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
    )
    results = {}
    for name, function in (
        ("geoair.reports.surface.idw", lambda: idw(xy, z, cells, k=args.k, power=args.power)),
        ("cKDTree.query + NumPy", lambda: baseline(xy, z, cells, k=args.k, power=args.power)),
    ):
        cold, peak, result = run(function)
        warm = [run(function)[0] for _ in range(args.repeat)]
        results[name] = (cold, min(warm), peak, result)
        print(
            f"  {name:24s} cold {cold:7.2f} s   warm best {min(warm):7.2f} s   peak {peak:8.1f} MB"
        )
    ours, base = results["geoair.reports.surface.idw"], results["cKDTree.query + NumPy"]
    print(f"ratio geoair / baseline (warm): {ours[1] / base[1]:.2f}  (target <= 1.2)")
    diff = np.nanmax(np.abs(ours[3] - base[3]))
    print(f"largest difference between results: {diff:.2e}")


if __name__ == "__main__":
    main()
