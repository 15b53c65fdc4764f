"""Spatial assignment: the county and park of every enterprise, gate, station and heap.

Done once per workspace (``geoair scores`` runs it when the table is missing or
older than its layers) and reused by scores, maps and patrol. The result, table
``site_assignment``, has one row per link between a site and a park, and one row
for a site linked to no park:

========================  ===========================================================
column                    meaning
========================  ===========================================================
layer                     ``enterprises``, ``gates``, ``stations`` or ``gangue_heaps``
site_id, site_name        the site's id and name in its layer
county                    its county (县区)
county_rule               ``inside`` (inside a polygon of the ``counties`` layer),
                          ``attribute`` (no polygon holds it, or there is no counties
                          layer: the site's own 县区 field), ``none`` (neither)
park_id, park_name        a park it belongs to, or empty
park_rule                 ``inside`` (the site touches the park polygon; a point on
                          the boundary counts as inside) or ``near`` (stations and heaps
                          only: within ``near_park_m`` of the polygon, outside it)
park_distance_m           0 inside; metres from the polygon when near (measured in a
                          CGCS2000 Gauss-Krüger zone, never in degrees)
primary                   True on exactly one row per site: its inside park, else the
                          nearest park it is near, else the row without a park
========================  ===========================================================

The polygon look-ups query a :class:`shapely.STRtree` with the whole array of
sites at once (never row by row); see ``scripts/bench_assign.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.errors import SchemaError
from geoair.io.crs import metric_crs, require_wgs84

__all__ = [
    "COLUMNS",
    "NEAR_LAYERS",
    "SITE_LAYERS",
    "assign_sites",
    "locate",
    "park_members",
    "polygon_hits",
]


log = logging.getLogger(__name__)

# Layers whose sites are assigned, and the word used for them in messages.
SITE_LAYERS: dict[str, str] = {
    "enterprises": "enterprise",
    "gates": "gate",
    "stations": "station",
    "gangue_heaps": "heap",
}
# Layers whose sites also count for a park they lie near (stations and heaps serve a park nearby).
NEAR_LAYERS = ("stations", "gangue_heaps")

COLUMNS = [
    "layer",
    "site_id",
    "site_name",
    "county",
    "county_rule",
    "park_id",
    "park_name",
    "park_rule",
    "park_distance_m",
    "primary",
]

# The predicates of shapely.STRtree.query.
_Predicate = Literal[
    "intersects",
    "within",
    "contains",
    "overlaps",
    "crosses",
    "touches",
    "covers",
    "covered_by",
    "contains_properly",
    "dwithin",
]


def polygon_hits(
    sites: gpd.GeoSeries | np.ndarray,
    polygons: gpd.GeoSeries | np.ndarray,
    *,
    predicate: _Predicate = "intersects",
    distance: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (site position, polygon position) where ``predicate`` holds, in one query.

    Parameters
    ----------
    sites, polygons : GeoSeries or array of shapely geometries
        In the same coordinate system.
    predicate : str
        A :meth:`shapely.STRtree.query` predicate: ``intersects`` (a point on the
        boundary counts as inside), ``within``, ``dwithin`` (with ``distance``).
    distance : float, optional
        For ``dwithin``, in the units of the coordinate system.

    Returns
    -------
    (ndarray, ndarray)
        Positions (0-based) into ``sites`` and ``polygons``, sorted by site.
    """
    site_geoms = np.asarray(getattr(sites, "values", sites), dtype=object)
    poly_geoms = np.asarray(getattr(polygons, "values", polygons), dtype=object)
    if len(site_geoms) == 0 or len(poly_geoms) == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    tree = shapely.STRtree(poly_geoms)
    kwargs: dict[str, Any] = {"distance": distance} if predicate == "dwithin" else {}
    site_pos, poly_pos = tree.query(site_geoms, predicate=predicate, **kwargs)
    return site_pos, poly_pos


def _first_hit(
    n_sites: int, site_pos: np.ndarray, poly_pos: np.ndarray, names: np.ndarray
) -> np.ndarray:
    """Per site, the name of the polygon it touches (the first name on ties), or None."""
    values = np.full(n_sites, None, dtype=object)
    if len(site_pos):
        hit_names = names[poly_pos]
        step = np.diff(site_pos)
        if (step <= 0).any():  # unsorted, or ties on borders: the first name wins
            order = np.lexsort((hit_names.astype(str), site_pos))
            site_pos, hit_names = site_pos[order], hit_names[order]
        first = np.r_[True, site_pos[1:] != site_pos[:-1]]
        values[site_pos[first]] = hit_names[first]
    return values


def locate(
    sites: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, *, name_column: str = "name"
) -> pd.Series:
    """The polygon each site lies in, as a Series on ``sites.index`` (None if none).

    A site touching two polygons (a point on a shared border) gets the one whose
    name sorts first, so the answer does not depend on the order of the rows.

    Parameters
    ----------
    sites : GeoDataFrame
        Points (or polygons: any part touching counts).
    polygons : GeoDataFrame
        In the same CRS as ``sites``.
    name_column : str
        Column of ``polygons`` whose value is returned.

    Returns
    -------
    Series
        On ``sites.index``; the value of ``name_column`` or None.

    Examples
    --------
    >>> county = locate(enterprises, counties)             # doctest: +SKIP
    """
    _same_crs(sites, polygons)
    site_pos, poly_pos = polygon_hits(sites.geometry, polygons.geometry)
    values = _first_hit(
        len(sites), site_pos, poly_pos, polygons[name_column].to_numpy(dtype=object)
    )
    return pd.Series(values, index=sites.index, name=name_column, dtype=object)


def _same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    from geoair.errors import CRSError

    if a.crs is None or b.crs is None or not a.crs.equals(b.crs):
        raise CRSError(
            f"Cannot match layers in different coordinate systems "
            f"({a.crs} and {b.crs}). Import both with geoair import, which stores "
            "every layer in WGS-84."
        )


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values = frame[name].to_numpy(dtype=object)
    # numpy's stubs take no None where numpy takes it (an object scalar)
    return np.where(pd.isna(values), None, values)  # type: ignore[call-overload]


def _sites(layers: Mapping[str, gpd.GeoDataFrame | None]) -> dict[str, np.ndarray]:
    """The sites of every layer as aligned arrays (empty geometries left out)."""
    parts: list[dict[str, np.ndarray]] = []
    for layer, frame in layers.items():
        if frame is None or len(frame) == 0:
            continue
        if "id" not in frame.columns:
            raise SchemaError(
                f"The {layer} layer has no 'id' column, so its "
                f"{SITE_LAYERS[layer]}s cannot be told apart. Import it again "
                f"with geoair import {layer}."
            )
        require_wgs84(frame, what=f"the {layer} layer")
        geoms = np.asarray(frame.geometry.values, dtype=object)
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        parts.append(
            {
                "layer": np.full(int(keep.sum()), layer, dtype=object),
                "site_id": _column(frame, "id")[keep],
                "site_name": _column(frame, "name")[keep],
                "county_given": _column(frame, "county")[keep],
                "geometry": geoms[keep],
            }
        )
    if not parts:
        return {}
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _counties_of(
    sites: dict[str, np.ndarray], counties: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    n = len(sites["site_id"])
    county = np.full(n, None, dtype=object)
    rule = np.full(n, "none", dtype=object)
    given = sites["county_given"]
    if counties is not None and len(counties):
        require_wgs84(counties, what="the counties layer")
        # A heap polygon's county is the one holding a point inside it.
        probe = sites["geometry"]
        areal = shapely.get_type_id(probe) >= 3
        if areal.any():
            probe = probe.copy()
            probe[areal] = shapely.point_on_surface(probe[areal])
        site_pos, poly_pos = polygon_hits(probe, counties.geometry)
        county = _first_hit(n, site_pos, poly_pos, counties["name"].to_numpy(dtype=object))
        found = county != None  # noqa: E711 - elementwise on an object array
        rule[found] = "inside"
        both = found & (given != None)  # noqa: E711
        disagree = np.flatnonzero(both)[county[both].astype(str) != given[both].astype(str)]
        if len(disagree):
            i = disagree[0]
            log.warning(
                "%d sites lie in another county than their 县区 field says; the "
                "polygon wins (e.g. %s %s: field %s, polygon %s)",
                len(disagree),
                sites["layer"][i],
                sites["site_id"][i],
                given[i],
                county[i],
            )
    use_given = (county == None) & (given != None)  # noqa: E711
    county[use_given] = given[use_given]
    rule[use_given] = "attribute"
    return county, rule


def _park_links(
    sites: dict[str, np.ndarray], parks: gpd.GeoDataFrame, *, near_park_m: float
) -> pd.DataFrame:
    """(site position, park position, rule, distance) of every site-park link."""
    geoms = sites["geometry"]
    site_pos, park_pos = polygon_hits(geoms, parks.geometry)
    links = [
        pd.DataFrame(
            {"pos": site_pos, "park_pos": park_pos, "park_rule": "inside", "park_distance_m": 0.0}
        )
    ]
    near_sites = np.flatnonzero(np.isin(sites["layer"], NEAR_LAYERS))
    if near_park_m > 0 and len(near_sites):
        sample = np.concatenate(
            [shapely.bounds(geoms[near_sites])[:, [0, 2]].ravel(), parks.total_bounds[[0, 2]]]
        )
        crs = metric_crs(sample)
        site_m = np.asarray(gpd.GeoSeries(geoms[near_sites], crs=parks.crs).to_crs(crs).values)
        park_m = np.asarray(parks.geometry.to_crs(crs).values)
        n_pos, p_pos = polygon_hits(site_m, park_m, predicate="dwithin", distance=near_park_m)
        pos = near_sites[n_pos]
        n_parks = len(parks)
        inside = np.isin(pos * n_parks + p_pos, site_pos * n_parks + park_pos)
        dist = shapely.distance(site_m[n_pos[~inside]], park_m[p_pos[~inside]])
        links.append(
            pd.DataFrame(
                {
                    "pos": pos[~inside],
                    "park_pos": p_pos[~inside],
                    "park_rule": "near",
                    "park_distance_m": dist,
                }
            )
        )
    return pd.concat(links, ignore_index=True)


def assign_sites(
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    parks: gpd.GeoDataFrame | None = None,
    counties: gpd.GeoDataFrame | None = None,
    near_park_m: float = 1000.0,
) -> pd.DataFrame:
    """The county and park of every site (see the module docstring for the columns).

    Parameters
    ----------
    layers : mapping
        Layer name (``enterprises``, ``gates``, ``stations``, ``gangue_heaps``) to its
        GeoDataFrame in EPSG:4326, with ``id`` (and ``name``, ``county`` if present).
        Missing or None layers are skipped.
    parks : GeoDataFrame, optional
        Park polygons with ``id`` and ``name``.
    counties : GeoDataFrame, optional
        County polygons with ``name``.
    near_park_m : float
        Width of the ring outside a park within which stations and heaps count as
        near it ([assignment] near_park_m, default 1000 m).

    Returns
    -------
    DataFrame
        The ``site_assignment`` table: the sites in the order given (layer by layer),
        each followed by its links (inside first, then nearest).

    Examples
    --------
    >>> table = assign_sites({"enterprises": ents, "stations": stations},  # doctest: +SKIP
    ...                      parks=parks, counties=counties, near_park_m=1000)
    """
    unknown = set(layers) - set(SITE_LAYERS)
    if unknown:
        raise SchemaError(
            f"Cannot assign layers {sorted(unknown)}; only "
            f"{', '.join(SITE_LAYERS)} are assigned to counties and parks."
        )
    if near_park_m < 0:
        raise ValueError(f"near_park_m must be 0 or more metres, not {near_park_m}.")
    sites = _sites(layers)
    if not sites:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS})
    n = len(sites["site_id"])
    county, county_rule = _counties_of(sites, counties)

    if parks is not None and len(parks):
        require_wgs84(parks, what="the parks layer")
        parks = parks.reset_index(drop=True)
        links = _park_links(sites, parks, near_park_m=near_park_m)
    else:
        links = pd.DataFrame(
            {
                "pos": np.empty(0, np.intp),
                "park_pos": np.empty(0, np.intp),
                "park_rule": np.empty(0, object),
                "park_distance_m": np.empty(0, float),
            }
        )
    # Order links within a site: inside first, then nearest, then park id.
    pos = links["pos"].to_numpy()
    park_pos = links["park_pos"].to_numpy()
    rule_rank = (links["park_rule"].to_numpy() == "near").astype(np.int8)
    dist = links["park_distance_m"].to_numpy()
    if parks is not None and len(links):  # links come from parks
        park_ids = parks["id"].astype(str).to_numpy()
        id_rank = np.argsort(np.argsort(park_ids, kind="stable"), kind="stable")[park_pos]
        order = np.lexsort((id_rank, dist, rule_rank, pos))
        pos, park_pos, rule_rank, dist = pos[order], park_pos[order], rule_rank[order], dist[order]
    # One output row per link, and one for a site without links.
    per_site = np.maximum(np.bincount(pos, minlength=n), 1)
    start = np.r_[0, np.cumsum(per_site)[:-1]]
    rows = np.repeat(np.arange(n), per_site)
    within = np.arange(len(pos)) - np.searchsorted(pos, pos, side="left")
    at = start[pos] + within
    total = len(rows)
    park_id = np.full(total, None, dtype=object)
    park_name = np.full(total, None, dtype=object)
    park_rule = np.full(total, None, dtype=object)
    park_dist = np.full(total, np.nan)
    if parks is not None and len(pos):
        park_id[at] = parks["id"].to_numpy(dtype=object)[park_pos]
        park_name[at] = parks["name"].to_numpy(dtype=object)[park_pos]
        park_rule[at] = np.where(rule_rank == 0, "inside", "near")
        park_dist[at] = dist
    primary = np.zeros(total, dtype=bool)
    primary[start] = True
    # Text columns stay object arrays: converting a million strings to Arrow costs
    # more than the spatial query (pandas 3 would infer its string dtype).
    text = {
        "layer": sites["layer"][rows],
        "site_id": sites["site_id"][rows],
        "site_name": sites["site_name"][rows],
        "county": county[rows],
        "county_rule": county_rule[rows],
        "park_id": park_id,
        "park_name": park_name,
        "park_rule": park_rule,
    }
    out = pd.DataFrame(
        {name: pd.Series(values, dtype=object, copy=False) for name, values in text.items()}
    )
    out["park_distance_m"] = park_dist
    out["primary"] = primary
    return out[COLUMNS]


def park_members(
    assignment: pd.DataFrame, layer: str, *, rules: tuple[str, ...] = ("inside",)
) -> pd.DataFrame:
    """The (site_id, park_id, park_rule, park_distance_m) links of one layer.

    Parameters
    ----------
    assignment : DataFrame
        The ``site_assignment`` table.
    layer : str
        ``enterprises``, ``gates``, ``stations`` or ``gangue_heaps``.
    rules : tuple of str
        Which links count: ``("inside",)`` or ``("inside", "near")``.
    """
    rows = assignment[(assignment["layer"] == layer) & assignment["park_rule"].isin(rules)]
    return rows[["site_id", "park_id", "park_rule", "park_distance_m"]].reset_index(drop=True)
