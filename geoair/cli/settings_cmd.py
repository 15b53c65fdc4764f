"""``geoair settings show|set``: the workspace's settings, wherever they are stored."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option
from geoair.messages import t


@click.group("settings")
def command() -> None:
    """Show or replace the settings (geoair.toml) of a workspace; a database
    workspace keeps them in its table geoair_settings."""


@command.command("show")
@workspace_option
def show(workspace_dir: Path | str | None) -> None:
    """Print the stored settings text (save it to a file, edit it, then 'set' it)."""
    ws = get_workspace(workspace_dir)
    try:
        click.echo(ws.settings_text(), nl=False)
    finally:
        ws.close()


@command.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def set_(file: Path, workspace_dir: Path | str | None) -> None:
    """Check FILE (a geoair.toml) and store it as the workspace's settings; a file with
    an unknown key or a wrong value is refused and nothing changes."""
    ws = get_workspace(workspace_dir)
    try:
        ws.store_settings(file.read_text(encoding="utf-8"))
        click.echo(t("settings.replaced", location=ws.location, file=file))
    finally:
        ws.close()
