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
  stations belong to which county, park or unit is :mod:`geoair.membership`'s work.

The heavy group-bys run in DuckDB, over a pandas frame or over the Parquet store
(hive-partitioned by year and month) without loading it: :func:`daily_values`
accepts either. The same SQL runs on a distributed engine (README, "Readings and
indicators").
"""

from __future__ import annotations

import pandas as pd

from geoair.errors import IndicatorError
from geoair.readings.indicators import PERIODS, daily_values, group_daily, period_values

__all__ = ["TABLE_NAMES", "demo_step", "indicator_table", "station_daily", "station_hourly"]


TABLE_NAMES = {
    "hour": "hourly",
    "day": "daily",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
}


def station_daily(ws, *, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Daily values and AQI of every station with readings in the workspace.

    Parameters
    ----------
    ws : Workspace
    start, end : str, optional
        First and last day ("2020-10-01"); default: everything stored.

    Returns
    -------
    DataFrame
        :func:`daily_values`' columns plus ``station`` (name) and ``county``.
    """
    from geoair.readings.store import has_hourly, hourly_glob

    if not has_hourly(ws):
        raise IndicatorError(
            f"The workspace {ws.root} has no hourly readings. Import them with "
            "geoair import readings FILE (or run geoair demo)."
        )
    settings = ws.settings["readings"]
    where = []
    if start is not None:
        where.append(f"time > TIMESTAMP '{pd.Timestamp(start):%Y-%m-%d %H:%M:%S}'")
    if end is not None:
        where.append(f"time <= TIMESTAMP '{pd.Timestamp(end) + pd.Timedelta(days=1):%Y-%m-%d}'")
    daily = daily_values(
        hourly_glob(ws), o3_8h_limit=settings["o3_8h_limit_ug_m3"], where=" AND ".join(where)
    )
    stations = ws.read("stations")
    info = pd.DataFrame(
        {
            "station_id": stations["id"].astype(str),
            "station": stations["name"],
            "county": stations.get("county"),
        }
    )
    out = daily.merge(info, on="station_id", how="left")
    out = out.sort_values(["station_id", "date"], kind="stable", ignore_index=True)
    front = ["station_id", "station", "county", "date"]
    return out[front + [c for c in out.columns if c not in front]]


def station_hourly(ws, *, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Hourly AQI (实时AQI, HJ 633-2012) of every station and hour with readings.

    Returns
    -------
    DataFrame
        ``station_id, station, time, aqi, category, primary_pollutant``
        (:func:`geoair.readings.indicators.hourly_aqi`).
    """
    from geoair.readings.indicators import hourly_aqi
    from geoair.readings.store import has_hourly, hourly_glob

    if not has_hourly(ws):
        raise IndicatorError(
            f"The workspace {ws.root} has no hourly readings. Import them with "
            "geoair import readings FILE (or run geoair demo)."
        )
    where = []
    if start is not None:
        where.append(f"time > TIMESTAMP '{pd.Timestamp(start):%Y-%m-%d %H:%M:%S}'")
    if end is not None:
        where.append(f"time <= TIMESTAMP '{pd.Timestamp(end) + pd.Timedelta(days=1):%Y-%m-%d}'")
    table = hourly_aqi(hourly_glob(ws), where=" AND ".join(where))
    stations = ws.read("stations")
    names = dict(zip(stations["id"].astype(str), stations["name"], strict=True))
    table.insert(1, "station", table["station_id"].map(names))
    return table


def indicator_table(
    ws, daily: pd.DataFrame, *, period: str = "month", by: str = "station"
) -> pd.DataFrame:
    """The table ``geoair indicators --period P --by B`` shows, from station daily values.

    Parameters
    ----------
    ws : Workspace
        For the stations (and parks) layers and settings.
    daily : DataFrame
        :func:`station_daily`.
    period : str
        ``day``, ``month``, ``quarter``, ``year``.
    by : str
        ``station``, ``county`` or ``park``.
    """
    if period not in PERIODS:
        raise IndicatorError(f"Unknown period {period!r}; choose one of {', '.join(PERIODS)}.")
    if by == "station":
        if period == "day":
            return daily
        table = period_values(daily, key="station_id", period=period)
        names = daily[["station_id", "station", "county"]].drop_duplicates("station_id")
        table = table.merge(names, on="station_id", how="left")
        front = ["station_id", "station", "county", "period"]
        return table[front + [c for c in table.columns if c not in front]]
    from geoair.readings.membership import (
        county_target_names,
        county_unit_membership,
        park_membership,
    )

    stations = ws.read("stations")
    if by == "county":  # with the units judged from parks (开发区), as the targets check
        members, _links = county_unit_membership(
            stations,
            ws.read("parks", required=False),
            kinds=ws.settings["readings"]["county_station_kinds"],
            units=county_target_names(ws.read("targets", required=False)),
            park_units=ws.settings["targets"]["park_units"],
            by_name=bool(ws.settings["targets"]["park_units_by_name"]),
        )
    elif by == "park":
        parks = ws.read("parks", required=False)
        members = park_membership(stations, parks)
    else:
        raise IndicatorError(f"Unknown grouping {by!r}; choose station, county or park.")
    if members.empty:
        raise IndicatorError(
            f"No station belongs to any {by}: check the stations' county and "
            "kind (国控/省控 count for counties), or the parks layer."
        )
    grouped = group_daily(daily, members, group=by)
    if period == "day":
        return grouped
    return period_values(grouped, key=by, period=period)


def demo_step(ws, echo) -> None:
    """Sample readings into the demo workspace, then daily and monthly indicators."""
    from geoair.readings.store import hourly_dir, store_dustfall, store_hourly
    from geoair.workflows.sample_data import sample_dustfall, sample_hourly

    stations = ws.read("stations")
    enterprises = ws.read("enterprises", required=False)
    hourly = sample_hourly(
        stations, enterprises, radius_m=float(ws.settings["sources"]["radius_m"])
    )
    store_hourly(ws, hourly)
    store_dustfall(ws, sample_dustfall(stations))
    echo(
        f"  sample readings: {len(hourly):,} hourly values of {hourly['station_id'].nunique()} "
        f"stations -> {hourly_dir(ws)}"
    )
    daily = station_daily(ws)
    monthly = indicator_table(ws, daily, period="month", by="station")
    county = indicator_table(ws, daily, period="month", by="county")
    with ws.transaction() as tx:
        tx.write("station_daily", daily)
        tx.write("station_monthly", monthly)
        tx.write("county_monthly", county)
    good = int((daily["aqi"] <= 100).sum())
    echo(
        f"  station_daily: {len(daily):,} station-days, {good:,} good (AQI ≤ 100), "
        f"{int((daily['validity'] != 'valid').sum())} with some value invalid"
    )
    invalid = monthly[monthly["validity"] != "valid"]
    for row in invalid.itertuples(index=False):
        echo(f"  invalid month: {row.station} {row.period}: {row.validity}")
    nov = monthly[monthly["period"] == "2020-11"]
    if len(nov):
        shown = ", ".join(
            f"{name} {value:.0f}" if pd.notna(value) else f"{name} invalid"
            for name, value in nov[["station", "PM2.5"]].itertuples(index=False, name=None)
        )
        echo(f"  PM2.5 2020-11 (µg/m³): {shown}")
    echo(
        f"  tables station_daily, station_monthly, county_monthly in {ws.gpkg}; try: geoair "
        f"indicators --period day --by station --out daily.csv --workspace {ws.root}"
    )
