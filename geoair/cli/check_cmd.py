"""``geoair check``: verify a workspace and say what is wrong with it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import workspace_option


@click.command("check", cls=Command)
@workspace_option
def command(workspace_dir: Path | None) -> None:
    """``geoair check``; its help is ``help.check`` in geoair.messages."""
    from geoair.messages import in_language, t
    from geoair.store.check import check_workspace
    from geoair.store.open import ENV_VAR

    root = workspace_dir or os.environ.get(ENV_VAR) or Path.cwd()
    report = check_workspace(root)
    for line in report.checked:
        click.echo(t("cli.check.ok", line=in_language(line)))
    for line in report.notes:
        click.echo(t("cli.check.note", line=in_language(line)))
    for line in report.problems:
        click.secho(t("cli.check.problem", line=in_language(line)), fg="red", err=True)
    if report.ok:
        click.echo(t("cli.check.whole", root=report.root))
    else:
        click.secho(
            t("cli.check.broken", root=report.root, n=len(report.problems)), fg="red", err=True
        )
        sys.exit(1)
