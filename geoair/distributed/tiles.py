"""Spatial partitions of the ``dask`` engine: cells that own points, boxes with a halo.

A spatial join is split so that every pair is produced exactly once: each point that
a pair starts from (a gate, a station) is *owned* by one cell, and the task of a cell
receives every feature that could pair with one of its points, i.e. the features
whose bounding box meets the box of its points grown by a halo of the search distance
(converted to degrees where a degree of longitude is shortest, so the box surely holds
every circle). A feature near a cell border goes to the tasks of both cells, but a
pair is made only by the cell that owns its point, so none is lost or counted twice.

Cells are balanced rather than square: the points are cut into ``kx`` strips of equal
count by longitude and each strip into ``ky`` cells of equal count by latitude, so
that a dense city and an empty mountain do not make one huge task and many empty ones.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geoair.roads.clip import metres_per_degree

__all__ = ["balanced_cells", "cell_count", "halo_box", "halo_boxes"]


def halo_box(
    west: float, south: float, east: float, north: float, halo_m: float
) -> tuple[float, float, float, float]:
    """The box ``(west, south, east, north)`` grown by ``halo_m`` metres on every side.

    The latitude margin uses the shortest metre-per-degree of latitude (at the
    equator), the longitude margin the shortest metre-per-degree of longitude inside
    the grown box (its edge farthest from the equator), so the grown box contains
    every geodesic circle of radius ``halo_m`` around a point of the box.

    Examples
    --------
    >>> w, s, e, n = halo_box(113.0, 37.0, 113.0, 37.0, 1000.0)
    >>> round((n - s) / 2 * 110574)        # metres of the latitude margin
    1000
    """
    _, m_lat = metres_per_degree(0.0)
    dlat = halo_m / float(m_lat)
    far = min(max(abs(south - dlat), abs(north + dlat)), 89.0)
    m_lon, _ = metres_per_degree(float(far))
    dlon = halo_m / float(m_lon)
    return west - dlon, south - dlat, east + dlon, north + dlat


def halo_boxes(
    x: ArrayLike, y: ArrayLike, halo_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`halo_box` of each point: arrays ``west, south, east, north``."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    _, m_lat = metres_per_degree(0.0)
    dlat = halo_m / m_lat
    far = np.minimum(np.abs(y) + dlat, 89.0)
    m_lon, _ = metres_per_degree(far)
    dlon = halo_m / m_lon
    return x - dlon, y - dlat, x + dlon, y + dlat


def cell_count(n_items: int, *, per_task: int, minimum: int) -> int:
    """Cells for ``n_items`` with at most about ``per_task`` each, and at least ``minimum``."""
    if n_items <= 0:
        return 1
    return max(1, min(n_items, max(minimum, math.ceil(n_items / max(per_task, 1)))))


def balanced_cells(x: ArrayLike, y: ArrayLike, n_cells: int) -> NDArray[np.int64]:
    """Owner cell of each point: ``kx`` longitude strips × ``ky`` latitude cells of equal count.

    Parameters
    ----------
    x, y : array_like of float
        Longitude and latitude; points with NaN go to cell 0.
    n_cells : int
        About how many cells (``kx·ky`` ≥ ``n_cells``, ``kx = ceil(sqrt(n_cells))``).

    Returns
    -------
    numpy.ndarray of int
        Cell number 0..k-1 of each point, numbered strip by strip from the west; every
        number is used (empty cells are dropped and the rest renumbered).
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    n = len(x)
    out = np.zeros(n, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if n_cells <= 1 or len(ok) <= 1:
        return out
    kx = math.ceil(math.sqrt(n_cells))
    ky = math.ceil(n_cells / kx)
    by_x = ok[np.lexsort((y[ok], x[ok]))]
    cell = np.zeros(n, dtype=np.int64)
    for i, strip in enumerate(np.array_split(by_x, kx)):
        by_y = strip[np.lexsort((x[strip], y[strip]))]
        for j, part in enumerate(np.array_split(by_y, ky)):
            cell[part] = i * ky + j
    out[ok] = np.unique(cell[ok], return_inverse=True)[1]
    return out
