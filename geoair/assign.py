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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair._errors import SchemaError
from geoair.crs import metric_crs, require_wgs84

log = logging.getLogger(__name__)

# Layers whose sites are assigned, and the word used for them in messages.
SITE_LAYERS: dict[str, str] = {
    "enterprises": "enterprise",
    "gates": "gate",
    "stations": "station",
    "gangue_heaps": "heap",
}
# Layers whose sites also count for a park they lie near (DESIGN §5.3, issue 7).
NEAR_LAYERS = ("stations", "gangue_heaps")

COLUMNS = ["layer", "site_id", "site_name", "county", "county_rule", "park_id", "park_name",
           "park_rule", "park_distance_m", "primary"]


def polygon_hits(sites: gpd.GeoSeries | np.ndarray, polygons: gpd.GeoSeries | np.ndarray,
                 *, predicate: str = "intersects",
                 distance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
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
    kwargs = {"distance": distance} if predicate == "dwithin" else {}
    site_pos, poly_pos = tree.query(site_geoms, predicate=predicate, **kwargs)
    return site_pos, poly_pos


def locate(sites: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, *,
           name_column: str = "name") -> pd.Series:
    """The polygon each site lies in, as a Series on ``sites.index`` (NaN if none).

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
        On ``sites.index``; the value of ``name_column`` or missing.

    Examples
    --------
    >>> county = locate(enterprises, counties)             # doctest: +SKIP
    """
    _same_crs(sites, polygons)
    site_pos, poly_pos = polygon_hits(sites.geometry, polygons.geometry)
    names = polygons[name_column].to_numpy(dtype=object)
    values = np.full(len(sites), None, dtype=object)
    if len(site_pos):
        hit_names = names[poly_pos]
        if len(np.unique(site_pos)) < len(site_pos):  # ties on borders: first name wins
            order = np.lexsort((hit_names.astype(str), site_pos))
            site_pos, hit_names = site_pos[order], hit_names[order]
        first = np.r_[True, site_pos[1:] != site_pos[:-1]]
        values[site_pos[first]] = hit_names[first]
    return pd.Series(values, index=sites.index, name=name_column, dtype=object)


def _same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    from geoair._errors import CRSError

    if a.crs is None or b.crs is None or not a.crs.equals(b.crs):
        raise CRSError(f"Cannot match layers in different coordinate systems "
                       f"({a.crs} and {b.crs}). Import both with geoair import, which stores "
                       "every layer in WGS-84.")


def _site_frame(layer: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "id" not in frame.columns:
        raise SchemaError(f"The {layer} layer has no 'id' column, so its {SITE_LAYERS[layer]}s "
                          f"cannot be told apart. Import it again with geoair import {layer}.")
    require_wgs84(frame, what=f"the {layer} layer")
    out = gpd.GeoDataFrame(
        {"layer": layer,
         "site_id": frame["id"].astype(object).to_numpy(),
         "site_name": (frame["name"] if "name" in frame.columns
                       else pd.Series(None, index=frame.index)).astype(object).to_numpy(),
         "county_given": (frame["county"] if "county" in frame.columns
                          else pd.Series(None, index=frame.index)).astype(object).to_numpy()},
        geometry=frame.geometry.to_numpy(), crs=frame.crs)
    return out[~(out.geometry.isna() | out.geometry.is_empty)].reset_index(drop=True)


def _counties_of(sites: gpd.GeoDataFrame, counties: gpd.GeoDataFrame | None) -> pd.DataFrame:
    county = pd.Series(None, index=sites.index, dtype=object)
    rule = pd.Series("none", index=sites.index, dtype=object)
    if counties is not None and len(counties):
        require_wgs84(counties, what="the counties layer")
        # A heap polygon's county is the one holding a point inside it.
        probe = sites.copy()
        polys = probe.geom_type.isin(["Polygon", "MultiPolygon"])
        if polys.any():
            probe.loc[polys, "geometry"] = probe.geometry[polys].representative_point()
        county = locate(probe, counties, name_column="name")
        rule = pd.Series(np.where(county.notna(), "inside", "none"), index=sites.index,
                         dtype=object)
        disagree = county.notna() & sites["county_given"].notna() & (
            county.astype(str) != sites["county_given"].astype(str))
        if disagree.any():
            log.warning("%d sites lie in another county than their 县区 field says; the "
                        "polygon wins (e.g. %s %s: field %s, polygon %s)", int(disagree.sum()),
                        sites.loc[disagree, "layer"].iloc[0],
                        sites.loc[disagree, "site_id"].iloc[0],
                        sites.loc[disagree, "county_given"].iloc[0],
                        county[disagree].iloc[0])
    given = county.isna() & sites["county_given"].notna()
    county = county.where(~given, sites["county_given"])
    rule = rule.where(~given, "attribute")
    return pd.DataFrame({"county": county, "county_rule": rule})


def _park_links(sites: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, *,
                near_park_m: float, to_metric) -> pd.DataFrame:
    """(site position, park position, rule, distance) for every site-park link."""
    site_pos, park_pos = polygon_hits(sites.geometry, parks.geometry)
    links = [pd.DataFrame({"pos": site_pos, "park_pos": park_pos, "park_rule": "inside",
                           "park_distance_m": 0.0})]
    can_be_near = sites["layer"].isin(NEAR_LAYERS).to_numpy()
    if near_park_m > 0 and can_be_near.any():
        near_sites = np.flatnonzero(can_be_near)
        site_m = to_metric(sites.geometry.iloc[near_sites])
        park_m = to_metric(parks.geometry)
        n_pos, p_pos = polygon_hits(site_m, park_m, predicate="dwithin", distance=near_park_m)
        pos = near_sites[n_pos]
        inside = set(zip(site_pos.tolist(), park_pos.tolist(), strict=True))
        keep = np.fromiter(((s, p) not in inside for s, p in zip(pos, p_pos, strict=True)),
                           dtype=bool, count=len(pos))
        dist = shapely.distance(np.asarray(site_m)[n_pos[keep]], np.asarray(park_m)[p_pos[keep]])
        links.append(pd.DataFrame({"pos": pos[keep], "park_pos": p_pos[keep],
                                   "park_rule": "near", "park_distance_m": dist}))
    return pd.concat(links, ignore_index=True)


def assign_sites(layers: Mapping[str, gpd.GeoDataFrame | None], *,
                 parks: gpd.GeoDataFrame | None = None,
                 counties: gpd.GeoDataFrame | None = None,
                 near_park_m: float = 1000.0) -> pd.DataFrame:
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
        The ``site_assignment`` table, sorted by layer and site id.

    Examples
    --------
    >>> table = assign_sites({"enterprises": ents, "stations": stations},  # doctest: +SKIP
    ...                      parks=parks, counties=counties, near_park_m=1000)
    """
    unknown = set(layers) - set(SITE_LAYERS)
    if unknown:
        raise SchemaError(f"Cannot assign layers {sorted(unknown)}; only "
                          f"{', '.join(SITE_LAYERS)} are assigned to counties and parks.")
    if near_park_m < 0:
        raise ValueError(f"near_park_m must be 0 or more metres, not {near_park_m}.")
    frames = [_site_frame(name, frame) for name, frame in layers.items()
              if frame is not None and len(frame)]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS})
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=frames[0].crs)
    table = pd.concat([sites[["layer", "site_id", "site_name"]],
                       _counties_of(sites, counties)], axis=1)
    table["pos"] = np.arange(len(table))

    if parks is not None and len(parks):
        require_wgs84(parks, what="the parks layer")
        parks = parks.reset_index(drop=True)
        bounds = np.r_[sites.total_bounds[[0, 2]], parks.total_bounds[[0, 2]]]
        crs = metric_crs(bounds)

        def to_metric(geoms: gpd.GeoSeries) -> np.ndarray:
            return np.asarray(gpd.GeoSeries(geoms, crs=sites.crs).to_crs(crs).values)

        links = _park_links(sites, parks, near_park_m=near_park_m, to_metric=to_metric)
        links["park_id"] = parks["id"].astype(object).to_numpy()[links["park_pos"]]
        links["park_name"] = parks["name"].astype(object).to_numpy()[links["park_pos"]]
        links = links.drop(columns="park_pos")
    else:
        links = pd.DataFrame({"pos": pd.Series(dtype="int64"), "park_rule": pd.Series(dtype=object),
                              "park_distance_m": pd.Series(dtype="float64"),
                              "park_id": pd.Series(dtype=object),
                              "park_name": pd.Series(dtype=object)})
    out = table.merge(links, on="pos", how="left")
    # Primary: inside first, then nearest, then park id for a stable tie-break.
    out["_rank_rule"] = out["park_rule"].map({"inside": 0, "near": 1}).fillna(2)
    out = out.sort_values(["pos", "_rank_rule", "park_distance_m", "park_id"],
                          na_position="last", kind="mergesort")
    out["primary"] = ~out["pos"].duplicated()
    out = out.sort_values(["layer", "site_id", "_rank_rule", "park_id"], kind="mergesort",
                          na_position="last")
    return out[COLUMNS].reset_index(drop=True)


def park_members(assignment: pd.DataFrame, layer: str, *,
                 rules: tuple[str, ...] = ("inside",)) -> pd.DataFrame:
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


def assignment_from_workspace(ws) -> pd.DataFrame:
    """Compute ``site_assignment`` from the workspace's layers and settings (not written)."""
    layers = {name: ws.read(name, required=False) for name in SITE_LAYERS}
    return assign_sites(layers, parks=ws.read("parks", required=False),
                        counties=ws.read("counties", required=False),
                        near_park_m=float(ws.settings["assignment"]["near_park_m"]))
