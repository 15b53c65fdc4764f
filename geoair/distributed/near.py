"""Sources near stations on a Dask cluster: the single-machine join, cell by cell.

:func:`near_sources_on` returns what :func:`geoair.sources.near.near_sources` returns.
The stations are cut into balanced cells (:mod:`geoair.distributed.tiles`); each
station belongs to one cell, and the cell's task receives, from every source layer,
the features whose bounding box meets the box of its stations grown by the radius
(plus 1 % and a metre, in degrees where a degree of longitude is shortest): every
source within the radius of one of its stations, across any cell border. A pair is
made only by the cell of its station, so none is lost or counted twice. Each task calls
``near_sources`` itself, in the Gauss-Krüger zone that the whole data would get, so
the nearest points of roads and parks are found in the same projection as on one
machine; the parts are then sorted as ``near_sources`` sorts (station, distance, kind,
source).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoair.distributed.tasks import run_tasks
from geoair.distributed.tiles import balanced_cells, cell_count, halo_box
from geoair.distributed.transport import Packed, pack, unpack
from geoair.io.crs import metric_crs
from geoair.sources.near import SOURCE_LAYERS, near_sources

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["STATIONS_PER_TASK", "near_sources_on"]


log = logging.getLogger(__name__)

#: Stations per task, about (geoair's choice).
STATIONS_PER_TASK = 2000


def _near_task(
    payload: tuple[Packed, dict[str, Packed]],
    options: dict[str, Any],
) -> pd.DataFrame:
    stations, sources = payload
    return near_sources(
        cast(gpd.GeoDataFrame, unpack(stations)),
        {layer: cast(gpd.GeoDataFrame, unpack(frame)) for layer, frame in sources.items()},
        **options,
    )


def near_sources_on(
    client: Client,
    stations: gpd.GeoDataFrame,
    sources: Mapping[str, gpd.GeoDataFrame],
    *,
    radius_m: float = 5000.0,
    lines: bool = True,
    stations_per_task: int = STATIONS_PER_TASK,
    retries: int = 2,
) -> pd.DataFrame:
    """:func:`geoair.sources.near.near_sources` on a Dask cluster, same result.

    Parameters
    ----------
    client : distributed.Client
    stations, sources, radius_m, lines
        As for ``near_sources``.
    stations_per_task : int
        About how many stations one task holds; there are also at least two tasks
        per worker.
    retries : int
        Times the scheduler reruns a task whose worker died.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
    """
    from geoair.distributed.cluster import worker_count

    # the single machine's checks (radius, coordinate system, columns) and its empty answer
    empty = near_sources(stations, {}, radius_m=radius_m, lines=lines)
    located = stations[~(stations.geometry.isna() | stations.geometry.is_empty)]
    points = located.geometry
    if len(points) and not (located.geom_type == "Point").all():
        points = points.representative_point()
    layers: dict[str, gpd.GeoDataFrame] = {}
    lon_bounds = [points.x.min(), points.x.max()] if len(points) else []
    for layer, gdf in sources.items():
        if gdf is None or len(gdf) == 0:
            continue
        near_sources(located.iloc[:0], {layer: gdf}, radius_m=radius_m)  # its CRS check
        gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
        if len(gdf):
            layers[layer] = gdf
            minx, _, maxx, _ = gdf.total_bounds
            lon_bounds += [minx, maxx]
    if len(located) == 0 or not layers:
        return empty
    crs = metric_crs(lon_bounds)
    x, y = points.x.to_numpy(), points.y.to_numpy()
    n_cells = cell_count(len(located), per_task=stations_per_task, minimum=2 * worker_count(client))
    cell = balanced_cells(x, y, n_cells)
    halo = radius_m * 1.01 + 1.0
    trees = {layer: gdf.sindex for layer, gdf in layers.items()}
    cells = np.unique(cell)

    def payloads():
        for c in cells:
            rows = np.flatnonzero(cell == c)
            grown = halo_box(x[rows].min(), y[rows].min(), x[rows].max(), y[rows].max(), halo)
            box = shapely.box(*grown)
            part = {
                layer: pack(gdf.iloc[np.sort(trees[layer].query(box))])
                for layer, gdf in layers.items()
            }
            yield pack(located.iloc[rows]), part

    log.info("near sources: %d stations in %d cells", len(located), len(cells))
    options = {"radius_m": radius_m, "lines": lines, "crs": crs}
    results = run_tasks(client, _near_task, payloads(), args=(options,), retries=retries)
    parts = [p for p in results if len(p)]
    if not parts:
        return empty
    out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    # typed as the single machine types them: one table per layer, from all its values,
    # then the layers end to end (a layer without industry gives an object column)
    by_layer = []
    for kind in dict.fromkeys(SOURCE_LAYERS.get(layer, layer) for layer in layers):
        part = out[(out["source_kind"] == kind).to_numpy()].reset_index(drop=True)
        if len(part):
            for column in part.columns:
                dtype = part[column].dtype
                if pd.api.types.is_object_dtype(dtype) or (
                    isinstance(dtype, pd.StringDtype) and part[column].isna().all()
                ):
                    part[column] = part[column].to_numpy(dtype=object)
            by_layer.append(part)
    out = by_layer[0] if len(by_layer) == 1 else pd.concat(by_layer, ignore_index=True)
    for column in ("source_id", "station_id"):
        out[column] = out[column].astype(str)
    out = out.sort_values(
        ["station_id", "distance_m", "source_kind", "source_id"], kind="stable"
    ).reset_index(drop=True)
    return out
