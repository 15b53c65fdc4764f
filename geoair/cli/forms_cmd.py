"""``geoair forms --month 2024-03 [--county 郊区]``: the documents' forms as Excel."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, workspace_option


@click.command("forms", cls=Command)
@click.option("--month", required=True)
@click.option(
    "--county",
    default=None,
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
)
@workspace_option
def command(
    month: str, county: str | None, out_dir: Path | None, workspace_dir: Path | None
) -> None:
    """``geoair forms``; its help is ``help.forms`` in geoair.messages."""
    from geoair.workflows.reports import FormsOptions, describe, run_forms

    ws = get_workspace(workspace_dir)
    options = FormsOptions(month=month, county=county, out_dir=out_dir)
    echo_lines(describe(run_forms(ws, options)))
