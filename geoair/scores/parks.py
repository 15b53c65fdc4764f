"""Monthly park scores and rankings: fixed references, weights re-spread, rank and change.

A park's score for a month is a transparent weighted mean of components (长治市2024年
大气办通知 and 晋市生态环保委办〔2023〕4号). Each component is first *normalised* to 0-100
(100 best)
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

Enterprise scores follow the same pattern (checklist, cases, grade, gate_roads) in
:mod:`geoair.scores.enterprises`, which also proposes benchmark enterprises.
"""

from __future__ import annotations

import logging
from typing import cast

import numpy as np
import pandas as pd

from geoair.scores.components import (
    _breakdown_text,
    _combine,
    _months_of,
    _period_covers,
    _ratio_score,
    case_facts,
    checklist_shares,
    parse_month,
    previous_month,
)
from geoair.scores.inputs import (
    B_OR_BETTER,
    CLOSED,
    PARK_COMPONENTS,
    ScoreInputs,
    latest_month,
    score_settings,
)
from geoair.store.settings import Settings

__all__ = ["PM25_STANDARD_UG_M3", "park_components", "park_ranking_sheet", "score_parks"]


log = logging.getLogger(__name__)


#: PM2.5 class-II annual limit, µg/m³ (GB 3095-2012 Table 1), the fixed air reference.
PM25_STANDARD_UG_M3 = 35.0

# --- inputs -------------------------------------------------------------------------------


# --- park components ------------------------------------------------------------------------


def _park_enterprises(inputs: ScoreInputs) -> pd.DataFrame:
    """(park_id, enterprise_id, status, grade) of enterprises inside parks, closed ones left out."""
    from geoair.scores.assign import park_members

    links = park_members(inputs.assignment, "enterprises")
    links = links.rename(columns={"site_id": "enterprise_id"})[["enterprise_id", "park_id"]]
    ents = inputs.enterprises
    if ents is None or len(ents) == 0:
        return links.iloc[0:0].assign(status=None, grade=None)
    info = pd.DataFrame(
        {
            "enterprise_id": ents["id"].astype(object),
            "status": ents.get("status"),
            "grade": ents.get("performance_grade"),
        }
    )
    out = links.merge(info, on="enterprise_id", how="inner")
    return out[out["status"].astype(object) != CLOSED].reset_index(drop=True)


def _target(
    targets: pd.DataFrame | None, *, scope: str, name: object, metric: str, month: str
) -> float | None:
    if targets is None or len(targets) == 0 or name is None:
        return None
    rows = targets[
        (targets["scope"] == scope)
        & (targets["target_name"].astype(str) == str(name))
        & (targets["metric"] == metric)
    ]
    rows = rows[[_period_covers(p, month) for p in rows["period"]]]
    if rows.empty:
        return None
    # The narrowest period wins (a monthly target over a quarterly one).
    width = rows["period"].astype(str).str.len()
    return float(cast(float, rows.at[width.idxmin(), "value"]))  # a cell of a number column


def park_components(inputs: ScoreInputs, month: str, *, settings: Settings) -> pd.DataFrame:
    """The long table of component values of every park for ``month``.

    Returns
    -------
    DataFrame
        ``id`` (park id), ``component``, ``raw``, ``ref`` (reference used, where one
        applies), ``score`` (0-100), one row per present component; plus per-park facts in
        ``attrs["facts"]`` (enterprises, open cases, fines, heaps, air reference used).
    """
    from geoair.scores.assign import park_members

    cfg = score_settings(settings)
    dust_limit_default = settings.readings.dustfall_limit_t_km2
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
            kinds = pd.Series(
                inputs.stations["kind"].to_numpy(), index=inputs.stations["id"].astype(str)
            )
        joined = links.merge(month_rows, on="station_id", how="inner")
        joined["kind"] = joined["station_id"].map(kinds)
        air = joined[joined["kind"] != "降尘点"].groupby("park_id")["pm25_ug_m3"].mean()
        dust = joined.groupby("park_id")["dustfall_t_km2"].mean()
        city = None
        if cfg.air_reference == "city" and len(kinds):
            national = month_rows[month_rows["station_id"].map(kinds) == "国控"]["pm25_ug_m3"]
            city = float(national.mean()) if national.notna().any() else None
        for i, park in enumerate(parks.itertuples(index=False)):
            value = air.get(park.id)
            if value is not None and pd.notna(value):
                ref, used = PM25_STANDARD_UG_M3, "standard"
                if cfg.air_reference == "target":
                    target = _target(
                        inputs.targets, scope="park", name=park.name, metric="pm25", month=month
                    )
                    if target is not None:
                        ref, used = target, "target"
                elif cfg.air_reference == "city" and city is not None:
                    ref, used = city, "city"
                air_ref_used.iloc[i] = used
                rows.append((park.id, "air", float(value), ref, _ratio_score(float(value), ref)))
            value = dust.get(park.id)
            if value is not None and pd.notna(value):
                limit = _target(
                    inputs.targets,
                    scope="county",
                    name=getattr(park, "county", None),
                    metric="dustfall",
                    month=month,
                )
                limit = dust_limit_default if limit is None or limit <= 0 else limit
                rows.append(
                    (park.id, "dustfall", float(value), limit, _ratio_score(float(value), limit))
                )
    facts["air_reference"] = air_ref_used.to_numpy()

    # road dust load, by park id or name
    rd = inputs.road_dust
    if rd is not None and len(rd):
        rd = rd.assign(_month=_months_of(rd["month"]))
        rd = rd[rd["_month"] == month]
        ref = cfg.road_dust_reference_g_m2
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
    with_share = members.merge(
        shares[["enterprise_id", "share_met"]], on="enterprise_id", how="inner"
    ).dropna(subset=["share_met"])
    compliance = with_share.groupby("park_id")["share_met"].mean()
    facts["n_inspected"] = (
        facts["park_id"].map(with_share.groupby("park_id").size()).fillna(0).astype(int)
    )
    graded = members[members["grade"].notna()]
    grades = graded.groupby("park_id")["grade"].agg(lambda g: float(g.isin(B_OR_BETTER).mean()))
    facts["open_cases"] = 0
    facts["fines_yuan"] = 0.0
    if inputs.cases is not None:
        cf = members.merge(
            case_facts(inputs.cases, month, inputs.enterprises), on="enterprise_id", how="left"
        )
        facts["open_cases"] = (
            facts["park_id"].map(cf.groupby("park_id")["open_cases"].sum()).fillna(0).astype(int)
        )
        facts["fines_yuan"] = (
            facts["park_id"]
            .map(cf.groupby("park_id")["fines_yuan"].sum())
            .fillna(0.0)
            .astype(float)
        )
    fines_ref = cfg.fines_reference_yuan
    for park_id, n, open_, fines in zip(
        facts["park_id"],
        facts["n_enterprises"],
        facts["open_cases"],
        facts["fines_yuan"],
        strict=True,
    ):
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
            rows.append(
                (park_id, "fines", per_fine, fines_ref, 100.0 * fines_ref / (fines_ref + per_fine))
            )

    # gangue heaps inside or near
    facts["heaps_untreated"] = 0
    facts["heaps_burning"] = 0
    if inputs.gangue_heaps is not None:
        heaps = inputs.gangue_heaps
        links = park_members(inputs.assignment, "gangue_heaps", rules=("inside", "near"))
        info = pd.DataFrame(
            {
                "site_id": heaps["id"].astype(object),
                "untreated": (heaps["treatment"] == "未治理").fillna(False).astype(bool)
                if "treatment" in heaps
                else False,
                "burning": heaps["burning"].astype("boolean").fillna(False).astype(bool)
                if "burning" in heaps
                else False,
            }
        )
        linked = links.merge(info, on="site_id", how="inner")
        facts["heaps_untreated"] = (
            facts["park_id"].map(linked.groupby("park_id")["untreated"].sum()).fillna(0).astype(int)
        )
        facts["heaps_burning"] = (
            facts["park_id"].map(linked.groupby("park_id")["burning"].sum()).fillna(0).astype(int)
        )
        for park_id, untreated, burning in zip(
            facts["park_id"], facts["heaps_untreated"], facts["heaps_burning"], strict=True
        ):
            count = float(untreated + burning)
            rows.append((park_id, "heaps", count, np.nan, 100.0 / (1.0 + count)))

    out = pd.DataFrame(rows, columns=["id", "component", "raw", "ref", "score"])
    out.attrs["facts"] = facts
    return out


def _score_park_month(inputs: ScoreInputs, month: str, settings: Settings) -> pd.DataFrame:
    cfg = score_settings(settings)
    components = park_components(inputs, month, settings=settings)
    facts = components.attrs["facts"]
    wide = _combine(
        components,
        inputs.parks["id"].astype(object),
        names=PARK_COMPONENTS,
        weights=cfg.park_weights,
        labels=PARK_COMPONENTS,
        min_weight_ranked=cfg.min_weight_ranked,
    )
    wide = wide.rename(columns={"_id": "park_id"})
    wide.insert(0, "month", month)
    wide.insert(2, "park_name", inputs.parks["name"].to_numpy())
    wide.insert(
        3, "county", inputs.parks["county"].to_numpy() if "county" in inputs.parks.columns else None
    )
    return wide.merge(facts, on="park_id", how="left")


def score_parks(
    inputs: ScoreInputs,
    *,
    month: str | None = None,
    settings: Settings,
    with_change: bool = True,
) -> pd.DataFrame:
    """Score and rank every park for ``month``, with the change from the month before.

    Parameters
    ----------
    inputs : ScoreInputs
        The frames; see :class:`ScoreInputs`.
    month : str, optional
        "2024-03"; default: :func:`latest_month`.
    settings : Settings
        Workspace settings (``[scores]``, ``[readings]`` dustfall limit).
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
        prev = pd.DataFrame({"total": pd.Series(dtype=float), "rank": pd.Series(dtype="Int64")})
    current["prev_total"] = current["park_id"].map(prev["total"]).astype(float)
    current["prev_rank"] = current["park_id"].map(prev["rank"]).astype("Int64")
    current["total_change"] = current["total"] - current["prev_total"]
    current["rank_change"] = (current["prev_rank"] - current["rank"]).astype("Int64")
    current["breakdown_zh"] = [
        _breakdown_text(row, PARK_COMPONENTS, PARK_COMPONENTS) for _, row in current.iterrows()
    ]
    current = current.sort_values(["rank", "park_id"], na_position="last", kind="mergesort")
    current = current.reset_index(drop=True)
    if "geometry" in inputs.parks.columns:
        import geopandas as gpd

        geoms = pd.Series(
            inputs.parks.geometry.to_numpy(), index=inputs.parks["id"].astype(object).to_numpy()
        )
        return gpd.GeoDataFrame(
            current, geometry=current["park_id"].map(geoms).to_numpy(), crs=inputs.parks.crs
        )
    return current


# --- sheets for the monthly report ---------------------------------------------------------------


def park_ranking_sheet(park_scores: pd.DataFrame) -> pd.DataFrame:
    """The park ranking as the monthly report shows it, with Chinese headers."""
    sheet = pd.DataFrame(
        {
            "排名": park_scores["rank"],
            "园区名称": park_scores["park_name"],
            "县区": park_scores["county"],
            "月份": park_scores["month"],
            "总分": park_scores["total"].round(1),
            "排名变化(较上月)": park_scores["rank_change"],
            "得分变化(较上月)": park_scores["total_change"].round(1),
        }
    )
    for name, (label, unit) in PARK_COMPONENTS.items():
        raw = park_scores[f"{name}_raw"]
        sheet[f"{label}({unit})"] = (raw * 100).round(1) if unit == "比例" else raw.round(3)
        sheet[f"{label}得分"] = park_scores[f"{name}_score"].round(1)
        sheet[f"{label}权重"] = park_scores[f"{name}_weight"].round(3)
    sheet["缺项(权重已分摊)"] = park_scores["missing_zh"]
    sheet["企业数"] = park_scores["n_enterprises"]
    return sheet


# --- workspace --------------------------------------------------------------------------------


# --- demo -------------------------------------------------------------------------------------
