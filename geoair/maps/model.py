"""The map model shared by every renderer: layers, colour modes, popup tables, helpers.

A :class:`MapLayer` holds geometries (EPSG:4326), colour modes (a class per feature
and a legend), popup fields and sub-tables, and per-feature flags. Builders in
:mod:`geoair.maps.layers` and :mod:`geoair.maps.monitoring` make them from workspace
frames; :mod:`geoair.maps.interactive` and :mod:`geoair.maps.static` draw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geoair.io.crs import metric_crs_for
from geoair.maps.styles import StyleClass
from geoair.messages import yes_no
from geoair.store.schema import CHECKLIST_ITEMS, INSPECTIONS

__all__ = [
    "DETAIL_LAYERS",
    "DETAIL_MAX",
    "DETAIL_MIN_ZOOM",
    "GROUPS",
    "LAYER_TITLES",
    "MapLayer",
    "ROADS_MAX",
    "ROADS_MIN_ZOOM",
    "Mode",
    "SOURCE_NAMES",
    "SubTable",
    "data_month",
    "read_frames",
]


SOURCE_NAMES = (
    "counties",
    "parks",
    "roads",
    "park_scores",
    "gate_buffers",
    "gate_roads",
    "gangue_heaps",
    "enterprises",
    "gates",
    "inspections",
    "cases",
    "stations",
    "station_monthly",
    "targets_check",
    "station_daily",
    "patrol_routes",
    "patrol_stops",
    "source_suspects",
    "source_plots",
    "risk_scores",
    "enterprise_scores",
)
# Map layer ids users can pass to --layers, with their Chinese titles.
LAYER_TITLES = {
    "counties": "县区界",
    "parks": "园区",
    "roads": "道路",
    "gate_buffers": "厂门100米范围",
    "gate_roads": "厂门100米道路",
    "gangue_heaps": "矸石山",
    "enterprises": "企业",
    "gates": "厂门",
    "stations": "监测站",
    "patrol_routes": "巡查路线",
    "patrol_stops": "巡查点位",
    "source_suspects": "站点-疑似污染源",
}
GROUPS = {
    "counties": "行政区与园区",
    "parks": "行政区与园区",
    "roads": "行政区与园区",
    "enterprises": "企业与厂门",
    "gates": "企业与厂门",
    "gate_buffers": "企业与厂门",
    "gate_roads": "企业与厂门",
    "stations": "监测",
    "source_suspects": "监测",
    "gangue_heaps": "矸石山",
    "patrol_routes": "巡查",
    "patrol_stops": "巡查",
}
_ITEM_LABELS = {
    name: INSPECTIONS.field(name).zh for name in CHECKLIST_ITEMS if name in INSPECTIONS.field_names
}
_ITEM_LABELS["transport_closed"] = "厂区运输密闭"
_POLLUTANT_LABELS = {
    "pm25": "PM2.5 µg/m³",
    "pm2.5": "PM2.5 µg/m³",
    "pm10": "PM10 µg/m³",
    "so2": "SO2 µg/m³",
    "no2": "NO2 µg/m³",
    "co": "CO mg/m³",
    "co_p95": "CO 第95百分位 mg/m³",
    "o3": "O3 µg/m³",
    "o3_8h_p90": "O3日最大8小时 第90百分位 µg/m³",
    "aqi": "AQI",
    "category": "类别",
    "good_days": "优良天数",
    "aqi_days": "有AQI天数",
    "dustfall_t_km2": "降尘 t/(km²·月)",
    "composite_index": "综合指数",
    "valid_days": "有效天数",
    "validity": "有效性",
    "valid": "有效",
}
# Columns of station_monthly not worth a popup line (identity, per-pollutant day counts).
_MONTHLY_SKIP = ("station", "station_name", "county", "name", "min_days")


# Layers of many small things, drawn only when zoomed in once they pass DETAIL_MAX
# features: at province scale 100 m circles are invisible below zoom 13 (about 19 m
# per pixel at 38°N), and drawing 75,000 of them would slow every pan.
DETAIL_LAYERS = ("gates", "gate_buffers", "gate_roads")
DETAIL_MAX = 5000
DETAIL_MIN_ZOOM = 13
# A road network of more lines than this is drawn only from zoom 12 (a county), so that
# a city or province view stays quick; smaller networks are always drawn.
ROADS_MAX = 5000
ROADS_MIN_ZOOM = 12


@dataclass
class Mode:
    """One way to colour a layer: a class index per feature and the legend."""

    key: str
    label: str
    classes: tuple[StyleClass, ...]
    values: np.ndarray  # int index into classes, one per feature


@dataclass
class SubTable:
    """Records shown in a popup below the fields, e.g. the latest inspections.

    Either ``rows`` (feature position -> rows of cells), handy for small tables, or
    ``frame``: one row per record, the feature position in column ``_feature`` and
    one column per name in ``columns`` (fast for tens of thousands of records).
    """

    title: str
    columns: list[str]
    rows: dict[int, list[list]] = field(default_factory=dict)
    frame: pd.DataFrame | None = None

    def by_feature(self) -> dict[int, list[list]]:
        """Feature position -> its rows of cells (from ``rows`` or ``frame``)."""
        if self.frame is None:
            return self.rows
        out: dict[int, list[list]] = {}
        frame = self.frame.reset_index(drop=True)
        cells = frame[self.columns].astype(object).where(frame[self.columns].notna(), None)
        for feature, row in zip(frame["_feature"].tolist(), cells.to_numpy().tolist(), strict=True):
            out.setdefault(int(feature), []).append(row)
        return out


@dataclass
class MapLayer:
    """A layer ready to draw. Geometry is EPSG:4326; ``kind`` says how to draw it.

    ``kind`` is ``point`` (circle markers), ``line``, ``polygon``, ``circle``
    (``radius_m`` around each point) or ``mixed`` (points and polygons together).
    """

    id: str
    title: str
    group: str
    kind: str
    geometry: gpd.GeoSeries
    modes: list[Mode]
    fields: list[tuple[str, pd.Series]]  # (Chinese label, values); the first is the name
    tables: list[SubTable] = field(default_factory=list)
    extra_html: dict[int, str] = field(default_factory=dict)  # trusted, built from numbers
    big: np.ndarray | None = None
    hollow: np.ndarray | None = None
    radius_m: np.ndarray | None = None
    labels: pd.Series | None = None  # permanent text on the map (counties, stop numbers)
    visible: bool = True
    note: str = ""
    min_zoom: int | None = None  # shown only from this zoom level (very large layers)
    keys: pd.Series | None = None  # ids other layers refer to (enterprise id, gate id)
    # label -> (layer id, keys): a field naming a feature of another layer, e.g. a
    # gate's enterprise; the HTML map stores its position instead of repeating the name.
    refs: dict[str, tuple[str, pd.Series]] = field(default_factory=dict)
    links: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)  # resolved refs

    def __len__(self) -> int:
        return len(self.geometry)

    @property
    def names(self) -> pd.Series:
        return self.fields[0][1]


def read_frames(ws) -> dict[str, pd.DataFrame]:
    """Read every layer and table a map can use from workspace ``ws`` (missing ones skipped).

    Paths of pictures (``source_plots.png``, relative to the workspace) are made absolute.
    """
    frames = {}
    for name in SOURCE_NAMES:
        frame = ws.read(name, required=False)
        if frame is not None:
            frames[name] = frame
    plots = frames.get("source_plots")
    if plots is not None and "png" in plots.columns:
        plots = plots.copy()
        plots["png"] = [None if not isinstance(v, str) else str(ws.root / v) for v in plots["png"]]
        frames["source_plots"] = plots
    return frames


def data_month(frames) -> str | None:
    """The latest month the frames' monthly results describe ("2024-03"), for the title of
    a map drawn without --month: scores, monthly indicators, the patrol plan, inspections."""
    found: list[str] = []
    for name, columns in (
        ("park_scores", ("month",)),
        ("enterprise_scores", ("month",)),
        ("station_monthly", ("period", "month")),
        ("patrol_stops", ("date",)),
        ("inspections", ("inspection_date",)),
        ("cases", ("inspection_date",)),
    ):
        frame = frames.get(name)
        column = _pick(frame, *columns)
        if frame is None or column is None or frame.empty:
            continue
        months = _month_of(pd.Series(frame[column]).astype(str))
        months = months[months.str.fullmatch(r"\d{4}-\d{2}").fillna(False)]
        if len(months):
            found.append(str(months.max()))
    return max(found) if found else None


# -- helpers ------------------------------------------------------------------------


def _pick(frame: pd.DataFrame | None, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``frame``."""
    if frame is None:
        return None
    lowered = {str(c).lower(): c for c in frame.columns}
    for name in names:
        if name in frame.columns:
            return name
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _col(frame: pd.DataFrame, name: str, default=None) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([default] * len(frame), dtype=object)


def _class_index(values: pd.Series, order: Sequence[str], *, missing: int) -> np.ndarray:
    lookup = {value: i for i, value in enumerate(order)}
    return np.array(
        [lookup.get(v, missing) if isinstance(v, str) else missing for v in values], dtype=np.int16
    )


def _yes_no(values: pd.Series) -> pd.Series:
    """是/否 for true/false values (bool, 1/0), None for missing ones."""

    def word(value):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, bool | np.bool_ | int | float | np.number):
            return yes_no(value)
        return str(value)

    return pd.Series([word(v) for v in values.tolist()], dtype=object)


def _month_end(month: str | None) -> pd.Timestamp | None:
    if month is None:
        return None
    return pd.Period(month, freq="M").end_time


def _month_of(series: pd.Series) -> pd.Series:
    """Month labels "YYYY-MM" from dates, periods or strings."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m")
    return series.astype(str).str.slice(0, 7)


def _representative_points(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    if (geometry.geom_type == "Point").all():
        return geometry
    return geometry.representative_point()


def _simplify(geometry: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify in metres (in the data's Gauss-Krüger zone), keeping topology."""
    if tolerance_m <= 0 or geometry.empty:
        return geometry
    frame = gpd.GeoDataFrame(geometry=geometry, crs=geometry.crs)
    metric = metric_crs_for(frame)
    simple = frame.geometry.to_crs(metric).simplify(tolerance_m, preserve_topology=True)
    assert geometry.crs is not None  # to_crs(metric) has just needed it
    return simple.to_crs(geometry.crs)


def _lookup(keys: pd.Series) -> pd.Series:
    """Position by key text (first occurrence), for vectorised joins."""
    keys = keys.reset_index(drop=True)
    keys = keys[keys.notna()].astype(str)
    series = pd.Series(keys.index.to_numpy(), index=keys.to_numpy())
    return series[~series.index.duplicated()]


def _key_map(records: pd.DataFrame, enterprises: pd.DataFrame) -> pd.Series:
    """Position of each record's enterprise (by id, else by exact name), -1 when none."""
    out = np.full(len(records), -1.0)
    for column, own in (("enterprise_name", "name"), ("enterprise_id", "id")):
        given = _col(records, column)
        found = _lookup(_col(enterprises, own)).reindex(given.astype(str)).to_numpy(float)
        use = given.notna().to_numpy() & ~np.isnan(found)
        out[use] = found[use]  # ids last: an id match wins over a name match
    return pd.Series(out.astype(np.int64), index=records.index)


def _fmt_date(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _fmt_dates(values) -> pd.Series:
    """ "YYYY-MM-DD" texts (None where missing), vectorised."""
    dates = pd.to_datetime(pd.Series(values).reset_index(drop=True), errors="coerce")
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None)


def _fmt_numbers(values, digits: int = 1) -> pd.Series:
    """Numbers rounded to ``digits``, whole ones as int, None where missing; vectorised."""
    num = pd.to_numeric(pd.Series(values).reset_index(drop=True), errors="coerce").round(digits)
    out = num.astype(object).where(num.notna(), None)
    whole = (num.notna() & (num == num.round(0))).to_numpy()
    out[whole] = [int(v) for v in num[whole].tolist()]
    return out


def _fmt_number(value, digits: int = 1):
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return int(value) if value.is_integer() else round(value, digits)


# -- layers -------------------------------------------------------------------------
