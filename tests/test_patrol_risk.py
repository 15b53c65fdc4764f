"""Tests of geoair.patrol.risk: every term, hand-computed, with its reason."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geoair.errors import SchemaError
from geoair.patrol.risk import risk_scores, site_table

AS_OF = "2024-03-05"


@pytest.fixture
def enterprises():
    return gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3", "E4"],
            "name": ["甲焦化", "乙水泥", "丙洗煤", "丁耐材"],
            "county": ["城区", "城区", "郊区", "郊区"],
            "performance_grade": ["A", "C", "B", "D"],
            "status": ["正常生产", "正常生产", "依法停产", "正常生产"],
        },
        geometry=[shapely.Point(113.55 + i * 0.01, 37.85) for i in range(4)],
        crs=4326,
    )


@pytest.fixture
def heaps():
    return gpd.GeoDataFrame(
        {
            "id": ["H1", "H2", "H3"],
            "name": ["一号矸石山", "二号矸石山", "三号矸石山"],
            "county": "郊区",
            "treatment": ["未治理", "治理中", "已治理"],
            "burning": pd.array([True, False, pd.NA], dtype="boolean"),
        },
        geometry=[
            shapely.Point(113.6, 37.9).buffer(0.001),
            shapely.Point(113.61, 37.9),
            shapely.Point(113.62, 37.9),
        ],
        crs=4326,
    )


@pytest.fixture
def cases():
    return pd.DataFrame(
        {
            "inspection_date": pd.to_datetime(
                ["2024-02-04", "2024-02-04", "2023-01-10", "2024-01-20", "2024-04-01"]
            ),
            "enterprise_id": ["E1", None, "E1", "E2", "E2"],
            "enterprise_name": ["甲焦化", "甲焦化", "甲焦化", "乙水泥", "乙水泥"],
            "problem": ["料场未封闭", "道路积尘", "旧问题", "洗车不到位", "将来的问题"],
            "rectified": pd.array([False, pd.NA, True, True, False], dtype="boolean"),
            "fixed_on_spot": pd.array([False, True, False, False, False], dtype="boolean"),
        }
    )


@pytest.fixture
def inspections():
    return pd.DataFrame(
        {
            "inspection_date": pd.to_datetime(["2023-12-01", "2024-02-24", "2024-01-05"]),
            "enterprise_name": ["乙水泥", "乙水泥", "丙洗煤"],
            "enterprise_id": ["E2", "E2", "E3"],
            "yard_enclosed": pd.array([False, False, True], dtype="boolean"),
            "roads_hardened": pd.array([False, True, True], dtype="boolean"),
            "vehicle_washing": pd.array([False, False, pd.NA], dtype="boolean"),
            "status": ["正常生产", "正常生产", "正常生产"],
        }
    )


def _row(scores, key):
    return scores.set_index("site_key").loc[key]


def test_site_table_merges_layers_with_points(enterprises, heaps):
    sites = site_table(enterprises, heaps)
    assert len(sites) == 7
    assert set(sites["site_kind"]) == {"enterprise", "gangue_heap"}
    assert (sites.geom_type == "Point").all()
    assert sites.crs.to_epsg() == 4326
    heap = sites.set_index("site_key").loc["gangue_heap:H1"]
    assert heap.geometry.within(heaps.geometry.iloc[0])


def test_cases_open_and_past_findings(enterprises, cases):
    scores = risk_scores(site_table(enterprises), as_of=AS_OF, cases=cases)
    e1 = _row(scores, "enterprise:E1")
    # One open case (the fixed-on-the-spot one is closed); two within 365 days.
    assert e1["pts_open_case"] == 15.0
    assert e1["pts_past_finding"] == 10.0
    assert e1["days_since_visit"] == 30  # 2024-02-04 -> 2024-03-05
    assert e1["pts_per_day_since_visit"] == pytest.approx(7.5)
    assert e1["score"] == pytest.approx(15 + 10 + 7.5)
    assert "未整改问题1件 +15" in e1["reasons"]
    assert "上次检查距今30天 +7.5" in e1["reasons"]


def test_future_records_are_ignored(enterprises, cases):
    scores = risk_scores(site_table(enterprises), as_of=AS_OF, cases=cases)
    e2 = _row(scores, "enterprise:E2")
    assert e2["pts_open_case"] == 0.0  # the open case is dated after the plan day
    assert e2["days_since_visit"] == 45


def test_latest_inspection_checklist_and_grade(enterprises, inspections):
    scores = risk_scores(site_table(enterprises), as_of=AS_OF, inspections=inspections)
    e2 = _row(scores, "enterprise:E2")
    # latest inspection 2024-02-24: yard and vehicle washing failed (roads fixed since)
    assert e2["pts_checklist_item_failed"] == 10.0
    assert "物料堆场未全封闭" in e2["reasons"] and "无车辆冲洗" in e2["reasons"]
    assert "厂区道路未硬化" not in e2["reasons"]
    assert e2["pts_grade_below_b"] == 10.0
    assert e2["days_since_visit"] == 10
    assert e2["score"] == pytest.approx(10 + 10 + 2.5)


def test_suspended_enterprise_seen_producing(enterprises, inspections):
    scores = risk_scores(site_table(enterprises), as_of=AS_OF, inspections=inspections)
    e3 = _row(scores, "enterprise:E3")
    assert e3["pts_not_producing"] == 5.0
    assert e3["pts_suspended_but_active"] == 25.0
    assert "依法停产但检查时在生产" in e3["reasons"]


def test_never_visited_counts_the_cap(enterprises):
    scores = risk_scores(site_table(enterprises), as_of=AS_OF)
    e4 = _row(scores, "enterprise:E4")
    assert pd.isna(e4["days_since_visit"])
    assert e4["pts_per_day_since_visit"] == pytest.approx(120 * 0.25)
    assert "从未检查" in e4["reasons"]


def test_heaps_burning_and_untreated(enterprises, heaps):
    scores = risk_scores(site_table(enterprises, heaps), as_of=AS_OF)
    h1, h2, h3 = (_row(scores, f"gangue_heap:H{i}") for i in (1, 2, 3))
    assert h1["pts_burning_heap"] == 30.0 and h1["pts_untreated_heap"] == 15.0
    assert h2["pts_burning_heap"] == 0.0 and h2["pts_untreated_heap"] == 7.5
    assert h3["pts_untreated_heap"] == 0.0
    assert h1["score"] == pytest.approx(30 + 15 + 30)
    assert scores.iloc[0]["site_key"] == "gangue_heap:H1"
    assert "矸石山自燃/冒烟 +30" in h1["reasons"]


def test_gate_road_and_upwind_of_missing_station(enterprises):
    sweep = pd.DataFrame({"enterprise_id": ["E1", "E4"], "total_length_m": [350.0, 5000.0]})
    targets_check = pd.DataFrame(
        {
            "scope": ["station", "station", "county"],
            "target_name": ["赛鱼", "南庄", "城区"],
            "period": ["2024-02", "2024-02", "2024-02"],
            "metric": "pm25",
            "met": pd.array([False, True, False], dtype="boolean"),
        }
    )
    stations = pd.DataFrame({"id": ["S1", "S2"], "name": ["赛鱼", "南庄"]})
    suspects = pd.DataFrame(
        {
            "station_id": ["S1", "S1", "S2", "S1"],
            "rank": [1, 2, 1, 9],
            "source_kind": ["enterprise", "gate_road", "enterprise", "enterprise"],
            "source_id": ["E3", "G1", "E2", "E1"],
        }
    )
    scores = risk_scores(
        site_table(enterprises),
        as_of=AS_OF,
        sweep_tasks=sweep,
        targets_check=targets_check,
        stations=stations,
        source_suspects=suspects,
    )
    assert _row(scores, "enterprise:E1")["pts_gate_road_per_100m"] == pytest.approx(3.5)
    assert _row(scores, "enterprise:E4")["pts_gate_road_per_100m"] == pytest.approx(10.0)
    e3 = _row(scores, "enterprise:E3")
    assert e3["pts_upwind_of_missing_station"] == 20.0
    assert "位于未达标站点赛鱼上风向" in e3["reasons"]
    assert e3["pts_suspended_but_active"] == 25.0  # suspended, yet a suspect
    assert _row(scores, "enterprise:E2")["pts_upwind_of_missing_station"] == 0.0  # 南庄 met
    assert _row(scores, "enterprise:E1")["pts_upwind_of_missing_station"] == 0.0  # rank 9


def test_weights_come_from_settings(enterprises, heaps):
    from geoair.store.settings import DEFAULT_SETTINGS, overridden

    weights = {**DEFAULT_SETTINGS.patrol.weights, "burning_heap": 100.0}
    cfg = overridden(DEFAULT_SETTINGS.patrol, weights=weights)
    scores = risk_scores(site_table(enterprises, heaps), as_of=AS_OF, settings=cfg)
    assert _row(scores, "gangue_heap:H1")["pts_burning_heap"] == 100.0


def test_every_score_is_explained_and_ranked(enterprises, heaps, cases, inspections):
    before = enterprises.copy()
    scores = risk_scores(
        site_table(enterprises, heaps), as_of=AS_OF, cases=cases, inspections=inspections
    )
    pts = scores[[c for c in scores.columns if c.startswith("pts_")]].sum(axis=1)
    assert (pts.round(2) == scores["score"]).all()
    assert (scores["reasons"].str.len() > 0).all()
    assert list(scores["rank"]) == list(range(1, len(scores) + 1))
    assert scores["score"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(enterprises, before)


@pytest.mark.usefixtures("english")
def test_no_sites_refused():
    with pytest.raises(SchemaError, match="no enterprises or gangue heaps"):
        site_table(None, None)
