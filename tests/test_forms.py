"""Tests of geoair.reports.forms: exact headers and merges, re-import, dispatch, targets."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from geoair.errors import FormError
from geoair.imports.pipeline import import_file
from geoair.io.normalize import halfwidth
from geoair.messages import use_language
from geoair.reports.dispatch import dispatch_form, dispatch_weeks, problem_category
from geoair.reports.form_model import header_cells, write_workbook
from geoair.reports.forms import (
    ANNEX2_HEADER,
    annex2_form,
    annex3_form,
    annex_periods,
    target_form,
    write_forms,
)
from geoair.store.open import init_workspace


@pytest.fixture
def enterprises() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["阳泉焦化有限公司", "郊区耐火材料厂", "盂县洗煤厂"],
            "county": ["郊区", "郊区", "盂县"],
        },
        geometry=[Point(113.50, 37.85), Point(113.52, 37.86), Point(113.40, 38.08)],
        crs="EPSG:4326",
    )


@pytest.fixture
def inspections() -> pd.DataFrame:
    boolean = lambda *v: pd.array(list(v), dtype="boolean")  # noqa: E731
    return pd.DataFrame(
        {
            "seq": pd.array([1, 2, 3], dtype="Int64"),
            "county": ["郊区", "郊区", "盂县"],
            "township": ["荫营镇", "河底镇", "秀水镇"],
            "enterprise_name": ["阳泉焦化有限公司", "郊区耐火材料厂", "盂县洗煤厂"],
            "enterprise_id": ["E1", "E2", "E3"],
            "inspection_date": pd.to_datetime(["2024-03-12", "2024-03-12", "2024-04-02"]),
            "yard_enclosed": boolean(True, False, True),
            "transport": ["1、4", "非密闭输送", "4"],
            "roads_hardened": boolean(True, True, False),
            "site_hardened": boolean(True, False, True),
            "dust_points": pd.array([5, 2, 0], dtype="Int64"),
            "dust_measures_ok": boolean(True, False, True),
            "vehicle_washing": boolean(True, False, True),
            "unorganised_ok": boolean(True, False, True),
            "status": ["正常生产", "依法停产", "正常生产"],
            "note": ["煤场", None, "料场"],
            "responsible": ["张三", "李四", "王五"],
            "transport_closed": boolean(True, False, True),
            "transport_code": pd.array([1, pd.NA, 4], dtype="Int64"),
        }
    )


@pytest.fixture
def cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seq": pd.array([1, 2, 3, 4], dtype="Int64"),
            "inspection_date": pd.to_datetime(
                ["2024-03-05", "2024-03-12", "2024-03-12", "2024-02-20"]
            ),
            "county": ["郊区", "郊区", "郊区", "盂县"],
            "enterprise_name": [
                "阳泉焦化有限公司",
                "郊区耐火材料厂",
                "阳泉焦化有限公司",
                "盂县洗煤厂",
            ],
            "enterprise_id": ["E1", "E2", "E1", "E3"],
            "problem": [
                "煤场未全封闭，扬尘明显",
                "除尘器未开启",
                "在线监测数据弄虚作假",
                "道路积尘",
            ],
            "measure": ["立行立改", "停产整治、立案处罚", "立案处罚", "立行立改"],
            "fixed_on_spot": pd.array([True, False, False, True], dtype="boolean"),
            "stopped": pd.array([False, True, False, False], dtype="boolean"),
            "filed": pd.array([False, True, True, False], dtype="boolean"),
            "rectification": ["已苫盖", "停产整治", "立案调查", "已清扫"],
            "fine_yuan": [0.0, 50000.0, 200000.0, 0.0],
            "rectified": pd.array([True, False, False, True], dtype="boolean"),
            "note": [None, "限期一个月", None, None],
        }
    )


def test_annex2_header_tree():
    cells, merges = header_cells(ANNEX2_HEADER)
    assert (
        len(
            [
                c
                for c in cells
                if c[2] in {"序号", "责任人"} or "(" in c[2] or c[2] in {"县区", "企业名称"}
            ]
        )
        >= 13
    )
    assert (0, 0, 2, 0) in merges  # 序号 spans three rows
    assert (0, 4, 0, 10) in merges  # 无组织排放整治情况 over seven columns
    assert (1, 8, 1, 9) in merges  # 尘点封闭及除尘设施建设 over two
    assert (1, 4, 2, 4) in merges  # 物料堆场… down two rows
    assert (2, 8, "数量(个)") in cells and (2, 9, "防尘措施是否到位(是/否)") in cells
    assert (0, 14, 2, 14) in merges  # 责任人, the 15th column


def test_annex2_workbook(inspections, tmp_path):
    form = annex2_form(inspections, month="2024-03", county="郊区")
    assert len(form.columns) == 15
    table = form.frame()
    # sorted by county, township (河底镇 before 荫营镇), enterprise
    assert list(table["企业名称"]) == ["郊区耐火材料厂", "阳泉焦化有限公司"]
    assert list(table["厂区运输方式(密闭输送①/非密闭输送)"]) == ["非密闭输送", "1、4"]
    assert list(table["车辆冲洗(有/无)"]) == ["无", "有"]
    path = write_workbook([form], tmp_path / "a2.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "附件2"
    assert sheet["A2"].value == "郊区工业企业“净厂”巩固提升行动问题清单"
    assert sheet["A3"].value == "（2024年3月）"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:A6", "E4:K4", "I5:J5", "E5:E6", "O4:O6"} <= merged
    assert sheet["E4"].value == "无组织排放整治情况"
    assert sheet["I6"].value == "数量(个)"
    assert sheet["A7"].value == 1 and sheet["D8"].value == "阳泉焦化有限公司"
    assert sheet["A9"].value.startswith("备注：①密闭输送方式")


def test_annex3_workbook(cases, tmp_path):
    form = annex3_form(cases, month="2024-03", county="郊区")
    path = write_workbook([form], tmp_path / "a3.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "郊区3月工业企业“净厂”巩固提升行动监管工作情况汇总表"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"F4:H4", "A4:A5", "L4:L5"} <= merged
    assert [sheet.cell(5, c).value for c in (6, 7, 8)] == ["立行立改", "停产整治", "立案处罚"]
    assert [r[4] for r in form.rows] == [
        "煤场未全封闭，扬尘明显",
        "除尘器未开启",
        "在线监测数据弄虚作假",
    ]
    assert [r[6] for r in form.rows] == [None, "√", None]  # 停产整治
    assert [r[9] for r in form.rows] == [0, 50000, 200000]  # 处罚金额（元）


def _fold(value: object) -> object:
    # The importer folds full-width punctuation (，→ ,) as it folds digits: compare so.
    if pd.isna(value):
        return None
    return halfwidth(value) if isinstance(value, str) else value


def _compare(original: pd.DataFrame, back: pd.DataFrame, columns: list[str]) -> None:
    key = ["enterprise_name", "inspection_date"]
    a = original.sort_values(key).reset_index(drop=True)
    b = back.sort_values(key).reset_index(drop=True)
    for column in columns:
        assert [_fold(v) for v in a[column]] == [_fold(v) for v in b[column]], column


def test_forms_import_back(enterprises, inspections, cases, tmp_path):
    march = inspections[inspections.inspection_date.dt.month == 3]
    a2 = write_workbook([annex2_form(march, month="2024-03")], tmp_path / "a2.xlsx")
    a3 = write_workbook([annex3_form(cases, month="2024-03")], tmp_path / "a3.xlsx")
    ws = init_workspace(tmp_path / "ws")
    ws.write("enterprises", enterprises)
    report = import_file(ws, "inspections", a2, record_date="2024-03-12")
    assert report.rows_rejected == 0 if hasattr(report, "rows_rejected") else True
    back = ws.read("inspections")
    assert len(back) == 2
    _compare(
        march,
        back,
        [
            "county",
            "township",
            "enterprise_name",
            "enterprise_id",
            "inspection_date",
            "yard_enclosed",
            "transport",
            "transport_closed",
            "transport_code",
            "roads_hardened",
            "site_hardened",
            "dust_points",
            "dust_measures_ok",
            "vehicle_washing",
            "unorganised_ok",
            "status",
            "note",
            "responsible",
        ],
    )
    import_file(ws, "cases", a3)
    back = ws.read("cases")
    march_cases = cases[cases.inspection_date.dt.month == 3]
    assert len(back) == 3
    _compare(
        march_cases,
        back,
        [
            "county",
            "enterprise_name",
            "enterprise_id",
            "problem",
            "fixed_on_spot",
            "stopped",
            "filed",
            "rectification",
            "fine_yuan",
            "rectified",
            "note",
        ],
    )


def test_problem_categories():
    assert problem_category("煤场未全封闭，扬尘明显") == "超标排污（无组织）"
    assert problem_category("除尘器未开启") == "污染防治设施不正常运行"
    assert problem_category("在线监测数据弄虚作假") == "在线监测数据弄虚作假"
    assert problem_category("排气筒颗粒物超标排放") == "超标排污（有组织）"
    assert problem_category("未按要求建立台账") == "其它"


def test_dispatch(cases, inspections):
    weeks = dispatch_weeks("2024-03")
    assert [(s.strftime("%m-%d"), e.strftime("%m-%d")) for s, e in weeks] == [
        ("02-24", "03-01"),
        ("03-02", "03-08"),
        ("03-09", "03-15"),
        ("03-16", "03-22"),
        ("03-23", "03-29"),
    ]
    form = dispatch_form(cases, inspections, week=weeks[2], unit="郊区")
    assert form.titles[2].endswith("3月9日至3月15日")
    rows = form.rows
    # Week 9-15 March: 2 enterprises visited, 2 problems in 2 categories, fines 25 万元.
    assert rows[0][0] == "工业企业（个）\n2"
    assert rows[0][1:] == [
        1,
        "1. 在线监测数据弄虚作假：阳泉焦化有限公司：在线监测数据弄虚作假",
        "立案处罚1起",
        20.0,
    ]
    assert rows[1][1:] == [
        1,
        "2. 污染防治设施不正常运行：郊区耐火材料厂：除尘器未开启",
        "停产整治1起；立案处罚1起",
        5.0,
    ]
    assert rows[-1] == ["合计", 2, None, None, 25.0]
    assert (0, 0, 1, 0) in form.merges
    quiet = dispatch_form(cases, None, week=weeks[3], unit="郊区")
    assert quiet.rows[0] == ["工业企业（个）\n0", 0, "本周未发现问题", None, 0]


def test_dispatch_without_fine_column(cases, inspections):
    # a cases table without fine_yuan: no fines, not a crash
    week = dispatch_weeks("2024-03")[2]
    form = dispatch_form(cases.drop(columns="fine_yuan"), inspections, week=week, unit="郊区")
    assert [row[4] for row in form.rows[:2]] == [0.0, 0.0]
    assert form.rows[-1] == ["合计", 2, None, None, 0.0]


# 阳政办发〔2020〕131号 附件1 and 附件2 as printed (the seed's text, tab-separated).
SEED_ANNEX1 = """阳泉市 2020 年 10-12 月空气质量 PM_{2.5} 目标任务分解
一、全市 PM_{2.5} 目标任务分月分解
月份\t市控目标 (μ g/m ³)
均 10-12 月\t52
10 月\t44
11 月\t57
12 月\t54
二、全市各国控站 PM_{2.5} 目标任务分月分解
{stations}
均 10-12 月\t48\t46\t54\t58\t50\t47
10 月\t41\t38\t46\t48\t44\t39
11 月\t55\t52\t60\t64\t56\t53
12 月\t48\t49\t56\t62\t51\t50
三、全市各县区 PM_{2.5} 目标任务分月分解
{counties}
均 10-12 月\t49\t48\t58\t51\t55\t49
10 月\t42\t41\t48\t45\t50\t37
11 月\t56\t54\t64\t54\t58\t55
12 月\t51\t50\t62\t52\t55\t51
说明：根据 2019 年分月数据变化情况，综合考虑各国控站、各县区权重，计算分配目标分解值。
"""
SEED_ANNEX2 = """阳泉市 2020 年 10-12 月优良天数目标任务分解
一、全市优良天数任务分月分解
月份\t市控目标 (天)
10-11 月\t46
10-12 月\t71
10 月\t23
11 月\t23
12 月\t25
二、全市各县区优良天数目标任务分月分解
月份\t城区 (天)\t矿区 (天)\t开发区 (天)\t郊区 (天)\t平定县 (天)\t盂县 (天)
10-11 月\t48\t50\t37\t54\t49\t54
10-12 月\t73\t76\t53\t79\t75\t81
10 月\t25\t25\t19\t28\t25\t30
11 月\t23\t25\t18\t26\t24\t24
12 月\t25\t26\t16\t25\t26\t27
"""
SEED_STATIONS = ["市中心站", "赛鱼站", "南庄站", "白羊墅站", "平坦站", "大阳泉站"]
SEED_COUNTIES = ["城区", "矿区", "开发区", "郊区", "平定县", "盂县"]
SEED_ANNEX1 = SEED_ANNEX1.replace(
    "{stations}", "\t".join(["月份"] + [f"{n} (μ g/m ³)" for n in SEED_STATIONS])
).replace("{counties}", "\t".join(["月份"] + [f"{n} (μ g/m ³)" for n in SEED_COUNTIES]))


@pytest.fixture
def seed_ws(tmp_path):
    """A workspace with the seed's stations, counties and the 开发区's park, and both
    annexes imported as printed."""
    ws = init_workspace(tmp_path / "seed")
    counties_of = ["城区", "城区", "郊区", "矿区", "郊区", "城区"]
    stations = gpd.GeoDataFrame(
        {
            "id": [f"S{i + 1:02d}" for i in range(6)],
            "name": SEED_STATIONS,
            "kind": ["国控"] * 6,
            "county": counties_of,
        },
        geometry=[Point(113.5 + i / 100, 37.85) for i in range(6)],
        crs="EPSG:4326",
    )
    parks = gpd.GeoDataFrame(
        {"id": ["P01"], "name": ["阳泉经济技术开发区（高新区）"]},
        geometry=[Point(113.6, 37.9).buffer(0.01)],
        crs="EPSG:4326",
    )
    counties = gpd.GeoDataFrame(
        {"code": ["1", "2", "3", "4", "5"], "name": ["城区", "矿区", "郊区", "平定县", "盂县"]},
        geometry=[Point(113 + i, 37).buffer(0.1) for i in range(5)],
        crs="EPSG:4326",
    )
    with ws.transaction() as tx:
        tx.write("stations", stations)
        tx.write("parks", parks)
        tx.write("counties", counties)
    from geoair.readings.annex_targets import import_annex_targets

    for name, text in (("附件1.txt", SEED_ANNEX1), ("附件2.txt", SEED_ANNEX2)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        report = import_annex_targets(ws, path, year="2020")
        assert report.rejected == 0, report  # 开发区 included
    return ws


def test_both_annexes_import_as_printed_with_the_development_zone(seed_ws):
    targets = seed_ws.read("targets")
    assert len(targets) == 4 + 24 + 24 + 5 + 30
    got = targets.set_index(["scope", "target_name", "period", "metric"])["value"]
    assert got[("county", "开发区", "2020-10/2020-12", "pm25")] == 58
    assert got[("county", "开发区", "2020-10/2020-11", "good_days")] == 37
    assert got[("city", "阳泉市", "2020-10/2020-12", "good_days")] == 71
    assert got[("station", "白羊墅站", "2020-11", "pm25")] == 64


def _check(targets: pd.DataFrame) -> pd.DataFrame:
    """A targets check: every target met by 1 unit, except 白羊墅站 in November (invalid)."""
    check = targets.rename(columns={"value": "target"}).copy()
    good = check["metric"] == "good_days"
    check["actual"] = check["target"] + good.map({True: 1.0, False: -1.0})
    check["difference"] = check["actual"] - check["target"]
    check["met"] = pd.array([True] * len(check), dtype="boolean")
    check["validity"] = "valid"
    bad = (check["target_name"] == "白羊墅站") & (check["period"] == "2020-11")
    check.loc[bad, ["actual", "difference"]] = float("nan")
    check.loc[bad, "met"] = pd.NA
    check.loc[bad, "validity"] = "invalid: 24/27 valid days"
    return check


def test_annex_periods_in_the_annexes_order():
    periods = ["2020-10/2020-12", "2020-10", "2020-11", "2020-12", "2024-01", "2020-10/2020-11"]
    assert annex_periods(periods, "2020-11") == [
        "2020-10/2020-11",
        "2020-10/2020-12",
        "2020-10",
        "2020-11",
        "2020-12",
    ]
    assert annex_periods(periods, "2024-01") == ["2024-01"]


def test_pm25_form_has_the_annexs_three_sections_columns_and_span_rows(seed_ws):
    targets = seed_ws.read("targets")
    form = target_form(_check(targets), metric="pm25", month="2020-12", order=targets)
    rows = form.rows
    assert form.titles == [
        "附件1",
        "阳泉市2020年10-12月空气质量PM2.5目标完成情况",
        "（截至2020年12月）",
    ]
    sections = [r[0] for r in rows if r and isinstance(r[0], str) and r[0][1:2] == "、"]
    assert sections == [
        "一、全市空气质量PM2.5目标完成情况",
        "二、全市各国控站空气质量PM2.5目标完成情况",
        "三、全市各县区空气质量PM2.5目标完成情况",
    ]
    headers = [r for r in rows if r and r[0] == "月份"]
    assert headers[0][:3] == ["月份", "项目", "全市（μg/m³）"]
    assert headers[1][2:] == [f"{n}（μg/m³）" for n in SEED_STATIONS]  # the seed's order
    assert headers[2][2:] == [f"{n}（μg/m³）" for n in SEED_COUNTIES]  # 开发区 included
    first = rows.index(headers[0]) + 1
    assert [r[0] for r in rows[first : first + 16 : 4]] == ["均10-12月", "10月", "11月", "12月"]
    assert rows[first][:3] == ["均10-12月", "市控目标", 52]
    assert rows[first + 1][:3] == [None, "实测", 51]
    assert rows[first + 2][:3] == [None, "差值（实测−目标）", -1]
    assert rows[first + 3][:3] == [None, "达标情况", "达标"]
    stations = rows.index(headers[1]) + 1
    november = rows[stations + 8 : stations + 12]
    assert november[0][:2] == ["11月", "目标"] and november[0][5] == 64
    assert november[1][5] == "无效（有效天数24/27）" and november[3][5] == "无效"
    assert november[2][5] is None  # an invalid month is never compared
    assert (stations + 8, 0, stations + 11, 0) in form.merges  # 月份 spans its four rows


def test_good_days_form_has_both_spans_and_counts_met_from_below(seed_ws):
    targets = seed_ws.read("targets")
    form = target_form(_check(targets), metric="good_days", month="2020-11", order=targets)
    labels = [r[0] for r in form.rows if r and r[0] and str(r[0]).endswith("月")]
    assert labels[:5] == ["10-11月", "10-12月", "10月", "11月", "12月"]
    assert form.titles[1] == "阳泉市2020年10-12月优良天数目标完成情况"
    city = form.rows[2:22]
    assert city[0][:3] == ["10-11月", "市控目标", 46]
    assert city[1][2] == 47 and city[2][2] == 1 and city[3][2] == "达标"
    assert city[4][:3] == ["10-12月", "市控目标", 71]
    assert city[5][2] == "时段未结束" and city[7][2] == "未到期"  # not over in November


def test_county_forms_hold_only_that_county(seed_ws):
    targets = seed_ws.read("targets")
    form = target_form(
        _check(targets),
        metric="pm25",
        month="2020-12",
        order=targets,
        stations=seed_ws.read("stations"),
        county="郊区",
    )
    assert "郊区" in form.sheet and form.titles[1].startswith("郊区")
    headers = [r for r in form.rows if r and r[0] == "月份"]
    assert [h[2:] for h in headers] == [
        ["南庄站（μg/m³）", "平坦站（μg/m³）"],  # the stations in 郊区
        ["郊区（μg/m³）", None],
    ]
    text = str(form.rows)
    assert "阳泉市" not in text and "城区" not in text
    unit = target_form(
        _check(targets), metric="good_days", month="2020-12", order=targets, county="开发区"
    )
    assert unit.rows[1][2] == "开发区（天）"
    with pytest.raises(FormError, match="2021-05"):
        target_form(_check(targets), metric="pm25", month="2021-05", order=targets)


def test_target_forms_are_the_same_between_runs(seed_ws, tmp_path):
    targets = seed_ws.read("targets")
    check = _check(targets)
    first = target_form(check, metric="pm25", month="2020-12", order=targets)
    again = target_form(
        check.sample(frac=1, random_state=1), metric="pm25", month="2020-12", order=targets
    )
    assert first.rows == again.rows


def test_write_forms_and_cli(enterprises, inspections, cases, tmp_path):
    ws = init_workspace(tmp_path / "ws")
    with ws.transaction() as tx:
        tx.write("enterprises", enterprises)
        tx.write("inspections", inspections)
        tx.write("cases", cases)
    report = write_forms(ws, month="2024-03", county="郊区")
    names = {p.name for p in report.written}
    assert names == {
        "附件2问题清单_郊区_2024-03.xlsx",
        "附件3监管工作情况汇总表_郊区_2024-03.xlsx",
        "调度表_郊区_2024-03.xlsx",
    }
    assert (
        len(
            openpyxl.load_workbook(
                ws.outputs_dir / "forms-2024-03" / "调度表_郊区_2024-03.xlsx"
            ).sheetnames
        )
        == 5
    )
    assert any("geoair import targets" in s for s in report.skipped)
    book = openpyxl.load_workbook(
        ws.outputs_dir / "forms-2024-03" / "附件2问题清单_郊区_2024-03.xlsx"
    )
    assert book.sheetnames == ["附件2问题清单（郊区）"]
    assert book.active["A2"].value.startswith("郊区")
    with pytest.raises(FormError, match="2023-07没有任何报表可以填写"):
        write_forms(ws, month="2023-07")
    assert not (ws.outputs_dir / "forms-2023-07").exists()
    with pytest.raises(FormError, match="不是月份"):
        write_forms(ws, month="March")
    with pytest.raises(FormError, match="不在任何检查记录"):
        write_forms(ws, month="2024-03", county="火星区")
    with use_language("en"), pytest.raises(FormError, match="appears in no inspection"):
        write_forms(ws, month="2024-03", county="火星区")

    from geoair.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["forms", "--month", "2024-03", "--out", str(out), "-w", str(ws.root)]
    )
    assert result.exit_code == 0, result.output
    assert "附件2问题清单_阳泉市_2024-03.xlsx" in result.output
    assert "未生成 PM2.5目标完成情况" in result.output
    result = CliRunner().invoke(main, ["forms", "--month", "2023-07", "-w", str(ws.root)])
    assert result.exit_code == 1 and "2023-07没有检查记录" in result.output
