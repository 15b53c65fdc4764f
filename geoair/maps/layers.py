"""What goes on a map: the workspace's layers, classified and described, for any renderer.

:func:`collect_layers` turns the frames of a workspace (layers and the tables that
describe them: inspections, cases, scores, indicators, targets) into a list of
:class:`MapLayer`. A MapLayer holds the geometries (EPSG:4326), one or more colour
modes (each a class per feature and a legend), the popup fields and sub-tables, and
per-feature flags (larger, hollow). The HTML map (:mod:`geoair.maps.interactive`) and
the PNG (:mod:`geoair.maps.static`) draw the same MapLayers, so they always agree.

Derived tables come from other capabilities and are optional: a layer is drawn with
whatever the workspace has (parks without scores are drawn unscored, stations
without indicators by kind). Text values are kept raw here; renderers escape them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geoair._errors import GeoairError
from geoair.crs import metric_crs_for
from geoair.maps import styles
from geoair.maps.styles import StyleClass
from geoair.schema import CHECKLIST_ITEMS, INSPECTIONS

log = logging.getLogger(__name__)

# Everything a map can show, in drawing order (bottom first).
SOURCE_NAMES = (
    "counties", "parks", "park_scores", "gate_buffers", "gate_roads", "gangue_heaps",
    "enterprises", "gates", "inspections", "cases", "stations", "station_monthly",
    "targets_check", "patrol_routes", "patrol_stops", "source_suspects",
)
# Map layer ids users can pass to --layers, with their Chinese titles.
LAYER_TITLES = {
    "counties": "县区界",
    "parks": "园区",
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
    "counties": "行政区与园区", "parks": "行政区与园区",
    "enterprises": "企业与厂门", "gates": "企业与厂门", "gate_buffers": "企业与厂门",
    "gate_roads": "企业与厂门",
    "stations": "监测", "source_suspects": "监测",
    "gangue_heaps": "矸石山",
    "patrol_routes": "巡查", "patrol_stops": "巡查",
}
_ITEM_LABELS = {name: INSPECTIONS.field(name).zh for name in CHECKLIST_ITEMS
                if name in INSPECTIONS.field_names}
_ITEM_LABELS["transport_closed"] = "厂区运输密闭"
_POLLUTANT_LABELS = {"pm25": "PM2.5 µg/m³", "pm2.5": "PM2.5 µg/m³", "pm10": "PM10 µg/m³",
                     "so2": "SO2 µg/m³", "no2": "NO2 µg/m³", "co": "CO mg/m³",
                     "co_p95": "CO 第95百分位 mg/m³", "o3": "O3 µg/m³",
                     "o3_8h_p90": "O3日最大8小时 第90百分位 µg/m³", "aqi": "AQI",
                     "category": "类别", "good_days": "优良天数", "aqi_days": "有AQI天数",
                     "dustfall_t_km2": "降尘 t/(km²·月)", "composite_index": "综合指数",
                     "valid_days": "有效天数", "validity": "有效性", "valid": "有效"}
# Columns of station_monthly not worth a popup line (identity, per-pollutant day counts).
_MONTHLY_SKIP = ("station", "station_name", "county", "name", "min_days")


# Layers of many small things, drawn only when zoomed in once they pass DETAIL_MAX
# features: at province scale 100 m circles are invisible below zoom 13 (about 19 m
# per pixel at 38°N), and drawing 75,000 of them would slow every pan.
DETAIL_LAYERS = ("gates", "gate_buffers", "gate_roads")
DETAIL_MAX = 5000
DETAIL_MIN_ZOOM = 13


class MapDataError(GeoairError, ValueError):
    """The workspace's layers cannot be put on a map as they are."""


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
        for feature, row in zip(frame["_feature"].tolist(), cells.to_numpy().tolist(),
                                strict=True):
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
    """Read every layer and table a map can use from workspace ``ws`` (missing ones skipped)."""
    frames = {}
    for name in SOURCE_NAMES:
        frame = ws.read(name, required=False)
        if frame is not None:
            frames[name] = frame
    return frames


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
    return np.array([lookup.get(v, missing) if isinstance(v, str) else missing for v in values],
                    dtype=np.int16)


def _yes_no(values: pd.Series) -> pd.Series:
    """是/否 for true/false values (bool, 1/0), None for missing ones."""
    def word(value):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, bool | np.bool_ | int | float | np.number):
            return "是" if value else "否"
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
    """"YYYY-MM-DD" texts (None where missing), vectorised."""
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

def _counties(frames, settings) -> MapLayer | None:
    counties = frames.get("counties")
    if counties is None or counties.empty:
        return None
    geometry = _simplify(counties.geometry.reset_index(drop=True), settings["simplify_m"])
    names = _col(counties, "name")
    return MapLayer(
        "counties", LAYER_TITLES["counties"], GROUPS["counties"], "polygon", geometry,
        [Mode("outline", "县区界", (styles.COUNTY,), np.zeros(len(counties), dtype=np.int16))],
        [("县区", names), ("行政区划代码", _col(counties, "code"))],
        labels=names,
        note="无法连接底图服务器时，县区界即为底图",
    )


def _parks(frames, settings, month) -> MapLayer | None:
    parks = frames.get("parks")
    if parks is None or parks.empty:
        return None
    parks = parks.reset_index(drop=True)
    geometry = _simplify(parks.geometry, settings["simplify_m"])
    names = _col(parks, "name")
    fields = [("园区", names), ("编号", _col(parks, "id")), ("县区", _col(parks, "county")),
              ("重点园区", _yes_no(_col(parks, "key_park")))]
    key = _yes_no(_col(parks, "key_park"))
    modes = [Mode("key", "园区类型", styles.PARK_KEY,
                  np.where(key == "是", 0, 1).astype(np.int16))]
    tables: list[SubTable] = []
    scores = frames.get("park_scores")
    score_col = _pick(scores, "total", "score", "total_score", "总分", "得分")
    if scores is not None and score_col is not None and not scores.empty:
        scores = scores.copy()
        month_col = _pick(scores, "month", "period")
        if month_col is not None:
            months = _month_of(scores[month_col])
            chosen = month or months.max()
            scores = scores[months == chosen]
        position = _park_positions(scores, parks)
        scores = scores[position >= 0]
        position = position[position >= 0]
        values = np.full(len(parks), np.nan)
        values[position.to_numpy()] = pd.to_numeric(scores[score_col], errors="coerce").to_numpy()
        if np.isfinite(values).any():
            classes, cls = _quintiles(values)
            modes.insert(0, Mode("score", "园区得分", classes, cls))
            fields.append(("得分", pd.Series(values).map(_fmt_number)))
            rank_col = _pick(scores, "rank", "排名")
            if rank_col is not None:
                ranks = pd.Series([None] * len(parks), dtype=object)
                ranks.iloc[position.to_numpy()] = scores[rank_col].to_numpy()
                fields.append(("排名", ranks.map(_fmt_number)))
            skip = {month_col, score_col, rank_col, *(_park_key_cols(scores))}
            rows: dict[int, list[list]] = {}
            for pos, (_, record) in zip(position, scores.iterrows(), strict=True):
                cells = [[str(c), _fmt_number(v, 3) if isinstance(v, int | float | np.number)
                          and not isinstance(v, bool) else (None if pd.isna(v) else str(v))]
                         for c, v in record.items() if c not in skip and c != "geometry"]
                rows[int(pos)] = cells
            tables.append(SubTable("得分构成", ["项目", "数值"], rows))
    return MapLayer("parks", LAYER_TITLES["parks"], GROUPS["parks"], "polygon", geometry,
                    modes, fields, tables)


def _park_key_cols(scores: pd.DataFrame) -> list[str]:
    return [c for c in ("park_id", "park", "park_name", "name", "id") if c in scores.columns]


def _park_positions(scores: pd.DataFrame, parks: pd.DataFrame) -> pd.Series:
    ids = {v: i for i, v in enumerate(_col(parks, "id").astype(str))}
    names = {v: i for i, v in enumerate(_col(parks, "name").astype(str))}
    out = pd.Series(-1, index=scores.index, dtype=np.int64)
    for column in _park_key_cols(scores):
        for idx, value in scores[column].items():
            if out[idx] < 0:
                out[idx] = ids.get(str(value), names.get(str(value), -1))
    return out


def _quintiles(values: np.ndarray) -> tuple[tuple[StyleClass, ...], np.ndarray]:
    """Five classes from the quintiles of the finite values; NaN gets the 'unscored' class."""
    finite = values[np.isfinite(values)]
    edges = np.quantile(finite, [0.2, 0.4, 0.6, 0.8])
    lo, hi = float(finite.min()), float(finite.max())
    bounds = [lo, *edges.tolist(), hi]
    classes = tuple(
        StyleClass(f"{bounds[i]:.1f} - {bounds[i + 1]:.1f}", styles.PARK_SCORE_COLORS[i])
        for i in range(5)
    ) + (styles.PARK_UNSCORED,)
    cls = np.where(np.isfinite(values), np.searchsorted(edges, values, side="right"), 5)
    return classes, cls.astype(np.int16)


def _enterprises(frames, settings, month) -> MapLayer | None:
    ent = frames.get("enterprises")
    if ent is None or ent.empty:
        return None
    ent = ent.reset_index(drop=True)
    n = len(ent)
    geometry = _representative_points(ent.geometry)
    until = _month_end(month)
    status = _col(ent, "status")
    met = np.zeros(n)
    failed = np.zeros(n)
    inspected = np.zeros(n, dtype=bool)
    last_date = pd.Series([None] * n, dtype=object)
    tables: list[SubTable] = []
    insp = frames.get("inspections")
    if insp is not None and not insp.empty:
        insp = insp.copy()
        if until is not None and "inspection_date" in insp:
            insp = insp[~(pd.to_datetime(insp["inspection_date"]) > until)]
        insp["_pos"] = _key_map(insp, ent)
        insp = insp[insp["_pos"] >= 0]
        items = [c for c in CHECKLIST_ITEMS if c in insp.columns]
        ok = insp[items].astype("boolean")
        insp["_met"] = ok.eq(True).sum(axis=1)
        insp["_failed"] = ok.eq(False).sum(axis=1)
        bits = np.zeros(len(insp), dtype=np.int64)
        for j, item in enumerate(items):
            bits |= ok[item].eq(False).fillna(False).to_numpy(bool).astype(np.int64) << j
        names_of = {code: "、".join(_ITEM_LABELS[c] for j, c in enumerate(items) if code >> j & 1)
                    for code in np.unique(bits).tolist()}
        insp["_failed_names"] = [names_of[code] for code in bits.tolist()]
        date_col = "inspection_date" if "inspection_date" in insp else None
        insp = insp.sort_values(["_pos", date_col] if date_col else ["_pos"],
                                ascending=[True, False] if date_col else [True],
                                na_position="last", kind="stable")
        latest = insp.drop_duplicates("_pos", keep="first")
        positions = latest["_pos"].to_numpy()
        met[positions] = latest["_met"].to_numpy()
        failed[positions] = latest["_failed"].to_numpy()
        inspected[positions] = (latest["_met"] + latest["_failed"]).to_numpy() > 0
        if date_col:
            last_date.iloc[positions] = _fmt_dates(latest[date_col]).to_numpy()
        if "status" in latest:
            newer = latest["status"].notna().to_numpy()
            status = status.copy()
            status.iloc[positions[newer]] = latest["status"].to_numpy()[newer]
        top = insp.groupby("_pos", sort=False).head(3)
        frame = pd.DataFrame({
            "_feature": top["_pos"].to_numpy(),
            "日期": _fmt_dates(top[date_col]).to_numpy() if date_col else None,
            "合格项": (top["_met"].astype(int).astype(str) + f"/{len(items)}").to_numpy(),
            "不合格项": top["_failed_names"].replace("", "无").to_numpy(),
            "生产状态": _col(top, "status").to_numpy()})
        tables.append(SubTable("最近检查", ["日期", "合格项", "不合格项", "生产状态"],
                               frame=frame))
    compliance = np.where(~inspected, 3, np.where(failed == 0, 0, np.where(failed <= 2, 1, 2)))
    open_cases = np.zeros(n, dtype=np.int64)
    fines = np.zeros(n)
    has_cases = False
    cases = frames.get("cases")
    if cases is not None and not cases.empty:
        has_cases = True
        cases = cases.copy()
        if until is not None and "inspection_date" in cases:
            cases = cases[~(pd.to_datetime(cases["inspection_date"]) > until)]
        cases["_pos"] = _key_map(cases, ent)
        cases = cases[cases["_pos"] >= 0]
        fine = pd.to_numeric(_col(cases, "fine_yuan"), errors="coerce").fillna(0).to_numpy()
        np.add.at(fines, cases["_pos"].to_numpy(), fine)
        rectified = _col(cases, "rectified").astype("boolean").fillna(False).to_numpy(bool)
        open_ = cases[~rectified]
        np.add.at(open_cases, open_["_pos"].to_numpy(), 1)
        frame = pd.DataFrame({
            "_feature": open_["_pos"].to_numpy(),
            "检查日期": _fmt_dates(_col(open_, "inspection_date")).to_numpy(),
            "问题": _col(open_, "problem").to_numpy(),
            "处理措施": _col(open_, "measure").to_numpy(),
            "罚款(元)": _fmt_numbers(_col(open_, "fine_yuan"), 2).to_numpy()})
        tables.append(SubTable("未整改问题", ["检查日期", "问题", "处理措施", "罚款(元)"],
                               frame=frame))
    compliance_text = pd.Series(
        [f"{int(m)}项合格, {int(f)}项不合格" if i else None
         for m, f, i in zip(met, failed, inspected, strict=True)], dtype=object)
    fields = [
        ("企业名称", _col(ent, "name")), ("编号", _col(ent, "id")), ("县区", _col(ent, "county")),
        ("乡镇(街道)", _col(ent, "township")), ("行业", _col(ent, "industry")),
        ("规模以上", _yes_no(_col(ent, "above_scale"))),
        ("绩效等级", _col(ent, "performance_grade")), ("生产状态", status),
        ("责任人", _col(ent, "responsible")), ("最近检查", last_date),
        ("检查结果", compliance_text),
    ]
    if has_cases:
        fields += [("未整改问题数", pd.Series(open_cases)),
                    ("罚款合计(元)", pd.Series(fines).map(_fmt_number))]
    modes = [
        Mode("compliance", "最近检查合规", styles.COMPLIANCE, compliance.astype(np.int16)),
        Mode("grade", "绩效等级", styles.GRADE,
             _class_index(_col(ent, "performance_grade"), styles.GRADE_ORDER, missing=5)),
        Mode("status", "生产状态", styles.STATUS,
             _class_index(status, styles.STATUS_ORDER, missing=4)),
    ]
    order = {"compliance": 0, "grade": 1, "status": 2}
    first = order.get(settings["enterprise_colour"], 0)
    if first == 0 and not inspected.any():
        first = 2
    modes.insert(0, modes.pop(first))
    big = _col(ent, "above_scale").astype("boolean").fillna(False).to_numpy(bool)
    return MapLayer("enterprises", LAYER_TITLES["enterprises"], GROUPS["enterprises"], "point",
                    geometry, modes, fields, tables, big=big,
                    note="规模以上企业以大圆点表示", keys=_col(ent, "id"))


def _gates(frames) -> MapLayer | None:
    gates = frames.get("gates")
    if gates is None or gates.empty:
        return None
    gates = gates.reset_index(drop=True)
    return MapLayer(
        "gates", LAYER_TITLES["gates"], GROUPS["gates"], "point", gates.geometry,
        [Mode("gate", "厂门", (styles.GATE,), np.zeros(len(gates), dtype=np.int16))],
        [("厂门", _col(gates, "name")), ("编号", _col(gates, "id")),
         ("企业", _col(gates, "enterprise_name"))],
        keys=_col(gates, "id"), refs={"企业": ("enterprises", _col(gates, "enterprise_id"))})


def _gate_buffers(frames) -> MapLayer | None:
    buffers = frames.get("gate_buffers")
    if buffers is None or buffers.empty:
        return None
    buffers = buffers.reset_index(drop=True)
    # Centre: the planar centroid in degrees (within a millimetre for a 100 m circle);
    # radius: the geodesic distance from it to the first vertex, which lies on the circle.
    geoms = np.asarray(buffers.geometry.values)
    centre_xy = shapely.get_coordinates(shapely.centroid(geoms))
    rim_xy = shapely.get_coordinates(shapely.get_point(shapely.get_exterior_ring(
        shapely.get_geometry(geoms, 0)), 0))
    if len(centre_xy) != len(buffers) or len(rim_xy) != len(buffers):
        raise MapDataError("gate_buffers has empty or non-polygon rows; run geoair gate-roads "
                           "again to rebuild it.")
    _, _, radius = Geod(ellps="WGS84").inv(centre_xy[:, 0], centre_xy[:, 1], rim_xy[:, 0],
                                           rim_xy[:, 1])
    centres = gpd.GeoSeries(shapely.points(centre_xy), crs=buffers.crs)
    radius_col = _pick(buffers, "radius_m")
    if radius_col is not None:
        given = pd.to_numeric(buffers[radius_col], errors="coerce").to_numpy()
        radius = np.where(np.isfinite(given), given, radius)
    name = _col(buffers, _pick(buffers, "gate_name", "name") or "name")
    return MapLayer(
        "gate_buffers", LAYER_TITLES["gate_buffers"], GROUPS["gate_buffers"], "circle", centres,
        [Mode("buffer", "厂门100米范围", (styles.GATE_BUFFER,),
              np.zeros(len(buffers), dtype=np.int16))],
        [("厂门", name.where(name.notna(), _col(buffers, "gate_id"))),
         ("半径(米)", pd.Series(radius).map(lambda r: round(float(r), 1)))],
        radius_m=radius, refs={"厂门": ("gates", _col(buffers, "gate_id"))})


def _gate_roads(frames) -> MapLayer | None:
    roads = frames.get("gate_roads")
    if roads is None or roads.empty:
        return None
    roads = roads.reset_index(drop=True)
    length = pd.to_numeric(_col(roads, "length_m"), errors="coerce").map(
        lambda v: None if pd.isna(v) else round(float(v), 1))
    road_name = _col(roads, _pick(roads, "road_name", "name") or "road_name")
    return MapLayer(
        "gate_roads", LAYER_TITLES["gate_roads"], GROUPS["gate_roads"], "line", roads.geometry,
        [Mode("road", "厂门100米道路", (styles.GATE_ROAD,), np.zeros(len(roads), dtype=np.int16))],
        [("道路", road_name), ("厂门", _col(roads, "gate_id")),
         ("企业", _col(roads, "enterprise_id")),
         ("道路等级", _col(roads, _pick(roads, "road_class") or "road_class")),
         ("长度(米)", length)],
        refs={"厂门": ("gates", _col(roads, "gate_id")),
              "企业": ("enterprises", _col(roads, "enterprise_id"))})


def _heaps(frames) -> MapLayer | None:
    heaps = frames.get("gangue_heaps")
    if heaps is None or heaps.empty:
        return None
    heaps = heaps.reset_index(drop=True)
    burning = _col(heaps, "burning").astype("boolean").fillna(False).to_numpy(bool)
    treatment = _class_index(_col(heaps, "treatment"), styles.HEAP_TREATMENT_ORDER, missing=3)
    cls = np.where(burning, 0, treatment + 1).astype(np.int16)
    hollow = (_col(heaps, "owner_status") == "无主").to_numpy(bool)
    kind = "point" if (heaps.geom_type == "Point").all() else "mixed"
    fields = [("矸石山", _col(heaps, "name")), ("编号", _col(heaps, "id")),
              ("县区", _col(heaps, "county")), ("有主/无主", _col(heaps, "owner_status")),
              ("治理情况", _col(heaps, "treatment")),
              ("自燃/冒烟", _yes_no(_col(heaps, "burning"))),
              ("面积(m²)", pd.to_numeric(_col(heaps, "area_m2"), errors="coerce").map(_fmt_number)),
              ("体积(m³)", pd.to_numeric(_col(heaps, "volume_m3"), errors="coerce").map(
                  _fmt_number))]
    return MapLayer("gangue_heaps", LAYER_TITLES["gangue_heaps"], GROUPS["gangue_heaps"], kind,
                    heaps.geometry, [Mode("heap", "矸石山", styles.HEAP, cls)], fields,
                    hollow=hollow, note=styles.HEAP_OWNERLESS_NOTE)


def _station_positions(table: pd.DataFrame, stations: pd.DataFrame, *columns: str) -> pd.Series:
    ids = {v: i for i, v in enumerate(_col(stations, "id").astype(str))}
    names = {v: i for i, v in enumerate(_col(stations, "name").astype(str))}
    out = pd.Series(-1, index=table.index, dtype=np.int64)
    for column in columns:
        if column not in table.columns:
            continue
        for idx, value in table[column].items():
            if out[idx] < 0:
                out[idx] = ids.get(str(value), names.get(str(value), -1))
    return out


def _monthly_wide(monthly: pd.DataFrame) -> pd.DataFrame:
    """station_monthly as one row per station and month (pivoting a long table)."""
    pollutant, value = _pick(monthly, "pollutant"), _pick(monthly, "value", "mean")
    month_col = _pick(monthly, "month", "period")
    key = _pick(monthly, "station_id", "station", "station_name", "id", "name")
    if key is None or month_col is None:
        return pd.DataFrame()
    frame = monthly.copy()
    frame["_month"] = _month_of(frame[month_col])
    if pollutant and value:
        wide = frame.pivot_table(index=[key, "_month"], columns=pollutant, values=value,
                                 aggfunc="first").reset_index()
        wide.columns = [str(c) for c in wide.columns]
        return wide.rename(columns={key: "_key"})
    return frame.rename(columns={key: "_key"}).drop(columns=[month_col])


def _sparkline(values: Sequence[float], labels: Sequence[str], title: str) -> str:
    """A small inline SVG line chart; ``values`` are numbers, labels are "YYYY-MM" text."""
    width, height, pad = 220, 60, 4
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if len(finite) < 2:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    points = " ".join(
        f"{pad + i * step:.1f},{height - pad - (v - lo) / span * (height - 2 * pad):.1f}"
        for i, v in enumerate(values) if v is not None and np.isfinite(v))
    import html

    caption = html.escape(f"{title}: {labels[0]} 至 {labels[-1]}, {lo:.0f}-{hi:.0f}")
    return (f'<div class="ga-chart"><svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#2171b5" '
            f'stroke-width="2" points="{points}"/></svg><div>{caption}</div></div>')


def _stations(frames, settings, month) -> MapLayer | None:
    stations = frames.get("stations")
    if stations is None or stations.empty:
        return None
    stations = stations.reset_index(drop=True)
    n = len(stations)
    fields = [("站点", _col(stations, "name")), ("编号", _col(stations, "id")),
              ("类型", _col(stations, "kind")), ("县区", _col(stations, "county"))]
    modes = [Mode("kind", "站点类型", styles.STATION_KIND,
                  _class_index(_col(stations, "kind"), styles.STATION_KIND_ORDER, missing=5))]
    tables: list[SubTable] = []
    extra: dict[int, str] = {}
    chosen = month
    monthly = frames.get("station_monthly")
    if monthly is not None and not monthly.empty:
        wide = _monthly_wide(monthly)
        if not wide.empty:
            wide["_pos"] = _station_positions(wide, stations, "_key")
            wide = wide[wide["_pos"] >= 0]
            chosen = month or (wide["_month"].max() if len(wide) else None)
            now = wide[wide["_month"] == chosen]
            value_cols = [c for c in wide.columns if c not in ("_key", "_month", "_pos")
                          and c not in _MONTHLY_SKIP and not str(c).startswith("days_")]
            long = now[["_pos", *value_cols]].astype({c: object for c in value_cols}).melt(
                id_vars="_pos", var_name="指标", value_name="数值")
            long = long.sort_values("_pos", kind="stable")
            numbers = pd.to_numeric(long["数值"], errors="coerce")
            long["数值"] = _fmt_numbers(numbers, 3).where(
                numbers.notna().to_numpy(), long["数值"].astype(object).where(
                    long["数值"].notna(), None).to_numpy())
            long["指标"] = [_POLLUTANT_LABELS.get(str(c).lower(), str(c)) for c in long["指标"]]
            tables.append(SubTable(f"{chosen} 月度数值", ["指标", "数值"],
                                   frame=long.rename(columns={"_pos": "_feature"})))
            aqi_col = _pick(now, "aqi", "AQI")
            cat_col = _pick(now, "category", "aqi_category", "类别")
            if aqi_col or cat_col:
                cls = np.full(n, 6, dtype=np.int16)
                if cat_col:
                    got = _class_index(now[cat_col], styles.AQI_NAMES, missing=6)
                else:
                    aqi = pd.to_numeric(now[aqi_col], errors="coerce").to_numpy()
                    got = np.where(np.isfinite(aqi), np.searchsorted(styles.AQI_UPPER, aqi,
                                                                     side="left"), 6)
                cls[now["_pos"].to_numpy()] = got
                modes.insert(0, Mode("aqi", "空气质量类别", styles.AQI, cls))
            pm = _pick(wide, "PM2.5", "pm25", "pm25_ug_m3")
            if pm:
                for pos, group in wide.sort_values("_month").groupby("_pos"):
                    series = pd.to_numeric(group[pm], errors="coerce").tolist()
                    chart = _sparkline(series, group["_month"].tolist(), "PM2.5 月均值 µg/m³")
                    if chart:
                        extra[int(pos)] = chart
    checks = frames.get("targets_check")
    met_col = _pick(checks, "met", "达标")
    if checks is not None and met_col is not None and not checks.empty:
        checks = checks.copy()
        scope = _pick(checks, "scope")
        if scope:
            checks = checks[checks[scope].isin(["station", "站点"])]
        period = _pick(checks, "period", "month")
        if period and len(checks):
            checks = checks[checks[period].astype(str).str.len() <= 7]  # months, not quarters
            months = _month_of(checks[period])
            chosen = chosen or months.max()
            checks = checks[months == chosen]
        checks["_pos"] = _station_positions(checks, stations, *(
            c for c in ("station_id", "target_name", "station", "name") if c in checks.columns))
        checks = checks[checks["_pos"] >= 0]
        if len(checks):
            met = checks[met_col].astype("boolean")
            missed = checks.assign(_missed=met.eq(False)).groupby("_pos")["_missed"].any()
            cls = np.full(n, 2, dtype=np.int16)
            cls[missed.index.to_numpy()] = np.where(missed.to_numpy(), 1, 0)
            modes.insert(0, Mode("target", "目标达标", styles.TARGET, cls))
            metric, actual, target = (_pick(checks, "metric"), _pick(checks, "actual", "value"),
                                      _pick(checks, "target"))
            rows = {}
            for pos, (_, record) in zip(checks["_pos"], checks.iterrows(), strict=True):
                rows.setdefault(int(pos), []).append([
                    str(record[metric]) if metric else None,
                    _fmt_number(record[actual], 2) if actual else None,
                    _fmt_number(record[target], 2) if target else None,
                    {True: "达标", False: "未达标"}.get(record[met_col], None)])
            tables.append(SubTable(f"{chosen} 目标考核", ["指标", "实际", "目标", "结果"], rows))
    return MapLayer("stations", LAYER_TITLES["stations"], GROUPS["stations"], "point",
                    stations.geometry, modes, fields, tables, extra_html=extra,
                    note=f"统计月份: {chosen}" if chosen else "")


def _patrol(frames) -> tuple[MapLayer | None, MapLayer | None]:
    """The patrol routes (lines, one colour per team) and numbered stops."""
    out: list[MapLayer | None] = [None, None]
    routes = frames.get("patrol_routes")
    if routes is not None and not routes.empty:
        routes = routes.reset_index(drop=True)
        team_col = _pick(routes, "team", "team_id", "组")
        teams = _col(routes, team_col or "team").astype(str)
        order = list(dict.fromkeys(teams))
        classes = tuple(StyleClass(f"第{t}组" if t.isdigit() else t,
                                   styles.PATROL_TEAMS[i % len(styles.PATROL_TEAMS)])
                        for i, t in enumerate(order))
        cls = np.array([order.index(t) for t in teams], dtype=np.int16)
        length = _pick(routes, "length_m", "distance_m")
        fields = [("巡查组", teams), ("日期", _col(routes, _pick(routes, "date") or "date").map(
            lambda v: _fmt_date(v) if not isinstance(v, str) else v))]
        if length:
            fields.append(("路线长度(公里)", pd.to_numeric(routes[length], errors="coerce").map(
                lambda v: None if pd.isna(v) else round(v / 1000, 2))))
        out[0] = (MapLayer("patrol_routes", LAYER_TITLES["patrol_routes"],
                            GROUPS["patrol_routes"], "line", routes.geometry,
                            [Mode("team", "巡查组", classes, cls)], fields))
    stops = frames.get("patrol_stops")
    if stops is not None and not stops.empty:
        stops = stops.reset_index(drop=True)
        team_col = _pick(stops, "team", "team_id")
        teams = _col(stops, team_col or "team").astype(str)
        order = list(dict.fromkeys(teams))
        classes = tuple(StyleClass(f"第{t}组" if t.isdigit() else t,
                                   styles.PATROL_TEAMS[i % len(styles.PATROL_TEAMS)])
                        for i, t in enumerate(order))
        cls = np.array([order.index(t) for t in teams], dtype=np.int16)
        seq = _col(stops, _pick(stops, "order", "stop", "seq", "sequence") or "order")
        name = _col(stops, _pick(stops, "site_name", "name", "enterprise_name") or "name")
        fields = [("点位", name), ("巡查组", teams), ("顺序", seq.map(_fmt_number)),
                  ("原因", _col(stops, _pick(stops, "reason", "reasons") or "reason")),
                  ("风险分", pd.to_numeric(_col(stops, _pick(stops, "risk", "score") or "risk"),
                                        errors="coerce").map(_fmt_number))]
        out[1] = (MapLayer("patrol_stops", LAYER_TITLES["patrol_stops"],
                            GROUPS["patrol_stops"], "point", _representative_points(
                                stops.geometry), [Mode("team", "巡查组", classes, cls)], fields,
                            labels=seq.map(lambda v: "" if pd.isna(v) else str(_fmt_number(v)))))
    return out[0], out[1]


def _suspects(frames) -> MapLayer | None:
    suspects = frames.get("source_suspects")
    if suspects is None or suspects.empty:
        return None
    suspects = suspects.reset_index(drop=True)
    rank_col = _pick(suspects, "rank")
    if rank_col is not None:
        suspects = suspects[pd.to_numeric(suspects[rank_col], errors="coerce") <= 3]
        suspects = suspects.reset_index(drop=True)
    if isinstance(suspects, gpd.GeoDataFrame) and suspects.geometry.name in suspects:
        geometry = suspects.geometry
    else:
        geometry = _suspect_lines(suspects, frames)
        if geometry is None:
            log.info("source_suspects has no geometry and no station/source coordinates; "
                     "not drawn")
            return None
    keep = geometry.notna().to_numpy() & ~geometry.is_empty.to_numpy()
    suspects, geometry = suspects[keep].reset_index(drop=True), geometry[keep].reset_index(
        drop=True)
    fields = [("疑似源", _col(suspects, _pick(suspects, "source_name", "name") or "source_name")),
              ("站点", _col(suspects, _pick(suspects, "station_name", "station",
                                          "station_id") or "station")),
              ("排名", _col(suspects, rank_col or "rank").map(_fmt_number)),
              ("得分", pd.to_numeric(_col(suspects, _pick(suspects, "score") or "score"),
                                   errors="coerce").map(lambda v: _fmt_number(v, 3))),
              ("距离(米)", pd.to_numeric(_col(suspects, _pick(suspects, "distance_m") or "d"),
                                      errors="coerce").map(_fmt_number))]
    return MapLayer("source_suspects", LAYER_TITLES["source_suspects"],
                    GROUPS["source_suspects"], "line", geometry,
                    [Mode("suspect", "站点-疑似污染源", (styles.SUSPECT,),
                          np.zeros(len(suspects), dtype=np.int16))], fields)


def _suspect_lines(table: pd.DataFrame, frames) -> gpd.GeoSeries | None:
    """Lines station -> source from ids, when the suspects table has no geometry."""
    stations = frames.get("stations")
    station_col = _pick(table, "station_id", "station")
    source_col = _pick(table, "source_id")
    if stations is None or station_col is None or source_col is None:
        return None
    where = {}
    for name in ("enterprises", "gangue_heaps"):
        layer = frames.get(name)
        if layer is not None:
            points = _representative_points(layer.geometry)
            where.update(zip(_col(layer, "id").astype(str), points, strict=True))
    station_at = dict(zip(_col(stations, "id").astype(str), stations.geometry, strict=True))
    station_at.update(zip(_col(stations, "name").astype(str), stations.geometry, strict=True))
    lines = []
    for station, source in zip(table[station_col].astype(str), table[source_col].astype(str),
                               strict=True):
        a, b = station_at.get(station), where.get(source)
        lines.append(shapely.LineString([a, b]) if a is not None and b is not None else None)
    return gpd.GeoSeries(lines, crs=stations.crs)


def _resolve_refs(layers: Sequence[MapLayer]) -> None:
    """Turn ``refs`` into ``links`` (positions) where every given key is found."""
    by_id = {layer.id: layer for layer in layers}
    for layer in layers:
        for label, (target_id, keys) in layer.refs.items():
            target = by_id.get(target_id)
            if target is None or target.keys is None:
                continue
            lookup = pd.Series(np.arange(len(target)), index=target.keys.astype(str))
            lookup = lookup[~lookup.index.duplicated()]
            given = keys.notna().to_numpy()
            positions = lookup.reindex(keys.astype(str)).to_numpy()
            if np.isnan(positions[given]).any():
                continue  # some keys unknown: keep the text itself
            layer.links[label] = (target_id, np.where(given, positions, -1).astype(np.int64))


def collect_layers(frames: Mapping[str, pd.DataFrame], *, month: str | None = None,
                   layers: Sequence[str] | None = None,
                   settings: Mapping | None = None) -> list[MapLayer]:
    """Classify and describe every layer that ``frames`` hold, in drawing order.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Workspace layers and tables by name (see :func:`read_frames`); all optional.
    month : str, optional
        "YYYY-MM": scores, indicators and targets of that month, and inspections and
        cases up to its end. Default: the latest month each table has.
    layers : sequence of str, optional
        Only these map layers (ids of :data:`LAYER_TITLES`). Default: all present.
    settings : mapping, optional
        The ``[maps]`` settings (see geoair.toml); defaults when omitted.

    Returns
    -------
    list of MapLayer
        Only the layers that have features; none is an error.

    Raises
    ------
    MapDataError
        A name in ``layers`` is unknown, a month is malformed, or nothing can be drawn.
    """
    from geoair.config import DEFAULTS

    opts = dict(DEFAULTS["maps"]) | dict(settings or {})
    if month is not None:
        if not re.fullmatch(r"\d{4}-\d{1,2}", str(month).strip()):
            raise MapDataError(f"--month {month!r} is not a month. Write it as 2024-03.")
        try:
            month = pd.Period(str(month).strip(), freq="M").strftime("%Y-%m")
        except ValueError:
            raise MapDataError(f"--month {month!r} is not a month. Write it as 2024-03.") from None
    if layers is not None:
        unknown = [name for name in layers if name not in LAYER_TITLES]
        if unknown:
            raise MapDataError(
                f"Unknown map layer(s): {', '.join(unknown)}. Choose from: "
                + ", ".join(f"{k} ({v})" for k, v in LAYER_TITLES.items()) + ".")
    for name, frame in frames.items():
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None and frame.crs.to_epsg() \
                != 4326:
            raise MapDataError(f"Layer {name!r} is in {frame.crs.to_string()}, not WGS-84 "
                               "(EPSG:4326) as workspace layers are. Re-import it with geoair "
                               "import.")
    routes, stops = _patrol(frames)
    # Areas at the bottom, then lines, then points, so that every point can be clicked.
    built = [
        _counties(frames, opts), _parks(frames, opts, month), _gate_buffers(frames),
        _gate_roads(frames), routes, _suspects(frames), _heaps(frames),
        _enterprises(frames, opts, month), _gates(frames), _stations(frames, opts, month),
        stops,
    ]
    result = [layer for layer in built if layer is not None and len(layer)]
    if layers is not None:
        result = [layer for layer in result if layer.id in layers]
    _resolve_refs(result)
    for layer in result:
        if layer.id in DETAIL_LAYERS and len(layer) > DETAIL_MAX:
            layer.min_zoom = DETAIL_MIN_ZOOM
    if not result:
        raise MapDataError("There is nothing to draw: the workspace has none of the layers "
                           f"{', '.join(LAYER_TITLES)}. Import some first, e.g. geoair import "
                           "enterprises FILE.")
    return result
