"""``geoair surface POLLUTANT --period 2024-01``: an IDW GeoTIFF and zonal statistics."""

from __future__ import annotations

from pathlib import Path

import click

from geoair.cli._options import get_workspace, workspace_option


@click.command("surface")
@click.argument("pollutant", metavar="POLLUTANT")
@click.option("--period", required=True, help="The month, e.g. 2024-01.")
@click.option(
    "--method",
    type=click.Choice(["idw"]),
    default="idw",
    show_default=True,
    help="Interpolation method: inverse distance weighting ([surface] idw_power, "
    "idw_k in geoair.toml).",
)
@click.option(
    "--cell",
    "cell_m",
    type=float,
    default=None,
    help="Cell size in metres (default: [surface] cell_m, 500).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="GeoTIFF file (default: outputs/surface_POLLUTANT_PERIOD.tif).",
)
@click.option(
    "--zones-out",
    "zones_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the zonal statistics to this file (.xlsx, .csv, .gpkg, .geojson).",
)
@workspace_option
def command(
    pollutant: str,
    period: str,
    method: str,
    cell_m: float | None,
    out_path: Path | None,
    zones_path: Path | None,
    workspace_dir: Path | None,
) -> None:
    """Interpolate the month's station values of POLLUTANT (PM2.5, PM10, SO2, NO2, CO, O3
    or dustfall) over the counties to a GeoTIFF, with mean/min/max per county and park
    (workspace layer surface_zones)."""
    from geoair.cli._options import write_out
    from geoair.reports.surface import ZONES_LAYER, make_surface

    ws = get_workspace(workspace_dir)
    surface, path, zones = make_surface(ws, pollutant, period=period, cell_m=cell_m, out=out_path)
    click.echo(surface.summary)
    click.echo(f"wrote {path}")
    if len(zones):
        click.echo(f"zonal statistics of {len(zones)} counties and parks in layer {ZONES_LAYER}")
        for row in zones.itertuples():
            click.echo(
                f"  {row.zone_kind} {row.zone}: mean {row.mean:.1f} {row.unit} "
                f"(cells {row.cells}, stations inside {row.stations_inside})"
            )
        write_out(zones, zones_path, layer=ZONES_LAYER)
