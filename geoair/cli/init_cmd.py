"""``geoair init DIR``: make an empty workspace."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def command(directory: Path) -> None:
    """Make a workspace in DIRECTORY: workspace.gpkg and geoair.toml (settings)."""
    from geoair.store.workspace import init_workspace

    ws = init_workspace(directory)
    click.echo(f"created workspace {ws.root}")
    click.echo(f"  store:    {ws.gpkg}")
    click.echo(f"  settings: {ws.settings_path} (edit radii, limits, weights there)")
    click.echo(f"next: geoair import enterprises FILE --workspace {directory}")
