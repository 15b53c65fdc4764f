"""Tests of geoair.reports.surface: IDW exact at stations, hand-checked between, GeoTIFF."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from shapely.geometry import Point, box

from geoair.errors import SurfaceError
from geoair.messages import use_language
from geoair.reports.surface import (
    NODATA,
    Surface,
    grid_for,
    idw,
    interpolate,
    make_surface,
    pollutant_key,
    write_geotiff,
    zonal_stats,
)
from geoair.store.open import init_workspace

GK = pyproj.CRS.from_epsg(4547)  # CGCS2000 Gauss-Krüger 114°E, Yangquan's zone


def _to_wgs(x, y):
    return gpd.GeoSeries([Point(x, y)], crs=GK).to_crs(4326).iloc[0]


@pytest.fixture
def layers():
    """Two 10 km square counties side by side and a small park, in metres turned to WGS-84."""
    x0, y0 = 400_000.0, 4_190_000.0
    counties = gpd.GeoDataFrame(
        {"code": ["140311", "140321"], "name": ["郊区", "平定县"]},
        geometry=[
            box(x0, y0, x0 + 10_000, y0 + 10_000),
            box(x0 + 10_000, y0, x0 + 20_000, y0 + 10_000),
        ],
        crs=GK,
    ).to_crs(4326)
    parks = gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["小园区", "微园区"]},
        geometry=[
            box(x0 + 2_000, y0 + 2_000, x0 + 2_300, y0 + 2_300),
            box(x0 + 2_260, y0 + 2_260, x0 + 2_400, y0 + 2_400),
        ],
        crs=GK,
    ).to_crs(4326)
    spots = [(x0 + 2_250, y0 + 2_250), (x0 + 7_750, y0 + 7_750), (x0 + 15_250, y0 + 5_250)]
    stations = gpd.GeoDataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "name": ["甲站", "乙站", "丙站"],
            "kind": ["国控"] * 3,
            "county": ["郊区", "郊区", "平定县"],
        },
        geometry=[_to_wgs(*p) for p in spots],
        crs="EPSG:4326",
    )
    monthly = pd.DataFrame(
        {
            "station_id": ["S1", "S2", "S3", "S1"],
            "period": ["2024-01", "2024-01", "2024-01", "2024-02"],
            "PM2.5": [40.0, 80.0, 60.0, 50.0],
        }
    )
    return counties, parks, stations, monthly


def test_idw_by_hand():
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 20.0]])
    z = np.array([10.0, 40.0, 70.0])
    cells = np.array([[10.0, 0.0], [5.0, 0.0], [3.0, 4.0]])
    got = idw(xy, z, cells, power=2, k=3)
    assert got[0] == 40.0  # exact at a station
    # (5,0): d² = 25, 25, 425
    w = np.array([1 / 25, 1 / 25, 1 / 425])
    assert got[1] == pytest.approx((w @ z) / w.sum(), rel=1e-12)
    # (3,4): d² = 25, 65, 265; with k=2 only the two nearest count
    got2 = idw(xy, z, cells[2:], power=2, k=2)
    w2 = np.array([1 / 25, 1 / 65])
    assert got2[0] == pytest.approx((w2 @ z[:2]) / w2.sum(), rel=1e-12)
    got1 = idw(xy, z, cells[2:], power=1, k=3)
    w1 = 1 / np.array([5.0, np.sqrt(65), np.sqrt(265)])
    assert got1[0] == pytest.approx((w1 @ z) / w1.sum(), rel=1e-12)
    with pytest.raises(SurfaceError):
        idw(xy[:0], z[:0], cells)


def test_grid_snaps_to_cell():
    transform, rows, cols = grid_for((1_234.0, 5_678.0, 3_001.0, 6_999.0), cell_m=500)
    assert (transform.c, transform.f, rows, cols) == (1_000.0, 7_000.0, 3, 5)
    with pytest.raises(SurfaceError, match="positive"):
        grid_for((0, 0, 1, 1), cell_m=0)


def test_interpolate_exact_and_between(layers):
    counties, _, stations, monthly = layers
    values = stations.merge(
        monthly[monthly.period == "2024-01"], left_on="id", right_on="station_id"
    )
    surface = interpolate(
        values, value_column="PM2.5", area=counties, cell_m=500, power=2, k=12, margin_m=0
    )
    assert surface.crs.to_epsg() == 4547
    assert surface.n_stations == 3
    assert surface.values.shape == (20, 40)
    t = surface.transform
    assert (t.c, t.f) == (400_000.0, 4_200_000.0)
    # Each station sits at a cell centre: its cell holds its value exactly.
    for (x, y), want in [
        ((402_250, 4_192_250), 40.0),
        ((407_750, 4_197_750), 80.0),
        ((415_250, 4_195_250), 60.0),
    ]:
        row, col = int((t.f - y) // 500), int((x - t.c) // 500)
        assert surface.values[row, col] == pytest.approx(want)
    # Cell centre (405 250, 4 195 250), between the stations: hand computation.
    d2 = np.array([3000**2 * 2, 2500**2 * 2, 10000**2])
    w = 1 / d2
    want = (w @ np.array([40.0, 80.0, 60.0])) / w.sum()
    row, col = int((t.f - 4_195_250) // 500), int((405_250 - t.c) // 500)
    assert surface.values[row, col] == pytest.approx(want, rel=1e-6)
    assert "依据 3 个站点" in surface.summary
    with use_language("en"):
        assert "rests on 3 station(s)" in surface.summary


def test_station_off_centre_keeps_its_value(layers):
    counties, _, stations, _ = layers
    moved = stations.copy()
    moved["geometry"] = [_to_wgs(402_100, 4_192_400), stations.geometry[1], stations.geometry[2]]
    moved["value"] = [40.0, 80.0, 60.0]
    surface = interpolate(moved, area=counties, cell_m=500, margin_m=0)
    t = surface.transform
    assert surface.values[
        int((t.f - 4_192_400) // 500), int((402_100 - t.c) // 500)
    ] == pytest.approx(40.0)


def test_geotiff(layers, tmp_path):
    counties, _, stations, monthly = layers
    values = stations.merge(
        monthly[monthly.period == "2024-01"], left_on="id", right_on="station_id"
    )
    surface = interpolate(
        values,
        value_column="PM2.5",
        area=counties,
        cell_m=250,
        margin_m=500,
        pollutant="PM2.5",
        period="2024-01",
        unit="µg/m³",
    )
    path = write_geotiff(surface, tmp_path / "pm25")
    assert path.name == "pm25.tif"
    with rasterio.open(path) as src:
        assert src.nodata == NODATA
        assert src.crs.to_epsg() == 4547
        assert src.overviews(1)[:3] == [2, 4, 8]
        assert src.tags()["n_stations"] == "3"
        band = src.read(1)
        assert band[0, 0] == NODATA  # margin outside the counties
        xy = values.to_crs(4547)
        sampled = [v[0] for v in src.sample(zip(xy.geometry.x, xy.geometry.y, strict=True))]
        assert sampled == pytest.approx([40.0, 80.0, 60.0])
    assert [p.name for p in tmp_path.iterdir()] == ["pm25.tif"]


def test_zonal_stats_by_hand():
    values = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype="float32")
    values[1, 3] = NODATA
    transform = Affine(500.0, 0.0, 0.0, 0.0, -1000.0, 2000.0)  # 4 cols of 500 m, 2 rows of 1 km
    surface = Surface(values, transform, GK, 2, "PM2.5", "2024-01", "µg/m³", 2.0, 12)
    zones = gpd.GeoDataFrame(
        {"name": ["左", "右"]}, geometry=[box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000)], crs=GK
    ).to_crs(4326)
    got = zonal_stats(surface, zones, kind="县区")
    assert list(got["zone"]) == ["左", "右"]
    assert list(got["mean"]) == pytest.approx([(1 + 2 + 5 + 6) / 4, (3 + 4 + 7) / 3], abs=0.005)
    assert list(got["min"]) == [1, 3] and list(got["max"]) == [6, 7]
    assert list(got["cells"]) == [4, 3]


def test_make_surface_in_workspace(layers, tmp_path):
    counties, parks, stations, monthly = layers
    ws = init_workspace(tmp_path / "ws")
    with ws.transaction() as tx:
        tx.write("counties", counties)
        tx.write("parks", parks)
        tx.write("stations", stations)
        tx.write("station_monthly", monthly)
    surface, path, zones = make_surface(ws, "pm2.5", period="2024-01")
    assert path == ws.outputs_dir / "surface_PM25_2024-01.tif"
    assert surface.n_stations == 3
    stored = ws.read("surface_zones")
    assert set(stored["zone"]) == {"郊区", "平定县", "小园区", "微园区"}
    park = stored[stored.zone == "小园区"].iloc[0]
    assert park["stations_inside"] == 1 and park["cells"] == 1
    assert park["mean"] == pytest.approx(40.0)  # S1's cell
    tiny = stored[stored.zone == "微园区"].iloc[0]  # no cell centre inside: IDW at a point
    assert tiny["cells"] == 0 and tiny["stations_inside"] == 0
    assert 40.0 < tiny["mean"] < 41.0
    county = stored.set_index("zone").loc["平定县"]
    assert county["stations_inside"] == 1 and county["cells"] == 400
    # February has one station: a flat surface, honestly labelled.
    feb, _, _ = make_surface(ws, "PM2.5", period="2024-02")
    assert "依据 1 个站点。" in feb.summary
    assert len(ws.read("surface_zones")) == 8


@pytest.mark.usefixtures("english")
def test_no_data_month_writes_nothing(layers, tmp_path):
    counties, _, stations, monthly = layers
    ws = init_workspace(tmp_path / "ws")
    with ws.transaction() as tx:
        tx.write("counties", counties)
        tx.write("stations", stations)
    with pytest.raises(Exception, match="geoair indicators"):
        make_surface(ws, "PM2.5", period="2024-03")
    ws.write("station_monthly", monthly)
    with pytest.raises(
        SurfaceError,
        match="No station has a valid PM2.5 月均浓度 value for 2024-03; it has 2024-01 to 2024-02",
    ):
        make_surface(ws, "PM2.5", period="2024-03")
    with pytest.raises(SurfaceError, match="not a month"):
        make_surface(ws, "PM2.5", period="March")
    assert list(ws.outputs_dir.iterdir()) == []
    with pytest.raises(SurfaceError, match="Unknown pollutant"):
        pollutant_key("PM1")
    from geoair.cli import main

    result = CliRunner().invoke(
        main, ["surface", "PM2.5", "--period", "2024-03", "-w", str(ws.root)]
    )
    assert result.exit_code == 1 and "未写出文件" in result.output


def test_cli(layers, tmp_path):
    counties, parks, stations, monthly = layers
    ws = init_workspace(tmp_path / "ws")
    with ws.transaction() as tx:
        for name, frame in (
            ("counties", counties),
            ("parks", parks),
            ("stations", stations),
            ("station_monthly", monthly),
        ):
            tx.write(name, frame)
    from geoair.cli import main

    out = tmp_path / "pm.tif"
    result = CliRunner().invoke(
        main,
        [
            "surface",
            "PM2.5",
            "--period",
            "2024-01",
            "--cell",
            "1000",
            "--out",
            str(out),
            "--zones-out",
            str(tmp_path / "z.xlsx"),
            "-w",
            str(ws.root),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "依据 3 个站点" in result.output
    with rasterio.open(out) as src:
        assert src.res == (1000.0, 1000.0)
    assert len(pd.read_excel(tmp_path / "z.xlsx")) == 4
