"""Tests of geoair.patrol.export: GPX, KML and Excel of a plan, read back."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from geoair.patrol.export import write_excel, write_gpx, write_kml
from geoair.patrol.plan import Start, plan_patrol


@pytest.fixture(scope="module")
def plan():
    rng = np.random.default_rng(5)
    n = 9
    lon = 113.50 + rng.uniform(0, 0.1, n)
    lat = 37.80 + rng.uniform(0, 0.1, n)
    names = [f"企业{i}" for i in range(n)]
    names[0] = "A&B <焦化> 有限公司"  # needs escaping in XML
    risk = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, n + 1),
            "site_key": [f"enterprise:E{i}" for i in range(n)],
            "site_kind": "enterprise",
            "site_id": [f"E{i}" for i in range(n)],
            "name": names,
            "county": "城区",
            "score": 50.0 - np.arange(n),
            "reasons": "未整改问题1件 +15",
            "days_since_visit": pd.array([3] * n, dtype="Int64"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    return plan_patrol(
        risk, date="2024-03-05", teams=2, stops=4, start=Start("局", 113.55, 37.85), lns_rounds=5
    )


def test_gpx_reads_back_with_gdal(plan, tmp_path):
    path = write_gpx(plan, tmp_path / "plan.gpx")
    layers = dict(pyogrio.list_layers(path))
    assert {"waypoints", "routes", "route_points", "tracks"} <= set(layers)
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    assert len(waypoints) == len(plan.stops) + 1  # the stops and the start
    assert "1-01" in " ".join(waypoints["name"]) or "2-01" in " ".join(waypoints["name"])
    assert waypoints["name"].str.contains("A&B <焦化> 有限公司", regex=False).any()
    routes = pyogrio.read_dataframe(path, layer="routes")
    assert len(routes) == 2
    points = pyogrio.read_dataframe(path, layer="route_points")
    # each route: start, its stops, start
    assert len(points) == len(plan.stops) + 2 * 2
    stop = plan.stops.iloc[0]
    match = waypoints[waypoints["name"].str.endswith(str(stop["name"]))].iloc[0]
    assert match.geometry.x == pytest.approx(stop["lon"], abs=1e-7)
    assert match.geometry.y == pytest.approx(stop["lat"], abs=1e-7)
    text = path.read_text(encoding="utf-8")
    assert 'version="1.1"' in text and "http://www.topografix.com/GPX/1/1" in text


def test_kml_reads_back(plan, tmp_path):
    path = write_kml(plan, tmp_path / "plan.kml")
    names = [str(name) for name, _ in pyogrio.list_layers(path)]
    assert any("第1组" in n for n in names) and any("第2组" in n for n in names)
    team1 = pyogrio.read_dataframe(path, layer=next(n for n in names if "第1组" in n))
    n_stops = int((plan.stops["team"] == 1).sum())
    assert len(team1) == n_stops + 1  # route line and the stops
    assert (team1.geom_type == "LineString").sum() == 1
    assert "ff4b19e6" in path.read_text(encoding="utf-8")  # team 1 red as aabbggrr


def test_excel_has_a_sheet_per_team(plan, tmp_path):
    path = write_excel(plan, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "第1组", "第2组"]
    sheet = wb["第1组"]
    assert sheet.cell(2, 1).value == "序号" and sheet.cell(2, 6).value == "检查原因"
    team = plan.stops[plan.stops["team"] == 1].sort_values("stop")
    assert sheet.max_row == 2 + len(team)
    assert sheet.cell(3, 2).value == team.iloc[0]["name"]
    assert sheet.cell(2 + len(team), 9).value == pytest.approx(
        round(team.iloc[-1]["distance_so_far_m"] / 1000, 1)
    )
    assert sheet.page_setup.orientation == "landscape"


def test_unwritable_folder_gives_a_clear_error(plan, tmp_path):
    from geoair.errors import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="无法写入"):
        write_gpx(plan, blocker / "plan.gpx")
    assert not (blocker / "plan.gpx").exists()


def test_html_map_is_offline_and_holds_routes_and_stops(plan, tmp_path):
    from geoair.patrol.export import write_map

    path = write_map(plan, tmp_path / "plan.html")
    text = path.read_text(encoding="utf-8")
    assert "巡查路线" in text and "巡查点位" in text
    assert "unpkg.com" not in text and "cdn.jsdelivr" not in text  # Leaflet inline
    assert "<焦化>" not in text  # the name is data, escaped, never markup
