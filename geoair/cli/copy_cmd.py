"""``geoair copy SOURCE DEST``: move a whole workspace between a folder and a database."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import WORKSPACE


@click.command("copy")
@click.argument("source", type=WORKSPACE)
@click.argument("dest", type=WORKSPACE)
@click.option(
    "--readings",
    "readings_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where a new database workspace keeps its readings (default ./readings).",
)
@click.option(
    "--replace", is_flag=True, help="Overwrite the layers and readings DEST already holds."
)
def command(source: Path | str, dest: Path | str, readings_dir: Path | None, replace: bool) -> None:
    """Copy every layer, table, the settings and the readings of the workspace SOURCE
    into DEST, a folder or postgresql://user@host[:port]/db[?schema=NAME], either way;
    report the rows of each table on both sides.

    \b
    geoair copy ./geoair-demo postgresql://analyst@gis-server/bureau
    geoair copy postgresql://analyst@gis-server/bureau ./backup-2024-03
    """
    from geoair.store.transfer import copy_workspace, describe_copy

    report = copy_workspace(source, dest, readings_dir=readings_dir, replace=replace)
    for line in describe_copy(report):
        click.echo(line)
