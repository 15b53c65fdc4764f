"""``geoair forms --month 2024-03 [--county 郊区]``: the documents' forms as Excel."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option


@click.command("forms")
@click.option("--month", required=True, help="The month reported, e.g. 2024-03.")
@click.option(
    "--county",
    default=None,
    help="Only this county (e.g. 郊区); its name goes into the titles. Default: the whole city.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the workbooks (default: outputs/forms-MONTH in the workspace).",
)
@workspace_option
def command(
    month: str, county: str | None, out_dir: Path | None, workspace_dir: Path | None
) -> None:
    """Write the month's 附件2 problem list and 附件3 supervision summary (seed 000), the
    weekly dispatch tables (seed 002) and the PM2.5-versus-target table (seed 004 annex 1)
    as Excel workbooks with the documents' headers."""
    from geoair.reports.forms import write_forms

    ws = get_workspace(workspace_dir)
    report = write_forms(ws, month=month, county=county, folder=out_dir)
    for path in report.written:
        click.echo(f"wrote {path}")
    for reason in report.skipped:
        click.echo(f"skipped {reason}")
