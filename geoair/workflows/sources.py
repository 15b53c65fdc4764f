"""Station-source correlation for a workspace: sources near stations, wind, suspects.

``geoair sources near|wind|suspects`` and the demo call :func:`run_near`,
:func:`run_wind` and :func:`run_suspects`. How distances and bearings are measured is
:mod:`geoair.sources.near`; the wind statistics (wind and pollution roses, CPF, NWR)
are :mod:`geoair.sources.wind`; how suspects are scored is
:mod:`geoair.sources.suspects`; the polar plots are :mod:`geoair.sources.plots`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import geopandas as gpd
import pandas as pd

from geoair.errors import SchemaError
from geoair.io.paths import child
from geoair.messages import language, t, word
from geoair.progress import Progress, silent
from geoair.sources import wind
from geoair.sources.near import SOURCE_LAYERS, gate_road_sources, near_sources
from geoair.sources.plots import polar_plots
from geoair.sources.suspects import find_station, parse_period, suspects
from geoair.store.settings import SourcesSettings, overridden
from geoair.store.workspace import Workspace

if TYPE_CHECKING:
    from geoair.distributed.engine import DaskEngine

__all__ = [
    "NearResult",
    "SourcesOptions",
    "SuspectsResult",
    "WindResult",
    "describe",
    "load_wind",
    "plot_path",
    "run_near",
    "run_suspects",
    "run_wind",
    "source_layers",
    "station_plots",
    "station_wind_report",
    "suspect_line",
    "suspect_options",
]


log = logging.getLogger(__name__)

# [sources] nwr_speed_kernel is a str whose choices are checked when the settings are read.
_SpeedKernel = Literal["epanechnikov", "gaussian"]


def source_layers(
    ws: Workspace, *, kinds: Sequence[str] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The source layers present in a workspace (all of :data:`SOURCE_LAYERS` by default)."""
    wanted = list(kinds) if kinds else list(SOURCE_LAYERS)
    unknown = [k for k in wanted if k not in SOURCE_LAYERS]
    if unknown:
        raise SchemaError(
            t(
                "error.sources.unknown_layers",
                names=", ".join(unknown),
                choices=", ".join(SOURCE_LAYERS),
            )
        )
    out: dict[str, gpd.GeoDataFrame] = {}
    for layer in wanted:
        frame = cast("gpd.GeoDataFrame | None", ws.read(layer, required=False))
        if frame is None:
            log.info("no %s layer in the workspace; skipped", layer)
            continue
        out[layer] = frame
    if "gate_roads" in out:
        enterprises = out.get("enterprises")
        if enterprises is None:
            enterprises = cast("gpd.GeoDataFrame | None", ws.read("enterprises", required=False))
        out["gate_roads"] = gate_road_sources(out["gate_roads"], enterprises)
    return out


def suspect_options(cfg: SourcesSettings) -> dict[str, Any]:
    """Keyword options of :func:`~geoair.sources.suspects.suspects` from ``[sources]``."""
    return {
        "sectors": cfg.sectors,
        "percentile": cfg.cpf_percentile,
        "calm_ms": cfg.calm_ms,
        "distance_scale_m": cfg.distance_scale_m,
        "sigma_deg": cfg.nwr_sigma_deg,
        "min_windy_hours": cfg.min_windy_hours,
        "top_n": cfg.top_n,
    }


def load_wind(
    ws: Workspace,
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


def plot_path(ws: Workspace, station_id: str, pollutant: str, period: str | None = None) -> Path:
    """Where the polar-plot PNG of a station goes: ``outputs/sources/ID_POLLUTANT[_PERIOD].png``."""
    safe = re.sub(r"[^0-9A-Za-z._-]+", "", pollutant) or "pollutant"
    parts = [re.sub(r'[\\/:*?"<>|\s]+', "_", str(station_id)), safe]
    if period:
        parts.append(str(period).replace("/", "_"))
    # The station id comes from data: the name is made safe and kept inside the folder.
    return child(ws.outputs_dir / "sources", "_".join(parts), suffix=".png")


def station_wind_report(
    ws: Workspace,
    *,
    station: str,
    pollutant: str,
    period: str,
    settings: SourcesSettings | None = None,
    plot: bool = True,
) -> dict[str, Any]:
    """Wind rose, pollution rose, CPF and NWR of one station and period, and its PNG.

    Returns
    -------
    dict
        ``station`` (row), ``summary`` (dict, see :func:`geoair.sources.wind.summary`),
        ``wind_rose``, ``pollution_rose``, ``cpf``, ``nwr`` (DataFrames),
        ``near`` (sources in range, by CPF at their bearing), ``png`` (path or None).
    """
    cfg = settings or ws.settings.sources
    stations = ws.read("stations")
    row = find_station(stations, station)
    frame = load_wind(ws, pollutant=pollutant, station_ids=[str(row["id"])], periods=[period])
    lo, hi = parse_period(period)
    start = frame["time"] - pd.Timedelta(hours=1)
    frame = frame[(start >= lo) & (start < hi)]
    if frame["value"].notna().sum() == 0:
        raise SchemaError(
            t("error.sources.no_hours", station=row["name"], pollutant=pollutant, period=period)
        )
    kw: dict[str, Any] = {"sectors": cfg.sectors, "calm_ms": cfg.calm_ms}
    cpf_table = wind.cpf(frame, percentile=cfg.cpf_percentile, **kw)
    near = near_sources(
        stations[stations["id"] == row["id"]],
        source_layers(ws, kinds=cfg.layers),
        radius_m=cfg.radius_m,
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
            percentile=cfg.cpf_percentile,
            sigma_deg=cfg.nwr_sigma_deg,
            **kw,
        ),
        "wind_rose": wind.wind_rose(frame, **kw),
        "pollution_rose": wind.pollution_rose(frame, **kw),
        "cpf": cpf_table,
        "nwr": wind.nwr(
            frame,
            sigma_deg=cfg.nwr_sigma_deg,
            h_ms=cfg.nwr_h_ms,
            speed_kernel=cast(_SpeedKernel, cfg.nwr_speed_kernel),
            calm_ms=kw["calm_ms"],
        ),
        "near": ranked,
        "png": None,
    }
    if plot:
        report["png"] = polar_plots(
            frame,
            plot_path(ws, row["id"], pollutant, period),
            title=t("sources.plot_title", station=row["name"], pollutant=pollutant, period=period),
            pollutant=pollutant,
            percentile=cfg.cpf_percentile,
            sigma_deg=cfg.nwr_sigma_deg,
            h_ms=cfg.nwr_h_ms,
            speed_kernel=cast(_SpeedKernel, cfg.nwr_speed_kernel),
            marks=ranked.head(3),
            **kw,
        )
    return report


def station_plots(
    ws: Workspace,
    frame: pd.DataFrame,
    ranked: pd.DataFrame,
    *,
    pollutant: str,
    settings: SourcesSettings | None = None,
) -> pd.DataFrame:
    """One polar-plot PNG per station and period ranked, its top 3 suspects marked.

    Each file is named with its period (``outputs/sources/ID_POLLUTANT_PERIOD.png``), so
    plots of other periods (an earlier run, another quarter) are kept, and each is
    drawn only from the hours of its period, with the period in its title.

    Returns
    -------
    pandas.DataFrame
        The ``source_plots`` table: ``station_id``, ``station_name``, ``pollutant``,
        ``period``, ``png`` (path relative to the workspace root).
    """
    cfg = settings or ws.settings.sources
    names = dict(zip(ranked["station_id"], ranked["station_name"], strict=False))
    top = ranked[ranked["rank"].notna()]
    start = frame["time"] - pd.Timedelta(hours=1)  # an hour belongs to the period it starts in
    rows = []
    pairs = ranked[["station_id", "period"]].drop_duplicates().sort_values(["station_id", "period"])
    for station_id, period in pairs.itertuples(index=False):
        lo, hi = parse_period(str(period))
        part = frame[(frame["station_id"] == station_id) & (start >= lo) & (start < hi)]
        if station_id not in names or part["value"].notna().sum() == 0:
            continue
        marks = (
            top[(top["station_id"] == station_id) & (top["period"] == period)]
            .sort_values("score", ascending=False)
            .drop_duplicates("source_id")
            .head(3)
        )
        path = polar_plots(
            part,
            plot_path(ws, str(station_id), pollutant, period),
            pollutant=pollutant,
            title=t(
                "sources.plot_title", station=names[station_id], pollutant=pollutant, period=period
            ),
            sectors=cfg.sectors,
            percentile=cfg.cpf_percentile,
            calm_ms=cfg.calm_ms,
            sigma_deg=cfg.nwr_sigma_deg,
            h_ms=cfg.nwr_h_ms,
            speed_kernel=cast(_SpeedKernel, cfg.nwr_speed_kernel),
            marks=marks,
        )
        rows.append(
            {
                "station_id": station_id,
                "station_name": names[station_id],
                "pollutant": pollutant,
                "period": period,
                "png": path.relative_to(ws.root).as_posix(),
            }
        )
    return pd.DataFrame(rows, columns=["station_id", "station_name", "pollutant", "period", "png"])


def _sector_names() -> dict[str, str]:
    """Chinese compass words -> English (N, NNE...)."""
    names: dict[str, str] = {}
    for sectors in (16, 8):
        table = wind.sector_table(sectors)
        names.update(zip(table["label_zh"], table["label"], strict=True))
    return names


def suspect_line(row: Any) -> str:
    """One line about a suspect for people: name, kind, industry, distance, direction."""
    industry = (
        t("sources.industry", industry=row.industry)
        if isinstance(row.industry, str) and row.industry
        else ""
    )
    sector = row.sector
    if language() == "en":
        sector = "all around" if sector == "全方位" else _sector_names().get(sector, sector)
    return t(
        "sources.suspect",
        name=row.name,
        kind=word("source_kind", row.source_kind),
        industry=industry,
        distance=row.distance_m,
        bearing=row.bearing_deg,
        sector=sector,
        cpf=row.cpf,
        score=row.score,
    )


@dataclass(frozen=True)
class SourcesOptions:
    """Options of ``geoair sources``; None keeps the workspace's ``[sources]``.

    Parameters
    ----------
    radius_m, layers, pollutant, freq, sectors, cpf_percentile
        Overrides of ``[sources]`` (``layers``: source layer names).
    stations : tuple of str
        Only these stations (names or ids); their rows replace theirs only.
    periods : tuple of str
        Periods to rank ("2020-10", "2020-10/2020-12", "2020"); empty: every ``freq``
        period with data. ``run_wind`` takes the first.
    plots : bool
        Draw each station's polar plots (``run_suspects``).
    """

    radius_m: float | None = None
    layers: tuple[str, ...] | None = None
    pollutant: str | None = None
    freq: str | None = None
    sectors: int | None = None
    cpf_percentile: float | None = None
    stations: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    plots: bool = True

    def settings(self, ws: Workspace) -> SourcesSettings:
        """The workspace's ``[sources]`` with these options over it."""
        return overridden(
            ws.settings.sources,
            radius_m=self.radius_m,
            layers=self.layers,
            pollutant=self.pollutant,
            freq=self.freq,
            sectors=self.sectors,
            cpf_percentile=self.cpf_percentile,
        )


@dataclass(frozen=True)
class NearResult:
    """The ``station_sources`` layer as written."""

    near: gpd.GeoDataFrame
    radius_m: float
    n_stations: int


@dataclass(frozen=True)
class WindResult:
    """One station's wind analysis for one period (see :func:`station_wind_report`)."""

    report: dict[str, Any]
    pollutant: str
    period: str
    cpf_percentile: float
    radius_m: float


@dataclass(frozen=True)
class SuspectsResult:
    """``source_suspects`` and ``source_plots`` as computed for the stations asked about."""

    ranked: gpd.GeoDataFrame
    plots: pd.DataFrame | None
    radius_m: float
    plots_dir: Path
    skipped: str = ""


def _near(
    ws: Workspace, cfg: SourcesSettings, engine: DaskEngine | None = None
) -> gpd.GeoDataFrame:
    compute = near_sources if engine is None else engine.near_sources
    return cast(  # lines from each station: a GeoDataFrame, whichever engine
        gpd.GeoDataFrame,
        compute(
            cast(gpd.GeoDataFrame, ws.read("stations")),
            source_layers(ws, kinds=cfg.layers),
            radius_m=cfg.radius_m,
        ),
    )


def run_near(
    ws: Workspace,
    options: SourcesOptions = SourcesOptions(),
    *,
    progress: Progress = silent,
    engine: DaskEngine | None = None,
) -> NearResult:
    """List the sources near each station, with distance and bearing; write ``station_sources``."""
    cfg = options.settings(ws)
    progress(t("progress.sources.near", radius=cfg.radius_m))
    near = _near(ws, cfg, engine)
    ws.write("station_sources", near)
    return NearResult(near=near, radius_m=cfg.radius_m, n_stations=len(ws.read("stations")))


def run_wind(
    ws: Workspace, station: str, period: str, options: SourcesOptions = SourcesOptions()
) -> WindResult:
    """Wind rose, pollution rose, CPF and NWR of one station and period, with its PNG."""
    cfg = options.settings(ws)
    report = station_wind_report(
        ws, station=station, pollutant=cfg.pollutant, period=period, settings=cfg
    )
    return WindResult(
        report=report,
        pollutant=cfg.pollutant,
        period=period,
        cpf_percentile=cfg.cpf_percentile,
        radius_m=cfg.radius_m,
    )


def run_suspects(
    ws: Workspace,
    options: SourcesOptions = SourcesOptions(),
    *,
    progress: Progress = silent,
    engine: DaskEngine | None = None,
) -> SuspectsResult:
    """Rank, per station and period, the sources in range by the wind of high hours.

    Writes ``source_suspects`` and (with ``options.plots``) ``source_plots`` and one
    polar-plot PNG per station in ``outputs/sources``. Only the run's part is replaced:
    its pollutant, and its stations and periods when some are named.
    """
    cfg = options.settings(ws)
    plots_dir = ws.outputs_dir / "sources"
    near = _near(ws, cfg, engine)
    if options.stations:
        stations = ws.read("stations")
        ids = [str(find_station(stations, s)["id"]) for s in options.stations]
        near = near[near["station_id"].isin(ids)]
    if len(near) == 0:
        return SuspectsResult(
            near.iloc[:0],
            None,
            cfg.radius_m,
            plots_dir,
            skipped=t("sources.nothing_to_rank", radius=cfg.radius_m),
        )
    periods = list(options.periods) or None
    progress(t("progress.sources.wind"))
    frame = load_wind(
        ws,
        pollutant=cfg.pollutant,
        station_ids=list(near["station_id"].unique()),
        periods=periods,
    )
    progress(t("progress.sources.rank"))
    ranked = suspects(
        near,
        frame,
        pollutant=cfg.pollutant,
        periods=periods,
        freq=cfg.freq,
        **suspect_options(cfg),
    )
    plots = None
    if options.plots:
        progress(t("progress.sources.plots"))
        plots = station_plots(ws, frame, ranked, pollutant=cfg.pollutant, settings=cfg)
    # Only this run's part is replaced: its pollutant, and its stations and periods when
    # some are named; other pollutants, stations and periods keep theirs.
    stations_part = sorted(set(near["station_id"].astype(str))) if options.stations else None
    periods_part = (
        sorted(set(ranked["period"].astype(str)) | set(options.periods))
        if options.periods
        else None
    )
    with ws.transaction() as tx:
        tx.replace_part(
            "source_suspects",
            ranked,
            ["pollutant", "station_id", "period"],
            part={
                "pollutant": [cfg.pollutant],
                "station_id": stations_part,
                "period": periods_part,
            },
        )
        if plots is not None and len(plots):
            tx.replace_part(
                "source_plots",
                plots,
                ["pollutant", "station_id"],
                part={"pollutant": [cfg.pollutant], "station_id": stations_part},
            )
    return SuspectsResult(ranked=ranked, plots=plots, radius_m=cfg.radius_m, plots_dir=plots_dir)


def describe(result: NearResult | WindResult | SuspectsResult) -> list[str]:
    """The lines a user reads about sources near stations, a wind analysis, suspects."""
    if isinstance(result, NearResult):
        near = result.near
        counts = near["source_kind"].value_counts()
        lines = [
            t(
                "sources.near_title",
                n=len(near),
                radius=result.radius_m,
                stations_with=near["station_id"].nunique(),
                stations=result.n_stations,
            )
        ]
        lines += [
            t("sources.kind_count", kind=word("source_kind", kind), n=count)
            for kind, count in counts.items()
        ]
        return lines
    if isinstance(result, WindResult):
        report, s = result.report, result.report["summary"]
        lines = [
            t(
                "sources.wind_title",
                station=report["station"]["name"],
                pollutant=result.pollutant,
                period=result.period,
                hours=s["hours"],
                mean=s["mean_conc"],
                calm=s["calm_hours"],
                missing=s["missing_wind"],
            ),
            t("sources.wind_mean", direction=s["vector_mean_wd_deg"], speed=s["mean_ws_ms"]),
            t(
                "sources.wind_cpf",
                threshold=s["threshold"],
                percentile=result.cpf_percentile,
                peak=s["cpf_peak"],
                peak_deg=s["cpf_peak_deg"],
                nwr_deg=s["nwr_peak_deg"],
            ),
        ]
        near = report["near"]
        for row in near[near["rank"].notna()].head(5).itertuples():
            lines.append(t("sources.rank_line", rank=row.rank, line=suspect_line(row)))
        if len(near) == 0:
            lines.append(t("sources.none_within", radius=result.radius_m))
        if report["png"] is not None:
            lines.append(t("cli.wrote", path=report["png"]))
        return lines
    if result.skipped:
        return [result.skipped]
    ranked = result.ranked
    leaders = ranked[ranked["rank"] == 1].sort_values(["station_id", "period"])
    lines = [
        t(
            "sources.suspects_title",
            n=len(ranked),
            stations=ranked["station_id"].nunique(),
            periods=ranked["period"].nunique(),
        )
    ]
    for row in leaders.head(20).itertuples():
        lines.append(
            t(
                "sources.leader_line",
                station=row.station_name,
                period=row.period,
                line=suspect_line(row),
            )
        )
    if len(leaders) > 20:
        lines.append(t("sources.more_leaders", n=len(leaders) - 20))
    if result.plots is not None and len(result.plots):
        lines.append(
            t("sources.plots", n=result.plots["station_id"].nunique(), folder=result.plots_dir)
        )
    return lines
