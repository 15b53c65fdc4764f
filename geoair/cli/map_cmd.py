"""``geoair map``: an interactive HTML map (offline) or a static PNG of the workspace."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, progress_for, workspace_option


@click.command("map", cls=Command)
@workspace_option
@click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
)
@click.option(
    "--layers",
    "layer_list",
    default=None,
    metavar="A,B,...",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--png",
    is_flag=True,
)
@click.option(
    "--tiles",
    type=click.Choice(["osm", "tianditu", "amap", "none"]),
    default=None,
)
@click.option("--title", default=None)
@click.option(
    "--county",
    default=None,
)
@click.pass_context
def command(
    ctx: click.Context,
    workspace_dir: Path | None,
    month: str | None,
    layer_list: str | None,
    out_path: Path | None,
    png: bool,
    tiles: str | None,
    title: str | None,
    county: str | None,
) -> None:
    """``geoair map``; its help is ``help.map`` in geoair.messages."""
    from geoair.workflows.maps import MapOptions, describe, run_map

    ws = get_workspace(workspace_dir)
    layers = None
    if layer_list:
        layers = tuple(name.strip() for name in layer_list.split(",") if name.strip())
    options = MapOptions(
        month=month,
        layers=layers,
        html=not png,
        png=png,
        out=out_path,
        tiles=tiles,
        title=title,
        county=county,
    )
    result = run_map(ws, options, progress=progress_for(ctx))
    echo_lines(describe(result))
