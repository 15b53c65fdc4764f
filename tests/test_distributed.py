"""The dask engine: the same results as the single-machine engine, on a 2-process cluster.

One local cluster of two worker processes serves the whole module; the command-line
tests reach it with ``--scheduler`` (the path a provincial cluster takes), the others
through :class:`geoair.distributed.engine.DaskEngine` with small task sizes, so that
the seeded data cross many partition and cell borders.
"""

from __future__ import annotations

import os
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geoair.cli import main
from geoair.distributed.cluster import dask_client
from geoair.distributed.engine import DaskEngine
from geoair.distributed.indicators import merge_orders
from geoair.errors import ClusterError
from geoair.messages import use_language
from geoair.readings.indicators import daily_values, period_values
from geoair.readings.store import hourly_glob, store_hourly
from geoair.roads.gate_roads import plan_sweeping
from geoair.sources.near import near_sources
from geoair.store.open import init_workspace, open_workspace
from geoair.workflows.demo import run_demo
from geoair.workflows.indicators import indicator_table, station_daily

pytestmark = pytest.mark.slow
WGS84 = "EPSG:4326"


@pytest.fixture(scope="module")
def client():
    with dask_client(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "ws"
    run_demo(folder)
    return folder


def assert_same(left: pd.DataFrame, right: pd.DataFrame, what: str = "") -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=True, obj=what or "frame")


def run(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


# --- the commands on the demo workspace --------------------------------------------


def test_commands_give_the_same_tables(client, demo, tmp_path):
    """Each command with --engine dask (on the cluster at --scheduler) writes what the
    single-machine command writes."""
    address = ["--engine", "dask", "--scheduler", client.scheduler.address]
    single = tmp_path / "single"
    shutil.copytree(demo, single)
    cases = [
        (["indicators", "--period", "month"], ["station_daily", "station_monthly"]),
        (["indicators", "--period", "quarter", "--by", "county"], ["county_quarterly"]),
        (["gate-roads"], ["gate_roads", "gate_buffers", "sweep_tasks", "gate_findings"]),
        (["sources", "near"], ["station_sources"]),
        (["sources", "suspects", "--no-plots"], ["source_suspects"]),
    ]
    for args, tables in cases:
        run([*args, "-w", str(single)])
        out = run([*args, "-w", str(demo), *address])
        assert "Error" not in out
        for name in tables:
            assert_same(open_workspace(single).read(name), open_workspace(demo).read(name), name)


def test_workflows_in_memory_are_identical(client, demo):
    """Straight from the workflows (no GeoPackage round trip), with tiny tasks."""
    ws = open_workspace(demo)
    engine = DaskEngine(client, sizes={"stations_per_task": 3, "keys_per_task": 2})
    daily = station_daily(ws, start="2020-10-15", end="2024-02-10")
    assert_same(daily, station_daily(ws, start="2020-10-15", end="2024-02-10", engine=engine))
    for period, by in (("month", "station"), ("year", "station"), ("month", "park")):
        assert_same(
            indicator_table(ws, daily, period=period, by=by),
            indicator_table(ws, daily, period=period, by=by, engine=engine),
            f"{by} {period}",
        )


# --- seeded data across partition and cell borders -----------------------------------


def seeded_hourly(seed: int = 16) -> pd.DataFrame:
    """9 stations (ids sorting across groups), Jan-Mar 2024, gaps and outages."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2024-01-01 01:00", "2024-04-01 00:00", freq="h")
    rows = []
    for k, sid in enumerate(["A1", "A10", "A2", "B'7", "S01", "S02", "Z9", "站1", "站2"]):
        for pollutant, base in (("PM2.5", 60), ("PM10", 90), ("SO2", 20), ("NO2", 35)):
            values = base * rng.lognormal(0, 0.5, len(times))
            keep = rng.random(len(times)) > 0.1 + 0.02 * k
            rows.append(
                pd.DataFrame(
                    {"station_id": sid, "time": times[keep], "value": values[keep]}
                ).assign(pollutant=pollutant)
            )
        o3 = (
            80 + 60 * np.sin(np.arange(len(times)) * 2 * np.pi / 24) + rng.normal(0, 25, len(times))
        )
        keep = rng.random(len(times)) > 0.15
        rows.append(
            pd.DataFrame(
                {
                    "station_id": sid,
                    "time": times[keep],
                    "value": np.abs(o3[keep]),
                    "pollutant": "O3",
                }
            )
        )
        co = rng.lognormal(0, 0.4, len(times)).round(1)
        rows.append(
            pd.DataFrame({"station_id": sid, "time": times, "value": co, "pollutant": "CO"})
        )
    return pd.concat(rows, ignore_index=True)


def test_indicators_across_partitions_and_station_groups(client, tmp_path):
    ws = init_workspace(tmp_path / "ws")
    hourly = seeded_hourly()
    store_hourly(ws, hourly)
    engine = DaskEngine(client, sizes={"stations_per_task": 3, "keys_per_task": 4})
    expected = daily_values(hourly_glob(ws), o3_8h_limit=160.0)
    assert_same(expected, engine.daily_values(hourly_glob(ws), o3_8h_limit=160.0))
    # the store as an fsspec URL, a time window, and a frame rather than a store
    url = "file://" + str(ws.readings_dir / "hourly")
    where = "time > TIMESTAMP '2024-01-20' AND time <= TIMESTAMP '2024-02-12'"
    assert_same(
        daily_values(hourly_glob(ws), where=where),
        DaskEngine(client, store=url, sizes={"stations_per_task": 4}).daily_values(
            hourly_glob(ws), where=where
        ),
    )
    assert_same(daily_values(hourly), engine.daily_values(hourly))
    for period in ("month", "quarter", "year"):
        assert_same(
            period_values(expected, period=period), engine.period_values(expected, period=period)
        )
    assert_same(
        period_values(expected, span="2024-01/2024-02"),
        engine.period_values(expected, span="2024-01/2024-02"),
    )


def test_gate_roads_across_cells(client):
    """A road between two gates of different cells, a stretch shared by two gates of one
    enterprise, gates without ids or coordinates, and 400 seeded gates in 30 cells."""
    rng = np.random.default_rng(7)
    n, m = 400, 3000
    lon0, lat0 = 113.0, 37.5
    glon = lon0 + rng.uniform(0, 0.3, n)
    glat = lat0 + rng.uniform(0, 0.3, n)
    # a road running north-south half-way between gates 0 and 1 (90 m apart, two
    # enterprises, so two cells), and gates 2 and 3 of one enterprise on one road
    glon[:4], glat[:4] = [113.5, 113.501, 113.6, 113.6008], [37.9, 37.9, 37.9, 37.9]
    start_lon = lon0 + rng.uniform(-0.01, 0.31, m)
    start_lat = lat0 + rng.uniform(-0.01, 0.31, m)
    steps = rng.normal(0, 0.0015, (m, 5, 2)).cumsum(axis=1)
    lines = [
        shapely.LineString(np.vstack([[x, y], np.array([x, y]) + s]))
        for x, y, s in zip(start_lon, start_lat, steps, strict=True)
    ]
    lines[:2] = [
        shapely.LineString([(113.5005, 37.895), (113.5005, 37.905)]),
        shapely.LineString([(113.599, 37.9), (113.602, 37.9)]),
    ]
    roads = gpd.GeoDataFrame(
        {
            "id": [f"R{i}" if i % 7 else None for i in range(m)],
            "name": [f"路{i % 50}" for i in range(m)],
        },
        geometry=lines,
        crs=WGS84,
    )
    ent_of = [f"E{i % 60}" for i in range(n)]
    ent_of[:4] = ["E900", "E901", "E902", "E902"]
    geometry = list(shapely.points(glon, glat))
    geometry[10] = None
    gates = gpd.GeoDataFrame(
        {"id": [f"G{i}" if i % 11 else None for i in range(n)], "enterprise_id": ent_of},
        geometry=geometry,
        crs=WGS84,
    )
    ents = gpd.GeoDataFrame(
        {
            "id": [f"E{i}" for i in range(70)] + ["E900", "E901", "E902"],
            "name": [f"企业{i}" for i in range(73)],
            "county": [["城区", "郊区", None][i % 3] for i in range(73)],
        },
        geometry=list(
            shapely.points(lon0 + rng.uniform(0, 0.3, 73), lat0 + rng.uniform(0, 0.3, 73))
        ),
        crs=WGS84,
    )
    engine = DaskEngine(client, sizes={"gates_per_task": 40})
    for args in ((gates, roads, ents), (gates.drop(columns="id"), roads.drop(columns="id"), None)):
        expected = plan_sweeping(*args, radius_m=100.0, nearest_search_m=1500.0)
        got = engine.plan_sweeping(*args, radius_m=100.0, nearest_search_m=1500.0)
        for name in ("gate_roads", "gate_buffers", "sweep_tasks", "gate_findings"):
            assert_same(getattr(expected, name), getattr(got, name), name)
    shared = expected.gate_roads[expected.gate_roads["road_id"] == "R1"]
    assert len(shared) == 2  # the road cut by the border serves both gates, once each


def test_near_sources_across_cells(client):
    """A source 4,999 m from a station, on the far side of the border between its cell
    and the next; points, parks and roads in one layer."""
    rng = np.random.default_rng(3)
    lon = 113.0 + rng.uniform(0, 1.0, 60)
    lat = 37.0 + rng.uniform(0, 1.0, 60)
    lon[:2], lat[:2] = [113.3, 113.36], [37.5, 37.5]  # neighbours in two cells
    stations = gpd.GeoDataFrame(
        {"id": [f"S{i:02d}" for i in range(60)], "name": [f"站{i}" for i in range(60)]},
        geometry=list(shapely.points(lon, lat)),
        crs=WGS84,
    )
    from geoair.roads.buffers import GEOD

    east, north, _ = GEOD.fwd(113.3, 37.5, 90.0, 4999.0)
    k = 300
    pts = list(shapely.points(113.0 + rng.uniform(0, 1, k), 37.0 + rng.uniform(0, 1, k)))
    pts[0] = shapely.Point(east, north)
    shapes = (
        pts[:200]
        + [p.buffer(0.004) for p in pts[200:250]]
        + [shapely.LineString([p.coords[0], (p.x + 0.01, p.y + 0.005)]) for p in pts[250:]]
    )
    mixed = gpd.GeoDataFrame(
        {"id": [f"H{i}" for i in range(k)], "name": [f"源{i}" for i in range(k)]},
        geometry=shapes,
        crs=WGS84,
    )
    ents = gpd.GeoDataFrame(
        {"id": ["E1", "E2"], "name": ["甲", "乙"], "industry": ["焦化", None]},
        geometry=[shapely.Point(113.31, 37.51), shapely.Point(113.9, 37.9)],
        crs=WGS84,
    )
    sources = {"enterprises": ents, "gangue_heaps": mixed}
    engine = DaskEngine(client, sizes={"near_stations_per_task": 3})
    expected = near_sources(stations, sources, radius_m=5000.0)
    got = engine.near_sources(stations, sources, radius_m=5000.0)
    assert_same(expected, got)
    assert ((got["station_id"] == "S00") & (got["source_id"] == "H0")).sum() == 1


def test_a_killed_worker_is_replaced_and_the_result_unchanged(client, demo, tmp_path):
    """A worker dies while it runs a daily task; the scheduler reruns it elsewhere."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class KillOnce(WorkerPlugin):
        name = "geoair-kill-once"

        def __init__(self, marker: str) -> None:
            self.marker = marker

        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and "_daily_task" in str(key):
                try:
                    fd = os.open(self.marker, os.O_CREAT | os.O_EXCL)
                except FileExistsError:
                    return
                os.close(fd)
                os._exit(1)

    ws = open_workspace(demo)
    expected = daily_values(hourly_glob(ws), o3_8h_limit=160.0)
    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(str(marker)))
    try:
        got = DaskEngine(client).daily_values(hourly_glob(ws), o3_8h_limit=160.0)
    finally:
        client.unregister_worker_plugin("geoair-kill-once")
    assert marker.exists()  # a worker did die
    assert_same(expected, got)
    client.wait_for_workers(2, timeout=60)


def test_a_scheduler_that_does_not_answer_is_one_sentence(tmp_path):
    with (
        pytest.raises(ClusterError, match="没有应答"),
        dask_client("tcp://127.0.0.1:9", timeout_s=1.0),
    ):
        pass
    with (
        use_language("en"),
        pytest.raises(ClusterError, match="does not answer"),
        dask_client("tcp://127.0.0.1:9", timeout_s=1.0),
    ):
        pass
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "w")])
    result = runner.invoke(
        main,
        ["gate-roads", "-w", str(tmp_path / "w"), "--engine", "dask", "--scheduler", "127.0.0.1:9"],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Dask 调度器 tcp://127.0.0.1:9 没有应答" in lines[0], result.output
    result = runner.invoke(main, ["gate-roads", "-w", str(tmp_path / "w"), "--workers", "2"])
    assert result.exit_code != 0 and "--workers 只能与 --engine dask 一起用" in result.output


def test_merge_orders_keeps_every_lists_order():
    assert merge_orders([["PM10", "PM2.5"], ["PM2.5", "O3_8h"], ["PM10", "O3_8h"]]) == [
        "PM10",
        "PM2.5",
        "O3_8h",
    ]


def test_cells_are_balanced_and_halo_boxes_hold_the_circles():
    from geoair.distributed.tiles import balanced_cells, halo_box, halo_boxes
    from geoair.roads.buffers import GEOD

    rng = np.random.default_rng(1)
    x, y = rng.uniform(110, 115, 1000), rng.uniform(34, 41, 1000)
    x[:5] = np.nan
    cells = balanced_cells(x, y, 9)
    assert set(cells) == set(range(9))
    counts = np.bincount(cells[5:])
    assert counts.max() - counts.min() <= 2
    for lat in (0.0, 37.0, 53.5):  # the circle's farthest points stay inside the box
        west, south, east, north = halo_box(113.0, lat, 113.0, lat, 2000.0)
        ring = np.arange(360.0)
        lon_c, lat_c, _ = GEOD.fwd(0 * ring + 113.0, 0 * ring + lat, ring, 0 * ring + 2000.0)
        assert west < lon_c.min() and lon_c.max() < east
        assert south < lat_c.min() and lat_c.max() < north
        boxes = halo_boxes(np.array([113.0]), np.array([lat]), 2000.0)
        assert [float(b[0]) for b in boxes] == [west, south, east, north]
