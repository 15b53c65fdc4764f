"""Geometry frames sent to and from Dask workers as coordinate arrays, not objects.

Dask pickles what a task takes and returns. A GeoDataFrame pickles each geometry as
its own WKB object, which for the gate roads' payloads (1e6 road segments, 1e5 gates)
and results (1e5 drawn circles) cost more than the work. :func:`pack` turns the
geometry column into shapely's ragged arrays (coordinates and offsets: plain numpy
arrays, which pickle as one block of memory) and :func:`unpack` builds it back, the
same coordinates bit for bit. A column that cannot travel that way (several geometry
types, missing or empty geometries, three dimensions) travels as objects, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["Packed", "PackedFrame", "pack", "unpack"]


@dataclass(frozen=True)
class PackedFrame:
    """A GeoDataFrame taken apart for the trip: its other columns, its geometry."""

    attributes: pd.DataFrame
    columns: list[Any]
    geometry_column: Any
    crs: Any
    ragged: tuple[Any, np.ndarray, tuple[np.ndarray, ...]] | None
    objects: np.ndarray | None


#: What :func:`pack` gives: a GeoDataFrame taken apart, or a plain frame as it was.
Packed = PackedFrame | pd.DataFrame


def _ragged(geometries: np.ndarray) -> tuple[Any, np.ndarray, tuple[np.ndarray, ...]] | None:
    if len(geometries) == 0 or shapely.is_missing(geometries).any():
        return None
    if len(np.unique(shapely.get_type_id(geometries))) != 1:
        return None  # from_ragged_array would make every geometry a multi-part one
    if shapely.is_empty(geometries).any() or shapely.has_z(geometries).any():
        return None
    kind, coordinates, offsets = shapely.to_ragged_array(geometries)
    return kind, coordinates, offsets


def pack(frame: pd.DataFrame) -> Packed:
    """``frame`` ready to be pickled fast; a frame without geometry comes back as it is."""
    if (
        not isinstance(frame, gpd.GeoDataFrame)
        or frame.geometry.name not in frame
        or not frame.columns.is_unique
    ):
        return frame
    name = frame.geometry.name
    geometries = frame.geometry.to_numpy()
    ragged = _ragged(geometries)
    return PackedFrame(
        attributes=pd.DataFrame(frame.drop(columns=name)),
        columns=list(frame.columns),
        geometry_column=name,
        crs=frame.crs,
        ragged=ragged,
        objects=None if ragged is not None else geometries,
    )


def unpack(packed: Packed) -> pd.DataFrame:
    """The GeoDataFrame :func:`pack` took apart (a plain frame comes back as it is)."""
    if not isinstance(packed, PackedFrame):
        return packed
    geometries = (
        shapely.from_ragged_array(*packed.ragged) if packed.ragged is not None else packed.objects
    )
    series = gpd.GeoSeries(geometries, index=packed.attributes.index, crs=packed.crs)
    columns = {name: packed.attributes[name] for name in packed.attributes.columns}
    columns[packed.geometry_column] = series
    frame = pd.DataFrame({name: columns[name] for name in packed.columns}, index=series.index)
    return gpd.GeoDataFrame(frame, geometry=packed.geometry_column, crs=packed.crs)
