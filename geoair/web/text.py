"""Every text the web app shows, in Chinese and English: ``{id: (zh, en)}``.

Pages are in Chinese; English when the server is started with ``--lang en`` or
``GEOAIR_LANG=en``, or when a user picks it in the page header (a cookie). All page
strings live in this one module so that they can move into geoair's message catalogue
as they are. Texts may hold ``{name}`` fields, filled by :func:`text`. Jinja2 escapes
every text when a page is rendered, and the page script sets texts with
``textContent``, so no text here or from the data is ever read as HTML.
"""

from __future__ import annotations

import os

from geoair.store.schema import KINDS

__all__ = [
    "COLUMNS",
    "LANGS",
    "LAYER_NAMES",
    "TEXT",
    "column_label",
    "default_lang",
    "layer_title",
    "script_texts",
    "text",
]


LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # -- frame of every page -----------------------------------------------------------
    "app_title": ("geoair 大气污染防治监管", "geoair air-pollution supervision"),
    "nav_overview": ("概览", "Overview"),
    "nav_import": ("导入", "Import"),
    "nav_work": ("本月工作", "This month"),
    "nav_map": ("地图", "Map"),
    "nav_downloads": ("下载", "Downloads"),
    "other_lang": ("English", "中文"),
    "workspace": ("工作区：", "Workspace: "),
    "logged_in_as": ("当前用户：", "Signed in as "),
    "sep": ("：", ": "),
    "paren_open": ("（", " ("),
    "paren_close": ("）", ")"),
    "logout": ("退出登录", "Sign out"),
    "footer_api": ("接口说明（OpenAPI）", "API description (OpenAPI)"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无", "none"),
    "loading": ("加载中…", "Loading…"),
    # -- login --------------------------------------------------------------------------
    "login_title": ("登录", "Sign in"),
    "login_intro": (
        "此服务器对局域网开放，请用管理员以 geoair users add 添加的账号登录。",
        "This server is open to the network: sign in with an account the administrator "
        "added with geoair users add.",
    ),
    "login_name": ("用户名", "User name"),
    "login_password": ("密码", "Password"),
    "login_submit": ("登录", "Sign in"),
    "login_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "login_locked": (
        "登录失败次数过多，请{minutes}分钟后再试。",
        "Too many failed sign-ins; try again in {minutes} minutes.",
    ),
    "login_needed": ("请先登录。", "Please sign in first."),
    # -- refusals (middleware) ---------------------------------------------------------------
    "csrf_refused": (
        "请求缺少有效的安全令牌（CSRF），已拒绝；请刷新页面后重试。脚本请先 GET /api/session "
        "取得令牌，并在请求头 X-CSRF-Token 中发送。",
        "Refused: the request lacks a valid CSRF token. Reload the page and try again; "
        "scripts get one from GET /api/session and send it in the X-CSRF-Token header.",
    ),
    "origin_refused": (
        "请求来自其他网站，已拒绝。",
        "Refused: the request comes from another site.",
    ),
    "host_refused": (
        "此服务器只接受本机地址（127.0.0.1 或 localhost）的访问。",
        "This server answers only on this computer's own address (127.0.0.1 or localhost).",
    ),
    "internal_error": (
        "内部错误，请查看服务器日志。",
        "Internal error; see the server's log.",
    ),
    "not_found": ("没有找到。", "Not found."),
    "bad_request": (
        '请求的格式不对（{where}）：参数请以 JSON 对象发送，如 {{"month": "2024-03"}}。',
        "The request is malformed ({where}): send the parameters as a JSON object, e.g. "
        '{{"month": "2024-03"}}.',
    ),
    "no_such_layer": (
        "工作区没有图层或数据表“{name}”。",
        "The workspace has no layer or table {name!r}.",
    ),
    "no_such_job": ("没有编号为 {id} 的任务。", "No job {id}."),
    "no_such_file": ("没有这个文件。", "No such file."),
    "unknown_kind": (
        "“{kind}”不是可导入的类型；可导入：{kinds}。",
        "Unknown kind {kind!r}; geoair imports: {kinds}.",
    ),
    "unknown_step": (
        "没有名为“{name}”的步骤；可运行：{steps}。",
        "No step {name!r}; steps: {steps}.",
    ),
    "param_unknown": (
        "没有参数“{name}”（可用：{known}）",
        "Unknown parameter {name!r} (known: {known}).",
    ),
    "param_required": ("请填写{label}", "{label} is required."),
    "param_bad_number": (
        "{label}：“{value}”不是正数",
        "{label}: {value!r} is not a positive number.",
    ),
    "param_bad_int": (
        "{label}：“{value}”不是正整数",
        "{label}: {value!r} is not a positive whole number.",
    ),
    "param_bad_month": (
        "{label}：“{value}”不是月份，请写成 2024-03",
        "{label}: {value!r} is not a month; write 2024-03.",
    ),
    "param_bad_date": (
        "{label}：“{value}”不是日期，请写成 2024-03-05",
        "{label}: {value!r} is not a date; write 2024-03-05.",
    ),
    "param_bad_choice": (
        "{label}：“{value}”不是可选值",
        "{label}: {value!r} is not one of the choices.",
    ),
    "param_bad_bool": ("{label}：“{value}”不是是/否", "{label}: {value!r} is not yes/no."),
    "param_bad_layer": (
        "{label}：工作区没有“{value}”",
        "{label}: the workspace has no {value!r}.",
    ),
    "param_bad_text": ("{label}：太长", "{label}: too long."),
    # -- overview ---------------------------------------------------------------------------
    "overview_title": ("概览", "Overview"),
    "overview_layers": ("图层和数据表", "Layers and tables"),
    "overview_empty": (
        "工作区还是空的：先到“导入”页导入台账和记录。",
        "The workspace is empty: import ledgers and records on the Import page first.",
    ),
    "col_layer": ("名称", "Name"),
    "col_layer_id": ("图层名", "Layer"),
    "col_count": ("条数", "Rows"),
    "col_kind": ("类型", "Kind"),
    "kind_layer": ("图层", "layer"),
    "kind_table": ("数据表", "table"),
    "preview": ("在地图上查看", "view on a map"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "overview_latest": ("各类记录的最新月份", "Latest month of each kind of record"),
    "col_record": ("记录", "Record"),
    "col_latest": ("最新月份", "Latest month"),
    "col_latest_day": ("最后一天", "Last day"),
    "overview_steps": ("各步骤所需数据", "What each step needs"),
    "col_step": ("步骤", "Step"),
    "col_status": ("状态", "Status"),
    "ready": ("可以运行", "ready"),
    "readings_hourly": ("小时监测数据", "hourly readings"),
    "readings_dustfall": ("降尘数据", "dustfall"),
    # -- what a step needs --------------------------------------------------------------
    "need_gates": (
        "没有厂门图层，无法计算厂门100米道路",
        "No gates layer: the 100 m gate roads cannot be computed",
    ),
    "need_roads": (
        "没有道路图层，无法计算厂门100米道路",
        "No roads layer: the 100 m gate roads cannot be computed",
    ),
    "need_stations_indicators": (
        "没有监测站图层，无法计算监测指标",
        "No stations layer: indicators cannot be computed",
    ),
    "need_readings_indicators": (
        "没有小时监测数据，无法计算监测指标",
        "No hourly readings: indicators cannot be computed",
    ),
    "need_targets": (
        "没有考核目标，无法进行目标考核",
        "No targets: targets cannot be checked",
    ),
    "need_stations_targets": (
        "没有监测站图层，无法进行目标考核",
        "No stations layer: targets cannot be checked",
    ),
    "need_readings_targets": (
        "没有小时监测数据，无法进行目标考核",
        "No hourly readings: targets cannot be checked",
    ),
    "need_parks": ("没有园区图层，无法进行园区评分", "No parks layer: parks cannot be scored"),
    "need_stations_suspects": (
        "没有监测站图层，无法分析疑似污染源",
        "No stations layer: suspects cannot be ranked",
    ),
    "need_readings_suspects": (
        "没有小时监测数据（含风向、风速），无法分析疑似污染源",
        "No hourly readings (with wind): suspects cannot be ranked",
    ),
    "need_sources_suspects": (
        "没有企业、矸石山或园区图层，无法分析疑似污染源",
        "No enterprises, gangue heaps or parks: suspects cannot be ranked",
    ),
    "need_sites_patrol": (
        "没有企业或矸石山图层，无法制定巡查计划",
        "No enterprises or gangue heaps: no patrol can be planned",
    ),
    "need_layers_map": (
        "工作区还没有图层，无法绘制地图",
        "The workspace has no layer yet: no map can be drawn",
    ),
    "need_records_forms": (
        "没有检查记录或案件，无法生成报表",
        "No inspections or cases: the forms cannot be filled",
    ),
    # -- import -------------------------------------------------------------------------
    "import_title": ("导入数据", "Import data"),
    "import_intro": (
        "选择数据类型和文件后导入。无法导入的行会列在下方，并说明行号和原因；其余行照常导入。",
        "Choose the kind and the file. Rows that cannot be imported are listed below with "
        "their row number and the reason; the others are imported.",
    ),
    "import_kind": ("数据类型", "Kind"),
    "import_file": ("文件", "File"),
    "import_drop": (
        "把文件拖到这里，或点击选择文件（Excel、CSV、GeoPackage、GeoJSON、KML、压缩的 Shapefile）",
        "Drop a file here, or click to choose one (Excel, CSV, GeoPackage, GeoJSON, KML, "
        "zipped Shapefile)",
    ),
    "import_chosen": ("已选择：", "Chosen:"),
    "import_coords": ("坐标系", "Coordinate system"),
    "coords_default": (
        "文件自带，或工作区默认（WGS-84）",
        "the file's own, else the workspace default (WGS-84)",
    ),
    "coords_wgs84": ("WGS-84（GPS、天地图）", "WGS-84 (GPS, Tianditu)"),
    "coords_gcj02": ("GCJ-02（从高德、腾讯地图上取的坐标）", "GCJ-02 (copied from Amap, Tencent)"),
    "coords_bd09": ("BD-09（从百度地图上取的坐标）", "BD-09 (copied from Baidu)"),
    "coords_4546": ("CGCS2000 高斯-克吕格 111°E（EPSG:4546）", "CGCS2000 GK 111°E (EPSG:4546)"),
    "coords_4547": ("CGCS2000 高斯-克吕格 114°E（EPSG:4547）", "CGCS2000 GK 114°E (EPSG:4547)"),
    "import_coords_other": ("或其他坐标系（EPSG 编号）", "or another system (EPSG code)"),
    "import_encoding": ("文字编码", "Text encoding"),
    "encoding_auto": ("自动识别", "detect"),
    "import_sheet": ("工作表（Excel，默认第一个）", "Sheet (Excel; default the first)"),
    "import_date": (
        "日期（附件2检查日期；目标附件的年份）",
        "Date (of a 附件2 checklist; the year of the target annexes)",
    ),
    "import_replace": ("替换整个图层（而不是按编号合并）", "Replace the whole layer"),
    "import_submit": ("导入", "Import"),
    "import_running": ("正在导入…", "Importing…"),
    "import_too_big": (
        "文件大于上传上限 {mb} MB，请拆分后再导入。",
        "The file is larger than the upload limit of {mb} MB; split it.",
    ),
    "import_no_file": ("请先选择文件。", "Choose a file first."),
    "import_summary": (
        "{source}：读取 {rows_read} 行，导入 {imported} 行（其中替换已有 {replaced} 行），"
        "退回 {rejected} 行。",
        "{source}: {rows_read} rows read, {imported} imported ({replaced} replaced rows "
        "already there), {rejected} rejected.",
    ),
    "import_notes": ("说明", "Notes"),
    "import_rejects": ("无法导入的行", "Rows not imported"),
    "import_rejects_download": ("下载退回行（CSV，可用 Excel 打开）", "Download the rejects (CSV)"),
    "import_no_rejects": ("所有行都已导入。", "Every row was imported."),
    "import_rejects_more": (
        "页面只显示前 {shown} 行，共 {total} 行；完整内容请下载 CSV。",
        "Showing {shown} of {total} rows; download the CSV for all.",
    ),
    "import_next": ("下一步", "Next"),
    "import_span": ("范围", "Span"),
    "import_error": ("未导入：", "Not imported:"),
    # -- the month's work ---------------------------------------------------------------
    "work_title": ("本月工作", "This month's work"),
    "work_intro": (
        "按顺序运行各步骤；运行时显示进度，结果以表格列出，并写入工作区（与命令行相同）。",
        "Run the steps in order; progress shows while a step runs, results appear as tables "
        "and are written to the workspace (as the command line does).",
    ),
    "run": ("运行", "Run"),
    "run_again": ("再次运行", "Run again"),
    "state_queued": ("排队等候…", "queued…"),
    "state_running": ("运行中…", "running…"),
    "state_done": ("完成", "done"),
    "state_failed": ("失败", "failed"),
    "seconds": ("{s} 秒", "{s} s"),
    "details": ("详细信息", "Details"),
    "files": ("文件", "Files"),
    "rows_shown": (
        "显示前 {shown} 行，共 {total} 行",
        "Showing {shown} of {total} rows",
    ),
    "cannot_run": ("暂时无法运行：", "Cannot run yet:"),
    "recent_jobs": ("最近的任务", "Recent jobs"),
    "step_gate_roads": ("厂门100米道路", "Gate roads (100 m)"),
    "step_indicators": (
        "监测指标（日均值、AQI、月均值）",
        "Indicators (daily AQI, monthly values)",
    ),
    "step_targets": ("目标考核", "Targets check"),
    "step_park_scores": ("园区评分排名", "Park scores and ranking"),
    "step_suspects": ("疑似污染源（上风向）", "Upwind suspects"),
    "step_patrol_plan": ("巡查计划", "Patrol plan"),
    "step_map": ("地图", "Map"),
    "step_forms": ("报表", "Forms"),
    "step_export": ("导出图层", "Export a layer"),
    "p_radius_m": ("半径（米）", "Radius (m)"),
    "p_month": ("月份（如 2024-03，默认最新）", "Month (e.g. 2024-03; default the latest)"),
    "p_period": ("时段", "Period"),
    "p_by": ("统计对象", "By"),
    "p_start": ("起始日期", "First day"),
    "p_end": ("结束日期", "Last day"),
    "p_period_text": (
        "时段（如 2024-03 或 2024-01/2024-03，默认逐月）",
        "Period (e.g. 2024-03 or 2024-01/2024-03; default every month)",
    ),
    "p_pollutant": ("污染物", "Pollutant"),
    "p_date": (
        "巡查日期（默认最后一条记录的次日）",
        "Day (default: the day after the last record)",
    ),
    "p_teams": ("巡查组数", "Teams"),
    "p_stops": ("每组点位数", "Stops per team"),
    "p_start_place": ("出发地点（名称或 经度,纬度）", "Start (a name or lon,lat)"),
    "p_county": ("县区（默认全部）", "County (default all)"),
    "p_tiles": ("底图", "Basemap"),
    "p_png": ("同时生成报告用 PNG 图（300 dpi）", "Also the 300-dpi PNG for reports"),
    "p_layer": ("图层或数据表", "Layer or table"),
    "p_format": ("格式", "Format"),
    "p_crs": ("坐标系", "Coordinate system"),
    "period_month": ("月", "month"),
    "period_quarter": ("季度", "quarter"),
    "period_year": ("年", "year"),
    "period_day": ("日", "day"),
    "by_station": ("站点", "station"),
    "by_county": ("县区", "county"),
    "by_park": ("园区", "park"),
    "tiles_default": ("设置中的底图", "as in the settings"),
    "tiles_osm": ("OpenStreetMap", "OpenStreetMap"),
    "tiles_tianditu": ("天地图（需密钥）", "Tianditu (needs a key)"),
    "tiles_amap": ("高德（GCJ-02）", "Amap (GCJ-02)"),
    "tiles_none": ("无底图（县区界为底图）", "none (county outlines)"),
    "crs_default": ("设置中的坐标系", "as in the settings"),
    "crs_wgs84": ("WGS-84", "WGS-84"),
    "crs_cgcs2000": ("CGCS2000（EPSG:4490）", "CGCS2000 (EPSG:4490)"),
    "crs_gcj02": ("GCJ-02（用于高德、腾讯）", "GCJ-02 (for Amap, Tencent)"),
    "crs_4546": ("CGCS2000 高斯-克吕格 111°E", "CGCS2000 GK 111°E"),
    "crs_4547": ("CGCS2000 高斯-克吕格 114°E", "CGCS2000 GK 114°E"),
    "fmt_gpkg": ("GeoPackage（QGIS）", "GeoPackage (QGIS)"),
    "fmt_xlsx": ("Excel", "Excel"),
    "fmt_csv": ("CSV（Excel 可打开）", "CSV"),
    "fmt_shp": ("Shapefile（zip）", "Shapefile (zip)"),
    "fmt_kml": ("KML（平板、手机地图）", "KML (tablets)"),
    "fmt_geojson": ("GeoJSON", "GeoJSON"),
    "fmt_parquet": ("GeoParquet", "GeoParquet"),
    "t_county_totals": ("各县区清扫长度", "Metres to sweep per county"),
    "t_sweep_tasks": ("清扫任务（按企业）", "Sweeping tasks (per enterprise)"),
    "t_gate_findings": ("需核查的厂门", "Gates to check"),
    "t_indicators": ("监测指标", "Indicators"),
    "t_targets": ("目标考核（未达标在前）", "Targets (missed first)"),
    "t_park_scores": ("园区排名", "Park ranking"),
    "t_suspects": ("各站点前三位疑似污染源", "Top-3 suspects per station"),
    "t_routes": ("各组路线", "Routes per team"),
    "t_stops": ("巡查点位", "Stops"),
    "map_county_unsupported": (
        "此版本的地图还不能按县区筛选：已绘制全部县区。",
        "This version's map cannot be limited to a county yet: every county is drawn.",
    ),
    # -- map ----------------------------------------------------------------------------
    "map_title": ("地图", "Map"),
    "map_intro": (
        "生成与 geoair map 相同的交互地图（离线可用）。点击要素查看记录，左上角可按名称搜索。",
        "Draws the interactive map of geoair map (works offline). Click a feature for its "
        "records; search by name at the top left.",
    ),
    "map_draw": ("生成地图", "Draw the map"),
    "map_open": ("在新窗口打开", "Open in a new window"),
    "map_existing": ("已生成的地图", "Maps already drawn"),
    "layer_title": ("图层：{name}", "Layer: {name}"),
    "layer_features": ("{n} 个要素", "{n} features"),
    # -- downloads ----------------------------------------------------------------------
    "downloads_title": ("下载", "Downloads"),
    "downloads_forms": (
        "报表（附件2问题清单、附件3汇总表、调度表、PM2.5目标完成情况）",
        "Forms (附件2, 附件3, dispatch table, PM2.5 against targets)",
    ),
    "downloads_forms_go": ("生成报表", "Write the forms"),
    "downloads_export": (
        "导出图层（GIS、Excel、KML 等格式）",
        "Export a layer (GIS, Excel, KML...)",
    ),
    "downloads_export_go": ("导出", "Export"),
    "downloads_patrol": (
        "巡查路线文件（GPX、KML、Excel、地图）",
        "Patrol files (GPX, KML, Excel, map)",
    ),
    "downloads_patrol_none": (
        "还没有巡查计划：在“本月工作”中运行“巡查计划”。",
        "No patrol plan yet: run the patrol plan under This month.",
    ),
    "downloads_all": ("工作区的全部输出文件", "Every output file of the workspace"),
    "downloads_none": ("还没有输出文件。", "No output files yet."),
    "col_file": ("文件", "File"),
    "col_size": ("大小", "Size"),
    "col_time": ("时间", "Modified"),
}

# Column labels of result tables; schema fields fall back to their Chinese headers.
COLUMNS: dict[str, tuple[str, str]] = {
    "county": ("县区", "county"),
    "enterprises": ("企业数", "enterprises"),
    "gates": ("厂门", "gates"),
    "length_m": ("长度（米）", "length (m)"),
    "enterprise_name": ("企业名称", "enterprise"),
    "n_gates": ("厂门数", "gates"),
    "roads": ("道路", "roads"),
    "gates_without_road": ("无道路的厂门", "gates without road"),
    "gate_id": ("厂门编号", "gate id"),
    "gate_name": ("厂门名称", "gate"),
    "finding_zh": ("问题", "finding"),
    "distance_m": ("距离（米）", "distance (m)"),
    "station": ("站点", "station"),
    "station_name": ("站点", "station"),
    "park": ("园区", "park"),
    "date": ("日期", "date"),
    "period": ("时段", "period"),
    "aqi": ("AQI", "AQI"),
    "category": ("类别", "category"),
    "composite_index": ("综合指数", "composite index"),
    "good_days": ("优良天数", "good days"),
    "validity": ("有效性", "validity"),
    "CO_p95": ("CO（第95百分位）", "CO (95th pct)"),
    "O3_8h_p90": ("O3-8h（第90百分位）", "O3-8h (90th pct)"),
    "scope": ("范围", "scope"),
    "target_name": ("对象", "target"),
    "metric": ("指标", "metric"),
    "actual": ("实际值", "actual"),
    "target": ("目标值", "target"),
    "difference": ("差值", "difference"),
    "met": ("达标", "met"),
    "rank": ("排名", "rank"),
    "name": ("名称", "name"),
    "source_kind": ("类型", "kind"),
    "industry": ("行业", "industry"),
    "bearing_deg": ("方位（度）", "bearing (°)"),
    "sector": ("方位扇区", "sector"),
    "score": ("得分", "score"),
    "team": ("组", "team"),
    "stops": ("点位数", "stops"),
    "stop": ("顺序", "order"),
    "kind_zh": ("类型", "kind"),
    "why": ("入选原因", "why"),
    "reasons": ("风险说明", "reasons"),
    "leg_m": ("本段距离（米）", "leg (m)"),
    "行号": ("行号", "row"),
    "原因": ("原因", "reason"),
}

# Titles of workspace layers and tables that are not import kinds.
LAYER_NAMES: dict[str, tuple[str, str]] = {
    "readings": ("小时监测数据", "hourly readings"),
    "dustfall": ("降尘", "dustfall"),
    "targets_annex": ("考核目标（附件原表）", "targets (annex tables as printed)"),
    "gate_roads": ("厂门100米道路", "gate roads"),
    "gate_buffers": ("厂门100米范围", "gate circles"),
    "sweep_tasks": ("清扫任务", "sweeping tasks"),
    "gate_findings": ("需核查的厂门", "gates to check"),
    "station_daily": ("站点日均值", "station daily values"),
    "station_monthly": ("站点月均值", "station monthly values"),
    "county_monthly": ("县区月均值", "county monthly values"),
    "park_monthly": ("园区月均值", "park monthly values"),
    "targets_check": ("目标考核", "targets check"),
    "site_assignment": ("点位归属", "site assignment"),
    "park_scores": ("园区评分", "park scores"),
    "enterprise_scores": ("企业评分", "enterprise scores"),
    "station_sources": ("站点周边污染源", "sources near stations"),
    "source_suspects": ("疑似污染源", "upwind suspects"),
    "source_plots": ("污染玫瑰图", "polar plots"),
    "risk_scores": ("巡查风险", "patrol risk"),
    "patrol_stops": ("巡查点位", "patrol stops"),
    "patrol_routes": ("巡查路线", "patrol routes"),
    "patrol_history": ("巡查历史", "patrol history"),
    "surface_zones": ("浓度面分区统计", "surface zone statistics"),
    "import_log": ("导入记录", "import log"),
}


def default_lang() -> str:
    """``zh``, or ``en`` when ``GEOAIR_LANG`` says so (``en``, ``en_US.UTF-8``...)."""
    value = os.environ.get("GEOAIR_LANG", "").strip().lower()
    return "en" if value.startswith("en") else "zh"


def text(key: str, lang: str = "zh", /, **fields: object) -> str:
    """The text ``key`` in ``lang`` (``zh`` or ``en``), with ``{fields}`` filled in."""
    zh, en = TEXT[key]
    template = en if lang == "en" else zh
    return template.format(**fields) if fields else template


def column_label(column: str, lang: str = "zh") -> str:
    """A result table's column header: geoair's label, the schema's Chinese header, or
    the column's own name."""
    if column in COLUMNS:
        zh, en = COLUMNS[column]
        return en if lang == "en" else zh
    if lang == "zh":
        for spec in KINDS.values():
            for item in spec.fields:
                if item.name == column:
                    return item.zh
    return column


def layer_title(name: str, lang: str = "zh") -> str:
    """A layer's or import kind's title: 企业, 厂门100米道路, 小时监测数据..."""
    if name in KINDS:
        return KINDS[name].zh if lang == "zh" else name.replace("_", " ")
    if name in LAYER_NAMES:
        zh, en = LAYER_NAMES[name]
        return en if lang == "en" else zh
    return name


def script_texts(lang: str = "zh") -> dict[str, str]:
    """The texts the page script needs, in ``lang`` (embedded as JSON in each page)."""
    keys = [
        k
        for k in TEXT
        if k.startswith(("import_", "state_", "col_"))
        or k in ("seconds", "details", "files", "rows_shown", "run", "run_again", "loading")
        or k in ("map_open", "cannot_run", "yes", "no", "internal_error")
        or k in ("sep", "paren_open", "paren_close")
    ]
    return {k: text(k, lang) for k in keys}
