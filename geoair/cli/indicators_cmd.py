"""``geoair indicators``: daily AQI and period means with validity, per station, county or park."""

from __future__ import annotations

import re
from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import (
    echo_lines,
    engine_options,
    get_workspace,
    open_engine,
    out_option,
    progress_for,
    workspace_option,
    write_out,
)
from geoair.messages import t


@click.command("indicators", cls=Command)
@click.option(
    "--period",
    type=click.Choice(["hour", "day", "month", "quarter", "year"]),
    default="month",
    show_default=True,
)
@click.option(
    "--by",
    "by",
    type=click.Choice(["station", "county", "park"]),
    default="station",
    show_default=True,
)
@click.option("--start", default=None)
@click.option("--end", default=None)
@workspace_option
@out_option
@engine_options
@click.option(
    "--store",
    default=None,
    metavar="URL",
)
@click.pass_context
def command(
    ctx: click.Context,
    period: str,
    by: str,
    start: str | None,
    end: str | None,
    workspace_dir: Path | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    store: str | None,
) -> None:
    """``geoair indicators``; its help is ``help.indicators`` in geoair.messages."""
    from geoair.workflows.indicators import IndicatorsOptions, describe, run_indicators

    for name, value in (("--start", start), ("--end", end)):
        if value is not None and not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            raise click.BadParameter(t("cli.bad_day", value=value), param_hint=name)
    if period == "hour" and by != "station":
        raise click.UsageError(t("cli.hourly_by_station"))
    ws = get_workspace(workspace_dir)
    options = IndicatorsOptions(period=period, by=by, start=start, end=end)
    with open_engine(engine, scheduler, workers, store=store) as runner:
        result = run_indicators(ws, options, progress=progress_for(ctx), engine=runner)
    echo_lines(describe(result))
    name, table = next(iter(result.tables.items()))
    write_out(table, out_path, layer=name)
