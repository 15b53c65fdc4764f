"""``geoair sources near|wind|suspects``: sources upwind of monitoring stations."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from geoair.cli._options import (
    engine_options,
    get_workspace,
    open_engine,
    out_option,
    workspace_option,
    write_out,
)


def _settings(ws, **given) -> dict:
    cfg = dict(ws.settings["sources"])
    cfg.update({k: v for k, v in given.items() if v is not None})
    return cfg


@click.group("sources")
def command() -> None:
    """Sources near stations, wind analysis, and suspects upwind of high hours.

    \b
    geoair sources near --radius 5000 --out near.xlsx
    geoair sources wind --station 赛鱼站 --pollutant PM2.5 --period 2020-10/2020-12
    geoair sources suspects --pollutant PM2.5 --freq month --out suspects.xlsx
    """


_radius = click.option(
    "--radius",
    "radius_m",
    type=float,
    default=None,
    help="Search radius in metres (default: [sources] radius_m, 5000).",
)
_layers = click.option(
    "--layers",
    default=None,
    help="Comma-separated source layers (default: enterprises, "
    "gangue_heaps, gate_roads, parks; those missing are skipped).",
)


def _near(ws, cfg, engine=None):
    from geoair.sources.near import near_sources
    from geoair.workflows.sources import source_layers

    layers = cfg["layers"]
    if isinstance(layers, str):
        layers = [part.strip() for part in layers.split(",") if part.strip()]
    compute = near_sources if engine is None else engine.near_sources
    return compute(
        ws.read("stations"), source_layers(ws, kinds=layers), radius_m=float(cfg["radius_m"])
    )


@command.command("near")
@_radius
@_layers
@workspace_option
@out_option
@engine_options
def near_command(
    radius_m: float | None,
    layers: str | None,
    workspace_dir: Path | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """List the enterprises, heaps, gate roads and parks near each station, with distance
    (m) and bearing from the station (degrees from north). Workspace layer: station_sources."""
    ws = get_workspace(workspace_dir)
    cfg = _settings(ws, radius_m=radius_m, layers=layers)
    with open_engine(engine, scheduler, workers) as runner:
        near = _near(ws, cfg, runner)
    ws.write("station_sources", near)
    stations = near["station_id"].nunique()
    click.echo(
        f"{len(near)} sources within {cfg['radius_m']:g} m of {stations} stations "
        "(workspace layer station_sources)"
    )
    for kind, count in near["source_kind"].value_counts().items():
        click.echo(f"  {kind}: {count}")
    write_out(near.drop(columns="geometry"), out_path, layer="station_sources")


@command.command("wind")
@click.option("--station", required=True, help="Station name or id, e.g. 赛鱼站.")
@click.option("--pollutant", default=None, help="e.g. PM2.5 (default: [sources] pollutant).")
@click.option(
    "--period",
    required=True,
    help="A month (2020-10), a range of months (2020-10/2020-12) or a year (2020).",
)
@click.option("--sectors", type=int, default=None, help="Wind sectors, 16 or 36.")
@click.option(
    "--percentile",
    "cpf_percentile",
    type=float,
    default=None,
    help="CPF threshold percentile (default 75).",
)
@workspace_option
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the numbers to this Excel file (.xlsx), one sheet per table.",
)
def wind_command(
    station: str,
    pollutant: str | None,
    period: str,
    sectors: int | None,
    cpf_percentile: float | None,
    workspace_dir: Path | None,
    out_path: Path | None,
) -> None:
    """Wind rose, pollution rose, CPF and wind regression of one station and period, as
    numbers and as a PNG of polar plots (outputs/sources/)."""
    from geoair.workflows.sources import describe, station_wind_report

    ws = get_workspace(workspace_dir)
    cfg = _settings(ws, pollutant=pollutant, sectors=sectors, cpf_percentile=cpf_percentile)
    pollutant = str(cfg["pollutant"])
    report = station_wind_report(
        ws, station=station, pollutant=pollutant, period=period, settings=cfg
    )
    s = report["summary"]
    name = report["station"]["name"]
    click.echo(
        f"{name} {pollutant} {period}: {s['hours']} hours, mean {s['mean_conc']:.1f}; "
        f"calm {s['calm_hours']} h, no wind {s['missing_wind']} h"
    )
    click.echo(
        f"  vector-mean wind from {s['vector_mean_wd_deg']:.0f}°, mean speed "
        f"{s['mean_ws_ms']:.1f} m/s"
    )
    click.echo(
        f"  CPF ≥ {s['threshold']:.1f} (P{cfg['cpf_percentile']:g}): peak "
        f"{s['cpf_peak']:.2f} from {s['cpf_peak_deg']:.0f}°; NWR peak from "
        f"{s['nwr_peak_deg']:.0f}°"
    )
    near = report["near"]
    ranked = near[near["rank"].notna()].head(5)
    for row in ranked.itertuples():
        click.echo(f"  #{row.rank} {describe(row)}")
    if len(near) == 0:
        click.echo(f"  no sources within {cfg['radius_m']:g} m")
    click.echo(f"wrote {report['png']}")
    if out_path is not None:
        _write_sheets(
            out_path,
            {
                "summary": pd.DataFrame(
                    [{"station": name, "pollutant": pollutant, "period": period, **s}]
                ),
                "cpf": report["cpf"],
                "wind_rose": report["wind_rose"],
                "pollution_rose": report["pollution_rose"],
                "nwr": report["nwr"],
                "sources": near.drop(columns=["geometry"], errors="ignore"),
            },
        )
        click.echo(f"wrote {out_path}")


@command.command("suspects")
@click.option("--pollutant", default=None, help="e.g. PM2.5 (default: [sources] pollutant).")
@click.option(
    "--period",
    "periods",
    multiple=True,
    help="Period to rank (repeatable): 2020-10, 2020-10/2020-12 or 2020. "
    "Default: every --freq period with data.",
)
@click.option(
    "--freq",
    type=click.Choice(["month", "quarter", "year"]),
    default=None,
    help="Periods when --period is not given (default: [sources] freq, month).",
)
@click.option(
    "--station", "station_names", multiple=True, help="Only this station (name or id; repeatable)."
)
@_radius
@_layers
@click.option(
    "--plots/--no-plots",
    "plots_wanted",
    default=True,
    show_default=True,
    help="Draw each station's polar plots over the whole span (outputs/sources/).",
)
@workspace_option
@out_option
@engine_options
def suspects_command(
    pollutant: str | None,
    periods: tuple[str, ...],
    freq: str | None,
    station_names: tuple[str, ...],
    radius_m: float | None,
    layers: str | None,
    plots_wanted: bool,
    workspace_dir: Path | None,
    out_path: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Rank, for each station and period, the sources in range by how well their bearing
    matches the wind sectors of high hours, weighted by distance (workspace layers
    source_suspects and source_plots)."""
    from geoair.sources.suspects import find_station, suspects
    from geoair.workflows import sources

    ws = get_workspace(workspace_dir)
    cfg = _settings(ws, pollutant=pollutant, radius_m=radius_m, layers=layers, freq=freq)
    pollutant = str(cfg["pollutant"])
    with open_engine(engine, scheduler, workers) as runner:
        near = _near(ws, cfg, runner)
    if station_names:
        stations = ws.read("stations")
        ids = [str(find_station(stations, s)["id"]) for s in station_names]
        near = near[near["station_id"].isin(ids)]
    if len(near) == 0:
        click.echo(f"no station has a source within {cfg['radius_m']:g} m: nothing to rank")
        return
    frame = sources.load_wind(
        ws,
        pollutant=pollutant,
        station_ids=list(near["station_id"].unique()),
        periods=list(periods) or None,
    )
    ranked = suspects(
        near,
        frame,
        pollutant=pollutant,
        periods=list(periods) or None,
        freq=str(cfg["freq"]),
        **sources.suspect_options(cfg),
    )
    plots = None
    if plots_wanted:
        span = ", ".join(periods) if periods else "全部时段"
        plots = sources.station_plots(
            ws, frame, ranked, pollutant=pollutant, span=span, settings=cfg
        )
    with ws.transaction() as tx:
        tx.write(
            "source_suspects",
            _keep_other_stations(ws, "source_suspects", ranked, bool(station_names)),
        )
        if plots is not None and len(plots):
            tx.write(
                "source_plots", _keep_other_stations(ws, "source_plots", plots, bool(station_names))
            )
    leaders = ranked[ranked["rank"] == 1]
    click.echo(
        f"{len(ranked)} suspects for {ranked['station_id'].nunique()} stations and "
        f"{ranked['period'].nunique()} periods (workspace layer source_suspects)"
    )
    for row in leaders.head(20).itertuples():
        click.echo(f"  {row.station_name} {row.period}: {sources.describe(row)}")
    if len(leaders) > 20:
        click.echo(f"  ... and {len(leaders) - 20} more station-periods")
    if plots is not None and len(plots):
        click.echo(
            f"polar plots of {len(plots)} stations in "
            f"{ws.outputs_dir / 'sources'} (workspace table source_plots)"
        )
    write_out(ranked.drop(columns="geometry"), out_path, layer="source_suspects")


def _keep_other_stations(ws, name: str, new: pd.DataFrame, only_some: bool) -> pd.DataFrame:
    """With --station, the stations not asked about keep their earlier rows."""
    old = ws.read(name, required=False) if only_some else None
    if old is None or len(old) == 0:
        return new
    kept = old[~old["station_id"].astype(str).isin(set(new["station_id"].astype(str)))]
    merged = pd.concat([kept.reindex(columns=new.columns), new], ignore_index=True)
    if hasattr(new, "geometry"):
        import geopandas as gpd

        merged = gpd.GeoDataFrame(merged, geometry=new.geometry.name, crs=new.crs)
    return merged


def _write_sheets(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    from geoair.errors import OutputError
    from geoair.io.writers import atomic_path

    if path.suffix.lower() != ".xlsx":
        raise OutputError(
            f"--out {path}: the wind tables are several sheets; give an .xlsx file name."
        )
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
