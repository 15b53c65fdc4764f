"""``geoair patrol risk|plan``: who to inspect today, in what order, by which team."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from geoair.cli._help import Group
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


@click.group("patrol", cls=Group)
def command() -> None:
    """``geoair patrol``; its help is ``help.patrol`` in geoair.messages."""


@command.command("risk")
@workspace_option
@click.option("--date", "day", default=None)
@click.option("--county", default=None)
@click.option("--top", default=20, show_default=True)
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
    """``geoair patrol risk``; its help is ``help.patrol.risk`` in geoair.messages."""
    from geoair.workflows.patrol import RiskOptions, describe, run_risk

    ws = get_workspace(workspace_dir)
    result = run_risk(
        ws, RiskOptions(day=_day(day), county=county, top=top), progress=progress_for(ctx)
    )
    echo_lines(describe(result))
    write_out(result.shown.drop(columns="geometry"), out_path, layer="risk_scores")


@command.command("plan")
@workspace_option
@click.option("--date", "day", default=None)
@click.option(
    "--teams",
    type=click.IntRange(min=1),
    default=None,
)
@click.option(
    "--stops",
    type=click.IntRange(min=1),
    default=None,
)
@click.option(
    "--start",
    default=None,
)
@click.option("--county", default=None)
@click.option(
    "--max-km",
    "max_km",
    type=click.FloatRange(min=0),
    default=None,
)
@click.option("--straight", is_flag=True)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
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
    """``geoair patrol plan``; its help is ``help.patrol.plan`` in geoair.messages."""
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
