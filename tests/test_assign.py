"""Tests of geoair.scores.assign: counties and parks of sites, inside and near."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geoair.errors import CRSError, SchemaError
from geoair.scores.assign import assign_sites, locate, park_members, polygon_hits

LAT = 37.81
# Metres per degree of longitude at LAT on the CGCS2000 ellipsoid (about 88 km).
M_PER_DEG_LON = (
    math.pi
    / 180
    * 6378137.0
    * math.cos(math.radians(LAT))
    / math.sqrt(1 - 0.00669438 * math.sin(math.radians(LAT)) ** 2)
)


@pytest.fixture
def parks():
    return gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["甲园区", "乙园区"]},
        geometry=[box(112.50, 37.80, 112.52, 37.82), box(112.60, 37.80, 112.62, 37.82)],
        crs=4326,
    )


@pytest.fixture
def counties():
    return gpd.GeoDataFrame(
        {"name": ["城区", "郊区"]},
        geometry=[box(112.40, 37.70, 112.55, 37.90), box(112.55, 37.70, 112.70, 37.90)],
        crs=4326,
    )


def _points(ids, xy, **columns):
    return gpd.GeoDataFrame({"id": ids, **columns}, geometry=[Point(x, y) for x, y in xy], crs=4326)


def test_enterprise_inside_outside_and_county_rules(parks, counties):
    ents = _points(
        ["E1", "E2", "E3"],
        [(112.51, LAT), (112.53, LAT), (113.0, 38.0)],
        name=["a", "b", "c"],
        county=["城区", "城区", "盂县"],
    )
    table = assign_sites({"enterprises": ents}, parks=parks, counties=counties)
    rows = table.set_index("site_id")
    assert rows.loc["E1", "park_id"] == "P1" and rows.loc["E1", "park_rule"] == "inside"
    assert rows.loc["E1", "park_distance_m"] == 0.0
    # An enterprise 880 m outside a park is not "near": only stations and heaps are.
    assert pd.isna(rows.loc["E2", "park_id"])
    assert rows.loc["E2", "county_rule"] == "inside"
    # Outside every county polygon: its own 县区 field, and the rule says so.
    assert rows.loc["E3", "county"] == "盂县" and rows.loc["E3", "county_rule"] == "attribute"
    assert table["primary"].all()


def test_station_near_distance_is_metric(parks, counties):
    # 0.005° east of P1's east edge: about 440 m at this latitude.
    stations = _points(["S1", "S2"], [(112.525, LAT), (112.535, LAT)], name=["近", "远"])
    table = assign_sites({"stations": stations}, parks=parks, counties=counties, near_park_m=1000.0)
    rows = table.set_index("site_id")
    assert rows.loc["S1", "park_rule"] == "near"
    assert rows.loc["S1", "park_distance_m"] == pytest.approx(0.005 * M_PER_DEG_LON, rel=2e-3)
    # 0.015° = about 1320 m: outside the 1 km ring.
    assert pd.isna(rows.loc["S2", "park_id"])
    # A wider ring takes it in.
    wide = assign_sites({"stations": stations}, parks=parks, near_park_m=1500.0)
    assert wide.set_index("site_id").loc["S2", "park_id"] == "P1"


def test_heap_near_two_parks_has_two_rows_one_primary(parks):
    # Between P1 (east edge 112.52) and P2 (west edge 112.60): 0.035° from P1, 0.045° from P2.
    heaps = gpd.GeoDataFrame(
        {"id": ["H1"], "name": ["矸石山"]}, geometry=[Point(112.555, LAT)], crs=4326
    )
    table = assign_sites({"gangue_heaps": heaps}, parks=parks, near_park_m=5000.0)
    assert list(table["park_id"]) == ["P1", "P2"]
    assert list(table["primary"]) == [True, False]
    assert (table["park_rule"] == "near").all()
    members = park_members(table, "gangue_heaps", rules=("inside", "near"))
    assert len(members) == 2
    assert park_members(table, "gangue_heaps").empty


def test_heap_polygon_overlapping_park_is_inside(parks):
    heaps = gpd.GeoDataFrame(
        {"id": ["H1"], "name": ["边上"]}, geometry=[box(112.515, 37.805, 112.53, 37.81)], crs=4326
    )
    table = assign_sites({"gangue_heaps": heaps}, parks=parks)
    assert table.loc[0, "park_rule"] == "inside"


def test_point_on_border_is_inside_and_order_free(counties):
    on_border = _points(["E1"], [(112.55, LAT)])
    first = assign_sites({"enterprises": on_border}, counties=counties)
    reversed_counties = counties.iloc[::-1].reset_index(drop=True)
    second = assign_sites({"enterprises": on_border}, counties=reversed_counties)
    assert first.loc[0, "county"] == second.loc[0, "county"] == "城区"  # first by name


def test_no_parks_no_counties_gives_attribute_or_none():
    ents = _points(["E1", "E2"], [(112.5, LAT), (112.6, LAT)], county=["郊区", None])
    table = assign_sites({"enterprises": ents})
    assert list(table["county_rule"]) == ["attribute", "none"]
    assert table["park_id"].isna().all()


def test_empty_and_unknown_layers():
    assert assign_sites({}).empty
    with pytest.raises(SchemaError, match="only enterprises"):
        assign_sites({"roads": _points(["R"], [(112.5, LAT)])})
    with pytest.raises(SchemaError, match="no 'id' column"):
        assign_sites({"gates": gpd.GeoDataFrame(geometry=[Point(112.5, LAT)], crs=4326)})


def test_wrong_crs_is_refused(parks):
    ents = _points(["E1"], [(112.5, LAT)]).to_crs(4547)
    with pytest.raises(CRSError, match="EPSG:4326"):
        assign_sites({"enterprises": ents}, parks=parks)
    with pytest.raises(CRSError, match="different coordinate systems"):
        locate(ents, parks)


def test_polygon_hits_matches_brute_force():
    rng = np.random.default_rng(7)
    polys = gpd.GeoSeries([box(x, y, x + 0.1, y + 0.1) for x, y in rng.uniform(0, 1, (30, 2))])
    pts = gpd.GeoSeries.from_xy(*rng.uniform(0, 1.1, (2, 400)))
    site_pos, poly_pos = polygon_hits(pts, polys)
    expected = {(i, j) for i, p in enumerate(pts) for j, q in enumerate(polys) if q.intersects(p)}
    assert set(zip(site_pos.tolist(), poly_pos.tolist(), strict=True)) == expected


def test_inputs_not_modified(parks, counties):
    ents = _points(["E1"], [(112.51, LAT)], county=["城区"])
    before = ents.copy()
    assign_sites({"enterprises": ents}, parks=parks, counties=counties)
    pd.testing.assert_frame_equal(ents, before)
