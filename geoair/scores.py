"""Monthly park scores and rankings, enterprise scores, and benchmark candidates.

A park's score for a month is a transparent weighted mean of components (DESIGN §5.3,
seeds 001 and 002). Each component is first *normalised* to 0-100 (100 best)
against a **fixed reference**, never against the other parks, so adding or removing
a park changes no other park's component scores:

* ``air``: mean monthly PM2.5 (µg/m³) of the valid station months of the stations
  inside or near the park (dustfall-only stations left out); score
  100 × min(1, ref ÷ raw) with ref = 35 µg/m³ (GB 3095-2012 class II), the park's
  target, or the city mean of the national stations ([scores] air_reference).
* ``dustfall``: mean dustfall t/(km²·month) at stations inside or near the park;
  100 × min(1, limit ÷ raw), limit = the county's dustfall target of the month,
  else [readings] dustfall_limit_t_km2.
* ``road_dust``: mean road dust load (g/m²) of the park's roads measured that month;
  100 × min(1, ref ÷ raw), ref = [scores] road_dust_reference_g_m2.
* ``compliance``: mean over the park's enterprises of the share of 附件2 checklist
  items met in each one's latest inspection up to the month's end; 100 × raw.
* ``cases``: open (unrectified) 附件3 cases at the month's end per enterprise;
  100 ÷ (1 + raw).
* ``fines``: fines (yuan) of cases dated in the month per enterprise;
  100 × ref ÷ (ref + raw), ref = [scores] fines_reference_yuan.
* ``grades``: share of the park's graded enterprises at B or better (A, B, 引领性);
  100 × raw.
* ``heaps``: gangue heaps inside or near the park, each untreated (未治理) one
  counting 1 and each burning one 1 more; 100 ÷ (1 + raw).

The park's enterprises are those inside its polygon that are not closed by law
(依法关闭). A component the park lacks (no station, no road dust measured, no
enterprises, no heaps layer at all) is *missing*, not zero: the weights of the
components it has are scaled to add up to 1 (``<c>_weight``), and ``missing`` names
the others. ``<c>_points`` = weight × score; ``total`` = their sum (0-100). Parks
are ranked by total (ties share a rank); a park whose components carry less than
[scores] min_weight_ranked of the configured weight is shown but not ranked.
``rank_change`` is last month's rank minus this month's (positive: moved up);
``total_change`` the change in total.

Enterprise scores follow the same pattern (checklist, cases, grade, gate_roads),
and :func:`benchmark_candidates` proposes model enterprises per county within the
quotas of seed 000, only from enterprises producing normally (正常生产) with no
open case. They are computed in :mod:`geoair.enterprise_scores` (``score_enterprises``,
``benchmark_candidates``, ``enterprise_ranking_sheet``), re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoair._errors import ConfigError, SchemaError, WorkspaceError
from geoair._scoring import (
    _breakdown_text,
    _combine,
    _months_of,
    _period_covers,
    _ratio_score,
    case_facts,
    check_weights,
    checklist_shares,
    gate_road_hardened_share,
    parse_month,
    previous_month,
    rank_desc,
    respread_weights,
)

__all__ = [
    "ENTERPRISE_COMPONENTS", "PARK_COMPONENTS", "ScoreInputs",
    "case_facts", "check_weights", "checklist_shares",
    "gate_road_hardened_share", "latest_month", "load_inputs", "park_components",
    "park_ranking_sheet", "parse_month", "previous_month", "rank_desc", "respread_weights",
    "score_parks", "station_months_from",
    # from geoair.enterprise_scores, through __getattr__ below:
    "benchmark_candidates", "enterprise_ranking_sheet", "score_enterprises",  # noqa: F822
]

log = logging.getLogger(__name__)

# The enterprise half lives in geoair.enterprise_scores; its names stay importable here.
_ENTERPRISE_NAMES = ("score_enterprises", "benchmark_candidates", "enterprise_ranking_sheet")


def __getattr__(name: str):
    if name in _ENTERPRISE_NAMES:
        from geoair import enterprise_scores

        return getattr(enterprise_scores, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
#: PM2.5 class-II annual limit, µg/m³ (GB 3095-2012 Table 1), the fixed air reference.
PM25_STANDARD_UG_M3 = 35.0
#: Grades that count as "B or better" (seed 001 四: B级及以上或引领性).
B_OR_BETTER = ("A", "B", "引领性")
AIR_REFERENCES = ("standard", "target", "city")
CLOSED = "依法关闭"
PRODUCING = "正常生产"

# --- inputs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreInputs:
    """The frames that scores are computed from; any but ``parks`` may be None.

    Parameters
    ----------
    parks : DataFrame
        ``id``, ``name``, ``county`` (geometry kept if present, for the map).
    assignment : DataFrame
        The ``site_assignment`` table of :mod:`geoair.assign`.
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


def station_months_from(monthly: pd.DataFrame | None = None,
                        dustfall: pd.DataFrame | None = None) -> pd.DataFrame:
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
    parts = []
    if monthly is not None and len(monthly):
        month_col = "month" if "month" in monthly.columns else "period"
        value_col = next((c for c in ("pm25_ug_m3", "PM2.5", "pm25") if c in monthly.columns),
                         None)
        if value_col is None or month_col not in monthly.columns:
            raise SchemaError("The monthly station table has no PM2.5 or no month column; "
                              "run geoair indicators --period month --by station again.")
        part = pd.DataFrame({"station_id": monthly["station_id"].astype(str),
                             "month": _months_of(monthly[month_col]),
                             "pm25_ug_m3": pd.to_numeric(monthly[value_col], errors="coerce")})
        parts.append(part.groupby(["station_id", "month"], as_index=False)["pm25_ug_m3"].mean())
    if dustfall is not None and len(dustfall):
        part = pd.DataFrame({"station_id": dustfall["station_id"].astype(str),
                             "month": _months_of(dustfall["month"]),
                             "dustfall_t_km2": pd.to_numeric(dustfall["dustfall_t_km2"],
                                                             errors="coerce")})
        parts.append(part.groupby(["station_id", "month"],
                                  as_index=False)["dustfall_t_km2"].mean())
    if not parts:
        return pd.DataFrame({"station_id": pd.Series(dtype=str), "month": pd.Series(dtype=str),
                             "pm25_ug_m3": pd.Series(dtype=float),
                             "dustfall_t_km2": pd.Series(dtype=float)})
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
        raise WorkspaceError("There is nothing dated to score: no monthly readings, road dust, "
                             "inspections or cases. Import them (geoair import ...) or give "
                             "--month.")
    return max(months)


# --- park components ------------------------------------------------------------------------

def _settings_scores(settings: Mapping[str, Any]) -> dict[str, Any]:
    scores = dict(settings["scores"])
    if scores["air_reference"] not in AIR_REFERENCES:
        raise ConfigError(f"[scores] air_reference is {scores['air_reference']!r}; choose "
                          f"one of {', '.join(AIR_REFERENCES)}.")
    check_weights(scores["park_weights"], known=PARK_COMPONENTS, table="scores.park_weights")
    check_weights(scores["enterprise_weights"], known=ENTERPRISE_COMPONENTS,
                  table="scores.enterprise_weights")
    return scores


def _park_enterprises(inputs: ScoreInputs) -> pd.DataFrame:
    """(park_id, enterprise_id, status, grade) of enterprises inside parks, closed ones left out."""
    from geoair.assign import park_members

    links = park_members(inputs.assignment, "enterprises")
    links = links.rename(columns={"site_id": "enterprise_id"})[["enterprise_id", "park_id"]]
    ents = inputs.enterprises
    if ents is None or len(ents) == 0:
        return links.iloc[0:0].assign(status=None, grade=None)
    info = pd.DataFrame({"enterprise_id": ents["id"].astype(object),
                         "status": ents.get("status"),
                         "grade": ents.get("performance_grade")})
    out = links.merge(info, on="enterprise_id", how="inner")
    return out[out["status"].astype(object) != CLOSED].reset_index(drop=True)


def _target(targets: pd.DataFrame | None, *, scope: str, name: object, metric: str,
            month: str) -> float | None:
    if targets is None or len(targets) == 0 or name is None:
        return None
    rows = targets[(targets["scope"] == scope) & (targets["target_name"].astype(str) == str(name))
                   & (targets["metric"] == metric)]
    rows = rows[[_period_covers(p, month) for p in rows["period"]]]
    if rows.empty:
        return None
    # The narrowest period wins (a monthly target over a quarterly one).
    width = rows["period"].astype(str).str.len()
    return float(rows.loc[width.idxmin(), "value"])


def park_components(inputs: ScoreInputs, month: str, *,
                    settings: Mapping[str, Any]) -> pd.DataFrame:
    """The long table of component values of every park for ``month``.

    Returns
    -------
    DataFrame
        ``id`` (park id), ``component``, ``raw``, ``ref`` (reference used, where one
        applies), ``score`` (0-100), one row per present component; plus per-park facts in
        ``attrs["facts"]`` (enterprises, open cases, fines, heaps, air reference used).
    """
    from geoair.assign import park_members

    cfg = _settings_scores(settings)
    dust_limit_default = float(settings["readings"]["dustfall_limit_t_km2"])
    parks = inputs.parks
    rows: list[tuple[object, str, float, float, float]] = []
    facts = pd.DataFrame({"park_id": parks["id"].astype(object).to_numpy()})

    # air and dustfall, from stations inside or near the park
    sm = inputs.station_months
    air_ref_used = pd.Series(None, index=facts.index, dtype=object)
    if sm is not None and len(sm):
        month_rows = sm[sm["month"] == month]
        links = park_members(inputs.assignment, "stations", rules=("inside", "near"))
        links = links.assign(station_id=links["site_id"].astype(str))
        kinds = pd.Series(dtype=object)
        if inputs.stations is not None and "kind" in inputs.stations.columns:
            kinds = pd.Series(inputs.stations["kind"].to_numpy(),
                              index=inputs.stations["id"].astype(str))
        joined = links.merge(month_rows, on="station_id", how="inner")
        joined["kind"] = joined["station_id"].map(kinds)
        air = joined[joined["kind"] != "降尘点"].groupby("park_id")["pm25_ug_m3"].mean()
        dust = joined.groupby("park_id")["dustfall_t_km2"].mean()
        city = None
        if cfg["air_reference"] == "city" and len(kinds):
            national = month_rows[month_rows["station_id"].map(kinds) == "国控"]["pm25_ug_m3"]
            city = float(national.mean()) if national.notna().any() else None
        for i, park in enumerate(parks.itertuples(index=False)):
            value = air.get(park.id)
            if value is not None and pd.notna(value):
                ref, used = PM25_STANDARD_UG_M3, "standard"
                if cfg["air_reference"] == "target":
                    target = _target(inputs.targets, scope="park", name=park.name,
                                     metric="pm25", month=month)
                    if target is not None:
                        ref, used = target, "target"
                elif cfg["air_reference"] == "city" and city is not None:
                    ref, used = city, "city"
                air_ref_used.iloc[i] = used
                rows.append((park.id, "air", float(value), ref, _ratio_score(float(value), ref)))
            value = dust.get(park.id)
            if value is not None and pd.notna(value):
                limit = _target(inputs.targets, scope="county", name=getattr(park, "county", None),
                                metric="dustfall", month=month)
                limit = dust_limit_default if limit is None or limit <= 0 else limit
                rows.append((park.id, "dustfall", float(value), limit,
                             _ratio_score(float(value), limit)))
    facts["air_reference"] = air_ref_used.to_numpy()

    # road dust load, by park id or name
    rd = inputs.road_dust
    if rd is not None and len(rd):
        rd = rd.assign(_month=_months_of(rd["month"]))
        rd = rd[rd["_month"] == month]
        ref = float(cfg["road_dust_reference_g_m2"])
        for park in parks.itertuples(index=False):
            mine = rd["park_name"].astype(str) == str(park.name)
            if "park_id" in rd.columns:
                mine = mine | (rd["park_id"].astype(str) == str(park.id))
            loads = pd.to_numeric(rd.loc[mine, "load_g_m2"], errors="coerce").dropna()
            if len(loads):
                value = float(loads.mean())
                rows.append((park.id, "road_dust", value, ref, _ratio_score(value, ref)))

    # enterprise-based components
    members = _park_enterprises(inputs)
    n_ent = members.groupby("park_id").size()
    facts["n_enterprises"] = facts["park_id"].map(n_ent).fillna(0).astype(int)
    shares = checklist_shares(inputs.inspections, month, inputs.enterprises)
    with_share = members.merge(shares[["enterprise_id", "share_met"]], on="enterprise_id",
                               how="inner").dropna(subset=["share_met"])
    compliance = with_share.groupby("park_id")["share_met"].mean()
    facts["n_inspected"] = facts["park_id"].map(with_share.groupby("park_id").size()) \
        .fillna(0).astype(int)
    graded = members[members["grade"].notna()]
    grades = graded.groupby("park_id")["grade"].agg(lambda g: float(g.isin(B_OR_BETTER).mean()))
    facts["open_cases"] = 0
    facts["fines_yuan"] = 0.0
    if inputs.cases is not None:
        cf = members.merge(case_facts(inputs.cases, month, inputs.enterprises),
                           on="enterprise_id", how="left")
        facts["open_cases"] = facts["park_id"].map(cf.groupby("park_id")["open_cases"].sum()) \
            .fillna(0).astype(int)
        facts["fines_yuan"] = facts["park_id"].map(cf.groupby("park_id")["fines_yuan"].sum()) \
            .fillna(0.0).astype(float)
    fines_ref = float(cfg["fines_reference_yuan"])
    for park_id, n, open_, fines in zip(facts["park_id"], facts["n_enterprises"],
                                        facts["open_cases"], facts["fines_yuan"], strict=True):
        if n == 0:
            continue
        if park_id in compliance.index:
            share = float(compliance[park_id])
            rows.append((park_id, "compliance", share, np.nan, 100.0 * share))
        if park_id in grades.index:
            share = float(grades[park_id])
            rows.append((park_id, "grades", share, np.nan, 100.0 * share))
        if inputs.cases is not None:
            per = open_ / n
            rows.append((park_id, "cases", per, np.nan, 100.0 / (1.0 + per)))
            per_fine = fines / n
            rows.append((park_id, "fines", per_fine, fines_ref,
                         100.0 * fines_ref / (fines_ref + per_fine)))

    # gangue heaps inside or near
    facts["heaps_untreated"] = 0
    facts["heaps_burning"] = 0
    if inputs.gangue_heaps is not None:
        heaps = inputs.gangue_heaps
        links = park_members(inputs.assignment, "gangue_heaps", rules=("inside", "near"))
        info = pd.DataFrame({
            "site_id": heaps["id"].astype(object),
            "untreated": (heaps["treatment"] == "未治理").fillna(False).astype(bool)
            if "treatment" in heaps else False,
            "burning": heaps["burning"].astype("boolean").fillna(False).astype(bool)
            if "burning" in heaps else False})
        linked = links.merge(info, on="site_id", how="inner")
        facts["heaps_untreated"] = facts["park_id"].map(
            linked.groupby("park_id")["untreated"].sum()).fillna(0).astype(int)
        facts["heaps_burning"] = facts["park_id"].map(
            linked.groupby("park_id")["burning"].sum()).fillna(0).astype(int)
        for park_id, untreated, burning in zip(facts["park_id"], facts["heaps_untreated"],
                                               facts["heaps_burning"], strict=True):
            count = float(untreated + burning)
            rows.append((park_id, "heaps", count, np.nan, 100.0 / (1.0 + count)))

    out = pd.DataFrame(rows, columns=["id", "component", "raw", "ref", "score"])
    out.attrs["facts"] = facts
    return out


def _score_park_month(inputs: ScoreInputs, month: str, settings: Mapping[str, Any]
                      ) -> pd.DataFrame:
    cfg = _settings_scores(settings)
    components = park_components(inputs, month, settings=settings)
    facts = components.attrs["facts"]
    wide = _combine(components, inputs.parks["id"].astype(object), names=PARK_COMPONENTS,
                    weights=cfg["park_weights"], labels=PARK_COMPONENTS,
                    min_weight_ranked=float(cfg["min_weight_ranked"]))
    wide = wide.rename(columns={"_id": "park_id"})
    wide.insert(0, "month", month)
    wide.insert(2, "park_name", inputs.parks["name"].to_numpy())
    wide.insert(3, "county", inputs.parks["county"].to_numpy()
                if "county" in inputs.parks.columns else None)
    return wide.merge(facts, on="park_id", how="left")


def score_parks(inputs: ScoreInputs, *, month: str | None = None,
                settings: Mapping[str, Any], with_change: bool = True) -> pd.DataFrame:
    """Score and rank every park for ``month``, with the change from the month before.

    Parameters
    ----------
    inputs : ScoreInputs
        The frames; see :class:`ScoreInputs`.
    month : str, optional
        "2024-03"; default: :func:`latest_month`.
    settings : mapping
        Workspace settings (``[scores]``, ``[readings]``).
    with_change : bool
        Also score the month before, for ``prev_*`` and ``*_change`` (else left empty).

    Returns
    -------
    DataFrame (GeoDataFrame when ``inputs.parks`` has geometry)
        One row per park: ``month``, ``park_id``, ``park_name``, ``county``; for each
        component ``<c>_raw``, ``<c>_ref``, ``<c>_score``, ``<c>_weight``, ``<c>_points``;
        ``total``, ``rank``, ``ranked``, ``weight_covered``, ``components_used``,
        ``missing`` / ``missing_zh``, ``prev_total``, ``prev_rank``, ``total_change``,
        ``rank_change``, the facts (``n_enterprises``, ``n_inspected``, ``open_cases``,
        ``fines_yuan``, ``heaps_untreated``, ``heaps_burning``, ``air_reference``) and
        ``breakdown_zh`` (the computation in words, for a map popup). Sorted by rank.

    Examples
    --------
    >>> inputs = load_inputs(ws)                                    # doctest: +SKIP
    >>> table = score_parks(inputs, month="2024-03", settings=ws.settings)  # doctest: +SKIP
    """
    month = parse_month(month) if month is not None else latest_month(inputs)
    current = _score_park_month(inputs, month, settings)
    if with_change:
        prev = _score_park_month(inputs, previous_month(month), settings).set_index("park_id")
    else:
        prev = pd.DataFrame({"total": pd.Series(dtype=float),
                             "rank": pd.Series(dtype="Int64")})
    current["prev_total"] = current["park_id"].map(prev["total"]).astype(float)
    current["prev_rank"] = current["park_id"].map(prev["rank"]).astype("Int64")
    current["total_change"] = current["total"] - current["prev_total"]
    current["rank_change"] = (current["prev_rank"] - current["rank"]).astype("Int64")
    current["breakdown_zh"] = [_breakdown_text(row, PARK_COMPONENTS, PARK_COMPONENTS)
                               for _, row in current.iterrows()]
    current = current.sort_values(["rank", "park_id"], na_position="last", kind="mergesort")
    current = current.reset_index(drop=True)
    if "geometry" in inputs.parks.columns:
        import geopandas as gpd

        geoms = pd.Series(inputs.parks.geometry.to_numpy(),
                          index=inputs.parks["id"].astype(object).to_numpy())
        return gpd.GeoDataFrame(current, geometry=current["park_id"].map(geoms).to_numpy(),
                                crs=inputs.parks.crs)
    return current


# --- sheets for the monthly report ---------------------------------------------------------------

def park_ranking_sheet(park_scores: pd.DataFrame) -> pd.DataFrame:
    """The park ranking as the monthly report shows it, with Chinese headers."""
    sheet = pd.DataFrame({
        "排名": park_scores["rank"],
        "园区名称": park_scores["park_name"],
        "县区": park_scores["county"],
        "月份": park_scores["month"],
        "总分": park_scores["total"].round(1),
        "排名变化(较上月)": park_scores["rank_change"],
        "得分变化(较上月)": park_scores["total_change"].round(1),
    })
    for name, (label, unit) in PARK_COMPONENTS.items():
        raw = park_scores[f"{name}_raw"]
        sheet[f"{label}({unit})"] = (raw * 100).round(1) if unit == "比例" else raw.round(3)
        sheet[f"{label}得分"] = park_scores[f"{name}_score"].round(1)
        sheet[f"{label}权重"] = park_scores[f"{name}_weight"].round(3)
    sheet["缺项(权重已分摊)"] = park_scores["missing_zh"]
    sheet["企业数"] = park_scores["n_enterprises"]
    return sheet


# --- workspace --------------------------------------------------------------------------------

def load_inputs(ws, *, assignment: pd.DataFrame | None = None) -> ScoreInputs:
    """Read every frame that scores use from a workspace (missing ones are None).

    Monthly PM2.5 comes from the ``station_monthly`` table (``geoair indicators``) and
    dustfall from the readings store, when they exist.
    """
    from geoair.assign import assignment_from_workspace

    parks = ws.read("parks", required=False)
    if parks is None or len(parks) == 0:
        raise WorkspaceError(f"The workspace {ws.root} has no parks to score. Run geoair "
                             "import parks FILE first.")
    monthly = ws.read("station_monthly", required=False)
    dustfall = _read_dustfall(ws)
    return ScoreInputs(
        parks=parks,
        assignment=assignment if assignment is not None else assignment_from_workspace(ws),
        enterprises=ws.read("enterprises", required=False),
        inspections=ws.read("inspections", required=False),
        cases=ws.read("cases", required=False),
        gangue_heaps=ws.read("gangue_heaps", required=False),
        stations=ws.read("stations", required=False),
        targets=ws.read("targets", required=False),
        station_months=station_months_from(monthly, dustfall),
        road_dust=ws.read("road_dust", required=False),
        gate_roads=_read_table(ws, "gate_roads"),
        roads=_read_table(ws, "roads"),
    )


def _read_table(ws, name: str) -> pd.DataFrame | None:
    """A workspace layer as a plain table (geometry dropped), or None."""
    frame = ws.read(name, required=False)
    if frame is None:
        return None
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def _read_dustfall(ws) -> pd.DataFrame | None:
    """Monthly dustfall from the readings store (empty when none was imported)."""
    from geoair.readings import load_dustfall

    return load_dustfall(ws)



# --- demo -------------------------------------------------------------------------------------

def _weakest(row: pd.Series) -> str:
    scored = {name: row[f"{name}_score"] for name in PARK_COMPONENTS
              if pd.notna(row[f"{name}_score"])}
    if not scored:
        return ""
    name = min(scored, key=lambda n: (scored[n], n))
    return f"weakest: {PARK_COMPONENTS[name][0]} {scored[name]:.0f}"


def demo_step(ws, echo) -> None:
    """Assign sites, score parks and enterprises for the latest month, write the report tables."""
    from geoair.assign import assignment_from_workspace
    from geoair.enterprise_scores import enterprise_ranking_sheet, score_enterprises
    from geoair.io import write_table

    assignment = assignment_from_workspace(ws)
    inputs = load_inputs(ws, assignment=assignment)
    parks = score_parks(inputs, settings=ws.settings)
    enterprises = score_enterprises(inputs, month=parks["month"].iloc[0], settings=ws.settings)
    month = parks["month"].iloc[0]
    with ws.transaction() as tx:
        tx.write("site_assignment", assignment)
        tx.write("park_scores", parks)
        tx.write("enterprise_scores", enterprises)
    primary = assignment[assignment["primary"]]
    parts = []
    for layer, rows in primary.groupby("layer", sort=False):
        linked = rows["park_rule"].notna().sum()
        parts.append(f"{len(rows)} {layer} ({linked} in or near a park)")
    echo("  site_assignment: " + ", ".join(parts))
    echo(f"  park ranking {month} (0-100; change in rank from {previous_month(month)}):")
    for _, row in parks.iterrows():
        rank = "-" if pd.isna(row["rank"]) else f"{int(row['rank'])}."
        change = "" if pd.isna(row["rank_change"]) else f" ({int(row['rank_change']):+d})"
        missing = f"; no data: {row['missing_zh']}" if row["missing_zh"] else ""
        echo(f"    {rank:>3} {row['park_name']} {row['total']:.1f}{change}  "
             f"{_weakest(row)}{missing}")
    chosen = enterprises[enterprises["benchmark"]]
    counts = chosen.groupby("county").size()
    echo(f"  enterprise_scores: {len(enterprises)} enterprises; benchmark candidates: "
         + ", ".join(f"{county} {n}" for county, n in counts.items()))
    short = enterprises.drop_duplicates("county")["benchmark_note"].dropna()
    for note in short[short.str.contains("少于名额下限")]:
        echo(f"    {note}")
    folder = ws.outputs_dir / "scores"
    ranking = write_table(park_ranking_sheet(parks), folder / f"园区排名_{month}.xlsx",
                          layer="园区排名")
    bench = write_table(enterprise_ranking_sheet(enterprises, benchmark_only=True),
                        folder / f"标杆企业候选_{month}.xlsx", layer="标杆企业候选")
    echo(f"  park ranking for the monthly report: {ranking}")
    echo(f"  benchmark candidates: {bench}")
    echo("  tables site_assignment, park_scores (with park outlines and breakdown_zh for "
         "map popups), enterprise_scores in the workspace")
