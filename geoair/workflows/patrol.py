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
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoair.patrol.export import write_plan_files
from geoair.patrol.plan import PatrolPlan, plan_patrol, resolve_start
from geoair.patrol.risk import risk_scores, site_table
from geoair.store.parts import replace_part

__all__ = [
    "HISTORY",
    "WHOLE_SCOPE",
    "demo_step",
    "describe_plan",
    "workspace_plan",
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


def _read(ws, name: str):
    return ws.read(name, required=False)


def workspace_risk(
    ws, *, as_of: str | pd.Timestamp, history_before: bool = False
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
    return risk_scores(sites, as_of=as_of, visits=history, settings=ws.settings["patrol"], **inputs)


def workspace_plan(
    ws,
    *,
    date: str | pd.Timestamp,
    teams: int | None = None,
    stops: int | None = None,
    start: str | None = None,
    county: str | None = None,
    straight: bool = False,
    max_route_km: float | None = None,
    out_dir: Path | str | None = None,
    lns_rounds: int = 150,
) -> tuple[PatrolPlan, gpd.GeoDataFrame, dict[str, Path]]:
    """Plan a day on the workspace, store the layers, write GPX/KML/Excel/HTML.

    Returns
    -------
    plan : PatrolPlan
    risk : GeoDataFrame
        The risk scores the plan used.
    files : dict
        Format -> path of the files written (in ``out_dir``, default
        ``outputs/patrol/``).
    """
    cfg = ws.settings["patrol"]
    date = pd.Timestamp(date).normalize()
    risk = workspace_risk(ws, as_of=date, history_before=True)
    layers = {name: _read(ws, name) for name in _START_LAYERS}
    chosen = resolve_start(start, settings=cfg, layers=layers)
    roads = None if straight else _read(ws, "roads")
    plan = plan_patrol(
        risk,
        date=date,
        teams=int(teams or cfg["teams"]),
        stops=int(stops or cfg["stops"]),
        start=chosen,
        roads=roads,
        counties=layers["counties"],
        county=county,
        settings=cfg,
        max_route_km=max_route_km,
        lns_rounds=lns_rounds,
    )
    scope = county or WHOLE_SCOPE
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
    folder = Path(out_dir) if out_dir is not None else ws.outputs_dir / "patrol"
    files = write_plan_files(
        plan, folder, counties=layers["counties"], map_settings=ws.settings.get("maps")
    )
    return plan, risk, files


def _scoped(old: pd.DataFrame | None, new: pd.DataFrame, part: dict) -> pd.DataFrame:
    """Old plans with the rows of ``part`` (date, scope) replaced by ``new``.

    Rows of an older geoair have no ``scope``: they were plans of the whole workspace.
    """
    if old is not None and len(old) and "scope" not in old.columns:
        old = old.assign(scope=WHOLE_SCOPE)
    return replace_part(old, new, ["date", "scope"], part=part)


def describe_plan(plan: PatrolPlan, echo: Callable[[str], None]) -> None:
    """Print each team's route, stop by stop, with the reason."""
    mode = "along the roads" if plan.mode == "road" else "straight-line"
    echo(
        f"  {plan.date:%Y-%m-%d}: {len(plan.stops)} stops, {len(plan.routes)} teams from "
        f"{plan.start.name}, {plan.total_m / 1000:.1f} km in all ({mode})"
    )
    for route in plan.routes.itertuples():
        echo(f"  team {route.team}: {int(route.stops)} stops, {route.length_m / 1000:.1f} km")
        team = plan.stops[plan.stops["team"] == route.team].sort_values("stop")
        for row in team.itertuples():
            echo(
                f"    {row.stop:>2}. {row.name} ({row.kind_zh}, {row.county}) "
                f"{row.distance_so_far_m / 1000:5.1f} km  {row.why}: {row.reasons}"
            )
    if plan.backlog:
        echo(f"  {plan.backlog} overdue sites wait for the next days (coverage rule)")
    for note in plan.notes:
        echo(f"  note: {note}")


def demo_step(ws, echo: Callable[[str], None]) -> None:
    """Risk of every sample site and one day's plan for three teams, with its files."""
    cfg = ws.settings["patrol"]
    dates = []
    for name in ("inspections", "cases"):
        frame = _read(ws, name)
        if frame is not None and len(frame) and "inspection_date" in frame.columns:
            dates.append(pd.to_datetime(frame["inspection_date"], errors="coerce").max())
    dates = [d for d in dates if pd.notna(d)]
    day = (max(dates) + pd.Timedelta(days=1)) if dates else pd.Timestamp("2024-03-05")
    plan, risk, files = workspace_plan(
        ws, date=day, teams=int(cfg["teams"]), stops=int(cfg["stops"])
    )
    echo(f"  risk_scores: {len(risk)} sites; highest:")
    for row in risk.head(5).itertuples():
        echo(f"    {row.rank}. {row.name} {row.score:.1f}: {row.reasons}")
    describe_plan(plan, echo)
    echo("  layers: patrol_stops, patrol_routes, risk_scores, patrol_history")
    for kind, path in files.items():
        echo(f"  {kind}: {path}")
