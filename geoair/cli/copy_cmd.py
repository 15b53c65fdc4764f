"""``geoair copy SOURCE DEST``: move a whole workspace between a folder and a database."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import WORKSPACE, readings_dir_option


@click.command("copy", cls=Command)
@click.argument("source", type=WORKSPACE)
@click.argument("dest", type=WORKSPACE)
@readings_dir_option
@click.option("--replace", is_flag=True)
def command(source: Path | str, dest: Path | str, readings_dir: Path | None, replace: bool) -> None:
    """``geoair copy``; its help is ``help.copy`` in geoair.messages."""
    from geoair.store.transfer import copy_workspace, describe_copy

    report = copy_workspace(source, dest, readings_dir=readings_dir, replace=replace)
    for line in describe_copy(report):
        click.echo(line)
