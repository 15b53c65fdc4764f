"""Indicators on a Dask cluster: the daily step by partition and station group, then periods.

The daily step is cut into tasks of one store partition (``year=Y/month=M``: a month
of days, since geoair's store files each hour under the month of its day) and one
*station group* (a range of station ids, at most ``stations_per_task`` of them). Each
task runs on a worker, reads its own rows from the store (a folder every worker sees
at the same path, read by DuckDB; or an fsspec URL such as ``s3://bucket/readings/
hourly``, read with pyarrow), and calls the single-machine
:func:`geoair.readings.indicators.daily_values` on them with the options it was
given, so the rules (validity, rounding, AQI) are those of the single-machine engine
by construction, whatever they become. Days and stations are independent in those
rules, so the parts put end to end, month by month and group by group, are the
single-machine table row for row.

The period step (:func:`period_values`) cuts the daily table by groups of its key
(station, county or park) and, for months, quarters and years, by calendar year (no
such period crosses a year), and calls the single-machine
:func:`geoair.readings.indicators.period_values` on each part.

Memory: a task holds one station group of one month (DuckDB streams the partition
file, filtered on the station range, and keeps one hash table per pollutant of at
most ``stations_per_task`` × 31 station-days) or one key group of one year, so a
worker's peak does not grow with the number of months, stations or years; DuckDB is
given one thread and :data:`TASK_MEMORY` in each task.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from geoair.distributed.tasks import run_tasks
from geoair.errors import IndicatorError
from geoair.messages import t
from geoair.readings.indicators import connect, daily_values, period_values

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    from distributed import Client

__all__ = [
    "KEYS_PER_TASK",
    "STATIONS_PER_TASK",
    "TASK_MEMORY",
    "daily_values_on",
    "merge_orders",
    "period_values_on",
    "store_partitions",
]


log = logging.getLogger(__name__)

#: Stations per daily task (geoair's choice: 2,000 stations × 31 days is a 62,000-row
#: result and small DuckDB hash tables, far under a worker's 2 GB).
STATIONS_PER_TASK = 2000
#: Keys (stations, counties, parks) per period task.
KEYS_PER_TASK = 1000
#: DuckDB memory limit inside one task (it spills beyond it).
TASK_MEMORY = "1GB"
_HOURLY = ["station_id", "time", "pollutant", "value"]
_PARTITION = re.compile(r"year=(\d+)[/\\]month=(\d+)$")


# --- the store ------------------------------------------------------------------------


def _is_url(path: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", str(path)))


def _pattern(source: str | Path) -> str:
    """A glob of the store's Parquet files: the source itself if it is one, else inside it."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        return text
    if text.endswith(".parquet"):
        return text
    return text.rstrip("/\\") + "/year=*/month=*/*.parquet"


def _folder_key(folder: str) -> tuple[int, int, str]:
    match = _PARTITION.search(folder.rstrip("/\\"))
    return (int(match.group(1)), int(match.group(2)), folder) if match else (0, 0, folder)


def store_partitions(source: str | Path) -> list[list[str]]:
    """The store's files grouped by partition folder, in month order.

    Parameters
    ----------
    source : str or path
        The hourly store: a folder (``…/readings/hourly``), a glob of its files (what
        :func:`geoair.readings.store.hourly_glob` returns), or the same as an fsspec
        URL (``s3://bucket/ws/readings/hourly``, ``file:///mnt/share/...``).

    Returns
    -------
    list of list of str
        One list of files (paths or URLs) per ``year=Y/month=M`` folder, oldest first.

    Raises
    ------
    IndicatorError
        No file matches.
    """
    pattern = _pattern(source)
    if _is_url(pattern):
        fs, path = _filesystem(pattern)
        files = [fs.unstrip_protocol(p) for p in sorted(fs.glob(path))]
    else:
        import glob as globbing

        files = sorted(globbing.glob(pattern))
    if not files:
        raise IndicatorError(t("error.distributed.no_files", pattern=pattern))
    folders: dict[str, list[str]] = {}
    for name in files:
        folders.setdefault(re.split(r"[/\\][^/\\]*$", name)[0], []).append(name)
    return [folders[f] for f in sorted(folders, key=_folder_key)]


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of a URL, or one sentence saying what to install."""
    try:
        import fsspec  # type: ignore[import-untyped]  # fsspec ships no type hints

        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise IndicatorError(t("error.distributed.store_unopenable", url=url, error=exc)) from None


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _station_range_sql(lo: str | None, hi: str | None) -> str:
    parts = []
    if lo is not None:
        parts.append(f"station_id >= {_quote(lo)}")
    if hi is not None:
        parts.append(f"station_id < {_quote(hi)}")
    return " AND ".join(parts)


def _read_url(files: Sequence[str], lo: str | None, hi: str | None) -> pd.DataFrame:
    """The rows of a station range from Parquet files behind fsspec URLs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    filters = []
    if lo is not None:
        filters.append(("station_id", ">=", lo))
    if hi is not None:
        filters.append(("station_id", "<", hi))
    tables = []
    for url in files:
        fs, path = _filesystem(url)
        tables.append(
            pq.read_table(
                path,
                filesystem=fs,
                columns=_HOURLY,
                filters=cast(Any, filters or None),  # pyarrow-stubs: a list of tuples works
                partitioning=None,
            )
        )
    return pa.concat_tables(tables, promote_options="default").to_pandas()


# --- tasks (run on the workers) -------------------------------------------------------


def _stations_task(files: Sequence[str]) -> list[str]:
    """Distinct station ids of one partition (only the station column is read)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    ids: set[str] = set()
    for name in files:
        if _is_url(name):
            fs, path = _filesystem(name)
            column = pq.read_table(path, filesystem=fs, columns=["station_id"], partitioning=None)
        else:
            column = pq.read_table(name, columns=["station_id"], partitioning=None)
        ids.update(str(v) for v in pc.unique(column.column(0)).to_pylist() if v is not None)
    return sorted(ids)


def _task_connection() -> duckdb.DuckDBPyConnection:
    """A task's own DuckDB connection: one thread and TASK_MEMORY (closed on leaving)."""
    return connect(threads=1, memory_limit=TASK_MEMORY)


def _daily_task(
    work: tuple[Sequence[str], str | None, str | None], options: dict[str, Any]
) -> pd.DataFrame:
    """The single-machine daily step on one partition and station range."""
    files, lo, hi = work
    with _task_connection() as con:
        options = dict(options)
        if any(_is_url(f) for f in files):
            return daily_values(_read_url(files, lo, hi), con=con, **options)
        given = options.pop("where", "") or ""
        stations = _station_range_sql(lo, hi)
        where = " AND ".join(f"({w})" for w in (stations, given) if w)
        folder = str(Path(files[0]).parent / "*.parquet") if len(files) > 1 else files[0]
        return daily_values(folder, con=con, where=where, **options)


def _daily_frame_task(frame: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    with _task_connection() as con:
        return daily_values(frame, con=con, **options)


def _period_task(frame: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    with _task_connection() as con:
        return period_values(frame, con=con, **options)


# --- the engine (runs on the client) --------------------------------------------------


def _groups(ids: Sequence[str], per_task: int) -> list[tuple[str | None, str | None]]:
    """Contiguous ranges [lo, hi) of sorted ids, about ``per_task`` each, covering all strings."""
    ids = sorted(set(ids))
    if len(ids) <= per_task:
        return [(None, None)]
    chunks = np.array_split(np.asarray(ids, dtype=object), math.ceil(len(ids) / per_task))
    starts = [str(c[0]) for c in chunks]
    return [
        (None if i == 0 else starts[i], starts[i + 1] if i + 1 < len(starts) else None)
        for i in range(len(starts))
    ]


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Parts end to end; categorical columns keep one category list in the single order.

    A categorical column made in each task (e.g. the primary pollutant, whose
    categories are the combinations that occur, in a fixed order) has only its part's
    categories; the merged list keeps the order every part agrees on.
    """
    kept = [p for p in parts if len(p)]
    if not kept:
        return parts[0]
    if len(kept) == 1:
        return kept[0]
    out = pd.concat(kept, ignore_index=True)
    for column in kept[0].columns:
        dtypes = [p[column].dtype for p in kept]
        categoricals = [d for d in dtypes if isinstance(d, pd.CategoricalDtype)]
        if len(categoricals) == len(dtypes) and not isinstance(
            out[column].dtype, pd.CategoricalDtype
        ):
            order = merge_orders([list(d.categories) for d in categoricals])
            out[column] = pd.Categorical(out[column], categories=order)
    return out


def _aqi_categories(daily: pd.DataFrame) -> pd.DataFrame:
    """The pollutant combinations of the AQI columns in the order the single machine
    gives them (:func:`geoair.readings.aqi.combination_order`); the merged order of the
    parts stays for a column of other names."""
    from geoair.readings.aqi import combination_order

    for column in ("primary_pollutant", "exceeding_pollutants"):
        if column in daily and isinstance(daily[column].dtype, pd.CategoricalDtype):
            order = combination_order(daily[column].cat.categories)
            if order is not None:
                daily[column] = daily[column].cat.reorder_categories(order)
    return daily


def merge_orders(lists: Sequence[Sequence[Any]]) -> list[Any]:
    """One list holding every item of ``lists`` in an order each of them agrees with.

    A topological merge (Kahn's algorithm); where the lists do not say which of two
    items comes first, the one seen first comes first.

    >>> merge_orders([["a", "c"], ["b", "c", "d"], ["a", "b"]])
    ['a', 'b', 'c', 'd']
    """
    seen: dict[Any, int] = {}
    after: dict[Any, set] = {}
    before: dict[Any, int] = {}
    for items in lists:
        for item in items:
            if item not in seen:
                seen[item] = len(seen)
                after[item] = set()
                before[item] = 0
        for a, b in zip(items, items[1:], strict=False):
            if b not in after[a]:
                after[a].add(b)
                before[b] += 1
    import heapq

    ready = [(seen[i], i) for i in seen if before[i] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, item = heapq.heappop(ready)
        out.append(item)
        for nxt in after[item]:
            before[nxt] -= 1
            if before[nxt] == 0:
                heapq.heappush(ready, (seen[nxt], nxt))
    if len(out) < len(seen):  # the parts disagree: keep first-seen order
        return sorted(seen, key=lambda item: seen[item])
    return out


def daily_values_on(
    client: Client,
    hourly: pd.DataFrame | str | Path,
    *,
    stations_per_task: int = STATIONS_PER_TASK,
    retries: int = 2,
    **options: Any,
) -> pd.DataFrame:
    """:func:`geoair.readings.indicators.daily_values` on a Dask cluster, same result.

    Parameters
    ----------
    client : distributed.Client
    hourly : DataFrame, path or URL
        The hourly store (folder, glob, or fsspec URL that every worker can read), or
        a long frame (then cut by station groups and sent to the workers).
    stations_per_task : int
        Stations per task.
    retries : int
        Times the scheduler reruns a task whose worker died.
    **options
        Passed unchanged to the single-machine ``daily_values`` in every task
        (``min_hours``, ``o3_8h_limit``, ``where``, ...); ``con`` is ignored: each
        task opens its own one-thread connection.

    Returns
    -------
    DataFrame
        The single-machine table, row for row (month by month, each by station and
        date).
    """
    options.pop("con", None)
    if isinstance(hourly, pd.DataFrame):
        ids = hourly["station_id"].astype(str)
        groups = _groups(ids.unique().tolist(), stations_per_task)

        def frames():
            for lo, hi in groups:
                mask = np.ones(len(hourly), dtype=bool)
                if lo is not None:
                    mask &= (ids >= lo).to_numpy()
                if hi is not None:
                    mask &= (ids < hi).to_numpy()
                yield hourly[mask]

        parts = run_tasks(client, _daily_frame_task, frames(), args=(options,), retries=retries)
        return _aqi_categories(_concat(parts))
    partitions = store_partitions(hourly)
    seen = run_tasks(client, _stations_task, partitions, retries=retries, window=len(partitions))
    groups = _groups([s for ids in seen for s in ids], stations_per_task)
    log.info(
        "daily step: %d partitions × %d station groups = %d tasks",
        len(partitions),
        len(groups),
        len(partitions) * len(groups),
    )
    work = [
        (files, lo, hi)
        for files, ids in zip(partitions, seen, strict=True)
        for lo, hi in groups
        if ids and _any_in(ids, lo, hi)
    ] or [(partitions[0], None, None)]
    parts = run_tasks(client, _daily_task, work, args=(options,), retries=retries)
    daily = _aqi_categories(_concat(parts))
    if len(daily) and daily[["station_id", "date"]].duplicated().any():
        raise IndicatorError(t("error.distributed.day_in_two_partitions"))
    return daily


def _any_in(ids: Sequence[str], lo: str | None, hi: str | None) -> bool:
    """Whether the sorted ``ids`` hold one in [lo, hi)."""
    import bisect

    start = 0 if lo is None else bisect.bisect_left(ids, lo)
    return start < len(ids) and (hi is None or ids[start] < hi)


def period_values_on(
    client: Client,
    daily: pd.DataFrame,
    *,
    key: str = "station_id",
    period: str = "month",
    span: str | None = None,
    keys_per_task: int = KEYS_PER_TASK,
    retries: int = 2,
    **options: Any,
) -> pd.DataFrame:
    """:func:`geoair.readings.indicators.period_values` on a Dask cluster, same result.

    The daily table is cut by groups of ``key`` (and by calendar year for month,
    quarter and year periods); each part goes to a worker, which runs the
    single-machine ``period_values``; the parts come back in the single-machine
    order (by key, then period).
    """
    options.pop("con", None)
    if len(daily) == 0:
        return period_values(daily, key=key, period=period, span=span, **options)
    keys = daily[key].astype(str)
    groups = _groups(keys.unique().tolist(), keys_per_task)
    by_year = span is None and period in ("month", "quarter", "year")
    years = daily["date"].dt.year.to_numpy() if by_year else np.zeros(len(daily), dtype=int)

    def frames():
        for lo, hi in groups:
            mask = np.ones(len(daily), dtype=bool)
            if lo is not None:
                mask &= (keys >= lo).to_numpy()
            if hi is not None:
                mask &= (keys < hi).to_numpy()
            for year in np.unique(years[mask]):
                yield daily[mask & (years == year)]

    kw = {"key": key, "period": period, "span": span, **options}
    out = _concat(run_tasks(client, _period_task, frames(), args=(kw,), retries=retries))
    return out.sort_values([key, "period"], kind="stable", ignore_index=True)
