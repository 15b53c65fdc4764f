"""``geoair indicators``: daily AQI and period means with validity, per station, county or park."""

from __future__ import annotations

import re
from pathlib import Path

import click

from geoair.cli._options import get_workspace, out_option, workspace_option, write_out


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
def command(
    period: str,
    by: str,
    start: str | None,
    end: str | None,
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """Compute indicators from the imported hourly readings, by GB 3095-2012, HJ 663-2013
    and HJ 633-2012: hourly AQI (--period hour, per station: 实时AQI, category and primary
    pollutant), daily means (≥ 20 hours), O3 daily maximum 8-hour means, daily AQI,
    category and primary pollutant; monthly/quarterly/annual means (≥ 27 days a month,
    25 in February, 324 a year), CO 95th and O3 90th percentiles, composite index and
    good days. Invalid values are shown as empty with their counts, never averaged.

    Writes station_daily (for the days chosen with --start/--end, else all) and
    BY_PERIOD (e.g. county_monthly) into the workspace.
    """
    from geoair.workflows.indicators import TABLE_NAMES, indicator_table, station_daily

    for name, value in (("--start", start), ("--end", end)):
        if value is not None and not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            raise click.BadParameter(
                f"{value!r} is not a day; write it as 2020-10-01.", param_hint=name
            )
    ws = get_workspace(workspace_dir)
    if period == "hour":
        from geoair.workflows.indicators import station_hourly

        if by != "station":
            raise click.BadParameter(
                "小时AQI按站点计算，请用 --by station。 / The hourly AQI is per station; "
                "use --by station.",
                param_hint="--by",
            )
        table = station_hourly(ws, start=start, end=end)
        ws.write("station_hourly", table)
        click.echo(
            f"station_hourly: {len(table):,} station-hours, "
            f"{int((table['aqi'] > 100).sum()):,} with AQI above 100, written to {ws.gpkg}"
        )
        write_out(table, out_path, layer="station_hourly")
        return
    daily = station_daily(ws, start=start, end=end)
    table = indicator_table(ws, daily, period=period, by=by)
    name = f"{by}_{TABLE_NAMES[period]}"
    with ws.transaction() as tx:
        tx.write("station_daily", daily)
        if name != "station_daily":
            tx.write(name, table)
    invalid = int((table["validity"] != "valid").sum())
    click.echo(
        f"{name}: {len(table):,} rows ({invalid:,} with an invalid value, shown empty "
        f"with its count) written to {ws.gpkg}"
    )
    write_out(table, out_path, layer=name)
