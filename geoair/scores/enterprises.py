"""Enterprise scores and benchmark (标杆) candidates per county (阳环函〔2024〕6号 quotas).

The enterprise half of :mod:`geoair.scores` (which describes the method and
re-exports every public name here): :func:`score_enterprises` scores each enterprise
not closed by law on the checklist, open cases, performance grade and gate roads;
:func:`benchmark_candidates` proposes model enterprises within each county's quota;
:func:`enterprise_ranking_sheet` lays the result out with Chinese headers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geoair.errors import ConfigError, WorkspaceError
from geoair.messages import t
from geoair.scores.components import (
    _combine,
    case_facts,
    checklist_shares,
    gate_road_hardened_share,
    parse_month,
)
from geoair.scores.inputs import (
    B_OR_BETTER,
    CLOSED,
    ENTERPRISE_COMPONENTS,
    PRODUCING,
    ScoreInputs,
    latest_month,
    score_settings,
)
from geoair.store.settings import BenchmarkQuota, Settings

__all__ = ["benchmark_candidates", "enterprise_ranking_sheet", "score_enterprises"]


def score_enterprises(
    inputs: ScoreInputs, *, month: str | None = None, settings: Settings
) -> pd.DataFrame:
    """Score every enterprise (not closed by law) for ``month`` and flag benchmark candidates.

    Components (0-100): ``checklist`` = 100 × share of items met in the latest
    inspection up to the month's end; ``cases`` = 100 ÷ (1 + open cases at the month's
    end); ``grade`` = [scores.grade_points] of its 绩效等级; ``gate_roads`` = 100 × share
    of the road length within 100 m of its gates that is hardened (阳环函〔2024〕6号 二(二):
    gate roads must be kept free of dust). Missing components re-spread their
    weights as for parks.

    Returns
    -------
    DataFrame
        One row per enterprise: ``month``, ``enterprise_id``, ``name``, ``county``,
        ``park_id``, ``park_name``, ``status``, ``performance_grade``; per component
        ``<c>_raw``/``_score``/``_weight``/``_points``; ``total``, ``rank`` (city),
        ``county_rank``, ``open_cases``, ``missing``/``missing_zh``, ``benchmark``,
        ``benchmark_rank``, ``benchmark_note``. Sorted by rank.
    """
    cfg = score_settings(settings)
    month = parse_month(month) if month is not None else latest_month(inputs)
    ents = inputs.enterprises
    if ents is None or len(ents) == 0:
        raise WorkspaceError(t("error.scores.no_enterprises"))
    ents = ents[ents["status"].astype(object) != CLOSED] if "status" in ents else ents
    ids = ents["id"].astype(object).reset_index(drop=True)
    rows: list[tuple[object, str, float, float, float]] = []
    shares = checklist_shares(inputs.inspections, month, inputs.enterprises)
    for eid, share in zip(shares["enterprise_id"], shares["share_met"], strict=True):
        if pd.notna(share):
            rows.append((eid, "checklist", float(share), np.nan, 100.0 * float(share)))
    facts = case_facts(inputs.cases, month, inputs.enterprises).set_index("enterprise_id")
    open_cases = ids.map(facts["open_cases"]).fillna(0).astype(int)
    if inputs.cases is not None:
        for eid, n in zip(ids, open_cases, strict=True):
            rows.append((eid, "cases", float(n), np.nan, 100.0 / (1.0 + n)))
    points = dict(cfg.grade_points)
    if "performance_grade" in ents.columns:
        for eid, grade in zip(ids, ents["performance_grade"], strict=True):
            if pd.notna(grade) and str(grade) in points:
                rows.append((eid, "grade", points[str(grade)], np.nan, points[str(grade)]))
    gate_ok = gate_road_hardened_share(inputs.gate_roads, inputs.roads)
    for eid in ids:
        if eid in gate_ok.index:
            share = float(gate_ok[eid])
            rows.append((eid, "gate_roads", share, np.nan, 100.0 * share))
    components = pd.DataFrame(rows, columns=["id", "component", "raw", "ref", "score"])
    components = components[components["id"].isin(set(ids))]
    wide = _combine(
        components,
        ids,
        names=ENTERPRISE_COMPONENTS,
        weights=cfg.enterprise_weights,
        labels=ENTERPRISE_COMPONENTS,
        min_weight_ranked=cfg.min_weight_ranked,
    )
    wide = wide.rename(columns={"_id": "enterprise_id"})
    assignment = inputs.assignment
    primary = assignment[(assignment["layer"] == "enterprises") & assignment["primary"]].set_index(
        "site_id"
    )
    head = pd.DataFrame(
        {
            "month": month,
            "enterprise_id": ids,
            "name": ents["name"].to_numpy(),
            "county": ids.map(primary["county"]) if len(primary) else None,
            "park_id": ids.map(primary["park_id"]) if len(primary) else None,
            "park_name": ids.map(primary["park_name"]) if len(primary) else None,
            "industry": ents["industry"].to_numpy() if "industry" in ents else None,
            "status": ents["status"].to_numpy() if "status" in ents else None,
            "performance_grade": ents["performance_grade"].to_numpy()
            if "performance_grade" in ents
            else None,
            "open_cases": open_cases.to_numpy(),
        }
    )
    if "county" in ents.columns:  # the ledger's own 县区 where no polygon says
        head["county"] = head["county"].where(head["county"].notna(), ents["county"].to_numpy())
    out = head.merge(wide, on="enterprise_id", how="left")
    rankable = out["total"].where(out["rank"].notna())
    out["county_rank"] = (
        rankable.groupby(out["county"], dropna=False)
        .rank(ascending=False, method="min")
        .astype("Int64")
    )
    out = benchmark_candidates(
        out,
        quotas=cfg.benchmark_quotas,
        default_quota=cfg.benchmark_default_quota,
        min_score=cfg.benchmark_min_score,
        grades=cfg.benchmark_grades,
        ungraded=cfg.benchmark_ungraded,
    )
    return out.sort_values(
        ["rank", "enterprise_id"], na_position="last", kind="mergesort"
    ).reset_index(drop=True)


def _quota_table(quotas: Iterable[BenchmarkQuota]) -> dict[str, tuple[int, int]]:
    table: dict[str, tuple[int, int]] = {}
    for quota in quotas:
        if not 0 <= quota.min <= quota.max:
            raise ConfigError(
                f"[scores] benchmark_quotas for {quota.county}: min {quota.min} and max "
                f"{quota.max} must satisfy 0 ≤ min ≤ max."
            )
        table[quota.county] = (quota.min, quota.max)
    return table


def benchmark_candidates(
    scores: pd.DataFrame,
    *,
    quotas: Iterable[BenchmarkQuota],
    default_quota: Iterable[int] = (3, 5),
    min_score: float = 60.0,
    grades: Iterable[str] = B_OR_BETTER,
    ungraded: bool = True,
) -> pd.DataFrame:
    """Flag the benchmark (标杆) candidates of each county in an enterprise score table.

    Eligible: producing normally (正常生产), no open case, inspected at least once
    up to the month (a ``checklist_score``; a model must have been seen), a total of
    at least ``min_score``, and a performance grade among ``grades`` (or none, when
    ``ungraded``: most small enterprises are never graded). Per county the best
    eligible, up to the county's maximum quota, are proposed (ties broken by
    enterprise id, so the answer does not depend on row order).

    Returns
    -------
    DataFrame
        ``scores`` with ``benchmark`` (bool), ``benchmark_rank`` (1 = first candidate of
        the county) and ``benchmark_note`` (per county: quota, proposed, and why fewer).
    """
    table = _quota_table(quotas)
    lo_default, hi_default = (int(v) for v in default_quota)
    out = scores.copy()
    inspected = out["checklist_score"].notna() if "checklist_score" in out else True
    grade = (
        out["performance_grade"].astype(object)
        if "performance_grade" in out
        else pd.Series(None, index=out.index, dtype=object)
    )
    graded_ok = grade.isin(list(grades)) | (grade.isna() if ungraded else False)
    eligible = (
        (
            (out["status"].astype(object) == PRODUCING)
            & (out["open_cases"] == 0)
            & inspected
            & graded_ok
            & (out["total"] >= min_score)
        )
        .fillna(False)
        .astype(bool)
    )
    out["benchmark"] = False
    out["benchmark_rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["benchmark_note"] = None
    for county, group in out.groupby("county", dropna=False, sort=True):
        name = None if pd.isna(county) else str(county)
        lo, hi = table.get(name, (lo_default, hi_default)) if name else (lo_default, hi_default)
        pool = group[eligible.loc[group.index]].sort_values(
            ["total", "enterprise_id"], ascending=[False, True], kind="mergesort"
        )
        chosen = pool.index[:hi]
        out.loc[chosen, "benchmark"] = True
        out.loc[chosen, "benchmark_rank"] = np.arange(1, len(chosen) + 1)
        note = t(
            "scores.benchmark_note",
            county=name or t("scores.county_unknown"),
            lo=lo,
            hi=hi,
            n=len(chosen),
        )
        if len(chosen) < lo:
            note += t(
                "scores.benchmark_short",
                grades="/".join(grades),
                ungraded=t("scores.benchmark_ungraded") if ungraded else "",
                min_score=min_score,
                pool=len(pool),
            )
        out.loc[group.index, "benchmark_note"] = note
    return out


# --- sheet for the monthly report ---------------------------------------------------------------


def enterprise_ranking_sheet(
    enterprise_scores: pd.DataFrame, *, benchmark_only: bool = False
) -> pd.DataFrame:
    """Enterprise scores (or only the benchmark candidates) with Chinese headers."""
    frame = enterprise_scores
    if benchmark_only:
        frame = frame[frame["benchmark"]].sort_values(["county", "benchmark_rank"])
    sheet = pd.DataFrame(
        {
            "县区": frame["county"],
            "县区排名": frame["county_rank"],
            "全市排名": frame["rank"],
            "企业名称": frame["name"],
            "园区": frame["park_name"],
            "行业": frame["industry"],
            "生产状态": frame["status"],
            "绩效等级": frame["performance_grade"],
            "总分": frame["total"].round(1),
            "未整改问题(件)": frame["open_cases"],
        }
    )
    for name, (label, _unit) in ENTERPRISE_COMPONENTS.items():
        sheet[f"{label}得分"] = frame[f"{name}_score"].round(1)
    sheet["缺项(权重已分摊)"] = frame["missing_zh"]
    sheet["标杆候选"] = frame["benchmark"].map({True: "是", False: ""})
    sheet["标杆序号"] = frame["benchmark_rank"]
    sheet["说明"] = frame["benchmark_note"]
    return sheet
