"""``geoair check``: verify a workspace and say what is wrong with it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from geoair.cli._options import workspace_option


@click.command("check")
@workspace_option
def command(workspace_dir: Path | None) -> None:
    """Check that the workspace is whole: workspace.gpkg is a GeoPackage that SQLite's
    integrity check passes, with the tables geoair needs, every layer readable, every
    readings file (Parquet) readable, geoair.toml valid. Changes nothing. Exit status 1
    when something is broken."""
    from geoair.store.check import check_workspace
    from geoair.store.open import ENV_VAR

    root = workspace_dir or os.environ.get(ENV_VAR) or Path.cwd()
    report = check_workspace(root)
    for line in report.checked:
        click.echo(f"ok: {line}")
    for line in report.notes:
        click.echo(f"note: {line}")
    for line in report.problems:
        click.secho(f"problem: {line}", fg="red", err=True)
    if report.ok:
        click.echo(f"{report.root}: the workspace is whole.")
    else:
        click.secho(f"{report.root}: {len(report.problems)} problem(s) found.", fg="red", err=True)
        sys.exit(1)
