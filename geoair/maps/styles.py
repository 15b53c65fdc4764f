"""Colours, symbols and Chinese legend labels shared by the interactive and static maps.

One :class:`StyleClass` is one legend entry (a label and a colour); a layer's
``Mode`` (see :mod:`geoair.maps.layers`) picks one class per feature. Both the HTML
map and the PNG read the classes from here, so the two always agree.

AQI colours are those of HJ 633-2012 (table 2: 绿 黄 橙 红 紫 褐红). Other palettes
are ColorBrewer schemes, chosen to stay legible on grey and white basemaps and for
readers with red-green colour blindness where a scale is ordered (RdYlBu).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AQI",
    "AQI_NAMES",
    "AQI_UPPER",
    "BIG_FACTOR",
    "COMPLIANCE",
    "COUNTY",
    "GATE",
    "GATE_BUFFER",
    "GATE_ROAD",
    "GOOD_DAYS",
    "GOOD_DAYS_LOWER",
    "GRADE",
    "GRADE_ORDER",
    "GREY",
    "HEAP",
    "HEAP_OWNERLESS_NOTE",
    "HEAP_TREATMENT_ORDER",
    "PARK_KEY",
    "PARK_SCORE_COLORS",
    "PARK_UNSCORED",
    "PATROL_TEAMS",
    "POINT_RADIUS_PX",
    "RISK_COLORS",
    "RISK_NONE",
    "ROAD",
    "ROAD_PATTERNS",
    "ROAD_WIDTH_PX",
    "STATION_KIND",
    "STATION_KIND_ORDER",
    "STATUS",
    "STATUS_ORDER",
    "SUSPECT",
    "StyleClass",
    "TARGET",
]


@dataclass(frozen=True)
class StyleClass:
    """One legend entry: a label (Chinese) and a colour (#rrggbb)."""

    label: str
    color: str


GREY = "#969696"

# -- enterprises --------------------------------------------------------------------
# Share of the 附件2 checklist items met at the enterprise's latest inspection.
COMPLIANCE = (
    StyleClass("全部合格", "#1a9850"),
    StyleClass("1-2项不合格", "#fdae61"),
    StyleClass("3项及以上不合格", "#d73027"),
    StyleClass("未检查", GREY),
)
GRADE = (
    StyleClass("引领性", "#006837"),
    StyleClass("A级", "#1a9850"),
    StyleClass("B级", "#91cf60"),
    StyleClass("C级", "#fc8d59"),
    StyleClass("D级", "#d73027"),
    StyleClass("未分级", GREY),
)
GRADE_ORDER = ("引领性", "A", "B", "C", "D")
STATUS = (
    StyleClass("正常生产", "#2c7bb6"),
    StyleClass("依法停产", "#fdae61"),
    StyleClass("依法关闭", "#404040"),
    StyleClass("自然停产", "#abd9e9"),
    StyleClass("状态不明", GREY),
)
STATUS_ORDER = ("正常生产", "依法停产", "依法关闭", "自然停产")

# -- stations -----------------------------------------------------------------------
# HJ 633-2012 表2: 优 绿, 良 黄, 轻度污染 橙, 中度污染 红, 重度污染 紫, 严重污染 褐红.
AQI = (
    StyleClass("优 (0-50)", "#00e400"),
    StyleClass("良 (51-100)", "#ffff00"),
    StyleClass("轻度污染 (101-150)", "#ff7e00"),
    StyleClass("中度污染 (151-200)", "#ff0000"),
    StyleClass("重度污染 (201-300)", "#99004c"),
    StyleClass("严重污染 (>300)", "#7e0023"),
    StyleClass("无有效数据", GREY),
)
AQI_NAMES = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
AQI_UPPER = (50, 100, 150, 200, 300)
# Share of good days (AQI ≤ 100, HJ 633) among the month's days with an AQI; the
# lower bounds of the classes below, best first in the legend.
GOOD_DAYS_LOWER = (0.6, 0.8, 0.9)
GOOD_DAYS = (
    StyleClass("低于60%", "#d73027"),
    StyleClass("60%-80%", "#fc8d59"),
    StyleClass("80%-90%", "#91cf60"),
    StyleClass("90%及以上", "#1a9850"),
    StyleClass("无有效数据", GREY),
)
TARGET = (
    StyleClass("达标", "#1a9850"),
    StyleClass("未达标", "#d73027"),
    StyleClass("无目标或无数据", GREY),
)
STATION_KIND = (
    StyleClass("国控", "#08306b"),
    StyleClass("省控", "#2171b5"),
    StyleClass("园区站", "#6baed6"),
    StyleClass("降尘点", "#807dba"),
    StyleClass("微站", "#bcbddc"),
    StyleClass("其他", GREY),
)
STATION_KIND_ORDER = ("国控", "省控", "园区站", "降尘点", "微站")

# -- gangue heaps -------------------------------------------------------------------
HEAP = (
    StyleClass("自燃/冒烟", "#e31a1c"),
    StyleClass("未治理", "#8c510a"),
    StyleClass("治理中", "#fe9929"),
    StyleClass("已治理", "#35978f"),
    StyleClass("治理情况不明", GREY),
)
HEAP_TREATMENT_ORDER = ("未治理", "治理中", "已治理")
HEAP_OWNERLESS_NOTE = "空心 = 无主，实心 = 有主"

# -- parks --------------------------------------------------------------------------
# Five score bins, low to high (RdYlGn); the bin edges are the month's quintiles.
PARK_SCORE_COLORS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
PARK_UNSCORED = StyleClass("未评分或数据不足未排名", "#bdbdbd")
# Patrol risk quintiles, low to high (RdYlGn reversed); sites without a score grey.
RISK_COLORS = ("#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c")
RISK_NONE = StyleClass("无风险评分", GREY)
PARK_KEY = (StyleClass("重点园区", "#08519c"), StyleClass("其他园区", "#6baed6"))

# -- roads ----------------------------------------------------------------------------
# A neutral base layer in greys, darker and wider for higher classes, so that it never
# competes with the colours that carry meaning (findings, targets, risk).
ROAD = (
    StyleClass("高速公路、国道", "#252525"),
    StyleClass("省道、城市主干道", "#525252"),
    StyleClass("县道、乡道", "#737373"),
    StyleClass("园区、厂区及其他道路", "#a3a3a3"),
    StyleClass("等级不明", "#bdbdbd"),
)
# Road class as written (Chinese, or OpenStreetMap highway=) -> class of ROAD.
ROAD_PATTERNS = (
    ("高速|国道|motorway|trunk|快速", 0),
    ("省道|主干|primary|secondary|城市道路", 1),
    ("县道|乡道|村道|tertiary", 2),
)
ROAD_WIDTH_PX = (3.0, 2.4, 1.8, 1.2, 1.0)

# -- lines and helpers ----------------------------------------------------------------
COUNTY = StyleClass("县区界", "#525252")
GATE = StyleClass("厂门", "#252525")
GATE_BUFFER = StyleClass("厂门100米范围", "#3182bd")
GATE_ROAD = StyleClass("厂门100米道路", "#c51b8a")
SUSPECT = StyleClass("站点-疑似污染源", "#7a0177")
# Team colours avoid the reds and greens that say "failed" and "met" on the other layers.
PATROL_TEAMS = (
    "#1f78b4",
    "#6a3d9a",
    "#b15928",
    "#ff7f00",
    "#e7298a",
    "#01665e",
    "#8c6bb1",
    "#525252",
    "#a6761d",
    "#1b9e77",
)

# Symbol sizes (pixels in the HTML map; the PNG scales them).
POINT_RADIUS_PX = {
    "enterprises": 4.0,
    "gates": 2.5,
    "stations": 7.0,
    "gangue_heaps": 6.0,
    "patrol_stops": 8.0,
}
BIG_FACTOR = 1.7  # above-scale enterprises are drawn this much larger
