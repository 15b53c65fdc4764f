"""Readings to indicators: daily, 8-hour, monthly, quarterly and annual values with validity.

The rules are those of GB 3095-2012 §8 (Table 4, 数据统计的有效性规定) and HJ 663-2013
(环境空气质量评价技术规范（试行）):

* **Day** (24-hour mean of SO2, NO2, PM10, PM2.5, CO): at least 20 hourly values.
  Hours are labelled by the END of the hour (Chinese station convention), so a
  calendar day D holds the values labelled D 01:00 ... D+1 00:00.
* **O3 daily maximum 1-hour**: the highest hourly value, with at least 20 hourly
  values that day (geoair applies the daily rule; HJ 663 names no other).
* **O3 daily maximum 8-hour** (日最大8小时滑动平均): 8-hour means ending at 08:00 ...
  24:00 of the day (17 windows, each of the day's own hours); a window needs at least
  6 hourly values; the daily maximum needs at least 14 valid windows, or is valid
  anyway when it exceeds the class-II 8-hour limit (160 µg/m³), HJ 663-2013 Table 2.
* **Month**: at least 27 valid daily values (25 in February). **Year**: at least 324.
  **Quarter**: the standards set no count; geoair requires the sum of its months'
  minimums (81, or 79 for a quarter with February), so a quarter is valid when it has
  as many valid days as three valid months would.
* Percentiles (CO 95th of daily means, O3 90th of daily maximum 8-hour means) by
  HJ 663-2013 Appendix A: on the ascending series X(1..n), position k = 1 + (n−1)·p,
  X(s) + (X(s+1) − X(s))·(k − s) with s the whole part of k (:func:`percentile_hj663`).
* Daily values are rounded as reported (whole µg/m³, CO to 0.1 mg/m³) and every
  period statistic is computed from the reported daily values, as a clerk would
  from the published daily table.
* An invalid value is NaN in the value column, with the count of valid hours or
  days beside it and a ``validity`` text saying which are short; it is never
  averaged silently.
* **County and park** values: per day, the mean of the valid daily values of the
  stations that belong to it (as city values are formed from station values in
  HJ 663 and the monthly ranking rules); its period values follow from those daily
  values with the same rules. A county day is valid when one station is. Which
  stations belong to which county, park or unit is :mod:`geoair.readings.membership`'s work.

The heavy group-bys run in DuckDB, over a pandas frame or over the Parquet store
(hive-partitioned by year and month) without loading it: :func:`daily_values`
accepts either. The same SQL runs on a distributed engine (README, "Readings and
indicators").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd

from geoair.errors import IndicatorError
from geoair.messages import t
from geoair.readings.aqi import CATEGORIES, HOURLY_INPUTS, REPORT_DECIMALS, daily_aqi, iaqi_sql

__all__ = [
    "COMPOSITE_LIMITS",
    "COUNT_COLUMNS",
    "DAILY_COLUMNS",
    "DAY_INDICATORS",
    "MEAN_POLLUTANTS",
    "PERIODS",
    "SCALE_DIGITS",
    "connect",
    "daily_sql",
    "daily_values",
    "day_aqi_columns",
    "group_daily",
    "half_even_ratio",
    "hourly_aqi",
    "hourly_sql",
    "min_days",
    "percentile_hj663",
    "period_sql",
    "period_values",
    "round_ratio_sql",
]


log = logging.getLogger(__name__)

#: Pollutants whose daily value is the 24-hour mean.
MEAN_POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "CO")
#: Columns of a daily table that carry pollutant values.
DAILY_COLUMNS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3_1h_max", "O3_8h_max")
#: Class-II limits of the composite index (GB 3095-2012 Table 1; HJ 663-2013).
COMPOSITE_LIMITS = {
    "SO2": 60.0,
    "NO2": 40.0,
    "PM10": 70.0,
    "PM2.5": 35.0,
    "CO_p95": 4.0,
    "O3_8h_p90": 160.0,
}
PERIODS = ("day", "month", "quarter", "year")


# --- rules ----------------------------------------------------------------------------


def percentile_hj663(values: Sequence[float] | np.ndarray, p: float) -> float:
    """The p-th percentile as HJ 663-2013 Appendix A defines it.

    Parameters
    ----------
    values : sequence of float
        The daily values (NaN ignored).
    p : float
        0-1, e.g. 0.95 for CO, 0.90 for O3.

    Returns
    -------
    float
        NaN for an empty series.

    Examples
    --------
    Ten values 1..10, p = 0.9: k = 1 + 9 × 0.9 = 9.1, X(9) + 0.1 × (X(10) − X(9)) = 9.1.

    >>> percentile_hj663(list(range(1, 11)), 0.9)
    9.1
    """
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan")
    k = 1 + (len(x) - 1) * p
    s = int(np.floor(k))
    if s >= len(x):
        return float(x[-1])
    return float(round(x[s - 1] + (x[s] - x[s - 1]) * (k - s), 9))


def min_days(period: str, label: str) -> int:
    """Valid daily values a period needs: month 27 (February 25), year 324, quarter sum.

    Parameters
    ----------
    period : str
        ``month``, ``quarter``, ``year`` or ``span`` (a range of months "2020-10/2020-12").
    label : str
        The period label: ``2020-02``, ``2020-Q1``, ``2020``, ``2020-10/2020-12``.
    """
    if period == "year":
        return 324
    if period == "month":
        return 25 if label[5:7] == "02" else 27
    if period == "quarter":
        q = int(label[-1])
        return 79 if q == 1 else 81
    if period == "span":
        start, end = label.split("/")
        months = pd.period_range(start, end, freq="M")
        return sum(25 if m.month == 2 else 27 for m in months)
    raise IndicatorError(
        t("error.readings.unknown_period", period=period, choices=", ".join(PERIODS))
    )


# --- engine ---------------------------------------------------------------------------


def connect(
    *, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (in memory) for indicator queries."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def _register_source(
    con: duckdb.DuckDBPyConnection, source: pd.DataFrame | str | Path, name: str = "src"
) -> None:
    if isinstance(source, pd.DataFrame):
        missing = {"station_id", "time", "pollutant", "value"} - set(source.columns)
        if missing:
            raise IndicatorError(
                t("error.readings.lacks_columns", columns=", ".join(sorted(missing)))
            )
        frame = source[["station_id", "time", "pollutant", "value"]]
        con.register(f"{name}_df", frame)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT station_id::VARCHAR AS "
            f"station_id, time::TIMESTAMP AS time, pollutant::VARCHAR AS pollutant, "
            f"value::DOUBLE AS value FROM {name}_df"
        )
    else:
        path = str(source).replace("'", "''")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT station_id, time, pollutant, "
            f"value FROM read_parquet('{path}', hive_partitioning = true)"
        )


def _month_sources(hourly: pd.DataFrame | str | Path) -> list[pd.DataFrame | str]:
    """One source per ``year=Y/month=M`` partition of a Parquet store, else the source."""
    if isinstance(hourly, pd.DataFrame):
        return [hourly]
    import glob as globbing

    files = sorted(globbing.glob(str(hourly)))
    if not files:
        raise IndicatorError(t("error.readings.no_files", pattern=hourly))
    folders = sorted(
        {str(Path(f).parent) for f in files},
        key=lambda d: (_partition_key(d) is None, _partition_key(d) or (0, 0)),
    )
    if len(folders) == 1 or any(_partition_key(d) is None for d in folders):
        return [str(hourly)]
    return [str(Path(d) / "*.parquet") for d in folders]


def _partition_key(folder: str) -> tuple[int, int] | None:
    import re

    match = re.search(r"year=(\d+)[/\\]month=(\d+)$", folder)
    return (int(match.group(1)), int(match.group(2))) if match else None


#: Hourly values enter the daily SQL as whole numbers of 10⁻⁶ of their unit: sums of
#: decimals are then exact and independent of the order of summation (a float sum is
#: not), and a mean that ends in exactly 5 is rounded half to even on its true value.
SCALE_DIGITS = 6


def _scaled_sql(expr: str) -> str:
    """A value as a whole number of 10⁻⁶ units (``1.05`` -> ``1050000``)."""
    return f"CAST(round({expr} * {10**SCALE_DIGITS}) AS BIGINT)"


def round_ratio_sql(numerator: str, denominator: str, scale_digits: int, decimals: int) -> str:
    """SQL for ``numerator / denominator`` rounded half to even (GB/T 8170) to ``decimals``.

    ``numerator`` is a whole number of 10^-``scale_digits`` units (an exact sum) and
    ``denominator`` a positive whole number (a count): the quotient is formed in integer
    arithmetic, so 1.05 is a tie and goes to 1.0, whatever float arithmetic would give.
    Non-negative numerators only (concentrations).
    """
    shift = scale_digits - decimals
    div = f"(({denominator})::HUGEINT * {10**shift})" if shift >= 0 else f"({denominator})"
    num = f"(({numerator})::HUGEINT)" if shift >= 0 else f"(({numerator})::HUGEINT * {10**-shift})"
    q, r = f"({num} // {div})", f"({num} % {div})"
    return (
        f"(CAST(CASE WHEN 2 * {r} > {div} OR (2 * {r} = {div} AND {q} % 2 = 1) "
        f"THEN {q} + 1 ELSE {q} END AS DOUBLE) / {10**decimals})"
    )


def daily_sql(
    *,
    min_hours: int = 20,
    min_hours_8h: int = 6,
    min_windows_8h: int = 14,
    o3_8h_limit: float = 160.0,
    where: str = "",
) -> str:
    """The SQL that turns long hourly readings (view ``src``) into the daily table.

    Exposed so that the same statement can run on another SQL engine (Spark SQL,
    ...); it uses ``list_max`` and ``list_count`` of DuckDB and 128-bit integers,
    which have one-line equivalents elsewhere. Means are exact: values are summed as
    whole numbers of 10⁻⁶ units and divided in integer arithmetic
    (:func:`round_ratio_sql`), so rounding half to even never depends on float noise
    or on the order in which threads add the values.
    """
    extra = f"AND ({where})" if where else ""
    # Day number and hour label 1..24 from the end-of-hour label, in integer arithmetic
    # (cheaper than timestamp functions over 1e8 rows): the hour ending at D+1 00:00 is
    # hour 24 of day D. One aggregation per pollutant: the store is sorted pollutant
    # first, so each reads only its own row groups, and each hash table holds one
    # pollutant's station-days.
    us_hour = 3_600_000_000
    k = SCALE_DIGITS

    def rows(pollutant: str) -> str:
        return (
            f"SELECT station_id, (epoch_us(time) - {us_hour}) // {24 * us_hour} AS d, "
            f"CAST(((epoch_us(time) - {us_hour}) // {us_hour}) % 24 + 1 AS INTEGER) AS hr, "
            f"{_scaled_sql('value')} AS v FROM src "
            f"WHERE pollutant = '{pollutant}' AND value IS NOT NULL {extra}"
        )

    ctes, joins, cols = [], [], []
    for p in MEAN_POLLUTANTS:
        q = p.replace(".", "")
        ctes.append(
            f"p_{q} AS (SELECT station_id, d, sum(v) AS total, count(*) AS n "
            f"FROM ({rows(p)}) GROUP BY station_id, d)"
        )
        joins.append(f"LEFT JOIN p_{q} USING (station_id, d)")
        mean = round_ratio_sql(f"p_{q}.total", f"p_{q}.n", k, REPORT_DECIMALS[p])
        cols.append(f'CASE WHEN p_{q}.n >= {min_hours} THEN {mean} END AS "{p}"')
        cols.append(f"coalesce(p_{q}.n, 0) AS n_{q}")
    hours = ", ".join(f"max(CASE WHEN hr = {h} THEN v END) AS h{h}" for h in range(1, 25))
    ctes.append(
        f"o3 AS (SELECT station_id, d, max(v) AS maxv, count(*) AS n, {hours} "
        f"FROM ({rows('O3')}) GROUP BY station_id, d)"
    )
    # 8-hour windows ending at hours 8..24: sums and counts of the values present; each
    # window mean rounded exactly (rounding is monotone, so the maximum of the rounded
    # means is the rounded maximum).
    sums = []
    for end in range(8, 25):
        members = range(end - 7, end + 1)
        sums.append(" + ".join(f"coalesce(h{h}, 0)" for h in members) + f" AS s{end}")
        sums.append(" + ".join(f"(h{h} IS NOT NULL)::INTEGER" for h in members) + f" AS c{end}")
    means = ", ".join(
        f"CASE WHEN c{e} >= {min_hours_8h} THEN {round_ratio_sql(f's{e}', f'c{e}', k, 0)} END"
        for e in range(8, 25)
    )
    ctes.append(f"o3_sums AS (SELECT station_id, d, maxv, n, {', '.join(sums)} FROM o3)")
    ctes.append(
        f"o3_8h AS (SELECT station_id, d, maxv, n, list_max(w) AS m8, list_count(w) AS nw "
        f"FROM (SELECT station_id, d, maxv, n, [{means}] AS w FROM o3_sums))"
    )
    keys = (
        " UNION ".join(f"SELECT station_id, d FROM p_{p.replace('.', '')}" for p in MEAN_POLLUTANTS)
        + " UNION SELECT station_id, d FROM o3_8h"
    )
    ctes.append(f"days AS ({keys})")
    max1 = round_ratio_sql("o3_8h.maxv", "1", k, 0)
    cols.append(f"CASE WHEN o3_8h.n >= {min_hours} THEN {max1} END AS O3_1h_max")
    cols.append("coalesce(o3_8h.n, 0) AS n_O3_1h")
    cols.append(
        f"CASE WHEN o3_8h.nw >= {min_windows_8h} OR o3_8h.m8 > {o3_8h_limit} "
        "THEN o3_8h.m8 END AS O3_8h_max"
    )
    cols.append("coalesce(o3_8h.nw, 0) AS n_O3_8h")
    sep = ",\n  "
    return f"""
WITH {sep.join(ctes)}
SELECT days.station_id, DATE '1970-01-01' + CAST(days.d AS INTEGER) AS date,
  {sep.join(cols)}
FROM days {" ".join(joins)} LEFT JOIN o3_8h USING (station_id, d)
ORDER BY days.station_id, date
"""


def hourly_sql(*, where: str = "", min_hours_24h: int = 20) -> str:
    """The SQL of the hourly AQI (实时报, HJ 633-2012) over long readings (view ``src``).

    One row per station and hour with at least one of the six pollutants: ``aqi`` the
    largest IAQI of the hour's values on the tables of :data:`HOURLY_INPUTS` (SO2, NO2,
    CO, O3 on their 1-hour tables; PM10 and PM2.5 hourly values on the 24-hour
    tables), only when all six are there (the national platform publishes no AQI for an
    hour that lacks one: checked on its hourly exports); ``category``,
    ``primary_pollutant`` (every pollutant at the maximum, only when AQI > 50). An SO2
    hour above 800 µg/m³ has no 1-hour IAQI (HJ 633 Table 1
    note 2): the SO2 24-hour mean is indexed instead, the mean of the hours ending at
    this one and the 23 before it when at least ``min_hours_24h`` are there (the daily
    rule of GB 3095-2012 Table 4; geoair's choice for a sliding window), else none.
    """
    extra = f"AND ({where})" if where else ""
    pivot = ", ".join(
        f"max(value) FILTER (WHERE pollutant = '{p}') AS \"{p}\"" for p in HOURLY_INPUTS
    )
    names = list(HOURLY_INPUTS)
    iaqis = []
    for name, (pollutant, averaging) in HOURLY_INPUTS.items():
        expr = iaqi_sql(f'h."{name}"', pollutant, averaging=averaging)
        if name == "SO2":
            expr = (
                f'CASE WHEN h."SO2" > 800 THEN {iaqi_sql("s24.mean", "SO2", averaging="24h")} '
                f"ELSE {expr} END"
            )
        iaqis.append(f'{expr} AS "i_{name}"')
    top = "greatest(" + ", ".join(f'"i_{n}"' for n in names) + ")"
    # An hour has an AQI only with all six pollutants, as the national platform
    # publishes it (an SO2 hour above 800 with no 24-hour mean has none either).
    every = " AND ".join(f'"i_{n}" IS NOT NULL' for n in names)
    primary = (
        "concat_ws(',', "
        + ", ".join(f"""CASE WHEN "i_{n}" = aqi THEN '{n}' END""" for n in names)
        + ")"
    )
    cases = " ".join(
        f"WHEN aqi <= {upper} THEN '{name}'" for upper, _level, name in CATEGORIES[:-1]
    )
    return f"""
WITH h AS (
  SELECT station_id, time, {pivot} FROM src
  WHERE pollutant IN ({", ".join(f"'{p}'" for p in names)}) AND value IS NOT NULL {extra}
  GROUP BY station_id, time),
s24 AS (
  SELECT x.station_id, x.time, avg(s.value) AS mean FROM (SELECT station_id, time FROM h
  WHERE "SO2" > 800) x JOIN src s ON s.station_id = x.station_id AND s.pollutant = 'SO2'
  AND s.value IS NOT NULL AND s.time > x.time - INTERVAL 24 HOUR AND s.time <= x.time
  GROUP BY x.station_id, x.time HAVING count(*) >= {min_hours_24h}),
i AS (
  SELECT h.station_id, h.time, {", ".join(iaqis)}
  FROM h LEFT JOIN s24 USING (station_id, time)),
a AS (SELECT *, CASE WHEN {every} THEN {top} END AS aqi FROM i)
SELECT station_id, time, aqi,
  CASE WHEN aqi IS NULL THEN NULL {cases} ELSE '{CATEGORIES[-1][2]}' END AS category,
  CASE WHEN aqi > 50 THEN {primary} END AS primary_pollutant
FROM a ORDER BY station_id, time
"""


def hourly_aqi(
    hourly: pd.DataFrame | str | Path,
    *,
    where: str = "",
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Hourly AQI (实时AQI) per station and hour, by HJ 633-2012 (:func:`hourly_sql`).

    Parameters
    ----------
    hourly : DataFrame or path
        Long hourly readings (``station_id, time, pollutant, value``) or a Parquet glob.
    where : str, optional
        An SQL condition on ``src`` columns (a time range).

    Returns
    -------
    DataFrame
        ``station_id``, ``time``, ``aqi`` (float, NaN when the hour has no value of the
        six pollutants), ``category``, ``primary_pollutant``.

    Examples
    --------
    >>> rows = pd.DataFrame({"station_id": "A", "time": pd.Timestamp("2020-11-01 13:00"),
    ...                      "pollutant": ["PM2.5", "O3"], "value": [80.0, 90.0]})
    >>> hourly_aqi(rows)[["aqi", "category", "primary_pollutant"]].iloc[0].tolist()
    [107.0, '轻度污染', 'PM2.5']
    """
    own = con is None
    con = con or connect()
    try:
        _register_source(con, hourly)
        out = con.execute(hourly_sql(where=where)).df()
    finally:
        if own:
            con.close()
    out["time"] = out["time"].astype("datetime64[us]")
    out["primary_pollutant"] = out["primary_pollutant"].where(
        out["primary_pollutant"].fillna("") != "", None
    )
    return out


#: Count columns of the daily table and what they count.
COUNT_COLUMNS = {
    "PM2.5": "n_PM25",
    "PM10": "n_PM10",
    "SO2": "n_SO2",
    "NO2": "n_NO2",
    "CO": "n_CO",
    "O3_1h_max": "n_O3_1h",
    "O3_8h_max": "n_O3_8h",
}


def daily_values(
    hourly: pd.DataFrame | str | Path,
    *,
    min_hours: int = 20,
    min_hours_8h: int = 6,
    min_windows_8h: int = 14,
    o3_8h_limit: float = 160.0,
    con: duckdb.DuckDBPyConnection | None = None,
    where: str = "",
) -> pd.DataFrame:
    """Daily values per station with validity, and the daily AQI (HJ 633-2012).

    Parameters
    ----------
    hourly : DataFrame or path
        Long hourly readings (``station_id, time, pollutant, value``; time labelled by
        the end of the hour, China Standard Time) or a Parquet glob of them
        (``readings/hourly/**/*.parquet``), read by DuckDB without loading it whole.
    min_hours, min_hours_8h, min_windows_8h, o3_8h_limit
        The validity rules (defaults: GB 3095-2012 / HJ 663-2013, see module notes).
    con : duckdb connection, optional
        Reuse a connection (and its thread and memory settings).
    where : str, optional
        An SQL condition on ``src`` columns, e.g. a time range, for Parquet sources.

    Returns
    -------
    DataFrame
        One row per station and day (month by month, each by station and date):
        ``station_id``, ``date``; the daily values
        ``PM2.5 PM10 SO2 NO2 CO O3_1h_max O3_8h_max`` (NaN when invalid); the counts
        ``n_PM25 ... n_O3_8h`` (valid hours, or valid 8-hour windows); ``aqi``,
        ``category``, ``primary_pollutant``; ``validity`` ("valid" or the inputs that
        are short, with their counts).
    """
    own = con is None
    con = con or connect()
    sql = daily_sql(
        min_hours=min_hours,
        min_hours_8h=min_hours_8h,
        min_windows_8h=min_windows_8h,
        o3_8h_limit=o3_8h_limit,
        where=where,
    )
    try:
        parts = []
        # A store partitioned by the month of each hour's day (geoair.readings) is done
        # one month at a time: smaller hash tables, bounded memory, same result.
        sources = _month_sources(hourly)
        for source in sources:
            _register_source(con, source)
            parts.append(con.execute(sql).df())
        if (
            len(parts) > 1
            and pd.concat([p[["station_id", "date"]] for p in parts]).duplicated().any()
        ):
            # A day spread over two partitions (a store not written by geoair.readings):
            # do it in one query instead.
            log.warning("some days span two readings partitions; computing in one pass")
            _register_source(con, hourly)
            parts = [con.execute(sql).df()]
    finally:
        if own:
            con.close()
    # Rows come month by month, each month by station and date (sorting a national
    # year again would cost more than the months themselves).
    # A month left empty by ``where`` would turn the text columns into objects.
    parts = [p for p in parts if len(p)] or parts[:1]
    daily = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    daily["date"] = pd.to_datetime(daily["date"])
    return _with_aqi(daily, min_hours=min_hours, min_windows_8h=min_windows_8h)


def _validity_text(frame: pd.DataFrame, *, min_hours: int, min_windows_8h: int) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    present = [c for c in COUNT_COLUMNS if c in frame.columns]
    bad = frame[present].isna().to_numpy()
    text = np.full(len(frame), "valid", dtype=object)
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        counts = frame[[COUNT_COLUMNS[c] for c in present]].fillna(0).to_numpy(dtype=np.int64)
        pieces = []
        for j, column in enumerate(present):
            need, unit = (min_windows_8h, "windows") if column == "O3_8h_max" else (min_hours, "h")
            piece = pc.binary_join_element_wise(
                column, pc.cast(pa.array(counts[rows, j]), pa.string()), f"/{need} {unit}", " "
            )
            piece = pc.replace_substring(piece, f" /{need}", f"/{need}")
            pieces.append(
                pc.if_else(pa.array(bad[rows, j]), piece, pa.nulls(len(rows), pa.string()))
            )
        joined = pc.binary_join_element_wise(*pieces, "; ", null_handling="skip")
        text[rows] = pc.binary_join_element_wise("invalid:", joined, " ").to_numpy(
            zero_copy_only=False
        )
    return text


#: The seven daily indicators a day needs for its AQI (HJ 633-2012 §5.1 日报).
DAY_INDICATORS = DAILY_COLUMNS


def day_aqi_columns(daily: pd.DataFrame) -> pd.DataFrame:
    """AQI columns of a daily table, under geoair's rule for incomplete days.

    HJ 633 computes the daily AQI from seven indicators and HJ 663 says nothing of a
    day where some are invalid; geoair's documented rule is that such a day never
    overstates: only a *complete* day (all seven of :data:`DAY_INDICATORS` valid) gets
    ``aqi``, ``category`` and ``primary_pollutant``; every day gets ``aqi_status``
    (``complete`` / ``incomplete``) and an incomplete day ``aqi_lower``, the largest
    IAQI of its valid indicators (its AQI can only be higher; NaN when none is valid).
    ``exceeding_pollutants`` (IAQI > 100) lists what is proven on every day.

    Parameters
    ----------
    daily : DataFrame
        Daily values (NaN where invalid) with the columns of :data:`DAY_INDICATORS`.

    Returns
    -------
    DataFrame
        On ``daily``'s index: ``aqi``, ``category``, ``primary_pollutant``,
        ``exceeding_pollutants``, ``aqi_status``, ``aqi_lower``.
    """
    computed = daily_aqi(daily)
    present = [c for c in DAY_INDICATORS if c in daily.columns]
    complete = (
        daily[present].notna().all(axis=1).to_numpy()
        if len(present) == len(DAY_INDICATORS)
        else np.zeros(len(daily), dtype=bool)
    )
    out = pd.DataFrame(index=daily.index)
    out["aqi"] = np.where(complete, computed["aqi"].to_numpy(dtype=float), np.nan)
    out["category"] = computed["category"].where(complete)
    out["primary_pollutant"] = computed["primary_pollutant"].where(complete)
    out["exceeding_pollutants"] = computed["exceeding_pollutants"]
    out["aqi_status"] = np.where(complete, "complete", "incomplete")
    out["aqi_lower"] = np.where(complete, np.nan, computed["aqi"].to_numpy(dtype=float))
    return out


def _with_aqi(
    daily: pd.DataFrame, *, min_hours: int = 20, min_windows_8h: int = 14
) -> pd.DataFrame:
    out = daily.copy()
    aqi = day_aqi_columns(out)
    for column in aqi.columns:
        out[column] = aqi[column]
    out["validity"] = _validity_text(out, min_hours=min_hours, min_windows_8h=min_windows_8h)
    return out


def half_even_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` of whole numbers, rounded half to even (GB/T 8170).

    Exact: integer arithmetic, no float ties; non-negative numerators.

    Examples
    --------
    >>> half_even_ratio(np.array([21, 23, 10]), np.array([2, 2, 4])).tolist()
    [10, 12, 2]
    """
    num = np.asarray(numerator, dtype=np.int64)
    den = np.asarray(denominator, dtype=np.int64)
    q, r = np.divmod(num, den)
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return q + up


# --- groups of stations ---------------------------------------------------------------


def group_daily(daily: pd.DataFrame, membership: pd.DataFrame, *, group: str) -> pd.DataFrame:
    """Daily values of counties or parks: per day, the mean of their stations' valid values.

    Parameters
    ----------
    daily : DataFrame
        Station daily table (:func:`daily_values`).
    membership : DataFrame
        ``station_id`` and the ``group`` column (a station may be in several groups).
    group : str
        Name of the group column, e.g. ``county`` or ``park``.

    Returns
    -------
    DataFrame
        ``group``, ``date``, the daily value columns (rounded as reported), counts
        ``n_<column>`` = stations with a valid value, ``n_stations``, and the daily
        AQI, category and primary pollutant from those values.
    """
    members = membership[["station_id", group]].dropna().drop_duplicates()
    joined = daily.drop(columns=[group], errors="ignore").merge(
        members, on="station_id", how="inner"
    )
    values = [c for c in DAILY_COLUMNS if c in joined.columns]
    # Station values are reported decimals: as whole numbers of their last digit they
    # sum exactly, and the mean is rounded half to even on its true value.
    scaled = pd.DataFrame({group: joined[group], "date": joined["date"]})
    for column in values:
        decimals = REPORT_DECIMALS["O3" if column.startswith("O3") else column]
        scaled[column] = pd.Series(
            np.round(joined[column].to_numpy(dtype=float) * 10**decimals), index=joined.index
        ).astype("Int64")
    grouped = scaled.groupby([group, "date"], sort=True)
    totals = grouped[values].sum(min_count=1)
    counts = grouped[values].count()
    out = pd.DataFrame(index=totals.index)
    for column in values:
        decimals = REPORT_DECIMALS["O3" if column.startswith("O3") else column]
        n = counts[column].to_numpy(dtype=np.int64)
        total = totals[column].to_numpy(dtype="float64", na_value=np.nan)
        out[column] = (
            np.where(
                n > 0,
                half_even_ratio(np.nan_to_num(total).astype(np.int64), np.maximum(n, 1)),
                np.nan,
            )
            / 10**decimals
        )
    out = out.join(counts.add_prefix("n_"))
    out["n_stations"] = grouped.size()
    out = out.reset_index()
    aqi = day_aqi_columns(out)
    for column in aqi.columns:
        out[column] = aqi[column]
    short = [c for c in values if out[c].isna().any()]
    text = np.full(len(out), "valid", dtype=object)
    for column in short:
        text = np.where(
            out[column].isna(),
            np.where(
                text == "valid",
                f"invalid: {column} no valid station",
                text + f"; {column} no valid station",
            ),
            text,
        )
    out["validity"] = text
    return out


# --- periods --------------------------------------------------------------------------


def _period_label(dates: pd.Series, period: str) -> pd.Series:
    if period == "month":
        return dates.dt.strftime("%Y-%m")
    if period == "quarter":
        return dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)
    if period == "year":
        return dates.dt.year.astype(str)
    raise IndicatorError(t("error.readings.unknown_period_mqy", period=period))


def _percentile_sql(column: str, decimals: int, p_percent: int) -> str:
    """HJ 663-2013 Appendix A percentile of a group's daily values, exactly.

    On the ascending values X(1..n) (whole numbers of their last reported digit),
    k = 1 + (n−1)·p, s = ⌊k⌋: X(s) + (X(s+1) − X(s))·(k − s), with (n−1)·p formed as
    (n−1)·P/100 in integers and the result rounded half to even to the reported digit.
    """
    whole = f"CAST(round({column} * {10**decimals}) AS BIGINT)"
    x = f"list_sort(list({whole}) FILTER ({column} IS NOT NULL))"
    n = f"count({column})"
    pos = f"(({n} - 1) * {p_percent})"
    s_ = f"(1 + {pos} // 100)"
    frac = f"({pos} % 100)"
    lo = f"{x}[{s_}]"
    hi = f"{x}[least({s_} + 1, {n})]"
    total = f"({lo} * 100 + ({hi} - {lo}) * {frac})"
    return f"CASE WHEN {n} > 0 THEN {round_ratio_sql(total, '100', decimals, decimals)} END"


def period_sql(key: str = "station_id") -> str:
    """The SQL of :func:`period_values` over the view ``daily_df`` (exact arithmetic).

    Means of the reported daily values (whole numbers of their last digit, summed
    exactly, rounded half to even); CO 95th and O3 90th percentiles by HJ 663
    Appendix A; the day counts under geoair's rule for incomplete days
    (:func:`day_aqi_columns`): ``good_days`` complete days with AQI ≤ 100,
    ``aqi_days`` complete days plus incomplete days already above 100 (their AQI can
    only be higher), ``days_unknown`` the other days with data; ``heavy_days``
    (重度及以上, AQI > 200) complete days above 200 plus incomplete days whose lower
    bound is above 200, ``heavy_unknown`` the incomplete days not proven either way.
    """
    means = []
    for column in ("PM2.5", "PM10", "SO2", "NO2"):
        scaled = f'CAST(round("{column}") AS BIGINT)'
        mean = round_ratio_sql(f"sum({scaled})", f'count("{column}")', 0, 0)
        means.append(
            f'CASE WHEN count("{column}") > 0 THEN {mean} END AS "{column}", '
            f'count("{column}") AS "days_{column}"'
        )
    complete = "aqi_status = 'complete'"
    return f"""
SELECT "{key}", period, {", ".join(means)},
  {_percentile_sql('"CO"', 1, 95)} AS "CO_p95", count("CO") AS "days_CO",
  {_percentile_sql('"O3_8h_max"', 0, 90)} AS "O3_8h_p90", count("O3_8h_max") AS "days_O3",
  count(*) FILTER (WHERE {complete} AND aqi <= 100) AS good_days,
  count(*) FILTER (WHERE {complete} OR aqi_lower > 100) AS aqi_days,
  count(*) FILTER (WHERE NOT ({complete}) AND NOT coalesce(aqi_lower > 100, FALSE))
    AS days_unknown,
  count(*) FILTER (WHERE ({complete} AND aqi > 200) OR aqi_lower > 200) AS heavy_days,
  count(*) FILTER (WHERE NOT ({complete}) AND NOT coalesce(aqi_lower > 200, FALSE))
    AS heavy_unknown
FROM daily_df GROUP BY ALL ORDER BY "{key}", period"""


def period_values(
    daily: pd.DataFrame,
    *,
    key: str = "station_id",
    period: str = "month",
    span: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Monthly, quarterly, annual (or any span of months) values with validity.

    Parameters
    ----------
    daily : DataFrame
        A daily table (:func:`daily_values` or :func:`group_daily`).
    key : str
        The column that names the station or group (``station_id``, ``county``, ``park``).
    period : str
        ``month``, ``quarter`` or ``year``; ignored when ``span`` is given.
    span : str, optional
        A range of months ``"2020-10/2020-12"`` treated as one period (the campaign
        periods of the targets, 阳政办发〔2020〕131号 附件1 "均 10-12 月").

    Returns
    -------
    DataFrame
        ``key``, ``period``; per pollutant the mean of valid daily values (``PM2.5``,
        ``PM10``, ``SO2``, ``NO2``; whole µg/m³), ``CO_p95`` (mg/m³, 0.1) and
        ``O3_8h_p90`` (µg/m³), NaN when there are too few valid days; ``days_<x>``
        the count of valid daily values; ``min_days``; ``composite_index`` (only when
        all six are valid); ``good_days`` (AQI ≤ 100) and ``aqi_days`` (days with an
        AQI); ``validity``.
    """
    frame = daily.copy()
    if span is not None:
        start, end = span.split("/")
        lo = pd.Timestamp(start + "-01")
        hi = pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0)
        frame = frame[(frame["date"] >= lo) & (frame["date"] <= hi)]
        frame["period"] = span
        kind = "span"
    else:
        if period not in ("month", "quarter", "year"):
            raise IndicatorError(t("error.readings.unknown_period_mqy", period=period))
        frame["period"] = _period_label(frame["date"], period)
        kind = period
    if "aqi_status" not in frame.columns:  # a daily table from elsewhere: the rule again
        aqi = day_aqi_columns(frame)
        frame = frame.assign(
            aqi=aqi["aqi"], aqi_status=aqi["aqi_status"], aqi_lower=aqi["aqi_lower"]
        )
    columns = [key, "period", *DAILY_COLUMNS, "aqi", "aqi_status", "aqi_lower"]
    own = con is None
    con = con or connect()
    try:
        con.register("daily_df", frame[columns])
        stats = con.execute(period_sql(key)).df()
    finally:
        con.unregister("daily_df")
        if own:
            con.close()
    short_months = _short_months(frame, key) if kind == "year" else None
    return _finish_periods(stats, kind, short_months=short_months)


#: Daily column behind each period statistic.
_SOURCE = {
    "PM2.5": "PM2.5",
    "PM10": "PM10",
    "SO2": "SO2",
    "NO2": "NO2",
    "CO_p95": "CO",
    "O3_8h_p90": "O3_8h_max",
}


def _short_months(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per key, year and statistic, the months with too few valid days (GB 3095-2012
    Table 4: an annual value also needs at least 27 daily values in every month, 25 in
    February): text such as ``02 (20/25), 07 (0/27)``, empty when every month has them."""
    months = frame["date"].dt.month
    rows = []
    for column, source in _SOURCE.items():
        valid = frame[source].notna() if source in frame.columns else pd.Series(False, frame.index)
        counts = (
            valid.groupby([frame[key], frame["period"], months]).sum().unstack(fill_value=0)
        ).reindex(columns=range(1, 13), fill_value=0)
        for index, row in counts.iterrows():
            k, period = cast(tuple[Any, Any], index)
            pieces = [
                f"{m:02d} ({int(row[m])}/{25 if m == 2 else 27})"
                for m in range(1, 13)
                if row[m] < (25 if m == 2 else 27)
            ]
            rows.append((k, period, column, ", ".join(pieces)))
    return pd.DataFrame(rows, columns=[key, "period", "column", "months"])


_STATS = {
    "PM2.5": ("days_PM2.5", 0),
    "PM10": ("days_PM10", 0),
    "SO2": ("days_SO2", 0),
    "NO2": ("days_NO2", 0),
    "CO_p95": ("days_CO", 1),
    "O3_8h_p90": ("days_O3", 0),
}


def _finish_periods(
    stats: pd.DataFrame, kind: str, *, short_months: pd.DataFrame | None = None
) -> pd.DataFrame:
    out = stats.copy()
    need = {label: min_days(kind, label) for label in out["period"].unique()}
    out["min_days"] = out["period"].map(need).astype("int64")
    key = out.columns[0]
    text = np.full(len(out), "", dtype=object)
    for column, (days, _decimals) in _STATS.items():
        out[days] = out[days].astype("int64")
        short = (out[days] < out["min_days"]).to_numpy()
        piece = (
            column
            + " "
            + out[days].astype(str).to_numpy(dtype=object)
            + "/"
            + out["min_days"].astype(str).to_numpy(dtype=object)
            + " days"
        )
        if short_months is not None:
            months = short_months[short_months["column"] == column]
            lookup = dict(
                zip(zip(months[key], months["period"], strict=True), months["months"], strict=True)
            )
            gaps = np.array(
                [lookup.get((k, p), "") for k, p in zip(out[key], out["period"], strict=True)],
                dtype=object,
            )
            has_gap = gaps != ""
            piece = np.where(has_gap, piece + ", months short: " + gaps, piece)
            short = short | has_gap
        out[column] = np.where(short, np.nan, out[column].to_numpy(dtype=float))
        text = np.where(short, np.where(text == "", piece, text + "; " + piece), text)
    ratio = cast(pd.Series, sum(out[c] / limit for c, limit in COMPOSITE_LIMITS.items()))
    out["composite_index"] = np.round(ratio.to_numpy(dtype=float), 2)
    for column in ("good_days", "aqi_days", "days_unknown", "heavy_days", "heavy_unknown"):
        out[column] = out[column].astype("int64")
    out["validity"] = np.where(text == "", "valid", "invalid: " + text)
    return out


# --- workspace ------------------------------------------------------------------------
