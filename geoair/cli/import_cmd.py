"""``geoair import KIND FILE...``: validated import of a layer, record table or readings."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import echo_lines, get_workspace, progress_for, workspace_option


@click.command("import")
@click.argument("kind", metavar="KIND")
@click.argument(
    "files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@workspace_option
@click.option(
    "--coords",
    default=None,
    help="Coordinate system of the file: wgs84 (GPS, Tianditu), gcj02 (Amap, "
    "Tencent), bd09 (Baidu) or EPSG:n. Default: the file's own, else "
    "[workspace] default_coords in geoair.toml.",
)
@click.option("--encoding", default=None, help="Text encoding (utf-8, gbk); default: detected.")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet).")
@click.option("--layer", "layer_name", default=None, help="Layer of a multi-layer file.")
@click.option(
    "--date",
    "record_date",
    default=None,
    help="Inspection date for a checklist (附件2) that has no 检查日期 column; the year of "
    "the printed target annexes (targets_annex).",
)
@click.option(
    "--units",
    "units",
    multiple=True,
    metavar="POLLUTANT=UNIT",
    help="Readings only: the unit of a column, e.g. --units CO=ug/m3 (also µg/m³, mg/m3); "
    "repeatable. A column without a declared unit whose values are mostly implausible is "
    "refused as a unit error.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the whole layer instead of adding to it (rows with the same id "
    "are always replaced).",
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
    """Import FILE as KIND into the workspace.

    KIND is one of: enterprises, gates, parks, stations, gangue_heaps, roads, counties,
    inspections (附件2 checklist), cases (附件3 summary), targets, road_dust, readings
    (hourly), dustfall (monthly), targets_annex (the target annexes as printed). Rows
    that cannot be imported go to rejects/KIND-FILENAME.csv with their row number and
    the reason; the others are imported. Readings take several files or folders at once
    (the national platform's archive is one file per hour).
    """
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
