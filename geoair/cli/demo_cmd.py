"""``geoair demo [DIR]``: the main job on the shipped sample data, offline."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import WORKSPACE
from geoair.workflows.demo import run_demo


@click.command("demo")
@click.argument("directory", type=WORKSPACE, default=Path("geoair-demo"))
def command(directory: Path | str) -> None:
    """Build a workspace in DIRECTORY (default ./geoair-demo), or in a database
    (postgresql://user@host/db), from the sample data of Yangquan and run every
    analysis on it. Then try any command with --workspace DIRECTORY."""
    ws = run_demo(directory, echo=click.echo)
    click.echo("")
    click.echo(f"demo workspace: {ws.location}")
    click.echo(f"  layers and tables: {ws.store_label} (open it in QGIS)")
    click.echo(f"  outputs:           {ws.outputs_dir}")
    click.echo(f"try: geoair --help, then any command with --workspace {ws.location}")
