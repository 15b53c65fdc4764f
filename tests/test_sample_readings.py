"""The demo's sample readings: plume sources within the sources radius, found again by
``geoair sources suspects``, and the targets/validity story the demo tells."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geoair.workflows.sample_data import plume_sources

# Degrees of latitude per metre near 37.85° N (WGS-84 meridian arc, about 110,996 m/°).
_DEG_PER_M_LAT = 1 / 110_996.0


def _north(lat0: float, metres: float) -> float:
    return lat0 + metres * _DEG_PER_M_LAT


@pytest.fixture
def small_city():
    """Three national stations and enterprises due north of them at known distances."""
    stations = gpd.GeoDataFrame(
        {
            "id": ["A", "B", "C", "P"],
            "name": ["甲站", "乙站", "丙站", "园区站"],
            "kind": ["国控", "国控", "国控", "园区站"],
        },
        geometry=[
            Point(113.40, 37.85),
            Point(113.60, 37.85),
            Point(113.80, 37.85),
            Point(113.50, 37.85),
        ],
        crs="EPSG:4326",
    )
    rows = [  # (id, station lon, metres north, industry, status)
        ("E1", 113.40, 1000, "建材", "正常生产"),  # A: nearer, but not a plume industry
        ("E2", 113.40, 4000, "焦化", "正常生产"),  # A: the choice (plume industry in range)
        ("E3", 113.60, 1500, "铸造", "正常生产"),  # B: the choice (no plume industry in range)
        ("E4", 113.60, 6000, "水泥", "正常生产"),  # B: plume industry, out of range
        ("E5", 113.60, 800, "洗煤", "依法关闭"),  # B: nearest, closed by law: passed over
        ("E6", 113.80, 5600, "耐火材料", "正常生产"),  # C: nothing in range
        ("E7", 113.50, 300, "焦化", "正常生产"),  # near the park station only
    ]
    enterprises = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [f"企业{r[0]}" for r in rows],
            "industry": [r[3] for r in rows],
            "status": [r[4] for r in rows],
        },
        geometry=[Point(r[1], _north(37.85, r[2])) for r in rows],
        crs="EPSG:4326",
    )
    return stations, enterprises


def test_plume_source_is_a_plume_industry_in_range_else_any_industry(small_city):
    stations, enterprises = small_city
    chosen = plume_sources(stations, enterprises, radius_m=5000).set_index("station_id")
    assert chosen["source_id"].to_dict() == {"A": "E2", "B": "E3"}  # C: none in range
    assert chosen.loc["A", "distance_m"] == pytest.approx(4000, abs=5)
    assert chosen.loc["B", "distance_m"] == pytest.approx(1500, abs=5)
    assert chosen["bearing_deg"].to_numpy() == pytest.approx([0.0, 0.0], abs=0.1)


def test_plume_radius_follows_the_setting(small_city):
    stations, enterprises = small_city
    wide = plume_sources(stations, enterprises, radius_m=7000).set_index("station_id")
    assert wide["source_id"].to_dict() == {"A": "E2", "B": "E4", "C": "E6"}
    narrow = plume_sources(stations, enterprises, radius_m=1200).set_index("station_id")
    assert narrow["source_id"].to_dict() == {"A": "E1"}


def test_plume_sources_do_not_modify_inputs(small_city):
    stations, enterprises = small_city
    before = (stations.copy(), enterprises.copy())
    plume_sources(stations, enterprises)
    pd.testing.assert_frame_equal(stations, before[0])
    pd.testing.assert_frame_equal(enterprises, before[1])


def test_no_enterprises_no_plumes(small_city):
    stations, _ = small_city
    assert plume_sources(stations, None).empty


# --- the demo's sample workspace -----------------------------------------------------


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    """The sample layers imported, gate roads found and the sample readings stored, as
    the first three demo steps do."""
    from geoair.store.open import init_workspace
    from geoair.workflows.demo import STEPS

    ws = init_workspace(tmp_path_factory.mktemp("sample") / "ws")
    for step in STEPS[:3]:
        step.run(ws, lambda *a, **k: None)
    return ws


def _suspects(ws, layers):
    from geoair.sources.near import near_sources
    from geoair.sources.suspects import suspects
    from geoair.workflows.sources import load_wind, source_layers, suspect_options

    cfg = ws.settings.sources
    near = near_sources(
        ws.read("stations"),
        source_layers(ws, kinds=layers),
        radius_m=cfg.radius_m,
        lines=False,
    )
    frame = load_wind(ws, pollutant=cfg.pollutant, station_ids=list(near["station_id"].unique()))
    return suspects(
        near,
        frame,
        pollutant=cfg.pollutant,
        freq="quarter",
        lines=False,
        **suspect_options(cfg),
    )


def test_every_national_station_has_a_plume_source_within_the_radius(demo_ws):
    stations = demo_ws.read("stations")
    chosen = plume_sources(
        stations,
        demo_ws.read("enterprises"),
        radius_m=demo_ws.settings.sources.radius_m,
    )
    national = set(stations.loc[stations["kind"] == "国控", "id"].astype(str))
    assert set(chosen["station_id"]) == national
    assert (chosen["distance_m"] <= demo_ws.settings.sources.radius_m).all()


def test_planted_enterprise_is_a_top3_suspect_of_each_national_station(demo_ws):
    """Enterprises, heaps and parks as sources: the planted enterprise itself in the top 3."""
    stations = demo_ws.read("stations")
    chosen = plume_sources(stations, demo_ws.read("enterprises"))
    ranked = _suspects(demo_ws, ["enterprises", "gangue_heaps", "parks"])
    for row in chosen.itertuples(index=False):
        mine = ranked[
            (ranked["station_id"] == row.station_id) & (ranked["source_id"] == row.source_id)
        ]
        assert len(mine) == 2, row  # two quarters of sample readings
        assert mine["rank"].min() <= 3, (row, mine[["period", "rank", "score"]])


def test_planted_factory_or_its_gate_road_is_a_top3_suspect_with_gate_roads(demo_ws):
    """As in the demo (gate roads too): the planted factory or a gate road in front of it."""
    stations = demo_ws.read("stations")
    chosen = plume_sources(stations, demo_ws.read("enterprises"))
    gates = demo_ws.read("gates")
    factory_of_gate = dict(
        zip(gates["id"].astype(str), gates["enterprise_id"].astype(str), strict=True)
    )
    ranked = _suspects(demo_ws, None)
    factory = np.where(
        ranked["source_kind"] == "gate_road",
        ranked["source_id"].map(factory_of_gate),
        ranked["source_id"],
    )
    ranked = ranked.assign(factory=factory)
    for row in chosen.itertuples(index=False):
        mine = ranked[
            (ranked["station_id"] == row.station_id) & (ranked["factory"] == row.source_id)
        ]
        assert mine["rank"].min() <= 3, (row, mine[["period", "name", "rank", "score"]])


def test_the_demo_targets_story_still_holds(demo_ws):
    from geoair.workflows.targets import check_workspace

    monthly = demo_ws.read("station_monthly")
    invalid = monthly[monthly["validity"] != "valid"]
    assert invalid[["station", "period"]].values.tolist() == [["白羊墅站", "2020-11"]]
    assert invalid["days_PM2.5"].tolist() == [24]
    check = check_workspace(
        demo_ws,
        daily=demo_ws.read("station_daily").assign(date=lambda d: pd.to_datetime(d["date"])),
    )
    stations = check[
        (check["scope"] == "station")
        & (check["metric"] == "pm25")
        & ~check["period"].str.contains("/")
    ]
    assert stations["met"].eq(False).sum() >= 2  # some stations miss some months
    assert stations["met"].eq(True).sum() >= 6
    missed = stations.loc[stations["met"].eq(False), "target_name"]
    assert missed.nunique() >= 2
    baiyang = stations[(stations["target_name"] == "白羊墅站") & (stations["period"] == "2020-11")]
    assert baiyang["met"].isna().all() and baiyang["validity"].str.startswith("invalid").all()
