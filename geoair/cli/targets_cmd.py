"""``geoair targets check``: indicators against the targets and the dustfall limits."""

from __future__ import annotations

import re
from pathlib import Path

import click

from geoair.cli._options import get_workspace, out_option, workspace_option, write_out


@click.group("targets")
def command() -> None:
    """Targets (imported with geoair import targets FILE) and their check."""


@command.command("check")
@click.option(
    "--month",
    "months",
    multiple=True,
    help="Only this month, e.g. 2020-11 (repeatable). Default: every target.",
)
@click.option(
    "--period",
    "spans",
    multiple=True,
    help="Only this target period, e.g. 2020-10/2020-12 (repeatable).",
)
@workspace_option
@out_option
def check(
    months: tuple[str, ...],
    spans: tuple[str, ...],
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """Compare PM2.5 and good days (and any other metric in the targets table) per station,
    county and city with their targets, and dustfall with the limit in geoair.toml:
    actual, target, difference, met or not, and validity. Writes targets_check."""
    from geoair.workflows.targets import check_workspace

    for value in months:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise click.BadParameter(
                f"{value!r} is not a month; write it as 2020-11.", param_hint="--month"
            )
    for value in spans:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])/\d{4}-(0[1-9]|1[0-2])", value):
            raise click.BadParameter(
                f"{value!r} is not a period; write it as 2020-10/2020-12.", param_hint="--period"
            )
    ws = get_workspace(workspace_dir)
    periods = [*months, *spans] or None
    table = check_workspace(ws, periods=periods)
    ws.write("targets_check", table)
    judged = table[table["met"].notna()]
    met = int(judged["met"].astype(bool).sum())
    click.echo(
        f"targets_check: {len(table)} targets: {met} met, {len(judged) - met} missed, "
        f"{int(table['met'].isna().sum())} not judged (invalid or no data)"
    )
    unknown = table[table["days_unknown"].fillna(0) > 0]
    for row in unknown.itertuples(index=False):
        click.echo(
            f"  {row.days_unknown} days unknown (incomplete, not counted): {row.scope} "
            f"{row.target_name} {row.period} {row.metric} = {row.actual:g}; {row.validity}"
        )
    for row in table[table["met"] == False].itertuples(index=False):  # noqa: E712
        click.echo(
            f"  missed: {row.scope} {row.target_name} {row.period} {row.metric}: "
            f"{row.actual:g} vs target {row.target:g}"
        )
    write_out(table, out_path, layer="targets_check")
