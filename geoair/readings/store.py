"""The readings store: hourly readings and monthly dustfall as Parquet in the workspace.

Hourly readings are stored in the workspace as Parquet, long form, partitioned by
year and month (``readings/hourly/year=2020/month=11/data.parquet``), so DuckDB reads
one month of a province without touching the rest (hive partitioning). The month is
that of the day each hour belongs to (the hour labelled 2020-11-01 00:00 ends October
31 and is stored with October), so a day never spans two files; within a file rows
are sorted by pollutant, station and time. Columns:

``station_id`` (str, = stations.id), ``time`` (China Standard Time, naive, labelled by
the END of the hour), ``pollutant`` (PM2.5 PM10 SO2 NO2 CO O3 WS WD), ``value``
(µg/m³; CO mg/m³; WS m/s; WD degrees the wind comes FROM).

Monthly dustfall is one file, ``readings/dustfall.parquet``: ``station_id``,
``month`` ("2020-11"), ``dustfall_t_km2`` (t/(km²·month)). Each month's partition is
rewritten atomically.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.tempfiles import remove_stale, temp_prefix
from geoair.store.workspace import Workspace

__all__ = [
    "DUSTFALL_COLUMNS",
    "HOURLY_COLUMNS",
    "POLLUTANTS",
    "UNITS",
    "dustfall_path",
    "has_hourly",
    "hourly_dir",
    "hourly_glob",
    "load_dustfall",
    "load_hourly",
    "store_dustfall",
    "store_hourly",
    "store_hourly_relation",
    "write_month",
]


log = logging.getLogger(__name__)

POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "WS", "WD")
UNITS = {
    "PM2.5": "µg/m³",
    "PM10": "µg/m³",
    "SO2": "µg/m³",
    "NO2": "µg/m³",
    "O3": "µg/m³",
    "CO": "mg/m³",
    "WS": "m/s",
    "WD": "°",
}
HOURLY_COLUMNS = ("station_id", "time", "pollutant", "value")
DUSTFALL_COLUMNS = ("station_id", "month", "dustfall_t_km2")


# --- reading files --------------------------------------------------------------------


# --- validation -----------------------------------------------------------------------


# --- the store ------------------------------------------------------------------------


def hourly_dir(ws: Workspace) -> Path:
    """The folder of the hourly Parquet store, hive-partitioned by year and month."""
    return ws.readings_dir / "hourly"


def hourly_glob(ws: Workspace) -> str:
    """The Parquet glob of the hourly store, for DuckDB (hive-partitioned)."""
    return str(hourly_dir(ws) / "year=*" / "month=*" / "*.parquet")


def dustfall_path(ws: Workspace) -> Path:
    """The Parquet file of monthly dustfall."""
    return ws.readings_dir / "dustfall.parquet"


def _write_failed(target: Path, exc: OSError | duckdb.Error) -> WorkspaceError:
    reason = getattr(exc, "strerror", None) or exc
    return WorkspaceError(t("error.readings.write_failed", target=target, reason=reason))


def _atomic_parquet(frame: pd.DataFrame, target: Path) -> None:
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=".parquet.tmp", dir=target.parent)
        os.close(fd)
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    except OSError as exc:
        raise _write_failed(target, exc) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _read_stored(path: Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet file of the store; a damaged one is one sentence naming it."""
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as exc:  # pyarrow's errors of a truncated or foreign file
        raise WorkspaceError(
            t("error.readings.file_damaged", path=path, error=exc.__class__.__name__)
        ) from None


def store_hourly(ws: Workspace, readings: pd.DataFrame) -> int:
    """Merge long hourly readings into the store; stored station-hours are replaced.

    Returns
    -------
    int
        Number of rows written (new and replaced).
    """
    if readings.empty:
        return 0
    frame = readings[list(HOURLY_COLUMNS)].copy()
    frame["time"] = pd.to_datetime(frame["time"]).astype("datetime64[us]")
    frame["value"] = frame["value"].astype("float64")
    frame["station_id"] = frame["station_id"].astype(str)
    frame["pollutant"] = frame["pollutant"].astype(str)
    with duckdb.connect() as con:
        con.register("frame_df", frame)
        con.execute(
            "CREATE TEMP VIEW frame AS SELECT station_id, time, pollutant, value, "
            f"{_PART_SQL} AS part FROM frame_df"
        )
        return store_hourly_relation(ws, con, "frame")


# The store's partition of an hour: the month of the day it belongs to (the hour ending
# at 2020-11-01 00:00 is the last of October 31), as year * 100 + month.
_PART_SQL = "CAST(year(time - INTERVAL 1 HOUR) * 100 + month(time - INTERVAL 1 HOUR) AS INTEGER)"


def store_hourly_relation(ws: Workspace, con: duckdb.DuckDBPyConnection, relation: str) -> int:
    """Merge the hourly readings of a DuckDB relation (``station_id, time, pollutant,
    value``, and ``part`` = year × 100 + month of each hour's day) into the store.

    Returns
    -------
    int
        Number of rows written (new and replaced).
    """
    parts = [
        int(p)
        for (p,) in con.execute(f"SELECT DISTINCT part FROM {relation} ORDER BY 1").fetchall()
    ]
    written = 0
    for part in parts:
        year, month = divmod(part, 100)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _part AS SELECT station_id, time, pollutant, value "
            f"FROM {relation} WHERE part = {part}"
        )
        written += write_month(ws, con, "_part", year, month)
    return written


def write_month(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    relation: str,
    year: int,
    month: int,
    *,
    order: str = "pollutant, station_id, time",
) -> int:
    """Write one month's hourly readings (a DuckDB relation ``station_id, time, pollutant,
    value``, every hour belonging to a day of that month) into the store.

    A station-hour already stored is replaced by the new value. The file is written
    sorted by pollutant, station and time, to a temporary name, and put in place
    atomically. ``order`` may name other columns of ``relation`` that sort the same
    way (integer codes are faster to sort than text).

    Returns
    -------
    int
        Number of rows of ``relation`` (new and replaced).
    """
    target = hourly_dir(ws) / f"year={year}" / f"month={month}" / "data.parquet"
    columns = "station_id, time, pollutant, value"
    # One writer of the readings at a time (a lock file, or the database's advisory lock):
    # two analysts importing the same month would otherwise each rewrite it.
    with ws.lock("readings"):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(target.parent)
        except OSError as exc:
            raise _write_failed(target, exc) from None
        merged = target.exists()
        if merged:
            _read_stored(target, columns=["station_id"])  # a damaged file: one sentence
            old = str(target).replace("'", "''")
            query = (
                f"WITH n AS (SELECT {columns} FROM {relation}) SELECT * FROM n UNION ALL "
                f"SELECT o.station_id, CAST(o.time AS TIMESTAMP) AS time, o.pollutant, o.value "
                f"FROM read_parquet('{old}') o ANTI JOIN n USING (station_id, time, pollutant) "
                "ORDER BY pollutant, station_id, time"
            )
        else:
            query = f"SELECT {columns} FROM (SELECT * FROM {relation} ORDER BY {order})"
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), suffix=".parquet", dir=target.parent)
            os.close(fd)
            row = con.execute(
                f"COPY ({query}) TO '{Path(tmp).as_posix()}' "
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
            ).fetchone()
            os.replace(tmp, target)
        except (OSError, duckdb.IOException) as exc:  # disk full, no permission
            raise _write_failed(target, exc) from None
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
    if merged:
        row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def has_hourly(ws: Workspace) -> bool:
    """True when the workspace holds hourly readings."""
    return any(hourly_dir(ws).glob("year=*/month=*/*.parquet"))


def load_hourly(
    ws: Workspace,
    *,
    station_ids: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    pollutants: Sequence[str] | None = None,
    required: bool = True,
) -> pd.DataFrame:
    """Hourly readings from the workspace's store, long form.

    Parameters
    ----------
    ws : Workspace
    station_ids : sequence of str, optional
        Only these stations (``stations.id``).
    start, end : str or Timestamp, optional
        Inclusive bounds on ``time`` (end-of-hour labels), e.g. ``"2024-01-01 01:00"``.
        A date alone means whole days, as the indicators count them: ``start``
        from the hour ending at 01:00, ``end`` up to the next day's 00:00 label.
    pollutants : sequence of str, optional
        e.g. ``["PM10", "WS", "WD"]``.
    required : bool
        If True (default) an empty store raises :class:`WorkspaceError`.

    Returns
    -------
    DataFrame
        ``station_id`` (str), ``time`` (datetime64, CST naive, end of hour),
        ``pollutant`` (str), ``value`` (float), sorted by station, pollutant, time.

    Examples
    --------
    >>> pm = load_hourly(ws, pollutants=["PM10", "WS", "WD"],       # doctest: +SKIP
    ...                  start="2024-01-01", end="2024-03-31")
    """
    if not has_hourly(ws):
        if required:
            raise WorkspaceError(t("error.readings.no_hourly", location=ws.location))
        return pd.DataFrame(
            {
                "station_id": pd.Series(dtype=str),
                "time": pd.Series(dtype="datetime64[us]"),
                "pollutant": pd.Series(dtype=str),
                "value": pd.Series(dtype="float64"),
            }
        )
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if start is not None:
        lo = pd.Timestamp(start)
        if len(str(start)) <= 10:  # a date: its first hour is the one ending at 01:00
            lo = lo + pd.Timedelta(hours=1)
        where.append("time >= ?")
        params.append(lo.to_pydatetime())
        where.append("(year > ? OR (year = ? AND month >= ?))")
        first = lo - pd.Timedelta(hours=1)  # partitions are by the day of the hour
        params += [first.year, first.year, first.month]
    if end is not None:
        text = str(end)
        hi = pd.Timestamp(end)
        if len(text) <= 10:  # a date: the whole day, up to the next day's 00:00 label
            hi = hi + pd.Timedelta(days=1)
        where.append("time <= ?")
        params.append(hi.to_pydatetime())
        where.append("(year < ? OR (year = ? AND month <= ?))")
        last = hi - pd.Timedelta(hours=1)
        params += [last.year, last.year, last.month]
    if station_ids is not None:
        where.append("list_contains(?, station_id)")
        params.append([str(s) for s in station_ids])
    if pollutants is not None:
        where.append("list_contains(?, pollutant)")
        params.append(list(pollutants))
    glob = hourly_glob(ws).replace("'", "''")
    sql = (
        f"SELECT station_id, time, pollutant, value FROM read_parquet('{glob}', "
        f"hive_partitioning = true) WHERE {' AND '.join(where)} "
        "ORDER BY station_id, pollutant, time"
    )
    try:
        with duckdb.connect() as con:
            frame = con.execute(sql, params).df()
    except duckdb.Error as exc:
        raise WorkspaceError(
            t(
                "error.readings.hourly_damaged_in",
                root=ws.root,
                folder=hourly_dir(ws),
                error=exc.__class__.__name__,
            )
        ) from None
    frame["station_id"] = frame["station_id"].astype(str)
    frame["pollutant"] = frame["pollutant"].astype(str)
    frame["time"] = frame["time"].astype("datetime64[us]")
    return frame


def store_dustfall(ws: Workspace, dustfall: pd.DataFrame) -> int:
    """Merge monthly dustfall into the store (a station-month given again is replaced)."""
    if dustfall.empty:
        return 0
    frame = dustfall[list(DUSTFALL_COLUMNS)].copy()
    path = dustfall_path(ws)
    with ws.lock("readings"):
        if path.exists():
            old = _read_stored(path)
            keys = frame["station_id"] + "|" + frame["month"]
            old = old[~(old["station_id"] + "|" + old["month"]).isin(keys)]
            frame = pd.concat([old, frame], ignore_index=True)
        frame = frame.sort_values(["station_id", "month"]).reset_index(drop=True)
        _atomic_parquet(frame, path)
    return len(dustfall)


def load_dustfall(
    ws: Workspace, *, station_ids: Sequence[str] | None = None, months: Sequence[str] | None = None
) -> pd.DataFrame:
    """Monthly dustfall: ``station_id``, ``month`` ("2020-11"), ``dustfall_t_km2``.

    An empty frame (with those columns) when none has been imported.
    """
    path = dustfall_path(ws)
    if not path.exists():
        return pd.DataFrame(
            {
                "station_id": pd.Series(dtype=str),
                "month": pd.Series(dtype=str),
                "dustfall_t_km2": pd.Series(dtype="float64"),
            }
        )
    frame = _read_stored(path)
    if station_ids is not None:
        frame = frame[frame["station_id"].isin([str(s) for s in station_ids])]
    if months is not None:
        frame = frame[frame["month"].isin(list(months))]
    return frame.reset_index(drop=True)


# --- dustfall parsing -----------------------------------------------------------------


# --- import commands ------------------------------------------------------------------
