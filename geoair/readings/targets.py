"""Targets check: computed indicators against the targets in the workspace and the limits.

Targets are data (the ``targets`` table, imported with ``geoair import targets``):
``scope`` (station, county, city, park), ``target_name``, ``period`` ("2020-11" or a
span "2020-10/2020-12"), ``metric`` and ``value``. 阳政办发〔2020〕131号's annexes give monthly
PM2.5 targets per national station and per county, and good-day counts per county.

How each actual value is formed (see :mod:`geoair.readings.indicators` for the rules):

* **station**: the station's own daily values;
* **county**: per day the mean of the valid daily values of its stations whose kind
  is in ``[readings] county_station_kinds`` (国控, 省控 by default);
* **a county-level unit that is a park** (开发区 in 阳政办发〔2020〕131号's annexes: no county
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

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from geoair.errors import TargetError
from geoair.messages import t
from geoair.readings.indicators import group_daily, period_values
from geoair.readings.membership import county_unit_membership, park_membership

__all__ = ["CHECK_COLUMNS", "METRICS", "check_targets", "months_of_periods"]


log = logging.getLogger(__name__)

#: metric -> (column of indicators.period_values, higher is better, unit)
METRICS: dict[str, tuple[str, bool, str]] = {
    "pm25": ("PM2.5", False, "µg/m³"),
    "pm10": ("PM10", False, "µg/m³"),
    "so2": ("SO2", False, "µg/m³"),
    "no2": ("NO2", False, "µg/m³"),
    "co": ("CO_p95", False, "mg/m³"),
    "o3": ("O3_8h_p90", False, "µg/m³"),
    "composite_index": ("composite_index", False, ""),
    "good_days": ("good_days", True, "天"),
    "heavy_days": ("heavy_days", False, "天"),
}
#: Day-count metrics: column -> the column counting the days it cannot decide.
_UNKNOWN = {"good_days": "days_unknown", "heavy_days": "heavy_unknown"}
CHECK_COLUMNS = (
    "scope",
    "target_name",
    "period",
    "metric",
    "actual",
    "target",
    "difference",
    "met",
    "validity",
    "basis",
    "days_unknown",
)
_DAYS = {
    "PM2.5": "days_PM2.5",
    "PM10": "days_PM10",
    "SO2": "days_SO2",
    "NO2": "days_NO2",
    "CO_p95": "days_CO",
    "O3_8h_p90": "days_O3",
}


def _span(period: str) -> str:
    parts = period.split("/")
    return f"{parts[0]}/{parts[-1]}"


def _name_key(name: object) -> str:
    return re.sub(r"(监测站|站)$", "", str(name).strip())


def _members(
    scope: str,
    stations: pd.DataFrame,
    parks: pd.DataFrame | None,
    county_kinds: Sequence[str],
    *,
    units: Sequence[str] = (),
    park_units: Mapping | None = None,
    by_name: bool = True,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """station_id -> ``group`` for a scope, and the county-level units judged from
    parks (unit -> park names; county scope only)."""
    ids = stations["id"].astype(str)
    if scope == "station":
        names = stations["name"].map(_name_key)
        return pd.DataFrame({"station_id": ids, "group": names}), {}
    if scope == "county":
        members, links = county_unit_membership(
            stations, parks, kinds=county_kinds, units=units, park_units=park_units, by_name=by_name
        )
        return members.rename(columns={"county": "group"}), links
    if scope == "city":
        chosen = stations["kind"] == "国控"
        return pd.DataFrame({"station_id": ids[chosen], "group": "__city__"}), {}
    if scope == "park":
        members = (
            park_membership(stations, parks)
            if parks is not None
            else pd.DataFrame({"station_id": [], "park": []})
        )
        return members.rename(columns={"park": "group"}), {}
    raise TargetError(t("error.readings.unknown_scope", scope=scope))


def check_targets(
    targets: pd.DataFrame,
    station_daily: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    parks: pd.DataFrame | None = None,
    dustfall: pd.DataFrame | None = None,
    dustfall_limit_t_km2: float = 9.0,
    county_kinds: Sequence[str] = ("国控", "省控"),
    periods: Sequence[str] | None = None,
    park_units: Mapping[str, Sequence[str] | str] | None = None,
    park_units_by_name: bool = True,
) -> pd.DataFrame:
    """Compare indicators with targets and dustfall with its limit.

    Parameters
    ----------
    targets : DataFrame
        The workspace's ``targets`` table.
    station_daily : DataFrame
        Daily station values (:func:`geoair.readings.indicators.daily_values`).
    stations : DataFrame
        The ``stations`` layer (id, name, kind, county).
    parks : GeoDataFrame, optional
        For park targets.
    dustfall : DataFrame, optional
        Monthly dustfall (``station_id, month, dustfall_t_km2``).
    dustfall_limit_t_km2 : float
        Limit used where the targets table has no dustfall target.
    county_kinds : sequence of str
        Station kinds that make a county's value.
    periods : sequence of str, optional
        Only targets of these periods ("2020-11", "2020-10/2020-12"); dustfall months
        inside them. Default: every target.
    park_units : mapping of str to list of str, optional
        ``[targets.park_units]``: county-level unit -> park ids or names whose air
        stations make its value (needs ``parks``).
    park_units_by_name : bool
        ``[targets] park_units_by_name``: a county target whose name no station's
        county carries is judged from the park(s) whose name contains it (开发区 ->
        阳泉经济技术开发区（高新区）); see :func:`geoair.readings.membership.unit_parks`.

    Returns
    -------
    DataFrame
        ``scope, target_name, period, metric, actual, target, difference`` (actual −
        target), ``met`` (boolean; empty when the actual value is invalid or
        missing), ``validity``, ``basis`` (how the actual value was formed).
    """
    rows: list[dict] = []
    wanted = None if periods is None else {p for p in periods}
    chosen = targets if wanted is None else targets[targets["period"].isin(wanted)]
    metric_targets = chosen[chosen["metric"] != "dustfall"]
    daily_cache: dict[str, pd.DataFrame] = {}
    members_cache: dict[str, pd.DataFrame] = {}
    links_cache: dict[str, dict[str, list[str]]] = {}
    county_names = list(
        dict.fromkeys(
            metric_targets.loc[
                metric_targets["scope"].astype(str) == "county", "target_name"
            ].astype(str)
        )
    )
    name_of_id = dict(zip(stations["id"].astype(str), stations["name"].astype(str), strict=True))
    value_cache: dict[tuple[str, str], pd.DataFrame] = {}
    target: Any  # an itertuples() row: pandas-stubs types each field as any scalar
    for target in metric_targets.itertuples(index=False):
        scope, name, period, metric = (
            str(target.scope),
            str(target.target_name),
            str(target.period),
            str(target.metric),
        )
        row: dict[str, Any] = {
            "scope": scope,
            "target_name": name,
            "period": period,
            "metric": metric,
            "target": float(target.value),
            "actual": np.nan,
            "met": pd.NA,
            "basis": "",
            "days_unknown": pd.NA,
        }
        if metric not in METRICS:
            row["validity"] = f"metric {metric} is not computed from readings"
            rows.append(row)
            continue
        if scope not in daily_cache:
            members, links = _members(
                scope,
                stations,
                parks,
                county_kinds,
                units=county_names,
                park_units=park_units,
                by_name=park_units_by_name,
            )
            members_cache[scope] = members
            links_cache[scope] = links
            daily_cache[scope] = (
                group_daily(station_daily, members, group="group")
                if len(members)
                else pd.DataFrame()
            )
        daily = daily_cache[scope]
        if scope == "station":  # by name (with or without 站) or by station id
            key = _name_key(name_of_id.get(name, name))
        else:
            key = "__city__" if scope == "city" else name
        if (scope, period) not in value_cache:
            value_cache[(scope, period)] = (
                period_values(daily, key="group", span=_span(period))
                if len(daily)
                else pd.DataFrame()
            )
        values = value_cache[(scope, period)]
        found = values[values["group"] == key] if len(values) else values
        column, higher_better, _unit = METRICS[metric]
        parks_of_unit = links_cache[scope].get(key) if scope == "county" else None
        if found.empty:
            row["validity"] = "no data: no station readings for this target"
            if parks_of_unit:
                row["validity"] = (
                    f"no data: no air station with readings inside {'、'.join(parks_of_unit)}"
                )
            rows.append(row)
            continue
        record = found.iloc[0]
        n_stations = daily.loc[daily["group"] == key, "n_stations"].max()
        row["basis"] = (
            "station's own values"
            if scope == "station"
            else f"daily mean of {int(n_stations)} station(s)"
        )
        if parks_of_unit:
            how = (
                "[targets.park_units]"
                if key in (park_units or {})
                else "park name contains the unit's name"
            )
            row["basis"] += (
                f" in park {'、'.join(parks_of_unit)} ({key} is judged from its park: {how})"
            )
        elif scope == "county":
            ids = members_cache[scope].loc[members_cache[scope]["group"] == key, "station_id"]
            kinds = sorted(set(stations.loc[stations["id"].astype(str).isin(ids), "kind"]))
            if not set(kinds) & set(county_kinds):
                row["basis"] += f" ({'/'.join(kinds)} only: no {'/'.join(county_kinds)} station)"
        need = int(record["min_days"])
        if column in _UNKNOWN:
            _judge_days(row, record, column, need, higher_better)
        else:
            row["actual"] = float(record[column]) if pd.notna(record[column]) else np.nan
            days_col = _DAYS.get(column)
            if days_col is not None:
                days = int(record[days_col])
                row["validity"] = "valid" if days >= need else f"invalid: {days}/{need} valid days"
            else:
                row["validity"] = str(record["validity"])
            if row["validity"] == "valid" and pd.notna(row["actual"]):
                row["met"] = (
                    (row["actual"] >= row["target"])
                    if higher_better
                    else (row["actual"] <= row["target"])
                )
        rows.append(row)
    if dustfall is not None and len(dustfall):
        rows.extend(_dustfall_rows(chosen, dustfall, stations, dustfall_limit_t_km2, wanted))
    out = pd.DataFrame(rows, columns=[c for c in CHECK_COLUMNS if c != "difference"])
    out["difference"] = (out["actual"] - out["target"]).round(2)
    out["met"] = out["met"].astype("boolean")
    out["days_unknown"] = out["days_unknown"].astype("Int64")
    return out[list(CHECK_COLUMNS)].reset_index(drop=True)


def _judge_days(row: dict, record: pd.Series, column: str, need: int, more_is_better: bool) -> None:
    """Good or heavy days against their target, counting only proven days.

    ``good_days`` (complete days with AQI ≤ 100) and ``heavy_days`` (AQI > 200, or an
    incomplete day already above 200) count what is proven; the days an incomplete
    day cannot decide are ``days_unknown`` / ``heavy_unknown``. A target is met only
    when it is met whatever those days were, missed only when it is missed whatever
    they were; otherwise it is not judged and the validity says how many days decide.
    The month (or span) also needs ``need`` days with a known AQI (``aqi_days``).
    """
    actual = int(record[column])
    unknown = int(record[_UNKNOWN[column]])
    aqi_days = int(record["aqi_days"])
    row["actual"] = float(actual)
    row["days_unknown"] = unknown
    if aqi_days < need:
        row["validity"] = f"invalid: {aqi_days}/{need} days with an AQI ({unknown} days unknown)"
        return
    target = row["target"]
    if more_is_better:
        best, worst = actual + unknown, actual
        met = True if worst >= target else (False if best < target else None)
    else:
        best, worst = actual, actual + unknown
        met = True if worst <= target else (False if best > target else None)
    if met is None:
        row["validity"] = (
            f"undetermined: {unknown} incomplete days could go either way "
            f"(between {min(best, worst)} and {max(best, worst)})"
        )
        return
    row["met"] = met
    row["validity"] = "valid" if unknown == 0 else f"valid ({unknown} days unknown, not counted)"


def months_of_periods(periods: set[str] | None) -> set[str] | None:
    """Every month ("2020-11") that the periods (months or spans "2020-10/2020-12") cover;
    None for None (every period)."""
    if periods is None:
        return None
    months: set[str] = set()
    for period in periods:
        start, end = _span(period).split("/")
        months.update(str(p) for p in pd.period_range(start, end, freq="M"))
    return months


def _dustfall_rows(
    targets: pd.DataFrame,
    dustfall: pd.DataFrame,
    stations: pd.DataFrame,
    default_limit: float,
    wanted: set[str] | None,
) -> list[dict]:
    months = months_of_periods(wanted)
    frame = dustfall if months is None else dustfall[dustfall["month"].isin(months)]
    info = stations.assign(id=stations["id"].astype(str))[["id", "name", "county", "kind"]]
    frame = frame.merge(info, left_on="station_id", right_on="id", how="left")
    limits = targets[targets["metric"] == "dustfall"]
    limit_of = {
        (str(r.target_name), str(r.period)): float(r.value)
        for r in cast(Iterator[Any], limits.itertuples(index=False))  # fields: any scalar
    }

    def limit(county: str, month: str) -> tuple[float, str]:
        if (county, month) in limit_of:
            return limit_of[(county, month)], "target table"
        return default_limit, "[readings] dustfall_limit_t_km2"

    rows = []
    r: Any  # an itertuples() row, then an iterrows() Series
    for r in frame.sort_values(["month", "station_id"]).itertuples(index=False):
        lim, source = limit(str(r.county), str(r.month))
        rows.append(
            {
                "scope": "station",
                "target_name": str(r.name),
                "period": r.month,
                "metric": "dustfall",
                "actual": float(r.dustfall_t_km2),
                "target": lim,
                "met": bool(r.dustfall_t_km2 <= lim),
                "validity": "valid",
                "basis": f"station's monthly value; limit from {source}",
            }
        )
    county = frame.groupby(["county", "month"], sort=True)["dustfall_t_km2"].agg(["mean", "size"])
    for key, r in county.iterrows():
        name, month = cast(tuple[Any, Any], key)  # (county, month)
        lim, source = limit(str(name), str(month))
        actual = round(float(r["mean"]), 2)
        rows.append(
            {
                "scope": "county",
                "target_name": str(name),
                "period": month,
                "metric": "dustfall",
                "actual": actual,
                "target": lim,
                "met": bool(actual <= lim),
                "validity": "valid",
                "basis": f"mean of {int(r['size'])} station(s); limit from {source}",
            }
        )
    return rows


# --- the annex-style (wide) targets table ------------------------------------------------
