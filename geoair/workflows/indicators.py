"""Readings to indicators for a workspace: daily AQI and period values, with validity.

``geoair indicators`` and the demo call :func:`run_indicators`. The rules (GB 3095-2012,
HJ 663-2013, HJ 633-2012) and the DuckDB engine are :mod:`geoair.readings.indicators`;
which stations make a county's, a park's or a 开发区's value is
:mod:`geoair.readings.membership`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoair.errors import IndicatorError
from geoair.messages import layer_name, say_validity, t
from geoair.progress import Progress, silent
from geoair.readings.indicators import PERIODS, daily_values, group_daily, period_values
from geoair.store.workspace import Workspace

__all__ = [
    "TABLE_NAMES",
    "IndicatorsOptions",
    "IndicatorsResult",
    "describe",
    "indicator_table",
    "run_indicators",
    "station_daily",
]


TABLE_NAMES = {"day": "daily", "month": "monthly", "quarter": "quarterly", "year": "yearly"}


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
        raise IndicatorError(t("indicators.no_readings", root=ws.root))
    where = []
    if start is not None:
        where.append(f"time > TIMESTAMP '{pd.Timestamp(start):%Y-%m-%d %H:%M:%S}'")
    if end is not None:
        where.append(f"time <= TIMESTAMP '{pd.Timestamp(end) + pd.Timedelta(days=1):%Y-%m-%d}'")
    daily = daily_values(
        hourly_glob(ws),
        o3_8h_limit=ws.settings.readings.o3_8h_limit_ug_m3,
        where=" AND ".join(where),
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
        raise IndicatorError(
            t("indicators.unknown_period", period=period, choices=", ".join(PERIODS))
        )
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
            kinds=ws.settings.readings.county_station_kinds,
            units=county_target_names(ws.read("targets", required=False)),
            park_units=ws.settings.targets.park_units,
            by_name=ws.settings.targets.park_units_by_name,
        )
    elif by == "park":
        parks = ws.read("parks", required=False)
        members = park_membership(stations, parks)
    else:
        raise IndicatorError(t("indicators.unknown_by", by=by))
    if members.empty:
        raise IndicatorError(t("indicators.no_members", by=t(f"by.{by}")))
    grouped = group_daily(daily, members, group=by)
    if period == "day":
        return grouped
    return period_values(grouped, key=by, period=period)


@dataclass(frozen=True)
class IndicatorsOptions:
    """Options of ``geoair indicators``.

    Parameters
    ----------
    period : str
        ``day``, ``month``, ``quarter`` or ``year``.
    by : str
        ``station``, ``county`` or ``park``.
    start, end : str, optional
        First and last day ("2020-10-01"); default: every reading stored.
    also : tuple of (period, by)
        Further tables computed from the same daily values (the demo writes
        ``station_monthly`` and ``county_monthly`` in one run).
    """

    period: str = "month"
    by: str = "station"
    start: str | None = None
    end: str | None = None
    also: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IndicatorsResult:
    """Station daily values and the tables asked for, as written to the workspace."""

    daily: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    gpkg: Path

    @property
    def table(self) -> pd.DataFrame:
        """The first table asked for (``--period``/``--by``)."""
        return next(iter(self.tables.values()))


def run_indicators(
    ws: Workspace, options: IndicatorsOptions = IndicatorsOptions(), *, progress: Progress = silent
) -> IndicatorsResult:
    """Daily values and AQI of every station, then the period table(s) asked for.

    Writes ``station_daily`` and ``BY_PERIOD`` (e.g. ``county_monthly``).
    """
    progress(t("progress.indicators.daily"))
    daily = station_daily(ws, start=options.start, end=options.end)
    tables: dict[str, pd.DataFrame] = {}
    for period, by in ((options.period, options.by), *options.also):
        name = f"{by}_{TABLE_NAMES[period]}"
        progress(t("progress.indicators.table", label=layer_name(name)))
        tables[f"{by}_{TABLE_NAMES[period]}"] = indicator_table(ws, daily, period=period, by=by)
    with ws.transaction() as tx:
        tx.write("station_daily", daily)
        for name, table in tables.items():
            if name != "station_daily":
                tx.write(name, table)
    return IndicatorsResult(daily=daily, tables=tables, gpkg=ws.gpkg)


def describe(result: IndicatorsResult) -> list[str]:
    """Rows written per table, days that are good or invalid, invalid periods."""
    daily = result.daily
    good = int((daily["aqi"] <= 100).sum())
    lines = [
        t(
            "indicators.daily",
            days=len(daily),
            good=good,
            invalid=int((daily["validity"] != "valid").sum()),
        )
    ]
    for name, table in result.tables.items():
        invalid = table[table["validity"] != "valid"]
        lines.append(
            t(
                "indicators.table",
                label=layer_name(name),
                name=name,
                rows=len(table),
                invalid=len(invalid),
                gpkg=result.gpkg,
            )
        )
        if "period" in table.columns and name.startswith("station_"):
            for row in invalid.head(10).itertuples(index=False):
                lines.append(
                    t(
                        "indicators.invalid_line",
                        station=row.station,
                        period=row.period,
                        validity=say_validity(row.validity),
                    )
                )
    return lines
