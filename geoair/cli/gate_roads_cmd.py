"""``geoair gate-roads``: the road within 100 m of every factory gate, as sweeping tasks."""

from __future__ import annotations

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


@click.command("gate-roads", cls=Command)
@workspace_option
@click.option(
    "--radius",
    "radius_m",
    type=float,
    default=None,
)
@click.option(
    "--roads",
    "roads_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--coords",
    default=None,
)
@out_option
@engine_options
@click.pass_context
def command(
    ctx: click.Context,
    workspace_dir: Path | None,
    radius_m: float | None,
    roads_path: Path | None,
    coords: str | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """``geoair gate-roads``; its help is ``help.gate_roads`` in geoair.messages."""
    from geoair.workflows.gate_roads import GateRoadsOptions, describe, run_gate_roads

    ws = get_workspace(workspace_dir)
    options = GateRoadsOptions(radius_m=radius_m, roads_path=roads_path, coords=coords)
    with open_engine(engine, scheduler, workers) as runner:
        result = run_gate_roads(ws, options, progress=progress_for(ctx), engine=runner)
    echo_lines(describe(result))
    write_out(result.plan.sweep_tasks, out_path, layer="sweep_tasks")
