"""``geoair init DIR|URL``: make an empty workspace."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import WORKSPACE, readings_dir_option


@click.command("init", cls=Command)
@click.argument("directory", type=WORKSPACE)
@readings_dir_option
def command(directory: Path | str, readings_dir: Path | None) -> None:
    """``geoair init``; its help is ``help.init`` in geoair.messages."""
    from geoair.messages import t
    from geoair.store.open import init_workspace
    from geoair.store.workspace import FolderWorkspace

    ws = init_workspace(directory, readings_dir=readings_dir)
    try:
        click.echo(t("cli.init.created", root=ws.location))
        click.echo(t("cli.init.store", path=ws.store_label))
        if isinstance(ws, FolderWorkspace):
            click.echo(t("cli.init.settings", path=ws.settings_path))
        else:
            click.echo(t("cli.init.settings_in_database"))
            click.echo(t("cli.init.readings", path=ws.readings_dir))
            click.echo(t("cli.init.outputs_here"))
        click.echo(t("cli.init.next", folder=ws.location))
    finally:
        ws.close()
