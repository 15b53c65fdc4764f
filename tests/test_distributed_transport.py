"""Frames sent to and from Dask workers as coordinate arrays come back the same."""

from __future__ import annotations

import pickle

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoair.distributed.transport import PackedFrame, pack, unpack


def _frame(geometries, **extra) -> gpd.GeoDataFrame:
    n = len(geometries)
    data = {"id": [f"R{i}" for i in range(n)], "geom": geometries, "length_m": range(n)}
    return gpd.GeoDataFrame(
        data | extra, geometry="geom", crs="EPSG:4326", index=pd.Index(range(10, 10 + n))
    )


def _trip(frame):
    return unpack(pickle.loads(pickle.dumps(pack(frame), protocol=5)))


LINES = [
    shapely.LineString([(113.5, 37.8), (113.50001, 37.80002)]),
    shapely.LineString([(1, 2), (3, 4), (5, 6)]),
]
RINGS = [shapely.Point(113.5, 37.8).buffer(0.001), shapely.box(0, 0, 1, 1)]


@pytest.mark.parametrize(
    "geometries",
    [
        LINES,
        RINGS,
        [shapely.Point(1, 2), shapely.Point(3, 4)],
        [LINES[0], shapely.MultiLineString(LINES)],  # two types: travel as objects
        [LINES[0], None],  # a missing geometry
        [LINES[0], shapely.LineString()],  # an empty one
        [shapely.Point(1, 2, 3), shapely.Point(1, 2, 4)],  # three dimensions
    ],
)
def test_a_frame_comes_back_bit_for_bit(geometries):
    frame = _frame(geometries)
    back = _trip(frame)
    assert_geodataframe_equal(back, frame, check_less_precise=False)
    assert list(back.columns) == ["id", "geom", "length_m"] and back.geometry.name == "geom"
    # the same coordinates, bit for bit (WKB holds the doubles as they are)
    assert list(shapely.to_wkb(back.geometry.values)) == list(shapely.to_wkb(frame.geometry.values))


def test_coordinates_travel_as_arrays_when_they_can():
    packed = pack(_frame(LINES))
    assert isinstance(packed, PackedFrame) and packed.ragged is not None and packed.objects is None
    mixed = pack(_frame([LINES[0], shapely.MultiLineString(LINES)]))
    assert isinstance(mixed, PackedFrame) and mixed.ragged is None


def test_a_plain_table_and_an_empty_frame_travel_as_they_are():
    table = pd.DataFrame({"a": [1, 2]})
    assert pack(table) is table and unpack(table) is table
    empty = _frame([])
    assert_geodataframe_equal(_trip(empty), empty)
