"""Benchmark: hourly readings -> daily AQI and monthly indicators with validity.

Generates ``--stations`` stations × one year of hours × 6 pollutants (default 2,000 ×
8,760 × 6 ≈ 1.05e8 rows), seeded, with about 3 % of hours missing at random and some
multi-hour outages, to Parquet in chunks (never all in memory), partitioned by year
and month as geoair's store is. Then times:

* **geoair**: :func:`geoair.readings.indicators.daily_values` (DuckDB over the Parquet files:
  24-hour means with the 20-hour rule, O3 daily max 1-hour and 8-hour with the 6-hour
  and 14-window rules, daily AQI by HJ 633) and :func:`period_values` (monthly means
  with the 27/25-day rule, CO p95, O3 p90, composite index, good days);
* **pandas**: the same rules written as a plain pandas groupby, on a subsample of
  ``--pandas-stations`` stations read from the same files (read time included; the
  full table does not fit as pandas objects on an ordinary PC); its time is scaled to
  the full station count.

Each side runs ``--repeat`` times, alternated, and the best run counts (the machine is
shared). Prints wall-clock and CPU times, the ratio, the agreement of the two on the
subsample, and peak memory (max RSS of the process; geoair's measured before pandas
first runs).

Usage::

    python scripts/bench_indicators.py                   # full size (slow to generate)
    python scripts/bench_indicators.py --stations 100    # quick
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def generate(folder: Path, *, stations: int, year: int, seed: int, chunk: int = 100) -> int:
    """Write the readings month by month, pollutant-major as geoair's store sorts them
    (so that a query on one pollutant skips the other row groups), ``chunk`` stations
    at a time; return the row count."""
    rng = np.random.default_rng(seed)
    total = 0
    base = {"PM2.5": 45.0, "PM10": 80.0, "SO2": 15.0, "NO2": 30.0, "CO": 0.9, "O3": 70.0}
    ids = np.array([f"S{i:05d}" for i in range(stations)])
    for month in range(1, 13):
        start = pd.Timestamp(year=year, month=month, day=1) + pd.Timedelta(hours=1)
        times = pd.date_range(
            start, start + pd.offsets.MonthBegin(1) - pd.Timedelta(hours=1), freq="h"
        )
        hours = len(times)
        hour_of_day = ((times - pd.Timedelta(hours=1)).hour).to_numpy()
        diurnal = 1 + 0.3 * np.cos(2 * np.pi * (hour_of_day - 20) / 24)
        gap_start = rng.integers(0, hours - 8, stations)  # one 8-hour outage a month
        target = folder / f"year={year}" / f"month={month}"
        target.mkdir(parents=True, exist_ok=True)
        writer = None
        for pollutant in POLLUTANTS:
            for first in range(0, stations, chunk):
                sids = ids[first : first + chunk]
                n_st = len(sids)
                values = (
                    base[pollutant] * np.tile(diurnal, n_st) * rng.lognormal(0, 0.4, n_st * hours)
                )
                keep = rng.random(n_st * hours) > 0.03
                pos = np.tile(np.arange(hours), n_st)
                gaps = np.repeat(gap_start[first : first + n_st], hours)
                keep &= ~((pos >= gaps) & (pos < gaps + 8))
                n = int(keep.sum())
                table = pa.table(
                    {
                        "station_id": pa.array(np.repeat(sids, hours)[keep]),
                        "time": pa.array(
                            np.tile(times.to_numpy(), n_st)[keep].astype("datetime64[us]")
                        ),
                        "pollutant": pa.array(np.full(n, pollutant)),
                        "value": pa.array(np.round(values[keep], 1)),
                    }
                )
                if writer is None:
                    writer = pq.ParquetWriter(
                        target / "data.parquet", table.schema, compression="zstd"
                    )
                writer.write_table(table)
                total += n
        writer.close()
        print(f"  generated {year}-{month:02d}: {total:,} rows so far", flush=True)
    return total


# --- the same rules in plain pandas ---------------------------------------------------


def pandas_indicators(hourly: pd.DataFrame) -> pd.DataFrame:
    """Daily means (>= 20 h), O3 8-h windows (>= 6 h, >= 14 windows or > 160), daily AQI,
    monthly means (>= 27 / 25 days), CO p95, O3 p90, composite index, good days."""
    from geoair.readings.aqi import daily_aqi

    h = hourly.copy()
    shifted = h["time"] - pd.Timedelta(hours=1)
    h["date"] = shifted.dt.normalize()
    h["hr"] = shifted.dt.hour + 1
    g = h.groupby(["station_id", "date", "pollutant"], observed=True)["value"]
    stats = g.agg(["mean", "max", "count"]).reset_index()
    means = stats.pivot_table(
        index=["station_id", "date"], columns="pollutant", values="mean", observed=True
    )
    counts = stats.pivot_table(
        index=["station_id", "date"], columns="pollutant", values="count", observed=True
    ).fillna(0)
    daily = means.where(counts >= 20).round(6).round(0)
    daily["CO"] = means["CO"].where(counts["CO"] >= 20).round(6).round(1)
    o3max = stats[stats["pollutant"] == "O3"].set_index(["station_id", "date"])
    daily["O3_1h_max"] = o3max["max"].where(o3max["count"] >= 20).round(0)
    o3 = h[h["pollutant"] == "O3"].pivot_table(
        index=["station_id", "date"], columns="hr", values="value", observed=True
    )
    o3 = o3.reindex(columns=range(1, 25))
    arr = o3.to_numpy()
    windows = []
    for end in range(8, 25):
        block = arr[:, end - 8 : end]
        n = (~np.isnan(block)).sum(axis=1)
        windows.append(np.where(n >= 6, np.nansum(block, axis=1) / np.maximum(n, 1), np.nan))
    w = np.column_stack(windows)
    n_valid = (~np.isnan(w)).sum(axis=1)
    wmax = np.where(n_valid > 0, np.nanmax(np.where(np.isnan(w), -np.inf, w), axis=1), np.nan)
    wmax = np.round(np.round(wmax, 6), 0)
    o3_8h = pd.Series(np.where((n_valid >= 14) | (wmax > 160), wmax, np.nan), index=o3.index)
    daily["O3_8h_max"] = o3_8h
    daily = daily.reset_index()
    aqi = daily_aqi(daily)
    daily["aqi"] = aqi["aqi"]
    daily["month"] = daily["date"].dt.strftime("%Y-%m")
    gm = daily.groupby(["station_id", "month"])
    out = gm[["PM2.5", "PM10", "SO2", "NO2"]].mean()
    days = gm[["PM2.5", "PM10", "SO2", "NO2", "CO", "O3_8h_max"]].count()
    out["CO_p95"] = gm["CO"].quantile(0.95)
    out["O3_8h_p90"] = gm["O3_8h_max"].quantile(0.90)
    out["good_days"] = gm["aqi"].apply(lambda s: int((s <= 100).sum()))
    need = np.where(out.index.get_level_values("month").str.endswith("-02"), 25, 27)
    for col, dcol in (
        ("PM2.5", "PM2.5"),
        ("PM10", "PM10"),
        ("SO2", "SO2"),
        ("NO2", "NO2"),
        ("CO_p95", "CO"),
        ("O3_8h_p90", "O3_8h_max"),
    ):
        out[col] = out[col].where(days[dcol].to_numpy() >= need)
    out["composite_index"] = (
        out["SO2"] / 60
        + out["NO2"] / 40
        + out["PM10"] / 70
        + out["PM2.5"] / 35
        + out["CO_p95"] / 4
        + out["O3_8h_p90"] / 160
    )
    return out.reset_index()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="Fraction of the full size (2,000 stations): 0.05 is quick.",
    )
    parser.add_argument("--pandas-stations", type=int, default=100)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--dir", type=Path, default=None, help="Keep the data here.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="Runs of each; the best counts.")
    args = parser.parse_args(argv)
    stations = max(1, round(2000 * args.scale)) if args.scale else args.stations

    import duckdb

    from geoair.readings.indicators import connect, daily_values, period_values

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    glob = str(folder / "year=*" / "month=*" / "*.parquet")
    try:
        if not any(folder.glob("year=*/month=*/*.parquet")):
            t0 = time.perf_counter()
            rows = generate(folder, stations=stations, year=args.year, seed=args.seed)
            print(
                f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s "
                f"({sum(p.stat().st_size for p in folder.rglob('*.parquet')) / 1e9:.2f} GB)"
            )
        else:
            rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')").fetchall()[0][0]
            print(f"reusing {rows:,} rows in {folder}")
        print(
            f"machine: {os.cpu_count()} cores; duckdb {duckdb.__version__}, "
            f"pandas {pd.__version__}, numpy {np.__version__}, pyarrow {pa.__version__}; "
            f"DuckDB threads {args.threads}"
        )

        con = connect(threads=args.threads)
        # Best of --repeat runs for each side, alternated, so that a burst of load from
        # other jobs on the shared machine does not decide the ratio; CPU time too.
        geoair_runs, pandas_runs = [], []
        n_sub = min(args.pandas_stations, stations)
        sub_ids = [f"S{i:05d}" for i in range(n_sub)]
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            daily = daily_values(glob, con=con)
            t1 = time.perf_counter()
            monthly = period_values(daily, period="month", con=con)
            geoair_runs.append((time.perf_counter() - t0, t1 - t0, time.process_time() - c0))
            if not pandas_runs:  # before pandas first runs
                geoair_rss = peak_rss_gb()
            # pandas: read its stations from the same files (the generator's row groups
            # hold 100 stations each and a range filter prunes the others by their
            # statistics, so it reads only its own), then the same rules.
            t0, c0 = time.perf_counter(), time.process_time()
            sub = pd.read_parquet(
                folder,
                columns=["station_id", "time", "pollutant", "value"],
                filters=[("station_id", ">=", sub_ids[0]), ("station_id", "<=", sub_ids[-1])],
            )
            sub["station_id"] = sub["station_id"].astype("category")
            sub["pollutant"] = sub["pollutant"].astype("category")
            expected = pandas_indicators(sub)
            pandas_runs.append((time.perf_counter() - t0, time.process_time() - c0))
        geoair_s, daily_s, geoair_cpu = min(geoair_runs)
        pandas_s, pandas_cpu = min(pandas_runs)
        print(
            f"geoair (DuckDB): {geoair_s:.1f} s (daily {daily_s:.1f} s, {len(daily):,} "
            f"station-days; monthly {geoair_s - daily_s:.1f} s, {len(monthly):,} "
            f"station-months), CPU {geoair_cpu:.1f} s; runs "
            f"{', '.join(f'{r[0]:.1f}' for r in geoair_runs)} s; peak RSS {geoair_rss:.2f} GB"
        )
        scaled = pandas_s * stations / n_sub
        scaled_cpu = pandas_cpu * stations / n_sub
        print(
            f"pandas groupby on {n_sub} stations ({len(sub):,} rows, read included): "
            f"{pandas_s:.1f} s, CPU {pandas_cpu:.1f} s; runs "
            f"{', '.join(f'{r[0]:.1f}' for r in pandas_runs)} s; scaled to {stations} "
            f"stations: {scaled:.1f} s"
        )
        print(
            f"ratio pandas/geoair: {scaled / geoair_s:.1f}x wall-clock, "
            f"{scaled_cpu / geoair_cpu:.1f}x CPU; peak RSS {peak_rss_gb():.2f} GB"
        )

        # Same answers on the subsample.
        mine = monthly[monthly["station_id"].isin(sub_ids)].set_index(["station_id", "period"])
        theirs = expected.rename(columns={"month": "period"}).set_index(["station_id", "period"])
        for column in ("PM2.5", "PM10", "SO2", "NO2", "CO_p95", "O3_8h_p90", "good_days"):
            a = mine[column].astype(float)
            decimals = 1 if column == "CO_p95" else 0
            b = theirs[column].reindex(mine.index).astype(float).round(6).round(decimals)
            same = ((a == b) | (a.isna() & b.isna())).mean()
            print(f"  agreement {column}: {same:.1%}")
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
