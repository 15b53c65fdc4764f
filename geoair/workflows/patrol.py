"""Patrol on a workspace: read what risk and routes need, compute, write the results.

The command line (``geoair patrol risk|plan``) and ``geoair demo`` call these; the
analyses themselves are the pure functions of :mod:`.risk`, :mod:`.plan` and
:mod:`.routing`.

Written to the workspace: ``risk_scores`` (points), ``patrol_stops`` (points) and
``patrol_routes`` (lines) of the plans of the day planned last, and ``patrol_history``
(one row per planned stop of every day planned), which counts as visits for the
coverage rule of later days. Each plan is one part, named by its ``date`` and
``scope`` (the county planned, or ``全市`` for the whole workspace): planning a day
again for the same scope replaces that plan's rows and nothing else (``--county 郊区``
leaves the city's plan of the day alone, in the layers and in the history).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from geoair.messages import t, word
from geoair.patrol.export import write_plan_files
from geoair.patrol.plan import PatrolPlan, plan_patrol, resolve_start
from geoair.patrol.risk import risk_scores, site_table
from geoair.progress import Progress, silent
from geoair.store.parts import replace_part
from geoair.store.settings import overridden
from geoair.store.workspace import Workspace

__all__ = [
    "HISTORY",
    "PlanOptions",
    "PlanResult",
    "RiskOptions",
    "RiskResult",
    "WHOLE_SCOPE",
    "day_after_last_record",
    "describe",
    "run_plan",
    "run_risk",
    "workspace_risk",
]


log = logging.getLogger(__name__)

HISTORY = "patrol_history"
#: ``scope`` of a plan for the whole workspace (a county plan's scope is the county).
WHOLE_SCOPE = "全市"
_RISK_INPUTS = (
    "cases",
    "inspections",
    "sweep_tasks",
    "source_suspects",
    "targets_check",
    "stations",
)
_START_LAYERS = ("enterprises", "stations", "parks", "gangue_heaps", "counties")


def _read(ws: Workspace, name: str) -> pd.DataFrame | None:
    return ws.read(name, required=False)


def _read_layer(ws: Workspace, name: str) -> gpd.GeoDataFrame | None:
    return cast("gpd.GeoDataFrame | None", ws.read(name, required=False))


def workspace_risk(
    ws: Workspace, *, as_of: str | pd.Timestamp, history_before: bool = False
) -> gpd.GeoDataFrame:
    """Risk scores of the workspace's enterprises and heaps on ``as_of``.

    Parameters
    ----------
    ws : Workspace
    as_of : str or Timestamp
        The day.
    history_before : bool
        Count only earlier days' plans as visits (True when planning ``as_of`` itself,
        so that planning a day twice gives the same plan).
    """
    as_of = pd.Timestamp(as_of).normalize()
    sites = site_table(_read_layer(ws, "enterprises"), _read_layer(ws, "gangue_heaps"))
    inputs = {name: _read(ws, name) for name in _RISK_INPUTS}
    history = _read(ws, HISTORY)
    if history is not None and len(history):
        dates = pd.to_datetime(history["date"], errors="coerce")
        history = history[dates < as_of] if history_before else history[dates <= as_of]
    return risk_scores(sites, as_of=as_of, visits=history, settings=ws.settings.patrol, **inputs)


def day_after_last_record(ws: Workspace) -> pd.Timestamp:
    """The day after the latest inspection or case (the demo's patrol day)."""
    dates = []
    for name in ("inspections", "cases"):
        frame = _read(ws, name)
        if frame is not None and len(frame) and "inspection_date" in frame.columns:
            dates.append(pd.to_datetime(frame["inspection_date"], errors="coerce").max())
    known = [d for d in dates if pd.notna(d)]
    return (max(known) + pd.Timedelta(days=1)) if known else pd.Timestamp("2024-03-05")


@dataclass(frozen=True)
class RiskOptions:
    """Options of ``geoair patrol risk``: the day, and which county and how many to show."""

    day: pd.Timestamp
    county: str | None = None
    top: int = 20


@dataclass(frozen=True)
class RiskResult:
    """The ``risk_scores`` layer as written, and the rows to show."""

    scores: gpd.GeoDataFrame
    shown: gpd.GeoDataFrame
    day: pd.Timestamp
    top: int


def run_risk(ws: Workspace, options: RiskOptions, *, progress: Progress = silent) -> RiskResult:
    """Score every enterprise and heap on a day, with the reasons; write ``risk_scores``."""
    progress(t("progress.patrol.risk"))
    scores = workspace_risk(ws, as_of=options.day, history_before=True)
    ws.write("risk_scores", scores)
    shown = (
        scores if options.county is None else scores[scores["county"].astype(str) == options.county]
    )
    return RiskResult(scores=scores, shown=shown, day=options.day, top=options.top)


@dataclass(frozen=True)
class PlanOptions:
    """Options of ``geoair patrol plan``; None keeps the workspace's ``[patrol]``.

    Parameters
    ----------
    day : Timestamp
        The day planned.
    teams, stops : int, optional
        Teams out, most sites per team.
    start : str, optional
        Where teams leave from: a name or ``lon,lat``.
    county : str, optional
        Plan only this county's sites.
    straight : bool
        Straight-line distances even when the workspace has roads.
    max_route_km : float, optional
        Longest round trip wanted for one team.
    out_dir : Path, optional
        Folder for GPX, KML, Excel and HTML (default ``outputs/patrol``).
    lns_rounds : int
        Rounds of the route search's ruin-and-recreate phase.
    """

    day: pd.Timestamp
    teams: int | None = None
    stops: int | None = None
    start: str | None = None
    county: str | None = None
    straight: bool = False
    max_route_km: float | None = None
    out_dir: Path | None = None
    lns_rounds: int = 150


@dataclass(frozen=True)
class PlanResult:
    """The day's plan, the risk it used and the files written."""

    plan: PatrolPlan
    risk: gpd.GeoDataFrame
    files: dict[str, Path] = field(default_factory=dict)


def run_plan(ws: Workspace, options: PlanOptions, *, progress: Progress = silent) -> PlanResult:
    """Plan a day on the workspace, store the layers, write GPX/KML/Excel/HTML.

    Writes ``risk_scores``, ``patrol_stops``, ``patrol_routes`` and ``patrol_history``;
    the plan of a day and scope (a county, or 全市) replaces only its own rows.
    """
    cfg = overridden(
        ws.settings.patrol,
        teams=options.teams,
        stops=options.stops,
        max_route_km=options.max_route_km,
    )
    date = pd.Timestamp(options.day).normalize()
    progress(t("progress.patrol.risk"))
    risk = workspace_risk(ws, as_of=date, history_before=True)
    layers = {name: _read_layer(ws, name) for name in _START_LAYERS}
    chosen = resolve_start(options.start, settings=cfg, layers=layers)
    roads = None if options.straight else _read_layer(ws, "roads")
    progress(t("progress.patrol.plan"))
    plan = plan_patrol(
        risk,
        date=date,
        teams=cfg.teams,
        stops=cfg.stops,
        start=chosen,
        roads=roads,
        counties=layers["counties"],
        county=options.county,
        settings=cfg,
        max_route_km=cfg.max_route_km,
        lns_rounds=options.lns_rounds,
    )
    scope = options.county or WHOLE_SCOPE
    day = date.strftime("%Y-%m-%d")
    today = (
        plan.stops[["date", "site_key", "team", "stop"]].assign(scope=scope)
        if len(plan.stops)
        else pd.DataFrame(columns=["date", "site_key", "team", "stop", "scope"])
    )
    part = {"date": [day], "scope": [scope]}
    with ws.transaction() as tx:
        tx.write("risk_scores", risk)
        if len(plan.stops):
            # This plan (day and scope) replaces only its own rows.
            # The layers show the day planned last: other days' plans are in the history.
            for name, frame in (("patrol_stops", plan.stops), ("patrol_routes", plan.routes)):
                old = tx.read(name)
                if old is not None and "date" in old.columns:
                    old = old[old["date"].astype(str).str[:10] == day]
                tx.write(name, _scoped(old, frame.assign(scope=scope), part))
        tx.write(HISTORY, _scoped(tx.read(HISTORY), today, part))
    folder = options.out_dir if options.out_dir is not None else ws.outputs_dir / "patrol"
    files = write_plan_files(
        plan, folder, counties=layers["counties"], map_settings=ws.settings.maps
    )
    return PlanResult(plan=plan, risk=risk, files=files)


def _scoped(old: pd.DataFrame | None, new: pd.DataFrame, part: dict) -> pd.DataFrame:
    """Old plans with the rows of ``part`` (date, scope) replaced by ``new``.

    Rows of an older geoair have no ``scope``: they were plans of the whole workspace.
    """
    if old is not None and len(old) and "scope" not in old.columns:
        old = old.assign(scope=WHOLE_SCOPE)
    return replace_part(old, new, ["date", "scope"], part=part)


def describe(result: RiskResult | PlanResult) -> list[str]:
    """The lines a planner reads: riskiest sites; each team's route stop by stop."""
    row: Any  # itertuples() rows: pandas-stubs types each field as any scalar
    route: Any
    if isinstance(result, RiskResult):
        lines = [t("patrol.risk_title", n=len(result.scores), date=f"{result.day:%Y-%m-%d}")]
        for row in result.shown.head(result.top).itertuples():
            lines.append(
                t(
                    "patrol.risk_line",
                    rank=row.rank,
                    name=row.name,
                    county=row.county,
                    score=row.score,
                    reasons=row.reasons,
                )
            )
        return lines
    plan = result.plan
    lines = [
        t(
            "patrol.plan_title",
            date=f"{plan.date:%Y-%m-%d}",
            stops=len(plan.stops),
            teams=len(plan.routes),
            start=plan.start.name,
            km=plan.total_m / 1000,
            mode=t("word.along_roads") if plan.mode == "road" else t("word.straight"),
        )
    ]
    for route in plan.routes.itertuples():
        over = ""
        if bool(getattr(route, "over_limit", False)):
            over = t("patrol.over_limit", limit=route.limit_km)
        lines.append(
            t(
                "patrol.team_line",
                team=route.team,
                stops=int(route.stops),
                km=route.length_m / 1000,
                over=over,
            )
        )
        team = plan.stops[plan.stops["team"] == route.team].sort_values("stop")
        for row in team.itertuples():
            lines.append(
                t(
                    "patrol.stop_line",
                    stop=row.stop,
                    name=row.name,
                    kind=word("site_kind", row.site_kind),
                    county=row.county,
                    km=row.distance_so_far_m / 1000,
                    why=row.why,
                    reasons=row.reasons,
                )
            )
    if plan.backlog:
        lines.append(t("patrol.backlog", n=plan.backlog))
    lines += [t("patrol.note", note=note) for note in plan.notes]
    lines += [t("patrol.file", kind=kind, path=path) for kind, path in result.files.items()]
    return lines
