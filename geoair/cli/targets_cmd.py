"""``geoair targets check``: indicators against the targets and the dustfall limits."""

from __future__ import annotations

import re
from pathlib import Path

import click

from geoair.cli._help import Group
from geoair.cli._options import (
    echo_lines,
    get_workspace,
    out_option,
    progress_for,
    workspace_option,
    write_out,
)
from geoair.messages import t


@click.group("targets", cls=Group)
def command() -> None:
    """``geoair targets``; its help is ``help.targets`` in geoair.messages."""


@command.command("check")
@click.option(
    "--month",
    "months",
    multiple=True,
)
@click.option(
    "--period",
    "spans",
    multiple=True,
)
@workspace_option
@out_option
@click.pass_context
def check(
    ctx: click.Context,
    months: tuple[str, ...],
    spans: tuple[str, ...],
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """``geoair targets check``; its help is ``help.targets.check`` in geoair.messages."""
    from geoair.workflows.targets import TargetsCheckOptions, describe, run_targets_check

    for value in months:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise click.BadParameter(t("cli.bad_month", value=value), param_hint="--month")
    for value in spans:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])/\d{4}-(0[1-9]|1[0-2])", value):
            raise click.BadParameter(t("cli.bad_span", value=value), param_hint="--period")
    ws = get_workspace(workspace_dir)
    options = TargetsCheckOptions(periods=(*months, *spans))
    result = run_targets_check(ws, options, progress=progress_for(ctx))
    echo_lines(describe(result))
    write_out(result.check, out_path, layer="targets_check")
