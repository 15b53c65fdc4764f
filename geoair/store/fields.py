"""The field dictionary: the Chinese header of every column geoair writes, and how many
decimals a person needs.

Report tables (every ``--out`` in CSV or Excel, and the Excel sheets commands write) show
these headers in Chinese mode; GIS formats (GeoPackage, GeoJSON, Parquet) and English
mode keep the column identifiers. One dictionary serves both directions: the importers
read it too (:func:`import_vocabulary`), so a table exported with Chinese headers
imports again.

* A column of an importable kind (:data:`geoair.store.schema.KINDS`) has its form's
  header (``企业名称``, ``县区``...): :attr:`FieldSpec.zh` is the one source for those.
* Any other column has its header in :data:`HEADERS`, or, for families of columns
  (``air_score``, ``pts_open_case``, ``days_PM2.5``), in :data:`PATTERNS`.
* :func:`decimals` says how a column is rounded for people (metres to 0.1, shares shown
  as percentages to 0.1 %); the workspace keeps full precision.

Examples
--------
>>> header("length_m", layer="sweep_tasks")
'长度（米）'
>>> header("name", layer="enterprises")
'企业名称'
>>> header("air_score")
'空气质量(PM2.5)得分'
>>> decimals("weight_covered")
(1, 100.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from geoair.store.schema import KINDS, TableSpec

__all__ = [
    "COMPONENT_LABELS",
    "HEADERS",
    "PATTERNS",
    "PERCENT_COLUMNS",
    "RISK_TERM_LABELS",
    "decimals",
    "header",
    "import_vocabulary",
]

#: Labels of score components (park and enterprise), as in the report sheets.
COMPONENT_LABELS: dict[str, str] = {
    "air": "空气质量(PM2.5)",
    "dustfall": "降尘",
    "road_dust": "道路积尘负荷",
    "compliance": "问题清单达标率",
    "cases": "未整改问题",
    "fines": "罚款",
    "grades": "B级及以上占比",
    "heaps": "未治理或自燃矸石山",
    "checklist": "问题清单达标率",
    "grade": "绩效等级",
    "gate_roads": "厂门道路",
}

#: Terms of the patrol risk score (``pts_<term>`` columns).
RISK_TERM_LABELS: dict[str, str] = {
    "open_case": "未整改问题",
    "past_finding": "近期发现问题",
    "checklist_item_failed": "检查不合格项",
    "per_day_since_visit": "距上次检查天数",
    "upwind_of_missing_station": "位于未达标站点上风向",
    "burning_heap": "矸石山自燃",
    "untreated_heap": "矸石山未治理",
    "gate_road_per_100m": "厂门道路需清扫",
    "grade_below_b": "绩效等级低于B级",
    "not_producing": "非正常生产",
    "suspended_but_active": "停产但疑似排放",
}

#: Chinese headers of the columns of derived tables (and of lon/lat and WKT columns).
HEADERS: dict[str, str] = {
    # ids, names, places
    "id": "编号",
    "name": "名称",
    "code": "行政区划代码",
    "enterprise_id": "企业编号",
    "enterprise_name": "企业名称",
    "gate_id": "厂门编号",
    "gate_name": "厂门名称",
    "road_id": "道路编号",
    "road_name": "道路名称",
    "road_class": "道路等级",
    "station_id": "站点编号",
    "station": "站点名称",
    "station_name": "站点名称",
    "park_id": "园区编号",
    "park_name": "园区名称",
    "site_id": "点位编号",
    "site_name": "点位名称",
    "site_key": "点位代码",
    "site_kind": "点位类型",
    "source_id": "污染源编号",
    "source_kind": "污染源类型",
    "target_name": "对象",
    "county": "县区",
    "township": "乡镇(街道)",
    "industry": "行业",
    "status": "生产状态",
    "performance_grade": "绩效等级",
    "treatment": "治理情况",
    "burning": "自燃/冒烟",
    "kind": "类型",
    "layer": "图层",
    "lon": "经度",
    "lat": "纬度",
    "x": "X（米）",
    "y": "Y（米）",
    "wkt": "几何（WKT）",
    "geometry": "几何（WKT）",
    "coord_sys": "坐标系",
    # gate roads and buffers
    "gates": "厂门",
    "n_gates": "厂门数",
    "roads": "道路",
    "n_roads": "道路数",
    "length_m": "长度（米）",
    "gate_length_sum_m": "逐门累计长度（米）",
    "gates_without_road": "范围内无道路的厂门",
    "distance_m": "距离（米）",
    "radius_m": "半径（米）",
    "road_length_m": "道路长度（米）",
    "finding": "问题",
    "finding_zh": "问题说明",
    "area_m2": "面积（平方米）",
    "volume_m3": "体积（立方米）",
    "buffer_m": "缓冲距离（米）",
    # readings and indicators
    "date": "日期",
    "time": "时间",
    "period": "时段",
    "month": "月份",
    "pollutant": "污染物",
    "value": "数值",
    "PM2.5": "PM2.5（μg/m³）",
    "PM10": "PM10（μg/m³）",
    "SO2": "SO2（μg/m³）",
    "NO2": "NO2（μg/m³）",
    "CO": "CO（mg/m³）",
    "O3_1h_max": "O3日最大1小时（μg/m³）",
    "O3_8h_max": "O3日最大8小时（μg/m³）",
    "CO_p95": "CO第95百分位（mg/m³）",
    "O3_8h_p90": "O3日最大8小时第90百分位（μg/m³）",
    "dustfall_t_km2": "降尘（t/(km²·月)）",
    "n_O3_1h": "O3日最大1小时有效小时数",
    "n_O3_8h": "O3日最大8小时有效时段数",
    "aqi": "AQI",
    "category": "空气质量类别",
    "primary_pollutant": "首要污染物",
    "exceeding_pollutants": "超标污染物",
    "validity": "有效性",
    "good_days": "优良天数",
    "aqi_days": "有AQI的天数",
    "aqi_status": "AQI状态",
    "aqi_lower": "AQI下限",
    "days_unknown": "无法判定的天数",
    "heavy_days": "重污染天数",
    "heavy_unknown": "无法判定是否重污染的天数",
    "city": "城市",
    "min_days": "有效天数下限",
    "composite_index": "综合指数",
    # targets
    "scope": "范围",
    "metric": "指标",
    "actual": "实测值",
    "target": "目标值",
    "difference": "差值（实测−目标）",
    "met": "达标情况",
    "basis": "计算依据",
    # scores
    "total": "总分",
    "rank": "排名",
    "county_rank": "县区排名",
    "ranked": "参与排名",
    "weight_covered": "有数据分项的权重（%）",
    "components_used": "有数据的分项数",
    "missing": "缺项（权重已分摊）",
    "missing_zh": "缺项（权重已分摊）",
    "air_reference": "空气质量基准",
    "n_enterprises": "企业数",
    "n_inspected": "已检查企业数",
    "open_cases": "未整改问题（件）",
    "fines_yuan": "罚款（元）",
    "heaps_untreated": "未治理矸石山（座）",
    "heaps_burning": "自燃矸石山（座）",
    "prev_total": "上月总分",
    "prev_rank": "上月排名",
    "total_change": "总分变化",
    "rank_change": "名次变化",
    "breakdown_zh": "计算过程",
    "benchmark": "标杆候选",
    "benchmark_rank": "标杆序号",
    "benchmark_note": "说明",
    "county_rule": "县区依据",
    "park_rule": "园区依据",
    "park_distance_m": "距园区（米）",
    "primary": "主要归属",
    # sources
    "bearing_deg": "方位角（度）",
    "source_lon": "污染源经度",
    "source_lat": "污染源纬度",
    "station_lon": "站点经度",
    "station_lat": "站点纬度",
    "sector": "方位",
    "score": "得分",
    "cpf": "条件概率CPF",
    "distance_weight": "距离权重",
    "lift": "提升度",
    "nwr_ratio": "NWR比值",
    "high_hours": "高值小时数",
    "windy_hours": "有风小时数",
    "calm_hours": "静风小时数",
    "threshold": "高值阈值",
    "png": "图片",
    "hours": "小时数",
    "missing_wind": "无风向小时数",
    "mean_conc": "平均浓度",
    "vector_mean_wd_deg": "矢量平均风向（度）",
    "mean_ws_ms": "平均风速（米/秒）",
    "cpf_peak": "CPF峰值",
    "cpf_peak_deg": "CPF峰值方位（度）",
    "nwr_peak_deg": "NWR峰值方位（度）",
    "centre_deg": "中心方位（度）",
    "from_deg": "起始方位（度）",
    "to_deg": "终止方位（度）",
    "label": "方位",
    "label_zh": "方位",
    "speed_class": "风速段（米/秒）",
    "percent": "频率（%）",
    "mean": "均值",
    "share_percent": "浓度贡献（%）",
    "direction_deg": "风向（度）",
    "speed_ms": "风速（米/秒）",
    "conc": "浓度",
    "weight": "核权重",
    # patrol
    "reasons": "原因",
    "last_visit": "上次检查",
    "days_since_visit": "距上次检查天数",
    "team": "组",
    "stop": "顺序",
    "stops": "点位数",
    "kind_zh": "点位类型",
    "forced": "按覆盖规则选中",
    "why": "选中原因",
    "leg_m": "本段距离（米）",
    "distance_so_far_m": "累计距离（米）",
    "return_leg_m": "返程距离（米）",
    "limit_km": "每日上限（公里）",
    "over_limit": "超过上限",
    "mode": "距离算法",
    "start": "出发地",
    "sites": "点位顺序",
    # surfaces
    "zone_kind": "分区类型",
    "zone": "分区",
    "unit": "单位",
    "min": "最小值",
    "max": "最大值",
    "cells": "格网数",
    "stations_inside": "区内站点数",
    "n_stations": "插值站点数",
}

#: Families of columns: (pattern, header template). ``{c}`` is a component's label,
#: ``{term}`` a risk term's, ``{p}`` the pollutant as written in the column.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<c>[a-z_]+)_raw$"), "{c}"),
    (re.compile(r"^(?P<c>[a-z_]+)_ref$"), "{c}基准"),
    (re.compile(r"^(?P<c>[a-z_]+)_score$"), "{c}得分"),
    (re.compile(r"^(?P<c>[a-z_]+)_weight$"), "{c}权重（%）"),
    (re.compile(r"^(?P<c>[a-z_]+)_points$"), "{c}加权得分"),
    (re.compile(r"^pts_(?P<term>[a-z_0-9]+)$"), "风险分：{term}"),
    (re.compile(r"^days_(?P<p>.+)$"), "{p}有效天数"),
    (re.compile(r"^n_(?P<p>.+)$"), "{p}有效小时数"),
)

#: Shares (0-1) shown as percentages.
PERCENT_COLUMNS = re.compile(
    r"^(weight_covered|(air|dustfall|road_dust|compliance|cases|fines|grades|heaps|checklist|"
    r"grade|gate_roads)_weight|compliance_raw|grades_raw|checklist_raw|gate_roads_raw)$"
)
_ONE_DECIMAL = re.compile(
    r"(_m|_m2|_m3|_km|_deg|_ms|_score|_points)$|^(total|prev_total|total_change|score|mean|min|"
    r"max|mean_conc|threshold|difference|percent|share_percent|conc|air_raw|dustfall_raw|"
    r"road_dust_raw|pts_.+)$"
)
_TWO_DECIMALS = re.compile(r"(_raw|_ref)$|^(cpf|cpf_peak|lift|nwr_ratio|distance_weight|weight)$")
_KEEP = re.compile(r"^(lon|lat|x|y|source_lon|source_lat|station_lon|station_lat)$")
# Tables where a column needs other decimals than its name says: (layer, column) -> places.
_BY_LAYER: dict[tuple[str | None, str], int] = {
    ("source_suspects", "score"): 3,
    ("sources", "score"): 3,
}


def header(column: str, *, layer: str | None = None) -> str:
    """The Chinese header of ``column`` in a report table of ``layer``.

    A column of an importable kind gets the header of its form; others that of
    :data:`HEADERS` or :data:`PATTERNS`; an unknown column keeps its name.
    """
    spec = KINDS.get(layer or "")
    if spec is not None:
        for field in spec.fields:
            if field.name == column:
                return field.zh
    if column in HEADERS:
        return HEADERS[column]
    for pattern, template in PATTERNS:
        match = pattern.match(column)
        if not match:
            continue
        parts = match.groupdict()
        if "c" in parts:
            label = COMPONENT_LABELS.get(parts["c"])
            if label is None:
                continue
            return template.format(c=label)
        if "term" in parts:
            label = RISK_TERM_LABELS.get(parts["term"])
            return template.format(term=label or parts["term"])
        if "p" in parts:
            pollutant = parts["p"].replace("PM25", "PM2.5").replace("_", " ")
            return template.format(p=pollutant)
    return column


def decimals(column: str, *, layer: str | None = None) -> tuple[int | None, float]:
    """(decimals, scale) for showing ``column`` of ``layer`` to people; None keeps the value.

    Shares are scaled by 100 and shown as percentages with one decimal; metres,
    degrees, scores to 0.1 (a suspect's score, a small number, to 0.001); ratios and
    references to 0.01. Coordinates keep theirs.
    """
    if (layer, column) in _BY_LAYER:
        return _BY_LAYER[(layer, column)], 1.0
    if _KEEP.match(column):
        return None, 1.0
    if PERCENT_COLUMNS.match(column):
        return 1, 100.0
    if _ONE_DECIMAL.search(column):
        return 1, 1.0
    if _TWO_DECIMALS.search(column):
        return 2, 1.0
    return None, 1.0


def import_vocabulary(spec: TableSpec) -> dict[str, tuple[str, ...]]:
    """Field name -> every header that names it, for the importers: the schema's own
    headers and aliases, and the report header of the same column (so that a table
    exported with Chinese headers imports again)."""
    vocab: dict[str, tuple[str, ...]] = {}
    for field in spec.fields:
        extra: Sequence[str] = ()
        report = HEADERS.get(field.name)
        if report and report not in field.headers and report != HEADERS["name"]:
            extra = (report,)
        vocab[field.name] = (*field.headers, *extra)
    return vocab
