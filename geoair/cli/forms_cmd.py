"""``geoair forms --month 2024-03 [--county 郊区]``: the documents' forms as Excel."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import echo_lines, get_workspace, workspace_option


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
    """Write the month's 附件2 problem list and 附件3 supervision summary (阳环函〔2024〕6号),
    the weekly dispatch tables (晋市生态环保委办〔2023〕4号) and the PM2.5-versus-target table
    (阳政办发〔2020〕131号 附件1) as Excel workbooks with the documents' headers."""
    from geoair.workflows.reports import FormsOptions, describe, run_forms

    ws = get_workspace(workspace_dir)
    options = FormsOptions(month=month, county=county, out_dir=out_dir)
    echo_lines(describe(run_forms(ws, options)))
