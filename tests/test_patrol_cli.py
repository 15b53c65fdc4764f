"""Tests of ``geoair patrol risk|plan`` on a small workspace."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geoair.cli import main
from geoair.store.open import init_workspace


@pytest.fixture
def workspace(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    rng = np.random.default_rng(2)
    n = 12
    enterprises = gpd.GeoDataFrame(
        {
            "id": [f"E{i:02d}" for i in range(n)],
            "name": [f"企业{i:02d}" for i in range(n)],
            "county": "城区",
            "performance_grade": ["C"] + ["A"] * (n - 1),
            "status": "正常生产",
        },
        geometry=gpd.points_from_xy(
            113.55 + rng.uniform(0, 0.05, n), 37.85 + rng.uniform(0, 0.05, n)
        ),
        crs=4326,
    )
    heaps = gpd.GeoDataFrame(
        {
            "id": ["H1"],
            "name": ["一号矸石山"],
            "county": "城区",
            "treatment": ["未治理"],
            "burning": pd.array([True], dtype="boolean"),
        },
        geometry=[shapely.Point(113.57, 37.87)],
        crs=4326,
    )
    xs = np.round(np.arange(113.54, 113.611, 0.01), 6)
    ys = np.round(np.arange(37.84, 37.911, 0.01), 6)
    lines = [shapely.LineString([(x, y) for y in ys]) for x in xs]
    lines += [shapely.LineString([(x, y) for x in xs]) for y in ys]
    roads = gpd.GeoDataFrame(
        {"name": [f"路{i}" for i in range(len(lines))]}, geometry=lines, crs=4326
    )
    county = gpd.GeoDataFrame(
        {"code": ["140302"], "name": ["城区"]},
        geometry=[shapely.box(113.5, 37.8, 113.65, 37.95)],
        crs=4326,
    )
    with ws.transaction() as tx:
        tx.write("enterprises", enterprises)
        tx.write("gangue_heaps", heaps)
        tx.write("roads", roads)
        tx.write("counties", county)
    return ws


def test_risk_command(workspace, tmp_path):
    out = tmp_path / "risk.csv"
    result = CliRunner().invoke(
        main,
        ["patrol", "risk", "-w", str(workspace.root), "--date", "2024-03-05", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "一号矸石山" in result.output.splitlines()[1]  # burning heap first
    table = pd.read_csv(out)
    assert len(table) == 13
    assert workspace.has("risk_scores")


def test_plan_command_writes_layers_and_files(workspace):
    args = [
        "patrol",
        "plan",
        "-w",
        str(workspace.root),
        "--date",
        "2024-03-05",
        "--teams",
        "2",
        "--stops",
        "3",
        "--start",
        "113.58,37.88",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "（沿道路）" in result.output
    stops = workspace.read("patrol_stops")
    routes = workspace.read("patrol_routes")
    assert len(stops) == 6 and stops["site_key"].is_unique
    assert len(routes) == 2 and (routes.geom_type == "LineString").all()
    folder = workspace.outputs_dir / "patrol"
    for suffix in ("gpx", "kml", "xlsx"):
        assert (folder / f"patrol-2024-03-05.{suffix}").stat().st_size > 0
    # planning the next day: yesterday's stops count as visited, so other sites come first
    history = workspace.read("patrol_history")
    assert len(history) == 6
    again = CliRunner().invoke(main, args[:5] + ["2024-03-06"] + args[6:])
    assert again.exit_code == 0, again.output
    next_day = set(workspace.read("patrol_stops")["site_key"])
    assert len(next_day & set(stops["site_key"])) < 6
    # re-planning the same day replaces its history rows
    CliRunner().invoke(main, args[:5] + ["2024-03-06"] + args[6:])
    assert len(workspace.read("patrol_history")) == 12


def test_start_outside_county_message(workspace):
    result = CliRunner().invoke(
        main,
        [
            "patrol",
            "plan",
            "-w",
            str(workspace.root),
            "--date",
            "2024-03-05",
            "--start",
            "113.0,37.5",
            "--county",
            "城区",
        ],
    )
    assert result.exit_code == 1
    assert "在城区之外" in result.output
    assert not workspace.has("patrol_stops")


def test_plan_for_a_county_keeps_the_citys_plan(workspace):
    """A run for a part (a county) replaces only that part's rows (issue 14)."""
    enterprises = workspace.read("enterprises")
    enterprises.loc[enterprises.index[:4], "county"] = "郊区"
    workspace.write("enterprises", enterprises)
    base = ["patrol", "plan", "-w", str(workspace.root), "--date", "2024-03-05"]
    base += ["--teams", "1", "--stops", "3", "--start", "113.58,37.88", "--straight"]
    city = CliRunner().invoke(main, base)
    assert city.exit_code == 0, city.output
    city_stops = workspace.read("patrol_stops")
    assert set(city_stops["scope"]) == {"全市"} and len(city_stops) == 3
    county = CliRunner().invoke(main, [*base, "--county", "郊区"])
    assert county.exit_code == 0, county.output
    stops = workspace.read("patrol_stops")
    assert sorted(stops["scope"].unique()) == ["全市", "郊区"]
    kept = stops[stops["scope"] == "全市"].sort_values("stop")["site_key"].tolist()
    assert kept == city_stops.sort_values("stop")["site_key"].tolist()
    assert set(stops.loc[stops["scope"] == "郊区", "county"]) == {"郊区"}
    assert sorted(workspace.read("patrol_routes")["scope"]) == ["全市", "郊区"]
    history = workspace.read("patrol_history")
    assert len(history) == 6
    # planning the county again replaces its own rows only
    assert CliRunner().invoke(main, [*base, "--county", "郊区"]).exit_code == 0
    assert len(workspace.read("patrol_history")) == 6
    assert len(workspace.read("patrol_stops")) == 6
