"""Tests of geoair.patrol.routing: road graph, distances, route ordering."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from geoair.errors import SchemaError
from geoair.patrol.road_graph import build_road_graph, road_distances, straight_distances
from geoair.patrol.routing import held_karp, route_length, solve_routes

GK = pyproj.CRS.from_epsg(4547)  # CGCS2000 GK zone, CM 114°E


def _metric_roads(lines, crs=GK):
    """Lines given in metres (GK 114°E around Yangquan) as a WGS-84 layer."""
    layer = gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in lines], crs=crs)
    return layer.to_crs(4326)


X0, Y0 = 460_000.0, 4_190_000.0  # near Yangquan in EPSG:4547


@pytest.fixture
def square_roads():
    """A 1 km square ring of four roads plus a 500 m spur from the south-west corner."""
    a, b, c, d = (X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)
    spur = (X0 - 500, Y0)
    return _metric_roads([[a, b], [b, c], [c, d], [d, a], [spur, a]])


def test_graph_lengths_are_metres(square_roads):
    graph = build_road_graph(square_roads, crs=GK)
    assert graph.n_nodes == 5
    assert graph.n_edges == 5
    xy = np.array([[X0 - 500, Y0], [X0 + 1000, Y0 + 1000]])
    dist, nodes, access = road_distances(graph, xy)
    # spur 500 m, then half the ring 2000 m
    assert dist[0, 1] == pytest.approx(2500.0, abs=0.01)
    assert access == pytest.approx([0.0, 0.0], abs=1e-3)


def test_sites_off_the_road_count_their_access(square_roads):
    graph = build_road_graph(square_roads, crs=GK)
    xy = np.array([[X0, Y0 - 30], [X0 + 1000, Y0 + 1040]])
    dist, _, access = road_distances(graph, xy)
    assert access == pytest.approx([30.0, 40.0], abs=1e-3)
    assert dist[0, 1] == pytest.approx(30 + 2000 + 40, abs=0.01)


def test_ways_sharing_a_vertex_connect_and_path_follows_roads(square_roads):
    graph = build_road_graph(square_roads, crs=GK)
    a, _ = graph.snap(np.array([[X0 - 500, Y0]]))
    b, _ = graph.snap(np.array([[X0 + 1000, Y0]]))
    path = graph.path(int(a[0]), int(b[0]))
    assert shapely.LineString(path).length == pytest.approx(1500.0, abs=0.01)


def test_sites_snap_to_the_largest_connected_part():
    far_piece = [(X0 + 5000, Y0), (X0 + 5010, Y0)]  # a 10 m stub, not connected
    main = [(X0, Y0), (X0 + 1000, Y0), (X0 + 2000, Y0)]
    graph = build_road_graph(_metric_roads([main, far_piece]), crs=GK)
    nodes, access = graph.snap(np.array([[X0 + 5005, Y0]]))
    assert access[0] == pytest.approx(3005.0, abs=0.01)


def test_multilines_and_duplicate_segments():
    line = shapely.MultiLineString(
        [[(X0, Y0), (X0 + 100, Y0)], [(X0 + 100, Y0), (X0 + 100, Y0 + 100)]]
    )
    dup = shapely.LineString([(X0, Y0), (X0 + 100, Y0)])
    layer = gpd.GeoDataFrame(geometry=[line, dup], crs=GK).to_crs(4326)
    graph = build_road_graph(layer, crs=GK)
    assert graph.n_edges == 2
    dist, _, _ = road_distances(graph, np.array([[X0, Y0], [X0 + 100, Y0 + 100]]))
    assert dist[0, 1] == pytest.approx(200.0, abs=0.01)


def test_empty_roads_refused():
    layer = gpd.GeoDataFrame(geometry=[shapely.LineString()], crs=4326)
    with pytest.raises(SchemaError, match="no usable lines"):
        build_road_graph(layer, crs=GK)


# --- ordering -----------------------------------------------------------------------


def _brute_single(dist):
    stops = range(1, len(dist))
    return min(route_length(dist, list(p)) for p in itertools.permutations(stops))


def _brute_teams(dist, n_teams, max_stops):
    """Optimum over every split of the sites into ordered team routes."""
    sites = list(range(1, len(dist)))
    best = np.inf
    for labels in itertools.product(range(n_teams), repeat=len(sites)):
        groups = [[s for s, g in zip(sites, labels, strict=True) if g == t] for t in range(n_teams)]
        if any(len(g) > max_stops for g in groups):
            continue
        total = 0.0
        for g in groups:
            if g:
                total += min(route_length(dist, list(p)) for p in itertools.permutations(g))
            if total >= best:
                break
        best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_single_team_within_5_percent_of_brute_force(seed):
    rng = np.random.default_rng(seed)
    dist = straight_distances(rng.uniform(0, 20_000, (9, 2)))  # start + 8 stops
    optimum = _brute_single(dist)
    heuristic = solve_routes(dist, n_teams=1, max_stops=8, exact_max_stops=0)
    assert route_length(dist, heuristic[0]) <= 1.05 * optimum + 1e-6
    exact = solve_routes(dist, n_teams=1, max_stops=8)
    assert route_length(dist, exact[0]) == pytest.approx(optimum)


@pytest.mark.parametrize("seed", range(4))
def test_two_teams_within_5_percent_of_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    dist = straight_distances(rng.uniform(0, 20_000, (7, 2)))  # start + 6 sites
    optimum = _brute_teams(dist, 2, 3)
    routes = solve_routes(dist, n_teams=2, max_stops=3, exact_max_stops=0)
    assert sorted(s for r in routes for s in r) == list(range(1, 7))
    assert all(len(r) <= 3 for r in routes)
    assert sum(route_length(dist, r) for r in routes) <= 1.05 * optimum + 1e-6


def test_held_karp_matches_brute_force():
    rng = np.random.default_rng(7)
    dist = straight_distances(rng.uniform(0, 5000, (8, 2)))
    order = held_karp(dist, list(range(1, 8)))
    assert sorted(order) == list(range(1, 8))
    assert route_length(dist, order) == pytest.approx(_brute_single(dist))


def test_stop_limit_no_repeats_and_every_team_busy():
    rng = np.random.default_rng(3)
    dist = straight_distances(rng.uniform(0, 50_000, (41, 2)))
    routes = solve_routes(dist, n_teams=5, max_stops=8, lns_rounds=20)
    visited = [s for r in routes for s in r]
    assert sorted(visited) == list(range(1, 41))
    assert all(1 <= len(r) <= 8 for r in routes)


def test_too_many_sites_refused():
    dist = straight_distances(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="do not fit"):
        solve_routes(dist, n_teams=1, max_stops=3)


def test_collinear_sites_are_visited_out_and_back():
    xy = np.array([[0.0, 0.0], [3000, 0], [1000, 0], [2000, 0]])
    routes = solve_routes(straight_distances(xy), n_teams=1, max_stops=3)
    assert route_length(straight_distances(xy), routes[0]) == pytest.approx(6000.0)


def test_dead_end_short_of_a_road_is_joined_at_the_closest_point():
    main = [(X0, Y0), (X0 + 1000, Y0)]
    spur = [(X0 + 400, Y0 + 500), (X0 + 400, Y0 + 8)]  # stops 8 m short of the main road
    graph = build_road_graph(_metric_roads([main, spur]), crs=GK)
    assert len(graph.main_nodes) == graph.n_nodes  # one connected network
    dist, _, _ = road_distances(graph, np.array([[X0, Y0], [X0 + 400, Y0 + 500]]))
    assert dist[0, 1] == pytest.approx(400 + 8 + 492, abs=0.01)
    apart = build_road_graph(_metric_roads([main, spur]), crs=GK, snap_ends_m=0)
    assert len(apart.main_nodes) < apart.n_nodes


def test_crossings_are_joined_only_on_request():
    ew = [(X0, Y0), (X0 + 1000, Y0)]
    ns = [(X0 + 500, Y0 - 500), (X0 + 500, Y0 + 500)]  # a bridge over the first road
    roads = _metric_roads([ew, ns])
    xy = np.array([[X0, Y0], [X0 + 500, Y0 + 500]])
    bridge = build_road_graph(roads, crs=GK)
    assert bridge.n_nodes == 4 and len(bridge.main_nodes) == 2
    junction = build_road_graph(roads, crs=GK, node_crossings=True)
    dist, _, _ = road_distances(junction, xy)
    assert dist[0, 1] == pytest.approx(1000.0, abs=0.01)


def _splits(dist, n_teams, max_stops):
    """(total, longest) of the best order of every split of the sites into teams."""
    sites = list(range(1, len(dist)))
    out = []
    for labels in itertools.product(range(n_teams), repeat=len(sites)):
        groups = [[s for s, g in zip(sites, labels, strict=True) if g == t] for t in range(n_teams)]
        if any(len(g) > max_stops for g in groups):
            continue
        lengths = [
            min(route_length(dist, list(p)) for p in itertools.permutations(g)) if g else 0.0
            for g in groups
        ]
        out.append((sum(lengths), max(lengths)))
    return out


def test_route_length_limit_balances_teams():
    checked = 0
    for seed in range(40):
        rng = np.random.default_rng(200 + seed)
        xy = rng.uniform(0, 20_000, (7, 2))
        xy[0] = (0, 0)  # the start in a corner: unbalanced optima are common
        dist = straight_distances(xy)
        splits = _splits(dist, 2, 4)
        best_total, best_longest = min(splits)
        cap = 1.02 * min(longest for _, longest in splits)
        if cap >= best_longest:
            continue  # the shortest plan already respects the limit
        feasible = min(total for total, longest in splits if longest <= cap)
        routes = solve_routes(dist, n_teams=2, max_stops=4, max_route_m=cap, exact_max_stops=0)
        lengths = [route_length(dist, r) for r in routes]
        assert max(lengths) <= cap + 1e-6
        assert sum(lengths) <= 1.05 * feasible + 1e-6
        free = solve_routes(dist, n_teams=2, max_stops=4)
        assert max(route_length(dist, r) for r in free) > cap  # the limit changed the plan
        checked += 1
        if checked == 3:
            break
    assert checked == 3
