"""Benchmark: the dask engine against the single-machine engine, at two data sizes.

Two workloads, each built seeded by the existing benchmarks' builders:

(a) **indicators**: hourly readings of ``--stations`` stations × a year × 6 pollutants
    (2,000 stations: 1.01e8 rows; ``scripts/bench_indicators.py``), written as
    geoair's store; daily values (validity, AQI) and monthly values;
(b) **gate roads**: ``--gates`` gates × ``--segments`` road segments over Shanxi
    (1e5 × 1e6; ``scripts/bench_gate_roads.py``); the whole sweeping plan.

Each runs on the single-machine engine (in a forked child, so its peak memory is its
own), then on a local Dask cluster of 1 and of 2 worker processes (one thread each,
2 GB memory limit each), at half size and at full size, so that the per-worker peak
memory can be compared as the data double. Printed per run: wall time, the peak
resident memory of each worker process (``ru_maxrss`` read in the worker at the end;
the workers are new for each cluster), the number of tasks, and the ratio of wall
times to the single-machine engine. The results of the engines are compared
(fingerprints of the tables). From the daily tasks' own durations the script also
prints the throughput of one worker (hourly rows per second), which the README's
national estimate uses.

Usage::

    python scripts/bench_distributed.py                 # full size (about 10 minutes)
    python scripts/bench_distributed.py --scale 0.05    # quick
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_gate_roads import build  # noqa: E402
from bench_indicators import generate  # noqa: E402

from geoair.readings.indicators import daily_values, period_values  # noqa: E402
from geoair.roads.gate_roads import plan_sweeping  # noqa: E402

SIZES = (0.5, 1.0)  # half and full size: memory should stay flat per worker


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system, all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the work, and a fingerprint of its result ----------------------------------------


def indicators_single(store: str) -> tuple:
    daily = daily_values(store)
    monthly = period_values(daily, period="month")
    return fingerprint_indicators(daily, monthly)


def fingerprint_indicators(daily: pd.DataFrame, monthly: pd.DataFrame) -> tuple:
    return (
        len(daily),
        round(float(daily["PM2.5"].sum()), 3),
        round(float(daily["aqi"].sum()), 3),
        len(monthly),
        round(float(monthly["composite_index"].sum()), 3),
    )


def gates_single(gates, roads) -> tuple:
    return fingerprint_plan(plan_sweeping(gates, roads))


def fingerprint_plan(plan) -> tuple:
    return (
        len(plan.gate_roads),
        round(float(plan.gate_roads["length_m"].sum()), 6),
        round(float(plan.sweep_tasks["length_m"].sum()), 6),
        len(plan.gate_findings),
    )


def _child(func, args, conn) -> None:
    try:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = func(*args)
        conn.send((time.perf_counter() - start, cpu_seconds() - cpu, peak_mb(), result))
    except BaseException as exc:  # report, then fail
        conn.send(exc)
        raise
    finally:
        conn.close()


def single_run(func, *args) -> tuple[float, float, tuple]:
    """(seconds, CPU seconds, peak MB, fingerprint) of ``func(*args)`` in a forked child."""
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(func, args, send))
    child.start()
    send.close()
    out = receive.recv()
    child.join()
    if isinstance(out, BaseException):
        raise out
    return out


def warm_up() -> None:
    """What a worker does once in its life (imports, PROJ database, caches): a tiny run.

    A cluster that stays up pays it once; a local cluster started by one command pays
    it with the start (printed apart as "start").
    """
    import geopandas as gpd
    import shapely

    from geoair.distributed import engine  # noqa: F401

    gates = gpd.GeoDataFrame({"id": ["G"]}, geometry=[shapely.Point(113.5, 37.8)], crs=4326)
    road = shapely.LineString([(113.5, 37.79), (113.5, 37.81)])
    roads = gpd.GeoDataFrame({"id": ["R"]}, geometry=[road], crs=4326)
    plan_sweeping(gates, roads)
    hours = pd.date_range("2024-01-01 01:00", periods=24, freq="h")
    daily_values(pd.DataFrame({"station_id": "S", "time": hours, "pollutant": "O3", "value": 1.0}))


def dask_run(workers: int, work) -> dict:
    """Run ``work(client)`` on a new local cluster; time, per-worker peaks, tasks."""
    from distributed import get_task_stream

    from geoair.distributed.cluster import dask_client

    start = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.run(warm_up)
        ready = time.perf_counter() - start
        before = sum(client.run(cpu_seconds).values())
        with get_task_stream(client) as stream:
            start, cpu = time.perf_counter(), time.process_time()
            result = work(client)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        cpu += sum(client.run(cpu_seconds).values()) - before
        peaks = client.run(peak_mb)
        tasks = stream.data
    return {
        "ready": ready,
        "seconds": seconds,
        "cpu": cpu,
        "peaks": sorted(peaks.values()),
        "tasks": len(tasks),
        "stream": tasks,
        "result": result,
    }


def task_seconds(stream: list, prefix: str) -> list[float]:
    out = []
    for task in stream:
        if prefix in str(task.get("key")):
            spans = [s for s in task.get("startstops", ()) if s.get("action") == "compute"]
            out += [s["stop"] - s["start"] for s in spans]
    return out


def report(name: str, size: float, single: tuple, runs: dict[int, dict]) -> None:
    s_seconds, s_cpu, s_peak, s_print = single
    print(f"  {name} at {size:g}× size:")
    print(f"    single machine: {s_seconds:6.1f} s, CPU {s_cpu:6.1f} s, peak {s_peak:,.0f} MB")
    for workers, run in runs.items():
        same = "same result" if run["result"] == s_print else f"DIFFERENT: {run['result']}"
        print(
            f"    dask, {workers} worker{'s' if workers > 1 else ' '}: {run['seconds']:6.1f} s "
            f"({run['seconds'] / s_seconds:.2f}× single), CPU {run['cpu']:6.1f} s "
            f"({run['cpu'] / s_cpu:.2f}×; client, scheduler and workers), start "
            f"{run['ready']:.1f} s, {run['tasks']} tasks, peak per "
            f"worker {', '.join(f'{p:,.0f}' for p in run['peaks'])} MB; {same}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--stations", type=int, default=2000, help="stations at full size")
    parser.add_argument("--gates", type=int, default=100_000, help="gates at full size")
    parser.add_argument("--segments", type=int, default=1_000_000, help="segments at full size")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--skip", choices=["indicators", "gate-roads"], default=None)
    args = parser.parse_args(argv)

    import dask
    import distributed
    import duckdb
    import shapely

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, dask "
        f"{dask.__version__}, distributed {distributed.__version__}, duckdb "
        f"{duckdb.__version__}, pandas {pd.__version__}, numpy {np.__version__}, shapely "
        f"{shapely.__version__}"
    )
    print("local clusters: one thread per worker process, 2 GB memory limit per worker")
    folder = Path(tempfile.mkdtemp(prefix="geoair-bench-distributed-"))
    try:
        # data and single-machine runs first: the children are forked before any
        # cluster (and its threads) exists in this process
        stores = {} if args.skip == "indicators" else indicator_data(args, folder)
        layers = {} if args.skip == "gate-roads" else gate_data(args)
        ind_single = {s: single_run(indicators_single, st) for s, (st, _) in stores.items()}
        gate_single = {s: single_run(gates_single, *layers[s]) for s in layers}
        if stores:
            print("(a) hourly readings -> daily values and AQI -> monthly indicators")
            bench_indicators(stores, ind_single)
        if layers:
            print("(b) gate roads: the whole sweeping plan")
            bench_gate_roads(layers, gate_single)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def indicator_data(args, folder: Path) -> dict:
    stores = {}
    for size in SIZES:
        stations = max(2, int(round(args.stations * args.scale * size)))
        target = folder / f"hourly-{size:g}"
        start = time.perf_counter()
        rows = generate(target, stations=stations, year=2023, seed=args.seed)
        print(
            f"indicators data {size:g}×: {stations:,} stations, {rows:,} hourly rows "
            f"(generated in {time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        stores[size] = (str(target / "year=*" / "month=*" / "*.parquet"), rows)
    return stores


def neighbour_enterprises(gates):
    """Two gates per enterprise, as neighbours (a factory's gates are close together).

    ``bench_gate_roads.build`` pairs gates ``2i`` and ``2i+1`` wherever they are; two
    gates of one factory 200 km apart would force their cells to take the roads of
    both places. Here the gates are ordered along a 0.05° grid (rows of cells, west to
    east in each) and consecutive gates form an enterprise, a few kilometres apart at most.
    """
    x, y = gates.geometry.x.to_numpy(), gates.geometry.y.to_numpy()
    order = np.lexsort((x, np.floor(x / 0.05), np.floor(y / 0.05)))
    enterprise = np.empty(len(gates), dtype=object)
    enterprise[order] = [f"E{i // 2}" for i in range(len(gates))]
    return gates.assign(enterprise_id=enterprise)


def gate_data(args) -> dict:
    layers = {}
    for size in SIZES:
        n_gates = max(10, int(round(args.gates * args.scale * size)))
        n_segments = max(100, int(round(args.segments * args.scale * size)))
        gates, roads = build(n_gates, n_segments, args.seed)
        layers[size] = (neighbour_enterprises(gates), roads)
        print(f"gate roads data {size:g}×: {n_gates:,} gates, {n_segments:,} road segments")
    return layers


def bench_indicators(stores: dict, singles: dict) -> None:
    from geoair.distributed.indicators import daily_values_on, period_values_on

    for size, (store, rows) in stores.items():
        runs = {}
        for workers in (1, 2):

            def work(client, store=store):
                daily = daily_values_on(client, store)
                monthly = period_values_on(client, daily, period="month")
                return fingerprint_indicators(daily, monthly)

            runs[workers] = dask_run(workers, work)
        report("indicators", size, singles[size], runs)
        seconds = task_seconds(runs[2]["stream"], "_daily_task")
        if seconds:
            per_task = rows / len(seconds)
            print(
                f"    daily tasks: {len(seconds)}, {per_task:,.0f} hourly rows each, median "
                f"{np.median(seconds):.2f} s: {per_task / np.median(seconds):,.0f} rows/s "
                "per worker",
                flush=True,
            )


def bench_gate_roads(layers: dict, singles: dict) -> None:
    from geoair.distributed.gate_roads import plan_sweeping_on

    for size, (gates, roads) in layers.items():
        runs = {}
        for workers in (1, 2):

            def work(client, gates=gates, roads=roads):
                return fingerprint_plan(plan_sweeping_on(client, gates, roads))

            runs[workers] = dask_run(workers, work)
        report("gate roads", size, singles[size], runs)


if __name__ == "__main__":
    main()
