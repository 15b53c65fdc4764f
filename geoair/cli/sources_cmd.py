"""``geoair sources near|wind|suspects``: sources upwind of monitoring stations."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Group
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


def _layer_names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


@click.group("sources", cls=Group)
def command() -> None:
    """``geoair sources``; its help is ``help.sources`` in geoair.messages."""


_radius = click.option(
    "--radius",
    "radius_m",
    type=float,
    default=None,
)
_layers = click.option(
    "--layers",
    default=None,
)


@command.command("near")
@_radius
@_layers
@workspace_option
@out_option
@engine_options
@click.pass_context
def near_command(
    ctx: click.Context,
    radius_m: float | None,
    layers: str | None,
    workspace_dir: Path | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """``geoair sources near``; its help is ``help.sources.near`` in geoair.messages."""
    from geoair.workflows.sources import SourcesOptions, describe, run_near

    ws = get_workspace(workspace_dir)
    options = SourcesOptions(radius_m=radius_m, layers=_layer_names(layers))
    with open_engine(engine, scheduler, workers) as runner:
        result = run_near(ws, options, progress=progress_for(ctx), engine=runner)
    echo_lines(describe(result))
    write_out(result.near.drop(columns="geometry"), out_path, layer="station_sources")


@command.command("wind")
@click.option("--station", required=True)
@click.option("--pollutant", default=None)
@click.option(
    "--period",
    required=True,
)
@click.option("--sectors", type=int, default=None)
@click.option(
    "--percentile",
    "cpf_percentile",
    type=float,
    default=None,
)
@workspace_option
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
def wind_command(
    station: str,
    pollutant: str | None,
    period: str,
    sectors: int | None,
    cpf_percentile: float | None,
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """``geoair sources wind``; its help is ``help.sources.wind`` in geoair.messages."""
    import pandas as pd

    from geoair.workflows.sources import SourcesOptions, describe, run_wind

    ws = get_workspace(workspace_dir)
    options = SourcesOptions(pollutant=pollutant, sectors=sectors, cpf_percentile=cpf_percentile)
    result = run_wind(ws, station, period, options)
    echo_lines(describe(result))
    if out_path is not None:
        report = result.report
        summary = {
            "station": report["station"]["name"],
            "pollutant": result.pollutant,
            "period": period,
            **report["summary"],
        }
        _write_sheets(
            out_path,
            {
                "summary": pd.DataFrame([summary]),
                "cpf": report["cpf"],
                "wind_rose": report["wind_rose"],
                "pollution_rose": report["pollution_rose"],
                "nwr": report["nwr"],
                "sources": report["near"].drop(columns=["geometry"], errors="ignore"),
            },
        )
        click.echo(t("cli.wrote", path=out_path))


@command.command("suspects")
@click.option("--pollutant", default=None)
@click.option(
    "--period",
    "periods",
    multiple=True,
)
@click.option(
    "--freq",
    type=click.Choice(["month", "quarter", "year"]),
    default=None,
)
@click.option("--station", "station_names", multiple=True)
@_radius
@_layers
@click.option(
    "--plots/--no-plots",
    "plots_wanted",
    default=True,
    show_default=True,
)
@workspace_option
@out_option
@engine_options
@click.pass_context
def suspects_command(
    ctx: click.Context,
    pollutant: str | None,
    periods: tuple[str, ...],
    freq: str | None,
    station_names: tuple[str, ...],
    radius_m: float | None,
    layers: str | None,
    plots_wanted: bool,
    workspace_dir: Path | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """``geoair sources suspects``; its help is ``help.sources.suspects`` in geoair.messages."""
    from geoair.workflows.sources import SourcesOptions, describe, run_suspects

    ws = get_workspace(workspace_dir)
    options = SourcesOptions(
        radius_m=radius_m,
        layers=_layer_names(layers),
        pollutant=pollutant,
        freq=freq,
        stations=station_names,
        periods=periods,
        plots=plots_wanted,
    )
    with open_engine(engine, scheduler, workers) as runner:
        result = run_suspects(ws, options, progress=progress_for(ctx), engine=runner)
    echo_lines(describe(result))
    if not result.skipped:
        write_out(result.ranked.drop(columns="geometry"), out_path, layer="source_suspects")


def _write_sheets(path: Path, sheets: dict) -> None:
    from geoair.errors import OutputError
    from geoair.io.spreadsheets import write_xlsx

    if path.suffix.lower() != ".xlsx":
        raise OutputError(t("cli.wind_sheets", path=path))
    from geoair.reports.tables import report_table

    write_xlsx(
        {t(f"sheet.{name}"): report_table(frame, layer=name) for name, frame in sheets.items()},
        path,
        freeze_header=False,
    )
