"""Every sentence geoair says to people, in Chinese and English, keyed by id.

geoair's users are clerks of Chinese bureaus, so Chinese is the default language;
English is chosen with ``geoair --lang en`` or the environment variable
``GEOAIR_LANG=en`` (``zh`` is the default; ``zh_CN.UTF-8``, ``en_US`` and the like are
understood). One catalogue, :data:`MESSAGES`, maps a message id to its two wordings;
:func:`t` picks the wording of the current language and fills in the values:

>>> with use_language("en"):
...     t("word.met", )
'met'
>>> with use_language("zh"):
...     t("gate_roads.county_line", county="郊区", length=450.0, enterprises=2, gates=3)
'  郊区：450.0 米，2 家企业，3 个厂门'

Rules for the catalogue (``tests/test_messages.py`` checks them):

* every id has both wordings, with the same ``{placeholders}``;
* ids are grouped by where they are said: ``cli.``, ``demo.``, ``import.``,
  ``gate_roads.``, ``indicators.``, ``targets.``, ``scores.``, ``sources.``,
  ``patrol.``, ``maps.``, ``reports.``, ``forms.``, ``progress.`` (long work),
  ``error.`` (what errors say) and the small vocabulary: ``word.`` (status words:
  有效/无效, 达标/未达标, 是/否), ``layer.`` (layer and table names), ``kind.`` (import
  kinds), ``metric.``, ``scope.``, ``finding.``, ``unit.``;
* values are formatted by the wording itself (``{length:,.1f}``), so each language
  may write numbers as its readers expect.

Data values (names of enterprises, counties, the reasons written in a rejects file for
the clerk who corrects it) are never translated.

The language is held in a :class:`contextvars.ContextVar`, so a web app can serve
each request in its own language; the command line sets it once per run.

Errors written as ``"中文。 / English."`` (the older style) are split by
:func:`in_language`, so each language shows its own half.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import string
from collections.abc import Iterator

__all__ = [
    "LANGUAGES",
    "MAP_WORDS",
    "MESSAGES",
    "in_language",
    "language",
    "layer_name",
    "normalise_language",
    "placeholders",
    "say_basis",
    "say_map",
    "say_unit",
    "say_validity",
    "set_language",
    "t",
    "use_language",
    "word",
    "yes_no",
]

LANGUAGES = ("zh", "en")
"""The languages geoair speaks: Chinese (the default) and English."""

_CHOSEN: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "geoair_language", default=None
)


def normalise_language(text: str | None) -> str | None:
    """``zh``/``en`` for what users type (``zh_CN.UTF-8``, ``EN``, ``中文``), else None."""
    if not text:
        return None
    key = str(text).strip().lower().replace("-", "_")
    if key.startswith(("zh", "cn", "chinese")) or key in ("中文", "汉语", "简体中文"):
        return "zh"
    if key.startswith(("en", "english")) or key == "英文":
        return "en"
    return None


def language() -> str:
    """The current language: the one set by :func:`set_language`, else ``GEOAIR_LANG``,
    else Chinese."""
    chosen = _CHOSEN.get()
    if chosen is not None:
        return chosen
    return normalise_language(os.environ.get("GEOAIR_LANG")) or "zh"


def set_language(lang: str | None) -> None:
    """Choose the language for what follows (None: back to ``GEOAIR_LANG`` or Chinese).

    Raises
    ------
    ValueError
        ``lang`` is neither Chinese nor English.
    """
    if lang is None:
        _CHOSEN.set(None)
        return
    chosen = normalise_language(lang)
    if chosen is None:
        raise ValueError(f"language {lang!r}: use zh (中文) or en (English)")
    _CHOSEN.set(chosen)


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the ``with`` block (tests, a web request)."""
    chosen = normalise_language(lang)
    if chosen is None:
        raise ValueError(f"language {lang!r}: use zh (中文) or en (English)")
    token = _CHOSEN.set(chosen)
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def t(message_id: str, /, **values: object) -> str:
    """The message ``message_id`` in the current language, with ``values`` filled in.

    Raises
    ------
    KeyError
        An unknown id (a programming error, found by the tests).
    """
    zh, en = MESSAGES[message_id]
    text = en if language() == "en" else zh
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """The names of the ``{placeholders}`` of a wording (for the catalogue's test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


_SPLIT = re.compile(r"(?<=[。？！）”])\s+/\s+(?=[^\s\u4e00-\u9fff])")


def in_language(text: str) -> str:
    """The current language's half of a message written as ``"中文。 / English."``.

    Messages that are not written that way come back unchanged.
    """
    parts = _SPLIT.split(str(text), maxsplit=1)
    if len(parts) != 2 or not re.search(r"[\u4e00-\u9fff]", parts[0]):
        return str(text)
    return parts[1].strip() if language() == "en" else parts[0].strip()


def yes_no(value: object) -> str | None:
    """是/否 (yes/no) for a boolean; None for a missing value."""
    if _missing(value):
        return None
    return t("word.yes") if bool(value) else t("word.no")


def _missing(value: object) -> bool:
    # None, NaN or pandas.NA, without importing pandas (``geoair --help`` stays fast).
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or type(value).__name__ == "NAType"
    )


_VALIDITY_EN_ZH = (
    (re.compile(r"^invalid:\s*"), "无效："),
    (
        re.compile(r"^no data: no station readings for this target"),
        "无数据：该目标没有站点监测数据",
    ),
    (
        re.compile(r"^no data: no air station with readings inside (.+)$"),
        r"无数据：\1内没有有数据的空气站",
    ),
    (re.compile(r"^no data:\s*"), "无数据："),
    (re.compile(r"(\d+)/(\d+) days with an AQI"), r"有AQI的天数\1/\2"),
    (re.compile(r"(\d+)/(\d+) valid days"), r"有效天数\1/\2"),
    (re.compile(r"(\d+)/(\d+) days"), r"有效天数\1/\2"),
    (re.compile(r"(\d+)/(\d+) h\b"), r"有效小时数\1/\2"),
    (re.compile(r"(\d+)/(\d+) windows"), r"有效8小时时段\1/\2"),
    (re.compile(r"no valid station"), "无有效站点"),
    (re.compile(r"^valid \("), "有效（"),
    (
        re.compile(r"^undetermined: (\d+) incomplete days could go either way "),
        r"无法判定：\1天数据不完整，结果可能相反",
    ),
    (re.compile(r"\(between (\S+) and (\S+)\)"), r"（在\1与\2之间）"),
    (re.compile(r"\(?(\d+) days unknown, not counted\)"), r"\1天无法判定，未计入）"),
    (re.compile(r" \((\d+) days unknown\)"), r"（\1天无法判定）"),
    (re.compile(r", months short: "), "，有效天数不足的月份："),
    (re.compile(r";\s*"), "；"),
)


def say_validity(text: object) -> object:
    """A validity as stored (``valid``, ``invalid: PM2.5 24/27 days``, ``no data: ...``) in
    the current language: ``有效``, ``无效：PM2.5 有效天数24/27``. Other values come back
    unchanged."""
    if not isinstance(text, str):
        return text
    if text == "valid":
        return t("word.valid")
    if language() == "en" or not text.startswith(("invalid", "no data", "valid (", "undetermined")):
        return text
    out = text
    for pattern, replacement in _VALIDITY_EN_ZH:
        out = pattern.sub(replacement, out)
    return out


_BASIS_EN_ZH = (
    (re.compile(r"^station's own values"), "站点自身的数值"),
    (re.compile(r"^station's monthly value"), "站点月值"),
    (re.compile(r"^daily mean of (\d+) station\(s\)"), r"\1个站点的日均值"),
    (re.compile(r"^mean of (\d+) station\(s\)"), r"\1个站点的均值"),
    (
        re.compile(
            r" in park (.+?) \((.+?) is judged from its park: park name contains the unit's name\)"
        ),
        r"（园区 \1 内；\2按其园区评价：园区名称含该单位名称）",
    ),
    (
        re.compile(r" in park (.+?) \((.+?) is judged from its park: \[targets\.park_units\]\)"),
        r"（园区 \1 内；\2按其园区评价：见 [targets.park_units]）",
    ),
    (re.compile(r" \((\S+) only: no (\S+) station\)"), r"（只有\1，没有\2站）"),
    (re.compile(r"; limit from target table"), "；限值来自目标表"),
    (re.compile(r"; limit from (.+)$"), r"；限值来自 \1"),
)


def say_basis(text: object) -> object:
    """How a targets check formed its actual value (the ``basis`` column, stored in
    English) in the current language."""
    if not isinstance(text, str) or language() == "en":
        return text
    out = text
    for pattern, replacement in _BASIS_EN_ZH:
        out = pattern.sub(replacement, out)
    return out


# --- the catalogue -----------------------------------------------------------------------------

# id -> (Chinese, English). Keep each group sorted by where it is said.
MESSAGES: dict[str, tuple[str, str]] = {}


def _add(group: dict[str, tuple[str, str]]) -> None:
    for key, value in group.items():
        if key in MESSAGES:  # pragma: no cover - caught by the tests
            raise KeyError(f"message id {key!r} defined twice")
        MESSAGES[key] = value


# Status words and small vocabulary.
_add(
    {
        "word.yes": ("是", "yes"),
        "word.no": ("否", "no"),
        "word.valid": ("有效", "valid"),
        "word.invalid": ("无效", "invalid"),
        "word.met": ("达标", "met"),
        "word.missed": ("未达标", "missed"),
        "word.not_judged": ("未判定", "not judged"),
        "word.no_data": ("无数据", "no data"),
        "word.not_due": ("时段未结束", "period not over"),
        "word.none": ("无", "none"),
        "word.all_periods": ("全部时段", "all periods"),
        "word.benchmark": ("标杆候选", "benchmark candidate"),
        "word.along_roads": ("沿道路", "along the roads"),
        "word.straight": ("直线距离", "straight-line"),
        "word.list_sep": ("、", ", "),
        "word.clause_sep": ("；", "; "),
        "unit.m": ("米", "m"),
        "unit.km": ("公里", "km"),
        "unit.days": ("天", "days"),
        "crs.gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (Amap/Tencent)"),
        "crs.bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    }
)

# Layers and tables of the workspace, and the kinds ``geoair import`` takes.
_add(
    {
        "layer.counties": ("县区", "counties"),
        "layer.parks": ("园区", "parks"),
        "layer.stations": ("监测站", "stations"),
        "layer.enterprises": ("企业", "enterprises"),
        "layer.gates": ("厂门", "gates"),
        "layer.gangue_heaps": ("矸石山", "gangue heaps"),
        "layer.roads": ("道路", "roads"),
        "layer.inspections": ("问题清单（附件2）", "inspections"),
        "layer.cases": ("监管工作情况（附件3）", "cases"),
        "layer.targets": ("目标", "targets"),
        "layer.road_dust": ("道路积尘负荷", "road dust"),
        "layer.readings": ("小时监测数据", "hourly readings"),
        "layer.dustfall": ("降尘", "dustfall"),
        "layer.targets_annex": ("目标分解附件", "target annexes"),
        "layer.gate_roads": ("厂门100米道路", "gate roads"),
        "layer.gate_buffers": ("厂门100米范围", "gate circles"),
        "layer.sweep_tasks": ("清扫任务", "sweeping tasks"),
        "layer.gate_findings": ("厂门问题", "gate findings"),
        "layer.station_daily": ("站点日值", "station daily values"),
        "layer.targets_check": ("目标完成情况", "targets check"),
        "layer.site_assignment": ("点位归属", "site assignment"),
        "layer.park_scores": ("园区得分", "park scores"),
        "layer.enterprise_scores": ("企业得分", "enterprise scores"),
        "layer.station_sources": ("站点周边污染源", "sources near stations"),
        "layer.source_suspects": ("疑似污染源", "suspects"),
        "layer.source_plots": ("污染玫瑰图", "polar plots"),
        "layer.risk_scores": ("巡查风险", "patrol risk"),
        "layer.patrol_stops": ("巡查点位", "patrol stops"),
        "layer.patrol_routes": ("巡查路线", "patrol routes"),
        "layer.patrol_history": ("巡查记录", "patrol history"),
        "layer.surface_zones": ("插值分区统计", "surface zones"),
        "layer.by_period": ("{by}{period}值", "{by} {period} values"),
        "by.station": ("站点", "station"),
        "by.county": ("县区", "county"),
        "by.park": ("园区", "park"),
        "period.day": ("日", "daily"),
        "period.month": ("月", "monthly"),
        "period.quarter": ("季度", "quarterly"),
        "period.year": ("年", "yearly"),
        "metric.pm25": ("PM2.5", "PM2.5"),
        "metric.pm10": ("PM10", "PM10"),
        "metric.so2": ("SO2", "SO2"),
        "metric.no2": ("NO2", "NO2"),
        "metric.co": ("CO", "CO"),
        "metric.o3": ("O3", "O3"),
        "metric.good_days": ("优良天数", "good days"),
        "metric.dustfall": ("降尘", "dustfall"),
        "metric.composite_index": ("综合指数", "composite index"),
        "scope.station": ("站点", "station"),
        "scope.county": ("县区", "county"),
        "scope.city": ("全市", "city"),
        "scope.park": ("园区", "park"),
        "finding.no_road": ("{n} 个厂门范围内无道路", "{n} with no road within the radius"),
        "finding.far_from_site": (
            "{n} 个厂门距企业过远（疑似坐标错误）",
            "{n} far from their enterprise (a likely coordinate error)",
        ),
        "finding.unknown_enterprise": (
            "{n} 个厂门的企业不在企业名录中",
            "{n} whose enterprise is not in the ledger",
        ),
        "finding.no_location": ("{n} 个厂门无坐标", "{n} without coordinates"),
        "finding.detail.far_from_site": (
            "厂门距企业位置{distance:.0f}米，超过{limit:g}米，疑似坐标错误",
            "{distance:.0f} m from its enterprise, more than {limit:g} m: a likely coordinate "
            "error",
        ),
        "finding.detail.no_road": (
            "厂门{radius:g}米范围内无道路",
            "no road within {radius:g} m",
        ),
        "finding.detail.unknown_enterprise": (
            "厂门所属企业不在企业名录中",
            "its enterprise is not in the ledger",
        ),
        "finding.detail.no_location": ("厂门无坐标", "no coordinates"),
        "source_kind.enterprise": ("企业", "enterprise"),
        "source_kind.gangue_heap": ("矸石山", "gangue heap"),
        "source_kind.gate_road": ("厂门道路", "gate road"),
        "source_kind.park": ("园区", "park"),
    }
)


def say_unit(unit: object) -> object:
    """A unit as stored (``t/(km²·月)``) in the current language (``t/(km²·month)``)."""
    if isinstance(unit, str) and language() == "en":
        return unit.replace("·月", "·month").replace("/月", "/month")
    return unit


def layer_name(name: str) -> str:
    """The name people read for a workspace layer or table (``企业`` for enterprises);
    an indicator table such as ``county_quarterly`` is said as ``县区季度值``."""
    key = f"layer.{name}"
    if key in MESSAGES:
        return t(key)
    by, _, period = name.partition("_")
    periods = {"daily": "day", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
    if f"by.{by}" in MESSAGES and period in periods:
        return t("layer.by_period", by=t(f"by.{by}"), period=t(f"period.{periods[period]}"))
    return name


def word(group: str, value: object) -> str:
    """A value of a small vocabulary (``metric``, ``scope``, ``source_kind``...) said in the
    current language; values outside it come back as text."""
    key = f"{group}.{value}"
    return t(key) if key in MESSAGES else str(value)


# The command line.
_add(
    {
        "cli.error": ("错误：{message}", "Error: {message}"),
        "cli.interrupted": ("已中断：没有做任何更改。", "Interrupted: nothing was changed."),
        "cli.wrote": ("已写入 {path}", "wrote {path}"),
        "cli.init.created": ("已建立工作区 {root}", "created workspace {root}"),
        "cli.init.store": ("  数据库：{path}", "  store:    {path}"),
        "cli.init.settings": (
            "  设置：  {path}（半径、限值、权重都在这里修改）",
            "  settings: {path} (edit radii, limits, weights there)",
        ),
        "cli.init.next": (
            "下一步：geoair import enterprises 文件 --workspace {folder}",
            "next: geoair import enterprises FILE --workspace {folder}",
        ),
        "cli.demo.step": ("[{number}/{total}] {title}", "[{number}/{total}] {title}"),
        "cli.demo.workspace": ("演示工作区：{root}", "demo workspace: {root}"),
        "cli.demo.gpkg": (
            "  图层和表：{path}（可用 QGIS 打开）",
            "  layers and tables: {path} (open it in QGIS)",
        ),
        "cli.demo.outputs": ("  输出：    {path}", "  outputs:           {path}"),
        "cli.demo.try": (
            "试试：geoair --help，然后任一命令加 --workspace {folder}",
            "try: geoair --help, then any command with --workspace {folder}",
        ),
        "cli.bad_day": (
            "“{value}”不是日期，请写成 2020-10-01。",
            "{value!r} is not a day; write it as 2020-10-01.",
        ),
        "cli.bad_date": (
            "“{value}”不是日期，请写成 2024-03-05。",
            "{value!r} is not a date. Write it as 2024-03-05.",
        ),
        "cli.bad_month": (
            "“{value}”不是月份，请写成 2020-11。",
            "{value!r} is not a month; write it as 2020-11.",
        ),
        "cli.bad_span": (
            "“{value}”不是时段，请写成 2020-10/2020-12。",
            "{value!r} is not a period; write it as 2020-10/2020-12.",
        ),
        "cli.engine_option": (
            "{option} 只能与 --engine dask 一起用。",
            "{option} goes with --engine dask.",
        ),
        "cli.hourly_by_station": (
            "小时AQI按站点计算，请用 --by station。",
            "The hourly AQI is per station; use --by station.",
        ),
        "cli.init.settings_in_database": (
            "  设置：  存在数据库中（geoair settings show | set 文件）",
            "  settings: stored in the database (geoair settings show | set FILE)",
        ),
        "cli.init.readings": ("  监测数据：{path}", "  readings: {path}"),
        "cli.init.outputs_here": (
            "  不合格行和输出：写在运行命令的文件夹中",
            "  rejects and outputs: in the folder where you run a command",
        ),
        "cli.check.ok": ("正常：{line}", "ok: {line}"),
        "check.settings_valid": ("{name}：设置有效", "{name}: settings valid"),
        "check.gpkg": (
            "{name}：GeoPackage 文件，{size:,} 字节",
            "{name}: a GeoPackage, {size:,} bytes",
        ),
        "check.integrity": ("SQLite 完整性检查：通过", "SQLite integrity check: ok"),
        "check.required": ("必需的表：{tables}", "required tables: {tables}"),
        "check.layers": ("{n} 个图层和表可以读取", "{n} layers and tables readable"),
        "check.readings": (
            "{n} 个监测数据文件（Parquet）可以读取",
            "{n} readings files (Parquet) readable",
        ),
        "cli.check.note": ("说明：{line}", "note: {line}"),
        "cli.check.problem": ("问题：{line}", "problem: {line}"),
        "cli.check.whole": ("{root}：工作区完好。", "{root}: the workspace is whole."),
        "cli.check.broken": ("{root}：发现 {n} 个问题。", "{root}: {n} problem(s) found."),
        "cli.wind_sheets": (
            "--out {path}：风的分析有多张表，请给 .xlsx 文件名。",
            "--out {path}: the wind tables are several sheets; give an .xlsx file name.",
        ),
    }
)

# What each kind of error is, said before its message in Chinese (an older message may
# still be English only; the lead converts them package by package).
_add(
    {
        "aqi_status.complete": ("完整", "complete"),
        "aqi_status.incomplete": ("不完整（按已有分指数的下限计）", "incomplete"),
        "error_kind.GeoairError": ("出错了", "error"),
        "error_kind.InputFileError": ("文件无法读取", "file cannot be read"),
        "error_kind.SchemaError": ("表格内容不符合要求", "table not as expected"),
        "error_kind.CRSError": ("坐标系有问题", "coordinate system"),
        "error_kind.WorkspaceError": ("工作区有问题", "workspace"),
        "error_kind.ConfigError": ("设置（geoair.toml）有误", "settings (geoair.toml)"),
        "error_kind.OutputError": ("结果无法写出", "output cannot be written"),
        "error_kind.TargetError": ("目标无法核对", "targets"),
        "error_kind.UnknownPollutant": ("未知污染物", "unknown pollutant"),
        "error_kind.IndicatorError": ("指标无法计算", "indicators"),
        "error_kind.PlanError": ("巡查计划无法制定", "patrol plan"),
        "error_kind.MapDataError": ("地图无法绘制", "map"),
        "error_kind.FontMissingError": ("缺少中文字体", "Chinese font missing"),
        "error_kind.SurfaceError": ("插值图无法生成", "surface"),
        "error_kind.FormError": ("报表无法填写", "form"),
        "error_kind.RequestError": ("请求有误", "request"),
        "error_kind.UploadTooLarge": ("上传的文件太大", "upload too large"),
        "error_kind.AccessError": ("没有权限", "access"),
        "error_kind.ServeError": ("网页服务无法启动", "web app"),
        "error_kind.ClusterError": ("计算集群有问题", "cluster"),
    }
)

# geoair import.
_add(
    {
        "import.summary": (
            "{kind}：从 {source} 读取 {rows_read} 行，导入 {imported} 行（其中替换已有的 "
            "{replaced} 行），拒收 {rejected} 行",
            "{kind}: {rows_read} rows read from {source}; {imported} imported ({replaced} "
            "replaced rows already there), {rejected} rejected",
        ),
        "import.rejects_file": (
            " → {path}（行号和原因）",
            " -> {path} (row numbers and reasons)",
        ),
        "import.more_files": (" 等 {n} 个文件", " and {n} more files"),
        "import.checks": (
            "  与 geoair 计算值不一致的发布值（不一致/已核对）：{parts}",
            "  published values that disagree with geoair's (disagreeing/compared): {parts}",
        ),
        "import.check_path": ("  不一致的值 -> {path}", "  disagreements -> {path}"),
        "import.span": ("  {span}", "  {span}"),
        "import.note": ("  说明：{note}", "  note: {note}"),
        "import.next": ("  下一步：{command}", "  next: {command}"),
        "import.reject_line": ("  第{row}行：{reason}", "  row {row}: {reason}"),
        "import.readings_span": (
            "{first} 至 {last}，{stations} 个站点",
            "{first} .. {last}, {stations} stations",
        ),
        "import.dustfall_span": (
            "{first} 至 {last}，{stations} 个站点",
            "{first} .. {last}, {stations} stations",
        ),
        "import.annex_span_part": ("{scope}{metric}目标 {n} 个", "{n} {scope} {metric}"),
        "import.unknown_kind": (
            "“{kind}”不是可导入的类型；可导入的类型：{kinds}。",
            "Unknown kind {kind!r}; geoair imports: {kinds}.",
        ),
        "import.kind_line": ("{kind}（{label}）", "{kind} ({label})"),
        "progress.import_file": ("导入 {kind}：{name}", "{kind}: {name}"),
    }
)

# Notes under an import's summary.
_add(
    {
        "import_note.file_crs_overridden": (
            "文件自带的坐标系是 {file_crs}，按 --coords 的要求改用 {system}",
            "the file says {file_crs}; {system} is used, as --coords asks",
        ),
        "import_note.converted": (
            "坐标已从 {system} 转换为 WGS-84",
            "coordinates converted from {system} to WGS-84",
        ),
        "import_note.repaired": (
            "{n}个自相交的图形已自动修复（make_valid），面积变化不超过1%",
            "{n} self-crossing shapes repaired (make_valid), area changed by at most 1 %",
        ),
        "import_note.polygons_to_points": (
            "{layer}应为点：{n}个面已换成面内的一个点",
            "{layer} should be points: {n} polygons replaced by a point inside each",
        ),
        "import_note.footnote_row": (
            "第{row}行是表格下方的备注，未导入：“{text}…”",
            "row {row} is a note under the table, not imported: “{text}…”",
        ),
        "import_note.date_from_option": (
            "检查日期按 --date 取 {date}",
            "inspection date taken from --date: {date}",
        ),
        "import_note.default_coords": (
            "经纬度按 {system} 读取；如果是从高德或百度地图上取的，请加 --coords gcj02 或 "
            "--coords bd09 重新导入",
            "longitude/latitude read as {system}; if they were copied from Amap or Baidu, "
            "import again with --coords gcj02 or --coords bd09",
        ),
        "import_note.ids_generated": (
            "{n}行没有编号，已按内容生成固定编号（再次导入时不变）",
            "{n} rows had no id; fixed ids were made from their content (the same on every import)",
        ),
        "import_note.unused_columns": ("未使用的列：{columns}", "columns not used: {columns}"),
    }
)

# geoair gate-roads, geoair buffer.
_add(
    {
        "gate_roads.stretches": (
            "厂门100米道路：{gates} 个厂门中有 {with_road} 个范围内有道路，共 {pieces} 段；"
            "厂门范围圆 {circles} 个",
            "gate_roads: {pieces} gate-road stretches at {with_road} of {gates} gates; "
            "gate_buffers: {circles} circles",
        ),
        "gate_roads.sweep": (
            "清扫任务：{enterprises} 家企业，需清扫 {length:,.1f} 米（两个厂门共用的路段只计"
            "一次；逐个厂门相加为 {gate_sum:,.1f} 米）",
            "sweep_tasks: {enterprises} enterprises, {length:,.1f} m to sweep (stretches "
            "shared by two gates counted once; {gate_sum:,.1f} m gate by gate)",
        ),
        "gate_roads.findings": ("厂门问题：{findings}", "gate findings: {findings}"),
        "gate_roads.few_roads": (
            "提示：{located} 个厂门中只有 {with_road} 个在范围内有道路。道路是否覆盖本地区、"
            "与厂门是否同一坐标系？从高德或百度地图上取的坐标，导入时需加 --coords gcj02 "
            "或 bd09。",
            "note: only {with_road} of {located} gates have a road within the radius. Are the "
            "roads for this area, and in the same coordinate system as the gates? Coordinates "
            "copied from Amap or Baidu need --coords gcj02 or bd09 on import.",
        ),
        "gate_roads.per_county": (
            "各县区需清扫的厂门100米道路：",
            "metres to sweep per county (roads within the radius of gates):",
        ),
        "gate_roads.county_line": (
            "  {county}：{length:,.1f} 米，{enterprises} 家企业，{gates} 个厂门",
            "  {county}: {length:,.1f} m, {enterprises} enterprises, {gates} gates",
        ),
        "gate_roads.check_gate": (
            "  请核查厂门 {gate}（{enterprise}）：{finding}",
            "  check gate {gate} ({enterprise}): {finding}",
        ),
        "gate_roads.written": (
            "图层 gate_roads、gate_buffers、gate_findings 和表 sweep_tasks 已写入 {store}",
            "layers gate_roads, gate_buffers, gate_findings and table sweep_tasks in {store}",
        ),
        "buffer.done": (
            "{n} 个{layer}要素已做 {distance:g} 米缓冲区：工作区图层 {name}（共 {area:,.2f} "
            "平方公里）",
            "{n} {layer} buffered by {distance:g} m: workspace layer {name} ({area:,.2f} km² "
            "in all)",
        ),
        "buffer.unknown_kind": (
            "不能对“{kind}”做缓冲区；可选：{kinds}。",
            "Cannot buffer {kind!r}; choose one of {kinds}.",
        ),
        "progress.gate_roads.read": ("读取厂门和道路", "reading gates and roads"),
        "progress.gate_roads.clip": (
            "把道路裁剪到 {gates:,} 个厂门的 {radius:g} 米范围内",
            "clipping roads to {gates:,} gate circles of {radius:g} m",
        ),
    }
)

# geoair indicators.
_add(
    {
        "indicators.hourly": (
            "站点小时AQI：{hours:,} 个站时，其中 AQI 超过 100 的 {above:,} 个，已写入 {store}",
            "station_hourly: {hours:,} station-hours, {above:,} with AQI above 100, written to "
            "{store}",
        ),
        "indicators.daily": (
            "站点日值：{days:,} 个站日，其中优良（AQI ≤ 100）{good:,} 个，{invalid} 个有无效项",
            "station_daily: {days:,} station-days, {good:,} good (AQI ≤ 100), {invalid} with "
            "some value invalid",
        ),
        "indicators.table": (
            "{label}（{name}）：{rows:,} 行（{invalid:,} 行有无效值，留空并注明有效天数），已写入 "
            "{store}",
            "{label} ({name}): {rows:,} rows ({invalid:,} with an invalid value, shown empty "
            "with its count) written to {store}",
        ),
        "indicators.invalid_line": (
            "  {station} {period}：{validity}",
            "  {station} {period}: {validity}",
        ),
        "indicators.no_readings": (
            "工作区 {root} 没有小时监测数据。请用 geoair import readings 文件 导入（或运行 "
            "geoair demo）。",
            "The workspace {root} has no hourly readings. Import them with geoair import "
            "readings FILE (or run geoair demo).",
        ),
        "indicators.unknown_period": (
            "未知的时段“{period}”；可选：{choices}。",
            "Unknown period {period!r}; choose one of {choices}.",
        ),
        "indicators.unknown_by": (
            "未知的分组“{by}”；可选：station、county、park。",
            "Unknown grouping {by!r}; choose station, county or park.",
        ),
        "indicators.no_members": (
            "没有任何站点属于{by}：请检查站点的县区和类型（县区只计国控、省控站），或园区图层。",
            "No station belongs to any {by}: check the stations' county and kind (国控/省控 "
            "count for counties), or the parks layer.",
        ),
        "progress.indicators.hourly": (
            "由小时数据计算小时AQI",
            "hourly AQI from the hourly readings",
        ),
        "progress.indicators.daily": (
            "由小时数据计算日值",
            "daily values from the hourly readings",
        ),
        "progress.indicators.table": ("计算{label}", "computing {label}"),
    }
)

# geoair targets check.
_add(
    {
        "targets.summary": (
            "目标完成情况：共 {total} 项，达标 {met} 项，未达标 {missed} 项，{not_judged} 项未"
            "判定（数据无效或无数据）",
            "targets_check: {total} targets: {met} met, {missed} missed, {not_judged} not "
            "judged (invalid or no data)",
        ),
        "targets.unknown_line": (
            "  {days} 天数据不完整、无法判定（未计入）：{scope} {name} {period} {metric} = "
            "{actual:g}；{validity}",
            "  {days} days unknown (incomplete, not counted): {scope} {name} {period} {metric} "
            "= {actual:g}; {validity}",
        ),
        "targets.missed_line": (
            "  未达标：{scope} {name} {period} {metric}：实测 {actual:g}，目标 {target:g}",
            "  missed: {scope} {name} {period} {metric}: {actual:g} vs target {target:g}",
        ),
        "targets.more": ("  …… 另有 {n} 项", "  ... and {n} more"),
        "targets.dustfall_over": (
            "降尘超过限值：{n} 个站点或县区月份",
            "dustfall above the limit: {n} station/county-months",
        ),
        "progress.targets": ("核对目标", "checking targets"),
    }
)

# geoair scores.
_add(
    {
        "component.air": ("空气质量(PM2.5)", "air (PM2.5)"),
        "component.dustfall": ("降尘", "dustfall"),
        "component.road_dust": ("道路积尘负荷", "road dust load"),
        "component.compliance": ("问题清单达标率", "checklist compliance"),
        "component.cases": ("未整改问题", "open cases"),
        "component.fines": ("罚款", "fines"),
        "component.grades": ("B级及以上占比", "share graded B or better"),
        "component.heaps": ("未治理或自燃矸石山", "untreated or burning heaps"),
        "component.checklist": ("问题清单达标率", "checklist compliance"),
        "component.grade": ("绩效等级", "performance grade"),
        "component.gate_roads": ("厂门道路", "gate roads"),
        "scores.assignment_line": (
            "点位归属：{layer} {n} 个，{inside} 个在园区内，{near} 个在园区附近，{no_county} 个"
            "无县区",
            "site_assignment: {layer}: {n} sites, {inside} inside a park, {near} near one, "
            "{no_county} without a county",
        ),
        "scores.parks_title": (
            "{month} 园区得分（0-100，越高越好；括号内为较 {previous} 的名次变化）：",
            "park scores {month} (0-100, higher is better; change in rank from {previous}):",
        ),
        "scores.park_line": (
            "  {rank:>3} {park} {total}{change}  {detail}",
            "  {rank:>3} {park} {total}{change}  {detail}",
        ),
        "scores.weakest": ("最弱项：{component} {score:.0f}", "weakest: {component} {score:.0f}"),
        "scores.no_data": ("无数据：{components}", "no data: {components}"),
        "scores.unranked": (
            "未排名：有数据的分项只占权重的 {covered:.0%}，不足 {needed:.0%}",
            "not ranked: the components with data carry {covered:.0%} of the weight, less "
            "than {needed:.0%}",
        ),
        "scores.hint": ("  提示：{hint}", "  hint: {hint}"),
        "scores.hint.air": (
            "没有PM2.5月值：请运行 geoair indicators --period month --by station",
            "no monthly PM2.5: run geoair indicators --period month --by station",
        ),
        "scores.hint.dustfall": (
            "没有降尘数据：geoair import dustfall 文件（站点、月份、降尘量）",
            "no dustfall: geoair import dustfall FILE (station, month, dustfall)",
        ),
        "scores.hint.road_dust": (
            "没有道路积尘负荷：geoair import road_dust 文件（园区名称、月份、积尘负荷 g/m²）",
            "no road dust load: geoair import road_dust FILE (park name, month, load g/m²)",
        ),
        "scores.park_sheet": (
            "月报用的园区排名表：{path}",
            "park ranking for the monthly report: {path}",
        ),
        "scores.enterprises_title": (
            "{month} 企业得分：{n} 家企业，{ranked} 家参与排名",
            "enterprise scores {month}: {n} enterprises, {ranked} ranked",
        ),
        "scores.benchmark_counts": ("标杆企业候选：{counts}", "benchmark candidates: {counts}"),
        "scores.benchmark_count": ("{county} {n} 家", "{county} {n}"),
        "scores.benchmark_note": (
            "{county}：名额 {lo}-{hi} 家，推荐 {n} 家",
            "{county}: quota {lo}-{hi}, {n} proposed",
        ),
        "scores.benchmark_short": (
            "；符合条件（正常生产、无未整改问题、已检查、{grades}级{ungraded}、总分≥{min_score:g}）"
            "的企业只有 {pool} 家，少于名额下限",
            "; only {pool} enterprises qualify (producing normally, no open case, inspected, "
            "graded {grades}{ungraded}, total ≥ {min_score:g}), fewer than the quota's minimum",
        ),
        "scores.benchmark_ungraded": ("或未评级", " or not graded"),
        "scores.county_unknown": ("县区不明", "county unknown"),
        "scores.benchmark_line": ("    {rank}. {name}  {total}", "    {rank}. {name}  {total}"),
        "scores.enterprise_line": (
            "  {rank:>3} {name}（{county}）  {total}",
            "  {rank:>3} {name} ({county})  {total}",
        ),
        "scores.benchmark_sheet": (
            "报送用的标杆企业候选表：{path}",
            "benchmark candidates for the report: {path}",
        ),
        "scores.no_parks": (
            "工作区 {root} 没有可评分的园区。请先运行 geoair import parks 文件。",
            "The workspace {root} has no parks to score. Run geoair import parks FILE first.",
        ),
        "progress.scores.read": ("读取工作区", "reading the workspace"),
        "progress.scores.assign": (
            "确定各点位所属县区和园区",
            "assigning sites to counties and parks",
        ),
        "progress.scores.parks": ("园区评分", "scoring parks"),
        "progress.scores.enterprises": ("企业评分", "scoring enterprises"),
    }
)

# geoair sources.
_add(
    {
        "sources.near_title": (
            "{stations_with} / {stations} 个站点的 {radius:g} 米内有污染源 {n} 个（工作区图层 "
            "station_sources）",
            "{n} sources within {radius:g} m of {stations_with} of {stations} stations "
            "(workspace layer station_sources)",
        ),
        "sources.kind_count": ("  {kind}：{n}", "  {kind}: {n}"),
        "sources.wind_title": (
            "{station} {pollutant} {period}：{hours} 小时，均值 {mean:.1f}；静风 {calm} 小时，"
            "无风向 {missing} 小时",
            "{station} {pollutant} {period}: {hours} hours, mean {mean:.1f}; calm {calm} h, "
            "no wind {missing} h",
        ),
        "sources.wind_mean": (
            "  矢量平均风向 {direction:.0f}°，平均风速 {speed:.1f} 米/秒",
            "  vector-mean wind from {direction:.0f}°, mean speed {speed:.1f} m/s",
        ),
        "sources.wind_cpf": (
            "  CPF ≥ {threshold:.1f}（P{percentile:g}）：峰值 {peak:.2f}，来自 {peak_deg:.0f}°；"
            "NWR 峰值来自 {nwr_deg:.0f}°",
            "  CPF ≥ {threshold:.1f} (P{percentile:g}): peak {peak:.2f} from {peak_deg:.0f}°; "
            "NWR peak from {nwr_deg:.0f}°",
        ),
        "sources.rank_line": ("  第{rank}名 {line}", "  #{rank} {line}"),
        "sources.none_within": ("  {radius:g} 米内没有污染源", "  no sources within {radius:g} m"),
        "sources.suspect": (
            "{name}［{kind}{industry}］{distance:.0f} 米，方位 {bearing:.0f}°（{sector}），"
            "CPF {cpf:.2f}，得分 {score:.3f}",
            "{name} [{kind}{industry}] {distance:.0f} m, {bearing:.0f}° {sector}, CPF "
            "{cpf:.2f}, score {score:.3f}",
        ),
        "sources.industry": ("，{industry}", ", {industry}"),
        "sources.all_around": ("全方位", "all around"),
        "sources.suspects_title": (
            "{stations} 个站点、{periods} 个时段共 {n} 个疑似污染源（工作区图层 source_suspects）",
            "{n} suspects for {stations} stations and {periods} periods (workspace layer "
            "source_suspects)",
        ),
        "sources.leader_line": ("  {station} {period}：{line}", "  {station} {period}: {line}"),
        "sources.more_leaders": ("  …… 另有 {n} 个站点时段", "  ... and {n} more station-periods"),
        "sources.plots": (
            "{n} 个站点的污染玫瑰图在 {folder}（工作区表 source_plots）",
            "polar plots of {n} stations in {folder} (workspace table source_plots)",
        ),
        "sources.nothing_to_rank": (
            "{radius:g} 米内没有任何站点有污染源：无可排序",
            "no station has a source within {radius:g} m: nothing to rank",
        ),
        "sources.plot_title": ("{station} {pollutant} {period}", "{station} {pollutant} {period}"),
        "progress.sources.near": (
            "查找各站点 {radius:g} 米内的污染源",
            "sources within {radius:g} m of each station",
        ),
        "progress.sources.wind": ("读取风和浓度数据", "reading wind and concentrations"),
        "progress.sources.rank": ("疑似污染源排序", "ranking suspects"),
        "progress.sources.plots": ("绘制污染玫瑰图", "drawing polar plots"),
    }
)

# The polar plots of geoair sources.
_add(
    {
        "plot.compass": ("北,东北,东,东南,南,西南,西,西北", "N,NE,E,SE,S,SW,W,NW"),
        "plot.wind_rose": (
            "风玫瑰（风向频率 %，静风 {calm:.1f}%）",
            "Wind rose (share of hours %, calm {calm:.1f}%)",
        ),
        "plot.pollution_rose": (
            "污染玫瑰（{pollutant} 平均浓度 {unit}）",
            "Pollution rose (mean {pollutant}, {unit})",
        ),
        "plot.cpf": (
            "条件概率 CPF（≥第{percentile:g}百分位 {threshold:.0f} {unit}）",
            "CPF (≥ P{percentile:g}, {threshold:.0f} {unit})",
        ),
        "plot.nwr": (
            "非参数风回归 NWR（径向：风速 m/s）",
            "Wind regression NWR (radius: wind speed m/s)",
        ),
    }
)

# geoair patrol.
_add(
    {
        "patrol.risk_title": (
            "巡查风险：{date} 对 {n} 个点位评分（工作区图层 risk_scores）",
            "risk_scores: {n} sites scored on {date} (workspace layer risk_scores)",
        ),
        "patrol.risk_line": (
            "{rank:>4}. {name}（{county}）{score:.1f}：{reasons}",
            "{rank:>4}. {name} ({county}) {score:.1f}: {reasons}",
        ),
        "patrol.plan_title": (
            "{date}：{teams} 个组从{start}出发，共 {stops} 个点位，全程 {km:.1f} 公里（{mode}）",
            "{date}: {stops} stops, {teams} teams from {start}, {km:.1f} km in all ({mode})",
        ),
        "patrol.team_line": (
            "  第{team}组：{stops} 个点位，{km:.1f} 公里{over}",
            "  team {team}: {stops} stops, {km:.1f} km{over}",
        ),
        "patrol.over_limit": (
            "（超过每日上限 {limit:g} 公里）",
            " (over the day's limit of {limit:g} km)",
        ),
        "patrol.stop_line": (
            "    {stop:>2}. {name}（{kind}，{county}）{km:5.1f} 公里  {why}：{reasons}",
            "    {stop:>2}. {name} ({kind}, {county}) {km:5.1f} km  {why}: {reasons}",
        ),
        "patrol.backlog": (
            "  另有 {n} 个逾期未查的点位排到以后几天（覆盖规则）",
            "  {n} overdue sites wait for the next days (coverage rule)",
        ),
        "patrol.note": ("  注意：{note}", "  note: {note}"),
        "patrol.file": ("{kind}：{path}", "{kind}: {path}"),
        "patrol.far_from_road": (
            "离道路较远（从最近的道路按直线到达）：{sites}",
            "far from any road (reached in a straight line from the nearest road): {sites}",
        ),
        "patrol.far_site": ("{name} {metres:.0f} 米", "{name} {metres:.0f} m"),
        "patrol.over_limit_note": (
            "超过每组每日 {limit:g} 公里的上限：{teams}；减少点位或增加组数可使每条路线都在上限内",
            "over the route limit of {limit:g} km: {teams}; fewer stops or more teams would "
            "keep every route under it",
        ),
        "patrol.team_km": ("第{team}组 {km:.1f} 公里", "team {team} {km:.1f} km"),
        "patrol.why_rank": ("风险第{rank}位", "risk rank {rank}"),
        "patrol.why_never": (
            "覆盖规则：从未检查（每{days}天至少一次）",
            "coverage rule: never inspected (at least once every {days} days)",
        ),
        "patrol.why_overdue": (
            "覆盖规则：{since}天未检查（每{days}天至少一次）",
            "coverage rule: not inspected for {since} days (at least once every {days} days)",
        ),
        "site_kind.enterprise": ("企业", "enterprise"),
        "site_kind.gangue_heap": ("矸石山", "gangue heap"),
        "progress.patrol.risk": ("计算巡查风险", "scoring patrol risk"),
        "progress.patrol.plan": ("选点并排定路线", "choosing sites and ordering routes"),
    }
)

# geoair map.
_add(
    {
        "maps.title": ("{name} 大气污染防治监管图", "{name} air-pollution supervision map"),
        "maps.html": (
            "交互地图：{path}（{mb:.1f} MB，离线可在任何浏览器打开）",
            "interactive map: {path} ({mb:.1f} MB, opens offline in any browser)",
        ),
        "maps.png": ("报告用地图：{path}（{dpi} dpi）", "report map: {path} ({dpi} dpi)"),
        "maps.layers": ("图层：{layers}", "layers: {layers}"),
        "maps.layer_count": ("{title} {n}", "{title} {n}"),
        "maps.legend_line": ("  {name}：{classes}", "  {name}: {classes}"),
        "maps.legend_name": ("{layer}（{mode}）", "{layer} ({mode})"),
        "maps.class_count": ("{label} {n}", "{label} {n}"),
        "maps.county_scope": ("范围：{county}", "scope: {county}"),
        "progress.maps.read": ("读取图层", "reading the layers"),
        "progress.maps.html": ("写交互地图", "writing the interactive map"),
        "progress.maps.png": ("绘制报告用地图", "drawing the report map"),
    }
)

# geoair export, forms, surface and the report folder.
_add(
    {
        "reports.wrote": ("已写入 {path}", "wrote {path}"),
        "reports.skipped": ("未生成 {reason}", "skipped {reason}"),
        "reports.zones": (
            "{n} 个县区和园区的分区统计在图层 {layer}",
            "zonal statistics of {n} counties and parks in layer {layer}",
        ),
        "reports.zone_line": (
            "  {kind} {zone}：均值 {mean:.1f} {unit}（格网 {cells} 个，区内站点 {inside} 个）",
            "  {kind} {zone}: mean {mean:.1f} {unit} (cells {cells}, stations inside {inside})",
        ),
        "reports.no_folder": (
            "没有检查记录或监管记录：未生成报告文件夹",
            "no inspections or cases: no report folder",
        ),
        "reports.surface": ("插值图：{name}：{summary}", "surface: {name}: {summary}"),
        "reports.highest": (
            "  均值最高：{kind} {zone} {mean:.1f} {unit}",
            "  highest mean: {kind} {zone} {mean:.1f} {unit}",
        ),
        "reports.layers": (
            "图层：{n} 个文件在 {folder}（KML 供平板使用，*_GCJ02.kml 供高德地图类应用，"
            "Shapefile 附 *_fields.csv 字段对照）",
            "layers: {n} files in {folder} (KML for tablets, *_GCJ02.kml for Amap-based apps, "
            "Shapefiles with *_fields.csv)",
        ),
        "reports.form": ("报表：{name}", "form: {name}"),
        "reports.folder": ("报告文件夹：{folder}", "report folder: {folder}"),
        "reports.problem": ("{what}：{problem}", "{what}: {problem}"),
        "reports.surface_word": ("插值图", "surface"),
        "reports.forms_word": ("报表", "forms"),
        "reports.surface_summary": (
            "{pollutant} {period}：反距离加权插值（幂 {power:g}，近邻 {k}），{cols}×{rows} 个"
            "格网，数值范围 {range}；依据 {n} 个站点。",
            "{pollutant} {period}: IDW (power {power:g}, k {k}) over {cols}×{rows} cells, range "
            "{range}; rests on {n} station(s).",
        ),
        "reports.no_cell": ("没有格网落在县区内", "no cell inside a county"),
        "reports.bad_format_name": (
            "无法从文件名 {name} 判断格式，请用 --format 指定（{formats}）。",
            "Cannot tell the format from {name}; give --format ({formats}).",
        ),
        "progress.reports.layers": ("导出图层", "exporting layers"),
        "progress.reports.forms": ("填写报表", "writing the forms"),
        "progress.reports.surface": (
            "插值 {pollutant} {period}",
            "interpolating {pollutant} {period}",
        ),
        "zone_kind.县区": ("县区", "county"),
        "zone_kind.园区": ("园区", "park"),
    }
)

# geoair demo.
_add(
    {
        "demo.step.import": ("导入示例图层和记录", "import the sample layers and records"),
        "demo.step.gate_roads": (
            "厂门道路：每个厂门100米范围内的道路",
            "gate roads: the road within 100 m of every factory gate",
        ),
        "demo.step.indicators": (
            "示例监测数据、日AQI和月指标",
            "sample readings, daily AQI and monthly indicators",
        ),
        "demo.step.targets": (
            "目标核对（PM2.5、优良天数、降尘）",
            "targets check (PM2.5, good days, dustfall)",
        ),
        "demo.step.scores": (
            "评分：园区排名、企业得分、标杆企业候选",
            "scores: park ranking, enterprise scores, benchmark candidates",
        ),
        "demo.step.sources": (
            "站点上风向污染源：周边污染源、疑似污染源、污染玫瑰图",
            "sources upwind of stations: near, suspects, polar plots",
        ),
        "demo.step.patrol": (
            "巡查：风险和各组当天路线",
            "patrol: risk and a day's routes per team",
        ),
        "demo.step.maps": (
            "写交互地图和报告用地图",
            "write the interactive map and the report map",
        ),
        "demo.step.reports": (
            "报告文件夹：图层、报表、插值图",
            "report folder: layers, forms, a surface",
        ),
        "error.demo.no_sample_data": (
            "本次安装缺少示例数据。请在项目文件夹中按 README 的安装命令重新安装 geoair。",
            "The sample data are missing from this installation. Reinstall geoair from the "
            "project folder with the README's install command.",
        ),
        "demo.no_gates": (
            "工作区没有厂门或道路：跳过厂门道路",
            "no gates or roads in the workspace: gate roads skipped",
        ),
        "demo.sample_readings": (
            "示例监测数据：{n:,} 个小时值，{stations} 个站点 → {folder}",
            "sample readings: {n:,} hourly values of {stations} stations -> {folder}",
        ),
        "demo.no_targets": ("工作区没有目标：跳过", "no targets in the workspace: skipped"),
        "demo.no_stations": (
            "工作区没有监测站图层：跳过污染源分析",
            "no stations layer in the workspace: sources skipped",
        ),
        "demo.no_hourly": (
            "工作区没有小时监测数据：跳过疑似污染源",
            "no hourly readings in the workspace: suspects skipped",
        ),
    }
)

# Values of report tables (Chinese mode; English keeps the stored identifiers).
_add(
    {
        "finding_word.no_road": ("范围内无道路", "no road within the radius"),
        "finding_word.far_from_site": ("距企业过远", "far from its enterprise"),
        "finding_word.unknown_enterprise": ("企业不在名录中", "unknown enterprise"),
        "finding_word.no_location": ("无坐标", "no coordinates"),
        "rule.inside": ("在区域内", "inside"),
        "rule.near": ("在园区附近", "near"),
        "rule.attribute": ("按台账县区", "from the ledger's county"),
        "rule.none": ("无", "none"),
        "air_reference.standard": ("国家二级标准", "class II standard"),
        "air_reference.target": ("园区目标", "the park's target"),
        "air_reference.city": ("全市国控站均值", "mean of the national stations"),
        "mode.road": ("沿道路", "along the roads"),
        "mode.straight": ("直线距离", "straight line"),
        "sheet.summary": ("概况", "summary"),
        "sheet.cpf": ("条件概率CPF", "cpf"),
        "sheet.wind_rose": ("风玫瑰", "wind_rose"),
        "sheet.pollution_rose": ("污染玫瑰", "pollution_rose"),
        "sheet.nwr": ("非参数风回归NWR", "nwr"),
        "sheet.sources": ("污染源", "sources"),
    }
)

# The documents' forms (geoair forms).
_add(
    {
        "forms.subject.pm25": ("PM2.5", "PM2.5"),
        "forms.subject.good_days": ("优良天数", "good-days"),
        "forms.where": ("{county}", " in {county}"),
        "forms.months_present": ("{first} 至 {last}", "{first} to {last}"),
        "forms.no_dated_rows": ("没有带日期的记录", "no dated rows"),
        "forms.no_inspections": (
            "{where}{month}没有检查记录（工作区有 {present} 的记录）。请换一个 --month，或用 "
            "geoair import inspections 文件 导入当月的检查表。",
            "No inspections{where} in {month} (the workspace has {present}). Choose another "
            "--month, or import the month's checklists with geoair import inspections FILE.",
        ),
        "forms.no_cases": (
            "{where}{month}没有监管记录（工作区有 {present} 的记录）。请换一个 --month，或用 "
            "geoair import cases 文件 导入当月的附件3。",
            "No supervision cases{where} in {month} (the workspace has {present}). Choose "
            "another --month, or import the month's annex 3 with geoair import cases FILE.",
        ),
        "forms.no_targets": (
            "{month}没有{subject}目标。请用 geoair import targets_annex 文件 --date 年份"
            "（阳政办发〔2020〕131号附件1、附件2）或 geoair import targets 文件 导入。",
            "No {subject} target for {month} in the targets table. Import them with geoair "
            "import targets_annex FILE --date YEAR (the annexes of the 2020 Yangquan plan) or "
            "geoair import targets FILE.",
        ),
        "forms.no_targets_for": (
            "{place}在{month}所属时段没有{subject}目标。",
            "No {subject} target for {place} in the campaign of {month}.",
        ),
        "forms.unknown_county": (
            "--county “{county}”不在任何检查记录、监管记录或目标中；记录中的县区：{known}。",
            "--county {county!r} appears in no inspection, case or target. Counties in the "
            "records: {known}.",
        ),
        "forms.skipped": ("{name}：{reason}", "{name}: {reason}"),
        "forms.no_inspections_table": (
            "工作区没有检查记录；请用 geoair import inspections 文件 导入。",
            "the workspace has no inspections; import them with geoair import inspections FILE.",
        ),
        "forms.no_cases_table": (
            "工作区没有监管记录；请用 geoair import cases 文件 导入。",
            "the workspace has no cases; import them with geoair import cases FILE.",
        ),
        "forms.no_targets_table": (
            "工作区没有目标；请用 geoair import targets_annex 文件 --date 年份 或 geoair import "
            "targets 文件 导入。",
            "the workspace has no targets; import them with geoair import targets_annex FILE "
            "--date YEAR or geoair import targets FILE.",
        ),
        "forms.no_check": (
            "工作区没有目标核对结果；请先导入小时监测数据并运行 geoair targets check。",
            "the workspace has no targets check; import hourly readings and run geoair targets "
            "check first.",
        ),
        "forms.none_filled": (
            "{month}没有任何报表可以填写：{reasons}",
            "No form could be filled for {month}: {reasons}",
        ),
        "forms.bad_month": (
            "--month “{month}”不是月份，请写成 2024-03。",
            "--month {month!r} is not a month; write it as 2024-03.",
        ),
        "forms.no_dispatch_records": (
            "{month}的调度周（{first} 至 {last}）内没有监管记录或检查记录；请用 geoair import "
            "cases 文件 导入。",
            "No cases or inspections in the dispatch weeks of {month} ({first} to {last}); "
            "import them with geoair import cases FILE.",
        ),
    }
)

# Maps: scope and errors.
_add(
    {
        "maps.unknown_county": (
            "--county “{county}”不是本工作区的县区；可选：{known}。",
            "--county {county!r} is not a county of this workspace; choose one of: {known}.",
        ),
        "maps.title_county": ("{city}{county}", "{city} {county}"),
    }
)

# The interactive map's own words (passed to geoair-map.js as D.ui).
_add(
    {
        "mapui.tilesFailed": (
            "无法连接底图服务器（{tiles}），以县区界为底图。内网使用时此为正常现象。",
            "The basemap server ({tiles}) cannot be reached; the county outlines are the "
            "basemap. On an intranet this is normal.",
        ),
        "mapui.minZoom": (
            "数量多，放大到第{zoom}级及以上时显示",
            "Many features: shown from zoom {zoom}",
        ),
        "mapui.panel": ("图层与图例 ▾", "Layers and legend ▾"),
        "mapui.basemap": ("底图", "Basemap"),
        "mapui.noBasemap": ("无底图（县区界）", "No basemap (county outlines)"),
        "mapui.colourBy": ("按{mode}着色", "Colour by {mode}"),
        "mapui.searchPlaceholder": (
            "搜索名称（企业、站点、园区…），回车选第一个",
            "Search by name (enterprise, station, park…); Enter takes the first",
        ),
        "mapui.searchLabel": ("搜索名称", "Search by name"),
        "mapui.places": ("（{n}处）", " ({n} places)"),
        "mapui.noResults": ("无结果", "No results"),
        "mapui.metres": ("{n} 米", "{n} m"),
        "mapui.km": ("{n} 公里", "{n} km"),
        "mapui.measureTitle": (
            "在地图上依次点击，双击结束",
            "Click points on the map; double-click to end",
        ),
        "mapui.measure": ("测距", "Measure"),
        "mapui.clearMeasure": ("清除测量", "Clear"),
        "mapui.home": ("全图", "Whole map"),
    }
)

# The static map (PNG).
_add(
    {
        "maps.legend": ("图例", "Legend"),
        "maps.ownerless": ("空心：无主", "hollow: ownerless"),
        "maps.north": ("北\nN", "N"),
        "maps.png_footer": (
            "坐标系：CGCS2000 3度带高斯-克吕格投影 EPSG:{epsg}；数据来源：geoair 工作区",
            "Coordinates: CGCS2000 3-degree Gauss-Krüger EPSG:{epsg}; data: geoair workspace",
        ),
        "maps.png_suffix": (
            "报告用地图是 .png 文件，不是 {name}；请用 --out 名称.png。",
            "A static map is a .png file, not {name}. Use --out NAME.png.",
        ),
        "maps.permission": (
            "无法写入 {path}：没有权限。请换一个可以写入的文件夹。",
            "Cannot write {path}: permission denied. Choose a folder you can write to.",
        ),
    }
)

# The maps' vocabulary: layer titles, groups, legend classes, popup labels. The maps
# are built with their Chinese labels (the wording of the documents and ledgers); in
# English, every label is said through say_map() when a map is written or described.
# tests/test_messages.py checks that every Chinese label in geoair/maps has its English.
MAP_WORDS: dict[str, str] = {
    # layers and groups
    "县区界": "county outlines",
    "园区": "parks",
    "道路": "roads",
    "厂门100米范围": "gate circles (100 m)",
    "厂门100米道路": "gate roads (100 m)",
    "矸石山": "gangue heaps",
    "企业": "enterprises",
    "厂门": "gates",
    "监测站": "stations",
    "巡查路线": "patrol routes",
    "巡查点位": "patrol stops",
    "站点-疑似污染源": "station to suspect",
    "行政区与园区": "Counties, parks, roads",
    "企业与厂门": "Enterprises and gates",
    "监测": "Monitoring",
    "巡查": "Patrol",
    # colour modes
    "园区类型": "kind of park",
    "园区得分": "park score",
    "道路等级": "road class",
    "最近检查合规": "latest inspection",
    "绩效等级": "performance grade",
    "生产状态": "production status",
    "治理与自燃": "treatment and burning",
    "巡查风险": "patrol risk",
    "巡查组": "team",
    "目标达标": "target met",
    "空气质量类别": "AQI category",
    "站点类型": "kind of station",
    # legend classes
    "全部合格": "all items met",
    "1-2项不合格": "1-2 items failed",
    "3项及以上不合格": "3 or more failed",
    "未检查": "not inspected",
    "引领性": "leading",
    "A级": "grade A",
    "B级": "grade B",
    "C级": "grade C",
    "D级": "grade D",
    "未分级": "not graded",
    "正常生产": "producing",
    "依法停产": "suspended by law",
    "依法关闭": "closed by law",
    "自然停产": "idle",
    "状态不明": "status unknown",
    "优 (0-50)": "good (0-50)",
    "良 (51-100)": "moderate (51-100)",
    "轻度污染 (101-150)": "lightly polluted (101-150)",
    "中度污染 (151-200)": "moderately polluted (151-200)",
    "重度污染 (201-300)": "heavily polluted (201-300)",
    "严重污染 (>300)": "severely polluted (>300)",
    "无有效数据": "no valid data",
    "低于60%": "below 60%",
    "90%及以上": "90% or more",
    "达标": "met",
    "未达标": "missed",
    "无目标或无数据": "no target or no data",
    "国控": "national",
    "省控": "provincial",
    "园区站": "park station",
    "降尘点": "dustfall point",
    "微站": "micro station",
    "其他": "other",
    "自燃/冒烟": "burning/smoking",
    "未治理": "untreated",
    "治理中": "being treated",
    "已治理": "treated",
    "治理情况不明": "treatment unknown",
    "未评分或数据不足未排名": "not scored, or too little data to rank",
    "无风险评分": "no risk score",
    "重点园区": "key park",
    "其他园区": "other park",
    "高速公路、国道": "motorways, national roads",
    "省道、城市主干道": "provincial roads, city arteries",
    "县道、乡道": "county and township roads",
    "园区、厂区及其他道路": "park, plant and other roads",
    "等级不明": "class unknown",
    # notes
    "无法连接底图服务器时，县区界即为底图": (
        "without a basemap server, the county outlines are the basemap"
    ),
    "规模以上企业以大圆点表示": "above-scale enterprises are drawn larger",
    "空心 = 无主，实心 = 有主": "hollow = ownerless, filled = owned",
    "数据已由WGS-84偏移至GCJ-02，以与高德底图对齐": (
        "data shifted from WGS-84 to GCJ-02 to match Amap's tiles"
    ),
    "天地图": "Tianditu",
    "© 天地图": "© Tianditu",
    "高德地图 (GCJ-02)": "Amap (GCJ-02)",
    "© 高德地图": "© Amap",
    # popup labels
    "县区": "county",
    "行政区划代码": "division code",
    "编号": "id",
    "硬化": "hardened",
    "得分": "score",
    "排名": "rank",
    "排名变化": "change in rank",
    "缺项": "missing data",
    "得分构成": "score breakdown",
    "项目": "item",
    "计算": "computation",
    "企业名称": "name",
    "乡镇(街道)": "township",
    "行业": "industry",
    "规模以上": "above scale",
    "责任人": "responsible",
    "最近检查": "latest inspection",
    "检查结果": "result",
    "日期": "date",
    "合格项": "items met",
    "不合格项": "items failed",
    "检查日期": "inspection date",
    "问题": "problem",
    "处理措施": "measure",
    "罚款(元)": "fine (yuan)",
    "未整改问题": "open cases",
    "未整改问题数": "open cases",
    "罚款合计(元)": "fines in all (yuan)",
    "半径(米)": "radius (m)",
    "长度(米)": "length (m)",
    "有主/无主": "owned/ownerless",
    "治理情况": "treatment",
    "面积(m²)": "area (m²)",
    "体积(m³)": "volume (m³)",
    "巡查风险分": "patrol risk",
    "风险排名": "risk rank",
    "风险原因": "risk reasons",
    "企业得分": "enterprise score",
    "县内排名": "rank in county",
    "标杆企业候选": "benchmark candidate",
    "站点": "station",
    "类型": "kind",
    "疑似源": "suspect",
    "距离(米)": "distance (m)",
    "数值": "value",
    "指标": "indicator",
    "点位": "site",
    "顺序": "order",
    "原因": "reasons",
    "风险分": "risk score",
    "路线长度(公里)": "route length (km)",
    "实际": "actual",
    "目标": "target",
    "结果": "result",
    "类别": "category",
    "优良天数": "good days",
    "有AQI天数": "days with an AQI",
    "降尘 t/(km²·月)": "dustfall t/(km²·month)",
    "综合指数": "composite index",
    "有效天数": "valid days",
    "有效性": "validity",
    "有效": "valid",
    "CO 第95百分位 mg/m³": "CO 95th percentile mg/m³",
    "O3日最大8小时 第90百分位 µg/m³": "O3 daily max 8-h, 90th percentile µg/m³",
    "PM2.5 月均值 µg/m³": "PM2.5 monthly mean µg/m³",
    "厂区运输密闭": "closed in-plant transport",
    "geoair 地图": "geoair map",
    "优": "good",
    "良": "moderate",
    "轻度污染": "lightly polluted",
    "中度污染": "moderately polluted",
    "重度污染": "heavily polluted",
    "严重污染": "severely polluted",
    "60%-80%": "60%-80%",
    "80%-90%": "80%-90%",
}
_MAP_PATTERNS = (
    (re.compile(r"^第(\d+)组$"), r"team \1"),
    (re.compile(r"^(.+) 得分构成$"), r"\1 score breakdown"),
    (re.compile(r"^(.+) 优良天比例$"), r"\1 share of good days"),
    (re.compile(r"^(.+) 月度数值$"), r"\1 monthly values"),
    (re.compile(r"^(.+) 目标考核$"), r"\1 targets"),
    (re.compile(r"^(.+)（(.+)）$"), None),  # "layer（mode）": each half said on its own
)


def say_map(text: object) -> object:
    """A map label (layer title, legend class, popup label) in the current language."""
    if not isinstance(text, str) or language() != "en":
        return text
    if text in MAP_WORDS:
        return MAP_WORDS[text]
    for pattern, replacement in _MAP_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        if replacement is None:
            return f"{say_map(match.group(1))} ({say_map(match.group(2))})"
        return pattern.sub(replacement, text)
    return text


_add(
    {
        "maps.compliance": ("{met}项合格, {failed}项不合格", "{met} items met, {failed} failed"),
        "maps.sparkline": (
            "{title}：{first} 至 {last}，{lo:.0f}-{hi:.0f}",
            "{title}: {first} to {last}, {lo:.0f}-{hi:.0f}",
        ),
        "maps.daily_strip": (
            "每日空气质量类别 {first} 至 {last}：",
            "AQI category by day, {first} to {last}: ",
        ),
        "maps.days": ("{name}{n}天", "{name} {n} d"),
        "maps.day_sep": ("，", ", "),
        "maps.polar_alt": ("极坐标污染玫瑰图", "polar plots"),
        "maps.month_of": ("统计月份：{month}", "month: {month}"),
    }
)

# Map errors.
_add(
    {
        "maps.bad_tiles": (
            "[maps] tiles = “{tiles}”不是 geoair 认识的底图；可选：{choices}。",
            "[maps] tiles = {tiles!r} is not a basemap geoair knows. Use one of: {choices}.",
        ),
        "maps.bad_tianditu_key": (
            "[maps] tianditu_key 只能是天地图开发者密钥的字母和数字，不能有其他字符。",
            "[maps] tianditu_key must be the letters and digits of your Tianditu key, nothing "
            "else.",
        ),
        "maps.tianditu_needs_key": (
            '天地图底图（tiles = "tianditu"）需要密钥：请在 geoair.toml 中写 [maps] '
            'tianditu_key = "..."（在天地图开发者控制台免费申请），或改用 tiles = "osm"。',
            'The Tianditu basemap (tiles = "tianditu") needs your key: put it in geoair.toml '
            'as [maps] tianditu_key = "..." (free from the Tianditu developer console), or '
            'choose tiles = "osm".',
        ),
        "maps.html_suffix": (
            "交互地图是 .html 文件，不是 {name}；请用 --out 名称.html，或用 --png 出图片。",
            "An interactive map is an .html file, not {name}. Use --out NAME.html, or --png for "
            "a picture.",
        ),
        "maps.bad_buffers": (
            "gate_buffers 中有空的或不是面的行；请重新运行 geoair gate-roads 生成。",
            "gate_buffers has empty or non-polygon rows; run geoair gate-roads again to rebuild "
            "it.",
        ),
        "maps.bad_month": (
            "--month “{month}”不是月份，请写成 2024-03。",
            "--month {month!r} is not a month. Write it as 2024-03.",
        ),
        "maps.unknown_layers": (
            "未知的地图图层：{names}。可选：{choices}。",
            "Unknown map layer(s): {names}. Choose from: {choices}.",
        ),
        "maps.not_wgs84": (
            "图层“{name}”的坐标系是 {crs}，而不是工作区图层使用的 WGS-84（EPSG:4326）；请用 "
            "geoair import 重新导入。",
            "Layer {name!r} is in {crs}, not WGS-84 (EPSG:4326) as workspace layers are. "
            "Re-import it with geoair import.",
        ),
        "maps.nothing": (
            "没有可画的内容：工作区没有 {layers} 中的任何图层。请先导入，如 geoair import "
            "enterprises 文件。",
            "There is nothing to draw: the workspace has none of the layers {layers}. Import "
            "some first, e.g. geoair import enterprises FILE.",
        ),
    }
)

# Errors of the capabilities (patrol, sources, surfaces, exports, scores, roads).
_add(
    {
        "error.patrol.place_value": (
            "geoair.toml 中 [patrol.places] 的“{name}”应写成 [经度, 纬度]，而不是 {value}。",
            "[patrol.places] {name} in geoair.toml must be [longitude, latitude], not {value}.",
        ),
        "error.patrol.start_not_in_china": (
            "出发地 {name}（{lon}, {lat}）不在中国境内。请先写经度再写纬度（WGS-84 度数），如 "
            "113.58,37.86。",
            "The start {name} ({lon}, {lat}) is not in China. Give longitude first, then "
            "latitude, in WGS-84 degrees, e.g. 113.58,37.86.",
        ),
        "error.patrol.start_ambiguous": (
            "--start “{name}”对应多个地点：{listed}。请写全称，或写经度,纬度。",
            "--start {name!r} matches several places: {listed}. Give the full name, or "
            "longitude,latitude.",
        ),
        "error.patrol.start_unknown": (
            "--start “{name}”不是已知地点。已知地点：{known}；也可以写工作区中企业、站点、园区或"
            "矸石山的名称，或经度,纬度（WGS-84）。可在 geoair.toml 的 [patrol.places] 中添加。",
            "--start {name!r} is not a place geoair knows. Known places: {known}; or the name "
            "of an enterprise, station, park or heap in the workspace; or longitude,latitude "
            "(WGS-84). Add your own under [patrol.places] in geoair.toml.",
        ),
        "error.patrol.start_outside": (
            "出发地 {name}（{lon:.5f}, {lat:.5f}）在{where}之外。{where}的巡查组应从区内出发："
            "请用 --start 写分局名称（在 geoair.toml 的 [patrol.places] 中添加）或其经度,纬度。",
            "The start {name} ({lon:.5f}, {lat:.5f}) lies outside {where}. Teams for {where} "
            "must leave from a place inside it: give --start with the name of your branch "
            "office (add it under [patrol.places] in geoair.toml) or its longitude,latitude.",
        ),
        "error.patrol.start_far": (
            "出发地 {name}（{lon:.5f}, {lat:.5f}）距最近的点位 {km:.0f} 公里，超过 [patrol] "
            "start_max_m = {limit:.0f} 米。请核对坐标（经度在前），或选择区内的出发地。",
            "The start {name} ({lon:.5f}, {lat:.5f}) is {km:.0f} km from the nearest site, more "
            "than [patrol] start_max_m = {limit:.0f} m. Check the coordinates (longitude first) "
            "or choose a start inside the area.",
        ),
        "error.patrol.all_counties": ("工作区的各县区", "the counties of the workspace"),
        "error.patrol.no_places": (
            "巡查计划至少要有一个组、每组至少一个点位。",
            "A plan needs at least one team with at least one stop.",
        ),
        "error.patrol.teams_stops": (
            "--teams 和 --stops 至少为 1（现为 {teams} 和 {stops}）。",
            "--teams and --stops must be at least 1 (got {teams} and {stops}).",
        ),
        "error.patrol.unknown_county": (
            "--county “{county}”不是本工作区的县区；可选：{known}。",
            "--county {county!r} is not a county of this workspace. Choose one of: {known}.",
        ),
        "error.patrol.no_counties": ("（无：请先导入县区）", "(none: import counties first)"),
        "error.patrol.empty_county": (
            "{county}没有可巡查的企业或矸石山。",
            "There is no enterprise or heap in {county} to visit.",
        ),
        "error.patrol.no_sites": (
            "没有可选的点位：工作区没有企业或矸石山。",
            "No site could be chosen: the workspace has no enterprise or heap.",
        ),
        "error.patrol.nothing_to_score": (
            "没有可评分的企业或矸石山。请用 geoair import enterprises 文件（以及 gangue_heaps "
            "文件）导入。",
            "There are no enterprises or gangue heaps to score. Import them with geoair import "
            "enterprises FILE (and gangue_heaps FILE).",
        ),
        "error.sources.bad_period": (
            "无法识别时段“{text}”。请写月份（2020-10）、月份范围（2020-10/2020-12）或年份（2020）。",
            "Period {text!r} is not understood. Write a month (2020-10), a range of months "
            "(2020-10/2020-12) or a year (2020).",
        ),
        "error.sources.unknown_station": (
            "没有名为“{text}”的站点。请写站点图层中的名称或编号，如 {known}。",
            "No station is called {text!r}. Give a station's name or id as in the stations "
            "layer, e.g. {known}.",
        ),
        "error.sources.unknown_layers": (
            "未知的污染源图层：{names}；可选：{choices}。",
            "Unknown source layer(s) {names}; choose among {choices}.",
        ),
        "error.sources.no_hours": (
            "站点 {station} 在 {period} 没有带风向风速的 {pollutant} 小时数据。请核对时段，或导入"
            "该站点的监测数据。",
            "Station {station} has no {pollutant} hours with wind in {period}. Check the period, "
            "or import its readings.",
        ),
        "error.roads.positive": (
            "{name}应为正数（米），而不是 {value}；例如 100 表示一百米。",
            "The {name} must be a positive number of metres, not {value}. Give for example 100 "
            "for a hundred metres.",
        ),
        "distance_name.distance": ("距离", "distance"),
        "distance_name.radius": ("半径", "radius"),
        "distance_name.gate_site": ("厂门到企业的距离上限", "gate-to-site limit"),
        "distance_name.nearest_road": ("最近道路的搜索距离", "nearest-road search distance"),
        "error.roads.not_lines": (
            "道路应为线，但有 {n} 个要素不是（第 {rows} 行）。请使用道路中心线，而不是路面面或点。",
            "Roads must be lines, but {n} feature(s) are not (rows {rows}). Use the road centre "
            "lines, not road surface polygons or points.",
        ),
        "error.roads.no_geometry": (
            "该图层没有几何（没有位置），无法计算缓冲区。请导入带坐标或形状的图层。",
            "The layer has no geometry (no locations), so it cannot be buffered. Import a "
            "layer with coordinates or shapes.",
        ),
        "error.sources.bandwidth": (
            "{name}带宽应为正数，而不是 {value} {unit}。",
            "The {name} bandwidth must be positive, not {value} {unit}.",
        ),
        "error.sources.speed_kernel": (
            "风速核函数“{value}”未知：请用 epanechnikov 或 gaussian。",
            "Unknown speed kernel {value!r}: use 'epanechnikov' or 'gaussian'.",
        ),
        "bandwidth_name.direction": ("风向", "direction"),
        "bandwidth_name.speed": ("风速", "speed"),
        "error.surface.no_stations": (
            "没有可用于插值的站点值。请先导入站点和读数，或换一个 --period。",
            "No station values to interpolate from. Import stations and readings first, or "
            "choose another --period.",
        ),
        "error.surface.pollutant": (
            "未知的污染物“{text}”。可选：PM2.5、PM10、SO2、NO2、CO、O3、dustfall（降尘）。",
            "Unknown pollutant {text!r}. Choose one of: PM2.5, PM10, SO2, NO2, CO, O3, dustfall.",
        ),
        "error.surface.period": (
            "--period “{period}”不是月份，请写成 2024-01。",
            "--period {period!r} is not a month; write it as 2024-01.",
        ),
        "error.surface.no_values": (
            "{period}没有任何站点有有效的{label}值{have}。请换一个 --period；未写出文件。",
            "No station has a valid {label} value for {period}{have}. Choose another --period; "
            "no file was written.",
        ),
        "error.surface.has_months": ("（现有 {first} 至 {last}）", "; it has {first} to {last}"),
        "error.surface.no_dustfall": (
            "工作区没有降尘数据。请用 geoair import dustfall 文件（站点、月份、降尘量）导入。",
            "The workspace has no dustfall readings. Import them with geoair import dustfall "
            "FILE (station, month, dustfall).",
        ),
        "error.surface.no_monthly": (
            "工作区没有站点月值（station_monthly）。请先运行 geoair indicators --period month "
            "--by station。",
            "The workspace has no monthly station values (station_monthly). Run geoair "
            "indicators --period month --by station first.",
        ),
        "error.export.no_layer": (
            "工作区没有名为“{name}”的图层或表；现有：{available}。",
            "The workspace has no layer or table {name!r}; it has: {available}.",
        ),
        "error.export.is_folder": (
            "无法写入 {path}：这是一个文件夹。请给出文件名，例如 {path}/企业.xlsx。",
            "Cannot write {path}: it is a folder. Give a file name, e.g. {path}/enterprises.xlsx.",
        ),
        "error.export.nothing_yet": ("（尚无，请先导入）", "nothing yet (import first)"),
        "error.export.bad_format": (
            "不能导出为“{fmt}”。可选：{choices}。",
            "Cannot export to {fmt!r}. Choose one of: {choices}.",
        ),
        "error.export.no_geometry": (
            "{layer} 是没有地图几何的表，{fmt} 需要几何。请导出为 xlsx、csv、gpkg 或 parquet。",
            "{layer} is a table without map geometry; {fmt} needs geometry. Export it as xlsx, "
            "csv, gpkg or parquet.",
        ),
        "error.export.bad_crs": (
            "--crs “{text}”不是 geoair 认识的坐标系。请用 wgs84、cgcs2000（EPSG:4490）、gcj02"
            "（高德/腾讯）或 EPSG:编号，如 EPSG:4547（CGCS2000 高斯-克吕格 114°E）。",
            "--crs {text!r} is not a coordinate system geoair knows. Use wgs84, cgcs2000 "
            "(EPSG:4490), gcj02 (Amap/Tencent) or EPSG:number, e.g. EPSG:4547 for CGCS2000 "
            "Gauss-Krüger 114°E.",
        ),
        "error.scores.bad_month": (
            "“{value}”不是月份，请写成 2024-03（年-月）。",
            "“{value}” is not a month. Write it as 2024-03 (year-month).",
        ),
        "error.scores.nothing_dated": (
            "没有可评分的带日期数据：没有月度监测值、道路积尘负荷、检查记录或监管记录。请先导入"
            "（geoair import …），或给出 --month。",
            "There is nothing dated to score: no monthly readings, road dust, inspections or "
            "cases. Import them (geoair import ...) or give --month.",
        ),
        "error.scores.no_enterprises": (
            "工作区没有可评分的企业。请先运行 geoair import enterprises 文件。",
            "The workspace has no enterprises to score. Run geoair import enterprises FILE first.",
        ),
    }
)

# geoair settings, users, serve and copy.
_add(
    {
        "settings.replaced": (
            "{location} 的设置已替换为 {file}",
            "settings of {location} replaced by {file}",
        ),
        "users.added": ("已添加用户 {name}（{path}）", "added user {name} ({path})"),
        "users.password_changed": ("已为用户 {name} 设置新密码", "new password for {name}"),
        "users.removed": ("已删除用户 {name}", "removed user {name}"),
        "users.none": (
            "还没有用户：geoair users add 姓名 添加一个",
            "no users yet: add one with geoair users add NAME",
        ),
        "users.password": ("密码", "Password"),
        "users.password_again": ("再输入一次密码", "Repeat the password"),
        "users.password_mismatch": (
            "两次输入的密码不一样，请重新输入。",
            "The two passwords differ; type them again.",
        ),
        "serve.started": (
            "geoair 网页服务：http://{host}:{port}/（工作区 {root}；按 Ctrl-C 停止）",
            "geoair serve: http://{host}:{port}/  (workspace {root}; Ctrl-C stops)",
        ),
        "serve.needs_extra": (
            '网页服务缺少组件 {name}，请安装：pip install "geoair[web]"',
            'The web app needs its extra ({name} is missing): pip install "geoair[web]"',
        ),
        "copy.title": ("已复制 {source} -> {dest}", "copied {source} -> {dest}"),
        "copy.col_table": ("表", "table"),
        "copy.col_source": ("源", "source"),
        "copy.col_copied": ("复制后", "copied"),
        "copy.readings_row": ("{kind}（{files} 个文件）", "readings {kind} ({files} files)"),
        "copy.kind.hourly": ("小时监测数据", "hourly"),
        "copy.kind.dustfall": ("降尘数据", "dustfall"),
        "copy.readings_shared": (
            "  监测数据：共用文件夹 {folder}，无需复制",
            "  readings: shared folder {folder}, nothing to copy",
        ),
        "copy.readings_absent": (
            "  监测数据：本机没有文件夹 {folder}，未复制",
            "  readings: no folder {folder} on this computer, none copied",
        ),
        "copy.readings_now": ("  监测数据现在在 {folder}", "  readings now in {folder}"),
        "copy.settings": ("  设置已复制（geoair.toml）", "  settings copied (geoair.toml)"),
        "error.store.copy_same": (
            "源和目标是同一个工作区（{location}），请换一个目标。",
            "The source and the destination are the same workspace ({location}): name another "
            "destination.",
        ),
        "error.store.copy_not_empty": (
            "目标工作区 {location} 已有数据（{what}），请复制到空的工作区，或加 --replace 覆盖。",
            "The destination {location} already holds data ({what}): copy into an empty "
            "workspace, or add --replace to overwrite it.",
        ),
        "error.store.copy_readings_there": (
            "{folder} 中的监测数据",
            "readings in {folder}",
        ),
        "error.store.copy_counts_differ": (
            "复制后 {location} 的行数与源不一致，请检查目标工作区：{report}",
            "After the copy the row counts of {location} differ from the source: {report}",
        ),
    }
)

# The comments of the default settings (geoair.toml), by table and key: written in the
# language of the workspace's geoair init (geoair.store.settings.default_toml). They cite
# the documents by their own (Chinese) titles in both languages.
_add(
    {
        "settings.toml.head": (
            "geoair 工作区设置。可修改各项的值，不要改动键名。\n"
            "下面每个默认值都注明了出自哪份文件，或注明是 geoair 自定的。所依据的文件：\n"
            "  阳环函〔2024〕6号   阳泉市“净厂”巩固提升行动（2024）：附件2问题清单、附件3监管情况、"
            "\n"
            "                      厂门100米道路、标杆企业\n"
            "  长治市大气办 2024 通知及晋环规〔2023〕3号：重点工业园区、园区站、降尘、\n"
            "                      道路积尘排名、绩效等级、五堆\n"
            "  晋市生态环保委办〔2023〕4号  晋城市百日专项整治攻坚行动（2023）：调度表、\n"
            "                      园区考核、以克论净\n"
            "  阳政发〔2024〕8号   阳城县空气质量持续改善实施方案（2024）：降尘 7\n"
            "  阳政办发〔2020〕131号  阳泉市2020-2021年秋冬季攻坚行动方案：PM2.5 月度目标和\n"
            "                      优良天数目标（附件1、附件2）、降尘 9、矸石山\n"
            "  GB 3095-2012、HJ 633-2012、HJ 663-2013：国家环境空气质量标准",
            "geoair workspace settings. Edit the values; keep the keys.\n"
            "Every default below is taken from the document named beside it, or says that it is\n"
            "geoair's choice. The documents:\n"
            "  阳环函〔2024〕6号   阳泉市“净厂”巩固提升行动 (2024): checklist 附件2, cases 附件3,\n"
            "                      100 m gate roads, benchmark enterprises\n"
            "  长治市大气办 2024 通知 with 晋环规〔2023〕3号: key industrial parks, park "
            "stations,\n"
            "                      dustfall, road dust ranking, performance grades, 五堆\n"
            "  晋市生态环保委办〔2023〕4号  晋城市百日专项整治攻坚行动 (2023): dispatch table,\n"
            "                      park assessment, 以克论净\n"
            "  阳政发〔2024〕8号   阳城县空气质量持续改善实施方案 (2024): dustfall 7\n"
            "  阳政办发〔2020〕131号  阳泉市2020-2021年秋冬季攻坚行动方案: monthly PM2.5 and\n"
            "                      good-day targets (附件1, 附件2), dustfall 9, gangue heaps\n"
            "  GB 3095-2012, HJ 633-2012, HJ 663-2013: the national air-quality standards",
        ),
        "settings.toml.workspace.name": (
            "城市或县区名称，用于地图和报表的标题。",
            "Name of the city or county, used in titles of maps and forms.",
        ),
        "settings.toml.workspace.default_coords": (
            '导入不带坐标系的文件时所用的坐标系："wgs84"、"gcj02"（高德、腾讯）\n'
            '或 "bd09"（百度）。坐标一律以 WGS-84 保存。',
            'Coordinate system of files imported without one: "wgs84", "gcj02" (Amap, '
            "Tencent)\n"
            'or "bd09" (Baidu). Coordinates are always stored in WGS-84.',
        ),
        "settings.toml.workspace.readings_dir": (
            '小时和月度监测数据（Parquet）所在的文件夹。留空：工作区文件夹中的 "readings"。\n'
            "数据库工作区在这里记录 geoair init 时选定的文件夹（多人导入监测数据时用共享盘）。\n"
            "geoair 自定。",
            'Folder of the hourly and monthly readings (Parquet). Empty: "readings" in the\n'
            "workspace folder. A database workspace records here the folder chosen at geoair\n"
            "init (a shared drive when several analysts import readings). geoair's choice.",
        ),
        "settings.toml.gate_roads.radius_m": (
            "每个厂门周围需冲洗清扫道路的半径\n"
            "（阳环函〔2024〕6号 二(二)：厂区大门附近100米范围内的道路）。",
            "Radius around every factory gate whose road must be washed and swept\n"
            "(阳环函〔2024〕6号 二(二): 厂区大门附近100米范围内的道路).",
        ),
        "settings.toml.gate_roads.gate_site_max_m": (
            "厂门距所属企业位置超过此距离（米）时，标为疑似坐标错误。",
            "A gate farther than this from its enterprise's site is flagged as a likely\n"
            "coordinate error.",
        ),
        "settings.toml.gate_roads.nearest_road_search_m": (
            "半径 radius_m 内没有道路的厂门，向外查找最近道路的距离（米），\n"
            "核查结果会报告该距离（geoair 自定：与 gate_site_max_m 相同）。",
            "For a gate with no road within radius_m, how far (m) to look for the nearest road,\n"
            "whose distance the finding reports (geoair's choice: as far as gate_site_max_m).",
        ),
        "settings.toml.gate_roads.osm_skip_highway": (
            "道路取自 .osm.pbf 文件时（geoair gate-roads --roads 文件）不计入的\n"
            "OpenStreetMap 道路类型（highway 值）：不是需要清扫的车行道\n"
            "（见 OpenStreetMap 的 Key:highway 说明）。",
            "OpenStreetMap highway values left out when roads come from a .osm.pbf extract\n"
            "(geoair gate-roads --roads FILE): ways that are not carriageways to sweep\n"
            "(OpenStreetMap wiki, Key:highway).",
        ),
        "settings.toml.buffers.circle_vertices": (
            "点周围所画圆的顶点数（gate_buffers、geoair buffer）。每个顶点都正好在圆上；\n"
            "取 72 时，各边最多向圆内偏离半径的 0.1%（geoair 自定；长度从不在图形上量取）。",
            "Vertices of the circles drawn around points (gate_buffers, geoair buffer). Every\n"
            "vertex lies exactly on the circle; with 72 the edges fall at most 0.1 % of the\n"
            "radius inside it (geoair's choice; lengths are never measured on the drawing).",
        ),
        "settings.toml.readings.dustfall_limit_t_km2": (
            "各县区降尘限值，t/(km²·月)：阳泉 2020 年为 9（阳政办发〔2020〕131号（九））；\n"
            "阳城 2024 年为 7（阳政发〔2024〕8号）。",
            "Dustfall limit per county, t/(km²·month): 9 in Yangquan 2020 (阳政办发〔2020〕131号 "
            "(九));\n"
            "Yangcheng 2024 uses 7 (阳政发〔2024〕8号).",
        ),
        "settings.toml.readings.calm_wind_ms": (
            "风速低于此值（米/秒）的小时为静风。",
            "Wind speeds below this (m/s) are calm hours.",
        ),
        "settings.toml.readings.pm25_max_ug_m3": (
            "导入检查：小时值高于以下各值的，视为不合物理常理而拒收\n"
            "（单位错误或仪器故障）。geoair 自定，远高于华北有记录的最严重小时值\n"
            "（PM10 沙尘暴可达数千 µg/m³），也高于 HJ 633-2012 表1 的最高分段浓度限值。",
            "Import checks: hourly values above these are refused as not physically plausible\n"
            "(a unit error or a broken instrument). geoair's choices, well above the worst\n"
            "hours recorded in north China (PM10 dust storms reach several thousand µg/m³) and\n"
            "the top breakpoints of HJ 633-2012 Table 1.",
        ),
        "settings.toml.readings.co_max_mg_m3": (
            "CO 单位为 mg/m³；未注明单位的 CO 值超过此值时按 µg/m³ 处理并拒收\n"
            "（HJ 633 的 CO 1小时最高分段浓度限值为 150 mg/m³；实际小时值很少超过 20）。",
            "CO is in mg/m³; above this an unlabelled CO value is taken for µg/m³ and refused\n"
            "(HJ 633's top 1-hour CO breakpoint is 150 mg/m³; ambient hours rarely pass 20).",
        ),
        "settings.toml.readings.unit_error_share": (
            "一列未声明单位的监测数据（没有 --units，表头中也没有单位），若超过此比例的值\n"
            "高于上述限值，则视为一处单位错误：只报告一次，整列都不导入\n"
            "（geoair 自定：“大多数”即超过一半）。",
            "A column of readings without a declared unit (--units, or a unit in its header)\n"
            "whose values are in this share above the limits above is one unit error: reported\n"
            'once and none of it stored (geoair\'s choice: "mostly" = more than half).',
        ),
        "settings.toml.readings.import_memory": (
            "导入监测数据时 DuckDB 可用的内存（超出部分写入磁盘；geoair 按办公电脑自定）。",
            "Memory DuckDB may use while importing readings (it spills to disk beyond; geoair's\n"
            "choice for an office PC).",
        ),
        "settings.toml.readings.dustfall_max_t_km2": (
            "月降尘高于此值（t/(km²·月)）的，视为疑似单位错误而拒收。",
            "Monthly dustfall above this, t/(km²·month), is refused as a likely unit error.",
        ),
        "settings.toml.readings.county_station_kinds": (
            "参与计算县区数值的站点类型（取其站点的均值，HJ 663）。",
            "Station kinds whose values make a county's value (mean of its stations, HJ 663).",
        ),
        "settings.toml.readings.o3_8h_limit_ug_m3": (
            "O3 日最大8小时平均：有效8小时时段少于14个时，若超过此二级8小时限值（µg/m³），\n"
            "仍为有效（GB 3095-2012 表1；HJ 663-2013 表2）。",
            "O3 daily maximum 8-hour mean: valid with fewer than 14 valid windows when it\n"
            "exceeds this class-II 8-hour limit, µg/m³ (GB 3095-2012 Table 1; HJ 663-2013 Table "
            "2).",
        ),
        "settings.toml.assignment.near_park_m": (
            "园区边界外此距离（米）以内的矸石山和站点，算作在园区“附近”。",
            'Heaps and stations within this ring outside a park polygon count as "near" it.',
        ),
        "settings.toml.scores.air_reference": (
            "园区和企业月度评分（geoair scores）。每个分项都按固定基准评为 0-100 分\n"
            "（100 分最好），所以一个园区的得分从不取决于其他园区的数据；各项公式见\n"
            "README 中评分的一节。\n"
            '园区站空气质量的基准："standard"（PM2.5 35 µg/m³，GB 3095-2012 二级标准）、\n'
            '"target"（目标表中该园区当月的 PM2.5 目标，没有则用标准）或 "city"（当月全市国控站'
            "的\n"
            "均值，没有则用标准）。长治 2024 年通知按园区站排名；晋市生态环保委办\n"
            "〔2023〕4号 与全市比较。",
            "Monthly park and enterprise scores (geoair scores). Every component is scored\n"
            "0-100 (100 best) against a fixed reference, so one park's score never depends on\n"
            'another park\'s data; see README "Scores and rankings" for each formula.\n'
            'Reference for air at the park\'s station(s): "standard" (PM2.5 35 µg/m³, GB '
            "3095-2012\n"
            'class II), "target" (the park\'s pm25 target of the month in the targets table, '
            "else\n"
            'the standard) or "city" (mean of the national 国控 stations that month, else the\n'
            "standard). The Changzhi 2024 notice ranks parks by their station; 晋市生态环保委办\n"
            "〔2023〕4号 compares them with the city.",
        ),
        "settings.toml.scores.road_dust_reference_g_m2": (
            "道路积尘负荷（g/m²，长治 2024 年通知和晋市生态环保委办〔2023〕4号 中的“以克论净”）\n"
            "达到此值时道路积尘得 100 分；高于此值时得分为 基准 ÷ 负荷。国家标准没有规定这个数：\n"
            "请填写本市“以克论净”的考核值。",
            "Road dust load (道路积尘负荷, g/m², 以克论净 in the Changzhi 2024 notice\n"
            "and 晋市生态环保委办〔2023〕4号) at which the road dust\n"
            "score is 100; above it the score is reference ÷ load. No national standard sets\n"
            "this number: put your city's 以克论净 assessment value here.",
        ),
        "settings.toml.scores.fines_reference_yuan": (
            "使罚款得分减半的每家企业当月罚款额（元）\n"
            "（得分 = 100 × 基准 ÷ (基准 + 每家企业罚款)）；本项目自定：1万元。",
            "Fines per enterprise (yuan, in the month) that halve the fines score\n"
            "(score = 100 × ref ÷ (ref + fines per enterprise)); project choice: 1万元.",
        ),
        "settings.toml.scores.min_weight_ranked": (
            "园区（或企业）有数据的分项所占权重至少达到此比例时才参与排名（本项目自定：一半）；\n"
            "否则显示得分但不排名，以免一个只凭“附近没有矸石山”得分的园区排在第一。",
            "A park (or enterprise) is ranked only when the components it has data for carry at\n"
            "least this share of the weights above (project choice: half); otherwise its score\n"
            'is shown but it gets no rank, so a park known only by "no heaps nearby" cannot top\n'
            "the list.",
        ),
        "settings.toml.scores.benchmark_min_score": (
            "标杆企业候选的最低总分（0-100；本项目自定：通常的及格线 60）。\n"
            "阳环函〔2024〕6号 要求选树标杆企业；得分低的不能算。",
            "Lowest total score (0-100) of a benchmark enterprise candidate (project choice: the\n"
            "usual pass mark of 60). 阳环函〔2024〕6号 asks for model enterprises; a low score is "
            "none.",
        ),
        "settings.toml.scores.benchmark_grades": (
            "标杆企业候选可有的绩效等级（晋环规〔2023〕3号 四：B级及以上或引领性），\n"
            "以及没有评级的企业（多数小企业从未评级）能否入选。",
            "Performance grades a benchmark candidate may have (晋环规〔2023〕3号 四: B级及以上或引"
            "领性),\n"
            "and whether an enterprise without a grade (most small ones are never graded) may be "
            "one.",
        ),
        "settings.toml.scores.benchmark_quotas": (
            "各县区推荐的标杆企业数，[最少, 最多]（阳环函〔2024〕6号 二(三)：\n"
            "城区、矿区、高新区 3-5 家，盂县、平定县、郊区 5-10 家）。可按行添加本地县区。",
            "Benchmark enterprises to propose per county, [min, max] (阳环函〔2024〕6号 二(三):\n"
            "城区、矿区、高新区 3-5 家, 盂县、平定县、郊区 5-10 家). Add your counties as lines.",
        ),
        "settings.toml.scores.benchmark_default_quota": (
            "上面没有列出的县区的名额，[最少, 最多]。",
            "Quota of a county not listed above, [min, max].",
        ),
        "settings.toml.scores.park_weights.air": (
            "园区得分各分项的权重，合计须为 1。园区缺少某个分项（没有站点、没有测道路积尘）时，\n"
            "其余分项的权重按比例放大到合计为 1，而不是记零分。geoair 参照长治 2024 年通知和\n"
            "晋市生态环保委办〔2023〕4号 自定：园区站和月度道路积尘排名权重最大。\n"
            "air：园区站的 PM2.5 与上面的基准比较（长治 2024 年通知 十；晋市生态环保委办〔2023〕4号"
            "）。",
            "Weight of each park score component; they must add up to 1. A park lacking a\n"
            "component (no station, no road dust measured) has the weights of the rest scaled\n"
            "up to 1, never a zero score. geoair's choice, after the Changzhi 2024 notice and\n"
            "晋市生态环保委办〔2023〕4号: the park station and the monthly road dust ranking weigh "
            "most.\n"
            "air: PM2.5 at the park's station(s) vs the reference above (Changzhi 2024 notice\n"
            "十; 晋市生态环保委办〔2023〕4号).",
        ),
        "settings.toml.scores.park_weights.dustfall": (
            "dustfall：园区内及附近站点的月降尘与限值比较（长治 2024 年通知 十）。",
            "dustfall: monthly dustfall at stations in/near the park vs the limit (Changzhi 2024 "
            "notice 十).",
        ),
        "settings.toml.scores.park_weights.road_dust": (
            "road_dust：道路积尘负荷与 road_dust_reference_g_m2 比较（长治 2024 年通知 三）。",
            "road_dust: road dust load vs road_dust_reference_g_m2 (Changzhi 2024 notice 三).",
        ),
        "settings.toml.scores.park_weights.compliance": (
            "compliance：各企业最近一次检查中附件2问题清单合格项的比例\n"
            "（阳环函〔2024〕6号 附件2）。",
            "compliance: share of 附件2 checklist items met in each enterprise's latest "
            "inspection\n"
            "(阳环函〔2024〕6号 附件2).",
        ),
        "settings.toml.scores.park_weights.cases": (
            "cases：月末每家企业未整改的附件3问题数（阳环函〔2024〕6号 附件3）。",
            "cases: open, unrectified 附件3 cases per enterprise at month end (阳环函〔2024〕6号 附"
            "件3).",
        ),
        "settings.toml.scores.park_weights.fines": (
            "fines：当月每家企业的罚款（元）（阳环函〔2024〕6号 附件3；\n"
            "晋市生态环保委办〔2023〕4号）。",
            "fines: fines (yuan) in the month per enterprise (阳环函〔2024〕6号 附件3;\n"
            "晋市生态环保委办〔2023〕4号).",
        ),
        "settings.toml.scores.park_weights.grades": (
            "grades：已评级企业中 B级及以上的比例（A、B、引领性；晋环规〔2023〕3号 四）。",
            "grades: share of graded enterprises at B or better (A, B, 引领性; 晋环规〔2023〕3号 四"
            ").",
        ),
        "settings.toml.scores.park_weights.heaps": (
            "heaps：园区内或附近未治理或自燃的矸石山（阳政办发〔2020〕131号；\n"
            "长治 2024 年通知中的五堆）。",
            "heaps: untreated (未治理) or burning gangue heaps inside or near (阳政办发〔2020〕"
            "131号;\n"
            "五堆 in the Changzhi 2024 notice).",
        ),
        "settings.toml.scores.enterprise_weights.checklist": (
            "企业得分各分项的权重，合计须为 1（缺少的分项与园区一样按比例分摊）。\n"
            "geoair 参照阳环函〔2024〕6号 附件2 问题清单自定。\n"
            "checklist：最近一次检查中附件2合格项的比例。",
            "Weight of each enterprise score component; they must add up to 1 (missing ones\n"
            "are re-spread as for parks). geoair's choice after the checklist of 阳环函〔2024〕6号 "
            "附件2.\n"
            "checklist: share of 附件2 items met in the latest inspection.",
        ),
        "settings.toml.scores.enterprise_weights.cases": (
            "cases：月末未整改的问题（100 ÷ (1 + 件数)）。",
            "cases: open, unrectified cases at month end (100 ÷ (1 + count)).",
        ),
        "settings.toml.scores.enterprise_weights.grade": (
            "grade：下面的绩效等级分值。",
            "grade: performance grade points below.",
        ),
        "settings.toml.scores.enterprise_weights.gate_roads": (
            "gate_roads：厂门100米道路（阳环函〔2024〕6号 二(二)）：其中硬化道路所占长度的比例\n"
            "（道路图层的“硬化”字段）。",
            "gate_roads: the 100 m gate roads (阳环函〔2024〕6号 二(二)): share of their length "
            "on\n"
            "hardened roads (roads layer 硬化).",
        ),
        "settings.toml.scores.grade_points": (
            "企业绩效等级分项中各绩效等级的分值。\n"
            "晋环规〔2023〕3号 四：目标是 B级及以上或引领性。",
            "Points of each performance grade (绩效等级) in the enterprise grade component.\n"
            "晋环规〔2023〕3号 四: B or better, or 引领性, is the goal.",
        ),
        "settings.toml.patrol.start_name": (
            "各巡查组往返的出发地名称（geoair patrol plan --start 可另行指定）及其 WGS-84 坐标。\n"
            "默认值是大致位置（阳泉城区中心，市局所在地）：请改为本局大门的位置。",
            "Named start of every team's round trip (geoair patrol plan --start overrides it),\n"
            "and its WGS-84 coordinates. The default is approximate (Yangquan's 城区 centre,\n"
            "where the city bureau sits): put your bureau's gate here.",
        ),
        "settings.toml.patrol.teams": (
            "每天出动的巡查组数和每组最多查看的点位数（geoair 的默认值，按每车两名检查人员\n"
            "工作一天估算；请改为本地的实际情况）。",
            "Teams out on a day and the most sites one team visits (geoair's defaults, a\n"
            "working day of two inspectors per car; change to your own).",
        ),
        "settings.toml.patrol.max_route_km": (
            "每组往返路线希望不超过的长度，公里（0：不限）。这是软上限：分配路线时尽量不超过，\n"
            "做不到的组会在计划中标出（路线的 over_limit 字段，输出中也有说明）。geoair 自定：\n"
            "120 公里，即一天 8 小时查 8 个点位、每个约 40 分钟，剩约 2.5 小时按每小时 45-50 公里\n"
            "走县乡和山区道路；请按本地情况设定。",
            "Longest round trip wanted for one team, km (0: no limit). A soft limit: the routes\n"
            "are balanced to stay under it, and the plan flags any team that could not (its\n"
            "route's over_limit, a note in the output). geoair's choice: 120 km, an 8-hour day of\n"
            "8 stops at about 40 minutes each, leaving some 2.5 hours at 45-50 km/h on county\n"
            "and mountain roads; set your own.",
        ),
        "settings.toml.patrol.coverage_days": (
            "覆盖规则：每个点位在这么多天内至少检查一次，任何点位都不能指望永远不被选中。\n"
            "“净厂”行动按月报送（阳环函〔2024〕6号：每月5日前报送上月工作），所以取 30 天。",
            "Coverage rule: every site is visited at least once in this many days, so no site\n"
            "can count on never being chosen. The clean-factory action reports monthly\n"
            "(阳环函〔2024〕6号: 每月5日前报送上月工作), hence 30 days.",
        ),
        "settings.toml.patrol.coverage_share_max": (
            "按覆盖规则强制加入的逾期点位最多占当天点位的这个比例，\n"
            "这样积压很多时，风险最高的点位仍能查到。",
            "At most this share of a day's stops goes to overdue sites forced in by the coverage\n"
            "rule, so that the riskiest sites are still seen when the backlog is large.",
        ),
        "settings.toml.patrol.snap_warn_m": (
            "距道路节点超过此距离（米）的点位，从最近的节点按直线到达，并给出提示。",
            "Sites farther than this from a road node are reached in a straight line from the\n"
            "nearest node, and a warning says so.",
        ),
        "settings.toml.patrol.road_snap_ends_m": (
            "道路图层中的丁字路口常常画得差一点没接上另一条路：道路端点距另一条路\n"
            "在 road_snap_ends_m 米以内的，把它接上（0：从不）。两条路交叉但没有共用顶点时，\n"
            "只有 road_node_crossings 为 true 才连通（在 OpenStreetMap 和多数道路图层中，\n"
            "这样的交叉是桥）。",
            "Road layers are often drawn with T-junctions a little short of the road they meet:\n"
            "a road end within road_snap_ends_m of another road is joined to it (0: never).\n"
            "Roads crossing without a shared vertex are joined only if road_node_crossings is\n"
            "true (in OpenStreetMap and most road layers such crossings are bridges).",
        ),
        "settings.toml.patrol.start_max_m": (
            "没有县区图层时，距所有点位都超过此距离（米）的出发地会被拒绝。",
            "Without a counties layer, a start farther than this from every site is refused.",
        ),
        "settings.toml.patrol.findings_lookback_days": (
            "“近期发现问题”只计最近 N 天内的问题。按件计分的项最多计 case_count_cap 件；\n"
            "距上次检查的天数最多计 visit_days_cap 天（从未检查过的点位按上限计）；厂门道路长度\n"
            "最多计 gate_road_cap_m 米。",
            'Cases counted for "past findings": those of the last N days. Per-case terms count\n'
            "at most case_count_cap cases; days since the last visit count at most\n"
            "visit_days_cap days (a site never visited counts the cap); gate-road length counts\n"
            "at most gate_road_cap_m metres.",
        ),
        "settings.toml.patrol.upwind_top_n": (
            "位列某个未达标站点前 upwind_top_n 名疑似污染源的点位，算作位于该站点上风向\n"
            "（见表 source_suspects 和 targets_check）。",
            "A site among the first upwind_top_n suspects of a station missing its target counts\n"
            "as upwind of it (tables source_suspects and targets_check).",
        ),
        "settings.toml.patrol.weights.open_case": (
            "每项原因的分值（geoair 的默认值，使一个未整改问题或一座自燃矸石山的分量\n"
            "超过一个月没有检查；risk_scores 表列出每一项）。\n"
            "每个未整改问题（附件3 是否完成整改 = 否）。",
            "Points per reason (geoair's defaults, set so that an open case or a burning heap\n"
            "outweighs a month without a visit; the risk_scores table shows every term).\n"
            "Per open (unrectified) case (附件3 是否完成整改 = 否).",
        ),
        "settings.toml.patrol.weights.past_finding": (
            "findings_lookback_days 天内发现的每个问题，不论是否已整改。",
            "Per case found within findings_lookback_days, rectified or not.",
        ),
        "settings.toml.patrol.weights.checklist_item_failed": (
            "最近一次检查中每个不合格项（附件2，共 7 项）。",
            "Per checklist item failed at the latest inspection (附件2, 7 items).",
        ),
        "settings.toml.patrol.weights.per_day_since_visit": (
            "距上次检查（检查、监管记录或以前的巡查计划）的每一天。",
            "Per day since the last visit (inspection, case or earlier patrol plan).",
        ),
        "settings.toml.patrol.weights.upwind_of_missing_station": (
            "PM2.5 未达标站点的首位疑似污染源（阳政办发〔2020〕131号 附件1）。",
            "Top suspect of a station that misses its PM2.5 target (阳政办发〔2020〕131号 附件1).",
        ),
        "settings.toml.patrol.weights.burning_heap": (
            "自燃或冒烟的矸石山（阳政办发〔2020〕131号：消除自燃冒烟）。",
            "A burning or smoking gangue heap (阳政办发〔2020〕131号: 消除自燃冒烟).",
        ),
        "settings.toml.patrol.weights.untreated_heap": (
            "未治理的矸石山（治理中的减半）。",
            "An untreated gangue heap (half for one being treated).",
        ),
        "settings.toml.patrol.weights.gate_road_per_100m": (
            "每 100 米需清扫的厂门道路（阳环函〔2024〕6号 二(二)）。",
            "Per 100 m of gate road to sweep (阳环函〔2024〕6号 二(二)).",
        ),
        "settings.toml.patrol.weights.grade_below_b": (
            "绩效等级为 C 或 D（晋环规〔2023〕3号：重点园区企业要达到 B级及以上）。",
            "Performance grade C or D (晋环规〔2023〕3号: key-park enterprises to reach B or "
            "better).",
        ),
        "settings.toml.patrol.weights.not_producing": (
            "停产、闲置或关闭：核查是否仍然如此。",
            "Suspended, idle or closed: check that it stays so.",
        ),
        "settings.toml.patrol.weights.suspended_but_active": (
            "……而又有生产迹象（检查时发现在生产，或是上风向疑似污染源）。",
            "... and shows activity (found producing, or an upwind suspect).",
        ),
        "settings.toml.patrol.places": (
            "--start 可用的地点名称，写成 名称 = [经度, 纬度]（WGS-84），\n"
            "如 盂县分局 = [113.41, 38.09]。工作区中企业、站点、园区和矸石山的名称也可以用。",
            "Named places that --start accepts, as name = [longitude, latitude] in WGS-84,\n"
            "e.g. 盂县分局 = [113.41, 38.09]. Names of enterprises, stations, parks and\n"
            "heaps in the workspace are accepted too.",
        ),
        "settings.toml.export.crs": (
            '未给出 --crs 时导出文件的坐标系："wgs84"（EPSG:4326，与存储相同）、\n'
            '"cgcs2000"（EPSG:4490，国家大地坐标系）、"gcj02"（高德、腾讯类应用；文件名带 '
            "_GCJ02）\n"
            '或 "EPSG:编号"。',
            'Coordinate system of exported files when --crs is not given: "wgs84" (EPSG:4326,\n'
            'as stored), "cgcs2000" (EPSG:4490, the national system), "gcj02"\n'
            '(Amap/Tencent apps; files are named *_GCJ02) or "EPSG:n".',
        ),
        "settings.toml.export.shapefile_encoding": (
            'Shapefile 属性的文字编码，写在 .cpg 文件中："utf-8"，或 "gbk"\n'
            "（供无法读取 UTF-8 编码 .dbf 文件的旧版国产 GIS 软件使用）。",
            'Text encoding of Shapefile attributes, named in the .cpg file: "utf-8", or "gbk"\n'
            "for older Chinese GIS software that cannot read UTF-8 .dbf files.",
        ),
        "settings.toml.surface.cell_m": (
            "GeoTIFF 格网的边长，米（geoair 自定：500 米，比城市站点间距细，\n"
            "又足够粗，一个县几秒钟就能算完）。",
            "Side of a GeoTIFF cell in metres (geoair's choice: 500 m, finer than the spacing of\n"
            "city stations, coarse enough for a county in a few seconds).",
        ),
        "settings.toml.surface.idw_power": (
            "反距离加权的幂：权重 = 1 / 距离^幂（常用值为 2）。",
            "Inverse-distance weighting power: weight = 1 / distance^power (the common choice, 2).",
        ),
        "settings.toml.surface.idw_k": (
            "参与每个格网加权的最近站点数（geoair 自定：12）。",
            "Number of nearest stations that weight each cell (geoair's choice: 12).",
        ),
        "settings.toml.surface.margin_m": (
            "县区范围四周外扩的距离，米，使栅格覆盖县区边缘。",
            "Margin around the counties' extent, metres, so the raster covers their edges.",
        ),
        "settings.toml.maps.tiles": (
            '交互地图（geoair map）的底图："osm"（OpenStreetMap）、"tianditu"（天地图，\n'
            'CGCS2000，需要 tianditu_key）、"amap"（高德，GCJ-02：数据会偏移到高德坐标以叠加在其'
            "底图上）\n"
            '或 "none"。无论选哪种，都会画出县区界，所以连不上底图服务器时（局内网）地图仍然可读'
            "。\n"
            "默认 osm：不需要密钥。",
            'Basemap of the HTML map (geoair map): "osm" (OpenStreetMap), "tianditu" (天地图,\n'
            'CGCS2000, needs tianditu_key), "amap" (高德, GCJ-02: the data are shifted by\n'
            'geoair.io.crs.wgs84_to_gcj02 to sit on its tiles) or "none". Whatever the choice,\n'
            "the county outlines are drawn, so the map stays readable when no tile server can\n"
            "be reached (bureau intranets). Default osm: needs no key.",
        ),
        "settings.toml.maps.tianditu_key": (
            "天地图开发者密钥（在天地图控制台免费申请）；留空 = 无。",
            "Your Tianditu key (天地图 开发者密钥, free at the Tianditu console); empty = none.",
        ),
        "settings.toml.maps.enterprise_colour": (
            '企业默认按什么着色："compliance"（最近一次检查中附件2问题清单合格项的比例）、\n'
            '"grade"（绩效等级）或 "status"（生产状态）。交互地图中可以在三者之间切换。',
            'How enterprises are coloured first: "compliance" (share of the 附件2 checklist\n'
            'items met at the latest inspection), "grade" (绩效等级) or "status" (生产状态).\n'
            "The HTML map can switch between the three.",
        ),
        "settings.toml.maps.simplify_m": (
            "面（县区、园区）在高斯-克吕格投影带中按此容差（米）简化，使一个省的地图也不大；\n"
            "10 米在第 15 级以下看不出来（约每像素 5 米）。",
            "Polygons (counties, parks) are simplified to this tolerance in metres, in a\n"
            "Gauss-Krüger zone, so that a province stays small; 10 m is invisible below\n"
            "zoom 15 (about 5 m per pixel).",
        ),
        "settings.toml.maps.coord_decimals": (
            "交互地图中经纬度保留的小数位数：5 位约为 1 米。",
            "Decimals kept for longitudes and latitudes in the HTML map: 5 = about 1 m.",
        ),
        "settings.toml.maps.png_dpi": (
            "geoair map --png 的分辨率，每英寸点数；300 为报告的印刷质量。",
            "Resolution of geoair map --png, in dots per inch; 300 is print quality for reports.",
        ),
        "settings.toml.sources.radius_m": (
            "站点与污染源的关联分析（geoair sources）。每个站点周围的搜索半径，\n"
            "米：列出半径内的企业、矸石山、厂门道路和园区\n"
            "（geoair 自定：5 公里，\n"
            "即县城站点周围的工业带）。",
            "Station-source correlation (geoair sources). Search radius around each station,\n"
            "metres: enterprises, gangue heaps, gate roads and parks within it are listed\n"
            "(geoair's choice: 5 km, a\n"
            "county town's industrial belt around its station).",
        ),
        "settings.toml.sources.layers": (
            "搜索的污染源图层，可选 enterprises、gangue_heaps、gate_roads、parks。",
            "Source layers searched, among enterprises, gangue_heaps, gate_roads, parks.",
        ),
        "settings.toml.sources.pollutant": (
            "未指定时分析的污染物（PM2.5 是站点月度目标的污染物，\n阳政办发〔2020〕131号 附件1）。",
            "Pollutant analysed when none is given (PM2.5 is the pollutant of the monthly\n"
            "station targets, 阳政办发〔2020〕131号 附件1).",
        ),
        "settings.toml.sources.cpf_percentile": (
            "CPF：浓度达到或超过该时段浓度此百分位的小时算作高值\n"
            "（沿用 openair 中 percentileRose/polarPlot 的惯例：第 75 百分位）。",
            "CPF: hours at or above this percentile of the period's concentrations count as\n"
            "high (openair's percentileRose/polarPlot convention: the 75th).",
        ),
        "settings.toml.sources.sectors": (
            "风向扇区数：16（每个 22.5°，常用的风玫瑰）或 36（每个 10°）。",
            "Number of wind sectors: 16 (22.5° each, the usual wind rose) or 36 (10° each).",
        ),
        "settings.toml.sources.calm_ms": (
            "风速低于此值（米/秒）的小时为静风，不归入任何扇区\n"
            "（geoair 自定：0.5 米/秒，与 [readings] calm_wind_ms 相同）。",
            "Wind speeds below this, m/s, are calm hours, kept apart from every sector\n"
            "(geoair's choice: 0.5 m/s, the same as [readings] calm_wind_ms).",
        ),
        "settings.toml.sources.nwr_sigma_deg": (
            "非参数风回归（Henry 等，2009）：风向高斯核的带宽（度）和风速核的带宽（米/秒）。\n"
            "geoair 按站点小时数据自定（该文献按数据集选择带宽）。",
            "Nonparametric wind regression (Henry et al. 2009): bandwidth of the Gaussian\n"
            "kernel in wind direction, degrees, and of the speed kernel, m/s. geoair's choice\n"
            "for hourly station data (the paper selects bandwidths per data set).",
        ),
        "settings.toml.sources.nwr_speed_kernel": (
            '风速核函数："epanechnikov"（Henry 等，2009）或 "gaussian"。',
            'Kernel in wind speed: "epanechnikov" (Henry et al. 2009) or "gaussian".',
        ),
        "settings.toml.sources.distance_scale_m": (
            "疑似源得分 = 污染源方位上的 CPF × 1 / (1 + 距离 / 此值)，米：\n"
            "距离为此值的污染源，权重是位于站点处的一半（geoair 自定）。",
            "Suspect score = CPF at the source's bearing × 1 / (1 + distance / this), metres:\n"
            "a source this far away counts half as much as one at the station (geoair's choice).",
        ),
        "settings.toml.sources.min_windy_hours": (
            "有风小时数少于此值的站点时段不参与排序（小时数太少，分不清方向：\n48 = 两天）。",
            "Station-periods with fewer windy hours than this are not ranked (too few hours\n"
            "to tell directions apart: 48 = two days).",
        ),
        "settings.toml.sources.top_n": (
            "每个站点每个时段保留的疑似污染源个数。",
            "Suspects kept per station and period.",
        ),
        "settings.toml.sources.freq": (
            '未指定时排序的时段："month"、"quarter" 或 "year"（站点的\n'
            "PM2.5 目标按月，阳政办发〔2020〕131号 附件1）。",
            'Periods ranked when none is given: "month", "quarter" or "year" (stations\'\n'
            "PM2.5 targets are monthly, 阳政办发〔2020〕131号 附件1).",
        ),
        "settings.toml.targets.park_units_by_name": (
            "目标中属于园区而不是县区的县级单位：阳政办发〔2020〕131号\n"
            "附件1 和附件2 在各县区之外也给开发区定了 PM2.5 和优良天数目标，\n"
            "阳环函〔2024〕6号 也把高新区列在其中。这样的单位按其园区内的空气站评价\n"
            "（每天取各站有效值的均值），计算依据一列会注明。\n"
            "true：没有任何站点的县区与其同名的县区目标，匹配到名称包含该名称的园区\n"
            "（开发区 -> 阳泉经济技术开发区（高新区））；geoair 的规则。",
            "County-level units of the targets that are parks, not counties: 阳政办发〔2020〕131号"
            "\n"
            "附件1 and 附件2 set PM2.5 and good-day targets for 开发区 beside the counties, and\n"
            "阳环函〔2024〕6号 names 高新区 among them. Such a unit is judged from the air "
            "stations inside its\n"
            "park(s) (per day the mean of their valid values), and the basis column says so.\n"
            "true: a county target whose name no station's county carries is matched to the\n"
            "park(s) whose name contains it (开发区 -> 阳泉经济技术开发区（高新区）); geoair's "
            "rule.",
        ),
        "settings.toml.targets.park_units": (
            '明确指定的对应关系，"单位名称" = [园区编号或名称]，如 "开发区" = ["P01"]\n'
            "（名称加引号）。优先于按名称匹配，也优先于该单位所在县区自己的站点。默认为空。",
            'Explicit links, "unit name" = [park ids or names], e.g. "开发区" = ["P01"] '
            "(the\n"
            "name in quotes). They win over the name match and over the unit's own county\n"
            "stations. Empty by default.",
        ),
    }
)

# Errors of the workspace store (geoair/store).
_add(
    {
        "error.store.no_crs": (
            "图层“{name}”没有坐标系，不能保存。请用 geoair import 导入（导入时会设定坐标系）。",
            "Layer {name!r} has no coordinate system; refusing to store it. Import it with "
            "geoair import, which sets one.",
        ),
        "error.store.no_crs_unnamed": (
            "有一个图层没有坐标系，不能保存。请用 geoair import 导入（导入时会设定坐标系）。",
            "A layer has no coordinate system; refusing to store it. Import it with geoair "
            "import, which sets one.",
        ),
        "error.store.bad_columns": (
            "图层不能保存：列名 {names} 必须互不相同，且不能叫 {fid}（表的主键）。",
            "A layer with columns {names} cannot be stored: the column names must be unique "
            "and none may be called {fid} (the table's key).",
        ),
        "error.store.locked": (
            "另一个 geoair 命令（进程 {pid}）正在写入 {root}。请等它结束；如果并没有命令在运行，"
            "请删除 {lock}。",
            "Another geoair command (process {pid}) is writing to {root}. Wait for it to "
            "finish; if none is running, delete {lock}.",
        ),
        "error.store.url_as_path": (
            "{name} 像是被当成文件夹路径的数据库地址；请按文字写出，如 postgresql://用户@主机/库名。",
            "{name} looks like a database URL that was turned into a folder path; pass it as "
            "text, e.g. postgresql://user@host/db.",
        ),
        "error.store.initdb": (
            "无法建立临时数据库（initdb 失败）：{detail}",
            "initdb failed: {detail}",
        ),
        "error.store.pg_ctl": (
            "无法启动临时数据库（pg_ctl start 失败）：{detail}",
            "pg_ctl start failed: {detail}",
        ),
        "error.store.foreign_table": (
            "schema {schema} 中已有一个不是 geoair 建立的表“{name}”，geoair 不会动它。请换一个 "
            "schema（在地址中写 ?schema=名称）。",
            "The schema {schema} already has a table {name!r} that geoair did not make; geoair "
            "leaves it alone. Use another schema (?schema=NAME in the URL).",
        ),
        "error.store.own_table": (
            "“{name}”是 geoair 自己的表，请换一个图层名称。",
            "{name!r} is geoair's own table; choose another layer name.",
        ),
        "store.schema_of": ("{server} 的 schema {schema}", "schema {schema} of {server}"),
        "store.settings_in_database": (
            "{location} 的设置（表 {table}；请用 geoair settings set 文件 修改）",
            "the settings of {location} (table {table}; fix them with geoair settings set FILE)",
        ),
        "store.new_settings": ("新的设置", "the new settings"),
        "store.built_in_settings": ("内置设置", "the built-in settings"),
        "error.store.unknown_kind": (
            "未知的类型“{kind}”。可选：{kinds}。",
            "Unknown kind {kind!r}. Choose one of: {kinds}.",
        ),
        "error.store.kind_choice": ("{name}（{zh}）", "{name} ({zh})"),
        "error.store.not_toml": (
            "{source} 不是有效的 TOML（{detail}）。请改正该行，或删除该文件后重新运行 geoair init "
            "得到默认设置。",
            "{source} is not valid TOML ({detail}). Fix that line, or delete the file and run "
            "geoair init again to get the defaults.",
        ),
        "error.store.settings_problems": (
            "{source}：{problems}。请改正或删除这些行。",
            "{source}: {problems}. Correct or remove these lines.",
        ),
        "error.store.setting_list_length": (
            "{key} 应为含 {n} 个值的列表",
            "{key} must be a list of {n} values",
        ),
        "error.store.setting_type": (
            "{key} 应为{kind}，而不是 {value}",
            "{key} must be {kind}, not {value}",
        ),
        "error.store.setting_unknown": (
            "未知的设置 {key}（{scope}可用的有：{known}）",
            "unknown setting {key} (known {scope}: {known})",
        ),
        "error.store.setting_scope_table": ("[{table}] 中", "in [{table}]"),
        "error.store.setting_scope_top": ("表", "tables"),
        "error.store.setting_missing": ("缺少 {key}", "{key} is missing"),
        "error.store.setting_choice": (
            "{key} 应为 {choices} 之一，而不是 {value}",
            "{key} must be one of {choices}, not {value}",
        ),
        "setting_type.number": ("数字", "a number"),
        "setting_type.whole_number": ("整数", "a whole number"),
        "setting_type.bool": ("true 或 false", "true or false"),
        "setting_type.text": ("带引号的文字", "a text in quotes"),
        "setting_type.list": ("列表 [...]", "a list [...]"),
        "setting_type.table": ("表", "a table"),
        "error.store.write_permission": (
            "无法写入 {target}：没有权限（{where}）。如果该文件已在 Excel 或其他程序中打开，请先"
            "关闭；或换一个可以写入的文件夹（--out）。",
            "Cannot write {target}: permission denied ({where}). If the file is open in Excel "
            "or another program, close it; or choose a folder you can write to (--out).",
        ),
        "error.store.write_failed": (
            "无法写入 {target}：{reason}。请换一个位置（--out），或清理磁盘空间。",
            "Cannot write {target}: {reason}. Choose another place (--out), or free some disk "
            "space.",
        ),
        "error.store.no_layer": (
            "工作区 {location} 还没有图层“{name}”。请先运行 {hint}。",
            "The workspace {location} has no layer {name!r} yet. Run {hint} first.",
        ),
        "error.store.no_layer_import": ("geoair import {name} 文件", "geoair import {name} FILE"),
        "error.store.no_layer_compute": ("计算它的命令", "the command that computes it"),
        "error.store.not_a_workspace": (
            "{root} 不是 geoair 工作区（没有 {gpkg}）。请先运行 geoair init {root}。",
            "{root} is not a geoair workspace (no {gpkg}). Run geoair init {root} first.",
        ),
        "error.store.already_workspace": (
            "{root} 已经是 geoair 工作区。请用 --workspace {root} 使用它，或换一个文件夹。",
            "{root} is already a geoair workspace. Use it with --workspace {root}, or choose "
            "another folder.",
        ),
        "error.store.no_workspace": (
            "{root} 中没有 geoair 工作区（没有 {gpkg}）。请用 geoair init {root} 新建，或用 "
            "--workspace 文件夹 或环境变量 GEOAIR_WORKSPACE 指向您的工作区。",
            "No geoair workspace in {root} (no {gpkg}). Create one with 'geoair init {root}', "
            "or point to yours with --workspace DIR or the GEOAIR_WORKSPACE variable.",
        ),
        "check.no_column": ("{path}（缺少列 {columns}）", "{path} (no column {columns})"),
    }
)

# Errors of reading and writing files (geoair/io) and of the readings (geoair/readings,
# geoair/distributed).
_add(
    {
        "error.io.bad_coords": (
            "--coords “{text}”不是 geoair 认识的坐标系。请用 wgs84（GPS、天地图、CGCS2000）、"
            "gcj02（高德、腾讯）、bd09（百度）或 EPSG:编号。",
            "--coords {text!r} is not a coordinate system geoair knows. Use wgs84 (GPS, "
            "Tianditu, CGCS2000), gcj02 (Amap/Gaode, Tencent), bd09 (Baidu) or EPSG:number.",
        ),
        "error.io.empty_layer": (
            "图层是空的，无法为它选择以米为单位的坐标系。",
            "Cannot choose a metric coordinate system for an empty layer.",
        ),
        "error.io.no_crs": (
            "{what}没有坐标系。请用 geoair import 导入（导入时会设定坐标系），或用 --coords 指明。",
            "{what} has no coordinate system. Import it with geoair import, which sets one, or "
            "say which with --coords.",
        ),
        "error.io.not_wgs84": (
            "{what}的坐标系是 {crs}，应为 EPSG:4326（WGS-84）。请用 geoair import 重新导入。",
            "{what} is in {crs}, expected EPSG:4326 (WGS-84). Import it again with geoair import.",
        ),
        "error.io.the_layer": ("{name}图层", "the {name} layer"),
        "error.io.a_layer": ("图层", "the layer"),
        "error.io.buffer_layer": ("要做缓冲区的图层", "the layer to buffer"),
        "error.io.no_file": (
            "{path} 不存在，请检查文件名和文件夹。",
            "{path} does not exist. Check the name and folder.",
        ),
        "error.io.not_osm": (
            "{name} 不能作为 OpenStreetMap 数据读取（{detail}）。请重新下载（从 OpenStreetMap "
            "镜像站下载 .osm.pbf 文件），或把道路导出为 GeoPackage 或 Shapefile。",
            "{name} cannot be read as an OpenStreetMap extract ({detail}). Download it again (a "
            ".osm.pbf file from an OpenStreetMap mirror), or export your roads as a GeoPackage "
            "or Shapefile.",
        ),
        "error.io.cell_too_long": (
            "“{column}”有 {n} 个值超过 Excel 单元格的上限（{limit:,} 个字符）。请把 {name} "
            "写成 csv、gpkg 或 geojson。",
            "{n} value(s) of {column!r} are longer than an Excel cell holds ({limit:,} "
            "characters). Write {name} as csv, gpkg or geojson instead.",
        ),
        "error.io.bad_suffix": (
            "不能写出“{suffix}”文件。可选：{choices}。",
            "Cannot write '{suffix}' files. Use one of: {choices}.",
        ),
        "error.io.geojson_table": (
            "GeoJSON 需要带图形的图层；表格请写成 .csv 或 .xlsx。",
            "GeoJSON needs a layer with geometry; use .csv or .xlsx for tables.",
        ),
        "error.readings.no_breakpoints": (
            "HJ 633-2012 没有 {pollutant} {averaging} 的分段浓度限值。已有：{known}。",
            "HJ 633-2012 has no breakpoints for {pollutant} {averaging}. Known: {known}.",
        ),
        "error.readings.no_breakpoints_short": (
            "HJ 633-2012 没有 {pollutant} {averaging} 的分段浓度限值。",
            "HJ 633-2012 has no breakpoints for {pollutant} {averaging}.",
        ),
        "error.readings.unknown_period": (
            "未知的时段“{period}”；可选：{choices}。",
            "Unknown period {period!r}; choose one of {choices}.",
        ),
        "error.readings.unknown_period_mqy": (
            "未知的时段“{period}”；可选：month（月）、quarter（季度）、year（年）。",
            "Unknown period {period!r}; choose month, quarter or year.",
        ),
        "error.readings.lacks_columns": (
            "小时监测数据缺少列 {columns}；需要 station_id、time、pollutant、value（长表）。",
            "Hourly readings lack the column(s) {columns}; they need station_id, time, "
            "pollutant, value (long form).",
        ),
        "error.readings.no_files": (
            "没有与 {pattern} 对应的监测数据文件。请先导入监测数据（geoair import readings "
            "文件）。",
            "No readings files match {pattern}. Import readings first (geoair import readings "
            "FILE).",
        ),
        "error.readings.park_units_no_parks": (
            "[targets.park_units] 把 {units} 对应到园区，但工作区没有园区图层。请用 geoair "
            "import parks 文件 导入园区，或从 geoair.toml 中删除这些行。",
            "[targets.park_units] links {units} to parks, but the workspace has no parks "
            "layer. Import the parks with geoair import parks FILE, or remove these lines from "
            "geoair.toml.",
        ),
        "error.readings.park_units_unknown": (
            "[targets.park_units] 写了园区图层中没有的园区（{problems}）。请写园区图层中的编号"
            "或名称，如 {examples}。",
            "[targets.park_units] names parks the parks layer does not have ({problems}). Use "
            "park ids or names as in the parks layer, e.g. {examples}.",
        ),
        "error.readings.no_hourly": (
            "工作区 {location} 还没有小时监测数据。请用 geoair import readings 文件 导入（或运行 "
            "geoair demo）。",
            "The workspace {location} has no hourly readings yet. Import them with geoair "
            "import readings FILE (or run geoair demo).",
        ),
        "error.readings.unknown_scope": (
            "未知的目标范围“{scope}”：请用 station（站点）、county（县区）、city（全市）或 park"
            "（园区）。",
            "Unknown target scope {scope!r}: use station, county, city or park.",
        ),
        "error.distributed.no_files": (
            "没有与 {pattern} 对应的监测数据文件。请先导入监测数据（geoair import readings "
            "文件），或给出每台计算机都能读取的数据文件夹或地址。",
            "No readings files match {pattern}. Import readings first (geoair import readings "
            "FILE), or give the store's folder or URL that every worker can read.",
        ),
    }
)

# The web app (geoair serve): its pages, the page script's texts (web.js), the steps,
# their parameters and what they need, refusals; web.column.*: the English labels of
# result columns (in Chinese a column takes its header from geoair.store.fields).
_add(
    {
        "web.app_title": ("geoair 大气污染防治监管", "geoair air-pollution supervision"),
        "web.nav_overview": ("概览", "Overview"),
        "web.nav_import": ("导入", "Import"),
        "web.nav_work": ("本月工作", "This month"),
        "web.nav_map": ("地图", "Map"),
        "web.nav_downloads": ("下载", "Downloads"),
        "web.other_lang": ("English", "中文"),
        "web.workspace": ("工作区：", "Workspace: "),
        "web.logged_in_as": ("当前用户：", "Signed in as "),
        "web.sep": ("：", ": "),
        "web.paren_open": ("（", " ("),
        "web.paren_close": ("）", ")"),
        "web.logout": ("退出登录", "Sign out"),
        "web.footer_api": ("接口说明（OpenAPI）", "API description (OpenAPI)"),
        "web.loading": ("加载中…", "Loading…"),
        "web.login_title": ("登录", "Sign in"),
        "web.login_intro": (
            "此服务器对局域网开放，请用管理员以 geoair users add 添加的账号登录。",
            "This server is open to the network: sign in with an account the administrator added "
            "with geoair users add.",
        ),
        "web.login_name": ("用户名", "User name"),
        "web.login_password": ("密码", "Password"),
        "web.login_submit": ("登录", "Sign in"),
        "web.login_failed": ("用户名或密码不正确。", "Wrong user name or password."),
        "web.login_locked": (
            "登录失败次数过多，请{minutes}分钟后再试。",
            "Too many failed sign-ins; try again in {minutes} minutes.",
        ),
        "web.login_needed": ("请先登录。", "Please sign in first."),
        "web.csrf_refused": (
            "请求缺少有效的安全令牌（CSRF），已拒绝；请刷新页面后重试。脚本请先 GET /api/session 取"
            "得令牌，并在请求头 X-CSRF-Token 中发送。",
            "Refused: the request lacks a valid CSRF token. Reload the page and try again; scripts "
            "get one from GET /api/session and send it in the X-CSRF-Token header.",
        ),
        "web.origin_refused": (
            "请求来自其他网站，已拒绝。",
            "Refused: the request comes from another site.",
        ),
        "web.host_refused": (
            "此服务器只接受本机地址（127.0.0.1 或 localhost）的访问。",
            "This server answers only on this computer's own address (127.0.0.1 or localhost).",
        ),
        "web.internal_error": (
            "内部错误，请查看服务器日志。",
            "Internal error; see the server's log.",
        ),
        "web.not_found": ("没有找到。", "Not found."),
        "web.bad_request": (
            '请求的格式不对（{where}）：参数请以 JSON 对象发送，如 {{"month": "2024-03"}}。',
            "The request is malformed ({where}): send the parameters as a JSON object, e.g. "
            '{{"month": "2024-03"}}.',
        ),
        "web.no_such_layer": (
            "工作区没有图层或数据表“{name}”。",
            "The workspace has no layer or table {name!r}.",
        ),
        "web.no_such_job": ("没有编号为 {id} 的任务。", "No job {id}."),
        "web.no_such_file": ("没有这个文件。", "No such file."),
        "web.unknown_kind": (
            "“{kind}”不是可导入的类型；可导入：{kinds}。",
            "Unknown kind {kind!r}; geoair imports: {kinds}.",
        ),
        "web.unknown_step": (
            "没有名为“{name}”的步骤；可运行：{steps}。",
            "No step {name!r}; steps: {steps}.",
        ),
        "web.param_unknown": (
            "没有参数“{name}”（可用：{known}）",
            "Unknown parameter {name!r} (known: {known}).",
        ),
        "web.param_required": ("请填写{label}", "{label} is required."),
        "web.param_bad_number": (
            "{label}：“{value}”不是正数",
            "{label}: {value!r} is not a positive number.",
        ),
        "web.param_bad_int": (
            "{label}：“{value}”不是正整数",
            "{label}: {value!r} is not a positive whole number.",
        ),
        "web.param_bad_month": (
            "{label}：“{value}”不是月份，请写成 2024-03",
            "{label}: {value!r} is not a month; write 2024-03.",
        ),
        "web.param_bad_date": (
            "{label}：“{value}”不是日期，请写成 2024-03-05",
            "{label}: {value!r} is not a date; write 2024-03-05.",
        ),
        "web.param_bad_choice": (
            "{label}：“{value}”不是可选值",
            "{label}: {value!r} is not one of the choices.",
        ),
        "web.param_bad_bool": ("{label}：“{value}”不是是/否", "{label}: {value!r} is not yes/no."),
        "web.param_bad_layer": (
            "{label}：工作区没有“{value}”",
            "{label}: the workspace has no {value!r}.",
        ),
        "web.param_bad_text": ("{label}：太长", "{label}: too long."),
        "web.overview_title": ("概览", "Overview"),
        "web.overview_layers": ("图层和数据表", "Layers and tables"),
        "web.overview_empty": (
            "工作区还是空的：先到“导入”页导入台账和记录。",
            "The workspace is empty: import ledgers and records on the Import page first.",
        ),
        "web.col_layer": ("名称", "Name"),
        "web.col_layer_id": ("图层名", "Layer"),
        "web.col_count": ("条数", "Rows"),
        "web.col_kind": ("类型", "Kind"),
        "web.kind_layer": ("图层", "layer"),
        "web.kind_table": ("数据表", "table"),
        "web.preview": ("在地图上查看", "view on a map"),
        "web.geojson": ("GeoJSON", "GeoJSON"),
        "web.overview_latest": ("各类记录的最新月份", "Latest month of each kind of record"),
        "web.col_record": ("记录", "Record"),
        "web.col_latest": ("最新月份", "Latest month"),
        "web.col_latest_day": ("最后一天", "Last day"),
        "web.overview_steps": ("各步骤所需数据", "What each step needs"),
        "web.col_step": ("步骤", "Step"),
        "web.col_status": ("状态", "Status"),
        "web.ready": ("可以运行", "ready"),
        "web.need_gates": (
            "没有厂门图层，无法计算厂门100米道路",
            "No gates layer: the 100 m gate roads cannot be computed",
        ),
        "web.need_roads": (
            "没有道路图层，无法计算厂门100米道路",
            "No roads layer: the 100 m gate roads cannot be computed",
        ),
        "web.need_stations_indicators": (
            "没有监测站图层，无法计算监测指标",
            "No stations layer: indicators cannot be computed",
        ),
        "web.need_readings_indicators": (
            "没有小时监测数据，无法计算监测指标",
            "No hourly readings: indicators cannot be computed",
        ),
        "web.need_targets": (
            "没有考核目标，无法进行目标考核",
            "No targets: targets cannot be checked",
        ),
        "web.need_stations_targets": (
            "没有监测站图层，无法进行目标考核",
            "No stations layer: targets cannot be checked",
        ),
        "web.need_readings_targets": (
            "没有小时监测数据，无法进行目标考核",
            "No hourly readings: targets cannot be checked",
        ),
        "web.need_parks": (
            "没有园区图层，无法进行园区评分",
            "No parks layer: parks cannot be scored",
        ),
        "web.need_stations_suspects": (
            "没有监测站图层，无法分析疑似污染源",
            "No stations layer: suspects cannot be ranked",
        ),
        "web.need_readings_suspects": (
            "没有小时监测数据（含风向、风速），无法分析疑似污染源",
            "No hourly readings (with wind): suspects cannot be ranked",
        ),
        "web.need_sources_suspects": (
            "没有企业、矸石山或园区图层，无法分析疑似污染源",
            "No enterprises, gangue heaps or parks: suspects cannot be ranked",
        ),
        "web.need_sites_patrol": (
            "没有企业或矸石山图层，无法制定巡查计划",
            "No enterprises or gangue heaps: no patrol can be planned",
        ),
        "web.need_layers_map": (
            "工作区还没有图层，无法绘制地图",
            "The workspace has no layer yet: no map can be drawn",
        ),
        "web.need_records_forms": (
            "没有检查记录或案件，无法生成报表",
            "No inspections or cases: the forms cannot be filled",
        ),
        "web.import_title": ("导入数据", "Import data"),
        "web.import_intro": (
            "选择数据类型和文件后导入。无法导入的行会列在下方，并说明行号和原因；其余行照常导入。",
            "Choose the kind and the file. Rows that cannot be imported are listed below with "
            "their row number and the reason; the others are imported.",
        ),
        "web.import_kind": ("数据类型", "Kind"),
        "web.import_file": ("文件", "File"),
        "web.import_drop": (
            "把文件拖到这里，或点击选择文件（Excel、CSV、GeoPackage、GeoJSON、KML、压缩的 "
            "Shapefile）",
            "Drop a file here, or click to choose one (Excel, CSV, GeoPackage, GeoJSON, KML, "
            "zipped Shapefile)",
        ),
        "web.import_chosen": ("已选择：", "Chosen:"),
        "web.import_coords": ("坐标系", "Coordinate system"),
        "web.coords_default": (
            "文件自带，或工作区默认（WGS-84）",
            "the file's own, else the workspace default (WGS-84)",
        ),
        "web.coords_wgs84": ("WGS-84（GPS、天地图）", "WGS-84 (GPS, Tianditu)"),
        "web.coords_gcj02": (
            "GCJ-02（从高德、腾讯地图上取的坐标）",
            "GCJ-02 (copied from Amap, Tencent)",
        ),
        "web.coords_bd09": ("BD-09（从百度地图上取的坐标）", "BD-09 (copied from Baidu)"),
        "web.coords_4546": (
            "CGCS2000 高斯-克吕格 111°E（EPSG:4546）",
            "CGCS2000 GK 111°E (EPSG:4546)",
        ),
        "web.coords_4547": (
            "CGCS2000 高斯-克吕格 114°E（EPSG:4547）",
            "CGCS2000 GK 114°E (EPSG:4547)",
        ),
        "web.import_coords_other": ("或其他坐标系（EPSG 编号）", "or another system (EPSG code)"),
        "web.import_encoding": ("文字编码", "Text encoding"),
        "web.encoding_auto": ("自动识别", "detect"),
        "web.import_sheet": ("工作表（Excel，默认第一个）", "Sheet (Excel; default the first)"),
        "web.import_date": (
            "日期（附件2检查日期；目标附件的年份）",
            "Date (of an annex 2 checklist; the year of the target annexes)",
        ),
        "web.import_replace": ("替换整个图层（而不是按编号合并）", "Replace the whole layer"),
        "web.import_submit": ("导入", "Import"),
        "web.import_running": ("正在导入…", "Importing…"),
        "web.import_too_big": (
            "文件大于上传上限 {mb} MB，请拆分后再导入。",
            "The file is larger than the upload limit of {mb} MB; split it.",
        ),
        "web.import_no_file": ("请先选择文件。", "Choose a file first."),
        "web.import_summary": (
            "{source}：读取 {rows_read} 行，导入 {imported} 行（其中替换已有 {replaced} 行），退回 "
            "{rejected} 行。",
            "{source}: {rows_read} rows read, {imported} imported ({replaced} replaced rows "
            "already there), {rejected} rejected.",
        ),
        "web.import_notes": ("说明", "Notes"),
        "web.import_rejects": ("无法导入的行", "Rows not imported"),
        "web.import_rejects_download": (
            "下载退回行（CSV，可用 Excel 打开）",
            "Download the rejects (CSV)",
        ),
        "web.import_no_rejects": ("所有行都已导入。", "Every row was imported."),
        "web.import_rejects_more": (
            "页面只显示前 {shown} 行，共 {total} 行；完整内容请下载 CSV。",
            "Showing {shown} of {total} rows; download the CSV for all.",
        ),
        "web.import_next": ("下一步", "Next"),
        "web.import_span": ("范围", "Span"),
        "web.import_error": ("未导入：", "Not imported:"),
        "web.work_title": ("本月工作", "This month's work"),
        "web.work_intro": (
            "按顺序运行各步骤；运行时显示进度，结果以表格列出，并写入工作区（与命令行相同）。",
            "Run the steps in order; progress shows while a step runs, results appear as tables "
            "and are written to the workspace (as the command line does).",
        ),
        "web.run": ("运行", "Run"),
        "web.run_again": ("再次运行", "Run again"),
        "web.state_queued": ("排队等候…", "queued…"),
        "web.state_running": ("运行中…", "running…"),
        "web.state_done": ("完成", "done"),
        "web.state_failed": ("失败", "failed"),
        "web.seconds": ("{s} 秒", "{s} s"),
        "web.details": ("详细信息", "Details"),
        "web.files": ("文件", "Files"),
        "web.rows_shown": ("显示前 {shown} 行，共 {total} 行", "Showing {shown} of {total} rows"),
        "web.cannot_run": ("暂时无法运行：", "Cannot run yet:"),
        "web.recent_jobs": ("最近的任务", "Recent jobs"),
        "web.step_gate_roads": ("厂门100米道路", "Gate roads (100 m)"),
        "web.step_indicators": (
            "监测指标（日均值、AQI、月均值）",
            "Indicators (daily AQI, monthly values)",
        ),
        "web.step_targets": ("目标考核", "Targets check"),
        "web.step_park_scores": ("园区评分排名", "Park scores and ranking"),
        "web.step_suspects": ("疑似污染源（上风向）", "Upwind suspects"),
        "web.step_patrol_plan": ("巡查计划", "Patrol plan"),
        "web.step_map": ("地图", "Map"),
        "web.step_forms": ("报表", "Forms"),
        "web.step_export": ("导出图层", "Export a layer"),
        "web.p_radius_m": ("半径（米）", "Radius (m)"),
        "web.p_month": ("月份（如 2024-03，默认最新）", "Month (e.g. 2024-03; default the latest)"),
        "web.p_period": ("时段", "Period"),
        "web.p_by": ("统计对象", "By"),
        "web.p_start": ("起始日期", "First day"),
        "web.p_end": ("结束日期", "Last day"),
        "web.p_period_text": (
            "时段（如 2024-03 或 2024-01/2024-03，默认逐月）",
            "Period (e.g. 2024-03 or 2024-01/2024-03; default every month)",
        ),
        "web.p_pollutant": ("污染物", "Pollutant"),
        "web.p_date": (
            "巡查日期（默认最后一条记录的次日）",
            "Day (default: the day after the last record)",
        ),
        "web.p_teams": ("巡查组数", "Teams"),
        "web.p_stops": ("每组点位数", "Stops per team"),
        "web.p_start_place": ("出发地点（名称或 经度,纬度）", "Start (a name or lon,lat)"),
        "web.p_county": ("县区（默认全部）", "County (default all)"),
        "web.p_tiles": ("底图", "Basemap"),
        "web.p_png": ("同时生成报告用 PNG 图（300 dpi）", "Also the 300-dpi PNG for reports"),
        "web.p_layer": ("图层或数据表", "Layer or table"),
        "web.p_format": ("格式", "Format"),
        "web.p_crs": ("坐标系", "Coordinate system"),
        "web.period_month": ("月", "month"),
        "web.period_quarter": ("季度", "quarter"),
        "web.period_year": ("年", "year"),
        "web.period_day": ("日", "day"),
        "web.tiles_default": ("设置中的底图", "as in the settings"),
        "web.tiles_osm": ("OpenStreetMap", "OpenStreetMap"),
        "web.tiles_tianditu": ("天地图（需密钥）", "Tianditu (needs a key)"),
        "web.tiles_amap": ("高德（GCJ-02）", "Amap (GCJ-02)"),
        "web.tiles_none": ("无底图（县区界为底图）", "none (county outlines)"),
        "web.crs_default": ("设置中的坐标系", "as in the settings"),
        "web.crs_wgs84": ("WGS-84", "WGS-84"),
        "web.crs_cgcs2000": ("CGCS2000（EPSG:4490）", "CGCS2000 (EPSG:4490)"),
        "web.crs_gcj02": ("GCJ-02（用于高德、腾讯）", "GCJ-02 (for Amap, Tencent)"),
        "web.crs_4546": ("CGCS2000 高斯-克吕格 111°E", "CGCS2000 GK 111°E"),
        "web.crs_4547": ("CGCS2000 高斯-克吕格 114°E", "CGCS2000 GK 114°E"),
        "web.fmt_gpkg": ("GeoPackage（QGIS）", "GeoPackage (QGIS)"),
        "web.fmt_xlsx": ("Excel", "Excel"),
        "web.fmt_csv": ("CSV（Excel 可打开）", "CSV"),
        "web.fmt_shp": ("Shapefile（zip）", "Shapefile (zip)"),
        "web.fmt_kml": ("KML（平板、手机地图）", "KML (tablets)"),
        "web.fmt_geojson": ("GeoJSON", "GeoJSON"),
        "web.fmt_parquet": ("GeoParquet", "GeoParquet"),
        "web.t_county_totals": ("各县区清扫长度", "Metres to sweep per county"),
        "web.t_sweep_tasks": ("清扫任务（按企业）", "Sweeping tasks (per enterprise)"),
        "web.t_gate_findings": ("需核查的厂门", "Gates to check"),
        "web.t_indicators": ("监测指标", "Indicators"),
        "web.t_targets": ("目标考核（未达标在前）", "Targets (missed first)"),
        "web.t_park_scores": ("园区排名", "Park ranking"),
        "web.t_suspects": ("各站点前三位疑似污染源", "Top-3 suspects per station"),
        "web.t_routes": ("各组路线", "Routes per team"),
        "web.t_stops": ("巡查点位", "Stops"),
        "web.map_county_unsupported": (
            "此版本的地图还不能按县区筛选：已绘制全部县区。",
            "This version's map cannot be limited to a county yet: every county is drawn.",
        ),
        "web.map_title": ("地图", "Map"),
        "web.map_intro": (
            "生成与 geoair map 相同的交互地图（离线可用）。点击要素查看记录，左上角可按名称搜索。",
            "Draws the interactive map of geoair map (works offline). Click a feature for its "
            "records; search by name at the top left.",
        ),
        "web.map_draw": ("生成地图", "Draw the map"),
        "web.map_open": ("在新窗口打开", "Open in a new window"),
        "web.map_existing": ("已生成的地图", "Maps already drawn"),
        "web.layer_title": ("图层：{name}", "Layer: {name}"),
        "web.layer_features": ("{n} 个要素", "{n} features"),
        "web.downloads_title": ("下载", "Downloads"),
        "web.downloads_forms": (
            "报表（附件2问题清单、附件3汇总表、调度表、PM2.5目标完成情况）",
            "Forms (annex 2 checklists, annex 3 summary, dispatch table, PM2.5 against targets)",
        ),
        "web.downloads_forms_go": ("生成报表", "Write the forms"),
        "web.downloads_export": (
            "导出图层（GIS、Excel、KML 等格式）",
            "Export a layer (GIS, Excel, KML...)",
        ),
        "web.downloads_export_go": ("导出", "Export"),
        "web.downloads_patrol": (
            "巡查路线文件（GPX、KML、Excel、地图）",
            "Patrol files (GPX, KML, Excel, map)",
        ),
        "web.downloads_patrol_none": (
            "还没有巡查计划：在“本月工作”中运行“巡查计划”。",
            "No patrol plan yet: run the patrol plan under This month.",
        ),
        "web.downloads_all": ("工作区的全部输出文件", "Every output file of the workspace"),
        "web.downloads_none": ("还没有输出文件。", "No output files yet."),
        "web.col_file": ("文件", "File"),
        "web.col_size": ("大小", "Size"),
        "web.col_time": ("时间", "Modified"),
        "web.column.county": ("县区", "county"),
        "web.column.enterprises": ("企业数", "enterprises"),
        "web.column.gates": ("厂门", "gates"),
        "web.column.length_m": ("长度（米）", "length (m)"),
        "web.column.enterprise_name": ("企业名称", "enterprise"),
        "web.column.n_gates": ("厂门数", "gates"),
        "web.column.roads": ("道路", "roads"),
        "web.column.gates_without_road": ("范围内无道路的厂门", "gates without road"),
        "web.column.gate_id": ("厂门编号", "gate id"),
        "web.column.gate_name": ("厂门名称", "gate"),
        "web.column.finding_zh": ("问题说明", "finding"),
        "web.column.distance_m": ("距离（米）", "distance (m)"),
        "web.column.station": ("站点名称", "station"),
        "web.column.station_name": ("站点名称", "station"),
        "web.column.park": ("园区", "park"),
        "web.column.date": ("日期", "date"),
        "web.column.period": ("时段", "period"),
        "web.column.aqi": ("AQI", "AQI"),
        "web.column.category": ("空气质量类别", "category"),
        "web.column.composite_index": ("综合指数", "composite index"),
        "web.column.good_days": ("优良天数", "good days"),
        "web.column.validity": ("有效性", "validity"),
        "web.column.CO_p95": ("CO第95百分位（mg/m³）", "CO (95th pct)"),
        "web.column.O3_8h_p90": ("O3日最大8小时第90百分位（μg/m³）", "O3-8h (90th pct)"),
        "web.column.scope": ("范围", "scope"),
        "web.column.target_name": ("对象", "target"),
        "web.column.metric": ("指标", "metric"),
        "web.column.actual": ("实测值", "actual"),
        "web.column.target": ("目标值", "target"),
        "web.column.difference": ("差值（实测−目标）", "difference"),
        "web.column.met": ("达标情况", "met"),
        "web.column.rank": ("排名", "rank"),
        "web.column.name": ("名称", "name"),
        "web.column.source_kind": ("污染源类型", "kind"),
        "web.column.industry": ("行业", "industry"),
        "web.column.bearing_deg": ("方位角（度）", "bearing (°)"),
        "web.column.sector": ("方位", "sector"),
        "web.column.score": ("得分", "score"),
        "web.column.team": ("组", "team"),
        "web.column.stops": ("点位数", "stops"),
        "web.column.stop": ("顺序", "order"),
        "web.column.kind_zh": ("点位类型", "kind"),
        "web.column.why": ("选中原因", "why"),
        "web.column.reasons": ("原因", "reasons"),
        "web.column.leg_m": ("本段距离（米）", "leg (m)"),
        "layer.import_log": ("导入记录", "import log"),
        "web.problem_sep": ("；", " "),
        "error.web.not_started": (
            "网页服务没有在 {host}:{port} 上启动，请查看服务器日志。",
            "the web server did not start on {host}:{port}; see the server's log.",
        ),
        "progress.web.export": ("导出 {layer}（{fmt}）", "exporting {layer} as {fmt}"),
    }
)

# The help of the command line (geoair --help, geoair COMMAND --help), said by
# geoair.cli._help: help.COMMAND[.SUBCOMMAND] for a command, help.COMMAND.OPTION for its
# option (an option shared by a group's commands at the group, one shared across geoair
# at help.option.OPTION), help.click.* for click's own words.
_add(
    {
        "help.click.usage": ("用法：", "Usage:"),
        "help.click.options": ("选项：", "Options:"),
        "help.click.commands": ("命令：", "Commands:"),
        "help.click.options_metavar": ("[选项]", "[OPTIONS]"),
        "help.click.command_metavar": ("命令 [参数]...", "COMMAND [ARGS]..."),
        "help.click.default": ("默认：{default}", "default: {default}"),
        "help.click.env_var": ("环境变量：{var}", "env var: {var}"),
        "help.click.required": ("必填", "required"),
        "help.click.try": (
            "运行 '{command} {option}' 查看帮助。",
            "Try '{command} {option}' for help.",
        ),
        "help.option.help": ("显示此帮助并退出。", "Show this message and exit."),
        "help.option.workspace": (
            "工作区文件夹，或 postgresql://用户@主机[:端口]/库名[?schema=名称]"
            "（默认：环境变量 $GEOAIR_WORKSPACE，否则为当前文件夹）。",
            "Workspace folder or postgresql://user@host[:port]/db[?schema=NAME] "
            "(default: $GEOAIR_WORKSPACE, else the current folder).",
        ),
        "help.option.out": (
            "同时把结果写入此文件，格式由扩展名决定（.csv、.xlsx、.gpkg、.geojson、.parquet）。",
            "Also write the result to this file; its extension picks the format "
            "(.csv, .xlsx, .gpkg, .geojson, .parquet).",
        ),
        "help.option.month": (
            "月份，如 2024-03（默认：有数据的最近一个月）。",
            "Month, e.g. 2024-03 (default: the latest month that has data).",
        ),
        "help.option.engine": (
            "single：本机计算；dask：用 Dask 集群计算（需 pip install 'geoair[dask]'），"
            "即 --scheduler 指定的集群，或由 --workers 个进程组成的本机集群。",
            "single: this machine; dask: a Dask cluster (pip install 'geoair[dask]'), "
            "the one at --scheduler or a local one of --workers processes.",
        ),
        "help.option.scheduler": (
            "与 --engine dask 同用：正在运行的 Dask 调度器的地址，如 "
            "tcp://192.168.1.10:8786（用 dask scheduler 启动）。",
            "With --engine dask: address of a running Dask scheduler, e.g. "
            "tcp://192.168.1.10:8786 (started with: dask scheduler).",
        ),
        "help.option.workers": (
            "与 --engine dask 同用且未给 --scheduler 时：本机集群的工作进程数（默认 2）。",
            "With --engine dask and no --scheduler: worker processes of the local "
            "cluster (default 2).",
        ),
        "help.geoair": (
            "geoair：生态环境局的扬尘与大气污染监管工具。\n\n"
            "从 geoair demo 开始（用阳泉的示例数据建一个工作区），"
            "或用 geoair init 文件夹 和 geoair import 类型 文件 导入自己的数据。"
            "输出默认为中文；geoair --lang en 输出英文。",
            "geoair: dust and air-pollution supervision for environmental bureaus.\n\n"
            "Start with 'geoair demo' to build a workspace from the sample data of "
            "Yangquan, or 'geoair init DIR' and 'geoair import KIND FILE' for your own "
            "data. Output is in Chinese; geoair --lang en gives English.",
        ),
        "help.geoair.verbose": (
            "显示更多细节（-vv 用于调试）。",
            "More detail (-vv for debugging).",
        ),
        "help.geoair.quiet": ("只显示错误。", "Only errors."),
        "help.geoair.lang": (
            "消息和报表的语言：zh 中文（默认）或 en 英文（默认：环境变量 $GEOAIR_LANG，"
            "否则 zh）。写在命令之前：geoair --lang en demo。",
            "Language of messages, report tables and this help: zh Chinese (default) or "
            "en English (default: $GEOAIR_LANG, else zh). Give it before the command: "
            "geoair --lang en demo.",
        ),
        "help.geoair.version": ("显示版本并退出。", "Show the version and exit."),
        "help.buffer": (
            "把图层的每个要素按 --distance 米（实地米数）做缓冲区，用于地图和叠加分析："
            "stations、heaps、parks、enterprises、gates、counties 或 roads。\n\n"
            "\b\ngeoair buffer stations --distance 1000\n"
            "geoair buffer heaps --distance 500 --out 矸石山500米.gpkg",
            "Buffer every feature of a layer by --distance metres (true ground metres), "
            "for maps and joins: stations, heaps, parks, enterprises, gates, counties or "
            "roads.\n\n"
            "\b\ngeoair buffer stations --distance 1000\n"
            "geoair buffer heaps --distance 500 --out 矸石山500米.gpkg",
        ),
        "help.buffer.distance": (
            "缓冲距离（米），如 1000。",
            "Buffer distance in metres, e.g. 1000.",
        ),
        "help.buffer.vertices": (
            "整圆的顶点数（默认：[buffers] circle_vertices，72）。",
            "Vertices of a full circle (default: [buffers] circle_vertices, 72).",
        ),
        "help.buffer.name": (
            "写入的工作区图层名（默认：KIND_buffer_DISTANCEm，如 stations_buffer_1000m）。",
            "Workspace layer to write (default: KIND_buffer_DISTANCEm, e.g. "
            "stations_buffer_1000m).",
        ),
        "help.check": (
            "检查工作区是否完好：workspace.gpkg 是通过 SQLite 完整性检查的 GeoPackage，"
            "有 geoair 需要的表，每个图层都可读取，每个监测数据文件（Parquet）都可读取，"
            "geoair.toml 有效。不做任何更改。发现问题时退出状态为 1。",
            "Check that the workspace is whole: workspace.gpkg is a GeoPackage that "
            "SQLite's integrity check passes, with the tables geoair needs, every layer "
            "readable, every readings file (Parquet) readable, geoair.toml valid. Changes "
            "nothing. Exit status 1 when something is broken.",
        ),
        "help.copy": (
            "把工作区 SOURCE 的全部图层、表、设置和监测数据复制到 DEST"
            "（文件夹或 postgresql://用户@主机[:端口]/库名[?schema=名称]，两个方向都可以），"
            "并报告两边每个表的行数。\n\n"
            "\b\ngeoair copy ./geoair-demo postgresql://analyst@gis-server/bureau\n"
            "geoair copy postgresql://analyst@gis-server/bureau ./backup-2024-03",
            "Copy every layer, table, the settings and the readings of the workspace "
            "SOURCE into DEST, a folder or postgresql://user@host[:port]/db[?schema=NAME], "
            "either way; report the rows of each table on both sides.\n\n"
            "\b\ngeoair copy ./geoair-demo postgresql://analyst@gis-server/bureau\n"
            "geoair copy postgresql://analyst@gis-server/bureau ./backup-2024-03",
        ),
        "help.copy.readings": (
            "新的数据库工作区存放监测数据的文件夹（默认 ./readings）。",
            "Where a new database workspace keeps its readings (default ./readings).",
        ),
        "help.copy.replace": (
            "覆盖 DEST 中已有的图层和监测数据。",
            "Overwrite the layers and readings DEST already holds.",
        ),
        "help.demo": (
            "用阳泉的示例数据在 DIRECTORY（默认 ./geoair-demo）或数据库"
            "（postgresql://用户@主机/库名）中建一个工作区，并在上面运行全部分析。"
            "之后可用 --workspace DIRECTORY 试用任何命令。",
            "Build a workspace in DIRECTORY (default ./geoair-demo), or in a database "
            "(postgresql://user@host/db), from the sample data of Yangquan and run every "
            "analysis on it. Then try any command with --workspace DIRECTORY.",
        ),
        "help.export": (
            "把工作区的图层或表 KIND 写成文件：enterprises、gates、parks、gate_roads、"
            "park_scores、patrol_routes……（KIND 不认识时，列出工作区已有的图层和表）。",
            "Write layer or table KIND of the workspace to a file: enterprises, gates, "
            "parks, gate_roads, park_scores, patrol_routes... (an unknown KIND gets the "
            "list of what the workspace holds).",
        ),
        "help.export.format": (
            "gpkg（QGIS）、shp（较老的 GIS）、geojson（网页）、kml（平板、手机地图应用）、"
            "parquet（GeoParquet）、csv 或 xlsx（Excel）。默认：按 --out 的扩展名，否则 gpkg。",
            "gpkg (QGIS), shp (older GIS), geojson (web), kml (tablets, phone map apps), "
            "parquet (GeoParquet), csv or xlsx (Excel). Default: from --out's extension, "
            "else gpkg.",
        ),
        "help.export.crs": (
            "wgs84（默认）、cgcs2000（EPSG:4490）、gcj02（高德/腾讯应用；文件名加 _GCJ02）"
            "或 EPSG:n。默认：geoair.toml 中的 [export] crs。",
            "wgs84 (default), cgcs2000 (EPSG:4490), gcj02 (Amap/Tencent apps; the file "
            "name gets _GCJ02) or EPSG:n. Default: [export] crs in geoair.toml.",
        ),
        "help.export.encoding": (
            "Shapefile 的文字编码（写在 .cpg 文件中）。默认：geoair.toml 中的 [export] "
            "shapefile_encoding。",
            "Shapefile text encoding (a .cpg file names it). Default: [export] "
            "shapefile_encoding in geoair.toml.",
        ),
        "help.export.style_by": (
            "KML：按哪个字段的值分颜色和文件夹（默认：status、kind、treatment……图层有哪个用哪个）。",
            "KML: the field whose values choose colours and folders (default: status, "
            "kind, treatment... whichever the layer has).",
        ),
        "help.export.out": (
            "输出文件（默认：工作区中的 outputs/KIND.EXT）。",
            "Output file (default: outputs/KIND.EXT in the workspace).",
        ),
        "help.forms": (
            "把当月的附件2问题清单和附件3监管情况汇总表（阳环函〔2024〕6号）、"
            "每周调度表（晋市生态环保委办〔2023〕4号）和 PM2.5 目标对照表"
            "（阳政办发〔2020〕131号 附件1）写成 Excel 工作簿，表头与文件一致。",
            "Write the month's 附件2 problem list and 附件3 supervision summary "
            "(阳环函〔2024〕6号), the weekly dispatch tables (晋市生态环保委办〔2023〕4号) and "
            "the PM2.5-versus-target table (阳政办发〔2020〕131号 附件1) as Excel workbooks "
            "with the documents' headers.",
        ),
        "help.forms.month": ("报告的月份，如 2024-03。", "The month reported, e.g. 2024-03."),
        "help.forms.county": (
            "只报这个县区（如 郊区），县区名写进标题。默认：全市。",
            "Only this county (e.g. 郊区); its name goes into the titles. Default: the whole city.",
        ),
        "help.forms.out": (
            "工作簿存放的文件夹（默认：工作区中的 outputs/forms-MONTH）。",
            "Folder for the workbooks (default: outputs/forms-MONTH in the workspace).",
        ),
        "help.gate_roads": (
            "找出每个厂门半径范围内的道路并量出长度。\n\n"
            "写入工作区：图层 gate_roads（按厂门和道路分段的路段，含 length_m）、"
            "图层 gate_buffers（圆形范围）、表 sweep_tasks（按企业：厂门、道路、应清扫米数，"
            "两个厂门共用的路段只算一次）和图层 gate_findings（半径内没有道路的厂门、"
            "离所属企业过远的厂门）。--out 写出 sweep_tasks（如 清扫任务.xlsx）。\n\n"
            "\b\ngeoair gate-roads\n"
            "geoair gate-roads --radius 150 --roads shanxi-latest.osm.pbf --out 清扫任务.xlsx",
            "Find the road within the radius of every factory gate and measure it.\n\n"
            "Writes to the workspace: layer gate_roads (the road stretches, per gate and "
            "road, with length_m), layer gate_buffers (the circles), table sweep_tasks "
            "(per enterprise: gates, roads, metres to sweep, a stretch shared by two "
            "gates counted once) and layer gate_findings (gates with no road within the "
            "radius, gates far from their enterprise). --out writes sweep_tasks (e.g. "
            "sweep_tasks.xlsx).\n\n"
            "\b\ngeoair gate-roads\n"
            "geoair gate-roads --radius 150 --roads shanxi-latest.osm.pbf --out 清扫任务.xlsx",
        ),
        "help.gate_roads.radius": (
            "每个厂门周围的半径（米）（默认：geoair.toml 中的 [gate_roads] radius_m，"
            "即阳环函〔2024〕6号要求的 100）。",
            "Radius around each gate in metres (default: [gate_roads] radius_m in "
            "geoair.toml, 100 as 阳环函〔2024〕6号 requires).",
        ),
        "help.gate_roads.roads": (
            "从这个文件而不是工作区取道路：OpenStreetMap 数据（.osm.pbf，只取 highway 线）、"
            "GeoPackage、Shapefile、GeoJSON……",
            "Take the roads from this file instead of the workspace: an OpenStreetMap "
            "extract (.osm.pbf, only highway lines), GeoPackage, Shapefile, GeoJSON...",
        ),
        "help.gate_roads.coords": (
            "--roads 文件没有坐标系或坐标有偏移时，它的坐标系：wgs84、gcj02（高德）、"
            "bd09（百度）或 EPSG:n。",
            "Coordinate system of the --roads file when it has none or is shifted: "
            "wgs84, gcj02 (Amap), bd09 (Baidu) or EPSG:n.",
        ),
        "help.import": (
            "把 FILE 作为 KIND 导入工作区。\n\n"
            "KIND 可以是：enterprises（企业）、gates（厂门）、parks（园区）、stations（监测站）、"
            "gangue_heaps（矸石山）、roads（道路）、counties（县区）、inspections（附件2 检查表）、"
            "cases（附件3 汇总表）、targets（目标）、road_dust（道路积尘）、readings（小时数据）、"
            "dustfall（月降尘）、targets_annex（印发的目标附件）。不能导入的行连同行号和原因"
            "写入 rejects/KIND-FILENAME.csv，其余的行照常导入。监测数据可以一次导入多个文件"
            "或文件夹（国家平台的存档是每小时一个文件）。",
            "Import FILE as KIND into the workspace.\n\n"
            "KIND is one of: enterprises, gates, parks, stations, gangue_heaps, roads, "
            "counties, inspections (附件2 checklist), cases (附件3 summary), targets, "
            "road_dust, readings (hourly), dustfall (monthly), targets_annex (the target "
            "annexes as printed). Rows that cannot be imported go to "
            "rejects/KIND-FILENAME.csv with their row number and the reason; the others "
            "are imported. Readings take several files or folders at once (the national "
            "platform's archive is one file per hour).",
        ),
        "help.import.coords": (
            "文件的坐标系：wgs84（GPS、天地图）、gcj02（高德、腾讯）、bd09（百度）或 EPSG:n。"
            "默认：文件自带的，否则用 geoair.toml 中的 [workspace] default_coords。",
            "Coordinate system of the file: wgs84 (GPS, Tianditu), gcj02 (Amap, "
            "Tencent), bd09 (Baidu) or EPSG:n. Default: the file's own, else [workspace] "
            "default_coords in geoair.toml.",
        ),
        "help.import.encoding": (
            "文字编码（utf-8、gbk）；默认：自动识别。",
            "Text encoding (utf-8, gbk); default: detected.",
        ),
        "help.import.sheet": (
            "Excel 工作表名称（默认：第一个工作表）。",
            "Excel sheet name (default: the first sheet).",
        ),
        "help.import.layer": ("多图层文件中的图层。", "Layer of a multi-layer file."),
        "help.import.date": (
            "检查表（附件2）没有“检查日期”列时的检查日期；印发的目标附件（targets_annex）的年份。",
            "Inspection date for a checklist (附件2) that has no 检查日期 column; the year "
            "of the printed target annexes (targets_annex).",
        ),
        "help.import.units": (
            "仅用于监测数据：某列的单位，如 --units CO=ug/m3（也可写 µg/m³、mg/m3），可重复。"
            "没有声明单位、而多数数值不合理的列，按单位错误拒收。",
            "Readings only: the unit of a column, e.g. --units CO=ug/m3 (also µg/m³, "
            "mg/m3); repeatable. A column without a declared unit whose values are mostly "
            "implausible is refused as a unit error.",
        ),
        "help.import.replace": (
            "替换整个图层，而不是追加（编号相同的行总是被替换）。",
            "Replace the whole layer instead of adding to it (rows with the same id are "
            "always replaced).",
        ),
        "help.indicators": (
            "按 GB 3095-2012、HJ 663-2013 和 HJ 633-2012，由导入的小时监测数据计算指标：小时 AQI"
            "（--period hour，按站点：实时AQI、类别和首要污染物），日均值（≥ 20 小时），"
            "O3 日最大 8 小时均值，日 AQI、类别和首要污染物；月、季、年均值（每月 ≥ 27 天，"
            "2 月 25 天，全年 324 天），CO 第95百分位和 O3 第90百分位，综合指数和优良天数。"
            "无效的值显示为空并注明个数，从不参与平均。\n\n"
            "把 station_daily 和 BY_PERIOD（如 county_monthly）写入工作区：给了 --start/--end 时，"
            "只替换这些日期及其所在时段的行（--period 为 month、quarter 或 year 时扩展到整月、"
            "整季或整年）；其他日期和时段保持不变。",
            "Compute indicators from the imported hourly readings, by GB 3095-2012, "
            "HJ 663-2013 and HJ 633-2012: hourly AQI (--period hour, per station: 实时AQI, "
            "category and primary pollutant), daily means (≥ 20 hours), O3 daily maximum "
            "8-hour means, daily AQI, category and primary pollutant; monthly/quarterly/"
            "annual means (≥ 27 days a month, 25 in February, 324 a year), CO 95th and O3 "
            "90th percentiles, composite index and good days. Invalid values are shown as "
            "empty with their counts, never averaged.\n\n"
            "Writes station_daily and BY_PERIOD (e.g. county_monthly) into the workspace: "
            "with --start/--end only the rows of those days and of the periods they meet "
            "are replaced (moved out to whole months, quarters or years for --period "
            "month, quarter or year); the other days and periods keep theirs.",
        ),
        "help.indicators.period": ("数值的时段。", "Period of the values."),
        "help.indicators.by": (
            "按站点，或按县区、园区（其站点的平均值）。",
            "Stations, or counties and parks (mean of their stations).",
        ),
        "help.indicators.start": (
            "第一天，如 2020-10-01（默认：全部监测数据）。",
            "First day, e.g. 2020-10-01 (default: all readings).",
        ),
        "help.indicators.end": ("最后一天，如 2020-12-31。", "Last day, e.g. 2020-12-31."),
        "help.indicators.store": (
            "与 --engine dask 同用：小时监测数据不在工作区的 readings/hourly 时，"
            "工作进程读取数据的位置：共享文件夹或 fsspec 地址（s3://bucket/ws/readings/hourly）。",
            "With --engine dask: where the workers read the hourly readings, if not at "
            "the workspace's readings/hourly path: a shared folder or an fsspec URL "
            "(s3://bucket/ws/readings/hourly).",
        ),
        "help.init": (
            "在 DIRECTORY 中新建工作区：workspace.gpkg 和 geoair.toml（设置）；或建在数据库中，"
            "postgresql://用户[:密码]@主机[:端口]/库名[?schema=名称]：建 schema、"
            "角色有权限时启用 PostGIS，并建 geoair 的表。",
            "Make a workspace in DIRECTORY: workspace.gpkg and geoair.toml (settings); or "
            "in a database, postgresql://user[:password]@host[:port]/db[?schema=NAME]: the "
            "schema, PostGIS when the role may add it, and geoair's tables.",
        ),
        "help.init.readings": (
            "存放 Parquet 监测数据的文件夹，记入设置（数据库工作区默认 ./readings；"
            "几位分析人员都导入监测数据时，请用共享盘）。",
            "Folder of the Parquet readings, recorded in the settings (for a database: "
            "default ./readings; use a shared drive when several analysts import "
            "readings).",
        ),
        "help.map": (
            "把工作区的全部图层画在一张地图上。\n\n"
            "HTML 地图把 Leaflet 和全部数据都装在文件里：在不能上网的电脑上也能打开"
            "（连不上瓦片服务器时，以县区界为底图）。点击要素查看其记录；在左上角按名称搜索；"
            "用“测距”量距离。",
            "Draw every layer of the workspace on one map.\n\n"
            "The HTML map carries Leaflet and all data inside the file: it opens on a PC "
            "with no internet access (the county outlines are the basemap when no tile "
            "server can be reached). Click a feature for its records; search by name at "
            "the top left; measure distances with 测距.",
        ),
        "help.map.month": (
            "得分、指标和目标的月份（默认：各自最近的月份）；检查和案件截至该月月底。",
            "Month of scores, indicators and targets (default: the latest of each); "
            "inspections and cases up to its end.",
        ),
        "help.map.layers": (
            "只画这些图层：counties、parks、roads、enterprises、gates、gate_buffers、"
            "gate_roads、stations、gangue_heaps、patrol_routes、patrol_stops、"
            "source_suspects（默认：工作区有的全部图层）。",
            "Only these layers: counties, parks, roads, enterprises, gates, gate_buffers, "
            "gate_roads, stations, gangue_heaps, patrol_routes, patrol_stops, "
            "source_suspects (default: all the workspace has).",
        ),
        "help.map.out": (
            "写出的文件（.html；加 --png 时为 .png）。默认：工作区中的 "
            "outputs/maps/map[-MONTH].html。",
            "File to write (.html, or .png with --png). Default: "
            "outputs/maps/map[-MONTH].html in the workspace.",
        ),
        "help.map.png": (
            "写出报告用的静态地图（PNG，默认 300 dpi，带标题、图例、比例尺和指北针），"
            "而不是交互地图。",
            "Write a static map for reports (PNG, 300 dpi by default, with title, legend, "
            "scale bar and north arrow) instead of the interactive map.",
        ),
        "help.map.tiles": (
            "底图（默认：geoair.toml 中的 [maps] tiles）。amap 会把数据转到 GCJ-02 "
            "以对准高德瓦片；tianditu 需要 [maps] tianditu_key。",
            "Basemap (default: [maps] tiles in geoair.toml). amap shifts the data to "
            "GCJ-02 to match Amap's tiles; tianditu needs [maps] tianditu_key.",
        ),
        "help.map.title": (
            "地图标题（默认：工作区名称和月份）。",
            "Map title (default: workspace name and month).",
        ),
        "help.map.county": (
            "只画这个县区的要素（如 郊区），视图缩放到其边界；也可与 --png 同用。",
            "Only this county's features (e.g. 郊区), the view fitted to its outline; with "
            "--png too.",
        ),
        "help.patrol": (
            "企业和矸石山的风险评分，以及每个巡查组的每日巡查路线。",
            "Risk scores of enterprises and gangue heaps, and daily patrol routes per team.",
        ),
        "help.patrol.risk": (
            "给每个企业和矸石山打风险分，并说明原因（工作区图层 risk_scores）。\n\n"
            "权重在 geoair.toml 的 [patrol.weights] 中。",
            "Score every enterprise and heap, with the reasons (workspace layer "
            "risk_scores).\n\nWeights are in geoair.toml, [patrol.weights].",
        ),
        "help.patrol.risk.date": (
            "评分的日期（默认：今天），如 2024-03-05。",
            "Day to score (default: today), 2024-03-05.",
        ),
        "help.patrol.risk.county": ("只显示这个县区的点位。", "Show only this county's sites."),
        "help.patrol.risk.top": ("显示多少个点位。", "How many sites to print."),
        "help.patrol.plan": (
            "选出当天的巡查点位，并排好每个巡查组往返路线的顺序。\n\n"
            "风险高的优先；超过 [patrol] coverage_days 天未巡查的点位必定入选。"
            "写入图层 patrol_stops、patrol_routes、risk_scores 和 patrol_history，"
            "并写出 GPX 和 KML（外业平板用）、Excel（打印用）和 HTML 地图。",
            "Pick the day's sites and order each team's round trip.\n\n"
            "Highest risk first; sites not visited for [patrol] coverage_days are forced "
            "in. Writes the layers patrol_stops, patrol_routes, risk_scores and "
            "patrol_history, and GPX and KML (field tablets), Excel (to print) and an "
            "HTML map.",
        ),
        "help.patrol.plan.date": (
            "计划的日期（默认：今天），如 2024-03-05。",
            "Day to plan (default: today), 2024-03-05.",
        ),
        "help.patrol.plan.teams": (
            "当天出动的巡查组数（默认：geoair.toml 中的 [patrol] teams）。",
            "Teams out that day (default: [patrol] teams in geoair.toml).",
        ),
        "help.patrol.plan.stops": (
            "每组最多巡查的点位数（默认：[patrol] stops）。",
            "Most sites per team (default: [patrol] stops).",
        ),
        "help.patrol.plan.start": (
            "巡查组出发和返回的地点：名称（“市生态环境局”、[patrol.places] 中的地点、"
            "企业或站点），或 WGS-84 经纬度 lon,lat。",
            'Where teams leave from and return to: a name ("市生态环境局", a place of '
            "[patrol.places], an enterprise or station) or lon,lat in WGS-84.",
        ),
        "help.patrol.plan.county": ("只计划这个县区的点位。", "Plan only this county's sites."),
        "help.patrol.plan.max_km": (
            "一个巡查组往返路线的最长公里数：各组路线尽量均衡，不超过此值"
            "（默认：[patrol] max_route_km；0 = 不限）。",
            "Longest round trip for one team, km: teams are balanced to stay under it "
            "(default: [patrol] max_route_km; 0 = no limit).",
        ),
        "help.patrol.plan.straight": (
            "即使工作区有道路，也按直线距离计算。",
            "Straight-line distances even when the workspace has roads.",
        ),
        "help.patrol.plan.out_dir": (
            "GPX、KML、Excel 和 HTML 文件存放的文件夹（默认：outputs/patrol）。",
            "Folder for the GPX, KML, Excel and HTML files (default: outputs/patrol).",
        ),
        "help.scores": (
            "园区得分与排名、企业得分与标杆企业候选。\n\n"
            "权重、参考值和名额在 geoair.toml 的 [scores] 各表中。",
            "Park scores and rankings, enterprise scores and benchmark candidates.\n\n"
            "Weights, references and quotas are in the [scores] tables of geoair.toml.",
        ),
        "help.scores.assign": (
            "确定每个企业、厂门、站点和矸石山所在的县区和园区。\n\n"
            "写入表 site_assignment（各评分命令也会更新它）。",
            "Find the county and park of every enterprise, gate, station and heap.\n\n"
            "Writes table site_assignment (the scores commands also refresh it).",
        ),
        "help.scores.parks": (
            "给园区按月评分并排名（表 park_scores）。\n\n"
            "用 --out x.xlsx（或 .csv）写出月报的排名表，表头为中文；"
            "用 .gpkg/.geojson 写出带园区边界的完整表。",
            "Score and rank the parks for a month (table park_scores).\n\n"
            "With --out x.xlsx (or .csv) writes the ranking table of the monthly report "
            "with Chinese headers; with .gpkg/.geojson the full table with the park "
            "outlines.",
        ),
        "help.scores.enterprises": (
            "给企业按月评分（表 enterprise_scores）。",
            "Score the enterprises for a month (table enterprise_scores).",
        ),
        "help.scores.enterprises.benchmark": (
            "只显示（加 --out 时只写出）各县区的标杆企业候选：正常生产、没有未办结案件、"
            "在县区名额之内。",
            "Show (and with --out write) only the benchmark candidates per county: "
            "producing normally, no open case, within the county's quota.",
        ),
        "help.serve": (
            "在工作区上启动网页应用：概览、导入、本月工作、地图、下载，以及 /api 下的接口"
            "（说明见 /api/openapi.json）。按 Ctrl-C 停止。",
            "Serve the web app on the workspace: 概览, 导入, 本月工作, 地图, 下载, and the "
            "API under /api (described at /api/openapi.json). Stop with Ctrl-C.",
        ),
        "help.serve.host": (
            "监听的地址。127.0.0.1：仅本机访问。其他地址（本机的局域网地址、0.0.0.0）"
            "需先添加用户（geoair users add NAME），之后所有人都要登录。",
            "Address to listen on. 127.0.0.1: this computer only. Any other address (the "
            "PC's LAN address, 0.0.0.0) needs a user first (geoair users add NAME); "
            "everyone then logs in.",
        ),
        "help.serve.port": ("监听的端口。", "Port to listen on."),
        "help.serve.lang": (
            "网页的语言（默认：环境变量 $GEOAIR_LANG，否则 zh）；用户可以切换。",
            "Language of the pages (default: $GEOAIR_LANG, else zh); users can switch.",
        ),
        "help.serve.max_upload_mb": (
            "可上传的最大文件，单位 MB。",
            "Largest file that can be uploaded, in MB.",
        ),
        "help.settings": (
            "显示或替换工作区的设置（geoair.toml）；数据库工作区把设置存在表 geoair_settings 中。",
            "Show or replace the settings (geoair.toml) of a workspace; a database "
            "workspace keeps them in its table geoair_settings.",
        ),
        "help.settings.show": (
            "显示保存的设置文本（存成文件，修改后再用 geoair settings set 存回）。",
            "Print the stored settings text (save it to a file, edit it, then "
            "geoair settings set it).",
        ),
        "help.settings.set": (
            "检查 FILE（一个 geoair.toml）并存为工作区的设置；有未知键或错误值的文件会被拒绝，"
            "什么都不改。",
            "Check FILE (a geoair.toml) and store it as the workspace's settings; a file "
            "with an unknown key or a wrong value is refused and nothing changes.",
        ),
        "help.sources": (
            "站点附近的污染源、风向分析，以及高值小时上风向的疑似污染源。\n\n"
            "\b\ngeoair sources near --radius 5000 --out near.xlsx\n"
            "geoair sources wind --station 赛鱼站 --pollutant PM2.5 --period 2020-10/2020-12\n"
            "geoair sources suspects --pollutant PM2.5 --freq month --out suspects.xlsx",
            "Sources near stations, wind analysis, and suspects upwind of high hours.\n\n"
            "\b\ngeoair sources near --radius 5000 --out near.xlsx\n"
            "geoair sources wind --station 赛鱼站 --pollutant PM2.5 --period 2020-10/2020-12\n"
            "geoair sources suspects --pollutant PM2.5 --freq month --out suspects.xlsx",
        ),
        "help.sources.radius": (
            "搜索半径（米）（默认：[sources] radius_m，5000）。",
            "Search radius in metres (default: [sources] radius_m, 5000).",
        ),
        "help.sources.layers": (
            "污染源图层，用逗号分隔（默认：enterprises、gangue_heaps、gate_roads、parks；"
            "工作区没有的跳过）。",
            "Comma-separated source layers (default: enterprises, gangue_heaps, "
            "gate_roads, parks; those missing are skipped).",
        ),
        "help.sources.pollutant": (
            "如 PM2.5（默认：[sources] pollutant）。",
            "e.g. PM2.5 (default: [sources] pollutant).",
        ),
        "help.sources.near": (
            "列出每个站点附近的企业、矸石山、厂门道路和园区，附距离（米）和相对站点的方位角"
            "（从正北起算的度数）。工作区图层：station_sources。",
            "List the enterprises, heaps, gate roads and parks near each station, with "
            "distance (m) and bearing from the station (degrees from north). Workspace "
            "layer: station_sources.",
        ),
        "help.sources.wind": (
            "一个站点一个时段的风玫瑰、污染玫瑰、CPF 和风回归，给出数值，"
            "并画成极坐标图 PNG（outputs/sources/）。",
            "Wind rose, pollution rose, CPF and wind regression of one station and "
            "period, as numbers and as a PNG of polar plots (outputs/sources/).",
        ),
        "help.sources.wind.station": (
            "站点名称或编号，如 赛鱼站。",
            "Station name or id, e.g. 赛鱼站.",
        ),
        "help.sources.wind.period": (
            "一个月（2020-10）、几个月（2020-10/2020-12）或一年（2020）。",
            "A month (2020-10), a range of months (2020-10/2020-12) or a year (2020).",
        ),
        "help.sources.wind.sectors": ("风向扇区数，16 或 36。", "Wind sectors, 16 or 36."),
        "help.sources.wind.percentile": (
            "CPF 的阈值百分位（默认 75）。",
            "CPF threshold percentile (default 75).",
        ),
        "help.sources.wind.out": (
            "同时把数值写入这个 Excel 文件（.xlsx），每个表一个工作表。",
            "Also write the numbers to this Excel file (.xlsx), one sheet per table.",
        ),
        "help.sources.suspects": (
            "对每个站点和时段，按方位与高值小时风向扇区的吻合程度（按距离加权）"
            "给范围内的污染源排序（工作区图层 source_suspects 和 source_plots）。",
            "Rank, for each station and period, the sources in range by how well their "
            "bearing matches the wind sectors of high hours, weighted by distance "
            "(workspace layers source_suspects and source_plots).",
        ),
        "help.sources.suspects.period": (
            "排序的时段（可重复）：2020-10、2020-10/2020-12 或 2020。"
            "默认：每个有数据的 --freq 时段。",
            "Period to rank (repeatable): 2020-10, 2020-10/2020-12 or 2020. Default: every "
            "--freq period with data.",
        ),
        "help.sources.suspects.freq": (
            "未给 --period 时的时段（默认：[sources] freq，month）。",
            "Periods when --period is not given (default: [sources] freq, month).",
        ),
        "help.sources.suspects.station": (
            "只分析这个站点（名称或编号；可重复）。",
            "Only this station (name or id; repeatable).",
        ),
        "help.sources.suspects.plots": (
            "按整个时间段为每个站点画极坐标图（outputs/sources/）。",
            "Draw each station's polar plots over the whole span (outputs/sources/).",
        ),
        "help.surface": (
            "把当月各站点的 POLLUTANT（PM2.5、PM10、SO2、NO2、CO、O3 或 dustfall 降尘）"
            "数值在县区范围内插值成 GeoTIFF，并给出每个县区和园区的均值、最小值、最大值"
            "（工作区图层 surface_zones）。",
            "Interpolate the month's station values of POLLUTANT (PM2.5, PM10, SO2, NO2, "
            "CO, O3 or dustfall) over the counties to a GeoTIFF, with mean/min/max per "
            "county and park (workspace layer surface_zones).",
        ),
        "help.surface.period": ("月份，如 2024-01。", "The month, e.g. 2024-01."),
        "help.surface.method": (
            "插值方法：反距离加权（geoair.toml 中的 [surface] idw_power、idw_k）。",
            "Interpolation method: inverse distance weighting ([surface] idw_power, idw_k "
            "in geoair.toml).",
        ),
        "help.surface.cell": (
            "栅格大小（米）（默认：[surface] cell_m，500）。",
            "Cell size in metres (default: [surface] cell_m, 500).",
        ),
        "help.surface.out": (
            "GeoTIFF 文件（默认：outputs/surface_POLLUTANT_PERIOD.tif）。",
            "GeoTIFF file (default: outputs/surface_POLLUTANT_PERIOD.tif).",
        ),
        "help.surface.zones_out": (
            "同时把分区统计写入这个文件（.xlsx、.csv、.gpkg、.geojson）。",
            "Also write the zonal statistics to this file (.xlsx, .csv, .gpkg, .geojson).",
        ),
        "help.targets": (
            "目标（用 geoair import targets 文件 导入）及其考核。",
            "Targets (imported with geoair import targets FILE) and their check.",
        ),
        "help.targets.check": (
            "把各站点、县区和全市的 PM2.5 和优良天数（以及目标表中的其他指标）与目标比较，"
            "把降尘与 geoair.toml 中的限值比较：实测值、目标值、差值、是否达标和有效性。"
            "写入 targets_check。",
            "Compare PM2.5 and good days (and any other metric in the targets table) per "
            "station, county and city with their targets, and dustfall with the limit in "
            "geoair.toml: actual, target, difference, met or not, and validity. Writes "
            "targets_check.",
        ),
        "help.targets.check.month": (
            "只考核这个月，如 2020-11（可重复）。默认：全部目标。",
            "Only this month, e.g. 2020-11 (repeatable). Default: every target.",
        ),
        "help.targets.check.period": (
            "只考核这个目标时段，如 2020-10/2020-12（可重复）。",
            "Only this target period, e.g. 2020-10/2020-12 (repeatable).",
        ),
        "help.users": (
            "geoair serve 的用户，存在工作区中（users.json；密码用 Argon2id 加密存储，"
            "从不保存明文）。",
            "Users of geoair serve, stored in the workspace (users.json; passwords hashed "
            "with Argon2id, never stored).",
        ),
        "help.users.password_stdin": (
            "从标准输入的第一行读取密码。",
            "Read the password from the first line of stdin.",
        ),
        "help.users.add": (
            "添加用户 NAME；密码要输入两次（至少 8 个字符）。",
            "Add user NAME; the password is asked twice (at least 8 characters).",
        ),
        "help.users.passwd": ("为用户 NAME 设置新密码。", "Set a new password for user NAME."),
        "help.users.remove": (
            "删除用户 NAME（正在运行的服务会立即结束其登录）。",
            "Remove user NAME (a running server ends their sessions at once).",
        ),
        "help.users.list": ("列出用户。", "List the users."),
    }
)

# Errors once written inline as one bilingual sentence ("中文。 / English."), now said
# in one language like every other message; tests/test_messages.py keeps them from coming back.
_add(
    {
        "maps.undrawable_chars": (
            "字体中没有这些字符，图中以“?”代替：{chars}（{codes}）",
            "characters no font can draw, shown as '?': {chars} ({codes})",
        ),
    }
)


_add(
    {  # click's own sentences about a command line (geoair.cli._help._CLICK_SENTENCES)
        "cli.usage.not_number": ("“{value}”不是数字。", "{value!r} is not a valid float."),
        "cli.usage.not_integer": ("“{value}”不是整数。", "{value!r} is not a valid integer."),
        "cli.usage.not_boolean": (
            "“{value}”不是是/否值（可用 yes/no、true/false、1/0）。",
            "{value!r} is not a valid boolean.",
        ),
        "cli.usage.out_of_range": (
            "{value} 不在允许的范围 {range} 内。",
            "{value} is not in the range {range}.",
        ),
        "cli.usage.not_choice": (
            "“{value}”不是可选值；可选：{choices}。",
            "{value!r} is not one of {choices}.",
        ),
        "cli.usage.no_path": ("“{name}”不存在，请检查路径。", "{name!r} does not exist."),
        "cli.usage.is_file": ("“{name}”是文件，这里需要文件夹。", "{name!r} is a file."),
        "cli.usage.is_directory": (
            "“{name}”是文件夹，这里需要文件。",
            "{name!r} is a directory.",
        ),
        "cli.usage.not_readable": ("“{name}”无法读取（没有权限）。", "{name!r} is not readable."),
        "cli.usage.not_writable": ("“{name}”无法写入（没有权限）。", "{name!r} is not writable."),
        "cli.usage.needs_value": (
            "选项 {name} 后面需要写一个值。",
            "Option {name!r} requires an argument.",
        ),
        "cli.usage.takes_no_value": (
            "选项 {name} 后面不用写值。",
            "Option {name!r} does not take a value.",
        ),
        "cli.usage.no_option": ("没有选项 {name}。", "No such option {name!r}."),
        "cli.usage.did_you_mean": ("是不是想用 {names}？", " Did you mean {names}?"),
        "cli.usage.no_command": ("没有命令“{name}”。", "No such command {name!r}."),
        "cli.usage.extra_args": (
            "多出了参数（{args}）。",
            "Got unexpected extra arguments ({args})",
        ),
        "cli.usage.no_command_given": ("缺少命令。", "Missing command."),
        "cli.usage.missing_argument": ("缺少参数 {name}。", "Missing argument {name}."),
        "cli.usage.missing_option": ("缺少选项 {name}。", "Missing option {name}."),
        "cli.usage.choose_from": ("可选：{choices}。", " Choose from: {choices}."),
        "cli.usage.invalid_for": (
            "{name} 的值无效：{message}",
            "Invalid value for {name}: {message}",
        ),
    }
)


_add(
    {
        # geoair/distributed
        "error.distributed.needs_dask": (
            "Dask 引擎需要 dask 和 distributed，请先安装：python -m pip install "
            "'geoair[dask]'（缺少 {missing}）。",
            "The dask engine needs dask and distributed; install them with python -m pip "
            "install 'geoair[dask]' ({missing} is missing).",
        ),
        "error.distributed.no_scheduler": (
            "Dask 调度器 {address} 没有应答（{error}），请检查地址和端口，并确认已用 dask "
            "scheduler 启动调度器；不加 --scheduler 则在本机启动集群。",
            "The Dask scheduler at {address} does not answer ({error}); check the address and "
            "that `dask scheduler` runs there, or leave out --scheduler to start a local "
            "cluster.",
        ),
        "error.distributed.no_workers": (
            "--workers {workers}: 至少需要1个工作进程。",
            "--workers {workers}: a local cluster needs at least one worker process; give "
            "--workers 2 for example.",
        ),
        "error.distributed.cluster_start": (
            "本机 Dask 集群无法启动（{error}）。",
            "The local Dask cluster could not start ({error}).",
        ),
        "error.distributed.store_unopenable": (
            "读数存储 {url} 无法打开（{error}）。",
            "The readings store {url} cannot be opened ({error}); install the fsspec package "
            "for its scheme (e.g. s3fs for s3://) on this machine and on every worker.",
        ),
        "error.distributed.day_in_two_partitions": (
            "读数存储中有的日子跨两个分区，Dask 引擎无法分区计算，请用 --engine single。",
            "Some days span two partitions of the readings store (not written by geoair "
            "import readings); the dask engine needs each day in one partition: use "
            "--engine single.",
        ),
        "error.distributed.task_failed": (
            "Dask 集群上的任务失败（{error}），工作进程 {times} 次退出（可能内存不足）或连接中断；"
            "请检查工作进程后重试。",
            "A task failed on the Dask cluster ({error}: its workers died {times} times, e.g. "
            "out of memory, or the connection broke); check the workers and run again.",
        ),
        # geoair/imports
        "error.import.not_points": (
            "{kind}是{geometry}，表格里的经纬度画不出来：请导入 GeoPackage、Shapefile、GeoJSON "
            "或 KML，或在表格中加一列名为 geometry 的 WKT 图形。",
            "{kind} are {geometry}s: import a GeoPackage, Shapefile, GeoJSON or KML, or a "
            "table with a WKT column named geometry.",
        ),
        "error.import.geometry.point": ("点", "a point"),
        "error.import.geometry.line": ("线", "a line"),
        "error.import.geometry.polygon": ("面（多边形）", "an area (polygon)"),
        "error.import.geometry.point_or_polygon": ("点或面", "a point or an area"),
        "error.import.no_lon_lat": (
            "文件中没有{kind}的经度、纬度列，请把两列的表头改为“经度”和“纬度”。",
            "The file has no longitude/latitude columns for the {kind} points. Name them "
            "经度 and 纬度 (or lon and lat).",
        ),
        "error.import.coords_projected": (
            "--coords {system} 只用于从网络地图上取的经纬度，而这个文件的坐标系是 {crs}，"
            "请去掉 --coords 重新导入。",
            "--coords {system} is for longitude/latitude copied from web maps, but this file "
            "is in {crs}. Import it again without --coords.",
        ),
        "error.import.no_crs": (
            "文件没有坐标系（Shapefile 缺少 .prj 文件？），请用 --coords 指明：wgs84、gcj02"
            "（高德）、bd09（百度）或 EPSG:编号。",
            "The file has no coordinate system (a Shapefile without its .prj?). Say which "
            "with --coords wgs84, gcj02 (Amap), bd09 (Baidu) or EPSG:number.",
        ),
        "error.import.osm_only_roads": (
            "{name} 是 OpenStreetMap 数据，只能作为道路导入（geoair import roads FILE）。",
            "{name} is an OpenStreetMap extract: import it as roads (geoair import roads "
            "FILE); geoair reads only its highway lines.",
        ),
        "error.import.no_ledger": (
            "工作区还没有企业台账，请先导入企业（geoair import enterprises FILE）：记录和厂门"
            "都写企业名称，geoair 要逐一对照台账。",
            "The workspace has no enterprise ledger yet. Import enterprises first (geoair "
            "import enterprises FILE): records and gates name enterprises, and geoair checks "
            "every name against the ledger.",
        ),
        "error.import.no_inspection_date": (
            "这份检查表没有“检查日期”列（附件2表格本来就没有），请用 --date 写明检查日期，"
            "如 --date 2024-03-15。",
            "This checklist has no 检查日期 (inspection date) column, as the 附件2 form has "
            "none. Say when it was done with --date, e.g. --date 2024-03-15.",
        ),
        "error.import.no_column": (
            "文件中没有“{wanted}”列，{kind}必须有这一列。文件的列是：{found}。请改正表头，"
            "或检查是否选错了文件。",
            "The file has no column for {wanted}, which {kind} need. Its columns are: "
            "{found}. Rename the column, or check the file.",
        ),
        "error.import.no_enterprise_column": (
            "文件中没有“企业名称”或“企业编号”列，无法知道每行属于哪家企业。文件的列是：{found}。"
            "请加上其中一列。",
            "The file has no 企业名称 (enterprise name) or 企业编号 (enterprise id) column, so "
            "its rows cannot be tied to the ledger. Its columns are: {found}. Add one of them.",
        ),
        # geoair/io
        "error.io.no_header": (
            "文件中没有表头和数据行，请检查是否选对了文件。",
            "The file has no header and no rows. Check that you chose the right file.",
        ),
        "error.io.outside_folder": (
            "输出文件 {path} 会写到文件夹 {root} 之外，已拒绝；文件名来自数据时请检查其中的"
            "“/”或“..”。",
            "Refused to write {path}: it lies outside {root}. A name taken from the data holds "
            "a path separator or '..'; check the data.",
        ),
        "error.io.unknown_suffix": (
            "{name}：geoair 不能读取{what}文件，请另存为 Excel（.xlsx）、CSV、GeoPackage、"
            "Shapefile（.shp 或压缩包）、GeoJSON 或 KML。",
            "{name}: geoair does not read {what}. Save it as Excel (.xlsx), CSV, GeoPackage, "
            "Shapefile (.shp or zipped), GeoJSON or KML.",
        ),
        "error.io.suffix_files": ("“{suffix}”", "'{suffix}' files"),
        "error.io.no_suffix_files": ("没有扩展名的", "files without an extension"),
        "error.io.is_folder": (
            "{path} 是文件夹，不是文件，请选择其中要导入的文件。",
            "{path} is a folder, not a file.",
        ),
        "error.io.empty_file": (
            "文件 {name} 是空的（0字节），请从原系统重新导出。",
            "{name} is empty (0 bytes). Export it again from its source.",
        ),
        "error.io.unknown_encoding": (
            "无法识别文件的文字编码，请另存为 UTF-8（Excel 中选“CSV UTF-8”），或指明编码 gbk"
            "（命令行加 --encoding gbk；网页导入时在“文字编码”中选择）。",
            "The file's text encoding cannot be recognised. Save it as UTF-8 (in Excel: CSV "
            "UTF-8) or name the encoding gbk (--encoding gbk on the command line; 'Text "
            "encoding' on the web import page).",
        ),
        "error.io.bad_encoding": (
            "{name} 不能按 {encoding} 编码读取（{error}），请换一种编码：{hint}。",
            "{name} is not readable as {encoding} text ({error}). Try another encoding: {hint}.",
        ),
        "error.io.encoding_hint_leave_out": (
            "去掉 --encoding，geoair 会自动识别",
            "leave --encoding out and geoair will recognise it",
        ),
        "error.io.encoding_hint_give": (
            "加 --encoding gbk 或 --encoding utf-8",
            "give --encoding gbk or --encoding utf-8",
        ),
        "error.io.no_such_layer": (
            "{name} 中没有图层“{layer}”，现有图层：{layers}。",
            "{name} has no layer {layer!r}; it has: {layers}.",
        ),
        "error.io.not_a_layer": (
            "{name} 不能作为地图图层打开（{error}）。文件是否完整？Shapefile 需要 .shp、.shx、"
            ".dbf 三个文件放在一起。",
            "{name} cannot be opened as a map layer ({error}). Is it complete? A Shapefile "
            "needs its .shp, .shx and .dbf together.",
        ),
        "error.io.layer_error": (
            "{name} 的图层读取出错（{error}），请在 QGIS 中打开检查后重新导出。",
            "{name}: {error}. Open it in QGIS, check it and export it again.",
        ),
        "error.io.damaged_layer": (
            "{name} 已损坏或不完整，无法读取（{error}），请在 QGIS 中打开检查后重新导出。",
            "{name} is damaged or incomplete and cannot be read ({error}). Open it in QGIS, "
            "check it and export it again.",
        ),
        "error.io.shapefile_lacks": (
            "Shapefile {shp} 缺少 {missing}，请把 .shp、.shx、.dbf（以及 .prj、.cpg）放在一起"
            "后重新导入。",
            "The Shapefile {shp} lacks {missing}. Put its .shp, .shx and .dbf (and .prj, "
            ".cpg) together and import again.",
        ),
        "error.io.shapefile_lacks_in_zip": (
            "压缩包 {zip} 中的Shapefile {shp} 缺少 {missing}，请把 .shp、.shx、.dbf（以及 "
            ".prj、.cpg）放在一起打包后重新导入。",
            "The Shapefile {shp} in {zip} lacks {missing}. Put its .shp, .shx and .dbf (and "
            ".prj, .cpg) together and import again.",
        ),
        "error.io.shapefile_part": ("{file}（{part}）", "{file} (its {part})"),
        "error.io.shapefile_part.shx": ("索引文件", "index"),
        "error.io.shapefile_part.dbf": ("属性表文件", "attribute table"),
        "error.io.shapefile_parts_sep": ("、", " and "),
        "error.io.bad_zip": (
            "{name} 不是完整的 zip 压缩包（{error}），请重新打包。",
            "{name} is not a complete zip file ({error}). Zip it again.",
        ),
        "error.io.zip_too_big": (
            "{name} 解压后有 {size:.1f} GB，超过 geoair 的上限 {limit:.0f} GB，请检查文件是否"
            "正确。",
            "{name} would unpack to {size:.1f} GB, more than geoair's limit of {limit:.0f} GB. "
            "Check that it is the right file.",
        ),
        "error.io.not_excel": (
            "{name} 不能作为 Excel 工作簿读取（{error}），请在 Excel 中打开后另存为 .xlsx。",
            "{name} cannot be read as an Excel workbook ({error}). Open it in Excel and save "
            "it again as .xlsx.",
        ),
        "error.io.no_sheet": (
            "{name} 中找不到这个工作表，请用 --sheet 写明工作表名称（{error}）。",
            "{name}: {error}. Name a sheet with --sheet.",
        ),
        "error.io.bad_csv": (
            "{name} 不是格式正确的 CSV 文件（{error}），请在 Excel 中打开后另存为 CSV。",
            "{name} is not a well-formed CSV file ({error}). Open it in Excel and save it "
            "again as CSV.",
        ),
        "error.io.no_rows": (
            "{name} 中没有数据行，请检查是否选对了文件。",
            "{name} has no rows. Check that you chose the right file.",
        ),
        "error.io.no_rows_sheet": (
            "{name} 中没有数据行，请检查是否选对了文件（以及用 --sheet 选对了工作表）。",
            "{name} has no rows. Check that you chose the right file (and the right sheet, "
            "with --sheet).",
        ),
        "error.io.bad_parquet": (
            "{name} 不能作为 Parquet 文件读取（{error}），文件可能不完整，请重新导出。",
            "{name} cannot be read as a Parquet file ({error}); it may be incomplete. Export "
            "it again.",
        ),
        "error.io.no_chinese_font": (
            "找不到中文字体：geoair 自带的字体 {bundled} 缺失，图中的中文会成为空白方框。"
            "请重新安装 geoair（pip install --force-reinstall geoair），或安装中文字体"
            "（Debian/Ubuntu：apt-get install fonts-noto-cjk）。",
            "No Chinese font can be used: the font geoair ships ({bundled}) is missing, so "
            "Chinese text would print as empty boxes. Reinstall geoair, or install a Chinese "
            "font (Debian/Ubuntu: apt-get install fonts-noto-cjk).",
        ),
        "error.import.one_file": (
            "{kind}：一次只能导入一个文件（只有 readings 可以一次导入多个文件或文件夹）。",
            "{kind}: one file at a time (only readings take several files or a folder).",
        ),
        "error.import.units_only_readings": (
            "--units 只用于监测数据（readings）。",
            "--units is for readings only.",
        ),
        # geoair/readings
        "error.readings.annex_no_year": (
            "附件表格的月份没有年份（如“10 月”），请用 --date 给出年份，如 --date 2020。",
            "The annex tables name months without a year (10 月). Give the year with --date, "
            "e.g. --date 2020.",
        ),
        "error.readings.bad_table": (
            "{name} 不是格式正确的表格文件（{error}），请在 Excel 中打开后另存为 CSV 或 .xlsx。",
            "{name} is not a well-formed table ({error}). Open it in Excel and save it again "
            "as CSV or .xlsx.",
        ),
        "error.readings.not_a_table": (
            "{name}：监测数据应为 CSV、Excel 或 Parquet 表格，不是地图图层，请从监测平台导出表格。",
            "{name}: readings come as CSV, Excel or Parquet tables, not map layers. Export the "
            "table from the monitoring platform.",
        ),
        "error.readings.no_stations": (
            "监测数据属于站点，而工作区里还没有站点，请先导入站点：geoair import stations FILE。",
            "Readings belong to stations, and this workspace has none yet. Import them first: "
            "geoair import stations FILE.",
        ),
        "error.readings.empty_folder": (
            "文件夹 {folder} 里没有 CSV、Excel 或 Parquet 文件。",
            "The folder {folder} holds no CSV, Excel or Parquet file.",
        ),
        "error.readings.all_files_empty": ("所有文件都是空的。", "Every file is empty."),
        "error.readings.units_form": (
            "--units 应写成 污染物=单位（如 CO=ug/m3），不是“{given}”。",
            "--units takes POLLUTANT=UNIT (e.g. CO=ug/m3), not {given!r}.",
        ),
        "error.readings.units_unknown": (
            "--units {name}={unit}：请写 PM2.5、PM10、SO2、NO2、CO 或 O3，单位写 ug/m3 或 mg/m3"
            "（如 --units CO=ug/m3）。",
            "--units {name}={unit}: give PM2.5, PM10, SO2, NO2, CO or O3 and the unit ug/m3 or "
            "mg/m3 (e.g. --units CO=ug/m3).",
        ),
        "error.readings.no_station_time": (
            "监测数据表中没有“{columns}”列（现有列：{found}），请把表头改为“站点名称”和“时间”"
            "（或 year, month, day, hour 四列）。",
            "The readings table has no {columns} column (found: {found}). Name the columns "
            "站点名称 and 时间 (or station, time; or year, month, day, hour).",
        ),
        "error.readings.no_station_columns": (
            "按站点排列的表（date, hour, type）中没有站点列（现有列：{found}）。",
            "The table by station (date, hour, type) has no station columns (found: {found}).",
        ),
        "error.readings.no_pollutants": (
            "监测数据表中既没有污染物列（PM2.5、PM10、SO2、NO2、CO、O3、风速、风向），也没有"
            "“污染物”和“浓度”列（现有列：{found}），请改正表头。",
            "The readings table has neither pollutant columns (PM2.5, PM10, SO2, NO2, CO, O3, "
            "风速, 风向) nor 污染物 and 浓度 columns. Rename the headers (found: {found}).",
        ),
        "error.readings.dustfall_no_column": (
            "降尘数据表中没有“{columns}”列（现有列：{found}），请改正表头。",
            "The dustfall table has no {columns} column (found: {found}). Rename the headers.",
        ),
        "error.readings.write_failed": (
            "无法写入监测数据文件 {target}（{reason}）；请检查工作区文件夹是否可写、磁盘是否已满。",
            "Cannot write the readings file {target} ({reason}). Check that the workspace "
            "folder can be written and the disk is not full.",
        ),
        "error.readings.file_damaged": (
            "监测数据文件 {path} 已损坏，无法读取（{error}）；请运行 geoair check 查看详情，"
            "删除该文件后重新导入这段时间的数据。",
            "The readings file {path} is damaged and cannot be read ({error}). Run geoair "
            "check, delete the file and import those readings again.",
        ),
        "error.readings.hourly_damaged_in": (
            "工作区 {root} 的小时监测数据（{folder}）有文件已损坏，无法读取（{error}）；请运行 "
            "geoair check 找出该文件。",
            "A file of the hourly readings in {folder} (workspace {root}) is damaged and "
            "cannot be read ({error}). Run geoair check to find it.",
        ),
        "error.readings.hourly_damaged": (
            "工作区 {root} 的小时监测数据有文件已损坏，无法读取（{error}）；请运行 geoair check "
            "找出该文件。",
            "A file of the hourly readings of {root} is damaged and cannot be read ({error}). "
            "Run geoair check to find it.",
        ),
        # geoair/store
        "store.gpkg_problem.empty": ("是空的（0字节）", "is empty (0 bytes)"),
        "store.gpkg_problem.not_gpkg": (
            "不是 GeoPackage 文件（可能是别的文件改了名）",
            "is not a GeoPackage file (perhaps another file renamed)",
        ),
        "store.gpkg_problem.sqlite_not_gpkg": (
            "是 SQLite 数据库，但不是 GeoPackage",
            "is an SQLite database but not a GeoPackage",
        ),
        "store.gpkg_problem.incomplete": (
            "不完整（应有 {expected:,} 字节，只有 {size:,} 字节），可能在复制或写入时被中断",
            "is incomplete ({size:,} of {expected:,} bytes), cut off while it was copied or "
            "written",
        ),
        "store.gpkg_problem.damaged": (
            "已损坏，无法读取（{detail}）",
            "is damaged and cannot be read ({detail})",
        ),
        "store.gpkg_problem.unreadable": ("无法读取（{detail}）", "cannot be read ({detail})"),
        "store.gpkg_problem.folder": ("是文件夹，不是文件", "is a folder, not a file"),
        "error.store.workspace_file_damaged": (
            "工作区文件 {path} {problem}；请运行 geoair check 查看详情，从备份恢复该文件，或用 "
            "geoair init 新建工作区后重新导入数据。",
            "The workspace file {path} {problem}. Run geoair check for details, restore the "
            "file from a backup, or make a new workspace with geoair init and import the data "
            "again.",
        ),
        "error.store.no_read_permission": (
            "没有读取工作区文件 {path} 的权限，请检查文件权限。",
            "No permission to read the workspace file {path}. Check its permissions.",
        ),
        # geoair check
        "check.no_folder": ("文件夹 {root} 不存在。", "The folder {root} does not exist."),
        "check.no_settings": ("没有 {name}，使用默认设置。", "No {name}: the defaults apply."),
        "check.settings_unreadable": (
            "设置文件 {path} 无法读取（{error}）。",
            "The settings file {path} cannot be read ({error}).",
        ),
        "check.no_gpkg": (
            "没有 {gpkg}：这不是 geoair 工作区（用 geoair init 新建）。",
            "{gpkg} is missing: this is not a geoair workspace (make one with geoair init).",
        ),
        "check.gpkg_is_folder": ("{gpkg} 是文件夹，不是文件。", "{gpkg} is a folder, not a file."),
        "check.gpkg_problem": ("工作区文件 {gpkg} {problem}。", "{gpkg} {problem}."),
        "check.sqlite_cannot_open": (
            "{gpkg}: SQLite 无法打开（{error}）。",
            "{gpkg}: SQLite cannot open it ({error}).",
        ),
        "check.integrity_failed": (
            "{gpkg} 的 SQLite 完整性检查未通过，文件已损坏：{shown}。请从备份恢复。",
            "SQLite's integrity check of {gpkg} failed, the file is damaged: {shown}. Restore "
            "it from a backup.",
        ),
        "check.sqlite_cannot_read": (
            "{gpkg} 已损坏，SQLite 无法读取（{error}）。请从备份恢复。",
            "{gpkg} is damaged: SQLite cannot read it ({error}). Restore it from a backup.",
        ),
        "check.lacks_tables": (
            "{gpkg} 缺少必需的表：{tables}；它不是（完整的）geoair 工作区。",
            "{gpkg} lacks the required table(s) {tables}: it is not a (whole) geoair workspace.",
        ),
        "check.absent_layers": (
            "{gpkg} 的目录（gpkg_contents）列出了不存在的图层：{layers}。",
            "{gpkg} lists layers that are not there: {layers}.",
        ),
        "check.unreadable_layers": (
            "{gpkg} 中这些图层无法读取：{layers}。",
            "These layers of {gpkg} cannot be read: {layers}.",
        ),
        "check.bad_readings": (
            "这些监测数据文件已损坏或不是 geoair 写的：{files}；请删除后重新导入这段时间的数据。",
            "These readings files are damaged or not geoair's: {files}. Delete them and import "
            "those readings again.",
        ),
        "check.leftovers": (
            "有 {n} 个临时文件（{mb:.1f} MB），是被中断的命令留下的；下一个写入工作区的 geoair "
            "命令会删除它们。",
            "{n} temporary file(s) ({mb:.1f} MB) left by an interrupted command; the next "
            "geoair command that writes to the workspace removes them.",
        ),
        "check.lock_held": (
            "锁文件 {lock} 属于正在运行的进程 {pid}。",
            "{lock} is held by running process {pid}.",
        ),
        "check.lock_left": (
            "锁文件 {lock} 是被中断的命令留下的，下一个命令会接管它。",
            "{lock} was left by an interrupted command; the next command takes it over.",
        ),
        "check.read_only": (
            "工作区文件夹 {root} 不可写：可以查看，但命令无法写入结果。",
            "The workspace folder {root} cannot be written: it can be read, but commands "
            "cannot store results.",
        ),
        "error.store.disk_full": (
            "磁盘已满，无法写入工作区 {root}；请清理磁盘空间后重试。",
            "The disk is full: geoair cannot write to the workspace {root}. Free some space and "
            "try again.",
        ),
        "error.store.read_only": (
            "工作区文件夹 {root} 是只读的（或没有写权限），geoair 无法写入；请把工作区复制到可写的"
            "文件夹，或请管理员开放写权限。",
            "The workspace folder {root} is read-only (or you may not write to it), so geoair "
            "cannot write there. Copy the workspace to a folder you can write to, or ask for "
            "write permission.",
        ),
        # database workspaces (geoair/store/pg_*.py, postgis.py)
        "error.store.no_initdb": (
            "没有找到 PostgreSQL 服务器程序（initdb），请安装：apt-get install postgresql "
            "postgresql-postgis。",
            "PostgreSQL's server programs (initdb) are not installed; install them with: "
            "apt-get install postgresql postgresql-postgis.",
        ),
        "error.store.needs_psycopg": (
            "要使用数据库工作区，请先安装 PostgreSQL 支持：python -m pip install "
            "'geoair[postgis]'。",
            "A database workspace needs geoair's PostgreSQL support: python -m pip install "
            "'geoair[postgis]'.",
        ),
        "error.store.bad_url": (
            "无法解析数据库地址 {url}（{error}）。",
            "Cannot read the database URL {url} ({error}); write it as "
            "postgresql://user[:password]@host[:port]/db[?schema=NAME].",
        ),
        "error.store.not_database_url": (
            "“{url}”不是 geoair 能用的数据库地址，请写成 postgresql://用户@主机:端口/库名。",
            "{url} is not a database geoair can use: a workspace is a folder or "
            "postgresql://user[:password]@host[:port]/db[?schema=NAME].",
        ),
        "error.store.bad_schema": (
            "{url} 中的 schema 名称“{schema}”不可用，请只用英文字母、数字和下划线。",
            "The schema name {schema!r} in {url} cannot be used: use letters, digits and "
            "underscores only, starting with a letter (e.g. ?schema=geoair).",
        ),
        "store.your_login": ("（您的登录名）", "(your login name)"),
        "error.store.pg_bad_password": (
            "数据库 {server} 拒绝了用户 {user} 的密码，请核对 URL 中的密码、PGPASSWORD 或 "
            "~/.pgpass。",
            "The database at {server} refused the password of user {user}: check the password "
            "in the URL, in PGPASSWORD or in ~/.pgpass.",
        ),
        "error.store.pg_no_password": (
            "数据库 {server} 要求用户 {user} 提供密码，请写在 URL 中，或 PGPASSWORD、~/.pgpass、"
            "服务文件中。",
            "The database at {server} wants a password for user {user}: give it in the URL, "
            "in PGPASSWORD, in ~/.pgpass or in a service file.",
        ),
        "error.store.pg_no_database": (
            "服务器 {host}:{port} 上没有数据库 {database}，请核对库名（{server}）或请管理员创建。",
            "There is no database {database} on {host}:{port}: check its name in {server}, or "
            "ask the administrator to create it.",
        ),
        "error.store.pg_login_refused": (
            "数据库 {server} 不允许用户 {user} 从这台电脑登录（{error}），请管理员检查角色和 "
            "pg_hba.conf。",
            "The database at {server} does not let user {user} log in from this computer "
            "({error}): ask the administrator to check the role and pg_hba.conf.",
        ),
        "error.store.pg_no_service": (
            "找不到 {url} 中的数据库服务定义（{error}），请检查 PGSERVICEFILE 或 "
            "~/.pg_service.conf。",
            "The service named in {url} is not defined ({error}): check ~/.pg_service.conf or "
            "PGSERVICEFILE.",
        ),
        "store.pg_reason.refused": (
            "连接被拒绝：该地址没有数据库服务器在监听",
            "connection refused: no database server listens there",
        ),
        "store.pg_reason.unknown_host": ("主机名无法识别", "unknown host name"),
        "store.pg_reason.timeout": ("{seconds} 秒内没有应答", "no answer within {seconds} s"),
        "error.store.pg_unreachable": (
            "连不上数据库服务器 {host}:{port}（{reason}），请检查主机名、端口和网络，或请管理员"
            "确认数据库已启动。",
            "Cannot reach the database server {host}:{port} ({reason}): check the host name, "
            "the port and the network, or ask the administrator whether the server is running.",
        ),
        "store.pg_action.read_settings": ("读取设置", "read the settings"),
        "store.pg_action.store_settings": ("保存设置", "store the settings"),
        "store.pg_action.list_tables": ("列出表", "list the tables"),
        "store.pg_action.read_layer": ("读取 {name}", "read {name}"),
        "store.pg_action.write_tables": ("写入", "write the tables"),
        "error.store.pg_no_rights": (
            "用户 {user} 无权在 schema {schema} 中{action}（{error}），请管理员授权，或让同事们"
            "以同一个组角色连接。",
            "User {user} may not {action} in schema {schema} ({error}): ask the administrator "
            "for the rights, or let every analyst connect as one group role (README, "
            "Workspaces).",
        ),
        "error.store.pg_broke_in_write": (
            "与数据库 {server} 的连接在写入时中断（{error}），数据库已撤销本次写入（没有写了一半"
            "的表），请在连接恢复后重新运行该命令。",
            "The connection to {server} broke during the write ({error}); the database rolled "
            "the whole write back (no table is half-written): run the command again once it is "
            "back.",
        ),
        "error.store.pg_broke": (
            "与数据库 {server} 的连接中断了（{error}），请在连接恢复后重新运行该命令。",
            "The connection to {server} broke ({error}): run the command again once it is back.",
        ),
        "error.store.pg_refused": (
            "数据库拒绝了{action}（{error}）。",
            "The database refused to {action} ({error}).",
        ),
        "error.store.pg_busy": (
            "另一位同事正在写入 {name}，等了 {seconds} 秒仍未完成，请稍后重新运行该命令。",
            "Another analyst was still writing {name} after {seconds} s: run the command again "
            "in a minute.",
        ),
        "error.store.pg_no_postgis_rights": (
            "数据库 {database}（{server}）还没有 PostGIS 扩展，而用户 {user} 无权安装：请数据库"
            "管理员（超级用户）在该库中执行 CREATE EXTENSION postgis; 然后再运行 geoair init。",
            "The database {server} has no PostGIS yet and user {user} may not add it: a "
            "database superuser must run CREATE EXTENSION postgis; in {database}, then run "
            "geoair init again.",
        ),
        "error.store.pg_no_postgis": (
            "数据库服务器 {server} 上没有安装 PostGIS，请管理员安装（Debian：apt-get install "
            "postgresql-postgis）。",
            "PostGIS is not installed on the server of {server}: the administrator must "
            "install it (Debian: apt-get install postgresql-postgis), then run CREATE "
            "EXTENSION postgis; in the database.",
        ),
        "error.store.pg_no_create_schema": (
            "用户 {user} 无权在数据库 {database} 中建立 schema {schema}：请管理员执行 GRANT "
            "CREATE ON DATABASE {database} TO {user};（或替您建好该 schema）。",
            "User {user} may not create schema {schema} in database {database}: ask the "
            "administrator to run GRANT CREATE ON DATABASE {database} TO {user}; or to create "
            "the schema for you.",
        ),
        "error.store.pg_already_workspace": (
            "{location} 已经是 geoair 工作区（{server} 的 schema {schema}）。请用 --workspace "
            "{location} 使用它，或换一个 schema（?schema=名称）。",
            "Schema {schema} of {server} already holds a geoair workspace. Use it with "
            "--workspace {location}, or choose another schema (?schema=NAME).",
        ),
        "error.store.pg_no_create_table": (
            "用户 {user} 无权在 schema {schema} 中建表，请管理员授予 CREATE 权限。",
            "User {user} may not create tables in schema {schema}: ask the administrator to "
            "run GRANT CREATE ON SCHEMA {schema} TO {user};",
        ),
        "error.store.pg_no_workspace": (
            "数据库 {server} 的 schema {schema} 里没有 geoair 工作区，请先运行 geoair init "
            "{location}。",
            "There is no geoair workspace in schema {schema} of {server}: make one with geoair "
            "init {location}, or name another schema (?schema=NAME).",
        ),
        # geoair serve (geoair/web)
        "error.web.needs_user": (
            "在 {host} 上开放前，请先添加至少一个用户：geoair users add 用户名 （-w {root}）；"
            "之后每个人都要登录。只在本机使用时不加 --host 即可。",
            "Before serving on {host}, add at least one user with geoair users add NAME (-w "
            "{root}; everyone will then log in); without --host the server is reachable from "
            "this computer only.",
        ),
        "error.web.cannot_listen": (
            "无法在 {host}:{port} 上启动：{error}。端口被占用时请用 --port 换一个（如 --port "
            "{next}）；--host 须是本机的地址。",
            "Cannot listen on {host}:{port} ({error}): choose another --port (e.g. --port "
            "{next}), and a --host that is this computer's.",
        ),
        "error.web.lone_shp": (
            "Shapefile 由多个文件组成（.shp、.dbf、.shx、.prj），请把它们一起压缩成 zip 后上传。",
            "A Shapefile is several files (.shp, .dbf, .shx, .prj): zip them together and "
            "upload the zip.",
        ),
        "error.web.unknown_suffix": (
            "不能导入“{name}”：请上传 Excel（.xlsx）、CSV、GeoPackage、GeoJSON、KML、压缩的 "
            "Shapefile（.zip）或 Parquet 文件。",
            "Cannot import {name!r}: upload Excel, CSV, GeoPackage, GeoJSON, KML, a zipped "
            "Shapefile or Parquet.",
        ),
        "error.web.too_large": (
            "文件超过了上传上限 {mb:g} MB；请拆分文件，或请管理员用 geoair serve --max-upload-mb "
            "调高上限。",
            "The upload exceeds the limit of {mb:g} MB; split the file or ask the "
            "administrator to raise geoair serve --max-upload-mb.",
        ),
        "error.web.not_multipart": (
            "请以 multipart/form-data 表单上传文件（字段 file）。",
            "Send the file as multipart/form-data, in the field 'file'.",
        ),
        "error.web.one_file": ("一次只能上传一个文件。", "Upload one file at a time."),
        "error.web.field_too_long": (
            "表单字段 {name} 太长。",
            "Form field {name!r} is too long.",
        ),
        "error.web.bad_form": (
            "上传的表单不完整或格式错误，请重新上传。",
            "The uploaded form is incomplete or malformed; upload it again.",
        ),
        "error.web.no_file": (
            "没有收到文件：请在表单字段 file 中选择一个文件。",
            "No file received: send it in the form field 'file'.",
        ),
        "error.web.cut_off": ("上传中断，请重新上传。", "The upload was cut off; upload it again."),
        "error.web.empty_file": (
            "文件“{name}”是空的（0字节），请从原系统重新导出。",
            "The file {name!r} is empty (0 bytes); export it again from its source.",
        ),
        # geoair users (geoair/web/users.py)
        "error.users.needs_argon2": (
            '缺少 argon2-cffi，无法保存密码；请安装：pip install "geoair[web]"。',
            'argon2-cffi is missing; install it with pip install "geoair[web]".',
        ),
        "error.users.file_damaged": (
            "用户文件 {path} 已损坏（{error}），请删除后重新添加用户。",
            "The users file {path} is damaged ({error}); delete it and add the users again.",
        ),
        "error.users.bad_name": (
            "用户名“{name}”不可用：请用1-64个汉字、字母、数字或 . _ - @。",
            "User name {name!r} is not valid: use 1-64 letters, digits or . _ - @.",
        ),
        "error.users.short_password": (
            "密码太短：至少{n}个字符。",
            "The password is too short: at least {n} characters.",
        ),
        "error.users.exists": (
            "用户“{name}”已存在；改密码请用 geoair users passwd {name}。",
            "User {name!r} exists already; change the password with geoair users passwd {name}.",
        ),
        "error.users.no_such_user": (
            "没有用户“{name}”；现有用户：{users}。",
            "No user {name!r}; the users are: {users}.",
        ),
    }
)
