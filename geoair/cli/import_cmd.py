"""``geoair import KIND FILE...``: validated import of a layer, record table or readings."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._help import Command
from geoair.cli._options import echo_lines, get_workspace, progress_for, workspace_option


@click.command("import", cls=Command)
@click.argument("kind", metavar="KIND")
@click.argument(
    "files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@workspace_option
@click.option(
    "--coords",
    default=None,
)
@click.option("--encoding", default=None)
@click.option("--sheet", default=None)
@click.option("--layer", "layer_name", default=None)
@click.option(
    "--date",
    "record_date",
    default=None,
)
@click.option(
    "--units",
    "units",
    multiple=True,
    metavar="POLLUTANT=UNIT",
)
@click.option(
    "--replace",
    is_flag=True,
)
@click.pass_context
def command(
    ctx: click.Context,
    kind: str,
    files: tuple[Path, ...],
    workspace_dir: Path | None,
    coords: str | None,
    encoding: str | None,
    sheet: str | None,
    layer_name: str | None,
    record_date: str | None,
    units: tuple[str, ...],
    replace: bool,
) -> None:
    """``geoair import``; its help is ``help.import`` in geoair.messages."""
    from geoair.errors import SchemaError
    from geoair.workflows.imports import (
        ImportOptions,
        check_options,
        describe,
        importer_for,
        run_import,
    )

    importer_for(kind)  # an unknown kind is refused before the workspace is opened
    options = ImportOptions(
        kind=kind,
        path=files[0],
        more_paths=files[1:],
        coords=coords,
        encoding=encoding,
        sheet=sheet,
        layer=layer_name,
        record_date=record_date,
        replace=replace,
        units=units,
    )
    try:
        check_options(options)
    except SchemaError as exc:
        raise click.UsageError(str(exc)) from None
    ws = get_workspace(workspace_dir)
    report = run_import(ws, options, progress=progress_for(ctx))
    echo_lines(describe(report))
