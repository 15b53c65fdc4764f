"""Tests of geoair.roads.gate_roads: the sweeping plan, its tables and findings, the commands."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from geoair.cli import main
from geoair.errors import CRSError
from geoair.roads.buffers import GEOD
from geoair.roads.gate_roads import county_totals, gate_roads, plan_sweeping
from geoair.workflows.gate_roads import run_gate_roads

LON0, LAT0 = 113.0, 37.9


def at(azimuth, distance, lon=LON0, lat=LAT0):
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return float(x), float(y)


def geodesic(start, azimuth, length_m, step_m=1.0):
    s = np.arange(0.0, length_m + step_m / 2, step_m)
    n = s.size
    x, y, _ = GEOD.fwd(np.full(n, start[0]), np.full(n, start[1]), np.full(n, azimuth), s)
    return shapely.LineString(np.column_stack([x, y]))


@pytest.fixture
def scene():
    """Enterprise E1 with gates G1, G2 (50 m apart on road R1) and G3 (3 km off, on R2);
    E2 with gate G4 (nearest road 150 m away) and G5 (no coordinates, matched by name);
    E3 without any gate; G6 belongs to an enterprise not in the ledger."""
    g1, g2 = (LON0, LAT0), at(90, 50)
    g3, g4 = at(0, 3000), at(180, 5000)
    g6 = at(270, 8000)
    gates = gpd.GeoDataFrame(
        {
            "id": ["G1", "G2", "G3", "G4", "G5", "G6"],
            "enterprise_id": ["E1", "E1", "E1", "E2", None, "E9"],
            "enterprise_name": [None, None, None, None, "乙公司", "外地公司"],
            "name": ["东门", "西门", "北门", "大门", "侧门", "门"],
        },
        geometry=[
            shapely.Point(g1),
            shapely.Point(g2),
            shapely.Point(g3),
            shapely.Point(g4),
            None,
            shapely.Point(g6),
        ],
        crs="EPSG:4326",
    )
    enterprises = gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["甲公司", "乙公司", "丙公司"],
            "county": ["郊区", "盂县", "平定县"],
            "status": ["正常生产"] * 3,
        },
        geometry=[shapely.Point(g1), shapely.Point(g4), shapely.Point(112.0, 38.0)],
        crs="EPSG:4326",
    )
    # R1: an east-west geodesic through G1 and G2; R2: north-south through G3;
    # R3: starts 150 m east of G4 and runs north; R4: through G6, unnamed
    roads = gpd.GeoDataFrame(
        {
            "id": ["R1", "R2", "R3", "R4"],
            "name": ["桃北路", "北环路", "东沟路", None],
            "road_class": ["primary", "residential", "track", "service"],
        },
        geometry=[
            geodesic(at(270, 400), 90, 800),
            geodesic(at(180, 500, *g3), 0, 1000),
            geodesic(at(90, 150, *g4), 0, 300),
            geodesic(at(180, 300, *g6), 0, 600),
        ],
        crs="EPSG:4326",
    )
    return gates, roads, enterprises


def test_gate_roads_layer(scene):
    gates, roads, _ = scene
    layer = gate_roads(gates, roads).set_index("gate_id")
    assert list(layer.index) == ["G1", "G2", "G3", "G6"]
    np.testing.assert_allclose(layer["length_m"], 200.0, rtol=1e-6)
    assert layer.loc["G1", "road_name"] == "桃北路" and layer.loc["G3", "road_id"] == "R2"
    assert layer.loc["G1", "road_class"] == "primary"
    assert pd.isna(layer.loc["G6", "road_name"])
    assert layer.crs == "EPSG:4326"
    assert (layer.geom_type == "MultiLineString").all()
    # the clipped line is one piece, 200 m long on the ellipsoid
    line = layer.geometry.loc["G1"]
    assert shapely.get_num_geometries(line) == 1
    assert abs(GEOD.geometry_length(line) - 200.0) < 1e-3


def test_plan_shared_stretch_counts_once(scene):
    plan = plan_sweeping(*scene)
    tasks = plan.sweep_tasks.set_index("enterprise_id")
    # G1 covers R1 from -100 to +100 m, G2 from -50 to +150 m: union 250 m; R2 200 m
    assert tasks.loc["E1", "length_m"] == pytest.approx(450.0, rel=1e-6)
    assert tasks.loc["E1", "gate_length_sum_m"] == pytest.approx(600.0, rel=1e-6)
    assert tasks.loc["E1", "gates"] == "G1、G2、G3"
    assert tasks.loc["E1", "roads"] == "桃北路、北环路" and tasks.loc["E1", "n_roads"] == 2
    assert tasks.loc["E1", "county"] == "郊区" and tasks.loc["E1", "n_gates"] == 3
    assert tasks.loc["E2", "length_m"] == 0.0 and tasks.loc["E2", "gates"] == "G4、G5"
    assert tasks.loc["E2", "gates_without_road"] == "G4、G5"
    assert tasks.loc["E3", "n_gates"] == 0
    assert tasks.loc["E3", "gates_without_road"] == "(未登记厂门)"
    assert tasks.loc["E9", "roads"] == "无名道路(R4)"


def test_plan_findings(scene):
    findings = plan_sweeping(*scene).gate_findings
    got = {(r.gate_id, r.finding): r.distance_m for r in findings.itertuples()}
    assert set(got) == {
        ("G3", "far_from_site"),
        ("G4", "no_road"),
        ("G5", "no_location"),
        ("G6", "unknown_enterprise"),
    }
    assert got["G3", "far_from_site"] == pytest.approx(3000.0, abs=1e-6)
    assert got["G4", "no_road"] == pytest.approx(150.0, abs=0.01)
    row = findings[findings.gate_id == "G4"].iloc[0]
    assert row.finding_zh == "厂门100米范围内无道路，最近道路150米"
    assert row.enterprise_name == "乙公司" and row.county == "盂县"
    assert findings[findings.gate_id == "G5"].iloc[0].enterprise_id == "E2"  # by name
    assert "疑似坐标错误" in findings[findings.gate_id == "G3"].iloc[0].finding_zh


def test_plan_far_from_a_footprint_polygon(scene):
    gates, roads, enterprises = scene
    footprint = shapely.Polygon(
        [at(0, 2500), at(90, 100, *at(0, 2500)), at(90, 100, *at(0, 3500)), at(0, 3500)]
    )
    enterprises = enterprises.copy()
    enterprises.loc[0, "geometry"] = footprint  # G3 (3 km north) is now inside E1's plot
    findings = plan_sweeping(gates, roads, enterprises).gate_findings
    assert ("G3", "far_from_site") not in set(zip(findings.gate_id, findings.finding, strict=True))
    # and G1 is 2.5 km south of it
    g1 = findings[(findings.gate_id == "G1") & (findings.finding == "far_from_site")]
    assert g1["distance_m"].iloc[0] == pytest.approx(2500.0, abs=1.0)


def test_plan_buffers(scene):
    buffers = plan_sweeping(*scene, radius_m=150.0, vertices=36).gate_buffers
    assert list(buffers["gate_id"]) == ["G1", "G2", "G3", "G4", "G5", "G6"]
    assert (buffers["radius_m"] == 150.0).all()
    assert buffers.geometry.iloc[4] is None  # G5 has no coordinates
    ring = shapely.get_coordinates(buffers.geometry.iloc[0])
    assert len(ring) == 37
    _, _, dist = GEOD.inv(np.full(36, LON0), np.full(36, LAT0), ring[:-1, 0], ring[:-1, 1])
    np.testing.assert_allclose(dist, 150.0, atol=1e-6)
    assert buffers["roads"].iloc[0] == "桃北路"
    # G4: the road 150 m east now touches the 150 m circle at one point only
    assert buffers["road_length_m"].iloc[3] < 0.01


def test_inputs_not_modified(scene):
    before = [frame.copy() for frame in scene]
    plan_sweeping(*scene)
    for frame, copy in zip(scene, before, strict=True):
        assert_geodataframe_equal(frame, copy)


def test_refuses_projected_layers(scene):
    gates, roads, enterprises = scene
    with pytest.raises(CRSError, match="厂门图层的坐标系是 EPSG:4547"):
        plan_sweeping(gates.to_crs(4547), roads, enterprises)
    with pytest.raises(CRSError, match="道路图层没有坐标系"):
        gate_roads(gates, roads.set_crs(None, allow_override=True))


def test_empty_inputs_give_empty_results(scene):
    gates, roads, enterprises = scene
    plan = plan_sweeping(gates.iloc[:0], roads, enterprises)
    assert plan.gate_roads.empty and plan.gate_findings.empty
    assert "distance_m" in plan.gate_findings.columns
    assert list(plan.sweep_tasks["enterprise_id"]) == ["E3", "E2", "E1"]  # no gates at all
    plan = plan_sweeping(gates, roads.iloc[:0], enterprises)
    assert plan.gate_roads.empty and (plan.gate_findings.finding == "no_road").sum() == 5


def test_county_totals(scene):
    totals = county_totals(plan_sweeping(*scene).sweep_tasks).set_index("county")
    assert totals.loc["郊区", "length_m"] == pytest.approx(450.0, rel=1e-6)
    assert totals.loc["郊区", "enterprises"] == 1 and totals.loc["盂县", "gates"] == 2
    assert totals.loc["(未注明县区)", "length_m"] == pytest.approx(200.0, rel=1e-6)
    assert totals.index[0] == "郊区"


# --- workspace and command line ---------------------------------------------------------


@pytest.fixture
def ws_scene(ws, scene):
    gates, roads, enterprises = scene
    with ws.transaction() as tx:
        tx.write("gates", gates)
        tx.write("roads", roads)
        tx.write("enterprises", enterprises)
    return ws


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def test_run_gate_roads_writes_four_results(ws_scene):
    plan = run_gate_roads(ws_scene).plan
    for name in ("gate_roads", "gate_buffers", "sweep_tasks", "gate_findings"):
        assert ws_scene.has(name)
    stored = ws_scene.read("sweep_tasks").set_index("enterprise_id")
    assert stored.loc["E1", "length_m"] == pytest.approx(450.0, rel=1e-6)
    assert len(ws_scene.read("gate_roads")) == len(plan.gate_roads) == 4


def test_cli_gate_roads(ws_scene, tmp_path):
    out = tmp_path / "清扫任务.xlsx"
    result = run("gate-roads", "-w", str(ws_scene.root), "--radius", "100", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "需清扫 650.0 米" in result.output and "郊区：450.0 米" in result.output
    table = pd.read_excel(out)
    assert list(table.columns[:3]) == ["企业编号", "企业名称", "县区"]  # the field dictionary
    assert set(table["企业编号"]) == {"E1", "E2", "E3", "E9"}
    lengths = table["长度（米）"].dropna()
    assert (lengths == lengths.round(1)).all()  # metres to 0.1 for people


def test_cli_gate_roads_with_roads_file(ws_scene, scene, tmp_path):
    _, roads, _ = scene
    path = tmp_path / "roads.geojson"
    roads.rename(columns={"name": "道路名称", "road_class": "道路等级"}).drop(columns="id").to_file(
        path
    )
    result = run("gate-roads", "-w", str(ws_scene.root), "--roads", str(path))
    assert result.exit_code == 0, result.output
    layer = ws_scene.read("gate_roads")
    assert "桃北路" in set(layer["road_name"]) and len(layer) == 4


def test_cli_gate_roads_bad_radius(ws_scene):
    result = run("gate-roads", "-w", str(ws_scene.root), "--radius", "-5")
    assert result.exit_code == 1 and "半径应为正数（米）" in result.output


def test_cli_buffer(ws_scene, tmp_path):
    out = tmp_path / "gates.gpkg"
    result = run(
        "buffer", "gates", "--distance", "1000", "-w", str(ws_scene.root), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    layer = ws_scene.read("gates_buffer_1000m")
    assert len(layer) == 6 and layer["area_m2"].iloc[0] == pytest.approx(3.1376e6, rel=1e-4)
    assert out.exists()
    result = run("buffer", "heaps", "--distance", "500", "-w", str(ws_scene.root))
    assert result.exit_code == 1 and "gangue_heaps" in result.output


def test_road_split_into_features_at_a_gate(scene):
    gates, roads, enterprises = scene
    # R1 cut at G1 into two features of the same name: two rows at G1, same totals
    west = geodesic(at(270, 400), 90, 400)
    east = geodesic((LON0, LAT0), 90, 400)
    split = gpd.GeoDataFrame(
        {"id": ["R1a", "R1b"], "name": ["桃北路", "桃北路"], "road_class": ["primary"] * 2},
        geometry=[west, east],
        crs="EPSG:4326",
    )
    roads = gpd.GeoDataFrame(pd.concat([split, roads.iloc[1:]], ignore_index=True), crs="EPSG:4326")
    plan = plan_sweeping(gates, roads, enterprises)
    g1 = plan.gate_roads[plan.gate_roads.gate_id == "G1"].set_index("road_id")["length_m"]
    assert g1.to_dict() == pytest.approx({"R1a": 100.0, "R1b": 100.0}, rel=1e-6)
    tasks = plan.sweep_tasks.set_index("enterprise_id")
    assert tasks.loc["E1", "length_m"] == pytest.approx(450.0, rel=1e-6)
    assert tasks.loc["E1", "n_roads"] == 2 and tasks.loc["E1", "roads"] == "桃北路、北环路"


def test_cli_warns_when_roads_miss_the_gates(ws_scene, scene, tmp_path):
    _, roads, _ = scene
    far = roads.copy()
    far["geometry"] = far.geometry.translate(xoff=1.0)  # 88 km east: another county
    path = tmp_path / "far.gpkg"
    far.to_file(path)
    result = run("gate-roads", "-w", str(ws_scene.root), "--roads", str(path))
    assert result.exit_code == 0, result.output
    assert "5 个厂门中只有 0 个在范围内有道路" in result.output


def test_disjoint_and_triple_overlaps(scene):
    gates, roads, enterprises = scene
    # E1 gets G7 at 300 m east of G1 on R1 (which ends 400 m east): 200 m there, apart
    # from G1's and G2's stretches; and G8 at 25 m east, inside both of theirs
    extra = gpd.GeoDataFrame(
        {
            "id": ["G7", "G8"],
            "enterprise_id": ["E1", "E1"],
            "enterprise_name": [None, None],
            "name": ["远门", "中门"],
        },
        geometry=[shapely.Point(at(90, 300)), shapely.Point(at(90, 25))],
        crs="EPSG:4326",
    )
    more = gpd.GeoDataFrame(pd.concat([gates, extra], ignore_index=True), crs="EPSG:4326")
    tasks = plan_sweeping(more, roads, enterprises).sweep_tasks.set_index("enterprise_id")
    # R1: G1 [-100, 100], G2 [-50, 150], G8 [-75, 125] -> [-100, 150]; G7 [200, 400]
    assert tasks.loc["E1", "length_m"] == pytest.approx(250.0 + 200.0 + 200.0, rel=1e-6)
    assert tasks.loc["E1", "gate_length_sum_m"] == pytest.approx(200.0 * 4 + 200.0, rel=1e-6)
