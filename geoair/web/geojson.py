"""A workspace layer as GeoJSON (RFC 7946), fast enough for 50,000 features a request.

``GET /api/layers/{name}`` answers with this. The obvious way,
``GeoDataFrame.to_json()``, builds one Python dict per feature and per geometry; here
the geometries are written by GEOS in one vectorised call (:func:`shapely.to_geojson`,
coordinates rounded to 7 decimals, about 1 cm), the properties by pandas' C JSON
writer (``to_json(orient="records", lines=True)``), and the two are joined line by
line. Polygons are oriented as RFC 7946 asks (exterior rings counter-clockwise). A
table without geometry gives features with ``"geometry": null``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geoair.store.workspace import Workspace

__all__ = ["DECIMALS", "frame_geojson", "layer_geojson"]

DECIMALS = 7  # RFC 7946 §11.2: more precision than this is noise for WGS-84 data


def _properties(frame: pd.DataFrame) -> list[str]:
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    table = frame.copy()
    for column in table.columns:
        series = table[column]
        if isinstance(series.dtype, pd.BooleanDtype):
            table[column] = series.astype(object).where(series.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = series.dt.tz_localize(None) if series.dt.tz is not None else series
            clean = values.dropna()
            fmt = "%Y-%m-%d" if (clean == clean.dt.normalize()).all() else "%Y-%m-%dT%H:%M:%S"
            table[column] = values.dt.strftime(fmt).astype(object).where(values.notna(), None)
        elif series.dtype == object:
            table[column] = series.map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    text = table.to_json(
        orient="records", lines=True, force_ascii=False, double_precision=10, date_unit="s"
    )
    return text.rstrip("\n").split("\n") if len(table) else []


def frame_geojson(frame: pd.DataFrame) -> bytes:
    """A (Geo)DataFrame in EPSG:4326 as a GeoJSON FeatureCollection, UTF-8 bytes."""
    geometry = frame.geometry.name if hasattr(frame, "geometry") and "geometry" in frame else None
    properties = _properties(
        pd.DataFrame(frame.drop(columns=[geometry])) if geometry else pd.DataFrame(frame)
    )
    if geometry is not None:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        rounded = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
        if np.isin(shapely.get_type_id(rounded), (3, 6)).any():  # RFC 7946 §3.1.6
            rounded = shapely.orient_polygons(rounded, exterior_cw=False)
        shapes = shapely.to_geojson(rounded)
        shapes = np.where(pd.isna(shapes), "null", shapes).tolist()
    else:
        shapes = ["null"] * len(frame)
    features = ",".join(
        f'{{"type":"Feature","id":{i},"geometry":{g},"properties":{p}}}'
        for i, (g, p) in enumerate(zip(shapes, properties, strict=True), start=1)
    )
    return ('{"type":"FeatureCollection","features":[' + features + "]}").encode("utf-8")


def layer_geojson(ws: Workspace, name: str) -> bytes:
    """Workspace layer (or table) ``name`` as GeoJSON bytes (see :func:`frame_geojson`)."""
    return frame_geojson(ws.read(name))
