"""``geoair export KIND --format F``: a workspace layer or table as a file for others."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import echo_lines, get_workspace, workspace_option

# The formats of geoair.reports.export.FORMATS, listed here so that --help stays fast.
FORMAT_NAMES = ("gpkg", "shp", "geojson", "kml", "parquet", "csv", "xlsx")


@click.command("export")
@click.argument("kind", metavar="KIND")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default=None,
    help="gpkg (QGIS), shp (older GIS), geojson (web), kml (tablets, phone map "
    "apps), parquet (GeoParquet), csv or xlsx (Excel). Default: from --out's "
    "extension, else gpkg.",
)
@click.option(
    "--crs",
    "crs",
    default=None,
    help="wgs84 (default), cgcs2000 (EPSG:4490), gcj02 (Amap/Tencent apps; the file "
    "name gets _GCJ02) or EPSG:n. Default: [export] crs in geoair.toml.",
)
@click.option(
    "--encoding",
    default=None,
    type=click.Choice(["utf-8", "gbk"]),
    help="Shapefile text encoding (a .cpg file names it). Default: [export] "
    "shapefile_encoding in geoair.toml.",
)
@click.option(
    "--style-by",
    "style_by",
    default=None,
    help="KML: the field whose values choose colours and folders (default: status, "
    "kind, treatment... whichever the layer has).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (default: outputs/KIND.EXT in the workspace).",
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
    """Write layer or table KIND of the workspace to a file: enterprises, gates, parks,
    gate_roads, park_scores, patrol_routes... (an unknown KIND gets the list of what the
    workspace holds)."""
    from geoair.workflows.reports import ExportOptions, describe, run_export

    ws = get_workspace(workspace_dir)
    options = ExportOptions(
        kind=kind, fmt=fmt, crs=crs, encoding=encoding, style_by=style_by, out=out_path
    )
    echo_lines(describe(run_export(ws, options)))
