"""Tests of geoair.roads.buffers: geodesic circles, buffers, lines clipped to true circles.

Roads are built as geodesics (densified with pyproj.Geod, or meridians, which are
geodesics), so that the analytical length 2·sqrt(R² − d²) holds for them exactly.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from geoair.errors import ConfigError, CRSError, SchemaError
from geoair.roads.buffers import GEOD, buffer_layer, buffer_name, geodesic_circles, local_tm
from geoair.roads.clip import check_distance, clip_to_circles, nearest_road_m, road_segments

LON0, LAT0 = 113.55, 37.86  # Yangquan
R = 100.0


def geodesic_line(lon, lat, azimuth, *, before_m=300.0, after_m=300.0, step_m=1.0):
    """A densely digitised geodesic through (lon, lat) in direction ``azimuth``."""
    s = np.arange(-before_m, after_m + step_m / 2, step_m)
    x, y, _ = GEOD.fwd(np.full(s.size, lon), np.full(s.size, lat), np.full(s.size, azimuth), s)
    return shapely.LineString(np.column_stack([x, y]))


def road_at_distance(d, *, lon=LON0, lat=LAT0, bearing=90.0, **kw):
    """A geodesic road passing at exactly ``d`` metres from (lon, lat).

    Its foot point lies ``d`` along ``bearing``; the road crosses that radial
    geodesic at right angles there, so by Gauss's lemma it touches the geodesic
    circle of radius d at the foot and d is its distance from the centre.
    """
    if d == 0:
        return geodesic_line(lon, lat, bearing + 90.0, **kw)
    fx, fy, back = GEOD.fwd(lon, lat, bearing, d)
    return geodesic_line(float(fx), float(fy), float(back) + 90.0, **kw)


def clip(lines, lon=LON0, lat=LAT0, radius_m=R):
    segments = road_segments(lines)
    return clip_to_circles(np.atleast_1d(lon), np.atleast_1d(lat), segments, radius_m=radius_m)


# --- clipping to the true circle --------------------------------------------------------


def test_road_through_the_gate_is_the_diameter():
    pieces = clip([geodesic_line(LON0, LAT0, 30.0)])
    assert pieces["length_m"].sum() == pytest.approx(2 * R, rel=1e-9)
    assert pieces["distance_m"].min() == pytest.approx(0.0, abs=1e-6)


def test_two_vertex_meridian_road_through_the_gate():
    road = shapely.LineString([(LON0, LAT0 - 0.01), (LON0, LAT0 + 0.01)])  # 2.2 km, 1 segment
    pieces = clip([road])
    assert len(pieces) == 1
    assert pieces["length_m"].iloc[0] == pytest.approx(200.0, rel=1e-9)
    # the ends lie on the circle, exactly R from the gate
    for lon, lat in (("lon_in", "lat_in"), ("lon_out", "lat_out")):
        _, _, dist = GEOD.inv(LON0, LAT0, pieces[lon].iloc[0], pieces[lat].iloc[0])
        assert dist == pytest.approx(R, abs=1e-6)


@pytest.mark.parametrize("d", [0.0, 10.0, 30.0, 50.0, 70.710678, 90.0, 95.0, 99.0])
@pytest.mark.parametrize("bearing", [0.0, 90.0, 135.0])
def test_straight_road_at_distance_d_measures_2_sqrt_r2_minus_d2(d, bearing):
    pieces = clip([road_at_distance(d, bearing=bearing)])
    expected = 2 * np.sqrt(R**2 - d**2)
    assert pieces["length_m"].sum() == pytest.approx(expected, rel=1e-6)  # 0.01 % asked
    assert pieces["distance_m"].min() == pytest.approx(d, abs=1e-4)


def test_just_inside_just_outside_and_tangent():
    inside = clip([road_at_distance(99.5)])
    assert inside["length_m"].sum() == pytest.approx(2 * np.sqrt(R**2 - 99.5**2), rel=1e-5)
    assert clip([road_at_distance(100.5)]).empty
    tangent = clip([road_at_distance(100.0)])  # touches at one point: zero length
    assert tangent["length_m"].sum() < 0.01


def test_road_ending_on_the_circle_or_inside_it():
    # starts at the gate, runs 40 m north: all inside
    end_lon, end_lat, _ = GEOD.fwd(LON0, LAT0, 0.0, 40.0)
    short = shapely.LineString([(LON0, LAT0), (float(end_lon), float(end_lat))])
    assert clip([short])["length_m"].sum() == pytest.approx(40.0, rel=1e-9)
    # starts exactly on the circle and leads away: nothing inside
    on_lon, on_lat, _ = GEOD.fwd(LON0, LAT0, 0.0, R)
    away_lon, away_lat, _ = GEOD.fwd(LON0, LAT0, 0.0, 300.0)
    away = shapely.LineString([(float(on_lon), float(on_lat)), (float(away_lon), float(away_lat))])
    assert clip([away])["length_m"].sum() < 0.001


def _aeqd_line(points_m, step_m=1.0):
    """A polyline given in metres in the gate's azimuthal equidistant frame, densified."""
    to_lonlat = pyproj.Transformer.from_crs(
        pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +ellps=WGS84"),
        "EPSG:4326",
        always_xy=True,
    )
    dense = shapely.segmentize(shapely.LineString(points_m), step_m)
    x, y = to_lonlat.transform(*shapely.get_coordinates(dense).T)
    return shapely.LineString(np.column_stack([x, y]))


def test_bend_inside_the_circle():
    # an L: along y = 30 m, then down x = 30 m; the corner (30, 30) is inside
    road = _aeqd_line([(-200.0, 30.0), (30.0, 30.0), (30.0, -200.0)])
    pieces = clip([road])
    leg = 30.0 + np.sqrt(R**2 - 30.0**2)
    assert pieces["length_m"].sum() == pytest.approx(2 * leg, rel=1e-6)


def test_multipart_road_counts_both_parts():
    road = shapely.MultiLineString([road_at_distance(0.0), road_at_distance(60.0, bearing=0.0)])
    pieces = clip([road])
    assert pieces["length_m"].sum() == pytest.approx(200.0 + 160.0, rel=1e-6)
    assert set(pieces["road"]) == {0}


@pytest.mark.parametrize("lon", [112.4995, 112.5005])  # the 111°E / 114°E zone boundary
def test_gates_either_side_of_the_zone_boundary(lon):
    # one road crosses 112.5°E east-west and passes 40 m from both gates
    road = road_at_distance(40.0, lon=112.5, lat=37.9, bearing=0.0, before_m=2000, after_m=2000)
    pieces = clip([road], lon=lon, lat=37.9)
    _, _, gap = GEOD.inv(lon, 37.9, 112.5, 37.9)
    assert gap > 40  # the gates are well apart from the boundary, on either side
    # the gate's distance to the road: the road runs east-west 40 m north of 112.5°E's
    # point; the gates sit on the same parallel, so nearly 40 m away as well
    d = pieces["distance_m"].min()
    assert pieces["length_m"].sum() == pytest.approx(2 * np.sqrt(R**2 - d**2), rel=1e-6)
    assert d == pytest.approx(40.0, abs=0.01)


def test_zone_boundary_lengths_match_on_both_sides():
    # the same geometry mirrored about 112.5°E gives the same length on both sides
    lengths = []
    for lon in (112.4995, 112.5005):
        road = road_at_distance(25.0, lon=lon, lat=37.9, bearing=0.0)
        lengths.append(clip([road], lon=lon, lat=37.9)["length_m"].sum())
    assert lengths[0] == pytest.approx(lengths[1], rel=1e-9)
    assert lengths[0] == pytest.approx(2 * np.sqrt(R**2 - 25.0**2), rel=1e-6)


def test_long_segment_and_many_gates():
    # one 50 km meridian segment; gates every 0.001° of latitude, 20 m east of it
    lats = LAT0 + np.arange(-0.2, 0.2, 0.001)
    lons, _, _ = GEOD.fwd(
        np.full(lats.size, LON0), lats, np.full(lats.size, 90.0), np.full(lats.size, 20.0)
    )
    road = shapely.LineString([(LON0, LAT0 - 0.25), (LON0, LAT0 + 0.25)])
    pieces = clip([road], lon=lons, lat=lats)
    assert len(pieces) == lats.size
    np.testing.assert_allclose(pieces["length_m"], 2 * np.sqrt(R**2 - 20.0**2), rtol=1e-6)


def test_degenerate_inputs_give_no_pieces_and_no_crash():
    repeated = shapely.LineString([(LON0, LAT0), (LON0, LAT0), (LON0, LAT0)])
    lines = [None, shapely.LineString(), repeated]
    assert road_segments(lines).x0.size == 0
    assert clip(lines).empty
    pieces = clip([road_at_distance(0.0)], lon=[np.nan, LON0], lat=[np.nan, LAT0])
    assert set(pieces["gate"]) == {1}


@pytest.mark.usefixtures("english")
def test_roads_must_be_lines():
    with pytest.raises(SchemaError, match="Roads must be lines"):
        road_segments([shapely.Point(LON0, LAT0).buffer(0.001)])


@settings(max_examples=40, deadline=None)
@given(
    x0=st.floats(-250, 250),
    y0=st.floats(-250, 250),
    x1=st.floats(-250, 250),
    y1=st.floats(-250, 250),
    radius=st.floats(20, 200),
)
def test_matches_a_fine_polygon_in_the_local_frame(x0, y0, x1, y1, radius):
    # reference: the segment, densified in the gate's AEQD frame, cut by an 8,000-gon
    if np.hypot(x1 - x0, y1 - y0) < 0.01:
        return
    road = _aeqd_line([(x0, y0), (x1, y1)], step_m=0.5)
    circle = shapely.Point(0, 0).buffer(radius, quad_segs=2000)
    straight = shapely.LineString([(x0, y0), (x1, y1)])
    reference = straight.intersection(circle).length
    got = clip([road], radius_m=radius)["length_m"].sum()
    assert got == pytest.approx(reference, rel=1e-4, abs=0.01)


# --- nearest road -----------------------------------------------------------------------


def test_nearest_road_distance():
    segments = road_segments([road_at_distance(150.0), road_at_distance(400.0, bearing=270)])
    dist, road = nearest_road_m([LON0, LON0 + 1.0], [LAT0, LAT0], segments, search_m=2000)
    assert dist[0] == pytest.approx(150.0, abs=1e-3)
    assert road[0] == 0
    assert np.isnan(dist[1]) and road[1] == -1


# --- circles and buffers ------------------------------------------------------------------


def test_geodesic_circles_vertices_are_exactly_on_the_circle():
    polygons = geodesic_circles([LON0, np.nan], [LAT0, 0.0], radius_m=250.0, vertices=36)
    assert polygons[1] is None
    ring = shapely.get_coordinates(polygons[0])
    assert len(ring) == 37 and (ring[0] == ring[-1]).all()
    _, _, dist = GEOD.inv(np.full(36, LON0), np.full(36, LAT0), ring[:-1, 0], ring[:-1, 1])
    np.testing.assert_allclose(dist, 250.0, atol=1e-6)
    assert shapely.is_ccw(shapely.get_exterior_ring(polygons[0]))


@pytest.fixture
def stations():
    return gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["赛鱼", "大阳泉"]},
        geometry=[shapely.Point(113.58, 37.86), None],
        crs="EPSG:4326",
    )


def test_buffer_points_area_is_the_polygon_on_the_ellipsoid(stations):
    before = stations.copy()
    out = buffer_layer(stations, distance_m=1000.0, vertices=72)
    n = 72
    regular = 0.5 * n * 1000.0**2 * np.sin(2 * np.pi / n)  # 3,137,606 m²
    assert out["area_m2"].iloc[0] == pytest.approx(regular, rel=1e-5)
    assert out.geometry.iloc[1] is None and np.isnan(out["area_m2"].iloc[1])
    assert list(out["buffer_m"]) == [1000.0, 1000.0]
    assert out.crs == "EPSG:4326" and list(out["id"]) == ["S1", "S2"]
    assert_geodataframe_equal(stations, before)


def test_buffer_polygon_grows_by_the_distance():
    tm = local_tm(113.6)
    square_m = shapely.box(500000.0, 4190000.0, 501000.0, 4191000.0)
    square = gpd.GeoSeries([square_m], crs=tm).to_crs("EPSG:4326")
    parks = gpd.GeoDataFrame({"id": ["P1"]}, geometry=square, crs="EPSG:4326")
    out = buffer_layer(parks, distance_m=100.0, vertices=72)
    expected = 1000.0**2 + 4 * 1000.0 * 100.0 + np.pi * 100.0**2
    assert out["area_m2"].iloc[0] == pytest.approx(expected, rel=1e-3)


@pytest.mark.usefixtures("english")
def test_buffer_refuses_bad_distance_and_crs(stations):
    for bad in (0, -5, float("nan"), "abc"):
        with pytest.raises(ConfigError, match="positive number of metres"):
            buffer_layer(stations, distance_m=bad)
    with pytest.raises(ConfigError, match="at least 8 vertices"):
        buffer_layer(stations, distance_m=10, vertices=4)
    with pytest.raises(CRSError, match="EPSG:4547"):
        buffer_layer(stations.to_crs(4547), distance_m=10)
    assert check_distance("100", name="radius") == 100.0


def test_buffer_name():
    assert buffer_name("stations", 1000.0) == "stations_buffer_1000m"
    assert buffer_name("gangue_heaps", 2.5) == "gangue_heaps_buffer_2_5m"


def _stored_line_reference(a, b, radius_m):
    """Length inside the circle of the segment a-b as stored (straight in lon/lat),
    by bisection of the crossings on the exact geodesic distance, then summing
    geodesic distances along 10,000 interpolated points."""

    def point(t):
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])

    def dist(t):
        return GEOD.inv(LON0, LAT0, *point(t))[2]

    ts = np.linspace(0, 1, 2001)
    inside = np.array([dist(t) < radius_m for t in ts])
    first, last = np.flatnonzero(inside)[[0, -1]]
    ends = []
    for lo, hi in ((ts[first - 1], ts[first]), (ts[last + 1], ts[last])):
        for _ in range(60):  # bisection to 1e-18 of the segment
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if dist(mid) >= radius_m else (lo, mid)
        ends.append(hi)
    t = np.linspace(ends[0], ends[1], 10001)
    lon, lat = point(t)
    return float(np.sum(GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]))


@pytest.mark.parametrize("offset_m", [0.0, 40.0, 85.0])
def test_two_vertex_east_west_road_as_stored(offset_m):
    # a 2 km east-west segment, straight in lon/lat (so it bows against a geodesic),
    # passing north of the gate
    _, north, _ = GEOD.fwd(LON0, LAT0, 0.0, offset_m)
    a, b = (LON0 - 0.0115, float(north)), (LON0 + 0.0113, float(north))
    got = clip([shapely.LineString([a, b])])
    assert len(got) == 1
    assert got["length_m"].iloc[0] == pytest.approx(_stored_line_reference(a, b, R), rel=1e-8)
    for lon, lat in (("lon_in", "lat_in"), ("lon_out", "lat_out")):
        _, _, dist = GEOD.inv(LON0, LAT0, got[lon].iloc[0], got[lat].iloc[0])
        assert dist == pytest.approx(R, abs=1e-6)


def test_geodesic_circles_many_latitudes_and_radii():
    lats = np.linspace(34.6, 40.7, 500)
    lons = np.linspace(110.2, 114.6, 500)
    for radius in (100.0, np.linspace(50.0, 5000.0, 500)):  # one radius (interpolated), many
        polygons = geodesic_circles(lons, lats, radius_m=radius, vertices=72)
        ring = shapely.get_coordinates(polygons).reshape(500, 73, 2)[:, :72]
        _, _, dist = GEOD.inv(
            np.repeat(lons, 72), np.repeat(lats, 72), ring[..., 0].ravel(), ring[..., 1].ravel()
        )
        expected = np.repeat(np.broadcast_to(radius, 500), 72)
        np.testing.assert_allclose(dist, expected, rtol=1e-8, atol=1e-6)
