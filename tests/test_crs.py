import numpy as np
import pyproj
import pytest

from geoair.errors import CRSError
from geoair.io import crs


def test_gcj02_known_point():
    # The value every published implementation of the GCJ-02 formula gives.
    lon, lat = crs.wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)


def test_bd09_known_point():
    lon, lat = crs.gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036949371029, abs=1e-12)
    assert lat == pytest.approx(39.92133699351022, abs=1e-12)


def test_shift_is_hundreds_of_metres_in_shanxi():
    geod = pyproj.Geod(ellps="WGS84")
    lon, lat = crs.wgs84_to_gcj02(113.58, 37.86)
    _, _, dist = geod.inv(113.58, 37.86, lon, lat)
    assert 200 < dist < 800


def _grid_over_shanxi():
    lon, lat = np.meshgrid(np.linspace(110.2, 114.6, 45), np.linspace(34.6, 40.7, 62))
    return lon.ravel(), lat.ravel()


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
        (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    ],
)
def test_inverse_round_trips_within_half_a_metre_over_shanxi(forward, inverse):
    lon, lat = _grid_over_shanxi()
    back_lon, back_lat = inverse(*forward(lon, lat))
    _, _, error_m = pyproj.Geod(ellps="WGS84").inv(lon, lat, back_lon, back_lat)
    assert error_m.max() < 0.5
    assert error_m.max() < 0.001  # in fact better than a millimetre


def test_one_step_inverse_is_worse_than_the_iteration():
    lon, lat = _grid_over_shanxi()
    g_lon, g_lat = crs.wgs84_to_gcj02(lon, lat)
    f_lon, f_lat = crs.wgs84_to_gcj02(g_lon, g_lat)
    naive_lon, naive_lat = 2 * g_lon - f_lon, 2 * g_lat - f_lat
    geod = pyproj.Geod(ellps="WGS84")
    _, _, naive_err = geod.inv(lon, lat, naive_lon, naive_lat)
    _, _, iter_err = geod.inv(lon, lat, *crs.gcj02_to_wgs84(g_lon, g_lat))
    assert naive_err.max() > 100 * iter_err.max()


def test_shift_geometries_moves_every_vertex():
    import shapely

    line = shapely.LineString([(113.5, 37.8), (113.6, 37.9)])
    shifted = crs.shift_geometries([line], source="wgs84", target="gcj02")[0]
    expected = np.column_stack(crs.wgs84_to_gcj02([113.5, 113.6], [37.8, 37.9]))
    assert np.allclose(shapely.get_coordinates(shifted), expected)
    back = crs.shift_geometries([shifted], source="gcj02", target="wgs84")[0]
    assert np.allclose(shapely.get_coordinates(back), [(113.5, 37.8), (113.6, 37.9)], atol=1e-9)


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [
        (111.0, 4546),
        (112.49, 4546),
        (112.51, 4547),
        (114.0, 4547),
        (75.0, 4534),
        (135.0, 4554),
    ],
)
def test_gauss_kruger_zones(lon, epsg):
    assert crs.gk_zone_epsg(lon) == epsg
    params = pyproj.CRS.from_epsg(epsg).coordinate_operation.params
    central = next(p.value for p in params if "longitude" in p.name.lower())
    assert abs(central - lon) <= 1.5 + 1e-9


def test_in_china_uses_the_outline_not_a_box():
    # Yangquan; Paris; the Yellow Sea east of Shandong (inside China's bounding box).
    inside = crs.in_china([113.58, 2.35, 124.0], [37.86, 48.85, 36.0])
    assert inside.tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wgs84", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("amap", "gcj02"),
        ("百度", "bd09"),
        ("cgcs2000", "wgs84"),
    ],
)
def test_parse_coords(text, expected):
    assert crs.parse_coords(text) == expected


def test_parse_coords_epsg_and_errors():
    assert crs.parse_coords("EPSG:4547") == pyproj.CRS.from_epsg(4547)
    assert crs.parse_coords(None) is None
    with pytest.raises(CRSError, match="gcj02"):
        crs.parse_coords("mars")
