"""``geoair patrol risk|plan``: who to inspect today, in what order, by which team."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from geoair.cli._options import (
    echo_lines,
    get_workspace,
    out_option,
    progress_for,
    workspace_option,
    write_out,
)
from geoair.messages import t


def _day(value: str | None):  # -> pandas.Timestamp
    import pandas as pd

    if value is None:
        return pd.Timestamp(dt.date.today())
    try:
        return pd.Timestamp(value).normalize()
    except ValueError:
        raise click.BadParameter(t("cli.bad_date", value=value), param_hint="--date") from None


@click.group("patrol")
def command() -> None:
    """Risk scores of enterprises and gangue heaps, and daily patrol routes per team."""


@command.command("risk")
@workspace_option
@click.option("--date", "day", default=None, help="Day to score (default: today), 2024-03-05.")
@click.option("--county", default=None, help="Show only this county's sites.")
@click.option("--top", default=20, show_default=True, help="How many sites to print.")
@out_option
@click.pass_context
def risk(
    ctx: click.Context,
    workspace_dir: Path | None,
    day: str | None,
    county: str | None,
    top: int,
    out_path: Path | None,
) -> None:
    """Score every enterprise and heap, with the reasons (workspace layer risk_scores).

    Weights are in geoair.toml, [patrol.weights]."""
    from geoair.workflows.patrol import RiskOptions, describe, run_risk

    ws = get_workspace(workspace_dir)
    result = run_risk(
        ws, RiskOptions(day=_day(day), county=county, top=top), progress=progress_for(ctx)
    )
    echo_lines(describe(result))
    write_out(result.shown.drop(columns="geometry"), out_path, layer="risk_scores")


@command.command("plan")
@workspace_option
@click.option("--date", "day", default=None, help="Day to plan (default: today), 2024-03-05.")
@click.option(
    "--teams",
    type=click.IntRange(min=1),
    default=None,
    help="Teams out that day (default: [patrol] teams in geoair.toml).",
)
@click.option(
    "--stops",
    type=click.IntRange(min=1),
    default=None,
    help="Most sites per team (default: [patrol] stops).",
)
@click.option(
    "--start",
    default=None,
    help='Where teams leave from and return to: a name ("市生态环境局", a place of '
    "[patrol.places], an enterprise or station) or lon,lat in WGS-84.",
)
@click.option("--county", default=None, help="Plan only this county's sites.")
@click.option(
    "--max-km",
    "max_km",
    type=click.FloatRange(min=0),
    default=None,
    help="Longest round trip for one team, km: teams are balanced to stay under it "
    "(default: [patrol] max_route_km; 0 = no limit).",
)
@click.option(
    "--straight", is_flag=True, help="Straight-line distances even when the workspace has roads."
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the GPX, KML, Excel and HTML files (default: outputs/patrol).",
)
@out_option
@click.pass_context
def plan(
    ctx: click.Context,
    workspace_dir: Path | None,
    day: str | None,
    teams: int | None,
    stops: int | None,
    start: str | None,
    county: str | None,
    max_km: float | None,
    straight: bool,
    out_dir: Path | None,
    out_path: Path | None,
) -> None:
    """Pick the day's sites and order each team's round trip.

    Highest risk first; sites not visited for [patrol] coverage_days are forced in.
    Writes the layers patrol_stops, patrol_routes, risk_scores and patrol_history, and
    GPX and KML (field tablets), Excel (to print) and an HTML map."""
    from geoair.workflows.patrol import PlanOptions, describe, run_plan

    ws = get_workspace(workspace_dir)
    options = PlanOptions(
        day=_day(day),
        teams=teams,
        stops=stops,
        start=start,
        county=county,
        straight=straight,
        max_route_km=max_km,
        out_dir=out_dir,
    )
    result = run_plan(ws, options, progress=progress_for(ctx))
    echo_lines(describe(result))
    write_out(result.plan.stops.drop(columns="geometry"), out_path, layer="patrol_stops")
