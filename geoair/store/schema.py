"""Layer and record schemas: English field names, Chinese headers, aliases, enumerations.

Every field has an English name used in code and in the workspace, the Chinese
header that users' files carry (``zh``), and the common variants users type
(``aliases``). Enumerated values are stored in their canonical Chinese form (the
words of the documents, which is what users read in QGIS and Excel); booleans are
stored as booleans.

The kinds that ``geoair import`` accepts are the keys of :data:`KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CASES",
    "CHECKLIST_ITEMS",
    "COUNTIES",
    "DATE_MAX_AHEAD_DAYS",
    "DATE_MIN",
    "ENTERPRISES",
    "FieldKind",
    "FieldSpec",
    "GANGUE_HEAPS",
    "GATES",
    "GeometryKind",
    "INDUSTRY",
    "INSPECTIONS",
    "INSPECTION_DERIVED",
    "KINDS",
    "LAT_HEADERS",
    "LAYER_KINDS",
    "LON_HEADERS",
    "MEASURE",
    "OWNER_STATUS",
    "PARKS",
    "PERFORMANCE_GRADE",
    "PRODUCTION_STATUS",
    "RECORD_KINDS",
    "ROADS",
    "ROAD_DUST",
    "STATIONS",
    "STATION_KIND",
    "TARGETS",
    "TARGET_METRIC",
    "TARGET_SCOPE",
    "TRANSPORT_CODES",
    "TREATMENT",
    "TableSpec",
    "spec_for",
]


FieldKind = Literal["str", "int", "float", "bool", "date", "enum"]
GeometryKind = Literal["point", "line", "polygon", "point_or_polygon"]


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer or record table.

    Parameters
    ----------
    name : str
        English name, used in code and as the workspace column name.
    zh : str
        The Chinese header of the documents' forms.
    kind : str
        How values are parsed: ``str``, ``int``, ``float``, ``bool``, ``date``, ``enum``.
    aliases : tuple of str
        Other headers that mean this field (matched after normalisation).
    required : bool
        A row without a value here is rejected.
    choices : dict
        For ``enum`` fields: canonical value -> accepted spellings.
    unit : str
        Unit of a number: a unit written in a cell must fit it (``9吨`` is not a fine).
    minimum, maximum : float, optional
        Bounds of a number, inclusive; a value outside is rejected with the reason.
        Amounts and sizes cannot be negative; the upper bounds are geoair's choice,
        set far above any real value so that they catch only typing errors (a
        fine of 1e30 yuan, a unit mixed up) and are listed in the README.
    """

    name: str
    zh: str
    kind: FieldKind = "str"
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this field: English name, Chinese, aliases."""
        return (self.name, self.zh, *self.aliases)


@dataclass(frozen=True)
class TableSpec:
    """A kind of layer or record table that can be imported into a workspace.

    Parameters
    ----------
    name : str
        The kind, and the workspace layer name.
    zh : str
        Chinese name, for messages.
    fields : tuple of FieldSpec
        The attributes.
    geometry : str or None
        ``point``, ``line``, ``polygon``, ``point_or_polygon``, or None for records.
    key : tuple of str
        Fields that identify a row; importing a row whose key exists replaces it.
    id_prefix : str
        Prefix of generated ids, for layers whose source has no id.
    """

    name: str
    zh: str
    fields: tuple[FieldSpec, ...]
    geometry: GeometryKind | None = None
    key: tuple[str, ...] = ("id",)
    id_prefix: str = ""

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> list[str]:
        return [spec.name for spec in self.fields]

    @property
    def is_layer(self) -> bool:
        return self.geometry is not None


# Dates in records (inspection and case dates, readings times, months): a date before
# DATE_MIN or more than DATE_MAX_AHEAD_DAYS after today is a typing error (1900 from an
# empty Excel date, 2099 for 2019) and is rejected with the reason. geoair's choice: the
# documents and the data geoair serves start in the 2000s.
DATE_MIN = "2000-01-01"
DATE_MAX_AHEAD_DAYS = 366

# --- enumerations (canonical value -> spellings) ------------------------------------

PRODUCTION_STATUS = {
    "正常生产": ("正常", "生产", "producing", "normal", "in production"),
    "依法停产": ("停产", "suspended", "suspended by law"),
    "依法关闭": ("关闭", "closed", "closed by law"),
    "自然停产": ("自然停产", "idle", "停工"),
}
PERFORMANCE_GRADE = {
    "A": ("a", "a级"),
    "B": ("b", "b级"),
    "C": ("c", "c级"),
    "D": ("d", "d级"),
    "引领性": ("引领", "引领级", "leading"),
}
INDUSTRY = {
    "焦化": ("coking", "焦化企业"),
    "水泥": ("cement",),
    "耐火材料": ("refractory", "耐材"),
    "洗煤": ("coal washing", "洗选煤", "煤炭洗选"),
    "陶瓷": ("ceramics",),
    "铸造": ("foundry",),
    "电力": ("power", "火电", "发电"),
    "化工": ("chemical",),
    "钢铁": ("steel",),
    "铝业": ("aluminium", "aluminum", "氧化铝"),
    "建材": ("building materials",),
    "煤炭": ("coal", "煤矿"),
    "其他": ("other", "其它"),
}
STATION_KIND = {
    "国控": ("national", "国控站", "国控点"),
    "省控": ("provincial", "省控站", "省控点"),
    "园区站": ("park", "园区", "园区空气站"),
    "降尘点": ("dustfall", "降尘", "降尘监测点"),
    "微站": ("micro", "微型站", "小型站"),
}
OWNER_STATUS = {
    "有主": ("owned", "有"),
    "无主": ("ownerless", "无"),
}
TREATMENT = {
    "已治理": ("treated", "完成治理", "已完成"),
    "治理中": ("in progress", "in_progress", "正在治理"),
    "未治理": ("untreated", "未完成", "未开始"),
}
MEASURE = {
    "立行立改": ("fixed on the spot", "fixed"),
    "停产整治": ("stopped for rectification", "stopped"),
    "立案处罚": ("case filed", "fined", "filed"),
}
# Closed in-plant transport, 附件2 note ①: the code written in the form.
TRANSPORT_CODES = {
    1: "密闭皮带",
    2: "封闭走廊",
    3: "管状带式输送机",
    4: "密闭车厢",
    5: "真空罐车",
    6: "气力输送",
    7: "其他密闭输送方式",
}
TARGET_METRIC = {
    "pm25": ("pm2.5", "pm₂.₅", "pm_{2.5}", "pm25_ug_m3", "细颗粒物"),
    "pm10": ("pm₁₀", "pm10_ug_m3", "可吸入颗粒物"),
    "so2": ("二氧化硫",),
    "no2": ("二氧化氮",),
    "co": ("一氧化碳",),
    "o3": ("臭氧", "o3_8h"),
    "good_days": ("优良天数", "优良天", "good days"),
    # Seed 004: 重度及以上污染天数控制在1天以内.
    "heavy_days": ("重度及以上污染天数", "重度及以上天数", "重污染天数", "heavy days"),
    "dustfall": ("降尘", "降尘量", "dustfall_t_km2"),
    "composite_index": ("综合指数",),
}
TARGET_SCOPE = {
    "station": ("站点", "监测站", "国控站"),
    "county": ("县区", "县(区)", "区县"),
    "city": ("全市", "市", "市控"),
    "park": ("园区",),
}


def _f(name: str, zh: str, kind: FieldKind = "str", *aliases: str, **kw) -> FieldSpec:
    return FieldSpec(name, zh, kind, tuple(aliases), **kw)


_COUNTY = _f("county", "县区", "str", "县（区）", "县(区)", "区县", "所属县区", "县", "区")
_TOWNSHIP = _f("township", "乡镇(街道)", "str", "乡镇（街道）", "乡镇", "街道", "所属乡镇")
_ENTERPRISE_NAME = _f("enterprise_name", "企业名称", "str", "单位名称", "企业", "公司名称")

ENTERPRISES = TableSpec(
    "enterprises",
    "企业",
    (
        _f("id", "企业编号", "str", "编号", "企业id", "企业代码", "统一社会信用代码", "code"),
        _f("name", "企业名称", "str", "单位名称", "企业", "公司名称", required=True),
        _COUNTY,
        _TOWNSHIP,
        _f("industry", "行业", "enum", "所属行业", "行业类别", choices=INDUSTRY),
        _f("above_scale", "规模以上", "bool", "是否规模以上", "规上", "规模以上企业"),
        _f(
            "performance_grade",
            "绩效等级",
            "enum",
            "绩效分级",
            "等级",
            "grade",
            choices=PERFORMANCE_GRADE,
        ),
        _f("status", "生产状态", "enum", "企业生产状态", "状态", choices=PRODUCTION_STATUS),
        _f("responsible", "责任人", "str", "负责人", "联系人"),
    ),
    geometry="point",
    id_prefix="E",
)

GATES = TableSpec(
    "gates",
    "厂门",
    (
        _f("id", "厂门编号", "str", "编号", "门编号", "gate_id"),
        _f("enterprise_id", "企业编号", "str", "企业id", "企业代码"),
        _f("enterprise_name", "企业名称", "str", "单位名称", "企业"),
        _f("name", "厂门名称", "str", "大门名称", "门名称", "厂门", "gate_name"),
    ),
    geometry="point",
    id_prefix="G",
)

PARKS = TableSpec(
    "parks",
    "园区",
    (
        _f("id", "园区编号", "str", "编号", "园区id", "园区代码"),
        _f("name", "园区名称", "str", "园区", required=True),
        _f("city", "地市", "str", "所属地市", "市"),
        _f("county", "县区", "str", "所属县区", "县（区）", "县(区)"),
        _f("key_park", "重点园区", "bool", "是否重点园区", "重点"),
    ),
    geometry="polygon",
    id_prefix="P",
)

STATIONS = TableSpec(
    "stations",
    "监测站",
    (
        # The national platform's station export (stationcode, positionname, area) and
        # the station list of the shared archive (监测点编码, 监测点名称, 城市).
        _f(
            "id",
            "站点编号",
            "str",
            "编号",
            "站点代码",
            "站号",
            "station_id",
            "stationcode",
            "station_code",
            "监测点编码",
            "站点编码",
        ),
        _f(
            "name",
            "站点名称",
            "str",
            "站名",
            "监测站",
            "站点",
            "监测点",
            "positionname",
            "position_name",
            "监测点名称",
            required=True,
        ),
        _f("kind", "站点类型", "enum", "类型", "类别", "站点类别", choices=STATION_KIND),
        _COUNTY,
        _f("city", "城市", "str", "地市", "所属城市", "area"),
    ),
    geometry="point",
    id_prefix="S",
)

GANGUE_HEAPS = TableSpec(
    "gangue_heaps",
    "矸石山",
    (
        _f("id", "编号", "str", "矸石山编号", "heap_id"),
        _f("name", "矸石山名称", "str", "名称", required=True),
        _COUNTY,
        _f("owner_status", "有主/无主", "enum", "有无主", "权属", "是否有主", choices=OWNER_STATUS),
        _f("treatment", "治理情况", "enum", "治理状态", "治理进展", choices=TREATMENT),
        _f("burning", "自燃/冒烟", "bool", "是否自燃", "自燃冒烟", "自燃", "冒烟"),
        _f(
            "area_m2",
            "面积",
            "float",
            "占地面积",
            "面积(平方米)",
            "面积（㎡）",
            unit="m2",
            minimum=0.0,
            maximum=1e8,  # 100 km²: no heap is larger
        ),
        _f(
            "volume_m3",
            "体积",
            "float",
            "堆存量",
            "体积(立方米)",
            "方量",
            unit="m3",
            minimum=0.0,
            maximum=1e10,  # 10 km³
        ),
    ),
    geometry="point_or_polygon",
    id_prefix="H",
)

ROADS = TableSpec(
    "roads",
    "道路",
    (
        _f("id", "道路编号", "str", "编号", "osm_id"),
        _f("name", "道路名称", "str", "路名", "名称"),
        _f("road_class", "道路等级", "str", "等级", "类别", "highway", "fclass"),
        _f("hardened", "硬化", "bool", "是否硬化", "路面硬化"),
    ),
    geometry="line",
    id_prefix="R",
)

COUNTIES = TableSpec(
    "counties",
    "县区",
    (
        _f("code", "行政区划代码", "str", "代码", "区划代码", "adcode"),
        _f("name", "县区名称", "str", "名称", "县区", "区县", required=True),
    ),
    geometry="polygon",
    key=("name",),
)

INSPECTIONS = TableSpec(
    "inspections",
    "问题清单(附件2)",
    (
        _f("seq", "序号", "int", "编号"),
        _COUNTY,
        _TOWNSHIP,
        FieldSpec("enterprise_name", "企业名称", "str", ("单位名称", "企业"), required=True),
        _f("enterprise_id", "企业编号", "str", "企业代码"),
        _f("inspection_date", "检查日期", "date", "日期", "检查时间", "排查日期"),
        _f("yard_enclosed", "物料堆场全封闭情况", "bool", "物料堆场全封闭", "料场封闭"),
        _f("transport", "厂区运输方式", "str", "运输方式", "厂区运输"),
        _f("roads_hardened", "厂区道路硬化", "bool", "厂区道路、矸石运输等道路硬化", "道路硬化"),
        _f("site_hardened", "生产现场硬化", "bool", "现场硬化"),
        _f(
            "dust_points",
            "尘点数量",
            "int",
            "数量",
            "数量(个)",
            "尘点数",
            unit="个",
            minimum=0,
            maximum=10_000,
        ),
        _f("dust_measures_ok", "防尘措施是否到位", "bool", "防尘措施到位", "防尘措施"),
        _f("vehicle_washing", "车辆冲洗", "bool", "车辆冲洗(有/无)", "洗车"),
        _f(
            "unorganised_ok", "无组织排放治理是否符合要求", "bool", "是否符合要求", "无组织排放治理"
        ),
        _f("status", "企业生产状态", "enum", "生产状态", choices=PRODUCTION_STATUS),
        _f("note", "备注", "str", "备注(煤场、料场)"),
        _f("responsible", "责任人", "str", "负责人"),
    ),
    key=("enterprise_id", "inspection_date"),
)
# Derived from ``transport`` on import: closed (bool) and the 附件2 code 1-7.
INSPECTION_DERIVED = ("transport_closed", "transport_code")
# The checklist items whose share met is an enterprise's compliance.
CHECKLIST_ITEMS = (
    "yard_enclosed",
    "transport_closed",
    "roads_hardened",
    "site_hardened",
    "dust_measures_ok",
    "vehicle_washing",
    "unorganised_ok",
)

CASES = TableSpec(
    "cases",
    "监管工作情况汇总(附件3)",
    (
        _f("seq", "序号", "int"),
        _f("inspection_date", "检查日期", "date", "日期", "检查时间", required=True),
        _COUNTY,
        FieldSpec("enterprise_name", "企业名称", "str", ("单位名称", "企业"), required=True),
        _f("enterprise_id", "企业编号", "str", "企业代码"),
        _f("problem", "问题简要描述", "str", "问题描述", "存在问题", "问题", required=True),
        _f("measure", "处理措施", "str", "处置措施", "处理方式"),
        _f("fixed_on_spot", "立行立改", "bool"),
        _f("stopped", "停产整治", "bool"),
        _f("filed", "立案处罚", "bool"),
        _f("rectification", "整改措施", "str", "整改情况"),
        _f(
            "fine_yuan",
            "处罚金额（元）",
            "float",
            "处罚金额(元)",
            "处罚金额",
            "罚款",
            "罚款金额",
            unit="元",
            minimum=0.0,
            maximum=1e8,  # 1 亿元: far above any fine of one case; catches extra zeros
        ),
        _f("rectified", "是否完成整改", "bool", "完成整改", "整改完成", "已整改"),
        _f("note", "备注", "str"),
    ),
    key=("enterprise_id", "inspection_date", "problem"),
)

TARGETS = TableSpec(
    "targets",
    "目标",
    (
        _f("scope", "范围", "enum", "类型", "对象类型", required=True, choices=TARGET_SCOPE),
        _f("target_name", "对象", "str", "名称", "站点", "县区", "站点/县区", required=True),
        _f("period", "月份", "str", "时段", "期间", "时间", required=True),
        _f("metric", "指标", "enum", "污染物", "项目", required=True, choices=TARGET_METRIC),
        _f("value", "目标值", "float", "目标", "数值", "值", required=True, minimum=0.0),
    ),
    key=("scope", "target_name", "period", "metric"),
)

# Road dust load (道路积尘负荷, "以克论净", 长治市2024年大气办通知 and 晋市生态环保委办〔2023〕4号):
# g/m² measured by a mobile
# monitoring vehicle on a park's roads; one row per park, month and (optional) road.
# Month as written ("2024-03", "2024年3月"); geoair.scores reads it as a month.
ROAD_DUST = TableSpec(
    "road_dust",
    "道路积尘负荷",
    (
        _f("park_name", "园区名称", "str", "园区", "工业园区", required=True),
        _f("park_id", "园区编号", "str", "园区id", "园区代码"),
        _f("month", "月份", "str", "时间", "监测月份", "日期", required=True),
        _f("road", "路段", "str", "道路名称", "道路", "路段名称"),
        _f(
            "load_g_m2",
            "积尘负荷",
            "float",
            "道路积尘负荷",
            "积尘负荷(g/m2)",
            "积尘负荷（g/m²）",
            "积尘负荷(克/平方米)",
            "g/m2",
            required=True,
            unit="g/m2",
            minimum=0.0,
            maximum=1000.0,  # g/m²; measured loads are below 10
        ),
    ),
    key=("park_name", "month", "road"),
)

KINDS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        ENTERPRISES,
        GATES,
        PARKS,
        STATIONS,
        GANGUE_HEAPS,
        ROADS,
        COUNTIES,
        INSPECTIONS,
        CASES,
        TARGETS,
        ROAD_DUST,
    )
}
LAYER_KINDS = tuple(name for name, spec in KINDS.items() if spec.is_layer)
RECORD_KINDS = tuple(name for name, spec in KINDS.items() if not spec.is_layer)

# Columns that carry longitude / latitude in tables without geometry.
LON_HEADERS = ("lon", "lng", "longitude", "经度", "x", "东经", "经度(°)", "经度（°）")
LAT_HEADERS = ("lat", "latitude", "纬度", "y", "北纬", "纬度(°)", "纬度（°）")


def spec_for(kind: str) -> TableSpec:
    """Return the schema of ``kind``, or explain which kinds exist.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` (English) or its Chinese name.
    """
    if kind in KINDS:
        return KINDS[kind]
    for spec in KINDS.values():
        if kind == spec.zh:
            return spec
    from geoair.errors import SchemaError
    from geoair.messages import t

    kinds = t("word.list_sep").join(
        t("error.store.kind_choice", name=name, zh=spec.zh) for name, spec in KINDS.items()
    )
    raise SchemaError(t("error.store.unknown_kind", kind=kind, kinds=kinds))
