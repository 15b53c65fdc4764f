"""The import pipeline: every format, every bad-input class, atomic and idempotent."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from openpyxl.utils import get_column_letter

from geoair.errors import InputFileError, SchemaError, WorkspaceError
from geoair.imports.pipeline import import_file
from geoair.io import crs
from geoair.messages import use_language

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"


def _rejects(report) -> pd.DataFrame:
    assert report.rejects_path is not None and report.rejects_path.exists()
    return pd.read_csv(report.rejects_path, encoding="utf-8-sig", dtype=str)


def _snapshot(ws) -> dict[str, pd.DataFrame]:
    return {name: ws.read(name) for name in ws.layers()}


def _assert_same(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(pd.DataFrame(before[name]), pd.DataFrame(after[name]))


# --- formats and encodings ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(ws, tmp_path, encoding):
    path = tmp_path / "e.csv"
    path.write_bytes(
        (HEADER + "E1,阳泉市甲耐火材料有限公司,郊区,耐火材料,是,B,正常生产,113.5,37.85\n").encode(
            encoding
        )
    )
    report = import_file(ws, "enterprises", path)
    assert report.imported == 1
    assert ws.read("enterprises")["name"].tolist() == ["阳泉市甲耐火材料有限公司"]


def test_wrong_encoding_given_is_one_clear_error(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(
        (HEADER + "E1,阳泉市甲耐火材料有限公司,郊区,耐火材料,是,B,正常生产,113.5,37.85\n").encode(
            "gbk"
        )
    )
    with pytest.raises(InputFileError, match="^e.csv 不能按 utf-8 编码读取.*去掉 --encoding"):
        import_file(ws, "enterprises", path, encoding="utf-8")
    with use_language("en"), pytest.raises(InputFileError) as english:
        import_file(ws, "enterprises", path, encoding="utf-8")
    assert str(english.value).startswith("e.csv is not readable as utf-8")
    assert "leave --encoding out" in str(english.value) and not CJK.search(str(english.value))
    assert ws.layers() == []


def test_english_headers_and_variants(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "ID,Name,County,Industry,above_scale,Grade,Status,lng,lat\n"
        "E1,Alpha Refractory,郊区,refractory,yes,b级,producing,113.5,37.85\n",
        encoding="utf-8",
    )
    import_file(ws, "enterprises", path)
    row = ws.read("enterprises").iloc[0]
    got = (row["industry"], row["performance_grade"], row["status"])
    assert got == ("耐火材料", "B", "正常生产")
    assert bool(row["above_scale"]) is True


def _points_gdf():
    return gpd.GeoDataFrame(
        {"站点编号": ["S1", "S2"], "站点名称": ["赛鱼站", "南庄站"], "站点类型": ["国控", "国控"]},
        geometry=[shapely.Point(113.59, 37.87), shapely.Point(113.55, 37.84)],
        crs=4326,
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".kml", ".zip"])
def test_vector_formats(ws, tmp_path, suffix):
    gdf = _points_gdf()
    if suffix == ".zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        # GBK, as Chinese GIS software writes it: UTF-8 would cut Chinese field
        # names mid-character at the Shapefile's 10-byte limit.
        pyogrio.write_dataframe(gdf, folder / "stations.shp", encoding="GBK")
        path = tmp_path / "stations.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    elif suffix == ".shp":
        path = tmp_path / "stations.shp"
        pyogrio.write_dataframe(gdf, path, encoding="GBK")
    elif suffix == ".kml":
        path = tmp_path / "stations.kml"
        kml = gdf.rename(columns={"站点名称": "Name", "站点编号": "Description"})
        pyogrio.write_dataframe(kml[["Name", "Description", "geometry"]], path, driver="KML")
    else:
        path = tmp_path / f"stations{suffix}"
        pyogrio.write_dataframe(gdf, path)
    report = import_file(ws, "stations", path)
    assert report.imported == 2, report.summary()
    stations = ws.read("stations")
    assert sorted(stations["name"]) == ["南庄站", "赛鱼站"]
    assert stations.crs.to_epsg() == 4326
    assert np.allclose(sorted(stations.geometry.x), [113.55, 113.59])


def test_shapefile_in_gbk_without_cpg(ws, tmp_path):
    gdf = _points_gdf()
    pyogrio.write_dataframe(gdf, tmp_path / "s.shp", encoding="GBK")
    (tmp_path / "s.cpg").unlink(missing_ok=True)
    import_file(ws, "stations", tmp_path / "s.shp")
    assert sorted(ws.read("stations")["name"]) == ["南庄站", "赛鱼站"]


def test_projected_layer_is_brought_to_wgs84(ws, tmp_path):
    gdf = _points_gdf().to_crs(4547)
    pyogrio.write_dataframe(gdf, tmp_path / "s.gpkg")
    import_file(ws, "stations", tmp_path / "s.gpkg")
    got = ws.read("stations").sort_values("id")
    assert np.allclose(got.geometry.x, [113.59, 113.55], atol=1e-8)


def test_layer_without_crs_needs_coords(ws, tmp_path):
    gdf = _points_gdf()
    pyogrio.write_dataframe(gdf, tmp_path / "s.shp", encoding="GBK")
    (tmp_path / "s.prj").unlink()
    with pytest.raises(
        InputFileError,
        match="^文件没有坐标系.*请用 --coords 指明.*EPSG:编号。$",
    ):
        import_file(ws, "stations", tmp_path / "s.shp")
    report = import_file(ws, "stations", tmp_path / "s.shp", coords="wgs84")
    assert report.imported == 2


def test_table_in_projected_metres_with_epsg(ws, tmp_path):
    x, y = gpd.GeoSeries([shapely.Point(113.5, 37.85)], crs=4326).to_crs(4547).iloc[0].coords[0]
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER.replace("经度,纬度", "x,y") + f"E1,甲公司,郊区,耐火材料,是,B,正常生产,{x},{y}\n",
        encoding="utf-8",
    )
    report = import_file(ws, "enterprises", path)
    assert _rejects(report)["原因"][0] == (
        f"（{x:.1f}, {y:.1f}）不是经纬度；如果是投影坐标（米），请用 --coords EPSG:编号 重新导入"
        "（如 EPSG:4547）"
    )
    import_file(ws, "enterprises", path, coords="EPSG:4547")
    point = ws.read("enterprises").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((113.5, 37.85), abs=1e-8)


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_web_map_coordinates_are_shifted_back(ws, tmp_path, system):
    forward = crs.wgs84_to_gcj02 if system == "gcj02" else crs.wgs84_to_bd09
    lon, lat = forward(113.5, 37.85)
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER + f"E1,甲公司,郊区,耐火材料,是,B,正常生产,{lon:.8f},{lat:.8f}\n", encoding="utf-8"
    )
    report = import_file(ws, "enterprises", path, coords=system)
    label = "GCJ-02（高德/腾讯）" if system == "gcj02" else "BD-09（百度）"
    assert f"坐标已从 {label} 转换为 WGS-84" in report.notes
    point = ws.read("enterprises").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((113.5, 37.85), abs=1e-7)  # about 1 cm


def test_degrees_minutes_seconds(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER + "E1,甲公司,郊区,耐火材料,是,B,正常生产,113°30′0″,37度51分0秒\n", encoding="utf-8"
    )
    import_file(ws, "enterprises", path)
    point = ws.read("enterprises").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((113.5, 37.85))


# --- bad rows: rejected with the reason, good rows kept --------------------------------------

BAD_ROWS = [
    ("E9,,郊区,焦化,是,B,正常生产,113.5,37.85", "企业名称为空，这是必填项，请补填"),
    (
        "E9,甲公司,郊区,焦化,也许,B,正常生产,113.5,37.85",
        "规模以上：“也许”不是是/否，请填写“是”或“否”（或“有”“无”）",
    ),
    (
        "E9,甲公司,郊区,焦化,是,Z,正常生产,113.5,37.85",
        "绩效等级：“Z”不是可选值，请填写以下之一：A、",
    ),
    ("E9,甲公司,郊区,焦化,是,B,正常生产,113.5,abc", "纬度：“abc”不是数字，请填写度数"),
    ("E9,甲公司,郊区,焦化,是,B,正常生产,,", "经度或纬度为空，请填写该点的经纬度"),
    (
        "E9,甲公司,郊区,焦化,是,B,正常生产,37.85,113.5",
        "经度和纬度似乎填反了（37.85000, 113.50000），请交换两列",
    ),
    (
        "E9,甲公司,郊区,焦化,是,B,正常生产,2.35,48.85",
        "该点（2.35000, 48.85000）在中国境外，请核对经纬度",
    ),
    ("E9,甲公司,郊区,焦化,是,B,正常生产,124.0,36.0", "该点（124.00000, 36.00000）在中国境外"),
    ("E1,甲公司,郊区,焦化,是,B,正常生产,113.5,37.85", "与第2行重复（E1），只导入第一行"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_ROWS)
def test_bad_rows_are_rejected_with_reasons(ws, tmp_path, line, reason):
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER + "E1,好公司,郊区,焦化,是,B,正常生产,113.6,37.9\n" + line + "\n", encoding="utf-8"
    )
    report = import_file(ws, "enterprises", path)
    assert (report.imported, report.rejected) == (1, 1)
    rejects = _rejects(report)
    assert rejects["行号"].tolist() == ["3"]
    assert reason in rejects["原因"][0]
    assert ws.read("enterprises")["name"].tolist() == ["好公司"]


def test_notes_name_unused_and_unnamed_columns_in_chinese(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER.strip() + ",资料来源,\n"
        "E1,甲公司,郊区,焦化,是,B,正常生产,113.5,37.85,张三,备用\n"
        "E2,乙公司,郊区,焦化,是,B,正常生产,113.6,37.85,李四,\n",
        encoding="utf-8",
    )
    report = import_file(ws, "enterprises", path)
    assert "未使用的列：资料来源、第11列" in report.notes
    assert report.notes[0].startswith("经纬度按 WGS-84 读取；如果是从高德或百度地图上取的")


def test_missing_required_column_is_a_file_error(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("编号,县区,经度,纬度\nE1,郊区,113.5,37.85\n", encoding="utf-8")
    with pytest.raises(
        SchemaError,
        match="^文件中没有“企业名称”列，企业必须有这一列。文件的列是：编号、县区、经度、纬度。",
    ):
        import_file(ws, "enterprises", path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.csv", b"", r"^文件 e.csv 是空的（0字节），请从原系统重新导出。$"),
        ("e.docx", b"PK...", r"^e.docx：geoair 不能读取“.docx”文件，请另存为"),
        ("e.xlsx", b"this is not a workbook", r"^e.xlsx 不能作为 Excel 工作簿读取"),
        ("e.geojson", b"{not json", r"^e.geojson 不能作为地图图层打开"),
        ("missing.csv", None, r"^.*missing.csv 不存在，请检查文件名和文件夹。$"),
    ],
)
def test_unreadable_files_change_nothing(ws_with_ledger, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = _snapshot(ws_with_ledger)
    with pytest.raises(InputFileError, match=message):
        import_file(ws_with_ledger, "enterprises", path)
    with use_language("en"), pytest.raises(InputFileError) as english:
        import_file(ws_with_ledger, "enterprises", path)
    assert str(english.value).startswith(name if content is not None else str(path))
    assert not CJK.search(str(english.value)), english.value
    _assert_same(before, _snapshot(ws_with_ledger))


def test_unknown_sheet_is_named_as_such(ws, tmp_path):
    path = tmp_path / "e.xlsx"
    pd.DataFrame({"企业名称": ["甲公司"]}).to_excel(path, index=False, sheet_name="台账")
    with pytest.raises(InputFileError, match="^e.xlsx 中找不到这个工作表，请用 --sheet 写明"):
        import_file(ws, "enterprises", path, sheet="企业")
    assert ws.layers() == []


def test_invalid_polygon_is_repaired_or_rejected(ws, tmp_path):
    bowtie = shapely.Polygon([(113.5, 37.8), (113.6, 37.9), (113.6, 37.8), (113.5, 37.9)])
    spike = shapely.Polygon(
        [
            (113.5, 37.8),
            (113.6, 37.8),
            (113.6, 37.9),
            (113.5, 37.9),
            (113.5, 37.85),
            (113.7, 37.85),
            (113.5, 37.85),
        ]
    )
    square = shapely.box(113.4, 37.7, 113.45, 37.75)
    gdf = gpd.GeoDataFrame(
        {"园区名称": ["蝴蝶园区", "刺园区", "方园区"]}, geometry=[bowtie, spike, square], crs=4326
    )
    pyogrio.write_dataframe(gdf, tmp_path / "parks.gpkg")
    report = import_file(ws, "parks", tmp_path / "parks.gpkg")
    parks = ws.read("parks")
    assert "方园区" in parks["name"].tolist()
    assert parks.is_valid.all()
    assert report.imported + report.rejected == 3
    rejected = set(_rejects(report)["原因"]) if report.rejected else set()
    assert all(r == "图形自相交，自动修复会改变它的形状，请在QGIS中重新绘制" for r in rejected)


def test_wrong_geometry_type(ws, tmp_path):
    gdf = gpd.GeoDataFrame({"道路名称": ["G207"]}, geometry=[shapely.Point(113.5, 37.8)], crs=4326)
    pyogrio.write_dataframe(gdf, tmp_path / "roads.gpkg")
    report = import_file(ws, "roads", tmp_path / "roads.gpkg")
    assert report.rejected == 1
    assert _rejects(report)["原因"][0] == "应为线，却是点，请提供线图层"


# --- records naming enterprises ---------------------------------------------------------------


def test_unknown_enterprise_suggests_close_names(ws_with_ledger, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "序号,检查日期,县（区）,企业名称,问题简要描述,立行立改,停产整治,立案处罚,整改措施,处罚金额（元）,是否完成整改,备注\n"
        "1,2024年3月5日,郊区,阳泉市甲耐火材料有限公司,料场未苫盖,√,,,苫盖,,是,\n"
        "2,2024/3/6,平定县,阳泉市乙焦化有限公,道路积尘,,√,√,清扫,50000,否,\n",
        encoding="gbk",
    )
    report = import_file(ws_with_ledger, "cases", path)
    assert (report.imported, report.rejected) == (1, 1)
    reason = _rejects(report)["原因"][0]
    assert reason.startswith(
        "企业“阳泉市乙焦化有限公”不在企业台账中，最接近的名称：阳泉市乙焦化有限公司"
    )
    assert reason.endswith("；请更正名称或先导入该企业")


def test_record_without_enterprise_name_says_so_once(ws_with_ledger, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "检查日期,企业名称,问题简要描述\n2024-03-05,,料场未苫盖\n"
        "2024-03-05,阳泉市甲耐火材料有限公司,昨天\n",
        encoding="utf-8",
    )
    report = import_file(ws_with_ledger, "cases", path)
    assert (report.imported, report.rejected) == (1, 1)
    assert _rejects(report)["原因"].tolist() == ["企业名称为空，这是必填项，请补填"]


def test_measures_some_empty_one_unknown(ws_with_ledger, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "检查日期,企业名称,问题简要描述,处理措施\n"
        "2024-03-05,阳泉市甲耐火材料有限公司,料场未苫盖,停产整治\n"
        "2024-03-06,阳泉市甲耐火材料有限公司,道路积尘,\n"
        "2024-03-07,阳泉市甲耐火材料有限公司,车辆未冲洗,放假\n",
        encoding="utf-8",
    )
    report = import_file(ws_with_ledger, "cases", path)
    assert _rejects(report)[["行号", "原因"]].values.tolist() == [
        ["4", "处理措施：“放假”不是可选值，请填写以下之一：立行立改、停产整治、立案处罚"]
    ]
    cases = ws_with_ledger.read("cases").sort_values("inspection_date")
    assert cases["stopped"].tolist() == [True, False]


def test_free_text_is_kept_as_typed(ws_with_ledger, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "检查日期,企业名称,问题简要描述,整改措施\n"
        "2024-03-05,阳泉市甲耐火材料有限公司,料场未苫盖，道路积尘（约２００米）,立即清扫\n",
        encoding="utf-8",
    )
    import_file(ws_with_ledger, "cases", path)
    problems = ws_with_ledger.read("cases")["problem"].tolist()
    assert problems == ["料场未苫盖，道路积尘（约２００米）"]


def test_cases_measures_and_fines(ws_with_ledger, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "序号,检查日期,县（区）,企业名称,问题简要描述,处理措施,整改措施,处罚金额（元）,是否完成整改\n"
        '1,2024-03-05,郊区,阳泉市甲耐火材料有限公司,料场未苫盖,停产整治、立案处罚,苫盖,"20,000",否\n'
        "2,45357,郊区,阳泉市甲耐火材料有限公司,道路积尘,立行立改,清扫,,是\n",
        encoding="utf-8",
    )
    import_file(ws_with_ledger, "cases", path)
    cases = ws_with_ledger.read("cases").sort_values("inspection_date")
    first, second = cases.iloc[0], cases.iloc[1]
    assert first["measure"] == "停产整治、立案处罚"
    assert (bool(first["stopped"]), bool(first["filed"]), bool(first["fixed_on_spot"])) == (
        True,
        True,
        False,
    )
    assert first["fine_yuan"] == 20000.0
    assert first["enterprise_id"] == "E1"
    assert second["inspection_date"] == pd.Timestamp("2024-03-06")
    assert bool(second["rectified"]) is True


def _write_form2(path: Path, rows: list[list]) -> None:
    """The 附件2 problem list exactly as 阳环函〔2024〕6号 lays it out: title, three header rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["郊区工业企业“净厂”巩固提升行动问题清单"])
    top = [
        "序号",
        "县区",
        "乡镇 (街道)",
        "企业名称",
        "无组织排放整治情况",
        None,
        None,
        None,
        None,
        None,
        None,
        "无组织排放 治理是否 符合要求 (是/否)",
        "企业生产状 态(正常生 产/依法停 产/依法关 闭/自然停 产)",
        "备注 (煤场、 料场)",
        "责任人",
    ]
    middle = (
        [None] * 4
        + [
            "物料堆场 全封闭情况(是 /否)",
            "厂区运输方式 (密闭输送①/非 密闭输送)",
            "厂区道路、矸 石运输等道路 硬化 (是/否)",
            "生产现场 硬化 (是/否)",
            "生产车间尘点封闭 及除尘设施建设",
            None,
            "车辆冲洗 (有 /无)",
        ]
        + [None] * 4
    )
    bottom = [None] * 8 + ["数量 (个)", "防尘措施 是否到位 (是/否)"] + [None] * 5
    for row in (top, middle, bottom):
        sheet.append(row)
    sheet.merge_cells("A1:O1")
    sheet.merge_cells("E2:K2")
    sheet.merge_cells("I3:J3")
    for column in (1, 2, 3, 4, 12, 13, 14, 15):
        letter = get_column_letter(column)
        sheet.merge_cells(f"{letter}2:{letter}4")
    for column in (5, 6, 7, 8, 11):
        letter = get_column_letter(column)
        sheet.merge_cells(f"{letter}3:{letter}4")
    for row in rows:
        sheet.append(row)
    sheet.append(
        ["备注：①密闭输送方式：表内只填写相应的封闭方式编号即可。（1）密闭皮带（2）封闭走廊"]
    )
    book.save(path)


FORM_ROWS = [
    [
        1,
        "郊区",
        "河底镇",
        "阳泉市甲耐火材料有限公司",
        "是",
        "①",
        "是",
        "否",
        3,
        "是",
        "有",
        "否",
        "正常生产",
        "料场",
        "张三",
    ],
    [
        2,
        "平定县",
        "冠山镇",
        "阳泉市乙焦化有限公司",
        "否",
        "非密闭输送",
        "是",
        "是",
        0,
        "否",
        "无",
        "否",
        "依法停产",
        "煤场",
        "李四",
    ],
    [
        3,
        "盂县",
        "秀水镇",
        "阳泉市丙水泥有限公司",
        "是",
        "是否",
        "是",
        "是",
        2,
        "是",
        "有",
        "是",
        "正常生产",
        "",
        "王五",
    ],
]


def test_form2_with_merged_three_row_header(ws_with_ledger, tmp_path):
    path = tmp_path / "form2.xlsx"
    _write_form2(path, FORM_ROWS)
    report = import_file(ws_with_ledger, "inspections", path, record_date="2024-03-15")
    assert (report.imported, report.rejected) == (2, 1), report.summary()
    assert _rejects(report)["行号"].tolist() == ["7"]  # the row number Excel shows
    assert any(
        n.startswith("第8行是表格下方的备注，未导入：“备注：①密闭输送方式") for n in report.notes
    )
    assert _rejects(report)["原因"][0] == (
        "厂区运输方式：“是否”不是运输方式，请填写密闭输送编号1-7或“非密闭输送”"
    )
    rows = ws_with_ledger.read("inspections").set_index("enterprise_id")
    first = rows.loc["E1"]
    assert bool(first["yard_enclosed"]) and not bool(first["site_hardened"])
    assert (bool(first["transport_closed"]), int(first["transport_code"])) == (True, 1)
    assert int(first["dust_points"]) == 3 and bool(first["vehicle_washing"])
    assert first["inspection_date"] == pd.Timestamp("2024-03-15")
    assert first["note"] == "料场" and first["responsible"] == "张三"
    second = rows.loc["E2"]
    assert bool(second["transport_closed"]) is False and second["status"] == "依法停产"


def test_form2_needs_a_date(ws_with_ledger, tmp_path):
    path = tmp_path / "form2.xlsx"
    _write_form2(path, FORM_ROWS[:1])
    with pytest.raises(InputFileError, match="^这份检查表没有“检查日期”列.*请用 --date 写明"):
        import_file(ws_with_ledger, "inspections", path)


def test_records_need_the_ledger_first(ws, tmp_path):
    path = tmp_path / "form2.xlsx"
    _write_form2(path, FORM_ROWS[:1])
    with pytest.raises(
        InputFileError, match="^工作区还没有企业台账，请先导入企业.*逐一对照台账。$"
    ):
        import_file(ws, "inspections", path, record_date="2024-03-15")


def test_targets_periods(ws, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(
        "范围,对象,月份,指标,目标值\n站点,赛鱼站,2020年10月,PM2.5,38\n"
        "县区,郊区,2020-10/2020-12,优良天数,79\n全市,阳泉市,2020-13,PM2.5,44\n",
        encoding="utf-8",
    )
    report = import_file(ws, "targets", path)
    assert (report.imported, report.rejected) == (2, 1)
    assert _rejects(report)["原因"][0] == (
        "月份：“2020-13”不是月份，请写成 2020-10，或时段 2020-10/2020-12"
    )
    targets = ws.read("targets")
    assert targets["period"].tolist() == ["2020-10", "2020-10/2020-12"]
    assert targets["metric"].tolist() == ["pm25", "good_days"]
    assert targets["scope"].tolist() == ["station", "county"]


# --- atomic and idempotent -----------------------------------------------------------------------


def test_importing_twice_changes_nothing(ws_with_ledger, ledger_csv):
    before = _snapshot(ws_with_ledger)
    rejects_before = sorted(ws_with_ledger.rejects_dir.iterdir())
    report = import_file(ws_with_ledger, "enterprises", ledger_csv)
    assert report.replaced == 3
    _assert_same(before, _snapshot(ws_with_ledger))
    assert sorted(ws_with_ledger.rejects_dir.iterdir()) == rejects_before


def test_new_rows_are_added_and_same_ids_replaced(ws_with_ledger, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text(
        HEADER + "E2,阳泉市乙焦化有限公司,平定县,焦化,否,B,正常生产,113.62,37.80\n"
        "E4,阳泉市丁洗煤有限公司,矿区,洗煤,否,D,正常生产,113.55,37.88\n",
        encoding="utf-8",
    )
    report = import_file(ws_with_ledger, "enterprises", path)
    assert (report.imported, report.replaced) == (2, 1)
    ledger = ws_with_ledger.read("enterprises").set_index("id")
    assert sorted(ledger.index) == ["E1", "E2", "E3", "E4"]
    assert ledger.loc["E2", "performance_grade"] == "B"


def test_failure_in_the_middle_leaves_the_workspace_as_it_was(
    ws_with_ledger, tmp_path, monkeypatch
):
    path = tmp_path / "more.csv"
    path.write_text(
        HEADER + "E4,阳泉市丁洗煤有限公司,矿区,洗煤,否,D,正常生产,113.55,37.88\n", encoding="utf-8"
    )
    before = _snapshot(ws_with_ledger)
    gpkg_bytes = ws_with_ledger.gpkg.read_bytes()
    import geoair.store.workspace as workspace_module

    real_write = workspace_module.write_gpkg_layer
    calls = []

    def write_then_fail(frame, target, name):
        real_write(frame, target, name)
        calls.append(name)
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C after the first write

    monkeypatch.setattr(workspace_module, "write_gpkg_layer", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        import_file(ws_with_ledger, "enterprises", path)
    assert calls == ["enterprises"]
    assert ws_with_ledger.gpkg.read_bytes() == gpkg_bytes
    monkeypatch.undo()
    _assert_same(before, _snapshot(ws_with_ledger))
    assert not list(ws_with_ledger.root.glob(".tmp-*"))
    assert not (ws_with_ledger.root / ".geoair.lock").exists()


def test_a_second_writer_is_refused(ws_with_ledger):
    with (
        ws_with_ledger.transaction(),
        pytest.raises(WorkspaceError, match="另一个 geoair 命令"),
        ws_with_ledger.transaction(),
    ):
        pass


def test_merge_with_missing_key_values():
    from geoair.store.merge import merge_rows

    existing = pd.DataFrame({"a": ["x", None], "b": [1.0, np.nan], "v": [1, 2]})
    new = pd.DataFrame({"a": [None, "y"], "b": [np.nan, 2.0], "v": [3, 4]})
    merged, replaced = merge_rows(existing, new, ("a", "b"))
    assert replaced == 1
    assert merged["v"].tolist() == [1, 3, 4]


def test_sample_import_shows_the_first_reasons_a_clerk_will_read(ws, tmp_path, monkeypatch):
    import geoair.workflows.sample_data
    from geoair.workflows.demo import STEPS

    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "manifest.toml").write_text(
        '[[import]]\nkind = "enterprises"\nfile = "e.csv"\n', encoding="utf-8"
    )
    (folder / "e.csv").write_text(
        HEADER + "E1,甲公司,郊区,焦化,是,B,正常生产,113.5,37.85\n"
        "E2,乙公司,郊区,焦化,也许,B,正常生产,113.6,37.85\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(geoair.workflows.sample_data, "sample_layers_dir", lambda: folder)
    lines = STEPS[0].run(ws, lambda *a, **k: None)
    assert lines[0].startswith("企业：从 e.csv 读取 2 行，导入 1 行")
    assert "  第3行：规模以上：“也许”不是是/否，请填写“是”或“否”（或“有”“无”）" in lines


def test_gates_without_an_enterprise_column_is_a_file_error(ws_with_ledger, tmp_path):
    path = tmp_path / "gates.csv"
    path.write_text("厂门编号,厂门名称,经度,纬度\nG1,北门,113.5,37.85\n", encoding="utf-8")
    before = _snapshot(ws_with_ledger)
    with pytest.raises(SchemaError, match="没有“企业名称”或“企业编号”列"):
        import_file(ws_with_ledger, "gates", path)
    _assert_same(before, _snapshot(ws_with_ledger))
