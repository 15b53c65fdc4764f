"""Tests for geoair.maps: classification, popups' records, safe HTML, offline assets, PNG.

The browser tests (tests/test_maps_browser.py) open the same synthetic map in Chromium.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from geoair.cli import main
from geoair.errors import ConfigError, FontMissingError, MapDataError, OutputError
from geoair.io.crs import wgs84_to_gcj02
from geoair.maps import interactive, static
from geoair.maps.interactive import render_html, write_html
from geoair.maps.layers import collect_layers
from geoair.maps.monitoring import _sparkline
from geoair.maps.static import write_png
from geoair.messages import use_language
from geoair.store.schema import CHECKLIST_ITEMS
from geoair.store.settings import DEFAULT_SETTINGS, overridden

EVIL = "<img src=x onerror=alert(1)>"
CRS = "EPSG:4326"


def make_frames() -> dict[str, pd.DataFrame]:
    """A small Yangquan-like workspace: 2 counties, 2 parks, 4 enterprises, records..."""
    counties = gpd.GeoDataFrame(
        {"code": ["140302", "140303"], "name": ["城区", "矿区"]},
        geometry=[box(113.50, 37.80, 113.60, 37.90), box(113.60, 37.80, 113.70, 37.90)],
        crs=CRS,
    )
    parks = gpd.GeoDataFrame(
        {
            "id": ["P1", "P2"],
            "name": ["东部园区", "西部园区"],
            "county": ["城区", "矿区"],
            "key_park": pd.array([True, False], dtype="boolean"),
        },
        geometry=[box(113.52, 37.82, 113.56, 37.86), box(113.62, 37.82, 113.66, 37.86)],
        crs=CRS,
    )
    enterprises = gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3", "E4"],
            "name": [EVIL, "阳泉焦化有限公司", "平定水泥厂", "矿区洗煤厂"],
            "county": ["城区", "城区", "矿区", "矿区"],
            "township": ["义井镇"] * 4,
            "industry": ["焦化", "焦化", "水泥", "洗煤"],
            "above_scale": pd.array([True, False, True, None], dtype="boolean"),
            "performance_grade": ["A", "C", None, "D"],
            "status": ["正常生产", "正常生产", "正常生产", None],
            "responsible": ["张三", "李四", "王五", "赵六"],
        },
        geometry=[
            Point(113.575, 37.815),
            Point(113.55, 37.85),
            Point(113.63, 37.83),
            Point(113.68, 37.88),
        ],
        crs=CRS,
    )
    # E1: Jan all met, Mar one item failed; E2: Mar three failed (and found suspended);
    # E3: Feb all met; E4: never inspected.
    results = {0: [True] * 7, 1: [True] * 6 + [False], 2: [False] * 3 + [True] * 4, 3: [True] * 7}
    inspections = pd.DataFrame(
        {
            "enterprise_id": ["E1", "E1", "E2", None],
            "enterprise_name": [EVIL, EVIL, "阳泉焦化有限公司", "平定水泥厂"],
            "inspection_date": pd.to_datetime(
                ["2024-01-10", "2024-03-05", "2024-03-06", "2024-02-01"]
            ),
            "status": ["正常生产", "正常生产", "依法停产", None],
        }
    )
    for j, item in enumerate(CHECKLIST_ITEMS):
        inspections[item] = pd.array([results[r][j] for r in range(4)], dtype="boolean")
    cases = pd.DataFrame(
        {
            "inspection_date": pd.to_datetime(["2024-03-05", "2024-03-06", "2024-02-01"]),
            "enterprise_id": ["E1", "E2", "E2"],
            "enterprise_name": [EVIL, "阳泉焦化有限公司", "阳泉焦化有限公司"],
            "problem": ["料场未封闭<script>alert(2)</script>", "道路积尘", "车辆未冲洗"],
            "measure": ["立行立改", "立案处罚", "立案处罚"],
            "fine_yuan": [0.0, 20000.0, 5000.0],
            "rectified": pd.array([False, False, True], dtype="boolean"),
        }
    )
    gates = gpd.GeoDataFrame(
        {
            "id": ["G1", "G2"],
            "enterprise_id": ["E1", "E2"],
            "enterprise_name": [EVIL, "乙"],
            "name": ["东门", "北门"],
        },
        geometry=[Point(113.576, 37.816), Point(113.551, 37.851)],
        crs=CRS,
    )
    stations = gpd.GeoDataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "name": ["赛鱼站", "南庄站", "园区站1"],
            "kind": ["国控", "国控", "园区站"],
            "county": ["城区", "矿区", "城区"],
        },
        geometry=[Point(113.57, 37.87), Point(113.65, 37.86), Point(113.54, 37.84)],
        crs=CRS,
    )
    heaps = gpd.GeoDataFrame(
        {
            "id": ["H1", "H2", "H3"],
            "name": ["一号矸石山", "二号矸石山", "三号矸石山"],
            "county": ["矿区"] * 3,
            "owner_status": ["有主", "无主", "无主"],
            "treatment": ["已治理", "未治理", "治理中"],
            "burning": pd.array([False, True, False], dtype="boolean"),
            "area_m2": [1000.0, 2000.0, None],
            "volume_m3": [None, 5e4, 1e4],
        },
        geometry=[Point(113.61, 37.81), box(113.64, 37.87, 113.645, 37.875), Point(113.69, 37.81)],
        crs=CRS,
    )
    monthly = pd.DataFrame(
        {
            "station_id": ["S1", "S1", "S1", "S2", "S2"],
            "month": ["2024-01", "2024-02", "2024-03", "2024-02", "2024-03"],
            "PM2.5": [80.0, 60.0, 45.0, 50.0, 30.0],
            "PM10": [120.0, 100.0, 90.0, 80.0, 60.0],
            "aqi": [120.0, 90.0, 70.0, 60.0, 45.0],
        }
    )
    checks = pd.DataFrame(
        {
            "scope": ["station", "station", "county"],
            "target_name": ["赛鱼站", "南庄站", "城区"],
            "period": ["2024-03"] * 3,
            "metric": ["pm25"] * 3,
            "actual": [45.0, 30.0, 40.0],
            "target": [40.0, 35.0, 42.0],
            "met": pd.array([False, True, True], dtype="boolean"),
        }
    )
    scores = pd.DataFrame(
        {
            "park_id": ["P1", "P2"],
            "month": ["2024-03", "2024-03"],
            "total": [78.5, 62.0],
            "rank": [1, 2],
            "air": [80.0, 60.0],
        }
    )
    gate_buffers = gpd.GeoDataFrame(
        {"gate_id": ["G1", "G2"], "enterprise_id": ["E1", "E2"]},
        geometry=gpd.GeoSeries(gates.geometry.values, crs=CRS)
        .to_crs(4547)
        .buffer(100, quad_segs=64)
        .to_crs(CRS)
        .values,
        crs=CRS,
    )
    gate_roads = gpd.GeoDataFrame(
        {"gate_id": ["G1"], "enterprise_id": ["E1"], "road_name": ["桃北路"], "length_m": [200.0]},
        geometry=[LineString([(113.575, 37.8165), (113.577, 37.8165)])],
        crs=CRS,
    )
    routes = gpd.GeoDataFrame(
        {"team": [1], "date": ["2024-03-05"], "length_m": [12000.0]},
        geometry=[LineString([(113.58, 37.86), (113.575, 37.815), (113.55, 37.85)])],
        crs=CRS,
    )
    stops = gpd.GeoDataFrame(
        {
            "team": [1, 1],
            "order": [1, 2],
            "site_name": [EVIL, "阳泉焦化有限公司"],
            "reason": ["未整改问题", "3项不合格"],
            "risk": [55.0, 70.0],
        },
        geometry=[Point(113.575, 37.815), Point(113.55, 37.85)],
        crs=CRS,
    )
    suspects = pd.DataFrame(
        {
            "station_id": ["S1", "S1"],
            "source_id": ["E2", "H2"],
            "source_name": ["阳泉焦化有限公司", "二号矸石山"],
            "rank": [1, 2],
            "score": [0.8, 0.5],
        }
    )
    roads = gpd.GeoDataFrame(
        {
            "id": ["R1", "R2", "R3", "R4"],
            "name": ["G207", "桃北路", "桃北路", "厂区路"],  # a road in two pieces: one result
            "road_class": ["国道", "县道", "县道", None],
            "hardened": pd.array([True, True, False, None], dtype="boolean"),
        },
        geometry=[
            LineString([(113.51, 37.89), (113.69, 37.81)]),
            LineString([(113.52, 37.83), (113.55, 37.83)]),
            LineString([(113.62, 37.88), (113.66, 37.88)]),
            LineString([(113.574, 37.8165), (113.578, 37.8165)]),
        ],
        crs=CRS,
    )
    return {
        "counties": counties,
        "parks": parks,
        "roads": roads,
        "enterprises": enterprises,
        "inspections": inspections,
        "cases": cases,
        "gates": gates,
        "stations": stations,
        "gangue_heaps": heaps,
        "station_monthly": monthly,
        "targets_check": checks,
        "park_scores": scores,
        "gate_buffers": gate_buffers,
        "gate_roads": gate_roads,
        "patrol_routes": routes,
        "patrol_stops": stops,
        "source_suspects": suspects,
    }


EXPECTED_COUNTS = {
    "counties": 2,
    "parks": 2,
    "roads": 4,
    "gate_buffers": 2,
    "gate_roads": 1,
    "gangue_heaps": 3,
    "enterprises": 4,
    "gates": 2,
    "source_suspects": 2,
    "stations": 3,
    "patrol_routes": 1,
    "patrol_stops": 2,
}


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return make_frames()


@pytest.fixture
def layers(frames):
    return {layer.id: layer for layer in collect_layers(frames)}


def _mode(layer, key):
    return next(m for m in layer.modes if m.key == key)


def _field(layer, label):
    return next(values for name, values in layer.fields if name == label).tolist()


# -- classification -------------------------------------------------------------------


def test_every_layer_present_with_its_features(layers):
    assert {k: len(v) for k, v in layers.items()} == EXPECTED_COUNTS


def test_enterprise_classes_from_latest_inspection(layers):
    ent = layers["enterprises"]
    # E1 latest (Mar) 1 item failed; E2 3 failed; E3 matched by name, all met; E4 none.
    assert _mode(ent, "compliance").values.tolist() == [1, 2, 0, 3]
    assert ent.modes[0].key == "compliance"
    assert _mode(ent, "grade").values.tolist() == [1, 3, 5, 4]  # A, C, none, D
    # E2's status comes from its latest inspection (依法停产), E4 has none.
    assert _mode(ent, "status").values.tolist() == [0, 1, 0, 4]
    assert ent.big.tolist() == [True, False, True, False]
    assert _field(ent, "未整改问题数") == [1, 1, 0, 0]
    assert _field(ent, "罚款合计(元)") == [0, 25000, 0, 0]
    assert _field(ent, "最近检查") == ["2024-03-05", "2024-03-06", "2024-02-01", None]


def test_popup_tables_hold_the_records(layers):
    ent = layers["enterprises"]
    inspections, cases = ent.tables
    rows = inspections.by_feature()
    assert rows[0] == [
        ["2024-03-05", "6/7", "无组织排放治理是否符合要求", "正常生产"],
        ["2024-01-10", "7/7", "无", "正常生产"],
    ]
    assert rows[1] == [
        ["2024-03-06", "4/7", "物料堆场全封闭情况、厂区运输密闭、厂区道路硬化", "依法停产"]
    ]
    assert rows[2][0][:2] == ["2024-02-01", "7/7"]  # matched by name: the record has no id
    assert cases.by_feature()[1] == [["2024-03-06", "道路积尘", "立案处罚", 20000]]
    assert 2 not in cases.by_feature()


def test_month_limits_records_to_its_end(frames):
    ent = next(x for x in collect_layers(frames, month="2024-01") if x.id == "enterprises")
    assert _mode(ent, "compliance").values.tolist() == [0, 3, 3, 3]
    assert _field(ent, "罚款合计(元)") == [0, 0, 0, 0]


def test_station_classes_target_then_aqi(layers):
    st = layers["stations"]
    assert [m.key for m in st.modes] == ["target", "aqi", "kind"]
    assert _mode(st, "target").values.tolist() == [1, 0, 2]  # missed, met, no target
    assert _mode(st, "aqi").values.tolist() == [1, 0, 6]  # AQI 70 良, 45 优, none
    assert _mode(st, "kind").values.tolist() == [0, 0, 2]
    assert 0 in st.extra_html and "<polyline" in st.extra_html[0]
    monthly = next(t for t in st.tables if t.title.endswith("月度数值")).by_feature()
    assert monthly[0] == [["PM2.5 µg/m³", 45], ["PM10 µg/m³", 90], ["AQI", 70]]
    assert monthly[1] == [["PM2.5 µg/m³", 30], ["PM10 µg/m³", 60], ["AQI", 45]]
    targets = next(t for t in st.tables if t.title.endswith("目标考核")).by_feature()
    assert targets == {0: [["pm25", 45, 40, "未达标"]], 1: [["pm25", 30, 35, "达标"]]}
    assert 2 not in st.extra_html  # no readings, no chart


def test_aqi_category_edges():
    frames = make_frames()
    frames["station_monthly"] = pd.DataFrame(
        {"station_id": ["S1", "S2", "S3"], "month": ["2024-03"] * 3, "aqi": [50.0, 51.0, 301.0]}
    )
    st = next(x for x in collect_layers(frames) if x.id == "stations")
    assert _mode(st, "aqi").values.tolist() == [0, 1, 5]


def test_park_scores_and_heaps(layers):
    parks = layers["parks"]
    assert parks.modes[0].key == "score"
    assert parks.modes[0].values.tolist() == [4, 0]
    assert _field(parks, "排名") == [1, 2]
    assert ["air", 80] in parks.tables[0].by_feature()[0]
    heaps = layers["gangue_heaps"]
    assert heaps.kind == "mixed"
    assert heaps.modes[0].values.tolist() == [3, 0, 2]  # treated, burning, in progress
    assert heaps.hollow.tolist() == [False, True, True]


def test_gate_buffers_drawn_as_true_circles(layers):
    buffers = layers["gate_buffers"]
    assert buffers.kind == "circle"
    np.testing.assert_allclose(buffers.radius_m, 100.0, rtol=1e-3)
    assert buffers.geometry.iloc[0].distance(Point(113.576, 37.816)) < 1e-7


def test_suspect_lines_from_ids(layers):
    lines = layers["source_suspects"].geometry
    assert list(lines.iloc[0].coords) == [(113.57, 37.87), (113.55, 37.85)]


def test_layers_option_and_errors(frames):
    only = collect_layers(frames, layers=["stations", "counties"])
    assert [x.id for x in only] == ["counties", "stations"]
    with pytest.raises(MapDataError, match="未知的地图图层：factories"):
        collect_layers(frames, layers=["factories"])
    with use_language("en"), pytest.raises(MapDataError, match="Unknown map layer.*factories"):
        collect_layers(frames, layers=["factories"])
    with pytest.raises(MapDataError, match="不是月份"):
        collect_layers(frames, month="March")
    with pytest.raises(MapDataError, match="没有可画的内容"):
        collect_layers({})
    projected = dict(frames, counties=frames["counties"].to_crs(4547))
    with pytest.raises(MapDataError, match="EPSG:4547"):
        collect_layers(projected)


def test_inputs_not_modified(frames):
    before = {k: v.copy() for k, v in frames.items()}
    collect_layers(frames)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name])


# -- HTML -----------------------------------------------------------------------------


def _data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="geoair-data">(.*?)</script>', page, re.S
    )
    return json.loads(match.group(1))


def _point(geom: dict, i: int) -> tuple[float, float]:
    return (geom["o"][0] + geom["x"][i] / geom["s"], geom["o"][1] + geom["y"][i] / geom["s"])


def _ring(geom: dict, ints: list[int]) -> list[tuple[float, float]]:
    xy = np.cumsum(np.asarray(ints).reshape(-1, 2), axis=0) / geom["s"] + geom["o"]
    return [tuple(v) for v in xy.tolist()]


def _table_rows(table: dict, feature: int) -> list[list]:
    def cell(col, r):
        return col["v"][r] if "v" in col else (None if col["i"][r] < 0 else col["d"][col["i"][r]])

    return [[cell(col, r) for col in table["c"]] for r, f in enumerate(table["f"]) if f == feature]


def test_user_text_is_escaped_and_json_is_safe(frames):
    page = render_html(collect_layers(frames), title="<b>标题</b>")
    assert "<img src=x" not in page and "alert(2)</script>" not in page
    assert page.count("<script") == 3  # the data, Leaflet, geoair's script
    assert "<title>&lt;b&gt;标题&lt;/b&gt;</title>" in page
    data = _data(page)
    ent = next(x for x in data["layers"] if x["id"] == "enterprises")
    assert ent["fields"][0]["v"][0] == "&lt;img src=x onerror=alert(1)&gt;"
    cases = _table_rows(ent["tables"][1], 0)[0][1]
    assert cases == "料场未封闭&lt;script&gt;alert(2)&lt;/script&gt;"
    assert _table_rows(ent["tables"][0], 0) == [
        ["2024-03-05", "6/7", "无组织排放治理是否符合要求", "正常生产"],
        ["2024-01-10", "7/7", "无", "正常生产"],
    ]


def test_gates_refer_to_their_enterprise(frames):
    data = _data(render_html(collect_layers(frames)))
    gates = next(x for x in data["layers"] if x["id"] == "gates")
    field = next(f for f in gates["fields"] if f["label"] == "企业")
    assert field == {"label": "企业", "link": "enterprises", "v": [0, 1]}
    alone = _data(render_html(collect_layers(frames, layers=["gates"])))
    field = next(f for f in alone["layers"][0]["fields"] if f["label"] == "企业")
    assert field["v"][0] == "&lt;img src=x onerror=alert(1)&gt;"  # no enterprises layer


def test_script_json_cannot_close_the_script():
    value = {"a": "</script><!-- \u2028 \u2029 & <b>"}
    text = interactive.script_json(value)
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_everything_inline(frames):
    page = render_html(collect_layers(frames))
    assert not re.search(r"<script[^>]+src=", page)
    assert "<link" not in page
    assert "url(images/" not in page and "url(data:image/png;base64," in page
    assert "L.version" in page or 'version="1.9.4"' in page or "1.9.4" in page


def test_dictionary_coding_of_repeated_text():
    column = interactive._column(pd.Series(["城区"] * 8 + ["矿区", None]))
    assert column == {"d": ["城区", "矿区"], "i": [0] * 8 + [1, -1]}
    assert interactive._column(pd.Series(["a", "b", 3.5])) == {"v": ["a", "b", 3.5]}


def test_amap_shifts_every_coordinate(frames):
    layers = collect_layers(frames, layers=["enterprises", "counties"])
    plain = _data(render_html(layers))
    shifted = _data(render_html(layers, settings=overridden(DEFAULT_SETTINGS.maps, tiles="amap")))
    lon, lat = wgs84_to_gcj02([113.575], [37.815])
    ent = next(x for x in shifted["layers"] if x["id"] == "enterprises")
    x, y = _point(ent["geom"], 0)
    assert x == pytest.approx(lon[0], abs=1e-5) and y == pytest.approx(lat[0], abs=1e-5)
    assert abs(x - 113.575) > 0.003  # hundreds of metres
    ent_plain = next(x for x in plain["layers"] if x["id"] == "enterprises")
    assert _point(ent_plain["geom"], 0) == pytest.approx((113.575, 37.815), abs=1e-9)
    county = next(x for x in shifted["layers"] if x["id"] == "counties")
    ring = _ring(county["geom"], county["geom"]["g"][0][0][0])
    corners = frames["counties"].geometry.iloc[0].exterior.coords[:-1]
    expected = np.column_stack(wgs84_to_gcj02(*np.asarray(corners).T))
    np.testing.assert_allclose(ring, expected, atol=1.5e-5)
    plain_county = next(x for x in plain["layers"] if x["id"] == "counties")
    np.testing.assert_allclose(
        _ring(plain_county["geom"], plain_county["geom"]["g"][0][0][0]), corners, atol=1e-9
    )
    assert [t["id"] for t in shifted["tiles"]] == ["amap"] and shifted["coords"] == "gcj02"
    assert "amap" not in [t["id"] for t in plain["tiles"]]


def test_tianditu_needs_a_clean_key(frames):
    layers = collect_layers(frames, layers=["counties"])
    with pytest.raises(ConfigError, match="tianditu_key"):
        render_html(layers, settings=overridden(DEFAULT_SETTINGS.maps, tiles="tianditu"))
    with pytest.raises(ConfigError, match="字母和数字"):
        render_html(
            layers,
            settings=overridden(DEFAULT_SETTINGS.maps, tiles="osm", tianditu_key='abc"+alert(1)+"'),
        )
    data = _data(
        render_html(
            layers,
            settings=overridden(DEFAULT_SETTINGS.maps, tiles="tianditu", tianditu_key="ab12"),
        )
    )
    assert data["activeTiles"] == "tianditu"
    assert data["tiles"][1]["url"].endswith("tk=ab12")


def test_write_html_is_atomic_and_checks_suffix(frames, tmp_path):
    layers = collect_layers(frames)
    path = write_html(layers, tmp_path / "sub" / "map.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["map.html"]
    with pytest.raises(OutputError, match="html"):
        write_html(layers, tmp_path / "map.png")


def test_sparkline_escapes_its_caption():
    svg = _sparkline([10.0, 20.0, 15.0], ["2024-01", "<x>", "2024-03"], "PM2.5")
    assert svg.count("<svg") == 1 and "<x>" not in svg
    assert (
        'points="4.0,56.0 112.0,4.0 220.0,30.0"' in svg.replace("216.0", "220.0")
        or "4.0,56.0" in svg
    )
    assert _sparkline([1.0], ["2024-01"], "x") == ""


# -- PNG ------------------------------------------------------------------------------


def test_png_is_300_dpi_with_chinese_font(frames, tmp_path):
    from PIL import Image

    frames["counties"].loc[0, "name"] = "城区 $x^2$"  # printed as is, not as mathematics
    path = write_png(collect_layers(frames), tmp_path / "map.png", title="阳泉市 测试 $5")
    with Image.open(path) as image:
        assert image.size[0] == pytest.approx(11.69 * 300, abs=2)
        assert round(image.info["dpi"][0]) == 300
        pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 5


def test_png_without_any_chinese_font_names_the_repair(frames, tmp_path, monkeypatch):
    from matplotlib import font_manager

    from geoair.io import fonts

    # A broken installation: no system font, and the font geoair ships is gone.
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    monkeypatch.setattr(fonts, "bundled_font_path", lambda: tmp_path / "missing.otf")
    fonts.font_families.cache_clear()
    try:
        with pytest.raises(FontMissingError, match="fonts-noto-cjk"):
            write_png(collect_layers(frames), tmp_path / "map.png")
    finally:
        fonts.font_families.cache_clear()
    assert not (tmp_path / "map.png").exists()


@pytest.mark.parametrize(
    ("span", "length"), [(10_000, 2000), (4_000, 500), (123, 20), (60_000, 10_000)]
)
def test_scale_bar_length_is_round(span, length):
    assert static._nice_length(span) == length


# -- command line -----------------------------------------------------------------------


def test_cli_writes_html_and_png(ws_with_ledger, tmp_path):
    runner = CliRunner()
    out = tmp_path / "m.html"
    result = runner.invoke(main, ["map", "-w", str(ws_with_ledger.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "企业 3" in result.output and out.exists()
    assert "阳泉市甲耐火材料有限公司" in out.read_text(encoding="utf-8")
    result = runner.invoke(main, ["map", "-w", str(ws_with_ledger.root), "--png"])
    assert result.exit_code == 0, result.output
    assert (ws_with_ledger.outputs_dir / "maps" / "map.png").exists()


def test_cli_explains_bad_layers(ws_with_ledger):
    result = CliRunner().invoke(
        main, ["map", "-w", str(ws_with_ledger.root), "--layers", "enterprises,roadz"]
    )
    assert result.exit_code == 1
    assert "roadz" in result.output and "可选" in result.output


def test_unranked_park_is_grey(frames):
    frames["park_scores"] = frames["park_scores"].assign(rank=[1.0, None])
    parks = next(x for x in collect_layers(frames) if x.id == "parks")
    assert parks.modes[0].values.tolist() == [4, 5]  # the only ranked park; grey
    assert parks.modes[0].classes[5].label == "未评分或数据不足未排名"
    assert _field(parks, "得分") == [78.5, 62]


def test_park_breakdown_lines_and_rank_change(frames):
    frames["park_scores"] = frames["park_scores"].assign(
        rank_change=[1, -1],
        missing_zh=["", "道路积尘负荷"],
        breakdown_zh=["空气质量(PM2.5): 57 µg/m³ → 61.4分 × 0.25 = 15.4\n总分 78.5", None],
    )
    parks = next(x for x in collect_layers(frames) if x.id == "parks")
    assert parks.tables[0].by_feature() == {
        0: [["空气质量(PM2.5)", "57 µg/m³ → 61.4分 × 0.25 = 15.4"], ["总分 78.5", None]]
    }
    assert _field(parks, "排名变化") == [1, -1]
    assert _field(parks, "缺项") == [None, "道路积尘负荷"]


def test_polar_plots_inline_and_small(frames, tmp_path):
    from PIL import Image

    Image.new("RGB", (1200, 1000), "white").save(tmp_path / "S02.png")
    frames["source_plots"] = pd.DataFrame(
        {"station_id": ["S2", "S9"], "png": [str(tmp_path / "S02.png"), "missing.png"]}
    )
    st = next(x for x in collect_layers(frames) if x.id == "stations")
    assert 'src="data:image/png;base64,' in st.extra_html[1] and "<svg" in st.extra_html[1]
    assert len(st.extra_html[1]) < 20_000


def test_good_day_share_and_daily_aqi_strip(frames):
    days = pd.date_range("2024-03-01", periods=10, freq="D")
    frames["station_daily"] = pd.DataFrame(
        {
            "station_id": ["S1"] * 10 + ["S2"] * 10,
            "date": list(days) * 2,
            # S1: 8 of 10 days good (80%: class 80%-90%); S2: 5 of 9 valid days (56%)
            "aqi": [50.0] * 4 + [90.0] * 4 + [120.0, 220.0] + [40.0] * 5 + [150.0] * 4 + [None],
            "category": ["优"] * 4
            + ["良"] * 4
            + ["轻度污染", "重度污染"]
            + ["优"] * 5
            + ["轻度污染"] * 4
            + [None],
        }
    )
    st = next(x for x in collect_layers(frames) if x.id == "stations")
    good = _mode(st, "good_days")
    assert good.values.tolist() == [2, 0, 4]
    assert st.modes[0].key == "target"  # targets first, then good days
    strip = st.extra_html[0]
    assert strip.count("<rect") == 10 and "#99004c" in strip  # 重度污染 purple
    assert "优4天，良4天，轻度污染1天，重度污染1天" in strip


def test_point_without_location_is_written_as_null(frames):
    frames["stations"].loc[2, "geometry"] = None
    data = _data(render_html(collect_layers(frames, layers=["stations"])))
    geom = data["layers"][0]["geom"]
    assert geom["x"][2] is None and geom["y"][2] is None
    assert _point(geom, 0) == pytest.approx((113.57, 37.87), abs=1e-9)


def test_run_map_writes_both_maps_and_tells_the_figures(ws_with_ledger):
    from geoair.workflows.maps import MapOptions, describe, run_map

    lines = describe(run_map(ws_with_ledger, MapOptions(html=True, png=True)))
    assert (ws_with_ledger.outputs_dir / "maps" / "map.html").exists()
    assert (ws_with_ledger.outputs_dir / "maps" / "map.png").exists()
    assert any("企业 3" in line for line in lines)
    # no inspections: coloured by production status, 2 producing and 1 suspended
    assert "  企业（生产状态）：正常生产 2、依法停产 1" in lines


def test_patrol_risk_and_enterprise_scores_in_popups(frames):
    frames["risk_scores"] = pd.DataFrame(
        {
            "site_kind": ["enterprise"] * 4 + ["gangue_heap"],
            "site_id": ["E1", "E2", "E3", "E4", "H2"],
            "rank": [2, 1, 4, 3, 1],
            "score": [40.0, 80.0, 10.0, 20.0, 55.0],
            "reasons": [
                "未整改问题1件 +15",
                "检查不合格 +15",
                None,
                "上次检查距今30天 +7.5",
                "自燃 +30",
            ],
        }
    )
    frames["enterprise_scores"] = pd.DataFrame(
        {
            "month": ["2024-02", "2024-03", "2024-03"],
            "enterprise_id": ["E1", "E1", "E3"],
            "total": [50.0, 91.25, 70.0],
            "county_rank": [2, 1, 1],
            "benchmark": pd.array([False, True, False], dtype="boolean"),
        }
    )
    layers = {x.id: x for x in collect_layers(frames)}
    ent, heaps = layers["enterprises"], layers["gangue_heaps"]
    risk = _mode(ent, "risk")
    # quintile edges of 10, 20, 40, 80: 16, 24, 36, 56
    assert risk.values.tolist() == [3, 4, 0, 1]
    assert risk.classes[4].color == "#d7191c"  # highest risk red
    assert _field(ent, "风险原因")[1] == "检查不合格 +15"
    assert _field(ent, "企业得分") == [91.2, None, 70, None]  # the latest month only
    assert _field(ent, "标杆企业候选") == ["是", None, "否", None]
    assert _mode(heaps, "risk").values.tolist() == [5, 4, 5]  # only H2 scored


def test_patrol_team_colours_match_between_routes_and_stops():
    from geoair.maps.monitoring import _team_classes

    route_classes, route_cls = _team_classes(pd.Series(["1", "2", "3"]))
    stop_classes, stop_cls = _team_classes(pd.Series(["3", "1", "3"]))
    route_colour = {c.label: c.color for c in route_classes}
    stop_colour = {c.label: c.color for c in stop_classes}
    assert stop_colour == {k: route_colour[k] for k in ("第1组", "第3组")}
    assert [stop_classes[i].label for i in stop_cls] == ["第3组", "第1组", "第3组"]
    assert route_cls.tolist() == [0, 1, 2]


# -- roads, county scope, months ---------------------------------------------------------


def test_roads_layer_classed_and_hidden_at_city_zoom_when_heavy(frames, monkeypatch):
    from geoair.maps import layers as layers_module
    from geoair.maps.layers import road_class_index

    roads = {layer.id: layer for layer in collect_layers(frames)}["roads"]
    assert roads.kind == "line" and roads.min_zoom is None
    assert roads.modes[0].values.tolist() == [0, 2, 2, 4]  # 国道, 县道, 县道, unknown
    assert road_class_index(pd.Series(["motorway", "省道", "城市道路", "进厂道路"])).tolist() == [
        0,
        1,
        1,
        3,
    ]
    monkeypatch.setattr(layers_module, "ROADS_MAX", 3)
    heavy = {layer.id: layer for layer in collect_layers(frames)}["roads"]
    assert heavy.min_zoom == 12


def test_county_scope_keeps_that_countys_features(frames):
    from geoair.maps.layers import county_extent, scope_to_county

    scoped = scope_to_county(frames, "矿区")
    assert scoped["counties"]["name"].tolist() == ["矿区"]
    assert sorted(scoped["enterprises"]["id"]) == ["E3", "E4"]
    assert scoped["stations"]["name"].tolist() == ["南庄站"]
    assert sorted(scoped["roads"]["id"]) == ["R1", "R3"]
    assert scoped["roads"].total_bounds[0] >= 113.60 - 1e-9  # cut to the outline
    assert scoped["inspections"] is frames["inspections"]  # tables stay whole
    assert county_extent(frames, "矿区") == pytest.approx((113.60, 37.80, 113.70, 37.90))
    with pytest.raises(MapDataError, match="火星"):
        scope_to_county(frames, "火星")


def test_month_draws_only_that_months_plan_and_suspects(frames):
    frames["source_suspects"] = frames["source_suspects"].assign(
        period=["2020-10/2020-12", "2024-01/2024-03"]
    )
    march = {layer.id: layer for layer in collect_layers(frames, month="2024-03")}
    assert "patrol_routes" in march and "patrol_stops" in march
    assert len(march["source_suspects"]) == 1
    november = {layer.id: layer for layer in collect_layers(frames, month="2020-11")}
    assert "patrol_routes" not in november and "patrol_stops" not in november
    assert len(november["source_suspects"]) == 1
    latest = {layer.id: layer for layer in collect_layers(frames)}
    assert len(latest["source_suspects"]) == 1  # never two periods mixed


def test_data_month_for_the_title(frames):
    from geoair.maps.model import data_month

    assert data_month(frames) == "2024-03"
    assert data_month({}) is None


# -- the report map's symbols, legend and labels --------------------------------------------


def _figure(frames, **kw):
    return static.render_figure(collect_layers(frames), title="测试", **kw)


def test_png_each_layer_has_its_symbol_and_its_legend(frames):
    fig = _figure(frames)
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    handles = legend.legend_handles
    by_text = dict(zip(texts, handles, strict=True))
    # a header per layer that says what its colours mean, then its classes
    for header in (
        "企业（最近检查合规）",
        "监测站（目标达标）",
        "矸石山（治理与自燃）",
        "道路（道路等级）",
    ):
        assert header in texts
    start = texts.index("监测站（目标达标）")
    assert by_text["  达标"].get_marker() == "^" or handles[start + 1].get_marker() == "^"
    heaps = texts.index("矸石山（治理与自燃）")
    assert handles[heaps + 1].get_marker() == "s"
    enterprises = texts.index("企业（最近检查合规）")
    assert handles[enterprises + 1].get_marker() == "o"
    # the map's own symbols: triangles for stations, squares for heaps, circles else
    from matplotlib.markers import MarkerStyle

    symbols = [c for c in fig.axes[0].collections if c.get_gid() == static.SYMBOL_GID]
    drawn = {len(c.get_paths()[0].vertices) for c in symbols}
    for marker in ("^", "s", "o"):
        assert len(MarkerStyle(marker).get_path().vertices) in drawn
    # parks are filled and outlined
    assert "园区（园区得分）" in texts


def test_png_labels_overlap_no_symbol_and_no_other_label(frames):
    fig = _figure(frames)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == static.LABEL_GID]
    names = {t.get_text() for t in labels}
    assert {"城区", "矿区"} <= names and "赛鱼站" in names  # counties and stations named
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    symbols = static._symbol_boxes(ax, renderer)
    assert len(symbols) > 10
    for b in boxes:
        hit = (
            (b.x0 < symbols[:, 2])
            & (b.x1 > symbols[:, 0])
            & (b.y0 < symbols[:, 3])
            & (b.y1 > symbols[:, 1])
        )
        assert not hit.any()


def test_png_title_carries_the_month_and_roads_are_thin(frames, tmp_path):
    from matplotlib.collections import LineCollection

    fig = _figure(frames)
    widths = [
        float(np.max(c.get_linewidths()))
        for c in fig.axes[0].collections
        if isinstance(c, LineCollection) and c.get_zorder() == 3.5
    ]
    assert widths and max(widths) <= 0.8  # roads: thin lines under everything else
    path = write_png(collect_layers(frames), tmp_path / "m.png", title="阳泉市", month="2024-03")
    assert path.exists()
    fig = static.render_figure(collect_layers(frames), title="阳泉市 2024-03")
    assert "2024-03" in fig._suptitle.get_text()
