"""Suspects upwind of a station: the sources near it ranked by the wind of high hours.

The sources near each station, with distance and bearing, come from
:func:`geoair.sources.near.near_sources`. :func:`suspects` ranks, for each station and
period, the sources near it by how well their bearing matches the wind sectors that
bring high concentrations:

    score = cpf × distance_weight
    cpf = CPF of the wind sectors, interpolated linearly between sector centres at
          the source's bearing (see :func:`geoair.sources.wind.cpf`)
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
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geoair.errors import SchemaError
from geoair.messages import t
from geoair.sources import wind
from geoair.sources.near import _with_lines

__all__ = ["SUSPECT_COLUMNS", "find_station", "hour_periods", "parse_period", "suspects"]


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
    raise SchemaError(t("error.sources.bad_period", text=text))


def hour_periods(
    times: pd.Series | np.ndarray, *, periods: Sequence[str] | None = None, freq: str = "month"
) -> tuple[np.ndarray, np.ndarray, list[str]]:
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
    start = np.asarray(times).astype("datetime64[s]") - np.timedelta64(1, "h")
    if periods:
        parts, codes = [], []
        for code, text in enumerate(periods):
            lo, hi = parse_period(text)
            idx = np.flatnonzero((start >= lo.to_datetime64()) & (start < hi.to_datetime64()))
            parts.append(idx)
            codes.append(np.full(len(idx), code, dtype="int64"))
        return (
            np.concatenate(parts) if parts else np.array([], dtype="int64"),
            np.concatenate(codes) if codes else np.array([], dtype="int64"),
            [str(p) for p in periods],
        )
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

SUSPECT_COLUMNS = [
    "station_id",
    "station_name",
    "pollutant",
    "period",
    "rank",
    "source_kind",
    "source_id",
    "name",
    "industry",
    "status",
    "distance_m",
    "bearing_deg",
    "sector",
    "score",
    "cpf",
    "distance_weight",
    "lift",
    "nwr_ratio",
    "high_hours",
    "windy_hours",
    "calm_hours",
    "threshold",
    "source_lon",
    "source_lat",
    "station_lon",
    "station_lat",
]


def suspects(
    near: pd.DataFrame,
    hourly: pd.DataFrame,
    *,
    pollutant: str = "PM2.5",
    periods: Sequence[str] | None = None,
    freq: str = "month",
    sectors: int = 16,
    percentile: float = 75.0,
    calm_ms: float = 0.5,
    distance_scale_m: float = 1000.0,
    sigma_deg: float = 10.0,
    min_windy_hours: int = 48,
    top_n: int | None = 10,
    lines: bool = True,
) -> gpd.GeoDataFrame:
    """Rank the sources near each station by how well they sit upwind of high hours.

    Parameters
    ----------
    near : pandas.DataFrame
        Output of :func:`near_sources`.
    hourly : pandas.DataFrame
        Wind frame (``station_id``, ``time``, ``ws_ms``, ``wd_deg``, ``value``), e.g.
        from :func:`geoair.sources.wind.wind_frame`; time labels the END of each hour.
    pollutant : str
        Name written into the result.
    periods : sequence of str, optional
        Periods to rank for (``"2020-10"``, ``"2020-10/2020-12"``, ``"2020"``); by
        default every ``freq`` period that has data.
    freq : {"month", "quarter", "year"}
    sectors, percentile, calm_ms
        CPF settings (see :func:`geoair.sources.wind.cpf`).
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
        raise SchemaError(
            f"distance_scale_m={distance_scale_m!r} must be a positive number of metres, e.g. 1000."
        )
    frame = hourly if set(wind.WIND_COLUMNS) <= set(hourly.columns) else None
    if frame is None:
        raise SchemaError(
            "The hourly table must be a wind table (station_id, time, ws_ms, "
            "wd_deg, value); build it with geoair.sources.wind.wind_frame(readings, "
            "pollutant=...)."
        )
    near = pd.DataFrame(near).drop(columns="geometry", errors="ignore")
    station_ids = pd.Index(pd.unique(near["station_id"].astype(str)))
    st_code = _station_codes(hourly["station_id"], station_ids)
    has_station = st_code >= 0
    times = hourly["time"].to_numpy()
    all_stations = bool(has_station.all())
    rows, p_code, labels = hour_periods(
        times if all_stations else times[has_station], periods=periods, freq=freq
    )
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
    res = wind.grouped_cpf(
        group, n_groups, ws_v, wd_v, val, sectors=sectors, percentile=percentile, calm_ms=calm_ms
    )
    curve = wind.grouped_nwr_direction(
        group, n_groups, ws_v, wd_v, val, sigma_deg=sigma_deg, calm_ms=calm_ms
    )
    windy_hours = res["hours"].sum(axis=1)
    windy_high = res["high"].sum(axis=1)
    windy_mean = _group_windy_mean(group, n_groups, ws_v, wd_v, val, calm_ms)
    # station-periods with any concentration: the others (no readings) get no rows
    has_data = np.bincount(group[np.isfinite(val)], minlength=n_groups) > 0

    # one row per (pair, period)
    pair_station = station_ids.get_indexer(pd.Index(near["station_id"].astype(str)))
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
    table["sector"] = np.where(
        sec >= 0, wind.sector_table(sectors)["label_zh"].to_numpy()[np.maximum(sec, 0)], "全方位"
    )
    table["score"] = np.round(score, 4)
    table["cpf"] = np.round(cpf_b, 4)
    table["distance_weight"] = np.round(dist_w, 4)
    table["lift"] = np.round(lift, 3)
    table["nwr_ratio"] = np.round(nwr_ratio, 3)
    table["high_hours"] = high_hours
    table["windy_hours"] = windy_hours[g]
    table["calm_hours"] = res["calm"][g]
    table["threshold"] = np.round(res["threshold"][g], 1)
    table = table.sort_values(
        ["station_id", "period", "score", "distance_m"],
        ascending=[True, True, False, True],
        na_position="last",
        kind="stable",
    )
    ranked = table["score"].notna()
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[ranked, "rank"] = (
        table[ranked].groupby(["station_id", "period"], sort=False).cumcount() + 1
    ).astype("int64")
    if top_n is not None:  # unranked station-periods keep their top_n nearest sources
        position = table.groupby(["station_id", "period"], sort=False).cumcount()
        table = table[position.to_numpy() < top_n]
    short = int((has_data & (windy_hours < min_windy_hours)).sum())
    if short:
        log.warning(
            "%d station-periods have fewer than %d windy hours and are not ranked",
            short,
            min_windy_hours,
        )
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


# --- workspace runners (used by the command line and the demo) ------------------------


def find_station(stations: pd.DataFrame, text: str) -> pd.Series:
    """The station whose id or name is ``text``.

    Raises
    ------
    SchemaError
        No station has that id or name; the message lists some that exist.
    """
    hit = stations[
        (stations["id"].astype(str) == str(text)) | (stations["name"].astype(str) == str(text))
    ]
    if len(hit) == 0:
        known = ", ".join(stations["name"].astype(str).head(12))
        raise SchemaError(t("error.sources.unknown_station", text=text, known=known))
    return hit.iloc[0]
