"""Patrol on a workspace: read what risk and routes need, compute, write the results.

The command line (``geoair patrol risk|plan``) and ``geoair demo`` call these; the
analyses themselves are the pure functions of :mod:`.risk`, :mod:`.plan` and
:mod:`.routing`.

Written to the workspace: ``risk_scores`` (points), ``patrol_stops`` (points) and
``patrol_routes`` (lines) of the latest plan, and ``patrol_history`` (one row per
planned stop of every day planned; a day planned again replaces its rows), which
counts as visits for the coverage rule of later days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoair.messages import t, word
from geoair.patrol.export import write_plan_files
from geoair.patrol.plan import PatrolPlan, plan_patrol, resolve_start
from geoair.patrol.risk import risk_scores, site_table
from geoair.progress import Progress, silent
from geoair.store.settings import overridden
from geoair.store.workspace import Workspace

__all__ = [
    "HISTORY",
    "PlanOptions",
    "PlanResult",
    "RiskOptions",
    "RiskResult",
    "day_after_last_record",
    "describe",
    "run_plan",
    "run_risk",
    "workspace_risk",
]


log = logging.getLogger(__name__)

HISTORY = "patrol_history"
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
    sites = site_table(_read(ws, "enterprises"), _read(ws, "gangue_heaps"))
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

    Writes ``risk_scores``, ``patrol_stops``, ``patrol_routes`` and ``patrol_history``
    (a day planned again replaces its rows).
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
    layers = {name: _read(ws, name) for name in _START_LAYERS}
    chosen = resolve_start(options.start, settings=cfg, layers=layers)
    roads = None if options.straight else _read(ws, "roads")
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
    history = _read(ws, HISTORY)
    today = (
        plan.stops[["date", "site_key", "team", "stop"]].copy()
        if len(plan.stops)
        else (pd.DataFrame(columns=["date", "site_key", "team", "stop"]))
    )
    if history is not None and len(history):
        history = history[history["date"].astype(str) != date.strftime("%Y-%m-%d")]
        today = pd.concat([history[today.columns], today], ignore_index=True)
    with ws.transaction() as tx:
        tx.write("risk_scores", risk)
        if len(plan.stops):
            tx.write("patrol_stops", plan.stops)
            tx.write("patrol_routes", plan.routes)
        tx.write(HISTORY, today)
    folder = options.out_dir if options.out_dir is not None else ws.outputs_dir / "patrol"
    files = write_plan_files(
        plan, folder, counties=layers["counties"], map_settings=ws.settings.maps
    )
    return PlanResult(plan=plan, risk=risk, files=files)


def describe(result: RiskResult | PlanResult) -> list[str]:
    """The lines a planner reads: riskiest sites; each team's route stop by stop."""
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
