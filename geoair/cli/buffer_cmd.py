"""``geoair buffer KIND --distance M``: buffers in true metres around any workspace layer."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import get_workspace, out_option, workspace_option, write_out

# what users may type -> workspace layer
KINDS = {
    "stations": "stations",
    "heaps": "gangue_heaps",
    "gangue_heaps": "gangue_heaps",
    "parks": "parks",
    "enterprises": "enterprises",
    "gates": "gates",
    "counties": "counties",
    "roads": "roads",
}


@click.command("buffer")
@click.argument("kind", type=click.Choice(sorted(KINDS), case_sensitive=False))
@click.option(
    "--distance",
    "distance_m",
    type=float,
    required=True,
    help="Buffer distance in metres, e.g. 1000.",
)
@click.option(
    "--vertices",
    type=int,
    default=None,
    help="Vertices of a full circle (default: [buffers] circle_vertices, 72).",
)
@click.option(
    "--name",
    "layer_name",
    default=None,
    help="Workspace layer to write (default: KIND_buffer_DISTANCEm, e.g. stations_buffer_1000m).",
)
@workspace_option
@out_option
def command(
    kind: str,
    distance_m: float,
    vertices: int | None,
    layer_name: str | None,
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """Buffer every feature of a layer by --distance metres (true ground metres), for maps
    and joins: stations, heaps, parks, enterprises, gates, counties or roads.

    \b
    geoair buffer stations --distance 1000
    geoair buffer heaps --distance 500 --out 矸石山500米.gpkg
    """
    from geoair.roads.buffers import buffer_layer, buffer_name

    ws = get_workspace(workspace_dir)
    layer = KINDS[kind.lower()]
    frame = ws.read(layer)
    if vertices is None:
        vertices = int(ws.settings["buffers"]["circle_vertices"])
    buffered = buffer_layer(frame, distance_m=distance_m, vertices=vertices)
    name = layer_name or buffer_name(layer, distance_m)
    ws.write(name, buffered)
    click.echo(
        f"{len(buffered)} {layer} buffered by {distance_m:g} m: workspace layer {name} "
        f"({buffered['area_m2'].sum() / 1e6:,.2f} km² in all)"
    )
    write_out(buffered, out_path, layer=name)
