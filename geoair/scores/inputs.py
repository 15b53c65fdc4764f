"""What park and enterprise scores read: the workspace frames, months, and settings.

:class:`ScoreInputs` holds every frame the scores use (missing ones are None), built
for a workspace by :func:`geoair.workflows.scores.load_inputs`; :func:`latest_month`
chooses the month to score when none is given; :func:`station_months_from` joins
monthly PM2.5 and dustfall per station; :func:`score_settings` checks the weights. The
components' names (:data:`PARK_COMPONENTS`, :data:`ENTERPRISE_COMPONENTS`) and the
enumerations the rules use (:data:`B_OR_BETTER`, :data:`CLOSED`, :data:`PRODUCING`)
live here so that :mod:`geoair.scores.parks` and :mod:`geoair.scores.enterprises`
share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from geoair.errors import SchemaError, WorkspaceError
from geoair.messages import t
from geoair.scores.components import _months_of, check_weights, parse_month
from geoair.store.settings import ScoresSettings, Settings

__all__ = [
    "AIR_REFERENCES",
    "B_OR_BETTER",
    "CLOSED",
    "ENTERPRISE_COMPONENTS",
    "PARK_COMPONENTS",
    "PRODUCING",
    "ScoreInputs",
    "latest_month",
    "score_settings",
    "station_months_from",
]


#: Park components: name -> (Chinese label, unit of the raw value).
PARK_COMPONENTS: dict[str, tuple[str, str]] = {
    "air": ("空气质量(PM2.5)", "µg/m³"),
    "dustfall": ("降尘", "t/(km²·月)"),
    "road_dust": ("道路积尘负荷", "g/m²"),
    "compliance": ("问题清单达标率", "比例"),
    "cases": ("未整改问题", "件/企业"),
    "fines": ("罚款", "元/企业"),
    "grades": ("B级及以上占比", "比例"),
    "heaps": ("未治理或自燃矸石山", "座"),
}


#: Enterprise components: name -> (Chinese label, unit of the raw value).
ENTERPRISE_COMPONENTS: dict[str, tuple[str, str]] = {
    "checklist": ("问题清单达标率", "比例"),
    "cases": ("未整改问题", "件"),
    "grade": ("绩效等级", "等级分"),
    "gate_roads": ("厂门道路", "无问题厂门比例"),
}


#: Grades that count as "B or better" (长治市2024年大气办通知 四: B级及以上或引领性).
B_OR_BETTER = ("A", "B", "引领性")


AIR_REFERENCES = ("standard", "target", "city")


CLOSED = "依法关闭"


PRODUCING = "正常生产"


@dataclass(frozen=True)
class ScoreInputs:
    """The frames that scores are computed from; any but ``parks`` may be None.

    Parameters
    ----------
    parks : DataFrame
        ``id``, ``name``, ``county`` (geometry kept if present, for the map).
    assignment : DataFrame
        The ``site_assignment`` table of :mod:`geoair.scores.assign`.
    enterprises, inspections, cases, gangue_heaps, stations, targets : DataFrame
        Workspace layers and records as imported.
    station_months : DataFrame
        ``station_id``, ``month`` ("2024-03"), ``pm25_ug_m3`` (NaN when the month is
        not valid), ``dustfall_t_km2``; see :func:`station_months_from`.
    road_dust : DataFrame
        The ``road_dust`` records (``park_name`` or ``park_id``, ``month``, ``load_g_m2``).
    gate_roads, roads : DataFrame
        The ``gate_roads`` layer of gate roads (``enterprise_id``, ``road_id``,
        ``length_m``: the road within 100 m of each gate) and the ``roads`` layer
        (``id``, ``hardened``), for the share of gate-road length that is hardened.
    """

    parks: pd.DataFrame
    assignment: pd.DataFrame
    enterprises: pd.DataFrame | None = None
    inspections: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None
    gangue_heaps: pd.DataFrame | None = None
    stations: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    station_months: pd.DataFrame | None = None
    road_dust: pd.DataFrame | None = None
    gate_roads: pd.DataFrame | None = None
    roads: pd.DataFrame | None = None


def station_months_from(
    monthly: pd.DataFrame | None = None, dustfall: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Join monthly PM2.5 and dustfall into ``station_id, month, pm25_ug_m3, dustfall_t_km2``.

    Parameters
    ----------
    monthly : DataFrame, optional
        The ``station_monthly`` table of indicators (``station_id``, ``period`` or
        ``month``, ``PM2.5``: NaN when the month has too few valid days), or a table
        already carrying ``pm25_ug_m3``.
    dustfall : DataFrame, optional
        ``station_id``, ``month``, ``dustfall_t_km2``.
    """
    # groupby(as_index=False)[column].mean() is a DataFrame (pandas-stubs: a Series)
    parts: list[pd.DataFrame] = []
    if monthly is not None and len(monthly):
        month_col = "month" if "month" in monthly.columns else "period"
        value_col = next((c for c in ("pm25_ug_m3", "PM2.5", "pm25") if c in monthly.columns), None)
        if value_col is None or month_col not in monthly.columns:
            raise SchemaError(
                "The monthly station table has no PM2.5 or no month column; "
                "run geoair indicators --period month --by station again."
            )
        part = pd.DataFrame(
            {
                "station_id": monthly["station_id"].astype(str),
                "month": _months_of(monthly[month_col]),
                "pm25_ug_m3": pd.to_numeric(monthly[value_col], errors="coerce"),
            }
        )
        means = part.groupby(["station_id", "month"], as_index=False)["pm25_ug_m3"].mean()
        parts.append(cast(pd.DataFrame, means))
    if dustfall is not None and len(dustfall):
        part = pd.DataFrame(
            {
                "station_id": dustfall["station_id"].astype(str),
                "month": _months_of(dustfall["month"]),
                "dustfall_t_km2": pd.to_numeric(dustfall["dustfall_t_km2"], errors="coerce"),
            }
        )
        means = part.groupby(["station_id", "month"], as_index=False)["dustfall_t_km2"].mean()
        parts.append(cast(pd.DataFrame, means))
    if not parts:
        return pd.DataFrame(
            {
                "station_id": pd.Series(dtype=str),
                "month": pd.Series(dtype=str),
                "pm25_ug_m3": pd.Series(dtype=float),
                "dustfall_t_km2": pd.Series(dtype=float),
            }
        )
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part, on=["station_id", "month"], how="outer")
    for column in ("pm25_ug_m3", "dustfall_t_km2"):
        if column not in out.columns:
            out[column] = np.nan
    return out


def latest_month(inputs: ScoreInputs) -> str:
    """The latest month that has any data to score (readings, road dust, inspections, cases).

    Raises
    ------
    WorkspaceError
        Nothing in the inputs is dated.
    """
    months: list[str] = []
    sm = inputs.station_months
    if sm is not None and len(sm):
        has = sm[["pm25_ug_m3", "dustfall_t_km2"]].notna().any(axis=1)
        months += [m for m in sm.loc[has, "month"].dropna().unique() if m]
    if inputs.road_dust is not None and len(inputs.road_dust):
        months += [m for m in _months_of(inputs.road_dust["month"]).dropna().unique() if m]
    for frame in (inputs.inspections, inputs.cases):
        if frame is not None and len(frame) and "inspection_date" in frame.columns:
            dates = pd.to_datetime(frame["inspection_date"], errors="coerce").dropna()
            if len(dates):
                months.append(parse_month(dates.max()))
    if not months:
        raise WorkspaceError(t("error.scores.nothing_dated"))
    return max(months)


def score_settings(settings: Settings) -> ScoresSettings:
    """The ``[scores]`` table, with its weights checked (known components, adding up to 1).

    Parameters
    ----------
    settings : Settings
        The workspace's settings.

    Raises
    ------
    ConfigError
        Weights of unknown components, or weights that do not add up to 1.
    """
    scores = settings.scores
    check_weights(scores.park_weights, known=PARK_COMPONENTS, table="scores.park_weights")
    check_weights(
        scores.enterprise_weights, known=ENTERPRISE_COMPONENTS, table="scores.enterprise_weights"
    )
    return scores
