"""``geoair indicators``: daily AQI and period means with validity, per station, county or park."""

from __future__ import annotations

import re
from pathlib import Path

import click

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


@click.command("indicators")
@click.option(
    "--period",
    type=click.Choice(["hour", "day", "month", "quarter", "year"]),
    default="month",
    show_default=True,
    help="Period of the values.",
)
@click.option(
    "--by",
    "by",
    type=click.Choice(["station", "county", "park"]),
    default="station",
    show_default=True,
    help="Stations, or counties and parks (mean of their stations).",
)
@click.option("--start", default=None, help="First day, e.g. 2020-10-01 (default: all readings).")
@click.option("--end", default=None, help="Last day, e.g. 2020-12-31.")
@workspace_option
@out_option
@engine_options
@click.option(
    "--store",
    default=None,
    metavar="URL",
    help="With --engine dask: where the workers read the hourly readings, if not at the "
    "workspace's readings/hourly path: a shared folder or an fsspec URL "
    "(s3://bucket/ws/readings/hourly).",
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
    """Compute indicators from the imported hourly readings, by GB 3095-2012, HJ 663-2013
    and HJ 633-2012: hourly AQI (--period hour, per station: 实时AQI, category and primary
    pollutant), daily means (≥ 20 hours), O3 daily maximum 8-hour means, daily AQI,
    category and primary pollutant; monthly/quarterly/annual means (≥ 27 days a month,
    25 in February, 324 a year), CO 95th and O3 90th percentiles, composite index and
    good days. Invalid values are shown as empty with their counts, never averaged.

    Writes station_daily and BY_PERIOD (e.g. county_monthly) into the workspace: with
    --start/--end only the rows of those days and of the periods they meet are
    replaced (moved out to whole months, quarters or years for --period month, quarter
    or year); the other days and periods keep theirs.
    """
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
