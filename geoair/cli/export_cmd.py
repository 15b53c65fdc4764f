"""``geoair export KIND --format F``: a workspace layer or table as a file for others."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, workspace_option

# The formats of geoair.reports.export.FORMATS, listed here so that --help stays fast.
FORMAT_NAMES = ("gpkg", "shp", "geojson", "kml", "parquet", "csv", "xlsx")


@click.command("export", cls=Command)
@click.argument("kind", metavar="KIND")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default=None,
)
@click.option(
    "--crs",
    "crs",
    default=None,
)
@click.option(
    "--encoding",
    default=None,
    type=click.Choice(["utf-8", "gbk"]),
)
@click.option(
    "--style-by",
    "style_by",
    default=None,
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)
@workspace_option
def command(
    kind: str,
    fmt: str | None,
    crs: str | None,
    encoding: str | None,
    style_by: str | None,
    out_path: Path | None,
    workspace_dir: Path | None,
) -> None:
    """``geoair export``; its help is ``help.export`` in geoair.messages."""
    from geoair.workflows.reports import ExportOptions, describe, run_export

    ws = get_workspace(workspace_dir)
    options = ExportOptions(
        kind=kind, fmt=fmt, crs=crs, encoding=encoding, style_by=style_by, out=out_path
    )
    echo_lines(describe(run_export(ws, options)))
