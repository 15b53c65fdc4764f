"""Tests of geoair.reports.export: every format written, read back by pyogrio, opened by ogrinfo."""

from __future__ import annotations

import re
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from geoair.errors import CRSError, OutputError, WorkspaceError
from geoair.io.crs import wgs84_to_gcj02
from geoair.messages import use_language
from geoair.reports.export import (
    export_frame,
    export_layer,
    ogrinfo_summary,
    resolve_crs,
    shapefile_field_names,
)
from geoair.reports.kml import kml_document
from geoair.store.fields import header
from geoair.store.open import init_workspace

FORMATS = ["gpkg", "shp", "geojson", "kml", "parquet", "csv", "xlsx"]


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["阳泉焦化有限公司", "平定县耐火材料厂", "盂县洗煤厂"],
            "county": ["郊区", "平定县", "盂县"],
            "status": ["正常生产", "依法停产", "正常生产"],
            "above_scale": pd.array([True, False, pd.NA], dtype="boolean"),
            "dust_points": [3, 0, 12],
            "performance_grade": ["A", "B", "C"],
            "fine_yuan": [0.0, 12500.5, 3000.0],
        },
        geometry=[Point(113.5612345, 37.8612345), Point(113.6, 37.9), Point(113.4, 38.05)],
        crs="EPSG:4326",
    )


@pytest.fixture
def polygons() -> gpd.GeoDataFrame:
    # Exterior clockwise on purpose: GeoJSON must turn it counter-clockwise.
    shell = [(113.50, 37.80), (113.50, 37.90), (113.60, 37.90), (113.60, 37.80)]
    hole = [(113.52, 37.82), (113.54, 37.82), (113.54, 37.84), (113.52, 37.84)]
    return gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["阳泉经济开发区", "平定工业园"], "key_park": [True, False]},
        geometry=[Polygon(shell, [hole]), Polygon([(113.7, 37.7), (113.8, 37.7), (113.8, 37.8)])],
        crs="EPSG:4326",
    )


def _read_back(path, fmt) -> pd.DataFrame:
    if fmt == "parquet":
        return gpd.read_parquet(path)
    if fmt == "kml":
        layers = [row[0] for row in pyogrio.list_layers(path)]
        parts = [pyogrio.read_dataframe(path, layer=name) for name in layers]
        return pd.concat(parts, ignore_index=True)
    if fmt in {"csv", "xlsx"}:
        return pd.read_csv(path, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(path)
    return pyogrio.read_dataframe(path)


def _yes_no(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if value in (True, 1, "是", "True", "1"):
        return "是"
    if value in (False, 0, "否", "False", "0"):
        return "否"
    return None


def _metres(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance between matching lon/lat pairs, metres (small-distance formula)."""
    dlat = (a[:, 1] - b[:, 1]) * 111_320
    dlon = (a[:, 0] - b[:, 0]) * 111_320 * np.cos(np.radians(a[:, 1]))
    return float(np.hypot(dlat, dlon).max())


@pytest.mark.parametrize("fmt", FORMATS)
def test_points_round_trip(points, tmp_path, fmt):
    before = points.copy()
    written = export_frame(points, tmp_path / "enterprises", fmt=fmt, layer="enterprises")
    pd.testing.assert_frame_equal(points, before)  # input untouched
    path = written[0]
    assert path.exists()
    back = _read_back(path, fmt)
    if fmt == "shp":
        back = back.rename(columns={"ent_nm": "name", "perf_grade": "performance_grade"})
        mapping = pd.read_csv(tmp_path / "enterprises_fields.csv", encoding="utf-8-sig")
        assert dict(zip(mapping.field, mapping.shp_field, strict=True))["above_scale"] == "abv_scl"
        back = back.rename(columns=dict(zip(mapping.shp_field, mapping.field, strict=True)))
        assert (tmp_path / "enterprises.cpg").read_text() == "UTF-8"
    if fmt in {"csv", "xlsx"}:  # a report table: the field dictionary's Chinese headers
        assert "企业名称" in back.columns and "经度" in back.columns
        names = {header(c, layer="enterprises"): c for c in [*points.columns, "lon", "lat"]}
        back = back.rename(columns=names)
    back = back.sort_values("name" if fmt != "kml" else "Name").reset_index(drop=True)
    expected = points.sort_values("name").reset_index(drop=True)
    names = back["Name"] if fmt == "kml" else back["name"]
    assert list(names) == list(expected["name"])
    assert list(back["county"]) == list(expected["county"])
    assert [float(v) for v in back["fine_yuan"]] == list(expected["fine_yuan"])
    assert [_yes_no(v) for v in back["above_scale"]] == [
        _yes_no(v) for v in expected["above_scale"]
    ]
    if fmt in {"csv", "xlsx"}:
        coords = back[["lon", "lat"]].to_numpy(float)
    else:
        coords = shapely.get_coordinates(back.geometry.values)
    assert _metres(coords, shapely.get_coordinates(expected.geometry.values)) < 0.01
    if fmt != "parquet":  # Debian's GDAL has no (Geo)Parquet driver; pyarrow reads it above
        summary = ogrinfo_summary(path)
        assert "Feature Count" in summary


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "kml", "parquet"])
def test_polygons_round_trip(polygons, tmp_path, fmt):
    path = export_frame(polygons, tmp_path / "parks", fmt=fmt, layer="parks")[0]
    back = _read_back(path, fmt)
    key = "Name" if fmt == "kml" else "name"
    back = back.sort_values(key).reset_index(drop=True)
    expected = polygons.sort_values("name").reset_index(drop=True)
    assert list(back[key]) == list(expected["name"])
    for got, want in zip(back.geometry, expected.geometry, strict=True):
        assert got.area == pytest.approx(want.area, rel=1e-9)
        assert got.symmetric_difference(want).area < 1e-12
    if fmt == "geojson":  # RFC 7946: exterior counter-clockwise
        assert shapely.is_ccw(shapely.get_exterior_ring(back.geometry.values)).all()
    if fmt != "parquet":
        counts = re.findall(r"Feature Count: (\d+)", ogrinfo_summary(path))
        assert sum(map(int, counts)) == 2  # KML: one layer per folder


def test_lines_csv_has_wkt(tmp_path):
    lines = gpd.GeoDataFrame(
        {"name": ["桃林沟路"]},
        geometry=[LineString([(113.5, 37.8), (113.51, 37.81)])],
        crs="EPSG:4326",
    )
    path = export_frame(lines, tmp_path / "roads.csv")[0]
    text = path.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows Chinese
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert shapely.from_wkt(back["几何（WKT）"][0]).equals_exact(lines.geometry[0], 1e-10)
    with use_language("en"):  # English keeps the identifiers
        path = export_frame(lines, tmp_path / "roads_en.csv")[0]
    assert "wkt" in pd.read_csv(path, encoding="utf-8-sig").columns


@pytest.mark.usefixtures("english")
def test_table_to_geometry_format_refused(tmp_path):
    table = pd.DataFrame({"a": [1]})
    with pytest.raises(OutputError, match="without map geometry"):
        export_frame(table, tmp_path / "t.kml")
    assert list(tmp_path.iterdir()) == []
    path = export_frame(table, tmp_path / "t.xlsx")[0]
    assert pd.read_excel(path)["a"].tolist() == [1]


def test_shapefile_field_rule():
    mapping = shapefile_field_names(
        [
            "id",
            "enterprise_name",
            "enterprise_id",
            "performance_grade",
            "inspection_date",
            "unorganised_ok",
            "xxxxxxxxxxA",
            "xxxxxxxxxxB",
            "问题简要描述",
        ]
    )
    assert mapping["enterprise_name"] == "ent_nm"
    assert mapping["enterprise_id"] == "ent_id"
    assert mapping["performance_grade"] == "perf_grade"
    assert mapping["inspection_date"] == "insp_date"
    assert mapping["unorganised_ok"] == "unorg_ok"
    assert mapping["xxxxxxxxxxA"] == "xxxxxxxxxx"
    assert mapping["xxxxxxxxxxB"] == "xxxxxxxx_2"
    assert mapping["问题简要描述"] == "问题简"  # 3 bytes each in UTF-8
    assert shapefile_field_names(["问题简要描述"], encoding="gbk")["问题简要描述"] == "问题简要描"
    assert all(len(v.encode()) <= 10 for v in mapping.values())


def test_shapefile_gbk(points, tmp_path):
    export_frame(points, tmp_path / "e.shp", encoding="gbk", layer="enterprises")
    assert (tmp_path / "e.cpg").read_text() == "GBK"
    back = pyogrio.read_dataframe(tmp_path / "e.shp")
    assert sorted(back["ent_nm"] if "ent_nm" in back else back["name"]) == sorted(points["name"])
    raw = (tmp_path / "e.dbf").read_bytes()
    assert "阳泉焦化有限公司".encode("gbk") in raw


def test_shapefile_mixed_geometries_split(points, polygons, tmp_path):
    mixed = pd.concat(
        [points[["name", "geometry"]], polygons[["name", "geometry"]]], ignore_index=True
    )
    written = export_frame(gpd.GeoDataFrame(mixed, crs=4326), tmp_path / "heaps.shp")
    names = {p.name for p in written}
    assert {"heaps_point.shp", "heaps_polygon.shp", "heaps_fields.csv"} <= names


def test_gcj02_is_labelled_and_shifted(points, tmp_path):
    path = export_frame(points, tmp_path / "e.geojson", crs="gcj02")[0]
    assert path.name == "e_GCJ02.geojson"
    back = pyogrio.read_dataframe(path).sort_values("name").reset_index(drop=True)
    assert set(back["coord_sys"]) == {"GCJ-02"}
    expected = points.sort_values("name").reset_index(drop=True)
    lon, lat = wgs84_to_gcj02(expected.geometry.x, expected.geometry.y)
    assert (
        _metres(shapely.get_coordinates(back.geometry.values), np.column_stack([lon, lat])) < 0.01
    )


def test_projected_crs(points, tmp_path):
    path = export_frame(points, tmp_path / "e.gpkg", crs="EPSG:4547")[0]
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4547
    assert back.geometry.x.min() > 300_000  # metres, not degrees
    table = export_frame(points, tmp_path / "e.csv", crs="EPSG:4547")[0]
    assert {"X（米）", "Y（米）"} <= set(pd.read_csv(table, encoding="utf-8-sig").columns)
    cgcs = export_frame(points, tmp_path / "c.gpkg", crs="cgcs2000")[0]
    assert pyogrio.read_dataframe(cgcs).crs.to_epsg() == 4490
    with pytest.raises(CRSError, match="always in WGS-84"):
        export_frame(points, tmp_path / "e.kml", crs="EPSG:4547")


@pytest.mark.usefixtures("english")
def test_bad_crs_and_format(points, tmp_path):
    with pytest.raises(CRSError, match="not a coordinate system"):
        resolve_crs("marsgrid")
    with pytest.raises(OutputError, match="Choose one of"):
        export_frame(points, tmp_path / "e.dwg")


def test_failure_leaves_no_partial_file(points, tmp_path, monkeypatch):
    import geoair.reports.export as export

    def broken(frame, tmp, layer):
        tmp.write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_gpkg", broken)
    with pytest.raises(OutputError, match="No space left on device"):
        export_frame(points, tmp_path / "e.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_path_under_a_file_is_refused(points, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="无法写入"):
        export_frame(points, blocker / "e.gpkg")


def test_kml_styles_and_chinese(points):
    text = kml_document(points, layer="enterprises").decode("utf-8")
    assert text.count("<Style ") == 2  # 正常生产, 依法停产
    assert "生产状态：正常生产" in text and "企业名称" in text
    assert "阳泉焦化有限公司" in text
    with pytest.raises(OutputError, match="no such field"):
        kml_document(points, layer="enterprises", style_by="colour")


@pytest.mark.usefixtures("english")
def test_export_layer_and_cli(points, tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.write("enterprises", points)
    with pytest.raises(WorkspaceError, match="it has: enterprises"):
        export_layer(ws, "gate_roads", fmt="gpkg")
    written = export_layer(ws, "enterprises", fmt="kml")
    assert written == [ws.outputs_dir / "enterprises.kml"]

    from geoair.cli import main

    runner = CliRunner()
    out = tmp_path / "x" / "e.shp"
    result = runner.invoke(
        main, ["export", "enterprises", "--format", "shp", "--out", str(out), "-w", str(ws.root)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "e_fields.csv" in result.output
    result = runner.invoke(main, ["export", "nothing", "--format", "shp", "-w", str(ws.root)])
    assert result.exit_code == 1
    assert "工作区没有名为“nothing”的图层或表" in result.output


def test_ogrinfo_is_real():
    assert subprocess.run(["ogrinfo", "--version"], capture_output=True).returncode == 0


def test_report_folder_holds_layers_and_forms(points, tmp_path):
    from geoair.workflows.reports import describe, run_report_folder

    ws = init_workspace(tmp_path / "ws")
    cases = pd.DataFrame(
        {
            "inspection_date": pd.to_datetime(["2024-03-05"]),
            "county": ["郊区"],
            "enterprise_name": ["阳泉焦化有限公司"],
            "enterprise_id": ["E1"],
            "problem": ["煤场未苫盖"],
            "measure": ["立行立改"],
            "fixed_on_spot": pd.array([True], dtype="boolean"),
            "stopped": pd.array([False], dtype="boolean"),
            "filed": pd.array([False], dtype="boolean"),
            "fine_yuan": [0.0],
        }
    )
    with ws.transaction() as tx:
        tx.write("enterprises", points)
        tx.write("cases", cases)
    lines = describe(run_report_folder(ws))
    folder = ws.outputs_dir / "report-2024-03"
    assert (folder / "layers" / "enterprises_GCJ02.kml").exists()
    assert (folder / "layers" / "enterprises_fields.csv").exists()
    assert (folder / "forms" / "附件3监管工作情况汇总表_阳泉市_2024-03.xlsx").exists()
    assert any(line.startswith("插值图 dustfall：") for line in lines)  # no stations
    assert lines[-1] == f"报告文件夹：{folder}"


def test_shapefile_cuts_long_text_and_keeps_times(points, tmp_path, caplog):
    frame = points.copy()
    frame["reasons"] = ["未整改问题" * 30, "短", None]  # 450 bytes in UTF-8
    frame["last_visit"] = pd.to_datetime(["2024-03-01 08:30", "2024-03-02", None], format="ISO8601")
    with caplog.at_level("WARNING", logger="geoair.reports.export"):
        export_frame(frame, tmp_path / "r.shp")
    assert "reasons (1 rows)" in caplog.text
    back = pyogrio.read_dataframe(tmp_path / "r.shp").set_index("id")
    assert len(back.loc["E1", "reasons"].encode()) <= 254
    assert back.loc["E1", "reasons"] == "未整改问题" * 16 + "未整改问"  # 252 bytes
    assert back.loc["E1", "last_visit"] == "2024-03-01 08:30:00"
    fields = pd.read_csv(tmp_path / "r_fields.csv", encoding="utf-8-sig").set_index("field")
    assert fields.loc["reasons", "rows_cut_to_254_bytes"] == 1


def test_xlsx_refuses_geometry_too_long_for_a_cell(tmp_path):
    import numpy as np

    line = LineString(np.column_stack([np.linspace(113, 114, 2000), np.linspace(37, 38, 2000)]))
    frame = gpd.GeoDataFrame({"name": ["路线"]}, geometry=[line], crs="EPSG:4326")
    with pytest.raises(OutputError, match="超过 Excel 单元格的上限"):
        export_frame(frame, tmp_path / "route.xlsx")
    assert list(tmp_path.iterdir()) == []
    path = export_frame(frame, tmp_path / "route.csv")[0]
    back = shapely.from_wkt(pd.read_csv(path, encoding="utf-8-sig")["几何（WKT）"][0])
    assert back.equals_exact(line, 1e-12)


def test_geojson_is_rfc7946_with_json_booleans(points, tmp_path):
    import json

    path = export_frame(points, tmp_path / "e.geojson", layer="enterprises")[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in data  # RFC 7946 has no crs member: WGS-84 always
    values = {f["properties"]["id"]: f["properties"]["above_scale"] for f in data["features"]}
    assert values == {"E1": True, "E2": False, "E3": None}


def test_an_output_that_is_a_folder_is_refused_in_the_clerks_words(tmp_path):
    folder = tmp_path / "out.xlsx"
    folder.mkdir()
    frame = pd.DataFrame({"name": ["甲"]})
    with pytest.raises(OutputError, match="这是一个文件夹"):
        export_frame(frame, folder, fmt="xlsx")
    with use_language("en"), pytest.raises(OutputError, match="it is a folder"):
        export_frame(frame, folder, fmt="xlsx")
    assert list(folder.iterdir()) == []
