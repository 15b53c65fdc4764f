"""Road-network distances and the order of each team's stops.

Distances
    :func:`build_road_graph` turns a road layer into a graph whose nodes are the
    roads' vertices (vertices closer than ``tolerance_m`` merged, so ways that share a
    vertex connect, as in OpenStreetMap) and whose edges are the segments between
    consecutive vertices, weighted by their length in metres in a projected CRS. Sites
    are snapped to the nearest node of the largest connected part of the network (so
    every pair is reachable) and the straight stretch from site to node is counted.
    Shortest paths come from :func:`scipy.sparse.csgraph.dijkstra`, run once per site
    of the day's plan (not per pair), in batches so memory stays small.

Order
    :func:`solve_routes` solves the capacitated vehicle-routing problem on the
    distance matrix: teams = vehicles, stops = capacity, the start = depot. It builds
    routes by regret insertion (the site that would lose most by waiting is placed
    first, at its cheapest place), improves them by local search (Or-opt moves of
    1-3 stops within and between routes, exchanges between routes, 2-opt within a
    route) until no move shortens the total, and finally orders every route of at
    most ``exact_max_stops`` stops exactly (Held-Karp dynamic programme).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geoair._errors import SchemaError
from geoair.crs import metric_crs_for

log = logging.getLogger(__name__)

Array = NDArray[np.float64]
_BATCH = 32  # dijkstra sources per batch: 32 x n_nodes floats at a time
# Cost of one metre of a route beyond max_route_m, in metres of total distance: so large
# that the search stays under the limit whenever it can find how.
_OVER_WEIGHT = 100.0


def _over(length, cap: float):
    """Metres beyond the route-length limit (0 under it); works on arrays."""
    return np.maximum(0.0, np.asarray(length, dtype="float64") - cap)


@dataclass
class RoadGraph:
    """A road network as a sparse graph in a metric CRS.

    Attributes
    ----------
    crs : pyproj.CRS
        The projected CRS of ``xy`` and of every length.
    xy : ndarray, shape (n_nodes, 2)
        Node coordinates in metres.
    matrix : scipy.sparse.csr_matrix
        Symmetric adjacency matrix, edge length in metres.
    main_nodes : ndarray of int
        Nodes of the largest connected part, the only ones sites are snapped to.
    """

    crs: pyproj.CRS
    xy: Array
    matrix: csr_matrix
    main_nodes: NDArray[np.int64]

    def __post_init__(self) -> None:
        self._tree = cKDTree(self.xy[self.main_nodes])

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        return self.matrix.nnz // 2

    def snap(self, xy: Array) -> tuple[NDArray[np.int64], Array]:
        """Nearest main-part node of each point (metric coordinates) and its distance in m."""
        dist, pos = self._tree.query(np.asarray(xy, dtype="float64"))
        return self.main_nodes[pos], dist

    def distances(self, nodes: NDArray[np.int64]) -> Array:
        """Shortest-path lengths (m) between every pair of ``nodes``, shape (n, n)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        unique, inverse = np.unique(nodes, return_inverse=True)
        out = np.empty((len(unique), len(unique)))
        for start in range(0, len(unique), _BATCH):
            batch = unique[start:start + _BATCH]
            dist = dijkstra(self.matrix, directed=True, indices=batch)
            out[start:start + len(batch)] = dist[:, unique]
        return out[np.ix_(inverse, inverse)]

    def path(self, a: int, b: int, *, length_m: float | None = None) -> Array:
        """Node coordinates of a shortest path from node ``a`` to node ``b``."""
        if a == b:
            return self.xy[[a]]
        limit = np.inf if length_m is None else length_m * (1 + 1e-9) + 1e-6
        _, pred = dijkstra(self.matrix, directed=True, indices=a, return_predecessors=True,
                           limit=limit)
        chain = [b]
        while chain[-1] != a:
            step = pred[chain[-1]]
            if step < 0:
                raise RuntimeError(f"road nodes {a} and {b} are not connected")
            chain.append(int(step))
        return self.xy[chain[::-1]]


def build_road_graph(roads: gpd.GeoDataFrame, *, crs: pyproj.CRS | None = None,
                     tolerance_m: float = 0.5, snap_ends_m: float = 15.0,
                     node_crossings: bool = False) -> RoadGraph:
    """Build the routing graph of a road layer.

    Parameters
    ----------
    roads : GeoDataFrame
        Lines (or multi-lines) in EPSG:4326, e.g. the workspace's ``roads``.
    crs : pyproj.CRS, optional
        Projected CRS to measure in (default: the Gauss-Krüger zone of the roads).
    tolerance_m : float
        Vertices closer than this are one node.
    snap_ends_m : float
        A road end (a node of one segment only) within this distance of another road is
        joined to it where it comes closest (a T-junction drawn a little short or
        onto the middle of a segment); 0 leaves dead ends as they are.
    node_crossings : bool
        Also join roads where they cross without a shared vertex. Off by default: in
        OpenStreetMap and most road layers such crossings are bridges and tunnels.

    Returns
    -------
    RoadGraph

    Raises
    ------
    SchemaError
        The layer has no line with two distinct vertices.
    """
    crs = crs or metric_crs_for(roads)
    geoms = roads.geometry.to_crs(crs).to_numpy()
    geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
    parts = shapely.get_parts(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # LineString, LinearRing
    coords, part_index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        raise SchemaError("The roads layer has no usable lines. Import a road network with "
                          "geoair import roads FILE, or plan with straight-line distances.")
    grid = np.round(coords / tolerance_m).astype(np.int64)
    grid -= grid.min(axis=0)
    key = grid[:, 0] * (int(grid[:, 1].max()) + 1) + grid[:, 1]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    xy = coords[first]
    same_part = part_index[:-1] == part_index[1:]
    u, v = inverse[:-1][same_part], inverse[1:][same_part]
    keep = u != v
    u, v = u[keep], v[keep]
    if snap_ends_m > 0 or node_crossings:
        xy, u, v = _repair_topology(xy, u, v, snap_ends_m=snap_ends_m,
                                    node_crossings=node_crossings, tolerance_m=tolerance_m)
    length = np.hypot(*(xy[u] - xy[v]).T)
    keep = length > 0
    u, v, length = u[keep], v[keep], length[keep]
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first_of_pair = np.ones(len(a), dtype=bool)
    first_of_pair[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, length = a[first_of_pair], b[first_of_pair], length[first_of_pair]
    n = len(xy)
    matrix = csr_matrix((np.concatenate([length, length]),
                         (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    n_parts, labels = connected_components(matrix, directed=False)
    main_label = np.bincount(labels).argmax()
    main_nodes = np.flatnonzero(labels == main_label)
    if n_parts > 1:
        log.info("road network: %d connected parts; sites are snapped to the largest "
                 "(%d of %d nodes)", n_parts, len(main_nodes), n)
    log.debug("road graph: %d nodes, %d edges, %s", n, len(a), crs.to_string())
    return RoadGraph(crs=crs, xy=xy, matrix=matrix, main_nodes=main_nodes)


def _repair_topology(xy: Array, u: NDArray[np.int64], v: NDArray[np.int64], *,
                     snap_ends_m: float, node_crossings: bool,
                     tolerance_m: float) -> tuple[Array, NDArray[np.int64], NDArray[np.int64]]:
    """Join dead ends to nearby segments (and optionally crossing segments): new nodes
    split the segments where they are joined."""
    segments = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    tree = shapely.STRtree(segments)
    splits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (segment, t, node)
    new_xy: list[np.ndarray] = []
    extra_u: list[np.ndarray] = []
    extra_v: list[np.ndarray] = []
    next_id = len(xy)
    if snap_ends_m > 0:
        degree = np.bincount(np.concatenate([u, v]), minlength=len(xy))
        ends = np.flatnonzero(degree == 1)
        points = shapely.points(xy[ends])
        pi, si = tree.query(points, predicate="dwithin", distance=snap_ends_m)
        own = (u[si] == ends[pi]) | (v[si] == ends[pi])
        pi, si = pi[~own], si[~own]
        if len(pi):
            dist = shapely.distance(points[pi], segments[si])
            order = np.lexsort((dist, pi))
            pi, si, dist = pi[order], si[order], dist[order]
            first = np.ones(len(pi), dtype=bool)
            first[1:] = pi[1:] != pi[:-1]
            pi, si, dist = pi[first], si[first], dist[first]
            t = shapely.line_locate_point(segments[si], points[pi], normalized=True)
            seg_len = shapely.length(segments[si])
            at_u = t * seg_len <= tolerance_m
            at_v = (1 - t) * seg_len <= tolerance_m
            inner = ~at_u & ~at_v
            # an end near a segment's end node: join the two nodes
            target = np.where(at_u, u[si], v[si])
            extra_u.append(ends[pi][~inner])
            extra_v.append(target[~inner])
            # an end near the middle of a segment: split it at the closest point
            proj = shapely.get_coordinates(shapely.line_interpolate_point(
                segments[si][inner], t[inner], normalized=True))
            ids = np.arange(next_id, next_id + int(inner.sum()))
            next_id += len(ids)
            new_xy.append(proj)
            splits.append((si[inner], t[inner], ids))
            extra_u.append(ends[pi][inner])
            extra_v.append(ids)
            log.info("road network: %d dead ends joined to a road within %.0f m",
                     len(pi), snap_ends_m)
    if node_crossings:
        a, b = tree.query(segments, predicate="crosses")
        keep = a < b
        a, b = a[keep], b[keep]
        if len(a):
            cross = shapely.intersection(segments[a], segments[b])
            is_point = shapely.get_type_id(cross) == 0
            a, b, cross = a[is_point], b[is_point], cross[is_point]
            ids = np.arange(next_id, next_id + len(a))
            next_id += len(ids)
            new_xy.append(shapely.get_coordinates(cross))
            splits.append((a, shapely.line_locate_point(segments[a], cross, normalized=True),
                           ids))
            splits.append((b, shapely.line_locate_point(segments[b], cross, normalized=True),
                           ids))
            log.info("road network: %d crossings joined", len(a))
    if not new_xy and not extra_u:
        return xy, u, v
    xy = np.vstack([xy, *new_xy]) if new_xy else xy
    if splits:
        seg = np.concatenate([s[0] for s in splits])
        t = np.concatenate([s[1] for s in splits])
        ids = np.concatenate([s[2] for s in splits])
        order = np.lexsort((t, seg))
        seg, ids = seg[order], ids[order]
        split_segments = np.unique(seg)
        untouched = np.ones(len(u), dtype=bool)
        untouched[split_segments] = False
        chains_u, chains_v = [u[untouched]], [v[untouched]]
        bounds = np.searchsorted(seg, split_segments, side="left")
        stops = np.searchsorted(seg, split_segments, side="right")
        for k, lo, hi in zip(split_segments, bounds, stops, strict=True):
            chain = np.concatenate([[u[k]], ids[lo:hi], [v[k]]])
            chains_u.append(chain[:-1])
            chains_v.append(chain[1:])
        u, v = np.concatenate(chains_u), np.concatenate(chains_v)
    if extra_u:
        u = np.concatenate([u, *extra_u])
        v = np.concatenate([v, *extra_v])
    return xy, u.astype(np.int64), v.astype(np.int64)


def straight_distances(xy: Array) -> Array:
    """Euclidean distances (m) between metric points, shape (n, n)."""
    xy = np.asarray(xy, dtype="float64")
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def road_distances(graph: RoadGraph, xy: Array) -> tuple[Array, NDArray[np.int64], Array]:
    """Distances (m) between points along the network, counting the way to the road.

    Returns
    -------
    matrix : ndarray (n, n)
        ``access[i] + network(node[i], node[j]) + access[j]``, 0 on the diagonal.
    nodes : ndarray of int
        The node each point is snapped to.
    access : ndarray
        Straight distance from each point to its node, m.
    """
    nodes, access = graph.snap(xy)
    network = graph.distances(nodes)
    matrix = access[:, None] + network + access[None, :]
    np.fill_diagonal(matrix, 0.0)
    return matrix, nodes, access


# --- route ordering -------------------------------------------------------------------

def route_length(dist: Array, route: list[int], depot: int = 0) -> float:
    """Length of the round trip depot -> route -> depot."""
    if not route:
        return 0.0
    seq = [depot, *route, depot]
    return float(sum(dist[seq[k], seq[k + 1]] for k in range(len(seq) - 1)))


def held_karp(dist: Array, stops: list[int], depot: int = 0) -> list[int]:
    """Shortest round trip from ``depot`` through ``stops`` (exact; use for <= 12 stops)."""
    m = len(stops)
    if m <= 2:
        return list(stops)
    sub = dist[np.ix_([depot, *stops], [depot, *stops])]
    full = 1 << m
    dp = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int64)
    for j in range(m):
        dp[1 << j, j] = sub[0, j + 1]
    bits = 1 << np.arange(m)
    for mask in range(1, full):
        members = np.flatnonzero(mask & bits)
        if len(members) < 2:
            continue
        for j in members:
            prev = mask ^ (1 << j)
            ks = members[members != j]
            cand = dp[prev, ks] + sub[ks + 1, j + 1]
            best = int(np.argmin(cand))
            dp[mask, j] = cand[best]
            parent[mask, j] = ks[best]
    total = dp[full - 1] + sub[1:, 0]
    j = int(np.argmin(total))
    mask = full - 1
    order = []
    while j >= 0:
        order.append(j)
        mask, j = mask ^ (1 << j), int(parent[mask, j])
    return [stops[k] for k in order[::-1]]


def _insertion_costs(dist: Array, route: list[int], candidates: NDArray[np.int64],
                     depot: int) -> tuple[Array, NDArray[np.int64]]:
    seq = np.array([depot, *route, depot])
    prev, nxt = seq[:-1], seq[1:]
    rows = candidates[:, None]
    cost = dist[rows, prev[None, :]] + dist[rows, nxt[None, :]] - dist[prev, nxt][None, :]
    pos = np.argmin(cost, axis=1)
    return cost[np.arange(len(candidates)), pos], pos


def _seed_routes(dist: Array, todo: list[int], n_teams: int, depot: int) -> list[list[int]]:
    """One stop per team: the site farthest from the start, then those farthest from all."""
    routes: list[list[int]] = [[] for _ in range(n_teams)]
    anchor = [depot]
    for r in range(min(n_teams, len(todo))):
        gap = dist[np.ix_(todo, anchor)].min(axis=1)
        pick = todo.pop(int(np.argmax(gap)))
        routes[r].append(pick)
        anchor.append(pick)
    return routes


def _recreate(dist: Array, routes: list[list[int]], todo: list[int], max_stops: int,
              depot: int) -> None:
    """Regret insertion of ``todo`` into ``routes`` (in place)."""
    todo = list(todo)
    n_teams = len(routes)
    cand = np.array(todo, dtype=np.int64)
    costs = np.full((len(todo), n_teams), np.inf)
    where = np.zeros((len(todo), n_teams), dtype=np.int64)
    for r, route in enumerate(routes):
        if len(route) < max_stops:
            costs[:, r], where[:, r] = _insertion_costs(dist, route, cand, depot)
    alive = np.ones(len(todo), dtype=bool)
    for _ in range(len(todo)):
        order = np.sort(costs, axis=1)
        best = order[:, 0]
        second = order[:, 1] if n_teams > 1 else np.full(len(todo), np.inf)
        with np.errstate(invalid="ignore"):
            regret = np.where(np.isfinite(second), second - best, 1e18)
        regret[~alive] = -np.inf
        best = np.where(alive, best, np.inf)
        i = int(np.lexsort((best, -regret))[0])
        r = int(np.argmin(costs[i]))
        routes[r].insert(int(where[i, r]), int(cand[i]))
        alive[i] = False
        costs[i] = np.inf
        if len(routes[r]) < max_stops:
            live = np.flatnonzero(alive)
            if len(live):
                costs[live, r], where[live, r] = _insertion_costs(dist, routes[r], cand[live],
                                                                  depot)
        else:
            costs[:, r] = np.inf


def _two_opt(dist: Array, route: list[int], depot: int) -> bool:
    seq = [depot, *route, depot]
    improved = False
    n = len(seq)
    changed = True
    while changed:
        changed = False
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                delta = (dist[seq[i - 1], seq[j]] + dist[seq[i], seq[j + 1]]
                         - dist[seq[i - 1], seq[i]] - dist[seq[j], seq[j + 1]])
                if delta < -1e-9:
                    seq[i:j + 1] = seq[i:j + 1][::-1]
                    changed = improved = True
    route[:] = seq[1:-1]
    return improved


def _or_opt(dist: Array, routes: list[list[int]], max_stops: int, depot: int,
            cap: float = np.inf) -> bool:
    """Best move of a segment of 1-3 stops (either direction) anywhere; True if moved.

    Every segment is tried against every edge of every route at once (numpy), except
    the edges that touch the segment itself and routes that would exceed ``max_stops``.
    """
    seqs = [np.array([depot, *r, depot], dtype=np.int64) for r in routes]
    sizes = np.array([len(r) for r in routes])
    e_prev = np.concatenate([q[:-1] for q in seqs])
    e_next = np.concatenate([q[1:] for q in seqs])
    e_route = np.concatenate([np.full(len(q) - 1, r) for r, q in enumerate(seqs)])
    e_k = np.concatenate([np.arange(len(q) - 1) for q in seqs])
    segs = [(r, i, length) for r, q in enumerate(seqs) for length in (1, 2, 3)
            for i in range(1, len(q) - length)]
    if not segs:
        return False
    s_route, s_i, s_len = (np.array(v) for v in zip(*segs, strict=True))
    first = np.array([seqs[r][i] for r, i, _ in segs])
    last = np.array([seqs[r][i + n - 1] for r, i, n in segs])
    before = np.array([seqs[r][i - 1] for r, i, _ in segs])
    after = np.array([seqs[r][i + n] for r, i, n in segs])
    removed = dist[before, first] + dist[last, after] - dist[before, after]
    base = dist[e_prev, e_next][None, :]
    fwd = dist[e_prev[None, :], first[:, None]] + dist[last[:, None], e_next[None, :]] - base
    rev = dist[e_prev[None, :], last[:, None]] + dist[first[:, None], e_next[None, :]] - base
    same = e_route[None, :] == s_route[:, None]
    touching = same & (e_k[None, :] >= s_i[:, None] - 1) & (
        e_k[None, :] <= (s_i + s_len - 1)[:, None])
    too_full = ~same & (sizes[e_route][None, :] + s_len[:, None] > max_stops)
    whole = same & (sizes[s_route] == s_len)[:, None]
    gain = np.minimum(fwd, rev) - removed[:, None]
    if np.isfinite(cap):
        lens = np.array([route_length(dist, r, depot) for r in routes])
        len_a, len_b = lens[s_route][:, None], lens[e_route][None, :]
        # the segment's own edges leave one route and join the other
        inner = np.array([sum(dist[seqs[r][k], seqs[r][k + 1]] for k in range(i, i + n - 1))
                          for r, i, n in segs])[:, None]
        inserted = np.minimum(fwd, rev)
        other = (_over(len_a - removed[:, None] - inner, cap)
                 + _over(len_b + inserted + inner, cap)
                 - _over(len_a, cap) - _over(len_b, cap))
        own = _over(len_a + gain, cap) - _over(len_a, cap)
        gain = gain + _OVER_WEIGHT * np.where(same, own, other)
    gain[touching | too_full | whole] = np.inf
    flat = int(np.argmin(gain))
    si, ei = np.unravel_index(flat, gain.shape)
    if not gain[si, ei] < -1e-9:
        return False
    ra, i, length = segs[si]
    rb, k = int(e_route[ei]), int(e_k[ei])
    reverse = rev[si, ei] < fwd[si, ei]
    seg = routes[ra][i - 1:i - 1 + length]
    del routes[ra][i - 1:i - 1 + length]
    if rb == ra and k > i - 1:
        k -= length
    routes[rb][k:k] = seg[::-1] if reverse else seg
    return True


def _removal_gain(dist: Array, route: list[int], depot: int) -> Array:
    seq = np.array([depot, *route, depot])
    return dist[seq[:-2], seq[1:-1]] + dist[seq[1:-1], seq[2:]] - dist[seq[:-2], seq[2:]]


def _insert_without(dist: Array, route: list[int], others: NDArray[np.int64],
                    depot: int) -> Array:
    """[i, j]: cheapest insertion of ``others[j]`` into ``route`` without its stop i."""
    seq = np.array([depot, *route, depot])
    a = len(route)
    prev, nxt = seq[:-1], seq[1:]
    # insertion cost of each other stop into each edge of the route: (edges, others)
    edge = (dist[prev[:, None], others[None, :]] + dist[others[None, :], nxt[:, None]]
            - dist[prev, nxt][:, None])
    # without stop i, edges i and i + 1 are gone and (seq[i], seq[i + 2]) is new
    keep = np.ones((a, a + 1), dtype=bool)
    keep[np.arange(a), np.arange(a)] = False
    keep[np.arange(a), np.arange(a) + 1] = False
    old = np.where(keep[:, :, None], edge[None, :, :], np.inf).min(axis=1)
    p, q = seq[:-2], seq[2:]
    new = (dist[p[:, None], others[None, :]] + dist[others[None, :], q[:, None]]
           - dist[p, q][:, None])
    return np.minimum(old, new)


def _best_exchange(dist: Array, route_a: list[int], route_b: list[int],
                   depot: int, cap: float = np.inf) -> tuple[float, int, int]:
    b_into = _insert_without(dist, route_a, np.array(route_b, dtype=np.int64), depot)
    a_into = _insert_without(dist, route_b, np.array(route_a, dtype=np.int64), depot).T
    gain_a = _removal_gain(dist, route_a, depot)[:, None]
    gain_b = _removal_gain(dist, route_b, depot)[None, :]
    delta = b_into + a_into - gain_a - gain_b
    if np.isfinite(cap):
        len_a, len_b = route_length(dist, route_a, depot), route_length(dist, route_b, depot)
        delta = delta + _OVER_WEIGHT * (
            _over(len_a - gain_a + b_into, cap) + _over(len_b - gain_b + a_into, cap)
            - _over(len_a, cap) - _over(len_b, cap))
    i, j = np.unravel_index(np.argmin(delta), delta.shape)
    return float(delta[i, j]), int(i), int(j)


def _exchange(dist: Array, routes: list[list[int]], depot: int,
              cache: dict | None = None, cap: float = np.inf) -> bool:
    """Best exchange of a stop of one route with a stop of another, each put at its
    cheapest place in the other route; True if one shortened the total.

    ``cache`` keeps the best exchange of each pair of routes already seen, so that
    only pairs with a changed route are evaluated again.
    """
    cache = {} if cache is None else cache
    if len(cache) > 50_000:
        cache.clear()
    best = (-1e-9, None)
    for ra in range(len(routes)):
        for rb in range(ra + 1, len(routes)):
            if not routes[ra] or not routes[rb]:
                continue
            key = (tuple(routes[ra]), tuple(routes[rb]))
            found = cache.get(key)
            if found is None:
                found = cache[key] = _best_exchange(dist, routes[ra], routes[rb], depot,
                                                    cap)
            if found[0] < best[0]:
                best = (found[0], (ra, found[1], rb, found[2]))
    if best[1] is None:
        return False
    ra, i, rb, j = best[1]
    a_site, b_site = routes[ra].pop(i), routes[rb].pop(j)
    for route, site in ((routes[ra], b_site), (routes[rb], a_site)):
        _, pos = _insertion_costs(dist, route, np.array([site]), depot)
        route.insert(int(pos[0]), site)
    return True


def _local_search(dist: Array, routes: list[list[int]], max_stops: int, depot: int,
                  max_moves: int, cache: dict | None = None, cap: float = np.inf) -> None:
    for route in routes:
        _two_opt(dist, route, depot)
    for _ in range(max_moves):
        moved = _or_opt(dist, routes, max_stops, depot, cap)
        if not moved and len(routes) > 1:
            moved = _exchange(dist, routes, depot, cache, cap)
        if not moved:
            break
        for route in routes:
            _two_opt(dist, route, depot)


def _total(dist: Array, routes: list[list[int]], depot: int, cap: float = np.inf) -> float:
    """Total length plus the penalty of every metre beyond the route-length limit."""
    lengths = [route_length(dist, r, depot) for r in routes]
    return float(sum(lengths) + _OVER_WEIGHT * _over(lengths, cap).sum())


def _fill_idle_teams(dist: Array, routes: list[list[int]], depot: int) -> None:
    """Give a team left without stops the stop whose move costs least."""
    for route in routes:
        if route:
            continue
        donors = [k for k in range(len(routes)) if len(routes[k]) > 1]
        if not donors:
            return
        best = None
        for k in donors:
            base = route_length(dist, routes[k], depot)
            for i, site in enumerate(routes[k]):
                rest = routes[k][:i] + routes[k][i + 1:]
                cost = route_length(dist, rest, depot) - base + 2 * dist[depot, site]
                if best is None or cost < best[0]:
                    best = (cost, k, i)
        _, k, i = best
        route.append(routes[k].pop(i))


def solve_routes(dist: Array, *, n_teams: int, max_stops: int, depot: int = 0,
                 sites: list[int] | None = None, exact_max_stops: int = 9,
                 lns_rounds: int = 150, seed: int = 0, max_route_m: float | None = None,
                 max_moves: int = 10_000) -> list[list[int]]:
    """Split sites among teams and order each team's round trip from the depot.

    Parameters
    ----------
    dist : ndarray (n, n)
        Distances in metres between the depot and the sites (symmetric).
    n_teams : int
        Number of teams (routes). Every team gets at least one stop when there are
        enough sites.
    max_stops : int
        Most stops of one team.
    depot : int
        Row of the start in ``dist``.
    sites : list of int, optional
        Rows to visit (default: every row but the depot).
    exact_max_stops : int
        Routes of at most this many stops are ordered exactly at the end (0: never).
    lns_rounds : int
        Rounds of ruin and recreate: a few neighbouring stops are taken out of their
        routes and put back by regret insertion; kept when the total gets shorter.
    seed : int
        Seed of the choice of stops to take out; the same input gives the same plan.
    max_route_m : float, optional
        Longest round trip wanted for one team (m). A soft limit: every metre beyond
        it costs 100 m of total distance, so the search balances the teams when
        it can and returns the least-over plan when it cannot.
    max_moves : int
        Cap on local-search moves per round (a safeguard).

    Returns
    -------
    list of list of int
        One list of rows per team, in visiting order (possibly empty).

    Raises
    ------
    ValueError
        More sites than ``n_teams * max_stops``.
    """
    dist = np.asarray(dist, dtype="float64")
    sites = [i for i in range(len(dist)) if i != depot] if sites is None else list(sites)
    if n_teams < 1 or max_stops < 1:
        raise ValueError("n_teams and max_stops must be at least 1")
    if len(sites) > n_teams * max_stops:
        raise ValueError(f"{len(sites)} sites do not fit {n_teams} teams of {max_stops} stops")
    if not sites:
        return [[] for _ in range(n_teams)]
    todo = list(sites)
    routes = _seed_routes(dist, todo, n_teams, depot)
    _recreate(dist, routes, todo, max_stops, depot)
    cache: dict = {}
    cap = np.inf if not max_route_m else float(max_route_m)
    _local_search(dist, routes, max_stops, depot, max_moves, cache, cap)
    length = _total(dist, routes, depot, cap)
    rng = np.random.default_rng(seed)
    site_array = np.array(sites)
    most = max(2, min(len(sites) // 2, 15))
    for _ in range(lns_rounds if len(sites) > 2 else 0):
        k = int(rng.integers(2, most + 1)) if most > 2 else 2
        centre = int(rng.choice(site_array))
        removed = set(site_array[np.argsort(dist[centre, site_array], kind="stable")[:k]]
                      .tolist())
        trial = [[s for s in r if s not in removed] for r in routes]
        _recreate(dist, trial, sorted(removed), max_stops, depot)
        _local_search(dist, trial, max_stops, depot, max_moves, cache, cap)
        trial_length = _total(dist, trial, depot, cap)
        if trial_length < length - 1e-9:
            routes, length = trial, trial_length
    if len(sites) >= n_teams:
        _fill_idle_teams(dist, routes, depot)
    for route in routes:
        if 2 < len(route) <= exact_max_stops:
            route[:] = held_karp(dist, route, depot)
    return routes
