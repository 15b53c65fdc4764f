"""Benchmark: a workspace in PostGIS against the GeoPackage folder, side by side.

Starts its own PostgreSQL server with PostGIS in a temporary folder on a free port
(``geoair.store.pg_server.TemporaryServer``, default durability settings: fsync and
synchronous commit on, as a real server), builds N enterprises over Shanxi as a
bureau's ledger (a GeoPackage with Chinese headers, seeded), and times in one run,
alternating the two stores, best of ``--repeat`` runs each:

- ``import_file`` of the N enterprises into a fresh workspace (read, validate, store:
  the whole ``geoair import enterprises``);
- the store alone: ``ws.write("enterprises", frame)`` of the validated frame (GeoPackage:
  copy, pyogrio write, rename; PostGIS: one transaction, COPY, GiST index);
- ``ws.read("enterprises")``: the layer back as a GeoDataFrame;
- a re-import of the same file (every row merged by id; nothing changes).

Usage: ``python scripts/bench_postgis.py [--n 100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import build  # noqa: E402  (the same seeded enterprises)

from geoair.imports.pipeline import import_file  # noqa: E402
from geoair.store.open import init_workspace  # noqa: E402
from geoair.store.pg_server import TemporaryServer  # noqa: E402


def timed(function, *args, **kwargs) -> tuple[object, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of enterprises")
    parser.add_argument("--repeat", type=int, default=3, help="runs per store (best counts)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-postgis-"))
    os.chdir(folder)
    server = TemporaryServer(durable=True).start()
    try:
        server.create_database("bench", postgis=True)
        source = folder / "enterprises.gpkg"
        build(source, args.n)
        import psycopg

        with psycopg.connect(server.url("bench")) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
            postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        print(
            f"{args.n:,} enterprises; PostgreSQL {pg_version}, PostGIS {postgis}, psycopg "
            f"{psycopg.__version__}; pyogrio {pyogrio.__version__} (GDAL "
            f"{pyogrio.__gdal_version_string__}), geopandas {gpd.__version__}, pandas "
            f"{pd.__version__}; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        times: dict[str, dict[str, list[float]]] = {"gpkg": {}, "postgis": {}}
        frame = None
        for run in range(args.repeat):
            for store in ("gpkg", "postgis") if run % 2 == 0 else ("postgis", "gpkg"):
                name = f"{store}{run}"
                target = folder / name if store == "gpkg" else server.url("bench", schema=name)
                ws = init_workspace(target)
                report, seconds = timed(import_file, ws, "enterprises", source)
                assert report.imported == args.n, report.summary()
                times[store].setdefault("import", []).append(seconds)
                read, seconds = timed(ws.read, "enterprises")
                times[store].setdefault("read", []).append(seconds)
                assert len(read) == args.n
                frame = read if frame is None else frame
                report, seconds = timed(import_file, ws, "enterprises", source)
                assert report.replaced == args.n
                times[store].setdefault("re-import", []).append(seconds)
                ws.close()
                again = init_workspace(
                    folder / f"w{name}"
                    if store == "gpkg"
                    else server.url("bench", schema=f"w{name}")
                )
                _, seconds = timed(again.write, "enterprises", frame)
                times[store].setdefault("store only", []).append(seconds)
                again.close()
                if store == "gpkg":
                    shutil.rmtree(folder / name)
                    shutil.rmtree(folder / f"w{name}")
        print(f"best of {args.repeat} alternating runs, seconds:")
        print(f"  {'':<34} {'GeoPackage':>11} {'PostGIS':>9} {'ratio':>7}")
        for label, what in (
            ("import_file (read, validate, store)", "import"),
            ("store only (ws.write)", "store only"),
            ("read the layer (ws.read)", "read"),
            ("re-import the same file", "re-import"),
        ):
            g, p = min(times["gpkg"][what]), min(times["postgis"][what])
            print(f"  {label:<34} {g:>11.2f} {p:>9.2f} {p / g:>6.2f}x")
        print("target: PostGIS import and read within 2x of the GeoPackage")
    finally:
        server.stop()
        os.chdir("/")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
