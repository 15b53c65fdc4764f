"""Deterministic sample readings for the demo workspace (seeded; nothing from the network).

Hourly PM2.5, PM10, SO2, NO2, CO, O3, WS and WD for every 国控, 省控 and 园区站 station
of the workspace, for 2020-10-01..2020-12-31 (the period of the annex targets
of 阳政办发〔2020〕131号) and 2024-01-01..2024-03-31 (the clean-factory action of
阳环函〔2024〕6号), and
monthly dustfall for every 降尘点 and 园区站. They are synthetic, shaped to look like
Shanxi winter data and to make the demo show what the checks do:

* diurnal cycles (PM and CO high at night and in the morning, NO2 at rush hours,
  O3 in the afternoon), month-to-month levels near those targets, and
  station factors so that some stations miss some months' targets;
* about 2 % of hours missing at random, a few multi-hour outages that make days
  invalid, and one station-month (the 4th national station, November 2020) with a
  six-day outage, so that month has too few valid days (24 < 27);
* each national station gets a plume from one enterprise within ``[sources]
  radius_m`` (5000 m), so that ``geoair sources suspects`` can name it: the nearest
  焦化/水泥/耐火材料 enterprise in range, else the nearest enterprise of any industry
  in range; enterprises closed by law (依法关闭) are passed over
  (:func:`plume_sources`). The plume is extra PM when the wind blows from that
  enterprise's bearing (what the CPF of :mod:`geoair.sources.wind` should find);
* dustfall around the 9 t/(km²·month) limit, some stations above it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from geoair.errors import GeoairError
from geoair.messages import t
from geoair.store.workspace import Workspace

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "AIR_KINDS",
    "DUSTFALL_MONTHS",
    "PERIODS",
    "PLUME_HALF_WIDTH_DEG",
    "PLUME_INDUSTRIES",
    "SEED",
    "plume_bearings",
    "plume_sources",
    "sample_dustfall",
    "sample_hourly",
    "sample_layers_dir",
    "store_sample_readings",
]


log = logging.getLogger(__name__)

SEED = 4
PERIODS = (("2020-10-01", "2020-12-31"), ("2024-01-01", "2024-03-31"))
AIR_KINDS = ("国控", "省控", "园区站")
PLUME_INDUSTRIES = ("焦化", "水泥", "耐火材料")
DUSTFALL_MONTHS = ("2020-10", "2020-11", "2020-12", "2024-01", "2024-02", "2024-03")
# City-wide PM2.5 monthly level, µg/m³ (near 阳政办发〔2020〕131号 annex 1's 44/57/54 and the
# sample's 2024 targets 68/62/50).
_PM25_LEVEL = {10: 40.0, 11: 53.0, 12: 50.0, 1: 64.0, 2: 58.0, 3: 46.0}
# Diurnal shapes by hour label 1..24 (end of hour).
_HOURS = np.arange(24)
_PM_DIURNAL = (
    1 + 0.25 * np.cos(2 * np.pi * (_HOURS - 22) / 24) + 0.1 * np.cos(2 * np.pi * (_HOURS - 8) / 12)
)
_NO2_DIURNAL = 1 + 0.3 * np.cos(2 * np.pi * (_HOURS - 8) / 12)
_O3_DIURNAL = np.clip(np.sin(np.pi * (_HOURS - 7) / 13), 0.08, None)
PLUME_HALF_WIDTH_DEG = 30.0
_O3_MONTH = np.zeros(13)
_O3_MONTH[[10, 11, 12, 1, 2, 3]] = [1.2, 0.9, 0.8, 0.8, 0.95, 1.15]


def _hours() -> pd.DatetimeIndex:
    parts = [
        pd.date_range(
            pd.Timestamp(a) + pd.Timedelta(hours=1),
            pd.Timestamp(b) + pd.Timedelta(days=1),
            freq="h",
        )
        for a, b in PERIODS
    ]
    return cast(pd.DatetimeIndex, parts[0].append(parts[1]))  # pandas-stubs: an Index


def plume_sources(
    stations: pd.DataFrame, enterprises: pd.DataFrame | None, *, radius_m: float = 5000.0
) -> pd.DataFrame:
    """The enterprise that puts a plume on each national (国控) station.

    The rule, per station: among the enterprises within ``radius_m`` (geodesic, the
    radius :func:`geoair.sources.near.near_sources` searches) that are not closed by law
    (依法关闭), the nearest one of :data:`PLUME_INDUSTRIES` (焦化, 水泥, 耐火材料);
    if there is none, the nearest one of any industry. A station with no enterprise
    in range gets no plume. Ties in distance go to the smaller enterprise id, so the
    choice is the same on every run.

    Parameters
    ----------
    stations : geopandas.GeoDataFrame
        The ``stations`` layer (EPSG:4326; ``id``, ``name``, ``kind``).
    enterprises : geopandas.GeoDataFrame or None
        The ``enterprises`` layer (``id``, ``name``, ``industry``, ``status``).
    radius_m : float
        Search radius in metres (``[sources] radius_m``).

    Returns
    -------
    pandas.DataFrame
        One row per national station with a plume: ``station_id``, ``source_id``,
        ``name``, ``industry``, ``distance_m``, ``bearing_deg`` (from the station,
        degrees clockwise from north).
    """
    from geoair.sources.near import near_sources

    columns = ["station_id", "source_id", "name", "industry", "distance_m", "bearing_deg"]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if enterprises is None or len(enterprises) == 0 or "kind" not in stations:
        return empty
    national = stations[stations["kind"] == "国控"]
    if national.empty:
        return empty
    near = near_sources(  # layers: GeoDataFrames
        cast("gpd.GeoDataFrame", national),
        {"enterprises": cast("gpd.GeoDataFrame", enterprises)},
        radius_m=radius_m,
        lines=False,
    )
    near = near[near["status"].astype("object").ne("依法关闭") & near["bearing_deg"].notna()]
    if near.empty:
        return empty
    preferred = near["industry"].isin(PLUME_INDUSTRIES)
    near = near.assign(tier=np.where(preferred, 0, 1))
    near = near.sort_values(["station_id", "tier", "distance_m", "source_id"], kind="stable")
    chosen = near.drop_duplicates("station_id")[columns].reset_index(drop=True)
    log.info(
        "sample plumes: %s",
        ", ".join(
            f"{r.station_id} <- {r.name} ({r.industry}, {r.distance_m:.0f} m)"
            for r in chosen.itertuples(index=False)
        ),
    )
    return chosen


def plume_bearings(
    stations: pd.DataFrame, enterprises: pd.DataFrame | None, *, radius_m: float = 5000.0
) -> dict[str, tuple[float, str]]:
    """Bearing (degrees from north) from each national station to its plume source
    (:func:`plume_sources`), and that enterprise's name."""
    chosen = plume_sources(stations, enterprises, radius_m=radius_m)
    return {
        str(r.station_id): (float(r.bearing_deg), str(r.name))
        for r in cast(Iterator[Any], chosen.itertuples(index=False))  # fields: any scalar
    }


def sample_hourly(
    stations: pd.DataFrame,
    enterprises: pd.DataFrame | None = None,
    *,
    seed: int = SEED,
    radius_m: float = 5000.0,
) -> pd.DataFrame:
    """Long hourly readings for the air stations of ``stations`` (see module notes).

    ``radius_m`` is the search radius of the plume sources (:func:`plume_sources`).
    """
    rng = np.random.default_rng(seed)
    air = stations[stations["kind"].isin(AIR_KINDS)].sort_values("id")
    bearings = plume_bearings(stations, enterprises, radius_m=radius_m)
    times = _hours()
    n = len(times)
    hour = ((times - pd.Timedelta(hours=1)).hour).to_numpy()
    month = (times - pd.Timedelta(hours=1)).month.to_numpy()
    level = np.array([_PM25_LEVEL[m] for m in month])
    # Shared weather: multi-day episodes (AR(1) in log space), wind from NW mostly.
    episode = np.zeros(n)
    noise = rng.normal(0, 0.09, n)
    for i in range(1, n):
        episode[i] = 0.985 * episode[i - 1] + noise[i]
    shape = _PM_DIURNAL[hour] * np.exp(episode)
    for m in np.unique(month):  # each month's city-wide mean is its level
        shape[month == m] /= shape[month == m].mean()
    ws_city = np.clip(rng.lognormal(np.log(2.0), 0.45, n) * (1 - 0.6 * np.tanh(episode)), 0.2, 12)
    wd_city = (300 + 70 * np.sin(np.arange(n) / 37.0) + rng.normal(0, 45, n)) % 360
    frames = []
    national_rank = 0
    for sid, kind in zip(air["id"].astype(str), air["kind"], strict=True):
        factor = rng.uniform(0.88, 1.12) * (1.12 if kind == "园区站" else 1.0)
        local = rng.normal(0, 0.12, n)
        pm25 = level * factor * shape * np.exp(local - 0.0072)
        ws = np.clip(ws_city * rng.uniform(0.8, 1.2) + rng.normal(0, 0.3, n), 0.1, None)
        wd = (wd_city + rng.normal(0, 20, n)) % 360
        pm10 = pm25 * rng.uniform(1.6, 1.9) + rng.gamma(2.0, 8.0, n)
        if sid in bearings:
            bearing = bearings[sid][0]
            off = np.abs((wd - bearing + 180) % 360 - 180)
            plume = (off <= PLUME_HALF_WIDTH_DEG) & (ws >= 1.0)
            boost = np.where(plume, rng.uniform(25, 55, n) * np.minimum(ws, 4) / 2, 0.0)
            pm25 = pm25 + 0.45 * boost
            pm10 = pm10 + boost
        so2 = np.clip(18 * factor * np.exp(0.6 * episode + rng.normal(0, 0.25, n)), 2, None)
        no2 = np.clip(32 * factor * _NO2_DIURNAL[hour] * np.exp(0.5 * episode + local), 3, None)
        co = np.clip(0.9 * factor * _PM_DIURNAL[hour] * np.exp(0.7 * episode + local), 0.1, None)
        o3 = np.clip(
            90
            * _O3_DIURNAL[hour]
            * _O3_MONTH[month]
            * np.exp(rng.normal(0, 0.2, n))
            * (1 - 0.3 * np.tanh(episode)),
            2,
            None,
        )
        values = {
            "PM2.5": pm25,
            "PM10": pm10,
            "SO2": so2,
            "NO2": no2,
            "CO": co,
            "O3": o3,
            "WS": ws,
            "WD": wd,
        }
        missing = rng.random(n) < 0.02
        for _ in range(3):  # outages of 6-10 hours: invalid days
            start = int(rng.integers(0, n - 12))
            missing[start : start + int(rng.integers(6, 11))] = True
        if kind == "国控":
            national_rank += 1
            if national_rank == 4:  # November 2020: six days out, 24 valid days < 27
                gap = (times > pd.Timestamp("2020-11-10")) & (times <= pd.Timestamp("2020-11-16"))
                missing |= np.asarray(gap)
        for pollutant, v in values.items():
            decimals = 1 if pollutant in ("CO", "WS") else 0
            keep = ~missing
            frames.append(
                pd.DataFrame(
                    {
                        "station_id": sid,
                        "time": times[keep],
                        "pollutant": pollutant,
                        "value": np.round(v[keep], decimals if pollutant != "CO" else 2),
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out["time"] = out["time"].astype("datetime64[us]")
    return out


def sample_dustfall(stations: pd.DataFrame, *, seed: int = SEED) -> pd.DataFrame:
    """Monthly dustfall for every 降尘点 and 园区站, t/(km²·month); some above 9."""
    rng = np.random.default_rng(seed + 1)
    chosen = stations[stations["kind"].isin(["降尘点", "园区站"])].sort_values("id")
    rows = []
    for sid, kind in zip(chosen["id"].astype(str), chosen["kind"], strict=True):
        base = rng.uniform(5.5, 9.5) * (1.15 if kind == "园区站" else 1.0)
        for month in DUSTFALL_MONTHS:
            spring = 1.25 if month.endswith("03") else 1.0
            rows.append(
                {
                    "station_id": sid,
                    "month": month,
                    "dustfall_t_km2": round(float(base * spring * rng.uniform(0.8, 1.2)), 2),
                }
            )
    return pd.DataFrame(rows)


def sample_layers_dir() -> Path:
    """The folder of sample files: inside the installed package, else the checkout's layers/."""
    packaged = resources.files("geoair").joinpath("_sample_layers")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "layers"
    if checkout.is_dir():
        return checkout
    raise GeoairError(t("error.demo.no_sample_data"))


def store_sample_readings(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the sample hourly readings and dustfall of a workspace's stations and store
    them in its readings store (the demo's step before indicators).

    Returns
    -------
    (hourly, dustfall) : DataFrames
        What was stored.
    """
    from geoair.readings.store import store_dustfall, store_hourly

    stations = ws.read("stations")
    enterprises = ws.read("enterprises", required=False)
    hourly = sample_hourly(stations, enterprises, radius_m=ws.settings.sources.radius_m)
    dustfall = sample_dustfall(stations)
    store_hourly(ws, hourly)
    store_dustfall(ws, dustfall)
    return hourly, dustfall
