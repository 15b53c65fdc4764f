"""``geoair scores parks|enterprises|assign``: monthly park ranking, enterprise scores."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Group
from geoair.cli._options import (
    echo_lines,
    get_workspace,
    month_option,
    out_option,
    progress_for,
    workspace_option,
    write_out,
)
from geoair.messages import language


def _is_sheet(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in {".xlsx", ".csv"}


@click.group("scores", cls=Group)
def command() -> None:
    """``geoair scores``; its help is ``help.scores`` in geoair.messages."""


@command.command("assign")
@workspace_option
@out_option
@click.pass_context
def assign(ctx: click.Context, workspace_dir: Path | None, out_path: Path | None) -> None:
    """``geoair scores assign``; its help is ``help.scores.assign`` in geoair.messages."""
    from geoair.workflows.scores import describe, run_assignment

    ws = get_workspace(workspace_dir)
    result = run_assignment(ws, progress=progress_for(ctx))
    echo_lines(describe(result))
    write_out(result.assignment, out_path, layer="site_assignment")


@command.command("parks")
@workspace_option
@month_option
@out_option
@click.pass_context
def parks(
    ctx: click.Context, workspace_dir: Path | None, month: str | None, out_path: Path | None
) -> None:
    """``geoair scores parks``; its help is ``help.scores.parks`` in geoair.messages."""
    from geoair.scores.parks import park_ranking_sheet
    from geoair.workflows.scores import ScoresOptions, describe, run_park_scores

    ws = get_workspace(workspace_dir)
    result = run_park_scores(ws, ScoresOptions(month=month), progress=progress_for(ctx))
    echo_lines(describe(result))
    if out_path is not None:
        # A report sheet: the monthly ranking with the documents' headers (in English,
        # the full table with its identifiers).
        sheet = _is_sheet(out_path) and language() == "zh"
        frame = park_ranking_sheet(result.table) if sheet else result.table
        write_out(frame, out_path, layer="园区排名" if sheet else "park_scores")


@command.command("enterprises")
@workspace_option
@month_option
@click.option(
    "--benchmark",
    is_flag=True,
)
@out_option
@click.pass_context
def enterprises(
    ctx: click.Context,
    workspace_dir: Path | None,
    month: str | None,
    benchmark: bool,
    out_path: Path | None,
) -> None:
    """``geoair scores enterprises``; its help is ``help.scores.enterprises`` in geoair.messages."""
    from geoair.scores.enterprises import enterprise_ranking_sheet
    from geoair.workflows.scores import ScoresOptions, describe, run_enterprise_scores

    ws = get_workspace(workspace_dir)
    options = ScoresOptions(month=month, benchmark=benchmark)
    result = run_enterprise_scores(ws, options, progress=progress_for(ctx))
    echo_lines(describe(result))
    if out_path is not None:
        table = result.table
        if _is_sheet(out_path) and language() == "zh":
            frame = enterprise_ranking_sheet(table, benchmark_only=benchmark)
            name = "标杆企业候选" if benchmark else "企业得分"
        else:
            frame = table[table["benchmark"]] if benchmark else table
            name = "enterprise_scores"
        write_out(frame, out_path, layer=name)
