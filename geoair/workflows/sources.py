"""Station-source correlation: sources near each station, and suspects upwind of it.

:func:`near_sources` lists, for each monitoring station, the enterprises, gangue
heaps, gate roads and parks within a radius, with the geodesic distance in metres and
the bearing from the station in degrees clockwise from north. It lives in
:mod:`geoair.near` (with :func:`gate_road_sources` and the layer names), which says
how they are measured; its names are re-exported here.

:func:`suspects` ranks, for each station and period, the sources near it by how well
their bearing matches the wind sectors that bring high concentrations:

    score = cpf × distance_weight
    cpf = CPF of the wind sectors, interpolated linearly between sector centres at
          the source's bearing (see :func:`geoair.wind.cpf`)
    distance_weight = 1 / (1 + distance_m / distance_scale_m)

and shows, beside the score, ``high_hours`` (high-concentration hours with wind
from the source's sector), ``lift`` (cpf divided by the share of high hours among
all windy hours: above 1 means high hours come from there more often than from an
average direction) and ``nwr_ratio`` (the direction-only wind regression at the
bearing divided by the mean concentration of windy hours). A source that contains
the station (distance 0, e.g. the park of a park station) has no bearing: it is
listed with the share of high hours among all windy hours as its cpf, but not
ranked, since it lies in every direction. A closer source in the same direction as
the true emitter scores higher than it: the ranking says where to look first, not
who is guilty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from geoair.errors import SchemaError
from geoair.io.paths import child
from geoair.sources import wind
from geoair.sources.near import (
    KIND_ZH,
    SOURCE_LAYERS,
    gate_road_sources,
    near_sources,
)
from geoair.sources.plots import polar_plots
from geoair.sources.suspects import find_station, parse_period, suspects

__all__ = [
    "demo_step",
    "describe",
    "load_wind",
    "plot_path",
    "source_layers",
    "station_plots",
    "station_wind_report",
    "suspect_options",
]


log = logging.getLogger(__name__)


def source_layers(ws, *, kinds: Sequence[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The source layers present in a workspace (all of :data:`SOURCE_LAYERS` by default)."""
    wanted = list(kinds) if kinds else list(SOURCE_LAYERS)
    unknown = [k for k in wanted if k not in SOURCE_LAYERS]
    if unknown:
        raise SchemaError(
            f"Unknown source layer(s) {', '.join(unknown)}; choose among "
            f"{', '.join(SOURCE_LAYERS)}."
        )
    out = {}
    for layer in wanted:
        frame = ws.read(layer, required=False)
        if frame is None:
            log.info("no %s layer in the workspace; skipped", layer)
            continue
        out[layer] = frame
    if "gate_roads" in out:
        enterprises = out.get("enterprises")
        if enterprises is None:
            enterprises = ws.read("enterprises", required=False)
        out["gate_roads"] = gate_road_sources(out["gate_roads"], enterprises)
    return out


def suspect_options(cfg: Mapping) -> dict:
    """Keyword options of :func:`suspects` from the ``[sources]`` settings."""
    return {
        "sectors": int(cfg["sectors"]),
        "percentile": float(cfg["cpf_percentile"]),
        "calm_ms": float(cfg["calm_ms"]),
        "distance_scale_m": float(cfg["distance_scale_m"]),
        "sigma_deg": float(cfg["nwr_sigma_deg"]),
        "min_windy_hours": int(cfg["min_windy_hours"]),
        "top_n": int(cfg["top_n"]),
    }


def load_wind(
    ws,
    *,
    pollutant: str,
    station_ids: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Hourly wind and ``pollutant`` of the workspace's stations as a wind frame.

    Only the hours of ``periods`` are read (an hour labelled by its end belongs to
    the period holding its start, so the first label read is the period's start
    plus one hour and the last its end).
    """
    from geoair.readings.store import load_hourly

    start = end = None
    if periods:
        bounds = [parse_period(p) for p in periods]
        start = min(b[0] for b in bounds) + pd.Timedelta(hours=1)
        end = max(b[1] for b in bounds)
    readings = load_hourly(
        ws, station_ids=station_ids, start=start, end=end, pollutants=[pollutant, "WS", "WD"]
    )
    return wind.wind_frame(readings, pollutant=pollutant)


def plot_path(ws, station_id: str, pollutant: str, period: str | None = None):
    """Where the polar-plot PNG of a station goes: ``outputs/sources/ID_POLLUTANT[_PERIOD].png``."""
    safe = re.sub(r"[^0-9A-Za-z._-]+", "", pollutant) or "pollutant"
    parts = [re.sub(r'[\\/:*?"<>|\s]+', "_", str(station_id)), safe]
    if period:
        parts.append(str(period).replace("/", "_"))
    # The station id comes from data: the name is made safe and kept inside the folder.
    return child(ws.outputs_dir / "sources", "_".join(parts), suffix=".png")


def station_wind_report(
    ws,
    *,
    station: str,
    pollutant: str,
    period: str,
    settings: Mapping | None = None,
    plot: bool = True,
) -> dict:
    """Wind rose, pollution rose, CPF and NWR of one station and period, and its PNG.

    Returns
    -------
    dict
        ``station`` (row), ``summary`` (dict, see :func:`geoair.wind.summary`),
        ``wind_rose``, ``pollution_rose``, ``cpf``, ``nwr`` (DataFrames),
        ``near`` (sources in range, by CPF at their bearing), ``png`` (path or None).
    """
    cfg = dict(settings or ws.settings["sources"])
    stations = ws.read("stations")
    row = find_station(stations, station)
    frame = load_wind(ws, pollutant=pollutant, station_ids=[str(row["id"])], periods=[period])
    lo, hi = parse_period(period)
    start = frame["time"] - pd.Timedelta(hours=1)
    frame = frame[(start >= lo) & (start < hi)]
    if frame["value"].notna().sum() == 0:
        raise SchemaError(
            f"Station {row['name']} has no {pollutant} hours with wind in "
            f"{period}. Check the period, or import its readings."
        )
    kw = {"sectors": int(cfg["sectors"]), "calm_ms": float(cfg["calm_ms"])}
    cpf_table = wind.cpf(frame, percentile=float(cfg["cpf_percentile"]), **kw)
    near = near_sources(
        stations[stations["id"] == row["id"]],
        source_layers(ws, kinds=cfg["layers"]),
        radius_m=float(cfg["radius_m"]),
        lines=False,
    )
    ranked = suspects(
        near,
        frame,
        pollutant=pollutant,
        periods=[period],
        lines=False,
        **{**suspect_options(cfg), "top_n": None},
    )
    report = {
        "station": row,
        "summary": wind.summary(
            frame,
            percentile=float(cfg["cpf_percentile"]),
            sigma_deg=float(cfg["nwr_sigma_deg"]),
            **kw,
        ),
        "wind_rose": wind.wind_rose(frame, **kw),
        "pollution_rose": wind.pollution_rose(frame, **kw),
        "cpf": cpf_table,
        "nwr": wind.nwr(
            frame,
            sigma_deg=float(cfg["nwr_sigma_deg"]),
            h_ms=float(cfg["nwr_h_ms"]),
            speed_kernel=cfg["nwr_speed_kernel"],
            calm_ms=kw["calm_ms"],
        ),
        "near": ranked,
        "png": None,
    }
    if plot:
        report["png"] = polar_plots(
            frame,
            plot_path(ws, row["id"], pollutant, period),
            title=f"{row['name']} {pollutant} {period}",
            pollutant=pollutant,
            percentile=float(cfg["cpf_percentile"]),
            sigma_deg=float(cfg["nwr_sigma_deg"]),
            h_ms=float(cfg["nwr_h_ms"]),
            speed_kernel=cfg["nwr_speed_kernel"],
            marks=ranked.head(3),
            **kw,
        )
    return report


def station_plots(
    ws,
    frame: pd.DataFrame,
    ranked: pd.DataFrame,
    *,
    pollutant: str,
    span: str,
    settings: Mapping | None = None,
) -> pd.DataFrame:
    """One polar-plot PNG per station over the whole of ``frame``, top 3 suspects marked.

    Returns
    -------
    pandas.DataFrame
        The ``source_plots`` table: ``station_id``, ``station_name``, ``pollutant``,
        ``period`` (``span``), ``png`` (path relative to the workspace root).
    """
    cfg = dict(settings or ws.settings["sources"])
    names = dict(zip(ranked["station_id"], ranked["station_name"], strict=False))
    top = ranked[ranked["rank"].notna()]
    rows = []
    for station_id, part in frame.groupby("station_id", sort=True):
        if station_id not in names or part["value"].notna().sum() == 0:
            continue
        marks = (
            top[top["station_id"] == station_id]
            .sort_values("score", ascending=False)
            .drop_duplicates("source_id")
            .head(3)
        )
        path = polar_plots(
            part,
            plot_path(ws, station_id, pollutant),
            pollutant=pollutant,
            title=f"{names[station_id]} {pollutant} {span}",
            sectors=int(cfg["sectors"]),
            percentile=float(cfg["cpf_percentile"]),
            calm_ms=float(cfg["calm_ms"]),
            sigma_deg=float(cfg["nwr_sigma_deg"]),
            h_ms=float(cfg["nwr_h_ms"]),
            speed_kernel=cfg["nwr_speed_kernel"],
            marks=marks,
        )
        rows.append(
            {
                "station_id": station_id,
                "station_name": names[station_id],
                "pollutant": pollutant,
                "period": span,
                "png": path.relative_to(ws.root).as_posix(),
            }
        )
    return pd.DataFrame(rows, columns=["station_id", "station_name", "pollutant", "period", "png"])


def describe(row) -> str:
    """One line about a suspect for people: name, kind, industry, distance, direction."""
    kind = KIND_ZH.get(row.source_kind, row.source_kind)
    industry = f", {row.industry}" if isinstance(row.industry, str) and row.industry else ""
    return (
        f"{row.name} [{kind}{industry}] {row.distance_m:.0f} m, {row.bearing_deg:.0f}° "
        f"{row.sector}, CPF {row.cpf:.2f}, score {row.score:.3f}"
    )


def demo_step(ws, echo) -> None:
    """Sources near the sample stations, suspects per quarter, polar plots per station."""
    cfg = ws.settings["sources"]
    if not ws.has("stations"):
        echo("  no stations layer in the workspace: sources skipped")
        return
    stations = ws.read("stations")
    near = near_sources(
        stations, source_layers(ws, kinds=cfg["layers"]), radius_m=float(cfg["radius_m"])
    )
    ws.write("station_sources", near)
    kinds = ", ".join(
        f"{KIND_ZH.get(k, k)} {n}" for k, n in near["source_kind"].value_counts().items()
    )
    echo(
        f"  station_sources: {len(near)} sources ({kinds}) within {cfg['radius_m']:g} m of "
        f"{near['station_id'].nunique()} of {len(stations)} stations"
    )
    try:
        from geoair.readings.store import has_hourly
    except ImportError:  # the readings capability is not installed in this checkout
        has_hourly = None
    if has_hourly is None or not has_hourly(ws):
        echo("  no hourly readings in the workspace: suspects skipped")
        return
    pollutant = str(cfg["pollutant"])
    frame = load_wind(ws, pollutant=pollutant, station_ids=list(near["station_id"].unique()))
    ranked = suspects(near, frame, pollutant=pollutant, freq="quarter", **suspect_options(cfg))
    plots = station_plots(ws, frame, ranked, pollutant=pollutant, span="全部时段", settings=cfg)
    with ws.transaction() as tx:
        tx.write("source_suspects", ranked)
        tx.write("source_plots", plots)
    leaders = ranked[ranked["rank"] == 1]
    echo(
        f"  source_suspects: {len(ranked)} rows, {leaders['station_id'].nunique()} stations "
        f"with wind, quarters {', '.join(sorted(leaders['period'].unique()))}"
    )
    kind_of = dict(zip(stations["id"].astype(str), stations.get("kind", ""), strict=False))
    shown = leaders.assign(national=leaders["station_id"].map(kind_of).eq("国控"))
    shown = shown.sort_values(["national", "station_id", "period"], ascending=[False, True, True])
    for row in shown.head(12).itertuples():
        echo(f"    {row.station_name} {row.period}: 1. {describe(row)}")
    if len(shown) > 12:
        echo(f"    ... {len(shown) - 12} more station-quarters in source_suspects")
    echo(
        f"  polar plots of {len(plots)} stations in {ws.outputs_dir / 'sources'} "
        "(table source_plots); one station and quarter: "
        "geoair sources wind --station NAME --period 2024-01/2024-03"
    )
