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
import numpy as np
import pandas as pd

from geoair import wind
from geoair._errors import SchemaError
from geoair.near import KIND_ZH as KIND_ZH  # re-exported: sources near each station
from geoair.near import NEAR_COLUMNS as NEAR_COLUMNS
from geoair.near import SOURCE_LAYERS as SOURCE_LAYERS
from geoair.near import _with_lines
from geoair.near import gate_road_sources as gate_road_sources
from geoair.near import near_sources as near_sources

log = logging.getLogger(__name__)

# --- periods --------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start (inclusive) and end (exclusive) of a period written ``2020-10``,
    ``2020-10/2020-12`` (months inclusive) or ``2020``.

    Raises
    ------
    SchemaError
        The text is not one of these forms, or the end comes before the start.
    """
    parts = str(text).split("/")
    try:
        if len(parts) == 1 and _YEAR.match(parts[0]):
            year = int(parts[0])
            return pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)
        if len(parts) in (1, 2) and all(_MONTH.match(p) for p in parts):
            first = pd.Period(parts[0].strip(), freq="M")
            last = pd.Period(parts[-1].strip(), freq="M")
            if last < first:
                raise ValueError
            return first.start_time, (last + 1).start_time
    except ValueError:
        pass
    raise SchemaError(f"Period {text!r} is not understood. Write a month (2020-10), a range "
                      "of months (2020-10/2020-12) or a year (2020).")


def hour_periods(times: pd.Series | np.ndarray, *, periods: Sequence[str] | None = None,
                 freq: str = "month") -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Assign hours to periods; an hour belongs to the period holding its START.

    Chinese station data label an hourly value by the end of its hour, so the value
    at 2020-11-01 00:00 is the last hour of October.

    Parameters
    ----------
    times : array of datetime64
        Hour labels (end of hour, China Standard Time).
    periods : sequence of str, optional
        Explicit periods (see :func:`parse_period`); an hour may fall in several.
    freq : {"month", "quarter", "year"}
        Used when ``periods`` is None.

    Returns
    -------
    rows, codes, labels
        Row positions into ``times`` (repeated for overlapping periods), the period
        code of each, and the label of each code.
    """
    start = (np.asarray(times).astype("datetime64[s]") - np.timedelta64(1, "h"))
    if periods:
        rows, codes = [], []
        for code, text in enumerate(periods):
            lo, hi = parse_period(text)
            idx = np.flatnonzero((start >= lo.to_datetime64()) & (start < hi.to_datetime64()))
            rows.append(idx)
            codes.append(np.full(len(idx), code, dtype="int64"))
        return (np.concatenate(rows) if rows else np.array([], dtype="int64"),
                np.concatenate(codes) if codes else np.array([], dtype="int64"),
                [str(p) for p in periods])
    months_per = {"month": 1, "quarter": 3, "year": 12}.get(freq)
    if months_per is None:
        raise SchemaError(f"freq={freq!r}: use month, quarter or year.")
    ok = ~np.isnat(start)
    rows = np.flatnonzero(ok) if not ok.all() else np.arange(len(start))
    if len(rows) == 0:
        return rows, rows.astype("int64"), []
    # months since 1970-01 (found by binary search among the month starts, much
    # faster than a calendar conversion of every hour), then periods of 1, 3 or 12
    # months (quarters and years start in January, so integer division lines them up)
    starts = start if len(rows) == len(start) else start[rows]
    first = starts.min().astype("datetime64[M]")
    edges = np.arange(first, starts.max().astype("datetime64[M]") + 2).astype("datetime64[s]")
    month = np.searchsorted(edges, starts, side="right") - 1 + first.astype("int64")
    per = month // months_per
    present = np.flatnonzero(np.bincount(per - per.min()) > 0) + per.min()
    lookup = np.full(int(per.max() - per.min()) + 1, -1, dtype="int64")
    lookup[present - per.min()] = np.arange(len(present))
    labels = [_period_label(int(p) * months_per, months_per) for p in present]
    return rows, lookup[per - per.min()], labels


def _period_label(first_month: int, months: int) -> str:
    """Label of the period starting ``first_month`` months after 1970-01."""
    def month(m: int) -> str:
        return f"{1970 + m // 12}-{m % 12 + 1:02d}"

    if months == 1:
        return month(first_month)
    if months == 12:
        return f"{1970 + first_month // 12}"
    return f"{month(first_month)}/{month(first_month + months - 1)}"


# --- suspects -------------------------------------------------------------------------

SUSPECT_COLUMNS = ["station_id", "station_name", "pollutant", "period", "rank", "source_kind",
                   "source_id", "name", "industry", "status", "distance_m", "bearing_deg",
                   "sector", "score", "cpf", "distance_weight", "lift", "nwr_ratio",
                   "high_hours", "windy_hours", "calm_hours", "threshold",
                   "source_lon", "source_lat", "station_lon", "station_lat"]


def suspects(near: pd.DataFrame, hourly: pd.DataFrame, *, pollutant: str = "PM2.5",
             periods: Sequence[str] | None = None, freq: str = "month", sectors: int = 16,
             percentile: float = 75.0, calm_ms: float = 0.5,
             distance_scale_m: float = 1000.0, sigma_deg: float = 10.0,
             min_windy_hours: int = 48, top_n: int | None = 10,
             lines: bool = True) -> gpd.GeoDataFrame:
    """Rank the sources near each station by how well they sit upwind of high hours.

    Parameters
    ----------
    near : pandas.DataFrame
        Output of :func:`near_sources`.
    hourly : pandas.DataFrame
        Wind frame (``station_id``, ``time``, ``ws_ms``, ``wd_deg``, ``value``), e.g.
        from :func:`geoair.wind.wind_frame`; time labels the END of each hour.
    pollutant : str
        Name written into the result.
    periods : sequence of str, optional
        Periods to rank for (``"2020-10"``, ``"2020-10/2020-12"``, ``"2020"``); by
        default every ``freq`` period that has data.
    freq : {"month", "quarter", "year"}
    sectors, percentile, calm_ms
        CPF settings (see :func:`geoair.wind.cpf`).
    distance_scale_m : float
        Distance at which the distance weight halves.
    sigma_deg : float
        Bandwidth of the direction-only wind regression behind ``nwr_ratio``.
    min_windy_hours : int
        A station-period with fewer windy hours than this is not ranked (its
        sources get no score and no rank): too few hours to tell directions apart.
    top_n : int or None
        Keep this many suspects per station and period (None: all).
    lines : bool
        Return a GeoDataFrame of lines station → source (for maps).

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        :data:`SUSPECT_COLUMNS`, one row per station, period and source, best first;
        ``rank`` 1 is the prime suspect. Station-periods without any reading of the
        pollutant have no rows.
    """
    if distance_scale_m <= 0:
        raise SchemaError(f"distance_scale_m={distance_scale_m!r} must be a positive number "
                          "of metres, e.g. 1000.")
    frame = hourly if set(wind.WIND_COLUMNS) <= set(hourly.columns) else None
    if frame is None:
        raise SchemaError("The hourly table must be a wind table (station_id, time, ws_ms, "
                          "wd_deg, value); build it with geoair.wind.wind_frame(readings, "
                          "pollutant=...).")
    near = pd.DataFrame(near).drop(columns="geometry", errors="ignore")
    station_ids = pd.Index(pd.unique(near["station_id"].astype(str)))
    st_code = _station_codes(hourly["station_id"], station_ids)
    has_station = st_code >= 0
    times = hourly["time"].to_numpy()
    all_stations = bool(has_station.all())
    rows, p_code, labels = hour_periods(times if all_stations else times[has_station],
                                        periods=periods, freq=freq)
    # every row used once, in order (the usual case): no copies by fancy indexing
    identity = all_stations and not periods and len(rows) == len(hourly)
    base_rows = rows if all_stations else np.flatnonzero(has_station)[rows]
    n_p = max(len(labels), 1)
    group = (st_code if identity else st_code[base_rows]) * n_p + p_code
    n_groups = len(station_ids) * n_p

    def column(name: str) -> np.ndarray:
        values = hourly[name].to_numpy("float64")
        return values if identity else values[base_rows]

    ws_v, wd_v, val = column("ws_ms"), column("wd_deg"), column("value")
    res = wind.grouped_cpf(group, n_groups, ws_v, wd_v, val, sectors=sectors,
                           percentile=percentile, calm_ms=calm_ms)
    curve = wind.grouped_nwr_direction(group, n_groups, ws_v, wd_v, val, sigma_deg=sigma_deg,
                                       calm_ms=calm_ms)
    windy_hours = res["hours"].sum(axis=1)
    windy_high = res["high"].sum(axis=1)
    windy_mean = _group_windy_mean(group, n_groups, ws_v, wd_v, val, calm_ms)
    # station-periods with any concentration: the others (no readings) get no rows
    has_data = np.bincount(group[np.isfinite(val)], minlength=n_groups) > 0

    # one row per (pair, period)
    pair_station = station_ids.get_indexer(near["station_id"].astype(str))
    pair_idx = np.repeat(np.arange(len(near)), n_p)
    per_idx = np.tile(np.arange(n_p), len(near))
    g = pair_station[pair_idx] * n_p + per_idx
    keep = has_data[g] if len(g) else np.zeros(0, dtype=bool)
    pair_idx, per_idx, g = pair_idx[keep], per_idx[keep], g[keep]
    bearing = near["bearing_deg"].to_numpy("float64")[pair_idx]
    distance = near["distance_m"].to_numpy("float64")[pair_idx]
    cpf_b = _interp_sectors(res["cpf"], g, bearing)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = windy_high / np.where(windy_hours > 0, windy_hours, np.nan)
    cpf_b = np.where(np.isnan(bearing), base[g], cpf_b)
    sec = wind.sector_index(bearing, sectors)
    high_hours = np.where(sec >= 0, res["high"][g, np.maximum(sec, 0)], windy_high[g])
    deg = np.where(np.isnan(bearing), 0, np.rint(np.nan_to_num(bearing))).astype("int64") % 360
    with np.errstate(invalid="ignore", divide="ignore"):
        nwr_ratio = np.where(np.isnan(bearing), 1.0, curve[g, deg] / windy_mean[g])
        lift = cpf_b / base[g]
    dist_w = 1.0 / (1.0 + distance / distance_scale_m)
    enough = (windy_hours[g] >= min_windy_hours) & ~np.isnan(bearing)
    score = np.where(enough, np.nan_to_num(cpf_b) * dist_w, np.nan)

    table = near.iloc[pair_idx].reset_index(drop=True)
    table["pollutant"] = pollutant
    table["period"] = np.asarray(labels, dtype=object)[per_idx] if labels else None
    table["sector"] = np.where(sec >= 0, wind.sector_table(sectors)["label_zh"].to_numpy()[
        np.maximum(sec, 0)], "全方位")
    table["score"] = np.round(score, 4)
    table["cpf"] = np.round(cpf_b, 4)
    table["distance_weight"] = np.round(dist_w, 4)
    table["lift"] = np.round(lift, 3)
    table["nwr_ratio"] = np.round(nwr_ratio, 3)
    table["high_hours"] = high_hours
    table["windy_hours"] = windy_hours[g]
    table["calm_hours"] = res["calm"][g]
    table["threshold"] = np.round(res["threshold"][g], 1)
    table = table.sort_values(["station_id", "period", "score", "distance_m"],
                              ascending=[True, True, False, True], na_position="last",
                              kind="stable")
    ranked = table["score"].notna()
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[ranked, "rank"] = (table[ranked].groupby(["station_id", "period"], sort=False)
                                 .cumcount() + 1).astype("int64")
    if top_n is not None:  # unranked station-periods keep their top_n nearest sources
        position = table.groupby(["station_id", "period"], sort=False).cumcount()
        table = table[position.to_numpy() < top_n]
    short = int((has_data & (windy_hours < min_windy_hours)).sum())
    if short:
        log.warning("%d station-periods have fewer than %d windy hours and are not ranked",
                    short, min_windy_hours)
    out = table[SUSPECT_COLUMNS].reset_index(drop=True)
    return _with_lines(out) if lines else out


def _station_codes(column: pd.Series, station_ids: pd.Index) -> np.ndarray:
    """Position in ``station_ids`` of each row's station (-1 if absent), factorising first."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        uniques = column.cat.categories
    else:
        codes, uniques = pd.factorize(column)
    lookup = station_ids.get_indexer(pd.Index(uniques).astype(str))
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1).astype("int64")


def _interp_sectors(values: np.ndarray, g: np.ndarray, bearing: np.ndarray) -> np.ndarray:
    """Sector values at a bearing, linear between sector centres (wrapping round north).

    A sector without data (NaN) counts as 0 when interpolating.
    """
    sectors = values.shape[1]
    width = 360.0 / sectors
    pos = np.nan_to_num(bearing) / width
    lo = np.floor(pos).astype("int64") % sectors
    hi = (lo + 1) % sectors
    frac = pos - np.floor(pos)
    v = np.nan_to_num(values)
    return v[g, lo] * (1 - frac) + v[g, hi] * frac


def _group_windy_mean(group, n_groups, ws_v, wd_v, val, calm_ms) -> np.ndarray:
    windy, _, _ = wind.wind_classes(ws_v, wd_v, calm_ms=calm_ms)
    use = windy & np.isfinite(val)
    n = np.bincount(group[use], minlength=n_groups)
    s = np.bincount(group[use], weights=val[use], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def source_layers(ws, *, kinds: Sequence[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The source layers present in a workspace (all of :data:`SOURCE_LAYERS` by default)."""
    wanted = list(kinds) if kinds else list(SOURCE_LAYERS)
    unknown = [k for k in wanted if k not in SOURCE_LAYERS]
    if unknown:
        raise SchemaError(f"Unknown source layer(s) {', '.join(unknown)}; choose among "
                          f"{', '.join(SOURCE_LAYERS)}.")
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


# --- workspace runners (used by the command line and the demo) ------------------------

def suspect_options(cfg: Mapping) -> dict:
    """Keyword options of :func:`suspects` from the ``[sources]`` settings."""
    return {"sectors": int(cfg["sectors"]), "percentile": float(cfg["cpf_percentile"]),
            "calm_ms": float(cfg["calm_ms"]), "distance_scale_m": float(cfg["distance_scale_m"]),
            "sigma_deg": float(cfg["nwr_sigma_deg"]),
            "min_windy_hours": int(cfg["min_windy_hours"]), "top_n": int(cfg["top_n"])}


def find_station(stations: pd.DataFrame, text: str) -> pd.Series:
    """The station whose id or name is ``text``.

    Raises
    ------
    SchemaError
        No station has that id or name; the message lists some that exist.
    """
    hit = stations[(stations["id"].astype(str) == str(text))
                   | (stations["name"].astype(str) == str(text))]
    if len(hit) == 0:
        known = ", ".join(stations["name"].astype(str).head(12))
        raise SchemaError(f"No station is called {text!r}. Give a station's name or id as in "
                          f"the stations layer, e.g. {known}.")
    return hit.iloc[0]


def load_wind(ws, *, pollutant: str, station_ids: Sequence[str] | None = None,
              periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Hourly wind and ``pollutant`` of the workspace's stations as a wind frame.

    Only the hours of ``periods`` are read (an hour labelled by its end belongs to
    the period holding its start, so the first label read is the period's start
    plus one hour and the last its end).
    """
    from geoair.readings import load_hourly

    start = end = None
    if periods:
        bounds = [parse_period(p) for p in periods]
        start = min(b[0] for b in bounds) + pd.Timedelta(hours=1)
        end = max(b[1] for b in bounds)
    readings = load_hourly(ws, station_ids=station_ids, start=start, end=end,
                           pollutants=[pollutant, "WS", "WD"])
    return wind.wind_frame(readings, pollutant=pollutant)


def plot_path(ws, station_id: str, pollutant: str, period: str | None = None):
    """Where the polar-plot PNG of a station goes: ``outputs/sources/ID_POLLUTANT[_PERIOD].png``."""
    safe = re.sub(r"[^0-9A-Za-z._-]+", "", pollutant) or "pollutant"
    parts = [re.sub(r'[\\/:*?"<>|\s]+', "_", str(station_id)), safe]
    if period:
        parts.append(str(period).replace("/", "_"))
    return ws.outputs_dir / "sources" / ("_".join(parts) + ".png")


def station_wind_report(ws, *, station: str, pollutant: str, period: str,
                        settings: Mapping | None = None, plot: bool = True) -> dict:
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
        raise SchemaError(f"Station {row['name']} has no {pollutant} hours with wind in "
                          f"{period}. Check the period, or import its readings.")
    kw = {"sectors": int(cfg["sectors"]), "calm_ms": float(cfg["calm_ms"])}
    cpf_table = wind.cpf(frame, percentile=float(cfg["cpf_percentile"]), **kw)
    near = near_sources(stations[stations["id"] == row["id"]],
                        source_layers(ws, kinds=cfg["layers"]), radius_m=float(cfg["radius_m"]),
                        lines=False)
    ranked = suspects(near, frame, pollutant=pollutant, periods=[period], lines=False,
                      **{**suspect_options(cfg), "top_n": None})
    report = {
        "station": row,
        "summary": wind.summary(frame, percentile=float(cfg["cpf_percentile"]),
                                sigma_deg=float(cfg["nwr_sigma_deg"]), **kw),
        "wind_rose": wind.wind_rose(frame, **kw),
        "pollution_rose": wind.pollution_rose(frame, **kw),
        "cpf": cpf_table,
        "nwr": wind.nwr(frame, sigma_deg=float(cfg["nwr_sigma_deg"]), h_ms=float(cfg["nwr_h_ms"]),
                        speed_kernel=cfg["nwr_speed_kernel"], calm_ms=kw["calm_ms"]),
        "near": ranked,
        "png": None,
    }
    if plot:
        report["png"] = wind.polar_plots(
            frame, plot_path(ws, row["id"], pollutant, period),
            title=f"{row['name']} {pollutant} {period}", pollutant=pollutant,
            percentile=float(cfg["cpf_percentile"]), sigma_deg=float(cfg["nwr_sigma_deg"]),
            h_ms=float(cfg["nwr_h_ms"]), speed_kernel=cfg["nwr_speed_kernel"],
            marks=ranked.head(3), **kw)
    return report


def station_plots(ws, frame: pd.DataFrame, ranked: pd.DataFrame, *, pollutant: str,
                  span: str, settings: Mapping | None = None) -> pd.DataFrame:
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
        marks = (top[top["station_id"] == station_id].sort_values("score", ascending=False)
                 .drop_duplicates("source_id").head(3))
        path = wind.polar_plots(
            part, plot_path(ws, station_id, pollutant), pollutant=pollutant,
            title=f"{names[station_id]} {pollutant} {span}", sectors=int(cfg["sectors"]),
            percentile=float(cfg["cpf_percentile"]), calm_ms=float(cfg["calm_ms"]),
            sigma_deg=float(cfg["nwr_sigma_deg"]), h_ms=float(cfg["nwr_h_ms"]),
            speed_kernel=cfg["nwr_speed_kernel"], marks=marks)
        rows.append({"station_id": station_id, "station_name": names[station_id],
                     "pollutant": pollutant, "period": span,
                     "png": path.relative_to(ws.root).as_posix()})
    return pd.DataFrame(rows, columns=["station_id", "station_name", "pollutant", "period",
                                       "png"])


def describe(row) -> str:
    """One line about a suspect for people: name, kind, industry, distance, direction."""
    kind = KIND_ZH.get(row.source_kind, row.source_kind)
    industry = f", {row.industry}" if isinstance(row.industry, str) and row.industry else ""
    return (f"{row.name} [{kind}{industry}] {row.distance_m:.0f} m, {row.bearing_deg:.0f}° "
            f"{row.sector}, CPF {row.cpf:.2f}, score {row.score:.3f}")


def demo_step(ws, echo) -> None:
    """Sources near the sample stations, suspects per quarter, polar plots per station."""
    cfg = ws.settings["sources"]
    if not ws.has("stations"):
        echo("  no stations layer in the workspace: sources skipped")
        return
    stations = ws.read("stations")
    near = near_sources(stations, source_layers(ws, kinds=cfg["layers"]),
                        radius_m=float(cfg["radius_m"]))
    ws.write("station_sources", near)
    kinds = ", ".join(f"{KIND_ZH.get(k, k)} {n}" for k, n in near["source_kind"].value_counts()
                      .items())
    echo(f"  station_sources: {len(near)} sources ({kinds}) within {cfg['radius_m']:g} m of "
         f"{near['station_id'].nunique()} of {len(stations)} stations")
    try:
        from geoair.readings import has_hourly
    except ImportError:  # the readings capability is not installed in this checkout
        has_hourly = None
    if has_hourly is None or not has_hourly(ws):
        echo("  no hourly readings in the workspace: suspects skipped")
        return
    pollutant = str(cfg["pollutant"])
    frame = load_wind(ws, pollutant=pollutant, station_ids=list(near["station_id"].unique()))
    ranked = suspects(near, frame, pollutant=pollutant, freq="quarter",
                      **suspect_options(cfg))
    plots = station_plots(ws, frame, ranked, pollutant=pollutant, span="全部时段", settings=cfg)
    with ws.transaction() as tx:
        tx.write("source_suspects", ranked)
        tx.write("source_plots", plots)
    leaders = ranked[ranked["rank"] == 1]
    echo(f"  source_suspects: {len(ranked)} rows, {leaders['station_id'].nunique()} stations "
         f"with wind, quarters {', '.join(sorted(leaders['period'].unique()))}")
    kind_of = dict(zip(stations["id"].astype(str), stations.get("kind", ""), strict=False))
    shown = leaders.assign(national=leaders["station_id"].map(kind_of).eq("国控"))
    shown = shown.sort_values(["national", "station_id", "period"], ascending=[False, True, True])
    for row in shown.head(12).itertuples():
        echo(f"    {row.station_name} {row.period}: 1. {describe(row)}")
    if len(shown) > 12:
        echo(f"    ... {len(shown) - 12} more station-quarters in source_suspects")
    echo(f"  polar plots of {len(plots)} stations in {ws.outputs_dir / 'sources'} "
         "(table source_plots); one station and quarter: "
         "geoair sources wind --station NAME --period 2024-01/2024-03")
