"""Sources near each station: geodesic distance and bearing from the station.

:func:`near_sources` lists, for each monitoring station, the enterprises, gangue
heaps, gate roads and parks within a radius, with the distance in metres and the
bearing from the station in degrees clockwise from north. Both are geodesic (WGS-84
ellipsoid, :class:`pyproj.Geod`), measured to the nearest point of the source (its
site for a point, the nearest point of its outline for a polygon or line). Candidate
pairs are found in the CGCS2000 Gauss-Krüger zone of the data with a KD-tree (points)
or an STRtree (other shapes), with a 1 % margin for the projection's scale error,
and then kept only when the geodesic distance is within the radius.
:func:`gate_road_sources` turns the ``gate_roads`` layer into one source per gate.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Literal, cast, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geoair.errors import SchemaError
from geoair.io.crs import WGS84, metric_crs, require_wgs84

__all__ = ["KIND_ZH", "NEAR_COLUMNS", "SOURCE_LAYERS", "gate_road_sources", "near_sources"]


log = logging.getLogger(__name__)

#: Workspace layers that can hold sources, and the ``source_kind`` they get.
SOURCE_LAYERS: dict[str, str] = {
    "enterprises": "enterprise",
    "gangue_heaps": "gangue_heap",
    "gate_roads": "gate_road",
    "parks": "park",
}
KIND_ZH = {"enterprise": "企业", "gangue_heap": "矸石山", "gate_road": "厂门道路", "park": "园区"}
_ID_COLUMNS = ("id", "gate_id", "source_id")
_NAME_COLUMNS = ("name", "enterprise_name", "gate_name", "road_name")
_CARRIED = ("industry", "status")
_MARGIN = 1.01
_GEOD = pyproj.Geod(ellps="WGS84")

NEAR_COLUMNS = [
    "station_id",
    "station_name",
    "source_kind",
    "source_id",
    "name",
    "industry",
    "status",
    "distance_m",
    "bearing_deg",
    "source_lon",
    "source_lat",
    "station_lon",
    "station_lat",
]


@overload
def near_sources(
    stations: gpd.GeoDataFrame,
    sources: Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float = ...,
    lines: Literal[True] = ...,
    crs: pyproj.CRS | str | None = ...,
) -> gpd.GeoDataFrame: ...
@overload
def near_sources(
    stations: gpd.GeoDataFrame,
    sources: Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float = ...,
    lines: bool,
    crs: pyproj.CRS | str | None = ...,
) -> pd.DataFrame: ...
def near_sources(
    stations: gpd.GeoDataFrame,
    sources: Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float = 5000.0,
    lines: bool = True,
    crs: pyproj.CRS | str | None = None,
) -> pd.DataFrame:
    """Sources within ``radius_m`` of each station, with distance and bearing.

    Parameters
    ----------
    stations : geopandas.GeoDataFrame
        Station points in EPSG:4326 with ``id`` and ``name``.
    sources : mapping of str to geopandas.GeoDataFrame
        Source layers keyed by workspace layer name (``"enterprises"``,
        ``"gangue_heaps"``, ``"gate_roads"``, ``"parks"``; other keys are used as
        given), each in EPSG:4326 with an id column (``id`` or ``gate_id``) and a name
        column (``name`` or ``enterprise_name``). ``industry`` and ``status`` are
        carried along when present.
    radius_m : float
        Search radius in metres (geodesic).
    lines : bool
        If True, the result is a GeoDataFrame of lines from each station to the
        nearest point of each source (for maps); else its geometry column is absent.
    crs : pyproj.CRS or str, optional
        The projected system in which candidates and the nearest points of lines and
        polygons are found; default: the Gauss-Krüger zone of the data
        (:func:`geoair.io.crs.metric_crs`). A caller that splits the data (the dask
        engine) gives the zone of the whole, so that every part measures alike.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        One row per station and source in range (:data:`NEAR_COLUMNS`): ``distance_m``
        (geodesic, to the nearest point of the source; 0 when the station is inside
        it), ``bearing_deg`` (from the station to that point, degrees clockwise from
        true north in [0, 360); NaN at distance 0), ``source_lon``/``source_lat`` (that
        point). Sorted by station and distance. Stations with no source in range
        have no row.

    Examples
    --------
    >>> near = near_sources(ws.read("stations"), {"enterprises": ws.read("enterprises")},
    ...                     radius_m=5000)                                # doctest: +SKIP
    """
    if not radius_m > 0:
        raise SchemaError(
            f"radius_m={radius_m!r}: the search radius must be a positive "
            "number of metres, e.g. 5000."
        )
    stations = _points(stations, what="the stations layer")
    frames = []
    lon_bounds = [stations.geometry.x.min(), stations.geometry.x.max()]
    prepared = {}
    for layer, gdf in sources.items():
        if gdf is None or len(gdf) == 0:
            continue
        require_wgs84(gdf, what=f"the {layer} layer")
        gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
        if len(gdf):
            prepared[layer] = gdf
            minx, _, maxx, _ = gdf.total_bounds
            lon_bounds += [minx, maxx]
    if len(stations) == 0 or not prepared:
        return _empty_near(lines)
    crs = metric_crs(lon_bounds) if crs is None else pyproj.CRS(crs)
    to_metric = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    st_lon = stations.geometry.x.to_numpy()
    st_lat = stations.geometry.y.to_numpy()
    st_xy = np.column_stack(to_metric.transform(st_lon, st_lat))
    for layer, gdf in prepared.items():
        kind = SOURCE_LAYERS.get(layer, layer)
        i_st, j_src, lon, lat = _pairs(st_xy, gdf, crs, to_metric, radius_m)
        az, _, dist = _GEOD.inv(st_lon[i_st], st_lat[i_st], lon, lat)
        dist = np.asarray(dist, dtype="float64")
        keep = dist <= radius_m
        i_st, j_src, lon, lat, dist = i_st[keep], j_src[keep], lon[keep], lat[keep], dist[keep]
        bearing = np.asarray(az, dtype="float64")[keep] % 360.0
        bearing[dist < 0.01] = np.nan
        table = pd.DataFrame(
            {
                "station_id": stations["id"].to_numpy()[i_st],
                "station_name": stations["name"].to_numpy()[i_st],
                "source_kind": kind,
                "source_id": _column(gdf, _ID_COLUMNS, layer).to_numpy()[j_src],
                "name": _column(gdf, _NAME_COLUMNS, layer).to_numpy()[j_src],
                "distance_m": np.round(dist, 1),
                "bearing_deg": np.round(bearing, 1),
                "source_lon": lon,
                "source_lat": lat,
                "station_lon": st_lon[i_st],
                "station_lat": st_lat[i_st],
            }
        )
        for column in _CARRIED:
            table[column] = (
                gdf[column].astype("object").to_numpy()[j_src] if column in gdf else None
            )
        if len(table):  # an empty table would change the columns' types in the concat
            frames.append(table[NEAR_COLUMNS])
        log.info("%s: %d station-source pairs within %g m", layer, len(table), radius_m)
    out = pd.concat(frames, ignore_index=True) if frames else _empty_near(False)
    out["source_id"] = out["source_id"].astype(str)
    out["station_id"] = out["station_id"].astype(str)
    out = out.sort_values(
        ["station_id", "distance_m", "source_kind", "source_id"], kind="stable"
    ).reset_index(drop=True)
    return _with_lines(out) if lines else out


def _points(stations: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    require_wgs84(stations, what=what)
    for column in ("id", "name"):
        if column not in stations:
            raise SchemaError(
                f"{what} has no {column!r} column; import it with geoair import "
                "stations FILE, which names the columns."
            )
    ok = ~(stations.geometry.isna() | stations.geometry.is_empty)
    if (~ok).any():
        log.warning("%d stations without coordinates left out", int((~ok).sum()))
    stations = stations[ok]
    if len(stations) and not (stations.geom_type == "Point").all():
        stations = stations.set_geometry(stations.geometry.representative_point())
    return stations


def _column(gdf: pd.DataFrame, candidates: Sequence[str], layer: str) -> pd.Series:
    for column in candidates:
        if column in gdf:
            return gdf[column]
    raise SchemaError(
        f"The {layer} layer has none of the columns {', '.join(candidates)}, "
        "so its sources cannot be named. Import it with geoair import."
    )


def _pairs(
    st_xy: np.ndarray,
    gdf: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    to_metric: pyproj.Transformer,
    radius_m: float,
):
    """Candidate (station, source) pairs and the nearest point of each source (lon, lat).

    Point sources go through a KD-tree (their nearest point is the point itself);
    other shapes through an STRtree in the projected system. The choice is made per
    feature, so a source is measured alike whatever else its layer holds.
    """
    geoms = gdf.geometry.to_numpy()
    search = radius_m * _MARGIN
    is_point = shapely.get_type_id(geoms) == 0
    found_i, found_j, found_lon, found_lat = [], [], [], []
    if is_point.any():
        idx = np.flatnonzero(is_point)
        lon = shapely.get_x(geoms[idx])
        lat = shapely.get_y(geoms[idx])
        src_xy = np.column_stack(to_metric.transform(lon, lat))
        found = cKDTree(st_xy).sparse_distance_matrix(
            cKDTree(src_xy), search, output_type="ndarray"
        )
        j = found["j"].astype("int64")
        found_i.append(found["i"].astype("int64"))
        found_j.append(idx[j])
        found_lon.append(lon[j])
        found_lat.append(lat[j])
    if (~is_point).any():
        idx = np.flatnonzero(~is_point)
        metric = gpd.GeoSeries(geoms[idx], crs=WGS84).to_crs(crs).to_numpy()
        st_pts = cast(NDArray[np.object_], shapely.points(st_xy))  # one point per station
        tree = shapely.STRtree(metric)
        i_st, j_src = tree.query(st_pts, predicate="dwithin", distance=search)
        nearest = shapely.get_point(shapely.shortest_line(st_pts[i_st], metric[j_src]), 1)
        back = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
        lon, lat = back.transform(shapely.get_x(nearest), shapely.get_y(nearest))
        found_i.append(i_st.astype("int64"))
        found_j.append(idx[j_src].astype("int64"))
        found_lon.append(np.asarray(lon, dtype="float64"))
        found_lat.append(np.asarray(lat, dtype="float64"))
    return (
        np.concatenate(found_i),
        np.concatenate(found_j),
        np.concatenate(found_lon),
        np.concatenate(found_lat),
    )


def _empty_near(lines: bool) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            c: pd.Series(
                dtype="float64" if c.endswith(("_m", "_deg", "_lon", "_lat")) else "object"
            )
            for c in NEAR_COLUMNS
        }
    )
    return _with_lines(out) if lines else out


def _with_lines(table: pd.DataFrame) -> gpd.GeoDataFrame:
    start = np.column_stack(
        [table["station_lon"].to_numpy("float64"), table["station_lat"].to_numpy("float64")]
    )
    end = np.column_stack(
        [table["source_lon"].to_numpy("float64"), table["source_lat"].to_numpy("float64")]
    )
    coords = np.stack([start, end], axis=1)
    geoms = shapely.linestrings(coords) if len(table) else np.array([], dtype=object)
    return gpd.GeoDataFrame(table, geometry=geoms, crs=WGS84)


def gate_road_sources(
    gate_roads: gpd.GeoDataFrame, enterprises: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """One source per factory gate from the gate-road stretches (``gate_roads`` layer).

    The stretches of a gate are merged into one geometry (``id`` = gate id, ``name`` =
    ``"企业名称(门名)道路"``, or ``"企业名称道路"`` without a gate name), and the
    enterprise's ``industry`` and ``status`` are attached through ``enterprise_id``, so
    that a suspect gate road names its factory.
    """
    if "gate_id" not in gate_roads or len(gate_roads) == 0:
        return gate_roads
    frame = gate_roads[~(gate_roads.geometry.isna() | gate_roads.geometry.is_empty)]
    keys = frame["gate_id"].astype(str)
    # pandas-stubs takes no geometries as the values of a grouped Series; pandas does
    merged = frame.geometry.groupby(keys.to_numpy(), sort=True).agg(  # type: ignore[type-var]
        lambda geoms: shapely.union_all(np.asarray(geoms))
    )
    first = frame.assign(gate_id=keys).drop_duplicates("gate_id").set_index("gate_id")
    first = first.loc[merged.index]

    def text(column: str) -> pd.Series:
        if column not in first:
            return pd.Series("", index=first.index)
        return first[column].astype("object").where(first[column].notna(), "").astype(str)

    out = gpd.GeoDataFrame(
        {
            "id": merged.index.astype(str),
            "name": (
                text("enterprise_name")
                + ("(" + text("gate_name") + ")").where(text("gate_name") != "", "")
                + "道路"
            ).to_numpy(),
            "enterprise_id": text("enterprise_id").to_numpy(),
        },
        geometry=np.asarray(merged),
        crs=gate_roads.crs,
    )
    if enterprises is not None and "id" in enterprises:
        lookup = pd.DataFrame(enterprises).drop_duplicates("id")
        lookup.index = lookup["id"].astype(str)
        for column in _CARRIED:
            if column in lookup:
                out[column] = out["enterprise_id"].map(lookup[column]).to_numpy()
    return out
