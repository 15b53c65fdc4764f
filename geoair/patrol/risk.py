"""Risk scores of enterprises and gangue heaps, each with the reasons that make it.

A site's score is the sum of points, one term per reason, with the weights of the
``[patrol.weights]`` table of ``geoair.toml``. Every non-zero term is written out in
the ``reasons`` column (in Chinese, as the inspectors read it), e.g.
``未整改问题2件 +30；上次检查距今95天 +24``, so that a planner can see why a site is
on the list and argue with the weights rather than with a black box.

The terms (weights keyed by the names in brackets):

* open (unrectified) cases [``open_case``], per case, at most ``case_count_cap``;
* past findings within ``findings_lookback_days`` [``past_finding``], per case, capped
  the same way;
* checklist items failed at the latest inspection [``checklist_item_failed``], per
  item of :data:`geoair.store.schema.CHECKLIST_ITEMS`;
* days since the last visit [``per_day_since_visit``], at most ``visit_days_cap``
  days; a site never visited counts the cap;
* upwind of a station missing its target [``upwind_of_missing_station``]: the site is
  among the top ``upwind_top_n`` suspects of such a station (tables
  ``source_suspects`` and ``targets_check`` of the sources and indicators
  capabilities, when the workspace has them);
* a burning or smoking heap [``burning_heap``]; an untreated heap
  [``untreated_heap``] (half for one being treated);
* a long gate road to sweep [``gate_road_per_100m``], per 100 m of ``sweep_tasks``
  length, at most ``gate_road_cap_m``;
* performance grade C or D [``grade_below_b``];
* not producing normally [``not_producing``]: suspended, idle or closed, to check it
  stays so; and [``suspended_but_active``] when such a site shows activity (its
  latest inspection found it producing, or it is an upwind suspect).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geoair.errors import SchemaError
from geoair.io.crs import WGS84, require_wgs84
from geoair.messages import t
from geoair.store.schema import CHECKLIST_ITEMS
from geoair.store.settings import DEFAULT_SETTINGS, PatrolSettings

__all__ = ["COMPONENTS", "KIND_ZH", "risk_scores", "site_table"]


log = logging.getLogger(__name__)

KIND_ZH = {"enterprise": "企业", "gangue_heap": "矸石山"}
_NOT_PRODUCING = ("依法停产", "依法关闭", "自然停产")
_CHECKLIST_ZH = {
    "yard_enclosed": "物料堆场未全封闭",
    "transport_closed": "厂区运输未密闭",
    "roads_hardened": "厂区道路未硬化",
    "site_hardened": "生产现场未硬化",
    "dust_measures_ok": "防尘措施不到位",
    "vehicle_washing": "无车辆冲洗",
    "unorganised_ok": "无组织排放治理不符合要求",
}
COMPONENTS = (
    "open_case",
    "past_finding",
    "checklist_item_failed",
    "per_day_since_visit",
    "upwind_of_missing_station",
    "burning_heap",
    "untreated_heap",
    "gate_road_per_100m",
    "grade_below_b",
    "not_producing",
    "suspended_but_active",
)


def _as_point_layer(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoSeries:
    require_wgs84(frame, what=f"the {what} layer")
    geoms = frame.geometry
    points = geoms.where(geoms.geom_type == "Point", geoms.representative_point())
    return gpd.GeoSeries(points.values, index=frame.index, crs=frame.crs)


def site_table(
    enterprises: gpd.GeoDataFrame | None, heaps: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Enterprises and gangue heaps as one table of patrol sites (points, EPSG:4326).

    Parameters
    ----------
    enterprises : GeoDataFrame or None
        The ``enterprises`` layer.
    heaps : GeoDataFrame or None
        The ``gangue_heaps`` layer; polygons are replaced by a point inside them.

    Returns
    -------
    GeoDataFrame
        ``site_key`` (``enterprise:ID`` or ``gangue_heap:ID``), ``site_kind``,
        ``site_id``, ``name``, ``county`` and the attributes risk needs
        (``performance_grade``, ``status``, ``treatment``, ``burning``).
    """
    parts = []
    for kind, frame in (("enterprise", enterprises), ("gangue_heap", heaps)):
        if frame is None or len(frame) == 0:
            continue
        if "name" not in frame.columns:
            raise SchemaError(
                f"The {kind} layer has no 'name' column; re-import it with geoair import."
            )
        points = _as_point_layer(frame, kind)
        ids = frame["id"] if "id" in frame.columns else pd.Series(frame.index, index=frame.index)
        part = pd.DataFrame(
            {
                "site_kind": kind,
                "site_id": ids.astype(str).to_numpy(),
                "name": frame["name"].astype(str).to_numpy(),
                "county": (
                    frame["county"]
                    if "county" in frame.columns
                    else pd.Series(pd.NA, index=frame.index)
                ).to_numpy(),
            }
        )
        for column in ("performance_grade", "status", "treatment", "burning"):
            part[column] = frame[column].to_numpy() if column in frame.columns else pd.NA
        part["geometry"] = points.to_numpy()
        parts.append(part)
    if not parts:
        raise SchemaError(t("error.patrol.nothing_to_score"))
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "site_key", table["site_kind"] + ":" + table["site_id"])
    dupes = table["site_key"].duplicated()
    if dupes.any():
        log.warning(
            "%d sites share an id with another; keeping the first of each", int(dupes.sum())
        )
        table = table[~dupes].reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=WGS84)


def _site_lookup(sites: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """id -> site_key and name -> site_key (enterprises before heaps on a clash)."""
    by_id: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for key, site_id, name in zip(sites["site_key"], sites["site_id"], sites["name"], strict=True):
        by_id.setdefault(str(site_id), key)
        by_name.setdefault(str(name).strip(), key)
    return by_id, by_name


def _match_records(records: pd.DataFrame, sites: pd.DataFrame) -> pd.Series:
    """The site_key of each record, by enterprise_id, else by enterprise_name (NA if none)."""
    by_id, by_name = _site_lookup(sites)
    keys = pd.Series(pd.NA, index=records.index, dtype="object")
    if "enterprise_id" in records.columns:
        keys = records["enterprise_id"].map(lambda v: by_id.get(str(v)) if pd.notna(v) else None)
    if "enterprise_name" in records.columns:
        by_n = records["enterprise_name"].map(
            lambda v: by_name.get(str(v).strip()) if pd.notna(v) else None
        )
        keys = keys.where(keys.notna(), by_n)
    return keys


def _dated(records: pd.DataFrame | None, column: str, as_of: pd.Timestamp) -> pd.DataFrame | None:
    if records is None or len(records) == 0 or column not in records.columns:
        return None
    dates = pd.to_datetime(records[column], errors="coerce")
    out = records.assign(**{column: dates})
    return out[out[column].notna() & (out[column] <= as_of)]


def _open_mask(cases: pd.DataFrame) -> pd.Series:
    """Cases not rectified: rectified is not True, unless fixed on the spot."""
    rectified = (
        cases["rectified"].astype("boolean").fillna(False)
        if "rectified" in cases.columns
        else pd.Series(False, index=cases.index)
    )
    fixed = pd.Series(False, index=cases.index)
    if "fixed_on_spot" in cases.columns:
        fixed = cases["fixed_on_spot"].astype("boolean").fillna(False)
    if "measure" in cases.columns:
        fixed = fixed | (cases["measure"] == "立行立改")
    # Fixed on the spot counts as rectified unless the record says explicitly it is not.
    explicit_no = (
        (~cases["rectified"].astype("boolean")).fillna(False)
        if "rectified" in cases.columns
        else pd.Series(False, index=cases.index)
    )
    return ~rectified & (~fixed | explicit_no)


def _first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def _upwind_flags(
    sites: pd.DataFrame,
    source_suspects: pd.DataFrame | None,
    targets_check: pd.DataFrame | None,
    stations: pd.DataFrame | None,
    *,
    as_of: pd.Timestamp,
    top_n: int,
) -> pd.Series:
    """Per site: the names of missing-target stations it is a top suspect of ('' if none)."""
    empty = pd.Series("", index=sites.index, dtype="object")
    if source_suspects is None or targets_check is None or len(source_suspects) == 0:
        return empty
    met_col = _first_column(targets_check, ("met", "target_met", "achieved"))
    name_col = _first_column(targets_check, ("target_name", "station", "station_name", "name"))
    if met_col is None or name_col is None:
        log.warning("targets_check has no met/target_name columns; upwind risk left out")
        return empty
    check = targets_check
    if "scope" in check.columns:
        check = check[check["scope"].astype(str).isin(["station", "站点"])]
    period_col = _first_column(check, ("period", "month"))
    if period_col is not None and len(check):
        periods = check[period_col].astype(str)
        latest = periods[periods.str[:7] <= as_of.strftime("%Y-%m")]
        if len(latest):
            check = check[periods == latest.max()]
    missing = check[check[met_col].astype("boolean").fillna(True) == False]  # noqa: E712
    missing_names = set(missing[name_col].astype(str))
    if not missing_names:
        return empty
    name_to_id = {}
    if stations is not None and {"id", "name"} <= set(stations.columns):
        name_to_id = dict(
            zip(stations["name"].astype(str), stations["id"].astype(str), strict=True)
        )
    missing_ids = {name_to_id.get(n, n) for n in missing_names} | missing_names
    sus = source_suspects
    st_col = _first_column(sus, ("station_id", "station", "station_name"))
    src_col = _first_column(sus, ("source_id", "site_id", "id"))
    if st_col is None or src_col is None:
        log.warning("source_suspects has no station/source columns; upwind risk left out")
        return empty
    sus = sus[sus[st_col].astype(str).isin(missing_ids)]
    rank_col = _first_column(sus, ("rank", "suspect_rank"))
    if rank_col is not None:
        sus = sus[pd.to_numeric(sus[rank_col], errors="coerce") <= top_n]
    kind_col = _first_column(sus, ("source_kind", "source_type", "kind"))
    kinds = {
        "enterprise": "enterprise",
        "enterprises": "enterprise",
        "企业": "enterprise",
        "gangue_heap": "gangue_heap",
        "gangue_heaps": "gangue_heap",
        "heap": "gangue_heap",
        "矸石山": "gangue_heap",
    }
    id_to_station = {v: k for k, v in name_to_id.items()}
    flagged: dict[str, set[str]] = {}
    for _, row in sus.iterrows():
        source = str(row[src_col])
        if kind_col is not None:
            kind = kinds.get(str(row[kind_col]))
            if kind is None:  # gate roads, parks: not patrol sites
                continue
            candidates = [f"{kind}:{source}"]
        else:
            candidates = [f"enterprise:{source}", f"gangue_heap:{source}"]
        station = str(row[st_col])
        for key in candidates:
            flagged.setdefault(key, set()).add(id_to_station.get(station, station))
    return sites["site_key"].map(lambda k: "、".join(sorted(flagged.get(k, ())))).fillna("")


def _gate_road_lengths(sites: pd.DataFrame, sweep_tasks: pd.DataFrame | None) -> pd.Series:
    zero = pd.Series(0.0, index=sites.index)
    if sweep_tasks is None or len(sweep_tasks) == 0:
        return zero
    length_col = _first_column(
        sweep_tasks, ("total_length_m", "length_m", "road_length_m", "sweep_length_m")
    )
    if length_col is None:
        candidates = [c for c in sweep_tasks.columns if "length" in c and c.endswith("_m")]
        length_col = candidates[0] if candidates else None
    if length_col is None:
        log.warning("sweep_tasks has no length column; gate-road risk left out")
        return zero
    keys = _match_records(sweep_tasks, sites[sites["site_kind"] == "enterprise"])
    lengths = pd.to_numeric(sweep_tasks[length_col], errors="coerce").groupby(keys).sum()
    return sites["site_key"].map(lengths).fillna(0.0).astype(float)


def risk_scores(
    sites: gpd.GeoDataFrame,
    *,
    as_of: str | pd.Timestamp,
    cases: pd.DataFrame | None = None,
    inspections: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
    sweep_tasks: pd.DataFrame | None = None,
    source_suspects: pd.DataFrame | None = None,
    targets_check: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    settings: PatrolSettings | None = None,
) -> gpd.GeoDataFrame:
    """Score every site on ``as_of``, with the reasons, highest first.

    Parameters
    ----------
    sites : GeoDataFrame
        From :func:`site_table`.
    as_of : str or Timestamp
        The day of the plan; records dated later are ignored, so re-planning a past
        day gives the same answer.
    cases, inspections : DataFrame, optional
        The ``cases`` (附件3) and ``inspections`` (附件2) tables.
    visits : DataFrame, optional
        Earlier patrol stops (``site_key``, ``date``), counted as visits.
    sweep_tasks : DataFrame, optional
        Gate-road sweeping tasks per enterprise (``enterprise_id`` and a length in m).
    source_suspects, targets_check, stations : DataFrame, optional
        For the upwind term.
    settings : PatrolSettings, optional
        The ``[patrol]`` settings (default: the built-in ones).

    Returns
    -------
    GeoDataFrame
        The sites with ``score``, ``reasons``, ``last_visit``, ``days_since_visit``,
        one ``pts_<term>`` column per term, and ``rank`` (1 = highest risk), sorted
        by rank. Ties are broken by days since visit, then by ``site_key``.

    Examples
    --------
    >>> sites = site_table(ws.read("enterprises"), ws.read("gangue_heaps"))  # doctest: +SKIP
    >>> risk_scores(sites, as_of="2024-03-05", cases=ws.read("cases"))       # doctest: +SKIP
    """
    cfg = settings or DEFAULT_SETTINGS.patrol
    weights = cfg.weights
    as_of = pd.Timestamp(as_of).normalize()
    cap = cfg.case_count_cap
    out: pd.DataFrame = sites.copy()  # a GeoDataFrame again at the end
    pts = pd.DataFrame(0.0, index=out.index, columns=list(COMPONENTS))
    reasons: list[list[str]] = [[] for _ in range(len(out))]
    position = pd.Series(np.arange(len(out)), index=out.index)

    def add(term: str, counts: pd.Series, text) -> None:
        points = counts.astype(float) * weights[term]
        pts[term] = points
        for idx in counts[counts > 0].index:
            shown = f"{points[idx]:.1f}".removesuffix(".0")
            reasons[position[idx]].append(f"{text(idx, counts[idx])} +{shown}")

    last_visit = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")

    def note_visits(keys: pd.Series, dates: pd.Series) -> None:
        nonlocal last_visit
        latest = pd.Series(dates.to_numpy(), index=keys.to_numpy()).groupby(level=0).max()
        seen = out["site_key"].map(latest).astype("datetime64[ns]")
        last_visit = pd.concat([last_visit, seen], axis=1).max(axis=1)

    # cases: open ones and past findings
    cases = _dated(cases, "inspection_date", as_of)
    if cases is not None and len(cases):
        keys = _match_records(cases, out)
        known = keys.notna()
        cases, keys = cases[known], keys[known]
        note_visits(keys, cases["inspection_date"])
        open_counts = keys[_open_mask(cases)].value_counts()
        n_open = out["site_key"].map(open_counts).fillna(0).clip(upper=cap)
        add("open_case", n_open, lambda i, n: f"未整改问题{int(n)}件")
        since = as_of - pd.Timedelta(days=cfg.findings_lookback_days)
        recent = keys[cases["inspection_date"] >= since].value_counts()
        n_recent = out["site_key"].map(recent).fillna(0).clip(upper=cap)
        add("past_finding", n_recent, lambda i, n: f"近期发现问题{int(n)}件")

    # inspections: failed checklist items at the latest visit, status seen
    inspections = _dated(inspections, "inspection_date", as_of)
    seen_producing = pd.Series(False, index=out.index)
    if inspections is not None and len(inspections):
        keys = _match_records(inspections, out)
        known = keys.notna()
        ins = inspections[known].assign(site_key=keys[known])
        note_visits(ins["site_key"], ins["inspection_date"])
        latest = (
            ins.sort_values("inspection_date").groupby("site_key").tail(1).set_index("site_key")
        )
        items = [c for c in CHECKLIST_ITEMS if c in latest.columns]
        failed = pd.DataFrame(
            {
                c: latest[c].astype("boolean") == False  # noqa: E712
                for c in items
            },
            index=latest.index,
        ).fillna(False)
        failed_names = (
            failed.apply(lambda r: [c for c in items if r[c]], axis=1)
            if items
            else (pd.Series([[] for _ in range(len(latest))], index=latest.index))
        )
        n_failed = (
            out["site_key"].map(failed.sum(axis=1) if items else pd.Series(dtype=float)).fillna(0)
        )
        names_by_site = out["site_key"].map(failed_names)
        add(
            "checklist_item_failed",
            n_failed,
            lambda i, n: (
                "检查不合格：" + "、".join(_CHECKLIST_ZH.get(c, c) for c in names_by_site[i])
            ),
        )
        if "status" in latest.columns:
            seen_producing = out["site_key"].map(latest["status"] == "正常生产").fillna(False)
            seen_producing = seen_producing.astype(bool)

    # earlier patrol plans
    if visits is not None and len(visits) and {"site_key", "date"} <= set(visits.columns):
        v = visits.assign(date=pd.to_datetime(visits["date"], errors="coerce"))
        v = v[v["date"].notna() & (v["date"] <= as_of)]
        if len(v):
            note_visits(v["site_key"].astype(str), v["date"])

    days_cap = cfg.visit_days_cap
    days = (as_of - last_visit).dt.days
    out["last_visit"] = last_visit
    out["days_since_visit"] = days.astype("Int64")
    counted = days.fillna(days_cap).clip(lower=0, upper=days_cap)
    add(
        "per_day_since_visit",
        counted,
        lambda i, n: "从未检查" if pd.isna(days[i]) else f"上次检查距今{int(days[i])}天",
    )

    upwind = _upwind_flags(
        out,
        source_suspects,
        targets_check,
        stations,
        as_of=as_of,
        top_n=cfg.upwind_top_n,
    )
    add(
        "upwind_of_missing_station",
        (upwind != "").astype(float),
        lambda i, n: f"位于未达标站点{upwind[i]}上风向",
    )

    is_heap = out["site_kind"] == "gangue_heap"
    burning = out["burning"].astype("boolean").fillna(False) & is_heap
    add("burning_heap", burning.astype(float), lambda i, n: "矸石山自燃/冒烟")
    treatment = out["treatment"].astype("object")
    untreated = (is_heap & (treatment == "未治理")).astype(float) + 0.5 * (
        is_heap & (treatment == "治理中")
    ).astype(float)
    add("untreated_heap", untreated, lambda i, n: "矸石山未治理" if n >= 1 else "矸石山治理中")

    gate_m = _gate_road_lengths(out, sweep_tasks)
    hundreds = gate_m.clip(upper=cfg.gate_road_cap_m) / 100.0
    add("gate_road_per_100m", hundreds, lambda i, n: f"厂门道路需清扫{gate_m[i]:.0f}米")

    grade = out["performance_grade"].astype("object")
    below_b = (~is_heap & grade.isin(["C", "D"])).astype(float)
    add("grade_below_b", below_b, lambda i, n: f"绩效等级{grade[i]}级")

    status = out["status"].astype("object")
    idle = ~is_heap & status.isin(_NOT_PRODUCING)
    add("not_producing", idle.astype(float), lambda i, n: f"{status[i]}，核查是否违规生产")
    active = idle & (seen_producing | (upwind != ""))
    add(
        "suspended_but_active",
        active.astype(float),
        lambda i, n: f"{status[i]}但" + ("检查时在生产" if seen_producing[i] else "疑似排放"),
    )

    out = pd.concat([out, pts.add_prefix("pts_")], axis=1)
    out["score"] = pts.sum(axis=1).round(2)
    out["reasons"] = ["；".join(r) for r in reasons]
    out = out.sort_values(
        ["score", "days_since_visit", "site_key"],
        ascending=[False, False, True],
        na_position="first",
        kind="mergesort",
    ).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    front = [
        "rank",
        "site_key",
        "site_kind",
        "site_id",
        "name",
        "county",
        "score",
        "reasons",
        "last_visit",
        "days_since_visit",
    ]
    rest = [c for c in out.columns if c not in front]
    return gpd.GeoDataFrame(out[front + rest], geometry="geometry", crs=sites.crs)
