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
from geoair.reports.dispatch import dispatch_form, dispatch_weeks, problem_category
from geoair.reports.form_model import header_cells, write_workbook
from geoair.reports.forms import (
    ANNEX2_HEADER,
    annex2_form,
    annex3_form,
    pm25_target_form,
    write_forms,
)
from geoair.store.workspace import init_workspace


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


def test_pm25_target_form():
    stations = pd.DataFrame({"id": ["S1", "S2"], "name": ["市中心站", "赛鱼站"]})
    monthly = pd.DataFrame(
        {
            "station_id": ["S1", "S2"],
            "period": ["2020-11", "2020-11"],
            "PM2.5": [58.0, float("nan")],
            "days_PM2.5": [30, 20],
            "min_days": [27, 27],
        }
    )
    county = pd.DataFrame({"county": ["郊区"], "period": ["2020-11"], "PM2.5": [50.0]})
    targets = pd.DataFrame(
        {
            "scope": ["station", "station", "county", "station"],
            "target_name": ["市中心站", "赛鱼站", "郊区", "市中心站"],
            "period": ["2020-11", "2020-11", "2020-11", "2020-10"],
            "metric": ["pm25"] * 4,
            "value": [55.0, 52.0, 54.0, 41.0],
        }
    )
    form = pm25_target_form(
        month="2020-11",
        station_monthly=monthly,
        stations=stations,
        targets=targets,
        county_monthly=county,
    )
    rows = form.rows
    assert rows[0][0] == "一、各国控站 PM2.5 目标完成情况"
    assert rows[1] == ["月份", "市中心站（μg/m³）", "赛鱼站（μg/m³）"]
    assert rows[2] == ["11 月 目标", 55, 52]
    assert rows[3] == ["11 月 实测", 58, "无效（有效天数20/27）"]
    assert rows[4] == ["差值（实测−目标）", 3, None]
    assert rows[5] == ["达标情况", "未达标", "无效"]
    assert rows[7][0] == "二、各县区 PM2.5 目标完成情况"
    assert rows[9:] == [
        ["11 月 目标", 54, None],
        ["11 月 实测", 50, None],
        ["差值（实测−目标）", -4, None],
        ["达标情况", "达标", None],
    ]
    with pytest.raises(FormError, match="No PM2.5 targets for 2020-12"):
        pm25_target_form(
            month="2020-12", station_monthly=monthly, stations=stations, targets=targets
        )


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
    with pytest.raises(FormError, match="No form could be filled for 2023-07"):
        write_forms(ws, month="2023-07")
    assert not (ws.outputs_dir / "forms-2023-07").exists()
    with pytest.raises(FormError, match="not a month"):
        write_forms(ws, month="March")
    with pytest.raises(FormError, match="appears in no inspection"):
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
    assert result.exit_code == 1 and "No inspections in 2023-07" in result.output
