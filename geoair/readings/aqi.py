"""Air quality index by HJ 633-2012, 环境空气质量指数（AQI）技术规定（试行）.

The individual index of a pollutant (IAQI, 空气质量分指数) is a linear interpolation
between the breakpoints of Table 1 of HJ 633-2012; the AQI is the maximum IAQI; the
category (类别) follows Table 2; the primary pollutant (首要污染物) is the pollutant
with the highest IAQI, named only when AQI > 50 (HJ 633 §5.2/§5.3).

Rules kept to the letter (HJ 633-2012, Table 1 and its notes):

* Daily AQI (日报) uses the 24-hour means of SO2, NO2, PM10, PM2.5 and CO, the daily
  maximum 1-hour O3 and the daily maximum 8-hour O3. The 1-hour limits of SO2, NO2
  and CO are for the hourly (实时报) index only (note 1).
* SO2 1-hour concentrations above 800 µg/m³ have no 1-hour IAQI; the 24-hour IAQI is
  used instead (note 2): :func:`iaqi` returns NaN for them.
* O3 8-hour concentrations above 800 µg/m³ have no 8-hour IAQI; the 1-hour O3 IAQI
  is used (note 3): :func:`iaqi` returns NaN, and :func:`daily_aqi` then relies on
  the 1-hour O3 value, which it always includes.
* Rounding: HJ 633-2012 §4 (空气质量指数计算方法) says the IAQI and AQI results are
  rounded *up* to a whole number (“全部进位取整数，不保留小数”). IAQI is therefore
  ``ceil`` of the interpolated value, computed in integer arithmetic on the
  concentration in 10⁻⁶ units, so that a value on a breakpoint gives its step exactly
  and float noise (35.0000000000001) never adds one.
* Concentrations above the top breakpoint (PM2.5 > 500 µg/m³, ...) are “off the
  chart” (爆表): their IAQI is reported as 500, the top of the scale.

Concentrations are in µg/m³, CO in mg/m³. Daily concentrations should first be
rounded as HJ 663-2013 reports them (:func:`report_round`: whole µg/m³, CO to one
decimal), as :mod:`geoair.readings.indicators` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from geoair.errors import UnknownPollutant
from geoair.messages import t

__all__ = [
    "BREAKPOINTS",
    "CATEGORIES",
    "DAILY_INPUTS",
    "HOURLY_INPUTS",
    "IAQI_STEPS",
    "REPORT_DECIMALS",
    "category",
    "combination_order",
    "daily_aqi",
    "hourly_aqi_sql",
    "iaqi",
    "iaqi_sql",
    "report_round",
]


ArrayLike = np.ndarray | pd.Series | list[float] | float

#: IAQI values of the breakpoints (Table 1, first row).
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

#: Breakpoints of HJ 633-2012 Table 1, keyed by (pollutant, averaging time).
#: µg/m³; CO in mg/m³. SO2 1h and O3 8h stop at 800 (notes 2 and 3).
BREAKPOINTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("SO2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("SO2", "1h"): (0, 150, 500, 650, 800),
    ("NO2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("NO2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("PM10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    ("PM2.5", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
    ("CO", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("CO", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("O3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    ("O3", "8h"): (0, 100, 160, 215, 265, 800),
}
# Above the last breakpoint of these the standard computes no IAQI (notes 2 and 3).
_NOT_COMPUTED_ABOVE = {("SO2", "1h"), ("O3", "8h")}

#: The inputs of the daily AQI: column name -> (pollutant, averaging time).
DAILY_INPUTS: dict[str, tuple[str, str]] = {
    "SO2": ("SO2", "24h"),
    "NO2": ("NO2", "24h"),
    "PM10": ("PM10", "24h"),
    "PM2.5": ("PM2.5", "24h"),
    "CO": ("CO", "24h"),
    "O3_1h_max": ("O3", "1h"),
    "O3_8h_max": ("O3", "8h"),
}
#: The inputs of the hourly AQI (实时报, HJ 633-2012 §5 and Table 1 note 1): the 1-hour
#: tables of SO2 (up to 800), NO2, CO and O3; PM10 and PM2.5 have only 24-hour
#: breakpoints, on which their hourly values are indexed, as the national platform does.
#: Sources checked: HJ 633-2012 Table 1 and its notes (the 1-hour SO2/NO2/CO limits are
#: for the real-time report only; SO2 1-h above 800 not indexed); the Shenzhen ecology
#: bureau's FAQ on 实时报 (the 1-hour values of the six pollutants are its indicators);
#: caiyunapp/aqi-hub ``src/aqi_hub/aqi_cn/aqi.py`` ``cal_aqi_cn(data_type="hourly")``
#: (PM hourly values on the 24-hour tables, IAQI rounded up); and rows of the
#: platform's hourly export as published (tests/test_readings_formats.py), whose aqi
#: this reproduces, and which is empty when one of the six pollutants is missing.
HOURLY_INPUTS: dict[str, tuple[str, str]] = {
    "SO2": ("SO2", "1h"),
    "NO2": ("NO2", "1h"),
    "PM10": ("PM10", "24h"),
    "PM2.5": ("PM2.5", "24h"),
    "CO": ("CO", "1h"),
    "O3": ("O3", "1h"),
}
# The name reported as primary pollutant for each input (HJ 633 names O3 for both).
_PRIMARY_NAME = {"O3_1h_max": "O3_1h", "O3_8h_max": "O3_8h"}

#: HJ 633-2012 Table 2: upper AQI bound, level, category.
CATEGORIES: tuple[tuple[int, str, str], ...] = (
    (50, "一级", "优"),
    (100, "二级", "良"),
    (150, "三级", "轻度污染"),
    (200, "四级", "中度污染"),
    (300, "五级", "重度污染"),
    (10**9, "六级", "严重污染"),
)

#: Decimal places of reported concentrations (HJ 663-2013): CO one, the rest none.
REPORT_DECIMALS = {"PM2.5": 0, "PM10": 0, "SO2": 0, "NO2": 0, "O3": 0, "CO": 1}


#: Concentrations enter the IAQI as whole numbers of 10⁻⁶ of their unit, so that formula
#: (1) and the rounding up are done in integer arithmetic: a value on a breakpoint
#: gives exactly its step, and float noise (35.0000000000001) never adds 1.
_SCALE = 10**6


def iaqi(concentration: ArrayLike, pollutant: str, *, averaging: str = "24h") -> np.ndarray:
    """Individual air quality index (IAQI) of concentrations, HJ 633-2012 formula (1).

    ``IAQI = (IAQI_hi − IAQI_lo) / (BP_hi − BP_lo) × (C − BP_lo) + IAQI_lo``, rounded up
    to a whole number (HJ 633 §4: 全部进位取整数). Computed exactly: C as whole
    10⁻⁶ units, the quotient rounded up in integer arithmetic.

    Parameters
    ----------
    concentration : array-like of float
        µg/m³ (CO: mg/m³). NaN gives NaN.
    pollutant : str
        ``SO2``, ``NO2``, ``PM10``, ``PM2.5``, ``CO`` or ``O3``.
    averaging : str
        ``24h``, ``1h`` or ``8h`` (O3 only); see :data:`BREAKPOINTS`.

    Returns
    -------
    numpy.ndarray of float
        Whole numbers 0-500; NaN for missing or negative values and for SO2 1-h
        above 800 and O3 8-h above 800 µg/m³, which the standard does not index.

    Examples
    --------
    >>> iaqi([35, 36, 75], "PM2.5").tolist()
    [50.0, 52.0, 100.0]
    """
    key = (pollutant, averaging)
    if key not in BREAKPOINTS:
        known = ", ".join(f"{p} {a}" for p, a in BREAKPOINTS)
        raise UnknownPollutant(
            t(
                "error.readings.no_breakpoints",
                pollutant=pollutant,
                averaging=averaging,
                known=known,
            )
        )
    bps = np.asarray(BREAKPOINTS[key], dtype=np.int64) * _SCALE
    steps = np.asarray(IAQI_STEPS[: len(bps)], dtype=np.int64)
    c = np.atleast_1d(np.asarray(concentration, dtype=float))
    bad = np.isnan(c) | (c < 0)
    cs = np.round(np.where(bad, 0.0, c) * _SCALE).astype(np.int64)
    # Segment j: BP_j < C <= BP_j+1 (a value on a breakpoint takes its step exactly).
    j = np.clip(np.searchsorted(bps, cs, side="left") - 1, 0, len(bps) - 2)
    num = (steps[j + 1] - steps[j]) * (cs - bps[j])
    den = bps[j + 1] - bps[j]
    out = (steps[j] + -(-num // den)).astype(float)  # ceiling division
    above = cs > bps[-1]
    out = np.where(above, np.nan if key in _NOT_COMPUTED_ABOVE else 500.0, out)
    out = np.where(bad, np.nan, out)
    return out.reshape(np.shape(concentration))


def iaqi_sql(expr: str, pollutant: str, *, averaging: str = "24h") -> str:
    """:func:`iaqi` as an SQL expression (DuckDB; integer arithmetic, same results).

    Parameters
    ----------
    expr : str
        SQL expression of the concentration (µg/m³, CO mg/m³).
    pollutant, averaging : str
        As for :func:`iaqi`.
    """
    key = (pollutant, averaging)
    if key not in BREAKPOINTS:
        raise UnknownPollutant(
            t("error.readings.no_breakpoints_short", pollutant=pollutant, averaging=averaging)
        )
    bps = [int(b) * _SCALE for b in BREAKPOINTS[key]]
    steps = IAQI_STEPS[: len(bps)]
    cs = f"CAST(round(({expr}) * {_SCALE}) AS BIGINT)"
    whens = [f"WHEN ({expr}) IS NULL OR ({expr}) < 0 THEN NULL"]
    for j in range(len(bps) - 1):
        num = f"({steps[j + 1] - steps[j]} * ({cs} - {bps[j]}))"
        den = bps[j + 1] - bps[j]
        whens.append(f"WHEN {cs} <= {bps[j + 1]} THEN {steps[j]} + ({num} + {den - 1}) // {den}")
    top = "NULL" if key in _NOT_COMPUTED_ABOVE else "500"
    return f"CAST(CASE {' '.join(whens)} ELSE {top} END AS DOUBLE)"


def hourly_aqi_sql(values: Mapping[str, str]) -> str:
    """SQL of the hourly AQI (实时报) from the hour's concentrations: the largest IAQI of
    the six :data:`HOURLY_INPUTS`, each by :func:`iaqi_sql`; NULL unless all six are
    there (the national platform publishes no AQI for such an hour).

    Parameters
    ----------
    values : mapping
        Pollutant name (``PM2.5``, ``PM10``, ``SO2``, ``NO2``, ``CO``, ``O3``) -> SQL
        expression of its hourly concentration.
    """
    parts = [
        iaqi_sql(expr, *HOURLY_INPUTS[name][:1], averaging=HOURLY_INPUTS[name][1])
        for name, expr in values.items()
    ]
    if len(values) < len(HOURLY_INPUTS):
        return "CAST(NULL AS DOUBLE)"
    # Only an hour with all six pollutants has an AQI, as the national platform publishes
    # it (its aqi column is empty when one of the six is missing).
    every = " AND ".join(f"({expr}) IS NOT NULL" for expr in values.values())
    return f"(CASE WHEN {every} THEN greatest({', '.join(parts)}) END)"


def category(aqi_values: ArrayLike) -> np.ndarray:
    """Category (类别) of AQI values: 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染.

    Parameters
    ----------
    aqi_values : array-like of float
        Whole-number AQI; NaN gives None.

    Returns
    -------
    numpy.ndarray of object
    """
    a = np.asarray(aqi_values, dtype=float)
    bounds = np.array([upper for upper, _, _ in CATEGORIES], dtype=float)
    names = np.array([name for _, _, name in CATEGORIES], dtype=object)
    index = np.searchsorted(bounds, a, side="left")
    out = names[np.clip(index, 0, len(names) - 1)]
    # numpy's stubs take no None where numpy takes it (an object scalar)
    return np.where(np.isnan(a), None, out)  # type: ignore[call-overload]


def _category_codes(aqi_values: np.ndarray) -> pd.Categorical[str]:
    bounds = np.array([upper for upper, _, _ in CATEGORIES], dtype=float)
    names = [name for _, _, name in CATEGORIES]
    codes = np.clip(np.searchsorted(bounds, aqi_values, side="left"), 0, len(names) - 1)
    return pd.Categorical.from_codes(
        np.where(np.isnan(aqi_values), -1, codes), categories=pd.Index(names)
    )


def _combinations(mask: np.ndarray, labels: list[str]) -> pd.Categorical[str]:
    """Bit masks over ``labels`` as comma-joined names (0: missing)."""
    codes, inverse = np.unique(mask, return_inverse=True)
    names = [",".join(label for j, label in enumerate(labels) if code >> j & 1) for code in codes]
    categories = [name for name in names if name]
    lookup = np.array([categories.index(name) if name else -1 for name in names], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[inverse.ravel()], categories=pd.Index(categories))


def combination_order(
    combinations: Iterable[str], inputs: Iterable[str] = DAILY_INPUTS
) -> list[str] | None:
    """Comma-joined pollutant combinations (a ``primary_pollutant`` or
    ``exceeding_pollutants`` category) in the order :func:`daily_aqi` lists them.

    That order is by bit mask, a bit per input in the order of ``inputs``; it depends
    only on the combinations, so tables computed in parts can be given the same order.
    None when a combination names a pollutant that is not an input.

    Examples
    --------
    >>> combination_order(["PM2.5,O3_8h", "PM10", "PM2.5"])
    ['PM10', 'PM2.5', 'PM2.5,O3_8h']
    """
    bits = {_PRIMARY_NAME.get(name, name): j for j, name in enumerate(inputs)}
    keyed = []
    for combination in combinations:
        names = combination.split(",")
        if not all(name in bits for name in names):
            return None
        keyed.append((sum(1 << bits[name] for name in names), combination))
    return [combination for _, combination in sorted(keyed)]


def report_round(values: pd.Series | np.ndarray, pollutant: str) -> np.ndarray:
    """Round concentrations as HJ 663-2013 reports them: whole µg/m³, CO to 0.1 mg/m³.

    Rounding is half-to-even (GB/T 8170 四舍六入五成双), after removing float noise.
    """
    decimals = REPORT_DECIMALS.get(pollutant, 1)
    v = np.round(np.asarray(values, dtype=float), 9)
    return np.round(v, decimals)


def daily_aqi(
    daily: pd.DataFrame, *, columns: Mapping[str, tuple[str, str]] | None = None
) -> pd.DataFrame:
    """Daily AQI, category and primary pollutant from daily concentrations.

    Parameters
    ----------
    daily : DataFrame
        One row per station and day, with some of the columns of :data:`DAILY_INPUTS`:
        ``SO2``, ``NO2``, ``PM10``, ``PM2.5``, ``CO`` (24-h means), ``O3_1h_max`` and
        ``O3_8h_max``; NaN where a value is missing or invalid.
    columns : mapping, optional
        Other column names -> (pollutant, averaging), replacing the defaults.

    Returns
    -------
    DataFrame
        On ``daily``'s index: ``iaqi_<column>`` for each input, ``aqi`` (max IAQI, NaN
        if none), ``category``, ``primary_pollutant`` (the pollutant(s) with the
        highest IAQI, joined by ``,`` on ties, when AQI > 50; else None),
        ``exceeding_pollutants`` (超标污染物: those with IAQI > 100, or None).
        ``daily`` is not modified.

    Examples
    --------
    >>> d = pd.DataFrame({"PM2.5": [80.0], "PM10": [100.0], "O3_8h_max": [90.0]})
    >>> row = daily_aqi(d).iloc[0]
    >>> float(row["aqi"]), row["category"], row["primary_pollutant"]
    (107.0, '轻度污染', 'PM2.5')
    """
    inputs = dict(columns or DAILY_INPUTS)
    present = [name for name in inputs if name in daily.columns]
    out = pd.DataFrame(index=daily.index)
    for name in present:
        pollutant, averaging = inputs[name]
        out[f"iaqi_{name}"] = iaqi(
            daily[name].to_numpy(dtype=float), pollutant, averaging=averaging
        )
    if not present:
        out["aqi"] = np.nan
        out["category"] = None
        out["primary_pollutant"] = None
        return out
    matrix = out[[f"iaqi_{name}" for name in present]].to_numpy(dtype=float)
    has_any = ~np.isnan(matrix).all(axis=1)
    filled = np.where(np.isnan(matrix), -1.0, matrix)
    aqi_values = np.where(has_any, filled.max(axis=1), np.nan)
    out["aqi"] = aqi_values
    out["category"] = _category_codes(aqi_values)
    labels = [_PRIMARY_NAME.get(name, name) for name in present]
    # Ties name every pollutant at the maximum, in order: a bit per pollutant, then one
    # label per distinct combination, as a categorical (fast on millions of rows).
    top = np.zeros(len(out), dtype=np.int64)
    over = np.zeros(len(out), dtype=np.int64)
    for j in range(len(labels)):
        top |= (filled[:, j] == aqi_values).astype(np.int64) << j
        over |= (filled[:, j] > 100).astype(np.int64) << j
    top = np.where(np.isnan(aqi_values) | (aqi_values <= 50), 0, top)
    out["primary_pollutant"] = _combinations(top, labels)
    # 超标污染物 (HJ 633 §4.3): every pollutant whose IAQI is above 100.
    out["exceeding_pollutants"] = _combinations(over, labels)
    return out
