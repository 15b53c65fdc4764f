"""``geoair init DIR``: make an empty workspace."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def command(directory: Path) -> None:
    """Make a workspace in DIRECTORY: workspace.gpkg and geoair.toml (settings)."""
    from geoair.messages import t
    from geoair.store.workspace import init_workspace

    ws = init_workspace(directory)
    click.echo(t("cli.init.created", root=ws.root))
    click.echo(t("cli.init.store", path=ws.gpkg))
    click.echo(t("cli.init.settings", path=ws.settings_path))
    click.echo(t("cli.init.next", folder=directory))
