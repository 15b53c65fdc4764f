"""Tests of geoair.patrol.plan: selection, coverage rule, teams, start point."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoair.errors import PlanError
from geoair.patrol.plan import Start, plan_patrol, resolve_start, select_sites
from geoair.store.settings import DEFAULT_SETTINGS, overridden

DATE = "2024-03-05"
LON0, LAT0 = 113.50, 37.80


def _risk(n=20, seed=0):
    """A risk table as risk_scores returns it: 20 sites, scores 100, 95, ... all recently
    visited (5 days ago), in two counties split at longitude 113.60."""
    rng = np.random.default_rng(seed)
    lon = LON0 + rng.uniform(0.01, 0.19, n)
    lat = LAT0 + rng.uniform(0.01, 0.19, n)
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "site_key": [f"enterprise:E{i:02d}" for i in range(n)],
            "site_kind": "enterprise",
            "site_id": [f"E{i:02d}" for i in range(n)],
            "name": [f"企业{i:02d}" for i in range(n)],
            "county": np.where(lon < 113.60, "城区", "郊区"),
            "score": 100.0 - 5 * np.arange(n),
            "reasons": "测试",
            "days_since_visit": pd.array([5] * n, dtype="Int64"),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)


@pytest.fixture
def counties():
    west = shapely.box(LON0, LAT0, 113.60, LAT0 + 0.2)
    east = shapely.box(113.60, LAT0, LON0 + 0.2, LAT0 + 0.2)
    return gpd.GeoDataFrame({"name": ["城区", "郊区"]}, geometry=[west, east], crs=4326)


@pytest.fixture
def roads():
    """A grid of roads every ~0.01° with a vertex at every crossing."""
    xs = np.round(np.arange(LON0, LON0 + 0.2001, 0.01), 6)
    ys = np.round(np.arange(LAT0, LAT0 + 0.2001, 0.01), 6)
    lines = [shapely.LineString([(x, y) for y in ys]) for x in xs]
    lines += [shapely.LineString([(x, y) for x in xs]) for y in ys]
    return gpd.GeoDataFrame({"name": ["路"] * len(lines)}, geometry=lines, crs=4326)


START = Start("局", 113.58, 37.90)


def test_top_risk_sites_are_included():
    plan = plan_patrol(_risk(), date=DATE, teams=2, stops=3, start=START, lns_rounds=10)
    assert set(plan.stops["site_key"]) == {f"enterprise:E{i:02d}" for i in range(6)}
    assert plan.stops["why"].str.startswith("风险第").all()


def test_no_site_twice_and_stop_limits():
    plan = plan_patrol(_risk(), date=DATE, teams=3, stops=4, start=START, lns_rounds=10)
    assert plan.stops["site_key"].is_unique
    assert len(plan.stops) == 12
    per_team = plan.stops.groupby("team").size()
    assert (per_team <= 4).all() and len(per_team) == 3
    for _, team in plan.stops.groupby("team"):
        assert list(team["stop"]) == list(range(1, len(team) + 1))


def test_more_places_than_sites():
    plan = plan_patrol(_risk(n=5), date=DATE, teams=3, stops=4, start=START, lns_rounds=5)
    assert sorted(plan.stops["site_key"]) == [f"enterprise:E{i:02d}" for i in range(5)]
    assert plan.stops.groupby("team").size().max() <= 4


def test_coverage_rule_forces_an_overdue_low_risk_site_in():
    risk = _risk()
    risk.loc[19, "days_since_visit"] = 45  # the lowest risk, not visited for 45 days
    plan = plan_patrol(risk, date=DATE, teams=1, stops=3, start=START, lns_rounds=5)
    keys = set(plan.stops["site_key"])
    assert "enterprise:E19" in keys
    assert {"enterprise:E00", "enterprise:E01"} <= keys
    forced = plan.stops.set_index("site_key").loc["enterprise:E19"]
    assert bool(forced["forced"])
    assert forced["why"].startswith("覆盖规则：45天未检查")


def test_coverage_share_leaves_room_for_top_risk():
    risk = _risk()
    risk["days_since_visit"] = pd.array([5] * 10 + [None] * 10, dtype="Int64")
    selected, backlog = select_sites(risk, places=4, coverage_days=30, coverage_share_max=0.5)
    assert selected["forced"].sum() == 2
    assert {"enterprise:E00", "enterprise:E01"} <= set(selected["site_key"])
    assert backlog == 8


def test_distances_so_far_add_up_to_the_route(roads):
    plan = plan_patrol(
        _risk(), date=DATE, teams=2, stops=4, start=START, roads=roads, lns_rounds=10
    )
    assert plan.mode == "road"
    for team, stops in plan.stops.groupby("team"):
        route = plan.routes.set_index("team").loc[team]
        so_far = stops["distance_so_far_m"].to_numpy()
        assert np.all(np.diff(so_far) > 0)
        assert so_far[-1] + route["return_leg_m"] == pytest.approx(route["length_m"], abs=0.5)
        assert stops["leg_m"].sum() == pytest.approx(so_far[-1], abs=0.5)


def test_road_route_is_longer_than_straight_and_follows_roads(roads):
    road = plan_patrol(_risk(), date=DATE, teams=1, stops=4, start=START, roads=roads, lns_rounds=5)
    straight = plan_patrol(_risk(), date=DATE, teams=1, stops=4, start=START, lns_rounds=5)
    assert straight.mode == "straight"
    assert road.total_m > straight.total_m
    line = road.routes.geometry.iloc[0]
    crs = 4547
    measured = gpd.GeoSeries([line], crs=4326).to_crs(crs).length.iloc[0]
    assert measured == pytest.approx(road.routes["length_m"].iloc[0], rel=0.01)
    assert line.coords[0] == pytest.approx((START.lon, START.lat))
    assert line.coords[-1] == pytest.approx((START.lon, START.lat))


def test_county_filter(counties):
    start = Start("郊区分局", 113.65, 37.90)
    plan = plan_patrol(
        _risk(),
        date=DATE,
        teams=1,
        stops=3,
        start=start,
        counties=counties,
        county="郊区",
        lns_rounds=5,
    )
    assert (plan.stops["county"] == "郊区").all()


@pytest.mark.usefixtures("english")
def test_start_outside_the_county_is_refused(counties):
    with pytest.raises(PlanError, match="lies outside 郊区"):
        plan_patrol(
            _risk(), date=DATE, teams=1, stops=3, start=START, counties=counties, county="郊区"
        )


@pytest.mark.usefixtures("english")
def test_start_outside_every_county_is_refused(counties):
    far = Start("太原", 112.55, 37.87)
    with pytest.raises(PlanError, match="outside the counties of the workspace"):
        plan_patrol(_risk(), date=DATE, teams=1, stops=3, start=far, counties=counties)


@pytest.mark.usefixtures("english")
def test_start_far_from_sites_refused_without_counties():
    far = Start("太原", 112.55, 37.87)
    with pytest.raises(PlanError, match="km from the nearest site"):
        plan_patrol(_risk(), date=DATE, teams=1, stops=3, start=far)


@pytest.mark.usefixtures("english")
def test_unknown_county_refused(counties):
    with pytest.raises(PlanError, match="not a county of this workspace"):
        plan_patrol(
            _risk(), date=DATE, teams=1, stops=3, start=START, counties=counties, county="盂县"
        )


@pytest.mark.usefixtures("english")
def test_bad_team_numbers_refused():
    with pytest.raises(PlanError, match="at least 1"):
        plan_patrol(_risk(), date=DATE, teams=0, stops=3, start=START)


@pytest.mark.usefixtures("english")
def test_resolve_start_forms():
    cfg = overridden(DEFAULT_SETTINGS.patrol, places={"郊区分局": (113.65, 37.90)})
    assert resolve_start(None, settings=cfg).name == "市生态环境局"
    assert resolve_start("郊区分局", settings=cfg) == Start("郊区分局", 113.65, 37.90)
    lonlat = resolve_start("113.6, 37.85", settings=cfg)
    assert (lonlat.lon, lonlat.lat) == (113.6, 37.85)
    stations = gpd.GeoDataFrame(
        {"name": ["赛鱼站", "南庄站"]},
        geometry=[shapely.Point(113.57, 37.86), shapely.Point(113.52, 37.84)],
        crs=4326,
    )
    found = resolve_start("赛鱼", settings=cfg, layers={"stations": stations})
    assert found == Start("赛鱼站", 113.57, 37.86)
    with pytest.raises(PlanError, match="matches several places"):
        resolve_start("站", settings=cfg, layers={"stations": stations})
    with pytest.raises(PlanError, match="not a place geoair knows"):
        resolve_start("不存在的地方", settings=cfg, layers={"stations": stations})
    with pytest.raises(PlanError, match="not in China"):
        resolve_start("37.85,113.6", settings=cfg)


def test_input_not_modified():
    risk = _risk()
    before = risk.copy()
    plan_patrol(risk, date=DATE, teams=1, stops=3, start=START, lns_rounds=5)
    pd.testing.assert_frame_equal(risk, before)


def test_route_limit_balances_teams_and_names_the_ones_over_it():
    corner = Start("角", 113.505, 37.805)  # a start in a corner: unbalanced shortest plan
    free = plan_patrol(_risk(seed=1), date=DATE, teams=2, stops=4, start=corner, lns_rounds=20)
    limit_km = 0.9 * free.routes["length_m"].max() / 1000
    limited = plan_patrol(
        _risk(seed=1),
        date=DATE,
        teams=2,
        stops=4,
        start=corner,
        lns_rounds=20,
        max_route_km=limit_km,
    )
    assert limited.routes["length_m"].max() <= limit_km * 1000
    assert not limited.notes
    assert limited.total_m >= free.total_m - 1e-6  # balance costs distance, never saves it
    assert set(limited.stops["site_key"]) == set(free.stops["site_key"])
    impossible = plan_patrol(
        _risk(), date=DATE, teams=2, stops=4, start=START, lns_rounds=5, max_route_km=1.0
    )
    assert any("超过每组每日 1 公里的上限" in note for note in impossible.notes)
    assert impossible.routes["over_limit"].all() and (impossible.routes["limit_km"] == 1).all()
    assert len(impossible.stops) == 8  # a soft limit: the plan is still made
