"""``geoair buffer KIND --distance M``: buffers in true metres around any workspace layer."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, out_option, workspace_option, write_out


@click.command("buffer", cls=Command)
@click.argument("kind", metavar="KIND")
@click.option(
    "--distance",
    "distance_m",
    type=float,
    required=True,
)
@click.option(
    "--vertices",
    type=int,
    default=None,
)
@click.option(
    "--name",
    "layer_name",
    default=None,
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
    """``geoair buffer``; its help is ``help.buffer`` in geoair.messages."""
    from geoair.workflows.gate_roads import BufferOptions, describe, run_buffer

    ws = get_workspace(workspace_dir)
    options = BufferOptions(
        kind=kind, distance_m=distance_m, vertices=vertices, layer_name=layer_name
    )
    result = run_buffer(ws, options)
    echo_lines(describe(result))
    write_out(result.buffered, out_path, layer=result.name)
