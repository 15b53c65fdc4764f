"""``geoair import KIND FILE``: validated import of a layer, record table or readings."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option
from geoair.store.schema import KINDS

# Kinds imported by other capabilities' own functions ("module:function"), each taking
# (ws, path, *, encoding, sheet, coords, date, echo) and reporting through echo.
EXTRA_KINDS: dict[str, str] = {
    "readings": "geoair.readings.importing:import_readings",
    "dustfall": "geoair.readings.importing:import_dustfall",
    "targets_annex": "geoair.readings.annex_targets:import_annex_targets",
}


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
    help="Inspection date for a checklist (附件2) that has no 检查日期 column.",
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
def command(
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
    inspections (附件2 checklist), cases (附件3 summary), targets, and the kinds other
    capabilities add (readings...). Rows that cannot be imported go to
    rejects/KIND-FILENAME.csv with their row number and the reason; the others are imported.
    Readings take several files or folders at once (the national platform's archive is
    one file per hour).
    """
    ws = get_workspace(workspace_dir)
    if kind == "readings":
        from geoair.readings.importing import import_readings

        import_readings(
            ws, list(files), encoding=encoding, sheet=sheet, units=units, echo=click.echo
        )
        return
    if units:
        raise click.UsageError(
            "--units 只用于监测数据（readings）。 / --units is for readings only."
        )
    if len(files) > 1:
        raise click.UsageError(
            f"{kind}：一次只能导入一个文件（只有 readings 可以一次导入多个文件或文件夹）。 / "
            f"{kind}: one file at a time (only readings take several files or a folder)."
        )
    file = files[0]
    if kind in EXTRA_KINDS:
        module_name, function_name = EXTRA_KINDS[kind].split(":")
        function = getattr(importlib.import_module(module_name), function_name)
        function(
            ws,
            file,
            encoding=encoding,
            sheet=sheet,
            coords=coords,
            date=record_date,
            echo=click.echo,
        )
        return
    from geoair.imports.pipeline import import_file

    if kind not in KINDS:
        from geoair.store.schema import spec_for

        spec_for(kind)  # raises with the list of kinds
    report = import_file(
        ws,
        kind,
        file,
        coords=coords,
        encoding=encoding,
        sheet=sheet,
        layer=layer_name,
        record_date=record_date,
        replace=replace,
    )
    click.echo(report.summary())
