"""Targets check: computed indicators against the targets in the workspace and the limits.

Targets are data (the ``targets`` table, imported with ``geoair import targets``):
``scope`` (station, county, city, park), ``target_name``, ``period`` ("2020-11" or a
span "2020-10/2020-12"), ``metric`` and ``value``. The annexes of 阳政办发〔2020〕131号 give monthly
PM2.5 targets per national station and per county, and good-day counts per county.

How each actual value is formed (see :mod:`geoair.readings.indicators` for the rules):

* **station**: the station's own daily values;
* **county**: per day the mean of the valid daily values of its stations whose kind
  is in ``[readings] county_station_kinds`` (国控, 省控 by default);
* **a county-level unit that is a park** (开发区 in those annexes: no county
  polygon, no station whose county it is): per day the mean over the air stations
  inside its park(s), found by ``[targets] park_units_by_name`` (the parks whose name
  contains the unit's name) or linked in ``[targets.park_units]``
  (:func:`geoair.readings.membership.unit_parks`); the ``basis`` column names the park(s);
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
t/(km²·month), 阳政办发〔2020〕131号 (九)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from geoair.messages import say_validity, t, word
from geoair.progress import Progress, silent
from geoair.readings.targets import check_targets, months_of_periods
from geoair.store.workspace import Workspace

__all__ = [
    "TargetsCheckOptions",
    "TargetsCheckResult",
    "check_workspace",
    "describe",
    "run_targets_check",
    "write_check",
]


def check_workspace(
    ws: Workspace, *, periods: Sequence[str] | None = None, daily: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`check_targets` on the workspace: its targets, readings, stations and settings.

    Parameters
    ----------
    ws : Workspace
    periods : sequence of str, optional
        Only these months ("2020-11") or spans ("2020-10/2020-12").
    daily : DataFrame, optional
        Station daily values already computed; default: computed from the readings.
    """
    from geoair.readings.store import load_dustfall
    from geoair.workflows.indicators import station_daily

    targets = ws.read("targets")
    stations = ws.read("stations")
    parks = ws.read("parks", required=False)
    readings = ws.settings.readings
    if daily is None:
        span = None
        if periods:
            months = sorted(months_of_periods(set(periods)) or [])
            span = (f"{months[0]}-01", str(pd.Period(months[-1], freq="M").end_time.date()))
        daily = station_daily(ws, start=span[0] if span else None, end=span[1] if span else None)
    return check_targets(
        targets,
        daily,
        stations,
        parks=parks,
        dustfall=load_dustfall(ws),
        dustfall_limit_t_km2=readings.dustfall_limit_t_km2,
        county_kinds=readings.county_station_kinds,
        periods=periods,
        park_units=ws.settings.targets.park_units,
        park_units_by_name=ws.settings.targets.park_units_by_name,
    )


def write_check(
    ws: Workspace, table: pd.DataFrame, *, periods: Sequence[str] | None = None
) -> None:
    """Store ``targets_check``; a check of some periods replaces only those periods' rows."""
    with ws.transaction() as tx:
        if not periods:
            tx.write("targets_check", table)
        else:
            covered = set(periods) | set(table["period"].astype(str))
            tx.replace_part("targets_check", table, ["period"], part={"period": sorted(covered)})


@dataclass(frozen=True)
class TargetsCheckOptions:
    """Options of ``geoair targets check``.

    Parameters
    ----------
    periods : tuple of str
        Only these months ("2020-11") or spans ("2020-10/2020-12"); empty: every target.
    use_stored_daily : bool
        Judge from the ``station_daily`` table already in the workspace (as the demo
        does right after computing it) instead of computing it again from the readings.
    """

    periods: tuple[str, ...] = ()
    use_stored_daily: bool = False


@dataclass(frozen=True)
class TargetsCheckResult:
    """The ``targets_check`` table as written to the workspace."""

    check: pd.DataFrame
    store: str


def run_targets_check(
    ws: Workspace,
    options: TargetsCheckOptions = TargetsCheckOptions(),
    *,
    progress: Progress = silent,
) -> TargetsCheckResult:
    """Compare the indicators with the workspace's targets; write ``targets_check``."""
    daily = None
    if options.use_stored_daily and ws.has("station_daily"):
        daily = ws.read("station_daily")
        daily["date"] = pd.to_datetime(daily["date"])
    progress(t("progress.targets"))
    check = check_workspace(ws, periods=list(options.periods) or None, daily=daily)
    write_check(ws, check, periods=options.periods)  # some periods: only their rows
    return TargetsCheckResult(check=check, store=ws.store_label)


def describe(result: TargetsCheckResult) -> list[str]:
    """Targets met, missed and not judged; every missed target; dustfall over the limit."""
    check = result.check
    judged = check[check["met"].notna()]
    met = int(judged["met"].astype(bool).sum())
    lines = [
        t(
            "targets.summary",
            total=len(check),
            met=met,
            missed=len(judged) - met,
            not_judged=int(check["met"].isna().sum()),
        )
    ]
    if "days_unknown" in check.columns:
        unknown = check[check["days_unknown"].fillna(0) > 0]
        for row in unknown.head(20).itertuples(index=False):
            lines.append(
                t(
                    "targets.unknown_line",
                    days=row.days_unknown,
                    scope=word("scope", row.scope),
                    name=row.target_name,
                    period=row.period,
                    metric=word("metric", row.metric),
                    actual=row.actual,
                    validity=say_validity(row.validity),
                )
            )
    missed = check[check["met"].eq(False).fillna(False) & (check["metric"] != "dustfall")]
    for row in missed.head(20).itertuples(index=False):
        lines.append(
            t(
                "targets.missed_line",
                scope=word("scope", row.scope),
                name=row.target_name,
                period=row.period,
                metric=word("metric", row.metric),
                actual=row.actual,
                target=row.target,
            )
        )
    if len(missed) > 20:
        lines.append(t("targets.more", n=len(missed) - 20))
    over = check[(check["metric"] == "dustfall") & check["met"].eq(False).fillna(False)]
    lines.append(t("targets.dustfall_over", n=len(over)))
    return lines
