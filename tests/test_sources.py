"""Tests of geoair.sources: near join, periods, suspects; the planted-source validation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geoair.errors import CRSError, SchemaError
from geoair.messages import use_language
from geoair.sources import wind
from geoair.sources.near import NEAR_COLUMNS, gate_road_sources, near_sources
from geoair.sources.suspects import hour_periods, parse_period, suspects
from geoair.workflows.sources import SourcesOptions, describe, load_wind, run_suspects, suspect_line

GEOD = pyproj.Geod(ellps="WGS84")
ST_LON, ST_LAT = 113.55, 37.86  # near Yangquan


def _at(bearing_deg: float, distance_m: float, lon: float = ST_LON, lat: float = ST_LAT):
    x, y, _ = GEOD.fwd(lon, lat, bearing_deg, distance_m)
    return shapely.Point(x, y)


@pytest.fixture
def stations():
    return gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["赛鱼站", "远郊站"]},
        geometry=[shapely.Point(ST_LON, ST_LAT), _at(90, 50_000)],
        crs="EPSG:4326",
    )


# planted source at 75° / 2 km; decoys around it, one in the same direction farther
PLANTED = ("E1", 75.0, 2000.0)
DECOYS = [
    ("D1", 300.0, 800.0),
    ("D2", 200.0, 1500.0),
    ("D3", 75.0, 4000.0),
    ("D4", 140.0, 3000.0),
    ("D5", 20.0, 2500.0),
    ("FAR", 75.0, 5200.0),
]


@pytest.fixture
def enterprises():
    rows = [PLANTED, *DECOYS]
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [f"企业{r[0]}" for r in rows],
            "industry": ["焦化"] + ["水泥"] * len(DECOYS),
            "status": "正常生产",
        },
        geometry=[_at(b, d) for _, b, d in rows],
        crs="EPSG:4326",
    )


# --- near ---------------------------------------------------------------------------------


def test_near_distances_and_bearings_are_geodesic(stations, enterprises):
    near = near_sources(stations, {"enterprises": enterprises}, radius_m=5000)
    assert isinstance(near, gpd.GeoDataFrame) and near.crs.to_epsg() == 4326
    assert set(near["station_id"]) == {"S1"}  # S2, 50 km away, has nothing in range
    got = near.set_index("source_id")
    assert "FAR" not in got.index  # 5.2 km > 5 km
    for sid, bearing, dist in [PLANTED, *DECOYS[:-1]]:
        assert got.loc[sid, "distance_m"] == pytest.approx(dist, abs=0.1)
        assert got.loc[sid, "bearing_deg"] == pytest.approx(bearing, abs=0.05)
    assert near["distance_m"].is_monotonic_increasing
    assert got.loc["E1", "industry"] == "焦化" and got.loc["E1", "source_kind"] == "enterprise"
    # the line goes from the station to the source
    line = near.geometry.iloc[0]
    assert line.coords[0] == pytest.approx((ST_LON, ST_LAT))


def test_near_radius_edge_is_exact(stations):
    src = gpd.GeoDataFrame(
        {"id": ["in", "out"], "name": ["a", "b"]},
        geometry=[_at(10, 4999.0), _at(10, 5001.0)],
        crs="EPSG:4326",
    )
    near = near_sources(stations, {"gangue_heaps": src}, radius_m=5000)
    assert near["source_id"].tolist() == ["in"]
    assert near["source_kind"].iloc[0] == "gangue_heap"


def test_near_polygon_measures_to_outline_and_inside_is_zero(stations):
    # a park square east of the station, its west edge 1 km away; another around it
    lon_w = _at(90, 1000).x
    lon_e = _at(90, 1500).x
    dlat = 0.005
    east = shapely.box(lon_w, ST_LAT - dlat, lon_e, ST_LAT + dlat)
    around = shapely.Point(ST_LON, ST_LAT).buffer(0.01)
    parks = gpd.GeoDataFrame(
        {"id": ["P1", "P2"], "name": ["东园区", "本园区"]}, geometry=[east, around], crs="EPSG:4326"
    )
    near = near_sources(stations, {"parks": parks}, radius_m=5000).set_index("source_id")
    assert near.loc["P1", "distance_m"] == pytest.approx(1000.0, abs=1.0)
    assert near.loc["P1", "bearing_deg"] == pytest.approx(90.0, abs=0.1)
    assert near.loc["P2", "distance_m"] == 0 and np.isnan(near.loc["P2", "bearing_deg"])


def test_near_gate_roads_use_enterprise_name(stations):
    road = shapely.LineString([_at(180, 300), _at(170, 400)])
    gate_roads = gpd.GeoDataFrame(
        {"gate_id": ["G1"], "enterprise_name": ["某厂"]}, geometry=[road], crs="EPSG:4326"
    )
    near = near_sources(stations, {"gate_roads": gate_roads}, radius_m=1000)
    assert near["name"].tolist() == ["某厂"] and near["source_id"].tolist() == ["G1"]
    assert near["distance_m"].iloc[0] < 300.0 + 1e-6


def test_near_refuses_other_crs_and_bad_radius(stations, enterprises):
    with pytest.raises(CRSError, match="应为 EPSG:4326"):
        near_sources(stations, {"enterprises": enterprises.to_crs(4547)})
    with pytest.raises(SchemaError, match="positive"):
        near_sources(stations, {"enterprises": enterprises}, radius_m=0)


def test_near_does_not_modify_inputs(stations, enterprises):
    before = enterprises.copy()
    near_sources(stations, {"enterprises": enterprises}, radius_m=5000)
    pd.testing.assert_frame_equal(enterprises, before)


def test_station_with_no_sources_in_range(stations, enterprises):
    only_far = stations[stations["id"] == "S2"]
    near = near_sources(only_far, {"enterprises": enterprises}, radius_m=5000)
    assert len(near) == 0 and list(near.columns[:5]) == NEAR_COLUMNS[:5]
    ranked = suspects(near, _year_of_wind(np.random.default_rng(0))[0])
    assert len(ranked) == 0


# --- periods ------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_parse_period_forms():
    assert parse_period("2020-10/2020-12") == (
        pd.Timestamp("2020-10-01"),
        pd.Timestamp("2021-01-01"),
    )
    assert parse_period("2020-02") == (pd.Timestamp("2020-02-01"), pd.Timestamp("2020-03-01"))
    assert parse_period("2020")[1] == pd.Timestamp("2021-01-01")
    with pytest.raises(SchemaError, match="not understood"):
        parse_period("2020-12/2020-10")


def test_hour_labelled_by_end_belongs_to_previous_month():
    times = pd.to_datetime(["2020-10-01 00:00", "2020-10-01 01:00", "2020-11-01 00:00"])
    rows, codes, labels = hour_periods(times, freq="month")
    assert [labels[c] for c in codes] == ["2020-09", "2020-10", "2020-10"]
    rows, codes, labels = hour_periods(times, freq="quarter")
    assert [labels[c] for c in codes] == ["2020-07/2020-09", "2020-10/2020-12", "2020-10/2020-12"]
    assert hour_periods(times, freq="year")[2] == ["2020"]
    rows, codes, labels = hour_periods(times, periods=["2020-10", "2020-10/2020-12"])
    assert rows.tolist() == [1, 2, 1, 2] and codes.tolist() == [0, 0, 1, 1]


# --- the planted-source validation -------------------------------------------------------


def _year_of_wind(
    rng: np.random.Generator, *, station_id: str = "S1", source_bearing: float = PLANTED[1]
):
    """A year of hourly wind, calms and missing values, and PM2.5 from a plume + background.

    Wind: a mixture of a north-westerly regime (winter-like), a south-easterly one
    and variable winds, speeds Weibull(k=1.8, 2.5 m/s) (about 5 % calm).
    Concentration: log-normal AR(1) background with a diurnal cycle, plus a Gaussian
    plume from the source: 300/u · exp(-½ (Δθ / 8°)²) µg/m³ when the wind blows
    from it, with multiplicative noise; 3 % of directions and 2 % of values missing.
    """
    n = 366 * 24
    time = pd.date_range("2020-01-01 01:00", periods=n, freq="h")
    regime = rng.choice(3, size=n, p=[0.45, 0.3, 0.25])
    wd = np.where(
        regime == 0,
        rng.vonmises(np.deg2rad(315), 2.0, n),
        np.where(regime == 1, rng.vonmises(np.deg2rad(135), 2.0, n), rng.uniform(-np.pi, np.pi, n)),
    )
    wd = np.rad2deg(wd) % 360
    ws = 2.5 * rng.weibull(1.8, n)
    log_bg = np.empty(n)
    log_bg[0] = 0.0
    shocks = rng.normal(0, 0.25, n)
    for i in range(1, n):
        log_bg[i] = 0.95 * log_bg[i - 1] + shocks[i]
    hour = time.hour.to_numpy()
    background = 35 * np.exp(log_bg) * (1 + 0.3 * np.cos(2 * np.pi * (hour - 8) / 24))
    delta = wind.angle_diff_deg(wd, source_bearing)
    plume = 300.0 / np.maximum(ws, 0.5) * np.exp(-0.5 * (delta / 8.0) ** 2)
    plume[ws < 0.5] = 0.0
    value = (background + plume) * rng.lognormal(0, 0.15, n)
    wd[rng.random(n) < 0.03] = np.nan
    value[rng.random(n) < 0.02] = np.nan
    frame = pd.DataFrame(
        {"station_id": station_id, "time": time, "ws_ms": ws, "wd_deg": wd, "value": value}
    )
    return frame, plume


def test_planted_source_cpf_peak_and_rank(stations, enterprises):
    frame, _ = _year_of_wind(np.random.default_rng(2020))
    # the CPF peak, 36 sectors of 10°, lies within 10° of the planted bearing
    table = wind.cpf(frame, sectors=36, percentile=75)
    sec = table[table["sector"] >= 0]
    peak = float(sec.loc[sec["cpf"].idxmax(), "centre_deg"])
    assert abs(wind.angle_diff_deg(peak, PLANTED[1])) <= 10.0
    # calm hours are set apart, not in any sector
    calm = ((frame["ws_ms"] < 0.5) & frame["value"].notna()).sum()
    assert table.attrs["calm_hours"] == calm > 0
    assert (
        int(sec["hours"].sum()) + calm + table.attrs["missing_wind"] == frame["value"].notna().sum()
    )
    # NWR by direction peaks there too
    s = wind.summary(frame, sectors=36)
    assert abs(wind.angle_diff_deg(s["nwr_peak_deg"], PLANTED[1])) <= 10.0

    near = near_sources(stations, {"enterprises": enterprises}, radius_m=5000)
    for sectors in (16, 36):
        ranked = suspects(near, frame, periods=["2020"], sectors=sectors)
        s1 = ranked[ranked["station_id"] == "S1"]
        assert s1["source_id"].iloc[0] == "E1", s1[["source_id", "score", "cpf"]]
        assert s1["rank"].tolist() == list(range(1, len(s1) + 1))
        # the same-direction decoy, twice as far, comes second: same cpf, less weight
        assert s1["source_id"].iloc[1] == "D3"
        first = s1.iloc[0]
        assert first["score"] == pytest.approx(first["cpf"] * first["distance_weight"], abs=2e-4)
        assert first["distance_weight"] == pytest.approx(1 / (1 + 2000 / 1000), abs=1e-4)
        assert first["lift"] > 2 and first["nwr_ratio"] > 1.5
    # per month too: the planted source leads in most months
    monthly = suspects(near, frame, freq="month", sectors=16)
    leaders = monthly[monthly["rank"] == 1]
    assert len(leaders) == 12
    assert (leaders["source_id"] == "E1").sum() >= 10


def test_suspects_missing_wind_is_not_ranked(stations, enterprises):
    frame, _ = _year_of_wind(np.random.default_rng(5))
    frame.loc[frame["time"] < "2020-02-01 01:00", "wd_deg"] = np.nan  # January without wind
    near = near_sources(stations, {"enterprises": enterprises}, radius_m=5000)
    ranked = suspects(near, frame, periods=["2020-01", "2020-02"], top_n=3)
    jan = ranked[ranked["period"] == "2020-01"]
    feb = ranked[ranked["period"] == "2020-02"]
    assert jan["rank"].isna().all() and jan["score"].isna().all() and len(jan) == 3
    assert (jan["windy_hours"] == 0).all()
    assert feb["rank"].tolist() == [1, 2, 3]


def test_suspect_inside_polygon_is_listed_not_ranked(stations, enterprises):
    frame, _ = _year_of_wind(np.random.default_rng(7))
    park = gpd.GeoDataFrame(
        {"id": ["P"], "name": ["本园区"]},
        geometry=[shapely.Point(ST_LON, ST_LAT).buffer(0.01)],
        crs="EPSG:4326",
    )
    near = near_sources(stations, {"parks": park, "enterprises": enterprises}, radius_m=5000)
    ranked = suspects(near, frame, periods=["2020"])
    row = ranked[ranked["source_id"] == "P"].iloc[0]
    assert row["sector"] == "全方位" and row["distance_weight"] == 1.0
    assert pd.isna(row["rank"]) and np.isnan(row["score"])
    # its cpf is the share of high hours among windy hours: about 0.25 for the 75th
    assert 0.15 < row["cpf"] < 0.35 and row["lift"] == pytest.approx(1.0)
    assert ranked["source_id"].iloc[0] == "E1" and ranked["rank"].iloc[0] == 1
    assert ranked["source_id"].iloc[-1] == "P"


def test_station_without_readings_gets_no_suspect_rows(stations, enterprises):
    frame, _ = _year_of_wind(np.random.default_rng(8))
    both = gpd.GeoDataFrame(
        {"id": ["S1", "S3"], "name": ["赛鱼站", "无数据站"]},
        geometry=[shapely.Point(ST_LON, ST_LAT)] * 2,
        crs="EPSG:4326",
    )
    near = near_sources(both, {"enterprises": enterprises}, radius_m=5000)
    ranked = suspects(near, frame, periods=["2020-03"])
    assert set(ranked["station_id"]) == {"S1"}


def test_gate_road_sources_merge_stretches_and_name_the_factory():
    a = shapely.LineString([(113.0, 37.0), (113.001, 37.0)])
    b = shapely.LineString([(113.001, 37.0), (113.001, 37.001)])
    roads = gpd.GeoDataFrame(
        {
            "gate_id": ["G1", "G1", "G2"],
            "gate_name": ["北门", "北门", None],
            "enterprise_id": ["E1", "E1", "E2"],
            "enterprise_name": ["甲焦化厂", "甲焦化厂", "乙水泥厂"],
        },
        geometry=[a, b, a],
        crs="EPSG:4326",
    )
    ents = pd.DataFrame(
        {"id": ["E1", "E2"], "industry": ["焦化", "水泥"], "status": ["正常生产", "依法停产"]}
    )
    out = gate_road_sources(roads, ents)
    assert out["id"].tolist() == ["G1", "G2"]
    assert out["name"].tolist() == ["甲焦化厂(北门)道路", "乙水泥厂道路"]
    assert out["industry"].tolist() == ["焦化", "水泥"]
    assert out.geometry.iloc[0].length == pytest.approx(a.length + b.length)
    assert len(roads) == 3  # input untouched


# --- command line -------------------------------------------------------------------------


@pytest.fixture
def ws_sources(ws, stations, enterprises, monkeypatch):
    """A workspace with the stations and enterprises, and a year of wind for S1."""
    with ws.transaction() as tx:
        tx.write("stations", stations)
        tx.write("enterprises", enterprises)
    frame, _ = _year_of_wind(np.random.default_rng(11))

    def fake_load_wind(ws_, *, pollutant, station_ids=None, periods=None):
        out = frame[frame["station_id"].isin(station_ids)] if station_ids else frame
        if periods:
            bounds = [parse_period(p) for p in periods]
            start = out["time"] - pd.Timedelta(hours=1)
            keep = np.zeros(len(out), dtype=bool)
            for lo, hi in bounds:
                keep |= ((start >= lo) & (start < hi)).to_numpy()
            out = out[keep]
        return out

    import geoair.workflows.sources

    monkeypatch.setattr(geoair.workflows.sources, "load_wind", fake_load_wind)
    return ws


def _run(args):
    from click.testing import CliRunner

    from geoair.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_near_writes_layer_and_excel(ws_sources, tmp_path):
    out = _run(
        [
            "sources",
            "near",
            "--radius",
            "3000",
            "-w",
            str(ws_sources.root),
            "--out",
            str(tmp_path / "near.xlsx"),
        ]
    )
    assert "1 / 2 个站点的 3000 米内有污染源" in out
    near = ws_sources.read("station_sources")
    assert sorted(near["source_id"]) == ["D1", "D2", "D4", "D5", "E1"]
    assert near.geom_type.unique().tolist() == ["LineString"]
    sheet = pd.read_excel(tmp_path / "near.xlsx")
    distance = sheet.loc[sheet["污染源编号"] == "E1", "距离（米）"].iloc[0]
    assert distance == pytest.approx(2000, abs=1)


def test_cli_wind_prints_peak_and_writes_png_and_sheets(ws_sources, tmp_path):
    out = _run(
        [
            "sources",
            "wind",
            "--station",
            "赛鱼站",
            "--period",
            "2020-10/2020-12",
            "--sectors",
            "36",
            "-w",
            str(ws_sources.root),
            "--out",
            str(tmp_path / "w.xlsx"),
        ]
    )
    assert "第1名 企业E1［企业，焦化］" in out
    png = ws_sources.outputs_dir / "sources" / "S1_PM2.5_2020-10_2020-12.png"
    assert png.exists() and str(png) in out
    sheets = pd.read_excel(tmp_path / "w.xlsx", sheet_name=None)
    assert set(sheets) == {"概况", "条件概率CPF", "风玫瑰", "污染玫瑰", "非参数风回归NWR", "污染源"}
    peak = sheets["概况"]["CPF峰值方位（度）"].iloc[0]
    assert abs(wind.angle_diff_deg(peak, PLANTED[1])) <= 10


def test_cli_wind_unknown_station_says_which_exist(ws_sources):
    from click.testing import CliRunner

    from geoair.cli import main

    result = CliRunner().invoke(
        main,
        [
            "sources",
            "wind",
            "--station",
            "无此站",
            "--period",
            "2020-10",
            "-w",
            str(ws_sources.root),
        ],
    )
    assert result.exit_code == 1 and "没有名为“无此站”的站点" in result.output


def test_cli_suspects_ranks_planted_source_and_lists_plots(ws_sources, tmp_path):
    out = _run(
        [
            "sources",
            "suspects",
            "--period",
            "2020-10/2020-12",
            "--period",
            "2020-11",
            "-w",
            str(ws_sources.root),
            "--out",
            str(tmp_path / "s.csv"),
        ]
    )
    assert "赛鱼站 2020-10/2020-12：企业E1［企业，焦化］2000 米，方位 75°" in out
    ranked = ws_sources.read("source_suspects")
    leaders = ranked[ranked["rank"] == 1]
    assert set(leaders["source_id"]) == {"E1"} and set(leaders["period"]) == {
        "2020-10/2020-12",
        "2020-11",
    }
    plots = ws_sources.read("source_plots")
    # One plot per period, named with it and drawn from that period's hours only.
    assert sorted(plots["png"]) == [
        "outputs/sources/S1_PM2.5_2020-10_2020-12.png",
        "outputs/sources/S1_PM2.5_2020-11.png",
    ]
    assert sorted(plots["period"]) == ["2020-10/2020-12", "2020-11"]
    assert all((ws_sources.root / png).exists() for png in plots["png"])
    assert pd.read_csv(tmp_path / "s.csv")["排名"].iloc[0] == 1


def test_cli_suspects_for_one_station_keeps_the_other_stations_and_periods(ws_sources):
    _run(["sources", "suspects", "--period", "2020-11", "-w", str(ws_sources.root)])
    first = ws_sources.read("source_suspects")
    other = first.head(2).assign(station_id="S9", station_name="另一站")
    ws_sources.write("source_suspects", pd.concat([first, other], ignore_index=True))
    _run(
        [
            "sources",
            "suspects",
            "--period",
            "2020-10",
            "--station",
            "赛鱼站",
            "-w",
            str(ws_sources.root),
        ]
    )
    after = ws_sources.read("source_suspects")
    assert (after["station_id"] == "S9").sum() == 2
    # A run for 2020-10 replaces that period's rows; 2020-11 keeps its own (README).
    assert set(after.loc[after["station_id"] == "S1", "period"]) == {"2020-10", "2020-11"}
    assert not after.duplicated(["station_id", "period", "source_id", "pollutant"]).any()


def test_load_wind_from_the_readings_store_keeps_the_period(ws):
    from geoair.readings.store import store_hourly

    times = pd.date_range("2020-09-30 23:00", "2020-11-01 01:00", freq="h")
    long = pd.concat(
        [
            pd.DataFrame({"station_id": "S1", "time": times, "pollutant": p, "value": v})
            for p, v in (("WS", 2.0), ("WD", 90.0), ("PM2.5", 40.0), ("PM10", 80.0))
        ],
        ignore_index=True,
    )
    store_hourly(ws, long)
    frame = load_wind(ws, pollutant="PM2.5", station_ids=["S1"], periods=["2020-10"])
    # October by hour start: labels 2020-10-01 01:00 .. 2020-11-01 00:00, 744 hours
    assert len(frame) == 31 * 24
    assert frame["time"].min() == pd.Timestamp("2020-10-01 01:00")
    assert frame["time"].max() == pd.Timestamp("2020-11-01 00:00")
    assert (frame["wd_deg"] == 90).all() and (frame["value"] == 40).all()


def test_suspects_do_not_modify_inputs(stations, enterprises):
    frame, _ = _year_of_wind(np.random.default_rng(9))
    near = near_sources(stations, {"enterprises": enterprises}, radius_m=5000)
    frame_before, near_before = frame.copy(), near.copy()
    suspects(near, frame, periods=["2020-05"])
    pd.testing.assert_frame_equal(frame, frame_before)
    pd.testing.assert_frame_equal(near, near_before)


# --- what the demo prints about a suspect -------------------------------------------------


def _suspect_row(**changes):
    row = {
        "name": "阳泉市金辉发电有限公司(北门)道路",
        "source_kind": "gate_road",
        "industry": "电力",
        "distance_m": 599.1,
        "bearing_deg": 95.4,
        "sector": "东",
        "cpf": 0.34,
        "score": 0.212,
    }
    row.update(changes)
    return pd.DataFrame([row]).astype({"industry": "object"}).iloc[0]


def test_describe_shows_the_industry_and_never_none():
    from types import SimpleNamespace

    def line(**changes):
        return suspect_line(SimpleNamespace(**_suspect_row(**changes).to_dict()))

    assert line() == (
        "阳泉市金辉发电有限公司(北门)道路［厂门道路，电力］599 米，方位 95°（东），CPF 0.34，"
        "得分 0.212"
    )
    with use_language("en"):
        assert line() == (
            "阳泉市金辉发电有限公司(北门)道路 [gate road, 电力] 599 m, 95° E, CPF 0.34, score 0.212"
        )
    for missing in (None, np.nan, pd.NA, ""):  # a heap, a park, a gate of an unknown factory
        text = line(industry=missing, source_kind="gangue_heap", name="前岭矸石山")
        assert text.startswith("前岭矸石山［矸石山］599 米")
        assert "None" not in text and "nan" not in text and "<NA>" not in text


def test_suspects_name_the_factory_industry_of_a_gate_road_suspect(ws, stations, enterprises):
    """The demo once printed "prime suspect 阳泉市金辉发电有限公司 (None)": the suspect was
    the road in front of that plant's gate, and the gate_roads layer has no industry
    column. Gate-road sources now take the industry of their factory from the ledger."""
    from geoair.readings.store import store_hourly

    gate = _at(PLANTED[1], PLANTED[2] - 150)  # the planted factory's gate road, nearer
    road = shapely.LineString([(gate.x - 0.0005, gate.y), (gate.x + 0.0005, gate.y)])
    gate_roads = gpd.GeoDataFrame(
        {
            "gate_id": ["G1"],
            "gate_name": ["北门"],
            "enterprise_id": ["E1"],
            "enterprise_name": ["企业E1"],
            "road_name": ["矿区路"],
            "length_m": [88.0],
        },
        geometry=[road],
        crs="EPSG:4326",
    )
    heaps = gpd.GeoDataFrame(
        {"id": ["H1"], "name": ["前岭矸石山"]}, geometry=[_at(200, 900)], crs="EPSG:4326"
    )
    frame, _ = _year_of_wind(np.random.default_rng(7))
    frame = frame[frame["time"] <= pd.Timestamp("2020-04-01")]  # a quarter is enough
    long = (
        frame.rename(columns={"value": "PM2.5", "ws_ms": "WS", "wd_deg": "WD"})
        .melt(
            id_vars=["station_id", "time"],
            value_vars=["PM2.5", "WS", "WD"],
            var_name="pollutant",
            value_name="value",
        )
        .dropna(subset=["value"])
    )
    with ws.transaction() as tx:
        tx.write("stations", stations)
        tx.write("enterprises", enterprises)
        tx.write("gate_roads", gate_roads)
        tx.write("gangue_heaps", heaps)
    store_hourly(ws, long)
    text = "\n".join(describe(run_suspects(ws, SourcesOptions(freq="quarter"))))
    assert "赛鱼站 2020-01/2020-03：企业E1(北门)道路［厂门道路，焦化］" in text
    assert "None" not in text and "nan" not in text
    suspects = ws.read("source_suspects")
    road_rows = suspects[suspects["source_kind"] == "gate_road"]
    assert road_rows["industry"].tolist() == ["焦化"] and road_rows["rank"].tolist() == [1]
