"""Building blocks of geoair.scores: months, weights, ranks, and facts from the records.

Kept apart so that :mod:`geoair.scores` reads as the scoring rules themselves. Every
function is pure (frames in, new frames out).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from geoair.errors import ConfigError, SchemaError
from geoair.messages import t
from geoair.store.schema import CHECKLIST_ITEMS

__all__ = [
    "case_facts",
    "check_weights",
    "checklist_shares",
    "gate_road_hardened_share",
    "parse_month",
    "previous_month",
    "rank_desc",
    "respread_weights",
]


log = logging.getLogger(__name__)

# --- months -------------------------------------------------------------------------------

_MONTH = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月)?(?:[-/.]\s*\d{1,2}\s*日?)?"
    r"(?:[ T].*)?$"
)


# --- months -------------------------------------------------------------------------------


def parse_month(value: object) -> str:
    """A month as ``"YYYY-MM"`` from "2024-03", "2024/3", "2024年3月", a date or a Timestamp.

    Raises
    ------
    SchemaError
        The value is not a month.
    """
    if isinstance(value, pd.Timestamp | pd.Period) or hasattr(value, "year"):
        when: Any = value  # a date, Timestamp or Period: it has a year and a month
        return f"{when.year:04d}-{when.month:02d}"
    match = _MONTH.match(str(value))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SchemaError(t("error.scores.bad_month", value=value))
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def previous_month(month: str) -> str:
    """The month before ``month`` ("2024-01" -> "2023-12")."""
    return str(pd.Period(month, freq="M") - 1)


def _month_end(month: str) -> pd.Timestamp:
    """The first instant after ``month`` (records dated before it count as up to the month)."""
    return (pd.Period(month, freq="M") + 1).start_time


def _months_of(values: pd.Series) -> pd.Series:
    out = []
    for value in values:
        try:
            out.append(None if pd.isna(value) else parse_month(value))
        except SchemaError:
            out.append(None)
    return pd.Series(out, index=values.index, dtype=object)


def _period_covers(period: object, month: str) -> bool:
    """Whether a target period "2020-10" or "2020-10/2020-12" includes ``month``."""
    if period is None or (isinstance(period, float) and math.isnan(period)):
        return False
    parts = str(period).split("/")
    try:
        start, end = parse_month(parts[0]), parse_month(parts[-1])
    except SchemaError:
        return False
    return start <= month <= end


# --- weights and ranks ----------------------------------------------------------------------


def check_weights(weights: Mapping[str, float], *, known: Iterable[str], table: str) -> None:
    """Refuse weights that are negative, unknown, or do not add up to 1.

    Raises
    ------
    ConfigError
        With the table name and the sum found.
    """
    known = tuple(known)
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise ConfigError(f"[{table}] has unknown components {unknown}; known: {', '.join(known)}.")
    negative = [k for k, v in weights.items() if v < 0]
    if negative:
        raise ConfigError(f"[{table}] weights must not be negative: {negative}.")
    total = float(sum(weights.values()))
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ConfigError(
            f"The weights in [{table}] of geoair.toml add up to {total:g}, not 1. "
            "Change them so that they add up to 1."
        )


def respread_weights(weights: Mapping[str, float], present: Iterable[str]) -> dict[str, float]:
    """The weights of the ``present`` components, scaled to add up to 1.

    Parameters
    ----------
    weights : mapping
        Configured weight of every component.
    present : iterable of str
        Components the entity has a score for.

    Returns
    -------
    dict
        Component -> weight, only for present components with a positive weight; empty
        when none has weight.

    Examples
    --------
    >>> respread_weights({"air": 0.5, "dustfall": 0.25, "heaps": 0.25}, ["air", "heaps"])
    {'air': 0.6666666666666666, 'heaps': 0.3333333333333333}
    """
    chosen = {c: float(weights.get(c, 0.0)) for c in present if weights.get(c, 0.0) > 0}
    total = sum(chosen.values())
    if total <= 0:
        return {}
    return {c: w / total for c, w in chosen.items()}


def rank_desc(totals: pd.Series) -> pd.Series:
    """Rank 1 for the highest total; ties share the best rank; missing totals get no rank."""
    return totals.rank(ascending=False, method="min").astype("Int64")


def _combine(
    components: pd.DataFrame,
    ids: pd.Series,
    *,
    names: Iterable[str],
    weights: Mapping[str, float],
    labels: Mapping[str, tuple[str, str]],
    min_weight_ranked: float,
) -> pd.DataFrame:
    """Wide table on ``ids``: per component raw/ref/score/weight/points; total, missing."""
    names = list(names)
    out = pd.DataFrame({"_id": ids.to_numpy()})
    scores = (
        components.pivot(index="id", columns="component", values="score")
        if len(components)
        else pd.DataFrame()
    )
    raws = (
        components.pivot(index="id", columns="component", values="raw")
        if len(components)
        else pd.DataFrame()
    )
    refs = (
        components.pivot(index="id", columns="component", values="ref")
        if len(components)
        else pd.DataFrame()
    )
    for name in names:
        for kind, table in (("raw", raws), ("ref", refs), ("score", scores)):
            column = table[name] if name in table.columns else pd.Series(dtype=float)
            out[f"{name}_{kind}"] = out["_id"].map(column).astype(float)
    present = out[[f"{n}_score" for n in names]].notna()
    present.columns = names
    configured = np.array([float(weights.get(n, 0.0)) for n in names])
    have = present.to_numpy() & (configured > 0)
    covered = (have * configured).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(have, configured / np.where(covered > 0, covered, np.nan)[:, None], np.nan)
    total = np.zeros(len(out))
    for j, name in enumerate(names):
        out[f"{name}_weight"] = eff[:, j]
        out[f"{name}_points"] = eff[:, j] * out[f"{name}_score"].to_numpy()
        total = total + np.nan_to_num(out[f"{name}_points"].to_numpy())
    out["total"] = np.where(covered > 0, total, np.nan)
    out["weight_covered"] = covered
    out["components_used"] = have.sum(axis=1)
    out["missing"] = [
        "、".join(n for n, h in zip(names, row, strict=True) if not h) for row in have
    ]
    out["missing_zh"] = [
        "、".join(labels[n][0] for n, h in zip(names, row, strict=True) if not h) for row in have
    ]
    rankable = out["total"].where(covered >= min_weight_ranked - 1e-9)
    out["rank"] = rank_desc(rankable)
    out["ranked"] = rankable.notna()
    return out


def _num(value: float) -> str:
    """A number as a clerk writes it: 10,000 and 7,714, but 0.86 and 12.3."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _breakdown_text(
    row: pd.Series, names: Iterable[str], labels: Mapping[str, tuple[str, str]]
) -> str:
    lines = []
    for name in names:
        label, unit = labels[name]
        raw, score, weight = row[f"{name}_raw"], row[f"{name}_score"], row[f"{name}_weight"]
        if pd.isna(score) or pd.isna(weight):
            lines.append(f"{label}: 无数据 (权重已分摊)")
            continue
        shown = f"{raw:.0%}" if unit == "比例" else f"{_num(raw)} {unit}"
        ref = row.get(f"{name}_ref")
        ref_text = "" if ref is None or pd.isna(ref) else f" (基准 {_num(ref)})"
        lines.append(
            f"{label}: {shown}{ref_text} → {score:.1f}分 × {weight:.2f} = {score * weight:.1f}"
        )
    if pd.notna(row["total"]):
        lines.append(f"总分 {row['total']:.1f}")
    return "\n".join(lines)


# --- enterprise facts -----------------------------------------------------------------------


def _enterprise_ids(records: pd.DataFrame, enterprises: pd.DataFrame | None) -> pd.Series:
    """``enterprise_id`` of each record, filled from the enterprise name where missing."""
    ids = (
        records["enterprise_id"]
        if "enterprise_id" in records.columns
        else pd.Series(None, index=records.index, dtype=object)
    )
    ids = ids.astype(object).where(ids.notna(), None)
    if enterprises is not None and "enterprise_name" in records.columns and ids.isna().any():
        by_name = dict(zip(enterprises["name"].astype(str), enterprises["id"], strict=False))
        ids = ids.where(ids.notna(), records["enterprise_name"].astype(str).map(by_name))
    return ids.astype(object).where(ids.notna(), None)


def checklist_shares(
    inspections: pd.DataFrame | None, month: str, enterprises: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of checklist items met in each enterprise's latest inspection up to ``month``.

    Items left blank in the form are not counted either way.

    Returns
    -------
    DataFrame
        ``enterprise_id``, ``inspection_date``, ``items_met``, ``items_checked``,
        ``share_met`` (NaN when no item was filled in).
    """
    columns = ["enterprise_id", "inspection_date", "items_met", "items_checked", "share_met"]
    if inspections is None or len(inspections) == 0:
        return pd.DataFrame(columns=columns)
    frame = inspections.copy()
    frame["enterprise_id"] = _enterprise_ids(frame, enterprises)
    dates = frame.get("inspection_date")  # None without the column: every row is undated
    frame["inspection_date"] = None if dates is None else pd.to_datetime(dates, errors="coerce")
    undated = frame["inspection_date"].isna().sum()
    if undated:
        log.warning(
            "%d inspections have no date and are left out of the scores; import them with --date",
            int(undated),
        )
    frame = frame[
        frame["inspection_date"].notna()
        & frame["enterprise_id"].notna()
        & (frame["inspection_date"] < _month_end(month))
    ]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    # Every inspection on an enterprise's latest date counts (pooled), so the result does
    # not depend on the order of rows when two visits share a day.
    last_date = frame.groupby("enterprise_id")["inspection_date"].transform("max")
    latest = frame[frame["inspection_date"] == last_date]
    items = [c for c in CHECKLIST_ITEMS if c in latest.columns]
    values = latest[items].astype("boolean") if items else pd.DataFrame(index=latest.index)
    per_visit = pd.DataFrame(
        {
            "enterprise_id": latest["enterprise_id"],
            "inspection_date": latest["inspection_date"],
            "items_met": values.fillna(False).sum(axis=1).astype(float) if items else 0.0,
            "items_checked": values.notna().sum(axis=1).astype(float) if items else 0.0,
        }
    )
    out = per_visit.groupby("enterprise_id", sort=True, as_index=False).agg(
        inspection_date=("inspection_date", "max"),
        items_met=("items_met", "sum"),
        items_checked=("items_checked", "sum"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_met"] = np.where(
            out["items_checked"] > 0, out["items_met"] / out["items_checked"], np.nan
        )
    return out


def case_facts(
    cases: pd.DataFrame | None, month: str, enterprises: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per enterprise: open (unrectified) cases at the end of ``month``, fines in ``month``.

    A case counts as open from its inspection date until it is marked rectified
    (是否完成整改 = 是); a blank counts as open, unless the measure was 立行立改
    (fixed on the spot), which is rectification by definition.

    Returns
    -------
    DataFrame
        ``enterprise_id``, ``open_cases``, ``fines_yuan``, ``cases_in_month``.
    """
    columns = ["enterprise_id", "open_cases", "fines_yuan", "cases_in_month"]
    if cases is None or len(cases) == 0:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "enterprise_id": _enterprise_ids(cases, enterprises),
            "date": pd.to_datetime(cases["inspection_date"], errors="coerce"),
            "rectified": (
                cases["rectified"].astype("boolean")
                if "rectified" in cases.columns
                else pd.Series(pd.NA, index=cases.index, dtype="boolean")
            ),
            "fine": (
                pd.to_numeric(cases["fine_yuan"], errors="coerce")
                if "fine_yuan" in cases.columns
                else np.nan
            ),
        }
    )
    if "fixed_on_spot" in cases.columns:
        on_spot = cases["fixed_on_spot"].astype("boolean").fillna(False).astype(bool)
        frame.loc[frame["rectified"].isna() & on_spot, "rectified"] = True
    frame = frame[frame["enterprise_id"].notna() & frame["date"].notna()]
    end = _month_end(month)
    start = pd.Period(month, freq="M").start_time
    upto = frame[frame["date"] < end]
    in_month = upto[upto["date"] >= start]
    open_ = upto[~upto["rectified"].fillna(False).astype(bool)]
    out = pd.DataFrame({"enterprise_id": pd.unique(upto["enterprise_id"])})
    out["open_cases"] = (
        out["enterprise_id"].map(open_.groupby("enterprise_id").size()).fillna(0).astype(int)
    )
    out["fines_yuan"] = (
        out["enterprise_id"]
        .map(in_month.groupby("enterprise_id")["fine"].sum(min_count=1))
        .fillna(0.0)
        .astype(float)
    )
    out["cases_in_month"] = (
        out["enterprise_id"].map(in_month.groupby("enterprise_id").size()).fillna(0).astype(int)
    )
    return out


# --- normalisation ---------------------------------------------------------------------------


def _ratio_score(raw: float, ref: float) -> float:
    """100 × min(1, ref ÷ raw): full marks at or below the reference."""
    if raw <= ref:
        return 100.0
    return 100.0 * ref / raw


def gate_road_hardened_share(
    gate_roads: pd.DataFrame | None, roads: pd.DataFrame | None
) -> pd.Series:
    """Per enterprise: share (0-1) of its gate-road length on hardened roads.

    Parameters
    ----------
    gate_roads : DataFrame
        ``enterprise_id``, ``road_id``, ``length_m`` (the gate roads layer).
    roads : DataFrame
        ``id``, ``hardened`` (the roads layer).

    Returns
    -------
    Series
        On enterprise id; enterprises whose gate roads have no known 硬化 are left out.
    """
    if gate_roads is None or roads is None or len(gate_roads) == 0 or "hardened" not in roads:
        return pd.Series(dtype=float)
    hardened = pd.Series(
        roads["hardened"].astype("boolean").to_numpy(), index=roads["id"].astype(str).to_numpy()
    )
    hardened = hardened[~hardened.index.duplicated()]
    frame = pd.DataFrame(
        {
            "enterprise_id": gate_roads["enterprise_id"].astype(object),
            "length_m": pd.to_numeric(gate_roads["length_m"], errors="coerce"),
            "hardened": gate_roads["road_id"].astype(str).map(hardened),
        }
    )
    frame = frame.dropna(subset=["enterprise_id", "length_m", "hardened"])
    frame = frame[frame["length_m"] > 0]
    if frame.empty:
        return pd.Series(dtype=float)
    frame["hard_m"] = frame["length_m"].where(frame["hardened"].astype(bool), 0.0)
    sums = frame.groupby("enterprise_id")[["hard_m", "length_m"]].sum()
    return sums["hard_m"] / sums["length_m"]
