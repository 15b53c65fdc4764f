"""Benchmark: geoair serve's overview and a layer as GeoJSON, on the demo scaled up.

Builds the demo workspace (``geoair demo``: every step run), then scales it up, seeded:
the 155 enterprises become 50,000 (copies jittered by up to 2 km, new ids and names),
the 265 gates 75,000 and the 197 inspections 50,000, written into the workspace as any
import would. It serves the workspace with uvicorn on a free loopback port and times,
over HTTP with httpx:

1. ``GET /api/overview`` (layers and tables with counts, latest months, what each
   step lacks) and the overview page ``GET /``; against the obvious way: read every
   layer and table with ``ws.read`` to count it and take the latest dates;
2. ``GET /api/layers/enterprises`` (50,000 points as GeoJSON), with the server's
   cache emptied before each request, without and with gzip; against the obvious way
   in the same process: ``ws.read("enterprises").to_json()`` (geopandas), with no
   HTTP at all.

Warm runs (the first request of each kind is done once before timing), best and
median of ``--runs``, interleaved with the baseline.

    python scripts/bench_web.py [--enterprises 50000] [--runs 5] [--workspace DIR]

``--workspace DIR`` reuses (and scales) a demo workspace already built there.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd


def scale(ws, n_enterprises: int, seed: int = 7) -> None:
    """Replace enterprises, gates and inspections by seeded jittered copies."""
    rng = np.random.default_rng(seed)
    enterprises = ws.read("enterprises")
    factor = -(-n_enterprises // len(enterprises))
    big = pd.concat([enterprises] * factor, ignore_index=True).iloc[:n_enterprises].copy()
    copy = np.arange(len(big)) // len(enterprises)
    big["id"] = [f"E{i:06d}" for i in range(len(big))]
    big["name"] = big["name"].astype(str) + np.where(copy > 0, "第" + copy.astype(str) + "厂", "")
    dx, dy = rng.uniform(-0.02, 0.02, (2, len(big)))
    big = gpd.GeoDataFrame(
        big, geometry=gpd.points_from_xy(big.geometry.x + dx, big.geometry.y + dy), crs=4326
    )
    gates = ws.read("gates")
    n_gates = int(round(len(gates) * n_enterprises / len(enterprises)))
    many = pd.concat([gates] * (-(-n_gates // len(gates))), ignore_index=True).iloc[:n_gates]
    pick = rng.integers(0, len(big), len(many))
    many = many.copy()
    many["id"] = [f"G{i:06d}" for i in range(len(many))]
    many["enterprise_id"] = big["id"].to_numpy()[pick]
    many["enterprise_name"] = big["name"].to_numpy()[pick]
    gx = big.geometry.x.to_numpy()[pick] + rng.uniform(-0.001, 0.001, len(many))
    gy = big.geometry.y.to_numpy()[pick] + rng.uniform(-0.001, 0.001, len(many))
    many = gpd.GeoDataFrame(many, geometry=gpd.points_from_xy(gx, gy), crs=4326)
    inspections = ws.read("inspections")
    rows = pd.concat([inspections] * (-(-n_enterprises // len(inspections))), ignore_index=True)
    rows = rows.iloc[:n_enterprises].copy()
    rows["enterprise_id"] = big["id"].to_numpy()
    rows["enterprise_name"] = big["name"].to_numpy()
    with ws.transaction() as tx:
        tx.write("enterprises", big)
        tx.write("gates", many)
        tx.write("inspections", rows)


def obvious_overview(ws) -> dict:
    """Read every layer and table to count it; the latest date of each record table."""
    out = {}
    for name in ws.layers():
        frame = ws.read(name)
        latest = None
        for column in ("inspection_date", "month", "period", "date"):
            if column in frame.columns:
                latest = str(frame[column].dropna().astype(str).max())
                break
        out[name] = (len(frame), latest)
    return out


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def show(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {label:<58} best {min(times) * 1000:8.1f} ms  median "
        f"{statistics.median(times) * 1000:8.1f} ms{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()

    import fastapi
    import httpx
    import shapely
    import uvicorn

    from geoair.store.open import open_workspace
    from geoair.web.server import start_in_thread
    from geoair.workflows.demo import run_demo

    tmp = None
    if args.workspace is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
        folder = tmp / "demo"
    else:
        folder = args.workspace
    print(
        f"Python {platform.python_version()}, geopandas {gpd.__version__}, pandas "
        f"{pd.__version__}, shapely {shapely.__version__}, fastapi {fastapi.__version__}, "
        f"uvicorn {uvicorn.__version__}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    try:
        if not (folder / "workspace.gpkg").exists():
            start = time.perf_counter()
            run_demo(folder)
            print(f"demo workspace built in {time.perf_counter() - start:.0f} s: {folder}")
        ws = open_workspace(folder)
        if len(ws.read("enterprises")) != args.enterprises:
            start = time.perf_counter()
            scale(ws, args.enterprises)
            print(f"scaled up in {time.perf_counter() - start:.1f} s")
        counts = {n: len(ws.read(n)) for n in ("enterprises", "gates", "inspections")}
        print("workspace:", ", ".join(f"{n} {c:,}" for n, c in counts.items()))

        running = start_in_thread(ws)
        state = running.app.state.geoair
        client = httpx.Client(base_url=running.url, timeout=120)
        try:
            # warm-up: imports, template compilation, first reads
            client.get("/api/overview").raise_for_status()
            client.get("/").raise_for_status()
            client.get("/api/layers/enterprises").raise_for_status()
            obvious_overview(ws)

            print("\noverview")
            api, page, base = [], [], []
            for _ in range(args.runs):
                api += timed(lambda: client.get("/api/overview").raise_for_status(), 1)
                page += timed(lambda: client.get("/").raise_for_status(), 1)
                base += timed(lambda: obvious_overview(ws), 1)
            show("geoair GET /api/overview", api)
            show("geoair GET / (the page)", page)
            show("obvious: ws.read every layer, len, max date (no HTTP)", base)
            ratio = statistics.median(base) / statistics.median(api)
            print(f"  ratio (median, obvious / geoair API): {ratio:.0f}x")

            print(f"\nenterprises as GeoJSON ({counts['enterprises']:,} points)")
            plain, gz, base = [], [], []
            size = gz_size = base_size = 0

            def get(encoding: str) -> int:
                state.geojson.clear()  # no cached answer: every run builds the GeoJSON
                answer = client.get(
                    "/api/layers/enterprises", headers={"Accept-Encoding": encoding}
                )
                answer.raise_for_status()
                return int(answer.headers.get("content-length") or len(answer.content))

            def obvious() -> int:
                return len(ws.read("enterprises").to_json().encode("utf-8"))

            for _ in range(args.runs):
                start = time.perf_counter()
                size = get("identity")
                plain.append(time.perf_counter() - start)
                start = time.perf_counter()
                gz_size = get("gzip")
                gz.append(time.perf_counter() - start)
                start = time.perf_counter()
                base_size = obvious()
                base.append(time.perf_counter() - start)
            show("geoair GET /api/layers/enterprises", plain, f"  {size / 1e6:.1f} MB")
            show("geoair GET /api/layers/enterprises, gzip", gz, f"  {gz_size / 1e6:.1f} MB")
            show(
                "obvious: ws.read + GeoDataFrame.to_json() (no HTTP)",
                base,
                f"  {base_size / 1e6:.1f} MB",
            )
            ratio = statistics.median(base) / statistics.median(plain)
            print(f"  ratio (median, obvious / geoair): {ratio:.1f}x")
            cached = timed(
                lambda: client.get("/api/layers/enterprises").raise_for_status(), args.runs
            )
            show("geoair, answer cached (same workspace state)", cached)
            etag = client.get("/api/layers/enterprises").headers["etag"]
            revalidated = timed(
                lambda: client.get("/api/layers/enterprises", headers={"If-None-Match": etag}),
                args.runs,
            )
            show("geoair, browser revalidating (304)", revalidated)
        finally:
            client.close()
            running.stop()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
