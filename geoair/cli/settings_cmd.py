"""``geoair settings show|set``: the workspace's settings, wherever they are stored."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Group
from geoair.cli._options import get_workspace, workspace_option
from geoair.messages import t


@click.group("settings", cls=Group)
def command() -> None:
    """``geoair settings``; its help is ``help.settings`` in geoair.messages."""


@command.command("show")
@workspace_option
def show(workspace_dir: Path | str | None) -> None:
    """``geoair settings show``; its help is ``help.settings.show`` in geoair.messages."""
    ws = get_workspace(workspace_dir)
    try:
        click.echo(ws.settings_text(), nl=False)
    finally:
        ws.close()


@command.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def set_(file: Path, workspace_dir: Path | str | None) -> None:
    """``geoair settings set``; its help is ``help.settings.set`` in geoair.messages."""
    ws = get_workspace(workspace_dir)
    try:
        ws.store_settings(file.read_text(encoding="utf-8"))
        click.echo(t("settings.replaced", location=ws.location, file=file))
    finally:
        ws.close()
