"""Tests of geoair.scores: hand-computed park and enterprise scores, invariants, CLI."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geoair.errors import ConfigError, SchemaError, WorkspaceError
from geoair.scores.components import (
    case_facts,
    check_weights,
    gate_road_hardened_share,
    parse_month,
    previous_month,
    respread_weights,
)
from geoair.scores.enterprises import benchmark_candidates, score_enterprises
from geoair.scores.inputs import PARK_COMPONENTS, ScoreInputs, latest_month, station_months_from
from geoair.scores.parks import park_ranking_sheet, score_parks
from geoair.store.schema import CHECKLIST_ITEMS
from geoair.store.settings import BenchmarkQuota, load_settings, overridden

SETTINGS = load_settings(None)
W = SETTINGS.scores.park_weights


def _assignment(rows):
    """site_assignment rows from (layer, site_id, park_id, rule, county)."""
    table = pd.DataFrame(rows, columns=["layer", "site_id", "park_id", "park_rule", "county"])
    table["site_name"] = table["site_id"]
    table["county_rule"] = "attribute"
    table["park_name"] = table["park_id"]
    table["park_distance_m"] = np.where(table["park_rule"] == "near", 500.0, 0.0)
    table["primary"] = ~table.duplicated(["layer", "site_id"])
    return table


def _inspection(eid, date, met):
    """An inspection row; ``met`` lists the 7 checklist values (True/False/None)."""
    row = {"enterprise_id": eid, "enterprise_name": eid, "inspection_date": pd.Timestamp(date)}
    row.update(dict(zip(CHECKLIST_ITEMS, met, strict=True)))
    return row


def _inspections(rows):
    frame = pd.DataFrame(rows)
    for item in CHECKLIST_ITEMS:
        frame[item] = frame[item].astype("boolean")
    return frame


def _cases(rows):
    frame = pd.DataFrame(
        rows, columns=["enterprise_id", "inspection_date", "fine_yuan", "rectified"]
    )
    frame["enterprise_name"] = frame["enterprise_id"]
    frame["inspection_date"] = pd.to_datetime(frame["inspection_date"])
    frame["fine_yuan"] = frame["fine_yuan"].astype(float)
    frame["rectified"] = frame["rectified"].astype("boolean")
    return frame


@pytest.fixture
def inputs():
    """Three parks; the expected values are worked out by hand in the tests."""
    parks = pd.DataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "name": ["甲园区", "乙园区", "丙园区"],
            "county": ["城区", "郊区", "盂县"],
        }
    )
    enterprises = pd.DataFrame(
        {
            "id": ["E1", "E2", "E3", "E4", "E5"],
            "name": ["一厂", "二厂", "三厂", "四厂", "五厂"],
            "county": ["城区", "城区", "郊区", "城区", "郊区"],
            "industry": ["焦化"] * 5,
            "status": ["正常生产", "正常生产", "依法停产", "依法关闭", "正常生产"],
            "performance_grade": ["A", "C", "B", "D", None],
        }
    )
    assignment = _assignment(
        [
            ("enterprises", "E1", "P1", "inside", "城区"),
            ("enterprises", "E2", "P1", "inside", "城区"),
            ("enterprises", "E3", "P2", "inside", "郊区"),
            ("enterprises", "E4", "P1", "inside", "城区"),
            ("enterprises", "E5", None, None, "郊区"),
            ("stations", "S1", "P1", "inside", "城区"),
            ("stations", "S2", "P1", "near", "城区"),
            ("stations", "S3", "P2", "near", "郊区"),
            ("gangue_heaps", "H1", "P1", "near", "城区"),
            ("gangue_heaps", "H2", "P2", "inside", "郊区"),
        ]
    )
    T, F = True, False
    inspections = _inspections(
        [
            _inspection("E1", "2024-02-10", [T] * 7),
            _inspection("E1", "2024-04-01", [F] * 7),  # after March: not used
            _inspection("E2", "2024-01-01", [T] * 7),  # older: not used for March
            _inspection("E2", "2024-03-05", [T, T, T, T, T, F, F]),
            _inspection("E3", "2024-03-10", [T, T, T, F, None, None, None]),
        ]
    )
    cases = _cases(
        [
            ("E2", "2024-03-06", 20000, False),
            ("E2", "2024-01-15", 5000, True),
            ("E3", "2024-02-20", None, None),  # blank rectified: open
            ("E1", "2024-04-02", 1000, False),  # after March: not counted
        ]
    )
    stations = pd.DataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "name": ["园区站", "国控站", "降尘点"],
            "kind": ["园区站", "国控", "降尘点"],
        }
    )
    monthly = pd.DataFrame(
        {
            "station_id": ["S1", "S2", "S3", "S1"],
            "period": ["2024-03", "2024-03", "2024-03", "2024-02"],
            "PM2.5": [70.0, 50.0, np.nan, 35.0],
        }
    )
    dustfall = pd.DataFrame(
        {
            "station_id": ["S1", "S3"],
            "month": ["2024-03", "2024年3月"],
            "dustfall_t_km2": [12.0, 6.0],
        }
    )
    heaps = pd.DataFrame(
        {
            "id": ["H1", "H2"],
            "name": ["一号", "二号"],
            "treatment": ["未治理", "已治理"],
            "burning": pd.array([True, False], dtype="boolean"),
        }
    )
    road_dust = pd.DataFrame(
        {
            "park_name": ["甲园区", "甲园区", "乙园区"],
            "month": ["2024-03", "2024年3月", "2024-02"],
            "load_g_m2": [0.8, 1.6, 3.0],
        }
    )
    return ScoreInputs(
        parks=parks,
        assignment=assignment,
        enterprises=enterprises,
        inspections=inspections,
        cases=cases,
        gangue_heaps=heaps,
        stations=stations,
        station_months=station_months_from(monthly, dustfall),
        road_dust=road_dust,
    )


# --- hand-computed parks ----------------------------------------------------------------------


def test_park_components_by_hand(inputs):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS).set_index("park_id")
    p1 = table.loc["P1"]
    assert p1["air_raw"] == pytest.approx(60.0)  # (70 + 50) / 2
    assert p1["air_score"] == pytest.approx(100 * 35 / 60)
    assert p1["dustfall_raw"] == 12.0 and p1["dustfall_ref"] == 9.0
    assert p1["dustfall_score"] == pytest.approx(75.0)
    assert p1["road_dust_raw"] == pytest.approx(1.2)  # (0.8 + 1.6) / 2
    assert p1["road_dust_score"] == pytest.approx(100 / 1.2)
    assert p1["compliance_raw"] == pytest.approx((1 + 5 / 7) / 2)
    assert p1["n_enterprises"] == 2  # E4 is closed by law
    assert p1["open_cases"] == 1 and p1["fines_yuan"] == 20000.0
    assert p1["cases_score"] == pytest.approx(100 / 1.5)  # 1 open case / 2 enterprises
    assert p1["fines_score"] == pytest.approx(50.0)  # 10 000 yuan per enterprise
    assert p1["grades_raw"] == pytest.approx(0.5)  # A and C
    assert p1["heaps_raw"] == 2.0  # untreated and burning
    assert p1["heaps_score"] == pytest.approx(100 / 3)
    expected = (
        0.25 * 100 * 35 / 60
        + 0.15 * 75
        + 0.15 * 100 / 1.2
        + 0.15 * 100 * (1 + 5 / 7) / 2
        + 0.10 * 100 / 1.5
        + 0.05 * 50
        + 0.10 * 50
        + 0.05 * 100 / 3
    )
    assert p1["total"] == pytest.approx(expected)
    assert p1["missing"] == ""


def test_missing_components_respread(inputs):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS).set_index("park_id")
    p2 = table.loc["P2"]
    # No air (its only station measures dustfall), no road dust in March.
    assert p2["missing"] == "air、road_dust"
    assert pd.isna(p2["air_score"]) and pd.isna(p2["air_weight"])
    assert p2["compliance_raw"] == pytest.approx(0.75)  # 3 of 4 items filled in
    weights = {c: p2[f"{c}_weight"] for c in PARK_COMPONENTS if pd.notna(p2[f"{c}_weight"])}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["dustfall"] == pytest.approx(0.15 / 0.60)
    assert p2["total"] == pytest.approx((15 + 0.15 * 75 + 0.10 * 50 + 5 + 10 + 5) / 0.60)
    assert p2["rank"] == 1 and table.loc["P1", "rank"] == 2


def test_park_with_no_data_is_not_ranked(inputs):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS).set_index("park_id")
    p3 = table.loc["P3"]
    # Only "no heaps near": 100 points on 5 % of the weight, too little to rank.
    assert p3["heaps_score"] == 100.0 and p3["weight_covered"] == pytest.approx(0.05)
    assert pd.isna(p3["rank"]) and not p3["ranked"]
    assert "空气质量" in p3["missing_zh"]
    no_heaps = ScoreInputs(**{**inputs.__dict__, "gangue_heaps": None})
    p3 = score_parks(no_heaps, month="2024-03", settings=SETTINGS).set_index("park_id").loc["P3"]
    assert pd.isna(p3["total"]) and p3["components_used"] == 0


def test_month_without_any_data(inputs):
    table = score_parks(inputs, month="2019-06", settings=SETTINGS)
    # Grades and heaps are states, and "no open case, no fine" is a fact; air, dustfall,
    # road dust and inspections are missing, and 30 % of the weight is too little to rank.
    assert table["rank"].isna().all()
    p1 = table.set_index("park_id").loc["P1"]
    assert p1["missing"] == "air、dustfall、road_dust、compliance"
    assert p1["weight_covered"] == pytest.approx(0.30)
    assert p1["total"] == pytest.approx((10 + 5 + 0.10 * 50 + 0.05 * 100 / 3) / 0.30)
    assert table.set_index("park_id").loc["P1", "open_cases"] == 0  # no case before then


def test_change_from_previous_month(inputs):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS).set_index("park_id")
    # February, P1: air 35 → 100; compliance 1 (E2's January visit); no open case; no
    # fine; grades 50; heaps 100/3; no dustfall or road dust. P2: too little to rank.
    feb = (25 + 15 + 10 + 5 + 5 + 0.05 * 100 / 3) / 0.70
    assert table.loc["P1", "prev_total"] == pytest.approx(feb)
    assert table.loc["P1", "prev_rank"] == 1
    assert table.loc["P1", "rank_change"] == -1  # from 1st to 2nd
    assert table.loc["P1", "total_change"] == pytest.approx(table.loc["P1", "total"] - feb)
    assert pd.isna(table.loc["P2", "prev_rank"]) and pd.isna(table.loc["P2", "rank_change"])


@pytest.mark.usefixtures("english")
def test_latest_month_and_default(inputs):
    assert latest_month(inputs) == "2024-04"  # E1's April inspection
    table = score_parks(inputs, settings=SETTINGS)
    assert (table["month"] == "2024-04").all()
    empty = ScoreInputs(parks=inputs.parks, assignment=inputs.assignment)
    with pytest.raises(WorkspaceError, match="nothing dated"):
        latest_month(empty)


def test_air_reference_target_and_city(inputs):
    targets = pd.DataFrame(
        {
            "scope": ["park", "county"],
            "target_name": ["甲园区", "郊区"],
            "period": ["2024-01/2024-03", "2024-03"],
            "metric": ["pm25", "dustfall"],
            "value": [60.0, 5.0],
        }
    )
    cfg = overridden(SETTINGS, scores=overridden(SETTINGS.scores, air_reference="target"))
    with_targets = ScoreInputs(**{**inputs.__dict__, "targets": targets})
    table = score_parks(with_targets, month="2024-03", settings=cfg).set_index("park_id")
    assert table.loc["P1", "air_ref"] == 60.0 and table.loc["P1", "air_score"] == 100.0
    assert table.loc["P1", "air_reference"] == "target"
    assert table.loc["P2", "dustfall_ref"] == 5.0  # the county's own limit
    assert table.loc["P2", "dustfall_score"] == pytest.approx(100 * 5 / 6)
    cfg = overridden(SETTINGS, scores=overridden(SETTINGS.scores, air_reference="city"))
    # only S2 is national: 50
    table = score_parks(inputs, month="2024-03", settings=cfg).set_index("park_id")
    assert table.loc["P1", "air_ref"] == 50.0
    assert table.loc["P1", "air_score"] == pytest.approx(100 * 50 / 60)


def test_ranking_sheet_has_chinese_headers(inputs):
    sheet = park_ranking_sheet(score_parks(inputs, month="2024-03", settings=SETTINGS))
    assert list(sheet.columns[:5]) == ["排名", "园区名称", "县区", "月份", "总分"]
    assert "降尘得分" in sheet.columns and "缺项(权重已分摊)" in sheet.columns
    assert sheet.iloc[0]["园区名称"] == "乙园区"


def test_breakdown_text(inputs):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS).set_index("park_id")
    text = table.loc["P2", "breakdown_zh"]
    assert "空气质量(PM2.5): 无数据" in text and "降尘: 6 t/(km²·月) (基准 9)" in text
    assert text.endswith(f"总分 {table.loc['P2', 'total']:.1f}")
    assert "罚款: 10,000 元/企业 (基准 10,000) → 50.0分" in table.loc["P1", "breakdown_zh"]


# --- enterprises and benchmarks -----------------------------------------------------------------


def test_enterprise_scores_by_hand(inputs):
    table = score_enterprises(inputs, month="2024-03", settings=SETTINGS).set_index("enterprise_id")
    assert "E4" not in table.index  # closed by law
    e1 = table.loc["E1"]
    # checklist 100, no open case 100, grade A 100; no gate findings table: re-spread.
    assert e1["total"] == pytest.approx(100.0) and e1["missing"] == "gate_roads"
    e2 = table.loc["E2"]
    assert e2["total"] == pytest.approx((0.4 * 500 / 7 + 0.3 * 50 + 0.2 * 40) / 0.9)
    e5 = table.loc["E5"]  # never inspected, no grade
    assert e5["missing"] == "checklist、grade、gate_roads"
    assert pd.isna(e5["rank"]) and pd.isna(e5["county_rank"])  # 30 % of the weight
    assert table.loc["E3", "county_rank"] == 1  # E5, same county, unranked
    assert e1["benchmark"] and e1["benchmark_rank"] == 1
    assert not e2["benchmark"]  # an open case
    assert not table.loc["E3", "benchmark"]  # not producing normally
    assert not table.loc["E5", "benchmark"]  # never inspected
    assert "少于名额下限" in e1["benchmark_note"] and "3-5" in e1["benchmark_note"]


def test_case_fixed_on_the_spot_is_not_open():
    cases = _cases(
        [
            ("E1", "2024-03-02", None, None),
            ("E1", "2024-03-03", None, None),
            ("E1", "2024-03-04", None, False),
        ]
    )
    cases["fixed_on_spot"] = pd.array([True, False, True], dtype="boolean")
    facts = case_facts(cases, "2024-03")
    # blank + 立行立改: rectified; blank otherwise: open; an explicit 否 stays open.
    assert facts.set_index("enterprise_id").loc["E1", "open_cases"] == 2


def test_gate_roads_hardened_share(inputs):
    gate_roads = pd.DataFrame(
        {
            "enterprise_id": ["E1", "E1", "E2", "E3"],
            "road_id": ["R1", "R2", "R2", "R9"],
            "length_m": [150.0, 50.0, 80.0, 40.0],
        }
    )
    roads = pd.DataFrame(
        {"id": ["R1", "R2", "R9"], "hardened": pd.array([True, False, pd.NA], dtype="boolean")}
    )
    share = gate_road_hardened_share(gate_roads, roads)
    assert share.to_dict() == {"E1": 0.75, "E2": 0.0}  # E3: 硬化 unknown
    with_roads = ScoreInputs(**{**inputs.__dict__, "gate_roads": gate_roads, "roads": roads})
    table = score_enterprises(with_roads, month="2024-03", settings=SETTINGS).set_index(
        "enterprise_id"
    )
    assert table.loc["E1", "gate_roads_score"] == 75.0
    assert table.loc["E1", "total"] == pytest.approx(0.4 * 100 + 0.3 * 100 + 0.2 * 100 + 0.1 * 75)
    assert table.loc["E2", "gate_roads_score"] == 0.0


def test_benchmark_quota_and_ties():
    frame = pd.DataFrame(
        {
            "enterprise_id": [f"E{i:02d}" for i in range(12)],
            "county": ["盂县"] * 12,
            "status": ["正常生产"] * 12,
            "checklist_score": [100.0] * 12,
            "open_cases": [0] * 12,
            "total": [90.0] * 6 + [70.0] * 6,
        }
    )
    quotas = SETTINGS.scores.benchmark_quotas
    out = benchmark_candidates(frame, quotas=quotas, min_score=60)
    assert out["benchmark"].sum() == 10  # 盂县: 5-10
    shuffled = benchmark_candidates(
        frame.sample(frac=1, random_state=3), quotas=quotas, min_score=60
    )
    assert set(shuffled.loc[shuffled["benchmark"], "enterprise_id"]) == set(
        out.loc[out["benchmark"], "enterprise_id"]
    )
    assert set(out.loc[~out["benchmark"], "enterprise_id"]) == {"E10", "E11"}
    graded = frame.assign(performance_grade=["D", "C"] + ["B"] * 5 + [None] * 5)
    out = benchmark_candidates(graded, quotas=quotas, min_score=60)
    assert not out.loc[out["enterprise_id"].isin(["E00", "E01"]), "benchmark"].any()
    assert out["benchmark"].sum() == 10
    strict = benchmark_candidates(graded, quotas=quotas, min_score=60, ungraded=False)
    assert strict["benchmark"].sum() == 5 and "少于名额下限" not in strict["benchmark_note"][0]
    strict = benchmark_candidates(graded.head(6), quotas=quotas, min_score=60, ungraded=False)
    assert strict["benchmark"].sum() == 4 and "少于名额下限" in strict["benchmark_note"][0]
    with pytest.raises(ConfigError, match="0 ≤ min ≤ max"):
        benchmark_candidates(frame, quotas=[BenchmarkQuota("城区", 5, 3)])


# --- small helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, month",
    [
        ("2024-03", "2024-03"),
        ("2024/3", "2024-03"),
        ("2024年3月", "2024-03"),
        ("2024-03-15", "2024-03"),
        (pd.Timestamp("2023-12-31"), "2023-12"),
    ],
)
def test_parse_month(text, month):
    assert parse_month(text) == month


def test_parse_month_refuses():
    with pytest.raises(SchemaError, match="2024-03"):
        parse_month("March")
    assert previous_month("2024-01") == "2023-12"


def test_weights_must_add_up_to_one():
    with pytest.raises(ConfigError, match="add up to 1.1"):
        check_weights({"air": 0.6, "dustfall": 0.5}, known=PARK_COMPONENTS, table="x")
    with pytest.raises(ConfigError, match="unknown components"):
        check_weights({"noise": 1.0}, known=PARK_COMPONENTS, table="x")
    check_weights(W, known=PARK_COMPONENTS, table="scores.park_weights")


# --- invariants (hypothesis) ---------------------------------------------------------------------

weights_strategy = st.dictionaries(
    st.sampled_from(list(PARK_COMPONENTS)), st.floats(0.0, 10.0, allow_nan=False), min_size=1
)


@given(weights_strategy, st.sets(st.sampled_from(list(PARK_COMPONENTS))))
def test_respread_weights_sum_to_one(weights, present):
    out = respread_weights(weights, present)
    if any(weights.get(c, 0) > 0 for c in present):
        assert sum(out.values()) == pytest.approx(1.0)
        assert set(out) <= set(present)
    else:
        assert out == {}


@st.composite
def park_worlds(draw):
    """A random city: parks, enterprises in them, inspections, cases, stations, heaps."""
    n_parks = draw(st.integers(1, 3))
    park_ids = [f"P{i}" for i in range(n_parks)]
    n_ent = draw(st.integers(1, 6))
    ent_ids = [f"E{i}" for i in range(n_ent)]
    homes = draw(st.lists(st.sampled_from([*park_ids, None]), min_size=n_ent, max_size=n_ent))
    grades = draw(
        st.lists(
            st.sampled_from(["A", "B", "C", "D", "引领性", None]), min_size=n_ent, max_size=n_ent
        )
    )
    rows = [
        ("enterprises", e, p, "inside" if p else None, "郊区")
        for e, p in zip(ent_ids, homes, strict=True)
    ]
    day = st.integers(1, 90).map(lambda d: pd.Timestamp("2024-01-01") + pd.Timedelta(days=d))
    flag = st.sampled_from([True, False, None])
    insp = [
        _inspection(
            draw(st.sampled_from(ent_ids)), draw(day), draw(st.lists(flag, min_size=7, max_size=7))
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    case_rows = [
        (
            draw(st.sampled_from(ent_ids)),
            draw(day),
            draw(st.one_of(st.none(), st.floats(0, 1e5))),
            draw(flag),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    monthly = []
    for i, p in enumerate(park_ids):
        if draw(st.booleans()):
            rows.append(("stations", f"S{i}", p, draw(st.sampled_from(["inside", "near"])), "郊区"))
            monthly.append(
                {"station_id": f"S{i}", "period": "2024-03", "PM2.5": draw(st.floats(5, 200))}
            )
    heaps = []
    for i in range(draw(st.integers(0, 3))):
        p = draw(st.sampled_from(park_ids))
        rows.append(("gangue_heaps", f"H{i}", p, "near", "郊区"))
        heaps.append(
            {
                "id": f"H{i}",
                "treatment": draw(st.sampled_from(["未治理", "已治理"])),
                "burning": draw(st.booleans()),
            }
        )
    return ScoreInputs(
        parks=pd.DataFrame({"id": park_ids, "name": park_ids, "county": "郊区"}),
        assignment=_assignment(rows),
        enterprises=pd.DataFrame(
            {"id": ent_ids, "name": ent_ids, "status": "正常生产", "performance_grade": grades}
        ),
        inspections=_inspections(insp) if insp else None,
        cases=_cases(case_rows),
        gangue_heaps=pd.DataFrame(heaps, columns=["id", "treatment", "burning"]),
        stations=pd.DataFrame({"id": [f"S{i}" for i in range(n_parks)], "kind": "园区站"}),
        station_months=station_months_from(pd.DataFrame(monthly) if monthly else None),
    )


FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _totals(inputs, *, with_change=False):
    table = score_parks(inputs, month="2024-03", settings=SETTINGS, with_change=with_change)
    return table.set_index("park_id")


@FAST
@given(park_worlds(), st.data())
def test_extra_unrectified_case_never_raises_a_score(world, data):
    before = _totals(world)
    eid = data.draw(st.sampled_from(list(world.enterprises["id"])))
    date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=data.draw(st.integers(0, 120)))
    fine = data.draw(st.one_of(st.none(), st.floats(0, 1e5)))
    extra = pd.concat([world.cases, _cases([(eid, date, fine, False)])], ignore_index=True)
    after = _totals(ScoreInputs(**{**world.__dict__, "cases": extra}))
    for park in before.index:
        if pd.notna(before.loc[park, "total"]):
            assert after.loc[park, "total"] <= before.loc[park, "total"] + 1e-9


@FAST
@given(park_worlds(), st.randoms(use_true_random=False))
def test_rank_independent_of_row_order(world, rnd):
    def shuffled(frame):
        if frame is None or len(frame) == 0:
            return frame
        order = list(range(len(frame)))
        rnd.shuffle(order)
        return frame.iloc[order].reset_index(drop=True)

    mixed = ScoreInputs(**{key: shuffled(value) for key, value in world.__dict__.items()})
    # Each month is ranked by the same code, so this month's rank suffices.
    a, b = _totals(world), _totals(mixed)
    pd.testing.assert_series_equal(a["rank"], b.loc[a.index, "rank"])
    np.testing.assert_allclose(a["total"], b.loc[a.index, "total"], rtol=1e-12)


@FAST
@given(park_worlds())
def test_park_without_data_changes_no_other_normalised_component(world):
    before = _totals(world)
    parks = pd.concat(
        [world.parks, pd.DataFrame({"id": ["PX"], "name": ["新园区"], "county": ["郊区"]})],
        ignore_index=True,
    )
    after = _totals(ScoreInputs(**{**world.__dict__, "parks": parks}))
    columns = [f"{c}_score" for c in PARK_COMPONENTS]
    pd.testing.assert_frame_equal(before[columns], after.loc[before.index, columns])
    assert after.loc["PX", "components_used"] <= 1  # at most "no heaps near"
    weights = after[[f"{c}_weight" for c in PARK_COMPONENTS]].sum(axis=1, min_count=1)
    scored = after["total"].notna()
    np.testing.assert_allclose(weights[scored], 1.0, rtol=1e-12)  # re-spread sums to 1
    assert weights[~scored].isna().all()


# --- workspace and command line ---------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path):
    from geoair.store.open import init_workspace

    ws = init_workspace(tmp_path / "ws")
    parks = gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["甲园区", "乙园区"], "county": ["城区", "郊区"]},
        geometry=[box(113.50, 37.80, 113.52, 37.82), box(113.60, 37.80, 113.62, 37.82)],
        crs=4326,
    )
    ents = gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["一厂", "二厂", "三厂"],
            "county": ["城区", "郊区", "郊区"],
            "status": ["正常生产"] * 3,
            "performance_grade": ["A", "B", "C"],
        },
        geometry=[Point(113.51, 37.81), Point(113.61, 37.81), Point(113.70, 37.81)],
        crs=4326,
    )
    T, F = True, False
    insp = _inspections(
        [
            _inspection("E1", "2024-03-01", [T] * 7),
            _inspection("E2", "2024-03-02", [T, F, T, F, T, F, T]),
            _inspection("E3", "2024-03-03", [T] * 7),
        ]
    )
    with ws.transaction() as tx:
        tx.write("parks", parks)
        tx.write("enterprises", ents)
        tx.write("inspections", insp)
        tx.write("cases", _cases([("E2", "2024-03-05", 3000, False)]))
        tx.write(
            "road_dust",
            pd.DataFrame(
                {
                    "park_name": ["甲园区", "乙园区"],
                    "month": ["2024-03", "2024-03"],
                    "load_g_m2": [0.5, 2.0],
                }
            ),
        )
    return ws


def test_cli_parks_and_enterprises(workspace, tmp_path):
    from geoair.cli import main

    runner = CliRunner()
    out = tmp_path / "排名.xlsx"
    result = runner.invoke(
        main,
        ["scores", "parks", "-w", str(workspace.root), "--month", "2024-03", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "甲园区" in result.output and out.exists()
    assert "提示：没有PM2.5月值：请运行 geoair indicators" in result.output
    sheet = pd.read_excel(out)
    assert sheet.loc[0, "园区名称"] == "甲园区" and sheet.loc[0, "排名"] == 1
    stored = workspace.read("park_scores")
    assert isinstance(stored, gpd.GeoDataFrame) and len(stored) == 2
    assert workspace.has("site_assignment")

    result = runner.invoke(
        main, ["scores", "enterprises", "-w", str(workspace.root), "--benchmark"]
    )
    assert result.exit_code == 0, result.output
    assert "城区" in result.output and "一厂" in result.output
    table = workspace.read("enterprise_scores")
    assert set(table["enterprise_id"]) == {"E1", "E2", "E3"}
    assert table.set_index("enterprise_id").loc["E3", "county"] == "郊区"  # attribute


def test_cli_bad_month(workspace):
    from geoair.cli import main

    result = CliRunner().invoke(
        main, ["scores", "parks", "-w", str(workspace.root), "--month", "三月"]
    )
    assert result.exit_code == 1 and "不是月份" in result.output


def test_import_road_dust(workspace, tmp_path):
    from geoair.imports.pipeline import import_file

    path = tmp_path / "积尘.csv"
    path.write_text(
        "园区名称,月份,路段,积尘负荷(g/m2)\n甲园区,2024年3月,一路,0.5\n", encoding="gbk"
    )
    import_file(workspace, "road_dust", path)
    stored = workspace.read("road_dust")
    assert stored.loc[0, "load_g_m2"] == 0.5 and parse_month(stored.loc[0, "month"]) == "2024-03"


def test_cli_assign(workspace, tmp_path):
    from geoair.cli import main

    out = tmp_path / "sites.csv"
    result = CliRunner().invoke(
        main, ["scores", "assign", "-w", str(workspace.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "点位归属：企业 3 个，2 个在园区内" in result.output
    table = pd.read_csv(out)
    assert table.set_index("点位编号").loc["E2", "园区名称"] == "乙园区"
    assert set(table["主要归属"]) == {"是"} and "在区域内" in set(table["园区依据"])


def test_two_inspections_on_the_latest_day_are_pooled_whatever_their_order():
    from geoair.scores.components import checklist_shares

    base = {
        "enterprise_id": ["E0", "E0", "E0"],
        "inspection_date": pd.to_datetime(["2024-03-01", "2024-03-15", "2024-03-15"]),
    }
    items = {"yard_enclosed": [False, True, True], "roads_hardened": [False, True, False]}
    frame = pd.DataFrame({**base, **items})
    forward = checklist_shares(frame, "2024-03")
    backward = checklist_shares(frame.iloc[::-1].reset_index(drop=True), "2024-03")
    assert forward["share_met"].tolist() == backward["share_met"].tolist() == [3 / 4]
    assert forward["items_checked"].tolist() == [4.0]
