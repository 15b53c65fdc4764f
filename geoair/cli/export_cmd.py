"""``geoair export KIND --format F``: a workspace layer or table as a file for others."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option
from geoair.reports.export import FORMATS


@click.command("export")
@click.argument("kind", metavar="KIND")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
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
    from geoair.reports.export import export_layer

    ws = get_workspace(workspace_dir)
    settings = ws.settings["export"]
    if fmt is None:
        suffix = out_path.suffix.lower().lstrip(".") if out_path is not None else ""
        fmt = {"json": "geojson", "geoparquet": "parquet"}.get(suffix, suffix) or "gpkg"
        if fmt not in FORMATS:
            raise click.BadParameter(
                f"cannot tell the format from {out_path.name}; give --format.", param_hint="--out"
            )
    written = export_layer(
        ws,
        kind,
        fmt=fmt,
        out=out_path,
        crs=crs or settings["crs"],
        encoding=encoding or settings["shapefile_encoding"],
        style_by=style_by,
    )
    for path in written:
        click.echo(f"wrote {path}")
