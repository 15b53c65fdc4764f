"""Interpolated surfaces: station values to a GeoTIFF by inverse distance weighting.

A month's station values (PM2.5 and the other pollutants from ``station_monthly``;
dustfall from the dustfall readings) are spread over the counties' extent on a grid
of ``cell_m`` metres in the CGCS2000 Gauss-Krüger zone of the data
(:func:`geoair.io.crs.metric_crs_for`). Each cell centre takes

    z = Σ w_i z_i / Σ w_i,   w_i = 1 / d_i^power

over its ``k`` nearest stations (scipy ``cKDTree``; power 2 and k 12 by default,
``[surface]`` in geoair.toml). IDW passes through the stations: a cell centre on a
station takes its value, and the cell that holds a station is given that station's
value (the mean, if it holds several), so the map shows the measured value where it
was measured. Cells outside every county are nodata.

The GeoTIFF is float32 with nodata, tiled and compressed, with overviews, and tags
saying the pollutant, period, unit, method and how many stations it rests on. Zonal
statistics (mean, min, max, cell count) per county and park go into the workspace as
``surface_zones`` (a polygon layer, one row per zone, pollutant and period).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geoair.errors import SurfaceError, WorkspaceError
from geoair.io.crs import metric_crs_for
from geoair.io.paths import child
from geoair.messages import say_unit, t, word
from geoair.store.tempfiles import atomic_path

__all__ = [
    "NODATA",
    "POLLUTANTS",
    "Surface",
    "ZONES_LAYER",
    "cell_centres",
    "grid_for",
    "idw",
    "interpolate",
    "make_surface",
    "pollutant_key",
    "station_values",
    "surface_name",
    "write_geotiff",
    "zonal_stats",
]


log = logging.getLogger(__name__)

NODATA = -9999.0
ZONES_LAYER = "surface_zones"
# Pollutant as typed -> (column of station_monthly, unit, label).
POLLUTANTS: dict[str, tuple[str, str, str]] = {
    "pm25": ("PM2.5", "µg/m³", "PM2.5 月均浓度"),
    "pm10": ("PM10", "µg/m³", "PM10 月均浓度"),
    "so2": ("SO2", "µg/m³", "SO2 月均浓度"),
    "no2": ("NO2", "µg/m³", "NO2 月均浓度"),
    "co": ("CO_p95", "mg/m³", "CO 日均值第95百分位数"),
    "o3": ("O3_8h_p90", "µg/m³", "O3 日最大8小时均值第90百分位数"),
    "dustfall": ("dustfall_t_km2", "t/(km²·月)", "降尘量"),
}
_POLLUTANT_ALIASES = {
    "pm2.5": "pm25",
    "降尘": "dustfall",
    "降尘量": "dustfall",
    "co_p95": "co",
    "o3_8h_p90": "o3",
    "o3_8h": "o3",
}
_CHUNK = 65_536  # cells per IDW chunk: bounds memory to ~k × 24 bytes × chunk
_Extent = tuple[float, float, float, float]  # minx, miny, maxx, maxy, as total_bounds


@dataclass
class Surface:
    """An interpolated grid and what it rests on.

    Attributes
    ----------
    values : ndarray of float32, shape (rows, cols)
        Cell values, :data:`NODATA` outside the counties.
    transform : affine.Affine
        Pixel-to-map transform (north up) in ``crs``.
    crs : pyproj.CRS
        The metric CRS of the grid.
    n_stations : int
        Stations with a value for the period.
    pollutant, period, unit : str
    """

    values: NDArray[np.float32]
    transform: object
    crs: pyproj.CRS
    n_stations: int
    pollutant: str
    period: str
    unit: str
    power: float
    k: int

    @property
    def summary(self) -> str:
        """One honest sentence about the surface."""
        valid = self.values[self.values != NODATA]
        rng = (
            f"{valid.min():.1f}-{valid.max():.1f} {say_unit(self.unit)}"
            if valid.size
            else t("reports.no_cell")
        )
        return t(
            "reports.surface_summary",
            pollutant=word("metric", self.pollutant)
            if self.pollutant == "dustfall"
            else self.pollutant,
            period=self.period,
            power=self.power,
            k=min(self.k, self.n_stations),
            cols=self.values.shape[1],
            rows=self.values.shape[0],
            range=rng,
            n=self.n_stations,
        )


def pollutant_key(text: str) -> str:
    """Normalise a pollutant as typed (PM2.5, pm25, 降尘...) to a key of :data:`POLLUTANTS`."""
    key = text.strip().lower()
    key = _POLLUTANT_ALIASES.get(key, key)
    if key not in POLLUTANTS:
        raise SurfaceError(t("error.surface.pollutant", text=text))
    return key


def surface_name(key: str) -> str:
    """The pollutant as written in tags, file names and ``surface_zones``: PM2.5, dustfall..."""
    return "dustfall" if key == "dustfall" else POLLUTANTS[key][0]


def idw(
    station_xy: NDArray,
    station_values: NDArray,
    cell_xy: NDArray,
    *,
    power: float = 2.0,
    k: int = 12,
    workers: int = 1,
) -> NDArray[np.float64]:
    """Inverse-distance-weighted values at ``cell_xy`` from the ``k`` nearest stations.

    Parameters
    ----------
    station_xy : ndarray, shape (n, 2)
        Station coordinates in metres.
    station_values : ndarray, shape (n,)
        Their values (no NaN).
    cell_xy : ndarray, shape (m, 2)
        Where to interpolate, metres.
    power : float
        Weight = 1 / distance**power.
    k : int
        Nearest stations used (all if fewer).
    workers : int
        Threads for the KD-tree query (-1: all cores).

    Returns
    -------
    ndarray, shape (m,)
        Exactly the station value where a point coincides with a station (the mean of
        coinciding stations).

    Examples
    --------
    >>> idw(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([10.0, 40.0]),
    ...     np.array([[0.0, 0.0], [5.0, 0.0], [2.0, 0.0]]))
    array([10.  , 25.  , 11.76470588])
    """
    xy = np.asarray(station_xy, dtype="float64")
    z = np.asarray(station_values, dtype="float64")
    cells = np.asarray(cell_xy, dtype="float64")
    if len(xy) == 0:
        raise SurfaceError(t("error.surface.no_stations"))
    k = int(min(k, len(xy)))
    tree = cKDTree(xy)
    out = np.empty(len(cells), dtype="float64")
    for start in range(0, len(cells), _CHUNK):
        part = cells[start : start + _CHUNK]
        dist, idx = cast(  # arrays, as part holds several points
            tuple[NDArray[np.float64], NDArray[np.intp]], tree.query(part, k=k, workers=workers)
        )
        if k == 1:
            dist, idx = dist[:, None], idx[:, None]
        hit = dist[:, 0] == 0.0  # distances come sorted: only the nearest can be zero
        exact = dist[hit] == 0.0
        # Weights in place, in the distance array: 1 / d**power.
        with np.errstate(divide="ignore"):
            if power == 2.0:
                np.multiply(dist, dist, out=dist)
            else:
                np.power(dist, power, out=dist)
            np.divide(1.0, dist, out=dist)
        if hit.any():  # a cell centre on a station: that station (mean of coinciding ones)
            dist[hit] = exact
        values = z[idx]
        total = dist.sum(axis=1)
        np.multiply(values, dist, out=values)
        out[start : start + len(part)] = values.sum(axis=1) / total
    return out


def grid_for(extent: tuple[float, float, float, float], *, cell_m: float, margin_m: float = 0.0):
    """A north-up grid covering ``extent`` (minx, miny, maxx, maxy in metres).

    The origin is snapped to a multiple of ``cell_m``, so grids of the same cell size
    line up from month to month.

    Returns
    -------
    (transform, rows, cols)
    """
    from affine import Affine

    if cell_m <= 0:
        raise SurfaceError(f"--cell must be a positive number of metres, not {cell_m}.")
    minx, miny, maxx, maxy = extent
    eps = 1e-6  # of a cell: reprojection round-off must not add a row of cells
    minx = np.floor((minx - margin_m) / cell_m + eps) * cell_m
    miny = np.floor((miny - margin_m) / cell_m + eps) * cell_m
    maxx = np.ceil((maxx + margin_m) / cell_m - eps) * cell_m
    maxy = np.ceil((maxy + margin_m) / cell_m - eps) * cell_m
    cols = max(int(round((maxx - minx) / cell_m)), 1)
    rows = max(int(round((maxy - miny) / cell_m)), 1)
    if rows * cols > 50_000_000:
        raise SurfaceError(
            f"A {cell_m:g} m grid over this area has {rows * cols:,} cells, "
            "too many for one file. Give a larger --cell."
        )
    # Built directly: rasterio's from_origin multiplies Affines, which affine 3 deprecates.
    return Affine(float(cell_m), 0.0, float(minx), 0.0, -float(cell_m), float(maxy)), rows, cols


def cell_centres(transform, rows: int, cols: int) -> NDArray[np.float64]:
    """Centre coordinates of every cell, row by row, shape (rows*cols, 2)."""
    xs = transform.c + (np.arange(cols) + 0.5) * transform.a
    ys = transform.f + (np.arange(rows) + 0.5) * transform.e
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def interpolate(
    stations: gpd.GeoDataFrame,
    *,
    value_column: str = "value",
    area: gpd.GeoDataFrame | None = None,
    cell_m: float = 500.0,
    power: float = 2.0,
    k: int = 12,
    margin_m: float = 1000.0,
    pollutant: str = "",
    period: str = "",
    unit: str = "",
) -> Surface:
    """IDW surface of ``stations[value_column]`` over ``area`` (counties).

    Parameters
    ----------
    stations : GeoDataFrame
        Points in EPSG:4326 with the value column; rows without a value are ignored.
    area : GeoDataFrame, optional
        Polygons (EPSG:4326) giving the extent; cells outside them are nodata. Default:
        the stations' extent plus ``margin_m``, every cell kept.
    cell_m, power, k, margin_m : float, float, int, float
        Grid and IDW settings (``[surface]`` in geoair.toml).

    Returns
    -------
    Surface
    """
    from rasterio.features import geometry_mask

    points = stations[stations[value_column].notna() & stations.geometry.notna()]
    if points.empty:
        raise SurfaceError(
            f"No station has a {pollutant or value_column} value for "
            f"{period or 'the period'}, so there is nothing to interpolate."
        )
    crs = metric_crs_for(area if area is not None and len(area) else points)
    metric = points.to_crs(crs)
    xy = shapely.get_coordinates(metric.geometry.values)
    z = metric[value_column].to_numpy(dtype="float64")
    if area is not None and len(area):
        zones = area.to_crs(crs)
        transform, rows, cols = grid_for(
            cast(_Extent, tuple(zones.total_bounds)), cell_m=cell_m, margin_m=margin_m
        )
    else:
        zones = None
        transform, rows, cols = grid_for(
            cast(_Extent, tuple(metric.total_bounds)), cell_m=cell_m, margin_m=margin_m
        )
    grid = idw(xy, z, cell_centres(transform, rows, cols), power=power, k=k).reshape(rows, cols)
    # The cell that holds a station shows that station's value (mean of several).
    col = np.floor((xy[:, 0] - transform.c) / transform.a).astype(int)
    row = np.floor((xy[:, 1] - transform.f) / transform.e).astype(int)
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    flat = row[inside] * cols + col[inside]
    sums = np.bincount(flat, weights=z[inside], minlength=rows * cols)
    counts = np.bincount(flat, minlength=rows * cols)
    held = counts > 0
    grid.ravel()[held] = sums[held] / counts[held]
    if zones is not None:
        outside = geometry_mask(zones.geometry.values, out_shape=(rows, cols), transform=transform)
        grid[outside] = NODATA
    n = len(points)
    if n < 3:
        log.warning("the %s surface for %s rests on only %d station(s)", pollutant, period, n)
    return Surface(grid.astype("float32"), transform, crs, n, pollutant, period, unit, power, k)


def write_geotiff(surface: Surface, path: Path | str) -> Path:
    """Write ``surface`` as a tiled, compressed GeoTIFF with overviews, atomically.

    Raises
    ------
    OutputError
        The path cannot be written.
    """
    import rasterio
    from rasterio.enums import Resampling

    path = Path(path)
    if path.suffix.lower() not in {".tif", ".tiff"}:
        path = path.with_name(path.name + ".tif")
    rows, cols = surface.values.shape
    profile = {
        "driver": "GTiff",
        "height": rows,
        "width": cols,
        "count": 1,
        "dtype": "float32",
        "crs": rasterio.crs.CRS.from_wkt(surface.crs.to_wkt()),
        "transform": surface.transform,
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
    }
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(surface.values, 1)
        dst.update_tags(
            pollutant=surface.pollutant,
            period=surface.period,
            unit=surface.unit,
            method="IDW",
            idw_power=f"{surface.power:g}",
            idw_k=str(surface.k),
            n_stations=str(surface.n_stations),
            summary=surface.summary,
        )
        dst.set_band_description(1, f"{surface.pollutant} {surface.period}")
        factors = [f for f in (2, 4, 8, 16, 32) if min(rows, cols) // f >= 1]
        if factors:
            dst.build_overviews(factors, Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")
    log.info("wrote %s", path)
    return path


def zonal_stats(
    surface: Surface,
    zones: gpd.GeoDataFrame,
    *,
    kind: str,
    stations: gpd.GeoDataFrame | None = None,
    value_column: str = "value",
) -> gpd.GeoDataFrame:
    """Mean, min, max and cell count of ``surface`` in each zone (cell centres inside).

    A zone smaller than a cell (no cell centre inside it) is given the IDW value at its
    representative point, with ``cells`` 0.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons in EPSG:4326 with a ``name`` column.
    kind : str
        ``县区`` or ``园区``, written in column ``zone_kind``.
    stations : GeoDataFrame, optional
        The stations with values, for the small-zone fallback and ``stations_inside``.

    Returns
    -------
    GeoDataFrame
        ``zone_kind, zone, pollutant, period, unit, mean, min, max, cells,
        stations_inside, n_stations`` and the zone polygons (EPSG:4326).
    """
    from rasterio.features import rasterize

    rows, cols = surface.values.shape
    metric = zones.to_crs(surface.crs)
    labels = rasterize(
        (
            (geom, i + 1)
            for i, geom in enumerate(metric.geometry.values)
            if geom is not None and not geom.is_empty
        ),
        out_shape=(rows, cols),
        transform=surface.transform,
        fill=0,
        dtype="int32",
    )
    values = surface.values.ravel().astype("float64")
    flat = labels.ravel()
    ok = (values != NODATA) & (flat > 0)
    n = len(zones) + 1
    counts = np.bincount(flat[ok], minlength=n)
    sums = np.bincount(flat[ok], weights=values[ok], minlength=n)
    mins = np.full(n, np.inf)
    maxs = np.full(n, -np.inf)
    np.minimum.at(mins, flat[ok], values[ok])
    np.maximum.at(maxs, flat[ok], values[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)[1:]
    mins, maxs, counts = mins[1:], maxs[1:], counts[1:]
    mins[counts == 0] = np.nan
    maxs[counts == 0] = np.nan
    inside = np.zeros(len(zones), dtype="int64")
    if stations is not None and len(stations):
        pts = stations[stations[value_column].notna()]
        if len(pts):
            metric_pts = pts.to_crs(surface.crs)
            xy = shapely.get_coordinates(metric_pts.geometry.values)
            tree = shapely.STRtree(metric.geometry.values)
            _, hit = tree.query(metric_pts.geometry.values, predicate="within")
            inside = np.bincount(hit, minlength=len(zones))
            small = np.flatnonzero(counts == 0)
            if small.size:
                where = shapely.get_coordinates(
                    shapely.point_on_surface(metric.geometry.values[small])
                )
                fill = idw(
                    xy,
                    metric_pts[value_column].to_numpy(float),
                    where,
                    power=surface.power,
                    k=surface.k,
                )
                mean[small] = mins[small] = maxs[small] = fill
    out = gpd.GeoDataFrame(
        {
            "zone_kind": kind,
            "zone": zones["name"].astype(str).to_numpy()
            if "name" in zones
            else [str(i) for i in range(len(zones))],
            "pollutant": surface.pollutant,
            "period": surface.period,
            "unit": surface.unit,
            "mean": np.round(mean, 2),
            "min": np.round(mins, 2),
            "max": np.round(maxs, 2),
            "cells": counts.astype("int64"),
            "stations_inside": inside.astype("int64"),
            "n_stations": surface.n_stations,
        },
        geometry=zones.geometry.to_crs(4326).values,
        crs="EPSG:4326",
    )
    return out


# --- workspace -------------------------------------------------------------------------------


def _pick(frame: pd.DataFrame, *names: str) -> str | None:
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[n.lower()] for n in names if n.lower() in lower), None)


def _check_period(period: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}", period or ""):
        raise SurfaceError(t("error.surface.period", period=period))
    return period


def _dustfall_table(ws) -> pd.DataFrame | None:
    if ws.has("dustfall"):
        return ws.read("dustfall")
    files = [p for p in sorted(ws.readings_dir.rglob("*.parquet")) if "dustfall" in str(p)]
    if not files:
        return None
    return pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)


def station_values(ws, pollutant: str, period: str) -> tuple[gpd.GeoDataFrame, str, str]:
    """Stations with column ``value``: the pollutant's value for ``period`` ("2024-01").

    Returns
    -------
    (stations, label, unit)

    Raises
    ------
    WorkspaceError
        The stations layer or the monthly values are missing (says which command makes them).
    SurfaceError
        No station has a value for the period.
    """
    key = pollutant_key(pollutant)
    column, unit, label = POLLUTANTS[key]
    _check_period(period)
    stations = ws.read("stations")
    if key == "dustfall":
        table = _dustfall_table(ws)
        if table is None:
            raise WorkspaceError(t("error.surface.no_dustfall"))
    else:
        if not ws.has("station_monthly"):
            raise WorkspaceError(t("error.surface.no_monthly"))
        table = ws.read("station_monthly")
    id_col = _pick(table, "station_id", "station", "id")
    month_col = _pick(table, "month", "period")
    value_col = (
        _pick(table, column, "value")
        if key != "dustfall"
        else _pick(table, "dustfall_t_km2", "dustfall", "value")
    )
    pollutant_col = _pick(table, "pollutant")
    if id_col is None or month_col is None or value_col is None:
        raise WorkspaceError(
            f"The {column} values in the workspace lack a station, month or "
            "value column; recompute them with geoair indicators."
        )
    rows = table[table[month_col].astype(str).str[:7] == period]
    if pollutant_col is not None and value_col == _pick(table, "value"):
        rows = rows[rows[pollutant_col].astype(str).str.lower().isin({column.lower(), key})]
    values = (
        pd.DataFrame(
            {
                "id": rows[id_col].astype(str),
                "value": pd.to_numeric(rows[value_col], errors="coerce"),
            }
        )
        .dropna()
        .groupby("id", as_index=False)["value"]
        .mean()
    )
    out = stations.assign(id=stations["id"].astype(str)).merge(values, on="id", how="inner")
    if out.empty:
        months = sorted(set(table[month_col].astype(str).str[:7]))
        have = t("error.surface.has_months", first=months[0], last=months[-1]) if months else ""
        raise SurfaceError(t("error.surface.no_values", label=label, period=period, have=have))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=stations.crs), label, unit


def make_surface(
    ws, pollutant: str, *, period: str, cell_m: float | None = None, out: Path | str | None = None
) -> tuple[Surface, Path, gpd.GeoDataFrame]:
    """Interpolate, write the GeoTIFF and store zonal statistics in ``surface_zones``.

    Returns
    -------
    (surface, tif_path, zones)
    """
    settings = ws.settings.surface
    key = pollutant_key(pollutant)
    points, label, unit = station_values(ws, pollutant, period)
    counties = ws.read("counties", required=False)
    surface = interpolate(
        points,
        area=counties,
        cell_m=cell_m or settings.cell_m,
        power=settings.idw_power,
        k=settings.idw_k,
        margin_m=settings.margin_m,
        pollutant=surface_name(key),
        period=period,
        unit=unit,
    )
    name = surface_name(key).replace(".", "")
    path = (
        Path(out)
        if out is not None
        else child(ws.outputs_dir, f"surface_{name}_{period}", suffix=".tif")
    )
    path = write_geotiff(surface, path)
    parts = []
    for layer, kind in (("counties", "县区"), ("parks", "园区")):
        zones = ws.read(layer, required=False)
        if zones is not None and len(zones):
            parts.append(zonal_stats(surface, zones, kind=kind, stations=points))
    zones_out = (
        gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
        if parts
        else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    )
    if parts:
        # Only this pollutant and period's rows are replaced, read and written under the lock.
        with ws.transaction() as tx:
            tx.replace_part(
                ZONES_LAYER,
                zones_out,
                ["pollutant", "period"],
                part={"pollutant": [surface.pollutant], "period": [period]},
            )
    return surface, path, zones_out
