"""``geoair demo [DIR]``: the main job on the shipped sample data, offline."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import WORKSPACE, progress_for


@click.command("demo", cls=Command)
@click.argument("directory", type=WORKSPACE, default=Path("geoair-demo"))
@click.pass_context
def command(ctx: click.Context, directory: Path | str) -> None:
    """``geoair demo``; its help is ``help.demo`` in geoair.messages."""
    from geoair.messages import t
    from geoair.workflows.demo import run_demo

    detail = progress_for(ctx)

    def progress(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
        if done is not None and total is not None:  # a step begins
            click.echo(t("cli.demo.step", number=done + 1, total=total, title=message))
        else:
            detail(message)

    def show(number: int, total: int, title: str, lines: list[str]) -> None:
        for line in lines:
            click.echo("  " + line)

    ws = run_demo(directory, on_step=show, progress=progress)
    click.echo("")
    click.echo(t("cli.demo.workspace", root=ws.location))
    click.echo(t("cli.demo.gpkg", path=ws.store_label))
    click.echo(t("cli.demo.outputs", path=ws.outputs_dir))
    click.echo(t("cli.demo.try", folder=ws.location))
