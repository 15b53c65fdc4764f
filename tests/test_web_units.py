"""The web app's pure parts: GeoJSON, upload names, redirects, addresses, parameters, texts."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoair.errors import RequestError
from geoair.messages import MESSAGES, layer_name, placeholders, t, use_language
from geoair.web.geojson import frame_geojson
from geoair.web.security import is_loopback, login_required_for, safe_next
from geoair.web.steps import STEPS, missing, parse_params
from geoair.web.tables import cell, column_label
from geoair.web.uploads import upload_suffix

TEMPLATES = Path(__file__).resolve().parents[1] / "geoair" / "web" / "templates"


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3", "E4"],
            "name": ['甲"引号"公司', "乙\\反斜杠", "<b>丙</b>", None],
            "county": ["郊区", "郊区", "城区", "郊区"],
            "above_scale": pd.array([True, False, None, True], dtype="boolean"),
            "workers": [10.0, np.nan, 3.5, 7.0],
            "grade_count": pd.array([1, None, 3, 4], dtype="Int64"),
            "visited": pd.to_datetime(["2024-03-05", None, "2024-03-07", "2024-03-08"]),
        },
        geometry=gpd.points_from_xy([113.5, 113.51234567891, 113.6, 113.7], [37.8] * 4),
        crs=4326,
    )


def test_geojson_matches_the_obvious_encoding():
    frame = _frame()
    ours = json.loads(frame_geojson(frame))
    theirs = json.loads(frame.drop(columns="visited").to_json(na="null", drop_id=True))
    assert ours["type"] == "FeatureCollection" and len(ours["features"]) == 4
    for mine, ref in zip(ours["features"], theirs["features"], strict=True):
        props = {k: v for k, v in mine["properties"].items() if k != "visited"}
        assert props == ref["properties"]
        assert mine["geometry"]["type"] == "Point"
        np.testing.assert_allclose(
            mine["geometry"]["coordinates"], ref["geometry"]["coordinates"], atol=6e-8
        )
    assert [f["properties"]["visited"] for f in ours["features"]] == [
        "2024-03-05",
        None,
        "2024-03-07",
        "2024-03-08",
    ]
    assert ours["features"][1]["properties"]["above_scale"] is False
    assert ours["features"][2]["properties"]["above_scale"] is None


def test_geojson_of_polygons_lines_tables_and_nothing():
    clockwise = shapely.Polygon([(113, 37), (113, 38), (114, 38), (114, 37)])
    frame = gpd.GeoDataFrame(
        {"name": ["p", "l", "none"]},
        geometry=[clockwise, shapely.LineString([(113, 37), (113.5, 37.5)]), None],
        crs=4326,
    )
    data = json.loads(frame_geojson(frame))
    ring = np.array(data["features"][0]["geometry"]["coordinates"][0])
    area2 = np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
    assert area2 > 0  # counter-clockwise exterior, RFC 7946
    assert data["features"][1]["geometry"]["type"] == "LineString"
    assert data["features"][2]["geometry"] is None
    table = json.loads(frame_geojson(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})))
    assert [f["geometry"] for f in table["features"]] == [None, None]
    assert table["features"][1]["properties"] == {"a": 2, "b": "y"}
    assert json.loads(frame_geojson(frame.iloc[:0])) == {
        "type": "FeatureCollection",
        "features": [],
    }


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("台账.xlsx", ".xlsx"),
        ("../../x.CSV", ".csv"),
        ("C:\\Users\\王\\roads.osm.pbf", ".osm.pbf"),
        ("heaps.zip", ".zip"),
        ("a.geojson", ".geojson"),
    ],
)
def test_upload_suffix_comes_only_from_known_extensions(name, suffix):
    assert upload_suffix(name) == suffix


@pytest.mark.parametrize("name", ["x.exe", "x", ".csv", "roads.shp", "x.csv.exe", "../"])
def test_upload_suffix_refuses_the_rest(name):
    with pytest.raises(RequestError):
        upload_suffix(name)


def test_redirects_stay_on_this_server():
    assert safe_next("/work?x=1") == "/work?x=1"
    for target in ("//evil.example/x", "http://evil.example", "https:/x", "\\\\evil", "", None):
        assert safe_next(target) == "/"


def test_loopback_addresses():
    for host in ("127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"):
        assert is_loopback(host)
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.com"):
        assert not is_loopback(host)
    assert login_required_for("0.0.0.0", has_users=True)
    assert not login_required_for("127.0.0.1", has_users=False)
    assert login_required_for("127.0.0.1", has_users=True)


def test_parameters_are_checked_all_at_once():
    step = STEPS["patrol_plan"]
    values = parse_params(
        step, {"date": "2024-03-05", "teams": "3", "stops": "", "county": " 郊区 "}
    )
    assert values == {"date": "2024-03-05", "teams": 3, "county": "郊区"}
    with pytest.raises(RequestError) as caught:
        parse_params(step, {"date": "2024-3-5", "teams": "0", "colour": "red"})
    message = str(caught.value)
    assert "colour" in message and "不是日期" in message and "不是正整数" in message
    with pytest.raises(RequestError, match="请填写月份"):
        parse_params(STEPS["forms"], {})
    with pytest.raises(RequestError, match="没有“nothing”"):
        parse_params(STEPS["export"], {"layer": "nothing"}, layers={"enterprises"})


def test_what_a_step_needs():
    assert missing(STEPS["gate_roads"], {"gates"}) == ["没有道路图层，无法计算厂门100米道路"]
    assert missing(STEPS["gate_roads"], {"gates", "roads"}) == []
    assert missing(STEPS["patrol_plan"], {"gangue_heaps"}) == []
    with use_language("en"):
        assert missing(STEPS["suspects"], set())[0].startswith("No stations layer")


def test_every_page_text_is_in_the_catalogue():
    # Templates name texts by their id without "web." (or a full id such as word.none).
    used = set()
    for path in TEMPLATES.glob("*.html"):
        for key in re.findall(r"\bt\('([a-z0-9_.]+)'\s*[,)]", path.read_text("utf-8")):
            used.add(key if "." in key else f"web.{key}")
    for prefix in ("nav_", "step_", "state_"):  # t('nav_' + key) and the like
        assert any(key.startswith(f"web.{prefix}") for key in MESSAGES), prefix
    for step in STEPS.values():
        used |= {step.title, *(need.message for need in step.needs)}
        assert f"web.step_{step.name}" == step.title
        for param in step.params:
            used |= {param.label, *(label for _, label in param.choices)}
    assert used - set(MESSAGES) == set()
    for key in used:
        zh, en = MESSAGES[key]
        assert zh and en and placeholders(zh) == placeholders(en), key
    with use_language("en"):
        assert t("web.need_roads").startswith("No roads layer")


def test_columns_and_layers_are_said_in_the_language():
    from geoair.store.fields import header

    # In Chinese a column has the header the report tables have; English its label.
    assert column_label("enterprise_name") == "企业名称" and column_label("xyz") == "xyz"
    assert column_label("station") == header("station") == "站点名称"
    assert column_label("enterprises") == "企业数"  # not in the field dictionary
    for key, (zh, _) in MESSAGES.items():
        if key.startswith("web.column."):
            column = key.removeprefix("web.column.")
            assert header(column) in (zh, column), key  # one Chinese wording per column
    assert cell(True) == "是" and cell(None) is None
    assert layer_name("enterprises") == "企业" and layer_name("gate_roads") == "厂门100米道路"
    with use_language("en"):
        assert column_label("length_m") == "length (m)" and cell(False) == "no"
        assert layer_name("gate_roads") == "gate roads"


@pytest.mark.parametrize(("level", "said"), [(logging.WARNING, "warning"), (logging.INFO, "info")])
def test_uvicorns_english_lines_only_when_asked_for(tmp_path, monkeypatch, level, said):
    """geoair serve says where it serves in the clerk's language; uvicorn's own English
    start-up lines appear only with geoair -v."""
    import uvicorn

    from geoair.store.open import init_workspace
    from geoair.web.server import serve

    ws = init_workspace(tmp_path / "ws")
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(logging.getLogger("geoair"), "level", level)
    serve(ws, port=0)
    assert seen["log_level"] == said and seen["access_log"] is False
