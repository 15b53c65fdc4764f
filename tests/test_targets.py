"""Targets check against the annex values of 阳政办发〔2020〕131号 and the dustfall limit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from geoair.cli import main
from geoair.readings.store import store_dustfall, store_hourly
from geoair.readings.targets import check_targets
from geoair.store.open import init_workspace

STATIONS = gpd.GeoDataFrame(
    {
        "id": ["S01", "S02", "S03", "S04"],
        "name": ["市中心站", "南庄站", "赛鱼站", "城区降尘点1"],
        "kind": ["国控", "国控", "国控", "降尘点"],
        "county": ["城区", "城区", "矿区", "城区"],
    },
    geometry=[
        Point(113.58, 37.86),
        Point(113.57, 37.85),
        Point(113.50, 37.90),
        Point(113.60, 37.85),
    ],
    crs=4326,
)


def station_days(station: str, month: str, pm25) -> pd.DataFrame:
    dates = pd.date_range(f"{month}-01", periods=pd.Period(month).days_in_month)
    frame = pd.DataFrame({"station_id": station, "date": dates})
    # The other six indicators valid and low, so that every day is complete and its AQI
    # is set by PM2.5.
    others = {"PM10": 50.0, "SO2": 10.0, "NO2": 20.0, "CO": 0.5, "O3_1h_max": 80.0}
    for column, value in {**others, "O3_8h_max": 60.0}.items():
        frame[column] = value
    frame["PM2.5"] = np.broadcast_to(np.asarray(pm25, dtype=float), (len(dates),))
    frame["aqi"] = np.nan
    return frame


def targets(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scope", "target_name", "period", "metric", "value"])


# 阳政办发〔2020〕131号 附件1: 市中心站 55, 南庄站 60 (Nov 2020); 城区 56;
# 附件2: 城区 23 good days.
ANNEX = targets(
    [
        ("station", "市中心站", "2020-11", "pm25", 55.0),
        ("station", "南庄站", "2020-11", "pm25", 60.0),
        ("station", "赛鱼站", "2020-11", "pm25", 52.0),
        ("county", "城区", "2020-11", "pm25", 56.0),
        ("county", "城区", "2020-11", "good_days", 23.0),
        ("city", "阳泉市", "2020-11", "pm25", 57.0),
        ("county", "开发区", "2020-11", "pm25", 64.0),
    ]
)


@pytest.fixture
def daily() -> pd.DataFrame:
    centre = np.r_[np.full(24, 56.0), np.full(6, 100.0)]
    sai = np.full(30, 50.0)
    sai[:4] = np.nan  # 26 valid days
    return pd.concat(
        [
            station_days("S01", "2020-11", centre),
            station_days("S02", "2020-11", 52.0),
            station_days("S03", "2020-11", sai),
        ],
        ignore_index=True,
    )


def test_check_against_annex(daily):
    out = check_targets(ANNEX, daily, STATIONS).set_index(["scope", "target_name", "metric"])
    # 市中心站: (24*56 + 6*100) / 30 = 64.8 -> 65 > 55: missed by 10.
    centre = out.loc[("station", "市中心站", "pm25")]
    assert (centre["actual"], centre["target"], centre["difference"]) == (65.0, 55.0, 10.0)
    assert not centre["met"]
    assert out.loc[("station", "南庄站", "pm25"), "met"]
    # 赛鱼站: 26 valid days < 27: not judged, counts said.
    sai = out.loc[("station", "赛鱼站", "pm25")]
    assert pd.isna(sai["met"]) and np.isnan(sai["actual"])
    assert sai["validity"] == "invalid: 26/27 valid days"
    # 城区 per day = mean of 市中心站 and 南庄站: 54 on 24 days, (100+52)/2 = 76 on 6;
    # month (24*54 + 6*76) / 30 = 58.4 -> 58 > 56: missed.
    county = out.loc[("county", "城区", "pm25")]
    assert county["actual"] == 58 and not county["met"]
    assert county["basis"] == "daily mean of 2 station(s)"
    # Good days from the county's daily AQI: PM2.5 54 -> 74 (good), 76 -> 102 (not):
    # 24 good days >= 23: met.
    good = out.loc[("county", "城区", "good_days")]
    assert good["actual"] == 24 and good["met"]
    # City: mean of the three national stations per day; 赛鱼站 missing on days 1-4.
    # Days 1-4: 54; 5-24: (56+52+50)/3 = 52.67 -> 53; 25-30: (100+52+50)/3 = 67.33 -> 67;
    # month (4*54 + 20*53 + 6*67) / 30 = 55.93 -> 56 <= 57: met.
    city = out.loc[("city", "阳泉市", "pm25")]
    assert city["actual"] == 56 and city["met"]
    # A county without stations is reported, not judged.
    assert out.loc[("county", "开发区", "pm25"), "validity"].startswith("no data")
    assert pd.isna(out.loc[("county", "开发区", "pm25"), "met"])


def test_span_target(daily):
    oct_ = station_days("S01", "2020-10", 40.0)
    dec = station_days("S01", "2020-12", 50.0)
    both = pd.concat([daily, oct_, dec], ignore_index=True)
    table = targets([("station", "市中心站", "2020-10/2020-12", "pm25", 48.0)])
    row = check_targets(table, both, STATIONS).iloc[0]
    # (31*40 + 24*56 + 6*100 + 31*50) / 92 = 51.45 -> 51 > 48.
    assert row["actual"] == 51 and not row["met"]


def test_dustfall_against_limit(daily):
    dust = pd.DataFrame({"station_id": ["S04"], "month": ["2020-11"], "dustfall_t_km2": [9.6]})
    out = check_targets(ANNEX, daily, STATIONS, dustfall=dust, dustfall_limit_t_km2=9.0)
    rows = out[out["metric"] == "dustfall"]
    assert rows["scope"].tolist() == ["station", "county"]
    assert rows["target"].tolist() == [9.0, 9.0]
    assert not rows["met"].any()
    # A county's own dustfall target (阳政发〔2024〕8号: 7) wins over the setting.
    own = pd.concat([ANNEX, targets([("county", "城区", "2020-11", "dustfall", 10.0)])])
    out = check_targets(own, daily, STATIONS, dustfall=dust, dustfall_limit_t_km2=9.0)
    assert out[out["metric"] == "dustfall"]["met"].all()


def test_period_filter(daily):
    more = pd.concat([ANNEX, targets([("station", "市中心站", "2020-12", "pm25", 48.0)])])
    out = check_targets(more, daily, STATIONS, periods=["2020-12"])
    assert out["period"].tolist() == ["2020-12"]
    assert out["validity"].iloc[0].startswith("no data")


def test_cli_indicators_and_targets(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.write("stations", STATIONS)
    ws.write("targets", ANNEX)
    times = pd.date_range("2020-11-01 01:00", "2020-12-01 00:00", freq="h")
    hourly = pd.concat(
        [
            pd.DataFrame({"station_id": sid, "time": times, "pollutant": "PM2.5", "value": value})
            for sid, value in (("S01", 56.0), ("S02", 52.0))
        ]
    )
    store_hourly(ws, hourly)
    store_dustfall(
        ws, pd.DataFrame({"station_id": ["S04"], "month": ["2020-11"], "dustfall_t_km2": [9.6]})
    )
    runner = CliRunner()
    out_csv = tmp_path / "daily.csv"
    result = runner.invoke(
        main,
        [
            "indicators",
            "--period",
            "day",
            "--by",
            "station",
            "--out",
            str(out_csv),
            "-w",
            str(ws.root),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out_csv, encoding="utf-8-sig")
    for column in ("站点名称", "日期", "AQI", "空气质量类别", "首要污染物", "PM2.5（μg/m³）"):
        assert column in table.columns
    assert table["PM2.5（μg/m³）"].iloc[0] == 56
    result = runner.invoke(
        main, ["indicators", "--period", "month", "--by", "county", "-w", str(ws.root)]
    )
    assert result.exit_code == 0, result.output
    county = ws.read("county_monthly")
    assert county.set_index("county").loc["城区", "PM2.5"] == 54
    result = runner.invoke(main, ["targets", "check", "--month", "2020-11", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "未达标：站点 市中心站 2020-11 PM2.5：实测 56，目标 55" in result.output
    check = ws.read("targets_check")
    assert len(check) == len(ANNEX) + 2


ANNEX1 = """阳泉市 2020 年 10-12 月空气质量 PM_{2.5} 目标任务分解
一、全市 PM_{2.5} 目标任务分月分解
月份\t市控目标 (μ g/m ³)
均 10-12 月\t52
10 月\t44
11 月\t57
12 月\t54
二、全市各国控站 PM_{2.5} 目标任务分月分解
月份\t市中心站 (μ g/m ³)\t南庄站 (μ g/m ³)\t赛鱼站 (μ g/m ³)
均 10-12 月\t48\t54\t46
10 月\t41\t46\t38
11 月\t55\t60\t52
12 月\t48\t56\t49
三、全市各县区 PM_{2.5} 目标任务分月分解
月份\t城区 (μ g/m ³)\t矿区 (μ g/m ³)\t火星区 (μ g/m ³)
11 月\t56\t54\t1
"""
ANNEX2 = """阳泉市 2020 年 10-12 月优良天数目标任务分解
二、全市各县区优良天数目标任务分月分解
月份\t城区 (天)\t矿区 (天)
10-11 月\t48\t50
10 月\t25\t25
"""


def test_annex_targets_wide_tables(tmp_path):
    from geoair.readings.annex_targets import parse_annex_targets
    from geoair.readings.annex_targets import read_ragged_grid as read_grid

    path = tmp_path / "annex1.tsv"
    path.write_text(ANNEX1, encoding="utf-8")
    targets, rejects = parse_annex_targets(
        read_grid(path), year=2020, stations=STATIONS, city="阳泉市"
    )
    got = targets.set_index(["scope", "target_name", "period"])["value"]
    assert got[("city", "阳泉市", "2020-10/2020-12")] == 52
    assert got[("station", "市中心站", "2020-11")] == 55
    assert got[("station", "赛鱼站", "2020-12")] == 49
    assert got[("county", "城区", "2020-11")] == 56
    assert set(targets["metric"]) == {"pm25"}
    assert len(targets) == 4 + 12 + 2
    assert rejects["列"].tolist() == ["火星区"]
    path = tmp_path / "annex2.tsv"
    path.write_text(ANNEX2, encoding="utf-8")
    targets, _ = parse_annex_targets(read_grid(path), year=2020, stations=STATIONS)
    assert targets.values.tolist() == [
        ["county", "城区", "2020-10/2020-11", "good_days", 48.0],
        ["county", "矿区", "2020-10/2020-11", "good_days", 50.0],
        ["county", "城区", "2020-10", "good_days", 25.0],
        ["county", "矿区", "2020-10", "good_days", 25.0],
    ]


def test_cli_import_targets_annex(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.write("stations", STATIONS)
    path = tmp_path / "annex1.tsv"
    path.write_text(ANNEX1, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["import", "targets_annex", str(path), "-w", str(ws.root)])
    assert result.exit_code == 1
    assert "--date 2020" in result.output
    result = runner.invoke(
        main, ["import", "targets_annex", str(path), "--date", "2020", "-w", str(ws.root)]
    )
    assert result.exit_code == 0, result.output
    assert len(ws.read("targets")) == 18
    rejects = pd.read_csv(ws.rejects_dir / "targets_annex-annex1.csv", encoding="utf-8-sig")
    assert rejects["原因"].str.contains("既不是站点、县区，也不是全市").any()


def test_county_without_national_station_uses_its_park_station(daily):
    park = gpd.GeoDataFrame(
        {"id": ["S09"], "name": ["开发区空气站"], "kind": ["园区站"], "county": ["开发区"]},
        geometry=[Point(113.6, 37.9)],
        crs=4326,
    )
    stations = pd.concat([STATIONS, park], ignore_index=True)
    more = pd.concat([daily, station_days("S09", "2020-11", 70.0)], ignore_index=True)
    out = check_targets(ANNEX, more, stations).set_index(["scope", "target_name", "metric"])
    row = out.loc[("county", "开发区", "pm25")]
    assert row["actual"] == 70 and not row["met"]
    assert row["basis"] == "daily mean of 1 station(s) (园区站 only: no 国控/省控 station)"
    # 城区 has national stations: its park stations would not count.
    assert out.loc[("county", "城区", "pm25"), "actual"] == 58


def test_station_target_by_id(daily):
    table = targets([("station", "S02", "2020-11", "pm25", 60.0)])
    row = check_targets(table, daily, STATIONS).iloc[0]
    assert row["actual"] == 52 and row["met"]


def test_cli_refuses_malformed_month_and_day(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    runner = CliRunner()
    result = runner.invoke(main, ["targets", "check", "--month", "2020-13", "-w", str(ws.root)])
    assert result.exit_code == 2 and "请写成 2020-11" in result.output
    result = runner.invoke(main, ["indicators", "--start", "yesterday", "-w", str(ws.root)])
    assert result.exit_code == 2 and "请写成 2020-10-01" in result.output
    result = runner.invoke(main, ["indicators", "-w", str(ws.root)])
    assert result.exit_code == 1 and "geoair import readings" in result.output


# --- county-level units that are parks (开发区, 阳政办发〔2020〕131号 附件1 and 附件2) ------


def _park_city():
    """Two park stations (county 郊区, not 开发区) inside two parks; the 开发区 target."""
    from shapely.geometry import box

    park_stations = gpd.GeoDataFrame(
        {
            "id": ["S07", "S08"],
            "name": ["开发区空气站", "工业园区空气站"],
            "kind": ["园区站", "园区站"],
            "county": ["郊区", "郊区"],
        },
        geometry=[Point(113.41, 37.86), Point(113.39, 37.92)],
        crs=4326,
    )
    stations = pd.concat([STATIONS, park_stations], ignore_index=True)
    parks = gpd.GeoDataFrame(
        {"id": ["P01", "P02"], "name": ["阳泉经济技术开发区（高新区）", "郊区工业园区"]},
        geometry=[box(113.40, 37.85, 113.42, 37.87), box(113.38, 37.91, 113.40, 37.93)],
        crs=4326,
    )
    return stations, parks


@pytest.fixture
def park_daily(daily) -> pd.DataFrame:
    return pd.concat(
        [daily, station_days("S07", "2020-11", 70.0), station_days("S08", "2020-11", 60.0)],
        ignore_index=True,
    )


def test_unit_without_county_is_judged_from_the_park_its_name_is_in(park_daily):
    stations, parks = _park_city()
    out = check_targets(ANNEX, park_daily, stations, parks=parks).set_index(
        ["scope", "target_name", "metric"]
    )
    row = out.loc[("county", "开发区", "pm25")]
    # 开发区 is in 阳泉经济技术开发区（高新区）, whose station S07 reads 70 every day > 64.
    assert (row["actual"], row["target"], row["difference"]) == (70.0, 64.0, 6.0)
    assert row["met"] == False  # noqa: E712
    assert row["validity"] == "valid"
    assert row["basis"] == (
        "daily mean of 1 station(s) in park 阳泉经济技术开发区（高新区） "
        "(开发区 is judged from its park: park name contains the unit's name)"
    )
    # The counties and the city are as before (park stations are not theirs).
    assert out.loc[("county", "城区", "pm25"), "actual"] == 58
    assert out.loc[("city", "阳泉市", "pm25"), "actual"] == 56


def test_explicit_park_link_wins_over_the_name_match(park_daily):
    stations, parks = _park_city()
    out = check_targets(
        ANNEX, park_daily, stations, parks=parks, park_units={"开发区": ["P02"]}
    ).set_index(["scope", "target_name", "metric"])
    row = out.loc[("county", "开发区", "pm25")]
    assert row["actual"] == 60 and row["met"] == True  # noqa: E712
    assert row["basis"].endswith(
        "in park 郊区工业园区 (开发区 is judged from its park: [targets.park_units])"
    )


def test_unit_of_two_parks_is_the_daily_mean_of_their_stations(park_daily):
    stations, parks = _park_city()
    out = check_targets(
        ANNEX,
        park_daily,
        stations,
        parks=parks,
        park_units={"开发区": ["阳泉经济技术开发区（高新区）", "P02"]},
    )
    row = out[(out["target_name"] == "开发区")].iloc[0]
    # per day (70 + 60) / 2 = 65 > 64
    assert row["actual"] == 65 and row["met"] == False  # noqa: E712
    assert row["basis"].startswith(
        "daily mean of 2 station(s) in park 阳泉经济技术开发区（高新区）、郊区工业园区"
    )


def test_name_match_off_leaves_the_unit_unjudged(park_daily):
    stations, parks = _park_city()
    out = check_targets(ANNEX, park_daily, stations, parks=parks, park_units_by_name=False)
    row = out[(out["target_name"] == "开发区")].iloc[0]
    assert pd.isna(row["met"]) and row["validity"].startswith("no data")


def test_park_without_readings_says_which_park(daily):
    stations, parks = _park_city()
    out = check_targets(ANNEX, daily, stations, parks=parks)
    row = out[(out["target_name"] == "开发区")].iloc[0]
    assert pd.isna(row["met"])
    assert row["validity"] == (
        "no data: no air station with readings inside 阳泉经济技术开发区（高新区）"
    )


def test_unknown_park_in_the_link_is_refused(park_daily):
    from geoair.errors import IndicatorError

    stations, parks = _park_city()
    with pytest.raises(IndicatorError, match=r"开发区 = P09.*如 P01, P02"):
        check_targets(ANNEX, park_daily, stations, parks=parks, park_units={"开发区": "P09"})


def test_county_indicators_include_the_park_unit(tmp_path, park_daily):
    from geoair.workflows.indicators import indicator_table

    stations, parks = _park_city()
    ws = init_workspace(tmp_path / "ws")
    ws.write("stations", stations)
    ws.write("parks", parks)
    ws.write("targets", ANNEX)
    table = indicator_table(ws, park_daily.assign(aqi=50.0), period="month", by="county")
    row = table[table["county"] == "开发区"].iloc[0]
    assert (row["period"], row["PM2.5"], row["days_PM2.5"]) == ("2020-11", 70.0, 30)
    # 郊区 has only park stations here: its own value is their mean, (70 + 60) / 2.
    assert set(table["county"]) == {"城区", "矿区", "郊区", "开发区"}
    assert table.loc[table["county"] == "郊区", "PM2.5"].tolist() == [65.0]


def test_good_and_heavy_days_count_only_proven_days(daily):
    # 市中心站 (S01): 24 days at PM2.5 56 (good) and 6 at 100 (not good). Make 2 of the
    # good days incomplete (no NO2): they are unknown, not good.
    d = daily.copy()
    first = d.index[(d["station_id"] == "S01")][:2]
    d.loc[first, "NO2"] = np.nan
    rows = targets(
        [
            ("station", "市中心站", "2020-11", "good_days", 22.0),  # 22 proven: met
            ("station", "市中心站", "2020-11", "good_days", 23.0),  # 22 + 2 unknown: open
            ("station", "市中心站", "2020-11", "good_days", 25.0),  # at most 24: missed
            ("station", "市中心站", "2020-11", "heavy_days", 1.0),  # 0 heavy, 2 unknown: open
            ("station", "南庄站", "2020-11", "heavy_days", 0.0),  # complete, none: met
        ]
    )
    check = check_targets(rows, d, STATIONS)
    assert check["actual"].tolist() == [22, 22, 22, 0, 0]
    assert check["met"].astype(object).where(check["met"].notna(), None).tolist() == [
        True,
        None,
        False,
        None,
        True,
    ]
    assert check["days_unknown"].tolist() == [2, 2, 2, 2, 0]
    assert check["validity"].iloc[1].startswith("undetermined: 2 incomplete days")
    assert check["validity"].iloc[0] == "valid (2 days unknown, not counted)"
    # Four incomplete days leave 26 days with a known AQI: the month is not judged.
    d.loc[d.index[(d["station_id"] == "S01")][:4], "NO2"] = np.nan
    short = check_targets(rows.iloc[:1], d, STATIONS).iloc[0]
    assert pd.isna(short["met"])
    assert short["validity"] == "invalid: 26/27 days with an AQI (4 days unknown)"
