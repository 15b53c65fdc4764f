"""The order of each team's stops, on a matrix of road-network distances.

The distances come from :mod:`geoair.patrol.road_graph` (``RoadGraph``,
``build_road_graph``, ``straight_distances``, ``road_distances``).

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

import numpy as np
from numpy.typing import NDArray

__all__ = ["held_karp", "route_length", "solve_routes"]


log = logging.getLogger(__name__)

Array = NDArray[np.float64]
# Cost of one metre of a route beyond max_route_m, in metres of total distance: so large
# that the search stays under the limit whenever it can find how.
_OVER_WEIGHT = 100.0


def _over(length, cap: float):
    """Metres beyond the route-length limit (0 under it); works on arrays."""
    return np.maximum(0.0, np.asarray(length, dtype="float64") - cap)


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
    j: int | np.integer  # a stop: from range(), then from np.flatnonzero()
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


def _insertion_costs(
    dist: Array, route: list[int], candidates: NDArray[np.int64], depot: int
) -> tuple[Array, NDArray[np.int64]]:
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


def _recreate(
    dist: Array, routes: list[list[int]], todo: list[int], max_stops: int, depot: int
) -> None:
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
                costs[live, r], where[live, r] = _insertion_costs(
                    dist, routes[r], cand[live], depot
                )
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
                delta = (
                    dist[seq[i - 1], seq[j]]
                    + dist[seq[i], seq[j + 1]]
                    - dist[seq[i - 1], seq[i]]
                    - dist[seq[j], seq[j + 1]]
                )
                if delta < -1e-9:
                    seq[i : j + 1] = seq[i : j + 1][::-1]
                    changed = improved = True
    route[:] = seq[1:-1]
    return improved


def _or_opt(
    dist: Array, routes: list[list[int]], max_stops: int, depot: int, cap: float = np.inf
) -> bool:
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
    segs = [
        (r, i, length)
        for r, q in enumerate(seqs)
        for length in (1, 2, 3)
        for i in range(1, len(q) - length)
    ]
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
    touching = (
        same & (e_k[None, :] >= s_i[:, None] - 1) & (e_k[None, :] <= (s_i + s_len - 1)[:, None])
    )
    too_full = ~same & (sizes[e_route][None, :] + s_len[:, None] > max_stops)
    whole = same & (sizes[s_route] == s_len)[:, None]
    gain = np.minimum(fwd, rev) - removed[:, None]
    if np.isfinite(cap):
        lens = np.array([route_length(dist, r, depot) for r in routes])
        len_a, len_b = lens[s_route][:, None], lens[e_route][None, :]
        # the segment's own edges leave one route and join the other
        inner = np.array(
            [sum(dist[seqs[r][k], seqs[r][k + 1]] for k in range(i, i + n - 1)) for r, i, n in segs]
        )[:, None]
        inserted = np.minimum(fwd, rev)
        other = (
            _over(len_a - removed[:, None] - inner, cap)
            + _over(len_b + inserted + inner, cap)
            - _over(len_a, cap)
            - _over(len_b, cap)
        )
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
    seg = routes[ra][i - 1 : i - 1 + length]
    del routes[ra][i - 1 : i - 1 + length]
    if rb == ra and k > i - 1:
        k -= length
    routes[rb][k:k] = seg[::-1] if reverse else seg
    return True


def _removal_gain(dist: Array, route: list[int], depot: int) -> Array:
    seq = np.array([depot, *route, depot])
    return dist[seq[:-2], seq[1:-1]] + dist[seq[1:-1], seq[2:]] - dist[seq[:-2], seq[2:]]


def _insert_without(dist: Array, route: list[int], others: NDArray[np.int64], depot: int) -> Array:
    """[i, j]: cheapest insertion of ``others[j]`` into ``route`` without its stop i."""
    seq = np.array([depot, *route, depot])
    a = len(route)
    prev, nxt = seq[:-1], seq[1:]
    # insertion cost of each other stop into each edge of the route: (edges, others)
    edge = (
        dist[prev[:, None], others[None, :]]
        + dist[others[None, :], nxt[:, None]]
        - dist[prev, nxt][:, None]
    )
    # without stop i, edges i and i + 1 are gone and (seq[i], seq[i + 2]) is new
    keep = np.ones((a, a + 1), dtype=bool)
    keep[np.arange(a), np.arange(a)] = False
    keep[np.arange(a), np.arange(a) + 1] = False
    old = np.where(keep[:, :, None], edge[None, :, :], np.inf).min(axis=1)
    p, q = seq[:-2], seq[2:]
    new = (
        dist[p[:, None], others[None, :]] + dist[others[None, :], q[:, None]] - dist[p, q][:, None]
    )
    return np.minimum(old, new)


def _best_exchange(
    dist: Array, route_a: list[int], route_b: list[int], depot: int, cap: float = np.inf
) -> tuple[float, int, int]:
    b_into = _insert_without(dist, route_a, np.array(route_b, dtype=np.int64), depot)
    a_into = _insert_without(dist, route_b, np.array(route_a, dtype=np.int64), depot).T
    gain_a = _removal_gain(dist, route_a, depot)[:, None]
    gain_b = _removal_gain(dist, route_b, depot)[None, :]
    delta = b_into + a_into - gain_a - gain_b
    if np.isfinite(cap):
        len_a, len_b = route_length(dist, route_a, depot), route_length(dist, route_b, depot)
        delta = delta + _OVER_WEIGHT * (
            _over(len_a - gain_a + b_into, cap)
            + _over(len_b - gain_b + a_into, cap)
            - _over(len_a, cap)
            - _over(len_b, cap)
        )
    i, j = np.unravel_index(np.argmin(delta), delta.shape)
    return float(delta[i, j]), int(i), int(j)


def _exchange(
    dist: Array, routes: list[list[int]], depot: int, cache: dict | None = None, cap: float = np.inf
) -> bool:
    """Best exchange of a stop of one route with a stop of another, each put at its
    cheapest place in the other route; True if one shortened the total.

    ``cache`` keeps the best exchange of each pair of routes already seen, so that
    only pairs with a changed route are evaluated again.
    """
    cache = {} if cache is None else cache
    if len(cache) > 50_000:
        cache.clear()
    best: tuple[float, tuple[int, int, int, int] | None] = (-1e-9, None)
    for ra in range(len(routes)):
        for rb in range(ra + 1, len(routes)):
            if not routes[ra] or not routes[rb]:
                continue
            key = (tuple(routes[ra]), tuple(routes[rb]))
            found = cache.get(key)
            if found is None:
                found = cache[key] = _best_exchange(dist, routes[ra], routes[rb], depot, cap)
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


def _local_search(
    dist: Array,
    routes: list[list[int]],
    max_stops: int,
    depot: int,
    max_moves: int,
    cache: dict | None = None,
    cap: float = np.inf,
) -> None:
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
        best: tuple[float, int, int] | None = None
        for k in donors:
            base = route_length(dist, routes[k], depot)
            for i, site in enumerate(routes[k]):
                rest = routes[k][:i] + routes[k][i + 1 :]
                cost = route_length(dist, rest, depot) - base + 2 * dist[depot, site]
                if best is None or cost < best[0]:
                    best = (cost, k, i)
        assert best is not None  # every donor has a stop to give
        _, k, i = best
        route.append(routes[k].pop(i))


def solve_routes(
    dist: Array,
    *,
    n_teams: int,
    max_stops: int,
    depot: int = 0,
    sites: list[int] | None = None,
    exact_max_stops: int = 9,
    lns_rounds: int = 150,
    seed: int = 0,
    max_route_m: float | None = None,
    max_moves: int = 10_000,
) -> list[list[int]]:
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
        removed = set(site_array[np.argsort(dist[centre, site_array], kind="stable")[:k]].tolist())
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
