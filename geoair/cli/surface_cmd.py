"""``geoair surface POLLUTANT --period 2024-01``: an IDW GeoTIFF and zonal statistics."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, progress_for, workspace_option, write_out


@click.command("surface", cls=Command)
@click.argument("pollutant", metavar="POLLUTANT")
@click.option("--period", required=True)
@click.option(
    "--method",
    type=click.Choice(["idw"]),
    default="idw",
    show_default=True,
)
@click.option(
    "--cell",
    "cell_m",
    type=float,
    default=None,
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--zones-out",
    "zones_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
@workspace_option
@click.pass_context
def command(
    ctx: click.Context,
    pollutant: str,
    period: str,
    method: str,
    cell_m: float | None,
    out_path: Path | None,
    zones_path: Path | None,
    workspace_dir: Path | None,
) -> None:
    """``geoair surface``; its help is ``help.surface`` in geoair.messages."""
    from geoair.reports.surface import ZONES_LAYER
    from geoair.workflows.reports import SurfaceOptions, describe, run_surface

    ws = get_workspace(workspace_dir)
    options = SurfaceOptions(pollutant=pollutant, period=period, cell_m=cell_m, out=out_path)
    result = run_surface(ws, options, progress=progress_for(ctx))
    echo_lines(describe(result))
    if len(result.zones):
        write_out(result.zones, zones_path, layer=ZONES_LAYER)
