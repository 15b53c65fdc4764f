"""``geoair map``: an interactive HTML map (offline) or a static PNG of the workspace."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import echo_lines, get_workspace, progress_for, workspace_option


@click.command("map")
@workspace_option
@click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
    help="Month of scores, indicators and targets (default: the latest of each); "
    "inspections and cases up to its end.",
)
@click.option(
    "--layers",
    "layer_list",
    default=None,
    metavar="A,B,...",
    help="Only these layers: counties, parks, roads, enterprises, gates, gate_buffers, "
    "gate_roads, stations, gangue_heaps, patrol_routes, patrol_stops, "
    "source_suspects (default: all the workspace has).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (.html, or .png with --png). Default: "
    "outputs/maps/map[-MONTH].html in the workspace.",
)
@click.option(
    "--png",
    is_flag=True,
    help="Write a static map for reports (PNG, 300 dpi by default, with title, "
    "legend, scale bar and north arrow) instead of the interactive map.",
)
@click.option(
    "--tiles",
    type=click.Choice(["osm", "tianditu", "amap", "none"]),
    default=None,
    help="Basemap (default: [maps] tiles in geoair.toml). amap shifts the data to "
    "GCJ-02 to match Amap's tiles; tianditu needs [maps] tianditu_key.",
)
@click.option("--title", default=None, help="Map title (default: workspace name and month).")
@click.option(
    "--county",
    default=None,
    help="Only this county's features (e.g. 郊区), the view fitted to its outline; with --png too.",
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
    """Draw every layer of the workspace on one map.

    The HTML map carries Leaflet and all data inside the file: it opens on a PC with
    no internet access (the county outlines are the basemap when no tile server can
    be reached). Click a feature for its records; search by name at the top left;
    measure distances with 测距.
    """
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
