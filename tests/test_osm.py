"""Tests of geoair.imports.osm: highway lines from an OpenStreetMap extract, roads from any file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoair.errors import InputFileError
from geoair.imports.pipeline import read_roads
from geoair.io.osm import is_osm_file, read_osm_roads
from geoair.messages import use_language

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="geoair tests">
 <node id="1" lat="37.850" lon="113.550"/>
 <node id="2" lat="37.851" lon="113.551"/>
 <node id="3" lat="37.852" lon="113.552"/>
 <node id="4" lat="37.853" lon="113.553"/>
 <node id="5" lat="37.854" lon="113.550"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
  <tag k="highway" v="primary"/><tag k="name" v="桃北路"/></way>
 <way id="11"><nd ref="3"/><nd ref="4"/><tag k="waterway" v="river"/><tag k="name" v="桃河"/></way>
 <way id="12"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>
 <way id="13"><nd ref="4"/><nd ref="5"/>
  <tag k="highway" v="residential"/><tag k="name:zh" v="义白路"/><tag k="oneway" v="yes"/></way>
 <way id="14"><nd ref="1"/><nd ref="5"/><tag k="highway" v="track"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    path = tmp_path / "yangquan.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_reads_only_highway_lines(osm_file):
    roads = read_osm_roads(osm_file)
    assert list(roads["id"]) == ["osm:way/10", "osm:way/13", "osm:way/14"]  # no river, footway
    assert list(roads["road_class"]) == ["primary", "residential", "track"]
    assert roads["name"].iloc[0] == "桃北路"
    assert roads["name"].iloc[1] == "义白路"  # from name:zh
    assert roads["name"].iloc[2] is None
    assert roads.crs == "EPSG:4326"
    assert shapely.get_num_points(roads.geometry.iloc[0]) == 3
    assert roads.geometry.iloc[0].coords[0] == (113.55, 37.85)


def test_skip_list_is_a_setting(osm_file):
    everything = read_osm_roads(osm_file, skip_highway=())
    assert "footway" in set(everything["road_class"])
    fewer = read_osm_roads(osm_file, skip_highway=["track", "footway", "it's"])  # quoting
    assert "track" not in set(fewer["road_class"])


def test_read_roads_dispatches(osm_file, tmp_path):
    assert is_osm_file("shanxi-latest.osm.pbf") and is_osm_file(osm_file)
    assert not is_osm_file("roads.gpkg")
    assert len(read_roads(osm_file)) == 3
    # any other file goes through the import's header matching and CRS handling
    path = tmp_path / "roads.gpkg"
    frame = gpd.GeoDataFrame(
        {"路名": ["桃北路"], "等级": ["主干路"]},
        geometry=[shapely.LineString([(500000, 4190000), (500100, 4190000)])],
        crs="EPSG:4547",
    )
    frame.to_file(path)
    roads = read_roads(path)
    assert roads.crs == "EPSG:4326"
    assert roads["name"].iloc[0] == "桃北路" and roads["road_class"].iloc[0] == "主干路"
    assert 110 < roads.geometry.iloc[0].coords[0][0] < 115


def test_bad_files(tmp_path):
    with pytest.raises(InputFileError, match="不存在"):
        read_osm_roads(tmp_path / "missing.osm.pbf")
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not protobuf")
    with pytest.raises(InputFileError, match="不能作为 OpenStreetMap 数据读取"):
        read_osm_roads(junk)


def test_gate_roads_command_reads_an_extract(ws, osm_file):
    from click.testing import CliRunner

    from geoair.cli import main

    gates = gpd.GeoDataFrame(
        {"id": ["G1"], "enterprise_id": ["E1"]},
        geometry=[shapely.Point(113.551, 37.851)],
        crs="EPSG:4326",
    )
    ws.write("gates", gates)
    result = CliRunner().invoke(main, ["gate-roads", "-w", str(ws.root), "--roads", str(osm_file)])
    assert result.exit_code == 0, result.output
    layer = ws.read("gate_roads")
    # the gate is a vertex of way 10 (two segments): 200 m of 桃北路; the footway 12
    # that starts there is skipped; track 14 runs 88 m west of it
    assert list(layer["road_id"]) == ["osm:way/10", "osm:way/14"]
    assert layer["length_m"].iloc[0] == pytest.approx(200.0, rel=1e-6)
    d = layer["distance_m"].iloc[1]
    assert 85 < d < 90
    assert layer["length_m"].iloc[1] == pytest.approx(2 * (100.0**2 - d**2) ** 0.5, rel=1e-5)


def test_reads_a_real_pbf_extract_with_unsorted_nodes():
    # pyogrio ships a small real extract (Hatfield, England) whose node ids are not
    # sorted, which GDAL's default index refuses; geoair retries with its general index
    from importlib import resources

    import pyogrio

    sample = resources.files("pyogrio").joinpath("tests/fixtures/sample.osm.pbf")
    roads = read_roads(Path(str(sample)))
    assert len(roads) == 26 and roads.crs == "EPSG:4326"
    assert "osm:way/156255508" in set(roads["id"])
    assert dict(roads["road_class"].value_counts())["residential"] == 20
    assert pyogrio.get_gdal_config_option("OSM_USE_CUSTOM_INDEXING") is None  # restored


def test_geoair_import_roads_reads_an_osm_extract(osm_file, ws):
    from geoair.imports.pipeline import import_file

    expected = read_osm_roads(osm_file)
    report = import_file(ws, "roads", osm_file)
    assert report.imported == len(expected) > 0
    roads = ws.read("roads")
    assert sorted(roads["id"]) == sorted(expected["id"])
    assert roads.geom_type.isin(["LineString", "MultiLineString"]).all()
    with pytest.raises(InputFileError, match="只能作为道路导入（geoair import roads FILE）。$"):
        import_file(ws, "stations", osm_file)
    with use_language("en"), pytest.raises(InputFileError, match="import it as roads"):
        import_file(ws, "stations", osm_file)
