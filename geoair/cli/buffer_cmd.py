"""``geoair buffer KIND --distance M``: buffers in true metres around any workspace layer."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import echo_lines, get_workspace, out_option, workspace_option, write_out


@click.command("buffer")
@click.argument("kind", metavar="KIND")
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
    from geoair.workflows.gate_roads import BufferOptions, describe, run_buffer

    ws = get_workspace(workspace_dir)
    options = BufferOptions(
        kind=kind, distance_m=distance_m, vertices=vertices, layer_name=layer_name
    )
    result = run_buffer(ws, options)
    echo_lines(describe(result))
    write_out(result.buffered, out_path, layer=result.name)
