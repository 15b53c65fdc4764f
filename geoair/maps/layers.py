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
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geoair.errors import MapDataError
from geoair.maps import styles
from geoair.maps.model import (
    _ITEM_LABELS,
    DETAIL_LAYERS,
    DETAIL_MAX,
    DETAIL_MIN_ZOOM,
    GROUPS,
    LAYER_TITLES,
    ROADS_MAX,
    ROADS_MIN_ZOOM,
    MapLayer,
    Mode,
    SubTable,
    _class_index,
    _col,
    _fmt_dates,
    _fmt_number,
    _fmt_numbers,
    _key_map,
    _month_end,
    _month_of,
    _pick,
    _representative_points,
    _simplify,
    _yes_no,
)
from geoair.maps.monitoring import _patrol, _stations, _suspects
from geoair.maps.styles import StyleClass
from geoair.messages import say_map, t, yes_no
from geoair.store.schema import CHECKLIST_ITEMS
from geoair.store.settings import DEFAULT_SETTINGS, MapsSettings

__all__ = ["collect_layers", "county_extent", "road_class_index", "scope_to_county"]


log = logging.getLogger(__name__)


def _counties(frames, settings: MapsSettings) -> MapLayer | None:
    counties = frames.get("counties")
    if counties is None or counties.empty:
        return None
    geometry = _simplify(counties.geometry.reset_index(drop=True), settings.simplify_m)
    names = _col(counties, "name")
    return MapLayer(
        "counties",
        LAYER_TITLES["counties"],
        GROUPS["counties"],
        "polygon",
        geometry,
        [Mode("outline", "县区界", (styles.COUNTY,), np.zeros(len(counties), dtype=np.int16))],
        [("县区", names), ("行政区划代码", _col(counties, "code"))],
        labels=names,
        note="无法连接底图服务器时，县区界即为底图",
    )


def road_class_index(classes: pd.Series) -> np.ndarray:
    """Class of :data:`geoair.maps.styles.ROAD` of each road class as written."""
    text = classes.reset_index(drop=True).astype("string").str.lower()
    out = np.full(len(text), len(styles.ROAD) - 2, dtype=np.int16)  # other roads
    out[text.isna().to_numpy() | (text.str.strip() == "").fillna(True).to_numpy()] = (
        len(styles.ROAD) - 1
    )
    for pattern, cls in reversed(styles.ROAD_PATTERNS):
        hit = text.str.contains(pattern, regex=True).fillna(False).to_numpy(bool)
        out[hit] = cls
    return out


def _roads(frames) -> MapLayer | None:
    roads = frames.get("roads")
    if roads is None or roads.empty:
        return None
    roads = roads[roads.geometry.notna() & ~roads.geometry.is_empty].reset_index(drop=True)
    road_class = _col(roads, "road_class")
    layer = MapLayer(
        "roads",
        LAYER_TITLES["roads"],
        GROUPS["roads"],
        "line",
        roads.geometry,
        [Mode("class", "道路等级", styles.ROAD, road_class_index(road_class))],
        [
            ("道路", _col(roads, "name")),
            ("编号", _col(roads, "id")),
            ("道路等级", road_class),
            ("硬化", _yes_no(_col(roads, "hardened"))),
        ],
    )
    if len(roads) > ROADS_MAX:
        layer.min_zoom = ROADS_MIN_ZOOM
    return layer


def _parks(frames, settings: MapsSettings, month) -> MapLayer | None:
    parks = frames.get("parks")
    if parks is None or parks.empty:
        return None
    parks = parks.reset_index(drop=True)
    geometry = _simplify(parks.geometry, settings.simplify_m)
    names = _col(parks, "name")
    fields = [
        ("园区", names),
        ("编号", _col(parks, "id")),
        ("县区", _col(parks, "county")),
        ("重点园区", _yes_no(_col(parks, "key_park"))),
    ]
    keyed = (_yes_no(_col(parks, "key_park")) == yes_no(True)).to_numpy(bool)
    modes = [Mode("key", "园区类型", styles.PARK_KEY, np.where(keyed, 0, 1).astype(np.int16))]
    tables: list[SubTable] = []
    scores = frames.get("park_scores")
    score_col = _pick(scores, "total", "score", "total_score", "总分", "得分")
    if scores is not None and score_col is not None and not scores.empty:
        scores = scores.copy()
        month_col = _pick(scores, "month", "period")
        chosen = month
        if month_col is not None:
            months = _month_of(scores[month_col])
            chosen = month or months.max()
            scores = scores[months == chosen]
        position = _park_positions(scores, parks)
        scores = scores[position >= 0]
        position = position[position >= 0]
        values = np.full(len(parks), np.nan)
        values[position.to_numpy()] = pd.to_numeric(scores[score_col], errors="coerce").to_numpy()
        rank_col = _pick(scores, "rank", "排名")
        coloured = values.copy()
        if rank_col is not None:  # a park scored on too little data has no rank: grey
            ranked = np.zeros(len(parks), dtype=bool)
            ranked[position.to_numpy()] = (
                pd.to_numeric(scores[rank_col], errors="coerce").notna().to_numpy()
            )
            coloured[~ranked] = np.nan
        if np.isfinite(values).any():
            if np.isfinite(coloured).any():
                classes, cls = _quintiles(coloured)
                modes.insert(0, Mode("score", "园区得分", classes, cls))
            fields.append(("得分", pd.Series(values).map(_fmt_number)))
            for label, column in (
                ("排名", rank_col),
                ("排名变化", _pick(scores, "rank_change")),
                ("缺项", _pick(scores, "missing_zh")),
            ):
                if column is not None:
                    cells = pd.Series([None] * len(parks), dtype=object)
                    cells.iloc[position.to_numpy()] = scores[column].to_numpy()
                    fields.append(
                        (
                            label,
                            pd.Series(
                                [
                                    None
                                    if v is None or v == ""
                                    else _fmt_number(v)
                                    if isinstance(v, int | float | np.number)
                                    else v
                                    for v in cells
                                ],
                                dtype=object,
                            ),
                        )
                    )
            breakdown = _pick(scores, "breakdown_zh")
            rows: dict[int, list[list]] = {}
            if breakdown is not None:  # "component: raw (reference) → score × weight = points"
                for pos, text in zip(position, scores[breakdown], strict=True):
                    if isinstance(text, str):
                        rows[int(pos)] = [
                            line.split(": ", 1) if ": " in line else [line, None]
                            for line in text.splitlines()
                            if line.strip()
                        ]
            else:  # every other column of the score row
                skip = {month_col, score_col, rank_col, *(_park_key_cols(scores))}
                for pos, (_, record) in zip(position, scores.iterrows(), strict=True):
                    rows[int(pos)] = [
                        [
                            str(c),
                            _fmt_number(v, 3)
                            if isinstance(v, int | float | np.number) and not isinstance(v, bool)
                            else (None if pd.isna(v) else str(v)),
                        ]
                        for c, v in record.items()
                        if c not in skip and c != "geometry"
                    ]
            title = f"{chosen} 得分构成" if chosen else "得分构成"
            tables.append(SubTable(title, ["项目", "计算"], rows))
    return MapLayer(
        "parks", LAYER_TITLES["parks"], GROUPS["parks"], "polygon", geometry, modes, fields, tables
    )


def _park_key_cols(scores: pd.DataFrame) -> list[str]:
    return [c for c in ("park_id", "park", "park_name", "name", "id") if c in scores.columns]


def _park_positions(scores: pd.DataFrame, parks: pd.DataFrame) -> pd.Series:
    ids = {v: i for i, v in enumerate(_col(parks, "id").astype(str))}
    names = {v: i for i, v in enumerate(_col(parks, "name").astype(str))}
    out = pd.Series(-1, index=scores.index, dtype=np.int64)
    for column in _park_key_cols(scores):
        # zip, not items(): pandas-stubs types labels from items() as mere Hashables
        for idx, value in zip(scores.index, scores[column], strict=True):
            if out[idx] < 0:
                out[idx] = ids.get(str(value), names.get(str(value), -1))
    return out


def _quintiles(
    values: np.ndarray,
    colors: Sequence[str] = styles.PARK_SCORE_COLORS,
    missing: StyleClass = styles.PARK_UNSCORED,
) -> tuple[tuple[StyleClass, ...], np.ndarray]:
    """Five classes from the quintiles of the finite values; NaN gets the ``missing`` class."""
    finite = values[np.isfinite(values)]
    edges = np.quantile(finite, [0.2, 0.4, 0.6, 0.8])
    lo, hi = float(finite.min()), float(finite.max())
    bounds = [lo, *edges.tolist(), hi]
    classes = tuple(
        StyleClass(f"{bounds[i]:.1f} - {bounds[i + 1]:.1f}", colors[i]) for i in range(5)
    ) + (missing,)
    cls = np.where(np.isfinite(values), np.searchsorted(edges, values, side="right"), 5)
    return classes, cls.astype(np.int16)


def _enterprises(frames, settings: MapsSettings, month) -> MapLayer | None:
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
        names_of = {
            code: "、".join(_ITEM_LABELS[c] for j, c in enumerate(items) if code >> j & 1)
            for code in np.unique(bits).tolist()
        }
        insp["_failed_names"] = [names_of[code] for code in bits.tolist()]
        date_col = "inspection_date" if "inspection_date" in insp else None
        insp = insp.sort_values(
            ["_pos", date_col] if date_col else ["_pos"],
            ascending=[True, False] if date_col else [True],
            na_position="last",
            kind="stable",
        )
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
        frame = pd.DataFrame(
            {
                "_feature": top["_pos"].to_numpy(),
                "日期": _fmt_dates(top[date_col]).to_numpy() if date_col else None,
                "合格项": (top["_met"].astype(int).astype(str) + f"/{len(items)}").to_numpy(),
                "不合格项": top["_failed_names"].replace("", "无").to_numpy(),
                "生产状态": _col(top, "status").to_numpy(),
            }
        )
        tables.append(SubTable("最近检查", ["日期", "合格项", "不合格项", "生产状态"], frame=frame))
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
        frame = pd.DataFrame(
            {
                "_feature": open_["_pos"].to_numpy(),
                "检查日期": _fmt_dates(_col(open_, "inspection_date")).to_numpy(),
                "问题": _col(open_, "problem").to_numpy(),
                "处理措施": _col(open_, "measure").to_numpy(),
                "罚款(元)": _fmt_numbers(_col(open_, "fine_yuan"), 2).to_numpy(),
            }
        )
        tables.append(
            SubTable("未整改问题", ["检查日期", "问题", "处理措施", "罚款(元)"], frame=frame)
        )
    compliance_text = pd.Series(
        [
            t("maps.compliance", met=int(m), failed=int(f)) if i else None
            for m, f, i in zip(met, failed, inspected, strict=True)
        ],
        dtype=object,
    )
    fields = [
        ("企业名称", _col(ent, "name")),
        ("编号", _col(ent, "id")),
        ("县区", _col(ent, "county")),
        ("乡镇(街道)", _col(ent, "township")),
        ("行业", _col(ent, "industry")),
        ("规模以上", _yes_no(_col(ent, "above_scale"))),
        ("绩效等级", _col(ent, "performance_grade")),
        ("生产状态", status),
        ("责任人", _col(ent, "responsible")),
        ("最近检查", last_date),
        ("检查结果", compliance_text),
    ]
    if has_cases:
        fields += [
            ("未整改问题数", pd.Series(open_cases)),
            ("罚款合计(元)", pd.Series(fines).map(_fmt_number)),
        ]
    scored = _site_scores(frames, "enterprise", _col(ent, "id"))
    fields += scored.fields
    modes = [
        Mode("compliance", "最近检查合规", styles.COMPLIANCE, compliance.astype(np.int16)),
        Mode(
            "grade",
            "绩效等级",
            styles.GRADE,
            _class_index(_col(ent, "performance_grade"), styles.GRADE_ORDER, missing=5),
        ),
        Mode(
            "status",
            "生产状态",
            styles.STATUS,
            _class_index(status, styles.STATUS_ORDER, missing=4),
        ),
    ]
    order = {"compliance": 0, "grade": 1, "status": 2}
    first = order.get(settings.enterprise_colour, 0)
    if first == 0 and not inspected.any():
        first = 2
    modes.insert(0, modes.pop(first))
    if scored.risk is not None:
        modes.append(scored.risk)
    big = _col(ent, "above_scale").astype("boolean").fillna(False).to_numpy(bool)
    return MapLayer(
        "enterprises",
        LAYER_TITLES["enterprises"],
        GROUPS["enterprises"],
        "point",
        geometry,
        modes,
        fields,
        tables,
        big=big,
        note="规模以上企业以大圆点表示",
        keys=_col(ent, "id"),
    )


def _gates(frames) -> MapLayer | None:
    gates = frames.get("gates")
    if gates is None or gates.empty:
        return None
    gates = gates.reset_index(drop=True)
    return MapLayer(
        "gates",
        LAYER_TITLES["gates"],
        GROUPS["gates"],
        "point",
        gates.geometry,
        [Mode("gate", "厂门", (styles.GATE,), np.zeros(len(gates), dtype=np.int16))],
        [
            ("厂门", _col(gates, "name")),
            ("编号", _col(gates, "id")),
            ("企业", _col(gates, "enterprise_name")),
        ],
        keys=_col(gates, "id"),
        refs={"企业": ("enterprises", _col(gates, "enterprise_id"))},
    )


def _gate_buffers(frames) -> MapLayer | None:
    buffers = frames.get("gate_buffers")
    if buffers is None or buffers.empty:
        return None
    buffers = buffers.reset_index(drop=True)
    # Centre: the planar centroid in degrees (within a millimetre for a 100 m circle);
    # radius: the geodesic distance from it to the first vertex, which lies on the circle.
    geoms = np.asarray(buffers.geometry.values)
    centre_xy = shapely.get_coordinates(shapely.centroid(geoms))
    rim_xy = shapely.get_coordinates(
        shapely.get_point(shapely.get_exterior_ring(shapely.get_geometry(geoms, 0)), 0)
    )
    if len(centre_xy) != len(buffers) or len(rim_xy) != len(buffers):
        raise MapDataError(t("maps.bad_buffers"))
    _, _, radius = Geod(ellps="WGS84").inv(
        centre_xy[:, 0], centre_xy[:, 1], rim_xy[:, 0], rim_xy[:, 1]
    )
    centres = gpd.GeoSeries(shapely.points(centre_xy), crs=buffers.crs)
    radius_col = _pick(buffers, "radius_m")
    if radius_col is not None:
        given = pd.to_numeric(buffers[radius_col], errors="coerce").to_numpy()
        radius = np.where(np.isfinite(given), given, radius)
    name = _col(buffers, _pick(buffers, "gate_name", "name") or "name")
    return MapLayer(
        "gate_buffers",
        LAYER_TITLES["gate_buffers"],
        GROUPS["gate_buffers"],
        "circle",
        centres,
        [
            Mode(
                "buffer",
                "厂门100米范围",
                (styles.GATE_BUFFER,),
                np.zeros(len(buffers), dtype=np.int16),
            )
        ],
        [
            ("厂门", name.where(name.notna(), _col(buffers, "gate_id"))),
            ("半径(米)", pd.Series(radius).map(lambda r: round(float(r), 1))),
        ],
        radius_m=radius,
        refs={"厂门": ("gates", _col(buffers, "gate_id"))},
    )


def _gate_roads(frames) -> MapLayer | None:
    roads = frames.get("gate_roads")
    if roads is None or roads.empty:
        return None
    roads = roads.reset_index(drop=True)
    length = pd.to_numeric(_col(roads, "length_m"), errors="coerce").map(
        lambda v: None if pd.isna(v) else round(float(v), 1)
    )
    road_name = _col(roads, _pick(roads, "road_name", "name") or "road_name")
    return MapLayer(
        "gate_roads",
        LAYER_TITLES["gate_roads"],
        GROUPS["gate_roads"],
        "line",
        roads.geometry,
        [Mode("road", "厂门100米道路", (styles.GATE_ROAD,), np.zeros(len(roads), dtype=np.int16))],
        [
            ("道路", road_name),
            ("厂门", _col(roads, "gate_id")),
            ("企业", _col(roads, "enterprise_id")),
            ("道路等级", _col(roads, _pick(roads, "road_class") or "road_class")),
            ("长度(米)", length),
        ],
        refs={
            "厂门": ("gates", _col(roads, "gate_id")),
            "企业": ("enterprises", _col(roads, "enterprise_id")),
        },
    )


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
    fields = [
        ("矸石山", _col(heaps, "name")),
        ("编号", _col(heaps, "id")),
        ("县区", _col(heaps, "county")),
        ("有主/无主", _col(heaps, "owner_status")),
        ("治理情况", _col(heaps, "treatment")),
        ("自燃/冒烟", _yes_no(_col(heaps, "burning"))),
        ("面积(m²)", pd.to_numeric(_col(heaps, "area_m2"), errors="coerce").map(_fmt_number)),
        ("体积(m³)", pd.to_numeric(_col(heaps, "volume_m3"), errors="coerce").map(_fmt_number)),
    ]
    scored = _site_scores(frames, "gangue_heap", _col(heaps, "id"))
    modes = [Mode("heap", "治理与自燃", styles.HEAP, cls)]
    if scored.risk is not None:
        modes.append(scored.risk)
    return MapLayer(
        "gangue_heaps",
        LAYER_TITLES["gangue_heaps"],
        GROUPS["gangue_heaps"],
        kind,
        heaps.geometry,
        modes,
        fields + scored.fields,
        hollow=hollow,
        note=styles.HEAP_OWNERLESS_NOTE,
    )


@dataclass
class _Scored:
    fields: list[tuple[str, pd.Series]]
    risk: Mode | None


def _site_scores(frames, kind: str, ids: pd.Series) -> _Scored:
    """Popup lines from the patrol risk (``risk_scores``) and, for enterprises, the
    enterprise scores (``enterprise_scores``); a colour mode by risk quintile."""
    fields: list[tuple[str, pd.Series]] = []
    risk_mode = None
    ids = ids.reset_index(drop=True).astype(str)
    risk = frames.get("risk_scores")
    if risk is not None and not risk.empty and {"site_id", "score"} <= set(risk.columns):
        if "site_kind" in risk.columns:
            risk = risk[risk["site_kind"] == kind]
        risk = risk.drop_duplicates("site_id").set_index(risk["site_id"].astype(str))
        found = risk.reindex(ids)
        score = pd.to_numeric(found["score"], errors="coerce").to_numpy()
        if np.isfinite(score).any():
            classes, cls = _quintiles(score, styles.RISK_COLORS, styles.RISK_NONE)
            risk_mode = Mode("risk", "巡查风险", classes, cls)
            fields += [
                ("巡查风险分", _fmt_numbers(score, 1)),
                ("风险排名", _fmt_numbers(_col(found, "rank"), 0)),
                (
                    "风险原因",
                    _col(found, "reasons")
                    .astype(object)
                    .where(_col(found, "reasons").notna(), None),
                ),
            ]
    scores = frames.get("enterprise_scores")
    if (
        kind == "enterprise"
        and scores is not None
        and not scores.empty
        and {"enterprise_id", "total"} <= set(scores.columns)
    ):
        month_col = _pick(scores, "month")
        if month_col is not None:  # the latest month scored
            scores = scores[_month_of(scores[month_col]) == _month_of(scores[month_col]).max()]
        found = (
            scores.drop_duplicates("enterprise_id")
            .set_index(scores["enterprise_id"].astype(str))
            .reindex(ids)
        )
        fields += [
            ("企业得分", _fmt_numbers(found["total"], 1)),
            ("县内排名", _fmt_numbers(_col(found, "county_rank"), 0)),
            ("标杆企业候选", _yes_no(_col(found, "benchmark"))),
        ]
    return _Scored(fields, risk_mode)


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


def _county_shape(frames, county: str):
    """The county's outline (None without a counties layer), or MapDataError."""
    counties = frames.get("counties")
    known: set[str] = set()
    shape = None
    if counties is not None and "name" in counties.columns:
        names = counties["name"].astype(str)
        known |= set(names)
        chosen = counties[names == county]
        if len(chosen):
            shape = shapely.union_all(chosen.geometry.values)
    for frame in frames.values():
        if isinstance(frame, gpd.GeoDataFrame) and "county" in frame.columns:
            known |= set(frame["county"].dropna().astype(str))
    if county not in known:
        raise MapDataError(
            t(
                "maps.unknown_county",
                county=county,
                known=t("word.list_sep").join(sorted(known)) or "-",
            )
        )
    return shape


def scope_to_county(frames: Mapping[str, pd.DataFrame], county: str) -> dict[str, pd.DataFrame]:
    """The frames of a map that keeps one county's features (a new mapping).

    Layers keep the features that touch the county's outline (from the ``counties``
    layer; without it, the features whose ``county`` is ``county``); roads are cut to
    the outline; the ``counties`` layer keeps that county only. Tables (inspections,
    scores...) are kept whole: they only describe the features drawn.

    Raises
    ------
    MapDataError
        ``county`` is neither a county outline nor any feature's county.
    """
    shape = _county_shape(frames, county)
    out: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
            out[name] = frame
            continue
        if name == "counties" and "name" in frame.columns:
            out[name] = frame[frame["name"].astype(str) == county]
        elif shape is not None:
            hits = frame.sindex.query(shape, predicate="intersects")
            kept = frame.iloc[np.sort(hits)]
            if name == "roads" and len(kept):
                kept = kept.clip(shape)
                kept = kept[~kept.geometry.is_empty]
            out[name] = kept
        elif "county" in frame.columns:
            out[name] = frame[frame["county"].astype(str) == county]
        else:
            out[name] = frame
    return out


def county_extent(frames: Mapping[str, pd.DataFrame], county: str) -> tuple[float, ...] | None:
    """(minx, miny, maxx, maxy) of the county's outline in degrees, or None without one."""
    shape = _county_shape(frames, county)
    return None if shape is None else tuple(float(v) for v in shape.bounds)


def collect_layers(
    frames: Mapping[str, pd.DataFrame],
    *,
    month: str | None = None,
    layers: Sequence[str] | None = None,
    settings: MapsSettings | None = None,
) -> list[MapLayer]:
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
    settings : MapsSettings, optional
        The ``[maps]`` settings (see geoair.toml); the built-in ones when omitted.

    Returns
    -------
    list of MapLayer
        Only the layers that have features; none is an error.

    Raises
    ------
    MapDataError
        A name in ``layers`` is unknown, a month is malformed, or nothing can be drawn.
    """
    opts = settings or DEFAULT_SETTINGS.maps
    if month is not None:
        if not re.fullmatch(r"\d{4}-\d{1,2}", str(month).strip()):
            raise MapDataError(t("maps.bad_month", month=month))
        try:
            month = pd.Period(str(month).strip(), freq="M").strftime("%Y-%m")
        except ValueError:
            raise MapDataError(t("maps.bad_month", month=month)) from None
    if layers is not None:
        unknown = [name for name in layers if name not in LAYER_TITLES]
        if unknown:
            choices = ", ".join(f"{k} ({say_map(v)})" for k, v in LAYER_TITLES.items())
            raise MapDataError(t("maps.unknown_layers", names=", ".join(unknown), choices=choices))
    for name, frame in frames.items():
        if (
            isinstance(frame, gpd.GeoDataFrame)
            and frame.crs is not None
            and frame.crs.to_epsg() != 4326
        ):
            raise MapDataError(t("maps.not_wgs84", name=name, crs=frame.crs.to_string()))
    routes, stops = _patrol(frames, month)
    # Areas at the bottom, then lines, then points, so that every point can be clicked.
    built = [
        _counties(frames, opts),
        _parks(frames, opts, month),
        _roads(frames),
        _gate_buffers(frames),
        _gate_roads(frames),
        routes,
        _suspects(frames, month),
        _heaps(frames),
        _enterprises(frames, opts, month),
        _gates(frames),
        _stations(frames, opts, month),
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
        raise MapDataError(t("maps.nothing", layers=", ".join(LAYER_TITLES)))
    return result
