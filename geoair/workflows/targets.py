"""Targets check: computed indicators against the targets in the workspace and the limits.

Targets are data (the ``targets`` table, imported with ``geoair import targets``):
``scope`` (station, county, city, park), ``target_name``, ``period`` ("2020-11" or a
span "2020-10/2020-12"), ``metric`` and ``value``. Seed 004's annexes give monthly
PM2.5 targets per national station and per county, and good-day counts per county.

How each actual value is formed (see :mod:`geoair.indicators` for the rules):

* **station**: the station's own daily values;
* **county**: per day the mean of the valid daily values of its stations whose kind
  is in ``[readings] county_station_kinds`` (国控, 省控 by default);
* **a county-level unit that is a park** (开发区 in seed 004's annexes: no county
  polygon, no station whose county it is): per day the mean over the air stations
  inside its park(s), found by ``[targets] park_units_by_name`` (the parks whose name
  contains the unit's name) or linked in ``[targets.park_units]``
  (:func:`geoair.indicators.unit_parks`); the ``basis`` column names the park(s);
* **city**: per day the mean over all national (国控) stations, as HJ 663 forms a
  city's value;
* **park**: per day the mean over the air stations inside the park polygon;

then the period statistic with its validity (PM2.5 mean of at least 27 valid days a
month, 25 in February; a span's minimum is the sum of its months'). Concentration
targets are met when actual ≤ target; good days when actual ≥ target. A value that
is invalid is reported with its counts and ``met`` left empty, never judged.

Dustfall: each county's monthly dustfall (mean of its 降尘点 and 园区站 stations'
values) and each dustfall station's value is compared with the county's ``dustfall``
target when the table has one, else with ``[readings] dustfall_limit_t_km2`` (9
t/(km²·month), seed 004 (九)).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from geoair.readings.targets import _months_of, check_targets

__all__ = ["check_workspace", "demo_step"]


def check_workspace(
    ws, *, periods: Sequence[str] | None = None, daily: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`check_targets` on the workspace: its targets, readings, stations and settings."""
    from geoair.readings.store import load_dustfall
    from geoair.workflows.indicators import station_daily

    targets = ws.read("targets")
    stations = ws.read("stations")
    parks = ws.read("parks", required=False)
    settings = ws.settings["readings"]
    if daily is None:
        span = None
        if periods:
            months = sorted(_months_of(set(periods)) or [])
            span = (f"{months[0]}-01", str(pd.Period(months[-1], freq="M").end_time.date()))
        daily = station_daily(ws, start=span[0] if span else None, end=span[1] if span else None)
    return check_targets(
        targets,
        daily,
        stations,
        parks=parks,
        dustfall=load_dustfall(ws),
        dustfall_limit_t_km2=settings["dustfall_limit_t_km2"],
        county_kinds=settings["county_station_kinds"],
        periods=periods,
        park_units=ws.settings["targets"]["park_units"],
        park_units_by_name=bool(ws.settings["targets"]["park_units_by_name"]),
    )


def demo_step(ws, echo) -> None:
    """Check the sample targets (seed 004 annexes; 2024 sample) and dustfall limits."""
    if not ws.has("targets"):
        echo("  no targets in the workspace: skipped")
        return
    daily = ws.read("station_daily") if ws.has("station_daily") else None
    if daily is not None:
        daily["date"] = pd.to_datetime(daily["date"])
    check = check_workspace(ws, daily=daily)
    ws.write("targets_check", check)
    judged = check[check["met"].notna()]
    echo(
        f"  targets_check: {len(check)} targets, {int(judged['met'].sum())} met, "
        f"{int((~judged['met'].astype(bool)).sum())} missed, "
        f"{int(check['met'].isna().sum())} not judged (invalid or no data)"
    )
    nov = check[(check["period"] == "2020-11") & (check["metric"] == "pm25")]
    for row in nov.itertuples(index=False):
        verdict = row.validity if pd.isna(row.met) else ("met" if bool(row.met) else "MISSED")
        actual = "-" if pd.isna(row.actual) else f"{row.actual:.0f}"
        where = ""
        if "judged from its park" in str(row.basis):  # 开发区: the park's station(s)
            where = " (" + str(row.basis).split(" (")[0].replace("daily mean of", "from") + ")"
        echo(
            f"  2020-11 PM2.5 {row.scope:7s} {row.target_name}: {actual} vs {row.target:.0f}: "
            f"{verdict}{where}"
        )
    over = check[(check["metric"] == "dustfall") & (check["met"] == False)]  # noqa: E712
    echo(f"  dustfall above the limit: {len(over)} station/county-months")
    echo(
        f"  table targets_check in {ws.store_label}; try: geoair targets check --month 2020-11 "
        f"--out check.xlsx --workspace {ws.location}"
    )
