"""Road-network distances between patrol sites, along the roads, in metres.

Distances
    :func:`build_road_graph` turns a road layer into a graph whose nodes are the
    roads' vertices (vertices closer than ``tolerance_m`` merged, so ways that share a
    vertex connect, as in OpenStreetMap) and whose edges are the segments between
    consecutive vertices, weighted by their length in metres in a projected CRS. Sites
    are snapped to the nearest node of the largest connected part of the network (so
    every pair is reachable) and the straight stretch from site to node is counted.
    Shortest paths come from :func:`scipy.sparse.csgraph.dijkstra`, run once per site
    of the day's plan (not per pair), in batches so memory stays small.

The order of the stops on these distances is :mod:`geoair.patrol.routing`'s work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geoair.errors import SchemaError
from geoair.io.crs import metric_crs_for

__all__ = ["RoadGraph", "build_road_graph", "road_distances", "straight_distances"]


log = logging.getLogger(__name__)

Array = NDArray[np.float64]
_BATCH = 32  # dijkstra sources per batch: 32 x n_nodes floats at a time


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
        return self.main_nodes[pos], cast(Array, dist)  # one distance per point of xy

    def distances(self, nodes: NDArray[np.int64]) -> Array:
        """Shortest-path lengths (m) between every pair of ``nodes``, shape (n, n)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        unique, inverse = np.unique(nodes, return_inverse=True)
        out = np.empty((len(unique), len(unique)))
        for start in range(0, len(unique), _BATCH):
            batch = unique[start : start + _BATCH]
            dist = dijkstra(self.matrix, directed=True, indices=batch)
            out[start : start + len(batch)] = dist[:, unique]
        return out[np.ix_(inverse, inverse)]

    def path(self, a: int, b: int, *, length_m: float | None = None) -> Array:
        """Node coordinates of a shortest path from node ``a`` to node ``b``."""
        if a == b:
            return self.xy[[a]]
        limit = np.inf if length_m is None else length_m * (1 + 1e-9) + 1e-6
        # scipy-stubs wants an array for indices; scipy documents (and we use) a single int
        _, pred = dijkstra(  # type: ignore[call-overload]
            self.matrix, directed=True, indices=a, return_predecessors=True, limit=limit
        )
        chain = [b]
        while chain[-1] != a:
            step = pred[chain[-1]]
            if step < 0:
                raise RuntimeError(f"road nodes {a} and {b} are not connected")
            chain.append(int(step))
        return self.xy[chain[::-1]]


def build_road_graph(
    roads: gpd.GeoDataFrame,
    *,
    crs: pyproj.CRS | None = None,
    tolerance_m: float = 0.5,
    snap_ends_m: float = 15.0,
    node_crossings: bool = False,
) -> RoadGraph:
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
        raise SchemaError(
            "The roads layer has no usable lines. Import a road network with "
            "geoair import roads FILE, or plan with straight-line distances."
        )
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
        xy, u, v = _repair_topology(
            xy,
            u,
            v,
            snap_ends_m=snap_ends_m,
            node_crossings=node_crossings,
            tolerance_m=tolerance_m,
        )
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
    matrix = csr_matrix(
        (np.concatenate([length, length]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(n, n),
    )
    n_parts, labels = connected_components(matrix, directed=False)
    main_label = np.bincount(labels).argmax()
    main_nodes = np.flatnonzero(labels == main_label)
    if n_parts > 1:
        log.info(
            "road network: %d connected parts; sites are snapped to the largest (%d of %d nodes)",
            n_parts,
            len(main_nodes),
            n,
        )
    log.debug("road graph: %d nodes, %d edges, %s", n, len(a), crs.to_string())
    return RoadGraph(crs=crs, xy=xy, matrix=matrix, main_nodes=main_nodes)


def _repair_topology(
    xy: Array,
    u: NDArray[np.int64],
    v: NDArray[np.int64],
    *,
    snap_ends_m: float,
    node_crossings: bool,
    tolerance_m: float,
) -> tuple[Array, NDArray[np.int64], NDArray[np.int64]]:
    """Join dead ends to nearby segments (and optionally crossing segments): new nodes
    split the segments where they are joined."""
    segments = cast(NDArray[np.object_], shapely.linestrings(np.stack([xy[u], xy[v]], axis=1)))
    tree = shapely.STRtree(segments)
    splits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (segment, t, node)
    new_xy: list[np.ndarray] = []
    extra_u: list[np.ndarray] = []
    extra_v: list[np.ndarray] = []
    next_id = len(xy)
    if snap_ends_m > 0:
        degree = np.bincount(np.concatenate([u, v]), minlength=len(xy))
        ends = np.flatnonzero(degree == 1)
        points = cast(NDArray[np.object_], shapely.points(xy[ends]))
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
            proj = shapely.get_coordinates(
                shapely.line_interpolate_point(segments[si][inner], t[inner], normalized=True)
            )
            ids = np.arange(next_id, next_id + int(inner.sum()))
            next_id += len(ids)
            new_xy.append(proj)
            splits.append((si[inner], t[inner], ids))
            extra_u.append(ends[pi][inner])
            extra_v.append(ids)
            log.info(
                "road network: %d dead ends joined to a road within %.0f m", len(pi), snap_ends_m
            )
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
            splits.append((a, shapely.line_locate_point(segments[a], cross, normalized=True), ids))
            splits.append((b, shapely.line_locate_point(segments[b], cross, normalized=True), ids))
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
