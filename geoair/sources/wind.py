"""Wind and concentration: roses, conditional probability (CPF), wind regression (NWR).

Conventions
-----------
- Wind direction ``wd_deg`` is where the wind comes FROM, degrees clockwise from
  north (meteorological convention, as stations report it). 360 is stored as 0.
- A source lies upwind of a station when its bearing from the station equals the
  wind direction.
- Directions are averaged as unit vectors, never arithmetically: 350° and 10°
  average to 0°, not 180°.
- Hours with wind speed below ``calm_ms`` (default 0.5 m/s) are *calm*: their
  direction means nothing, so they are counted apart and never put in a sector.
- Hours with wind speed or direction missing are left out of every sector and
  counted as ``missing_wind``; hours with no concentration are left out of the
  concentration statistics.
- Sectors are centred on north: with 16 sectors, sector 0 (N) covers
  348.75°-11.25°, sector 1 (NNE) 11.25°-33.75°, and so on.

The frames here are *wind frames*: one row per station and hour with columns
``station_id``, ``time``, ``ws_ms``, ``wd_deg`` and ``value`` (the pollutant's
concentration). :func:`wind_frame` builds one from the long-form hourly readings.
The four polar panels are drawn by :func:`geoair.sources.plots.polar_plots`.

Methods
-------
CPF (Ashbaugh et al. 1985, as in openair's ``percentileRose``/``polarPlot``):
for sector θ, ``CPF = m_θ / n_θ``, where ``n_θ`` is the number of non-calm hours with
wind from θ and ``m_θ`` those among them whose concentration is at or above the
threshold, by default the 75th percentile (linear interpolation between order
statistics, numpy's default) of all the period's hours that have a concentration
and a wind reading, calm hours included.

NWR (Henry, Chang, Spiegelman and Willis 2009, *Environ. Sci. Technol.* 43,
4090-4097): the kernel-weighted mean concentration

    E[C | θ, u] = Σ K1((θ - W_i)/σ) K2((u - U_i)/h) C_i / Σ K1((θ - W_i)/σ) K2((u - U_i)/h)

with K1 Gaussian in the direction difference (wrapped to -180°..180°) and K2
Epanechnikov, ``0.75 (1 - x²)`` for ``|x| < 1`` (or Gaussian, on request), in speed.
geoair's default bandwidths are σ = 10° and h = 1.0 m/s (``[sources]`` in
geoair.toml); they are geoair's choice for hourly station data, not values taken
from the paper, which selects them per data set. Calm hours are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from geoair.errors import SchemaError
from geoair.messages import t

__all__ = [
    "CALM_LABEL",
    "SPEED_BINS_MS",
    "WIND_COLUMNS",
    "angle_diff_deg",
    "circular_mean_deg",
    "cpf",
    "direction_kernel_matrix",
    "group_percentile",
    "grouped_cpf",
    "grouped_nwr_direction",
    "nwr",
    "nwr_direction",
    "pollution_rose",
    "sector_index",
    "sector_table",
    "summary",
    "tidy_wind",
    "wind_classes",
    "wind_frame",
    "wind_rose",
]


log = logging.getLogger(__name__)

WIND_COLUMNS = ("station_id", "time", "ws_ms", "wd_deg", "value")
SPEED_BINS_MS = (0.5, 2.0, 4.0, 6.0)
_NAMES_16 = (
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
)
_NAMES_16_ZH = (
    "北",
    "北东北",
    "东北",
    "东东北",
    "东",
    "东东南",
    "东南",
    "南东南",
    "南",
    "南西南",
    "西南",
    "西西南",
    "西",
    "西西北",
    "西北",
    "北西北",
)
_NAMES_8_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
CALM_LABEL = "静风"


# --- directions ---------------------------------------------------------------------


def circular_mean_deg(directions_deg: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Mean of directions (degrees) as unit vectors: 350° and 10° give 0°.

    Parameters
    ----------
    directions_deg : array-like of float
        Directions in degrees; NaN values are ignored.
    weights : array-like of float, optional
        Weights, e.g. wind speeds for the vector-mean wind. NaN weights are ignored.

    Returns
    -------
    float
        The mean direction in [0, 360), or NaN when there is no direction or the
        vectors cancel out (resultant shorter than 1e-9 of the total weight).
    """
    d = np.asarray(directions_deg, dtype="float64")
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype="float64")
    ok = np.isfinite(d) & np.isfinite(w)
    if not ok.any():
        return float("nan")
    rad = np.deg2rad(d[ok])
    x = float(np.sum(w[ok] * np.sin(rad)))
    y = float(np.sum(w[ok] * np.cos(rad)))
    if np.hypot(x, y) <= 1e-9 * float(np.sum(np.abs(w[ok]))):
        return float("nan")
    mean = float(np.rad2deg(np.arctan2(x, y)) % 360.0)
    return 0.0 if mean >= 360.0 - 1e-9 else mean  # -1e-15 % 360 is 360.0


def angle_diff_deg(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Signed smallest difference ``a - b`` in degrees, in [-180, 180)."""
    return (np.asarray(a, dtype="float64") - np.asarray(b, dtype="float64") + 180.0) % 360.0 - 180.0


def sector_index(wd_deg: ArrayLike, sectors: int) -> NDArray[np.int64]:
    """Sector number (0 = north-centred) of each direction; -1 where it is NaN."""
    d = np.asarray(wd_deg, dtype="float64")
    width = 360.0 / sectors
    out = np.full(d.shape, -1, dtype="int64")
    ok = np.isfinite(d)
    out[ok] = (np.floor(((d[ok] % 360.0) + width / 2.0) / width) % sectors).astype("int64")
    return out


def sector_table(sectors: int) -> pd.DataFrame:
    """Sector numbers, centres, edges and labels (English and Chinese)."""
    _check_sectors(sectors)
    width = 360.0 / sectors
    centre = np.arange(sectors) * width
    if sectors == 16:
        label, label_zh = list(_NAMES_16), list(_NAMES_16_ZH)
    elif sectors in (4, 8):
        label = list(_NAMES_16[:: 16 // sectors])
        label_zh = list(_NAMES_8_ZH[:: 8 // sectors])
    else:
        label = [f"{c:g}°" for c in centre]
        label_zh = label
    return pd.DataFrame(
        {
            "sector": np.arange(sectors),
            "centre_deg": centre,
            "from_deg": (centre - width / 2) % 360,
            "to_deg": (centre + width / 2) % 360,
            "label": label,
            "label_zh": label_zh,
        }
    )


def _check_sectors(sectors: int) -> None:
    if not isinstance(sectors, int | np.integer) or not 4 <= sectors <= 72:
        raise SchemaError(
            f"sectors={sectors!r} cannot divide the compass usefully. Use 8, 12, "
            "16 (22.5° each, the usual wind rose) or 36 (10° each)."
        )


# --- wind frames ----------------------------------------------------------------------


def wind_frame(readings: pd.DataFrame, *, pollutant: str) -> pd.DataFrame:
    """One row per station and hour with wind speed, direction and a pollutant.

    Parameters
    ----------
    readings : pandas.DataFrame
        Long-form hourly readings (``station_id``, ``time``, ``pollutant``, ``value``)
        as :func:`geoair.readings.store.load_hourly` returns them, with pollutants ``WS``
        (m/s), ``WD`` (degrees the wind comes FROM) and ``pollutant``.
    pollutant : str
        The pollutant to pair with the wind, e.g. ``"PM2.5"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``station_id``, ``time``, ``ws_ms``, ``wd_deg``, ``value``, sorted by
        station and time; hours where any of the three is missing keep a NaN there.
        Directions outside 0-360° and negative speeds become NaN; 360° becomes 0°.

    Raises
    ------
    SchemaError
        A required column is missing, or the readings have no wind at all.
    """
    missing = [c for c in ("station_id", "time", "pollutant", "value") if c not in readings]
    if missing:
        raise SchemaError(
            f"The hourly readings lack the column(s) {', '.join(missing)}; "
            "they must be long form: station_id, time, pollutant, value."
        )
    wanted = {"WS": "ws_ms", "WD": "wd_deg", pollutant: "value"}
    part = readings.loc[
        readings["pollutant"].isin(list(wanted)), ["station_id", "time", "pollutant", "value"]
    ]
    present = set(part["pollutant"].unique())
    if not {"WS", "WD"} <= present:
        raise SchemaError(
            "The hourly readings have no wind speed (WS) or wind direction (WD) "
            "for these stations and dates, so winds cannot be analysed. Import "
            "the stations' meteorological readings, or choose stations that "
            "measure wind."
        )
    if pollutant not in present:
        raise SchemaError(
            f"The hourly readings have no {pollutant!r} for these stations and "
            f"dates. Pollutants present: {', '.join(sorted(map(str, present)))}."
        )
    wide = (
        part.pivot_table(
            index=["station_id", "time"],
            columns="pollutant",
            values="value",
            aggfunc="mean",
            observed=True,
        )
        .rename(columns=wanted)
        .reset_index()
    )
    wide.columns.name = None
    return tidy_wind(wide)


def tidy_wind(frame: pd.DataFrame) -> pd.DataFrame:
    """Check and clean a wind frame (a copy): bad directions and speeds become NaN."""
    missing = [c for c in WIND_COLUMNS if c not in frame]
    if missing:
        raise SchemaError(
            f"The wind table lacks the column(s) {', '.join(missing)} "
            f"(needed: {', '.join(WIND_COLUMNS)})."
        )
    out = frame.loc[:, list(WIND_COLUMNS) + [c for c in frame if c not in WIND_COLUMNS]].copy()
    for column in ("ws_ms", "wd_deg", "value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    wd = out["wd_deg"].to_numpy()
    bad = (wd < 0) | (wd > 360)
    if bad.any():
        log.warning("%d wind directions outside 0-360° treated as missing", int(bad.sum()))
    out.loc[bad, "wd_deg"] = np.nan
    out.loc[out["wd_deg"] == 360.0, "wd_deg"] = 0.0
    out.loc[out["ws_ms"] < 0, "ws_ms"] = np.nan
    return out.sort_values(["station_id", "time"], kind="stable").reset_index(drop=True)


def wind_classes(
    ws_ms: ArrayLike, wd_deg: ArrayLike, *, calm_ms: float
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Masks (windy, calm, missing) for each hour: exactly one is true."""
    ws = np.asarray(ws_ms, dtype="float64")
    wd = np.asarray(wd_deg, dtype="float64")
    calm = np.isfinite(ws) & (ws < calm_ms)
    windy = np.isfinite(ws) & ~calm & np.isfinite(wd)
    return windy, calm, ~(windy | calm)


# --- grouped core (used by the single-station tables and by sources.suspects) --------


def grouped_cpf(
    group: NDArray[np.int64],
    n_groups: int,
    ws_ms: ArrayLike,
    wd_deg: ArrayLike,
    value: ArrayLike,
    *,
    sectors: int,
    percentile: float,
    calm_ms: float,
    threshold: float | None = None,
) -> dict[str, NDArray]:
    """Sector counts, high-concentration counts and CPF for many groups at once.

    Parameters
    ----------
    group : ndarray of int
        Group number (0..n_groups-1) of each hour, e.g. a station-and-period code.
    ws_ms, wd_deg, value : array-like of float
        Wind speed, direction FROM, concentration of each hour.
    sectors, percentile, calm_ms
        As in :func:`cpf`.
    threshold : float, optional
        A fixed concentration threshold for every group instead of the percentile.

    Returns
    -------
    dict
        ``threshold`` (G,), ``hours`` (G, S) windy hours with a concentration per
        sector, ``high`` (G, S) those at or above the threshold, ``cpf`` (G, S)
        (NaN where a sector has no hour), ``calm`` (G,) calm hours, ``calm_high``
        (G,), ``missing_wind`` (G,) hours with a concentration but no wind.
    """
    _check_sectors(sectors)
    group = np.asarray(group, dtype="int64")
    ws = np.asarray(ws_ms, dtype="float64")
    wd = np.asarray(wd_deg, dtype="float64")
    conc = np.asarray(value, dtype="float64")
    has_conc = np.isfinite(conc)
    windy, calm, missing = wind_classes(ws, wd, calm_ms=calm_ms)
    counted = has_conc & (windy | calm)
    if threshold is None:
        thr = group_percentile(group[counted], conc[counted], n_groups, percentile)
    else:
        thr = np.full(n_groups, float(threshold))
    high = counted & (conc >= thr[group])
    sec = sector_index(wd, sectors)
    w = has_conc & windy
    code = group[w] * sectors + sec[w]
    size = n_groups * sectors
    hours = np.bincount(code, minlength=size).reshape(n_groups, sectors)
    high_s = np.bincount(code, weights=high[w], minlength=size).reshape(n_groups, sectors)
    with np.errstate(invalid="ignore", divide="ignore"):
        cpf_v = np.where(hours > 0, high_s / np.maximum(hours, 1), np.nan)
    return {
        "threshold": thr,
        "hours": hours,
        "high": high_s.astype("int64"),
        "cpf": cpf_v,
        "calm": np.bincount(group[has_conc & calm], minlength=n_groups),
        "calm_high": np.bincount(group[high & calm], minlength=n_groups),
        "missing_wind": np.bincount(group[has_conc & missing], minlength=n_groups),
    }


def group_percentile(
    group: NDArray[np.int64], values: NDArray[np.float64], n_groups: int, percentile: float
) -> NDArray[np.float64]:
    """The ``percentile`` of ``values`` within each group (linear, numpy's default).

    NaN for a group without values. Rows are first gathered by group with a stable
    sort (linear when they already come grouped, as readings sorted by station and
    time do); then each group's two order statistics are found by ``np.partition``
    when there are few groups, else by one argsort of a (group, value) float key.
    """
    if not 0 <= percentile <= 100:
        raise SchemaError(f"percentile={percentile!r} must lie between 0 and 100 (75 is usual).")
    out = np.full(n_groups, np.nan)
    if len(values) == 0:
        return out
    counts = np.bincount(group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ok = np.flatnonzero(counts > 0)
    pos = (counts[ok] - 1) * (percentile / 100.0)
    lo = np.floor(pos).astype("int64")
    hi = np.minimum(lo + 1, counts[ok] - 1)
    frac = pos - lo
    if len(ok) <= _PARTITION_MAX_GROUPS:
        v = values[np.argsort(group, kind="stable")]
        low_v = np.empty(len(ok))
        high_v = np.empty(len(ok))
        for i, (g, a, b) in enumerate(zip(ok, lo, hi, strict=True)):
            block = np.partition(v[starts[g] : starts[g] + counts[g]], (a, b))
            low_v[i], high_v[i] = block[a], block[b]
    else:
        # Groups stay apart in the key (they differ by at least 1); values closer than
        # its rounding may swap within a group, which does not change the order
        # statistics read below (taken from ``values`` themselves).
        low = float(values.min())
        width = float(values.max()) - low + 1.0
        v = values[np.argsort(group * width + (values - low))]
        low_v = v[starts[ok] + lo]
        high_v = v[starts[ok] + hi]
    out[ok] = low_v * (1 - frac) + high_v * frac
    return out


_PARTITION_MAX_GROUPS = 100_000


def _check_bandwidth(value: float, kind: str, unit: str) -> None:
    """A kernel bandwidth must be positive (a zero one would divide by zero)."""
    if not value > 0:
        raise SchemaError(
            t("error.sources.bandwidth", name=t(f"bandwidth_name.{kind}"), value=value, unit=unit)
        )


def direction_kernel_matrix(sigma_deg: float, *, step_deg: float = 1.0) -> NDArray[np.float64]:
    """Gaussian weights between 1°-bins of direction, wrapped round the compass."""
    _check_bandwidth(sigma_deg, "direction", "°")
    centres = np.arange(0.0, 360.0, step_deg)
    diff = angle_diff_deg(centres[:, None], centres[None, :])
    return np.exp(-0.5 * (diff / sigma_deg) ** 2)


def grouped_nwr_direction(
    group: NDArray[np.int64],
    n_groups: int,
    ws_ms: ArrayLike,
    wd_deg: ArrayLike,
    value: ArrayLike,
    *,
    sigma_deg: float,
    calm_ms: float,
) -> NDArray[np.float64]:
    """Direction-only NWR (Gaussian kernel, σ = ``sigma_deg``) for many groups.

    Directions are binned to whole degrees first (at most 0.5° off, small beside σ).

    Returns
    -------
    ndarray, shape (G, 360)
        Kernel-weighted mean concentration for wind from 0°, 1°, ... 359°; NaN for a
        group without windy hours.
    """
    ws = np.asarray(ws_ms, dtype="float64")
    wd = np.asarray(wd_deg, dtype="float64")
    conc = np.asarray(value, dtype="float64")
    windy, _, _ = wind_classes(ws, wd, calm_ms=calm_ms)
    use = windy & np.isfinite(conc)
    deg = np.rint(wd[use]).astype("int64") % 360
    code = np.asarray(group, dtype="int64")[use] * 360 + deg
    counts = np.bincount(code, minlength=n_groups * 360).reshape(n_groups, 360)
    sums = np.bincount(code, weights=conc[use], minlength=n_groups * 360).reshape(n_groups, 360)
    kernel = direction_kernel_matrix(sigma_deg)
    num = sums @ kernel
    den = counts @ kernel
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), np.nan)


# --- single-frame tables --------------------------------------------------------------


def _one_group(frame: pd.DataFrame) -> tuple[NDArray, NDArray, NDArray]:
    tidy = tidy_wind(frame) if "station_id" in frame else frame
    return (
        tidy["ws_ms"].to_numpy("float64"),
        tidy["wd_deg"].to_numpy("float64"),
        tidy["value"].to_numpy("float64"),
    )


def cpf(
    frame: pd.DataFrame,
    *,
    sectors: int = 16,
    percentile: float = 75.0,
    calm_ms: float = 0.5,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Conditional probability function per wind sector, calm hours apart.

    Parameters
    ----------
    frame : pandas.DataFrame
        A wind frame (see :func:`wind_frame`) for one station and period.
    sectors : int
        Number of sectors (16 = 22.5° each; 36 = 10° each).
    percentile : float
        Hours at or above this percentile of the period's concentrations are "high".
    calm_ms : float
        Wind speeds below this are calm.
    threshold : float, optional
        A fixed threshold (e.g. 75 µg/m³) instead of the percentile.

    Returns
    -------
    pandas.DataFrame
        One row per sector (``sector``, ``label``, ``label_zh``, ``centre_deg``,
        ``from_deg``, ``to_deg``, ``hours``, ``high_hours``, ``cpf``) and a last row
        ``label == "calm"`` for calm hours (their CPF is the share of calm hours that
        are high). ``attrs`` holds ``threshold``, ``calm_hours``, ``missing_wind``.
    """
    ws, wd, value = _one_group(frame)
    res = grouped_cpf(
        np.zeros(len(ws), dtype="int64"),
        1,
        ws,
        wd,
        value,
        sectors=sectors,
        percentile=percentile,
        calm_ms=calm_ms,
        threshold=threshold,
    )
    table = sector_table(sectors)
    table["hours"] = res["hours"][0]
    table["high_hours"] = res["high"][0]
    table["cpf"] = res["cpf"][0]
    calm_n = int(res["calm"][0])
    calm_row = {
        "sector": -1,
        "centre_deg": np.nan,
        "from_deg": np.nan,
        "to_deg": np.nan,
        "label": "calm",
        "label_zh": CALM_LABEL,
        "hours": calm_n,
        "high_hours": int(res["calm_high"][0]),
        "cpf": res["calm_high"][0] / calm_n if calm_n else np.nan,
    }
    out = pd.concat([table, pd.DataFrame([calm_row])], ignore_index=True)
    out.attrs.update(
        threshold=float(res["threshold"][0]),
        calm_hours=calm_n,
        missing_wind=int(res["missing_wind"][0]),
        percentile=percentile,
    )
    return out


def wind_rose(
    frame: pd.DataFrame,
    *,
    sectors: int = 16,
    calm_ms: float = 0.5,
    speed_bins_ms: Sequence[float] = SPEED_BINS_MS,
) -> pd.DataFrame:
    """Hours and shares of wind per sector and speed class (a wind rose as numbers).

    Returns
    -------
    pandas.DataFrame
        One row per sector and speed class (``speed_class`` like ``"2-4"`` m/s) with
        ``hours`` and ``percent`` of all hours with a wind reading (calm included),
        then one row ``label == "calm"``. Missing-wind hours are not in the percentages.
    """
    ws, wd, _ = _one_group(frame)
    windy, calm, _ = wind_classes(ws, wd, calm_ms=calm_ms)
    edges = [float(calm_ms), *[float(b) for b in speed_bins_ms if b > calm_ms], np.inf]
    names = [
        f"{a:g}-{b:g}" if np.isfinite(b) else f"≥{a:g}"
        for a, b in zip(edges, edges[1:], strict=False)
    ]
    sec = sector_index(wd[windy], sectors)
    cls = np.clip(np.searchsorted(edges, ws[windy], side="right") - 1, 0, len(names) - 1)
    counts = np.bincount(sec * len(names) + cls, minlength=sectors * len(names))
    total = int(windy.sum() + calm.sum())
    table = sector_table(sectors)
    rows = table.loc[table.index.repeat(len(names))].reset_index(drop=True)
    rows["speed_class"] = names * sectors
    rows["hours"] = counts
    calm_row = pd.DataFrame(
        [
            {
                "sector": -1,
                "label": "calm",
                "label_zh": CALM_LABEL,
                "speed_class": f"<{calm_ms:g}",
                "hours": int(calm.sum()),
            }
        ]
    )
    out = pd.concat([rows, calm_row], ignore_index=True)
    out["percent"] = 100.0 * out["hours"] / total if total else np.nan
    return out


def pollution_rose(frame: pd.DataFrame, *, sectors: int = 16, calm_ms: float = 0.5) -> pd.DataFrame:
    """Mean concentration per wind sector, and each sector's share of the total dose.

    Returns
    -------
    pandas.DataFrame
        One row per sector and a last ``calm`` row: ``hours``, ``mean`` (mean
        concentration with wind from there), ``share_percent`` (percent of the sum of
        all hours' concentrations that came with that wind).
    """
    ws, wd, value = _one_group(frame)
    windy, calm, _ = wind_classes(ws, wd, calm_ms=calm_ms)
    ok = np.isfinite(value)
    sec = sector_index(wd[windy & ok], sectors)
    hours = np.bincount(sec, minlength=sectors)
    sums = np.bincount(sec, weights=value[windy & ok], minlength=sectors)
    table = sector_table(sectors)
    table["hours"] = hours
    with np.errstate(invalid="ignore", divide="ignore"):
        table["mean"] = np.where(hours > 0, sums / np.maximum(hours, 1), np.nan)
    calm_sum = float(value[calm & ok].sum())
    calm_n = int((calm & ok).sum())
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                [
                    {
                        "sector": -1,
                        "label": "calm",
                        "label_zh": CALM_LABEL,
                        "hours": calm_n,
                        "mean": calm_sum / calm_n if calm_n else np.nan,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    total = float(sums.sum()) + calm_sum
    table["share_percent"] = 100.0 * np.append(sums, calm_sum) / total if total else np.nan
    return table


def nwr(
    frame: pd.DataFrame,
    *,
    sigma_deg: float = 10.0,
    h_ms: float = 1.0,
    speed_kernel: Literal["epanechnikov", "gaussian"] = "epanechnikov",
    direction_step_deg: float = 5.0,
    speed_step_ms: float = 0.5,
    max_speed_ms: float | None = None,
    calm_ms: float = 0.5,
) -> pd.DataFrame:
    """Nonparametric wind regression on direction and speed (Henry et al. 2009).

    Parameters
    ----------
    frame : pandas.DataFrame
        A wind frame for one station and period.
    sigma_deg : float
        Bandwidth σ of the Gaussian kernel in direction, degrees.
    h_ms : float
        Bandwidth h of the speed kernel, m/s.
    speed_kernel : {"epanechnikov", "gaussian"}
        Kernel in speed.
    direction_step_deg, speed_step_ms : float
        Spacing of the grid the estimate is given on.
    max_speed_ms : float, optional
        Top of the speed grid; default the 99th percentile of windy speeds.
    calm_ms : float
        Calm hours (below this speed) are left out.

    Returns
    -------
    pandas.DataFrame
        ``direction_deg``, ``speed_ms``, ``conc`` (the estimate; NaN where the kernels
        hold less than 0.5 hour of data), ``weight`` (the sum of kernel weights,
        a count of the hours behind the estimate).
    """
    _check_bandwidth(sigma_deg, "direction", "°")
    _check_bandwidth(h_ms, "speed", "m/s")
    ws, wd, value = _one_group(frame)
    windy, _, _ = wind_classes(ws, wd, calm_ms=calm_ms)
    use = windy & np.isfinite(value)
    ws, wd, value = ws[use], wd[use], value[use]
    top = (
        max_speed_ms
        if max_speed_ms is not None
        else (float(np.percentile(ws, 99)) if len(ws) else calm_ms + 1)
    )
    directions = np.arange(0.0, 360.0, direction_step_deg)
    speeds = np.arange(calm_ms, max(top, calm_ms + speed_step_ms) + 1e-9, speed_step_ms)
    k1 = np.exp(-0.5 * (angle_diff_deg(directions[:, None], wd[None, :]) / sigma_deg) ** 2)
    x = (speeds[:, None] - ws[None, :]) / h_ms
    if speed_kernel == "epanechnikov":
        k2 = np.where(np.abs(x) < 1, 0.75 * (1 - x * x), 0.0)
    elif speed_kernel == "gaussian":
        k2 = np.exp(-0.5 * x * x)
    else:
        raise SchemaError(t("error.sources.speed_kernel", value=speed_kernel))
    weight = k1 @ k2.T  # (D, U)
    num = (k1 * value[None, :]) @ k2.T
    with np.errstate(invalid="ignore", divide="ignore"):
        conc = np.where(weight >= 0.5, num / np.where(weight > 0, weight, 1.0), np.nan)
    d_grid, u_grid = np.meshgrid(directions, speeds, indexing="ij")
    return pd.DataFrame(
        {
            "direction_deg": d_grid.ravel(),
            "speed_ms": u_grid.ravel(),
            "conc": conc.ravel(),
            "weight": weight.ravel(),
        }
    )


def nwr_direction(
    frame: pd.DataFrame, *, sigma_deg: float = 10.0, calm_ms: float = 0.5
) -> pd.DataFrame:
    """Direction-only NWR: kernel-weighted mean concentration for wind from 0°..359°."""
    ws, wd, value = _one_group(frame)
    curve = grouped_nwr_direction(
        np.zeros(len(ws), dtype="int64"), 1, ws, wd, value, sigma_deg=sigma_deg, calm_ms=calm_ms
    )[0]
    return pd.DataFrame({"direction_deg": np.arange(360.0), "conc": curve})


def summary(
    frame: pd.DataFrame,
    *,
    sectors: int = 16,
    percentile: float = 75.0,
    calm_ms: float = 0.5,
    sigma_deg: float = 10.0,
) -> dict[str, float]:
    """Key figures of a station's wind and concentration for one period.

    Returns
    -------
    dict
        ``hours`` (with a concentration), ``windy_hours``, ``calm_hours``,
        ``missing_wind``, ``mean_conc``, ``threshold``, ``vector_mean_wd_deg``
        (speed-weighted vector mean of the wind), ``mean_ws_ms``, ``cpf_peak_deg``
        (centre of the sector with the highest CPF), ``cpf_peak``, ``nwr_peak_deg``.
    """
    ws, wd, value = _one_group(frame)
    windy, calm, missing = wind_classes(ws, wd, calm_ms=calm_ms)
    has = np.isfinite(value)
    table = cpf(frame, sectors=sectors, percentile=percentile, calm_ms=calm_ms)
    sec = table[table["sector"] >= 0]
    peak = sec["cpf"].idxmax() if sec["cpf"].notna().any() else None
    curve = nwr_direction(frame, sigma_deg=sigma_deg, calm_ms=calm_ms)["conc"]
    return {
        "hours": int(has.sum()),
        "windy_hours": int((windy & has).sum()),
        "calm_hours": int((calm & has).sum()),
        "missing_wind": int((missing & has).sum()),
        "mean_conc": float(np.nanmean(value)) if has.any() else float("nan"),
        "threshold": table.attrs["threshold"],
        "vector_mean_wd_deg": circular_mean_deg(wd[windy], ws[windy]),
        "mean_ws_ms": float(np.nanmean(ws)) if np.isfinite(ws).any() else float("nan"),
        # cells of float columns (pandas-stubs types a cell as any scalar)
        "cpf_peak_deg": (
            float(cast(float, sec.at[peak, "centre_deg"])) if peak is not None else float("nan")
        ),
        "cpf_peak": float(cast(float, sec.at[peak, "cpf"])) if peak is not None else float("nan"),
        "nwr_peak_deg": float(np.nanargmax(curve)) if curve.notna().any() else float("nan"),
    }
