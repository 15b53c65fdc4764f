"""``geoair gate-roads``: the road within 100 m of every factory gate, as sweeping tasks."""

from __future__ import annotations

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


@click.command("gate-roads")
@workspace_option
@click.option(
    "--radius",
    "radius_m",
    type=float,
    default=None,
    help="Radius around each gate in metres (default: [gate_roads] radius_m in "
    "geoair.toml, 100 as 阳环函〔2024〕6号 requires).",
)
@click.option(
    "--roads",
    "roads_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Take the roads from this file instead of the workspace: an OpenStreetMap "
    "extract (.osm.pbf, only highway lines), GeoPackage, Shapefile, GeoJSON...",
)
@click.option(
    "--coords",
    default=None,
    help="Coordinate system of the --roads file when it has none or is shifted: "
    "wgs84, gcj02 (Amap), bd09 (Baidu) or EPSG:n.",
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
    """Find the road within the radius of every factory gate and measure it.

    Writes to the workspace: layer gate_roads (the road stretches, per gate and road,
    with length_m), layer gate_buffers (the circles), table sweep_tasks (per
    enterprise: gates, roads, metres to sweep, a stretch shared by two gates counted
    once) and layer gate_findings (gates with no road within the radius, gates far
    from their enterprise). --out writes sweep_tasks (e.g. sweep_tasks.xlsx).

    \b
    geoair gate-roads
    geoair gate-roads --radius 150 --roads shanxi-latest.osm.pbf --out 清扫任务.xlsx
    """
    from geoair.workflows.gate_roads import GateRoadsOptions, describe, run_gate_roads

    ws = get_workspace(workspace_dir)
    options = GateRoadsOptions(radius_m=radius_m, roads_path=roads_path, coords=coords)
    with open_engine(engine, scheduler, workers) as runner:
        result = run_gate_roads(ws, options, progress=progress_for(ctx), engine=runner)
    echo_lines(describe(result))
    write_out(result.plan.sweep_tasks, out_path, layer="sweep_tasks")
