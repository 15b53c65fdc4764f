"""Readings import: layouts, units, impossible values, duplicates, unknown stations, store."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from geoair.cli import main
from geoair.errors import SchemaError, WorkspaceError
from geoair.readings.checks import parse_hourly
from geoair.readings.importing import import_dustfall, import_readings
from geoair.readings.store import hourly_dir, load_dustfall, load_hourly, store_hourly
from geoair.store.open import init_workspace

STATIONS = pd.DataFrame({"id": ["S01", "S02"], "name": ["市中心站", "赛鱼站"]})


@pytest.fixture
def ws(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    stations = gpd.GeoDataFrame(
        {
            "id": ["S01", "S02", "S03"],
            "name": ["市中心站", "赛鱼站", "城区降尘点1"],
            "kind": ["国控", "国控", "降尘点"],
            "county": ["城区", "矿区", "城区"],
        },
        geometry=[Point(113.58, 37.86), Point(113.50, 37.90), Point(113.60, 37.85)],
        crs=4326,
    )
    ws.write("stations", stations)
    return ws


def cells(rows: list[list], header: list[str], first_row: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = range(first_row, first_row + len(frame))
    return frame


def test_long_form():
    table = cells(
        [
            ["市中心站", "2020-11-01 01:00", "PM2.5", "35"],
            ["S02", "2020/11/1 2:00", "二氧化硫", "12"],
        ],
        ["站点名称", "时间", "污染物", "浓度"],
    )
    good, rejects, notes = parse_hourly(table, STATIONS)
    assert rejects.empty
    assert good["station_id"].tolist() == ["S01", "S02"]
    assert good["pollutant"].tolist() == ["PM2.5", "SO2"]
    assert good["time"].tolist() == [
        pd.Timestamp("2020-11-01 01:00"),
        pd.Timestamp("2020-11-01 02:00"),
    ]
    assert good["value"].tolist() == [35.0, 12.0]


def test_wide_form_with_chinese_headers_and_wind():
    table = cells(
        [["市中心", "2020-11-01 24:00", "35", "80", "1.2", "NE", "2.5"]],
        ["站点名称", "时间", "PM2.5", "PM10", "CO", "风向", "风速"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert rejects.empty
    got = good.set_index("pollutant")["value"].to_dict()
    assert got == {"PM2.5": 35.0, "PM10": 80.0, "CO": 1.2, "WD": 45.0, "WS": 2.5}
    # 24:00 is the next day's 00:00 label.
    assert set(good["time"]) == {pd.Timestamp("2020-11-02 00:00")}


def test_calm_wind_direction_is_missing_not_an_error():
    table = cells([["S01", "2020-11-01 01:00", "静风", "0.2"]], ["站点", "时间", "风向", "风速"])
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert rejects.empty
    assert good["pollutant"].tolist() == ["WS"]


def test_co_in_ug_by_header_is_converted_and_said():
    table = cells([["S01", "2020-11-01 01:00", "1200"]], ["站点", "时间", "CO(μg/m³)"])
    good, rejects, notes = parse_hourly(table, STATIONS)
    assert good["value"].tolist() == [1.2]
    assert notes == ["“CO(μg/m³)”列的单位是 µg/m³：CO 已换算为 mg/m³（÷1000）"]


def test_co_in_ug_without_label_is_rejected():
    table = cells(
        [["S01", "2020-11-01 01:00", "800"], ["S01", "2020-11-01 02:00", "1.1"]],
        ["站点", "时间", "CO"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert good["value"].tolist() == [1.1]
    assert rejects["行号"].tolist() == [2]
    assert rejects["原因"].iloc[0].startswith("CO超过")
    assert "像是按 µg/m³ 填的；CO应以 mg/m³ 为单位：请除以1000" in rejects["原因"].iloc[0]


def test_negative_and_impossible_values():
    table = cells(
        [
            ["S01", "2020-11-01 01:00", "-3", "50", "400"],
            ["S01", "2020-11-01 02:00", "2500", "50", "90"],
        ],
        ["站点", "时间", "PM2.5", "NO2", "风向"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    keys = zip(rejects["行号"], rejects["污染物"], strict=True)
    reasons = dict(zip(keys, rejects["原因"], strict=True))
    assert reasons[(2, "PM2.5")] == "数值为负，浓度等监测值不可能小于0，请核对"
    assert reasons[(2, "风向")] == "风向超过360°，请核对（风向为0–360°）"
    assert reasons[(3, "PM2.5")].startswith("PM2.5超过")
    assert "实际不可能出现，请核对单位和仪器" in reasons[(3, "PM2.5")]
    assert len(good) == 3  # NO2 twice, WD once


def test_duplicate_station_hour_two_values_rejects_both():
    table = cells(
        [
            ["S01", "2020-11-01 01:00", "PM2.5", "35"],
            ["S01", "2020-11-01 01:00", "PM2.5", "38"],
            ["S02", "2020-11-01 01:00", "PM2.5", "20"],
            ["S02", "2020-11-01 01:00", "PM2.5", "20"],
        ],
        ["站点", "时间", "污染物", "浓度"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert good[["station_id", "value"]].values.tolist() == [["S02", 20.0]]
    assert rejects["行号"].tolist() == [2, 3, 5]
    assert rejects["原因"].iloc[0] == (
        "同一站点同一小时在第2、3行有不同的数值，请只保留正确的一行后重新导入"
    )
    assert rejects["原因"].iloc[2] == "与第4行重复（数值相同），只保留一次"


def test_unknown_station_bad_time_not_on_hour():
    table = cells(
        [
            ["火星站", "2020-11-01 01:00", "35"],
            ["S01", "yesterday", "35"],
            ["S01", "2020-11-01 01:30", "35"],
        ],
        ["站点", "时间", "PM2.5"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert good.empty
    assert rejects["行号"].tolist() == [2, 3, 4]
    assert rejects["原因"].iloc[0].startswith("站点不在工作区的站点图层中，请更正站点名称")
    assert rejects["原因"].iloc[1] == "时间无法读取，请写成 2020-11-01 13:00"
    assert rejects["原因"].iloc[2].startswith("时间不是整点")
    assert rejects["污染物"].iloc[:2].tolist() == ["", ""]  # a row-level reason: no pollutant


def test_missing_columns_explained():
    with pytest.raises(SchemaError, match="^监测数据表中没有“站点名称”列（现有列：时间, PM2.5）"):
        parse_hourly(cells([["2020-11-01 01:00", "35"]], ["时间", "PM2.5"]), STATIONS)


def test_time_zones_and_hour_column():
    table = cells(
        [["S01", "2020-10-31T17:00:00Z", "35"], ["S01", "2020-11-01T02:00:00+08:00", "36"]],
        ["站点", "时间", "PM2.5"],
    )
    good, _, _ = parse_hourly(table, STATIONS)
    assert good["time"].tolist() == [
        pd.Timestamp("2020-11-01 01:00"),
        pd.Timestamp("2020-11-01 02:00"),
    ]
    table = cells([["S01", "2020-11-01", "24", "35"]], ["站点", "日期", "小时", "PM2.5"])
    good, _, _ = parse_hourly(table, STATIONS)
    assert good["time"].tolist() == [pd.Timestamp("2020-11-02 00:00")]


def test_excel_serial_times_are_rounded_to_the_second():
    # 44136.083333333 is 2020-11-01 02:00 less 0.03 ms: Excel's serial days carry
    # float round-off, which must not make the hour "not on the hour".
    table = cells(
        [["S01", "44136.0416666667", "35"], ["S01", "44136.083333333", "36"]],
        ["站点", "时间", "PM2.5"],
    )
    good, rejects, _ = parse_hourly(table, STATIONS)
    assert rejects.empty
    assert good["time"].tolist() == [
        pd.Timestamp("2020-11-01 01:00"),
        pd.Timestamp("2020-11-01 02:00"),
    ]


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_import_csv_gbk_with_title_rejects_file(ws, tmp_path):
    text = (
        "阳泉市空气质量小时数据\n站点名称,时间,PM2.5,CO\n"
        "市中心站,2020-11-01 01:00,35,1.1\n"
        "火星站,2020-11-01 01:00,35,1.1\n"
        "赛鱼站,2020-11-01 01:00,-1,900\n"
    )
    path = write_csv(tmp_path / "hourly.csv", text, "gbk")
    report = import_readings(ws, path)
    assert report.imported == 2 and report.rejected == 3
    rejects_file = ws.rejects_dir / "readings-hourly.csv"
    assert report.rejects_path == rejects_file
    saved = pd.read_csv(rejects_file, encoding="utf-8-sig")
    # File rows: title 1, header 2, data 3-5.
    assert saved["行号"].tolist() == [4, 5, 5]
    stored = load_hourly(ws)
    assert stored["station_id"].tolist() == ["S01", "S01"]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_import_excel_and_parquet(ws, tmp_path, suffix):
    frame = pd.DataFrame(
        {
            "站点名称": ["市中心站", "赛鱼站"],
            "时间": [pd.Timestamp("2020-11-01 01:00")] * 2,
            "PM10": [80.0, 90.0],
        }
    )
    path = tmp_path / f"hourly{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    report = import_readings(ws, path)
    assert report.rejected == 0 and report.rejects_path is None
    assert load_hourly(ws)["value"].tolist() == [80.0, 90.0]


def sample(station, start, hours, pollutant="PM2.5", value=10.0):
    times = pd.date_range(start, periods=hours, freq="h")
    return pd.DataFrame(
        {"station_id": station, "time": times, "pollutant": pollutant, "value": value}
    )


def test_store_partitions_and_replaces(ws):
    store_hourly(
        ws,
        pd.concat(
            [sample("S01", "2020-10-31 22:00", 4), sample("S02", "2020-10-31 22:00", 4, "WS", 2.0)]
        ),
    )
    parts = sorted(
        p.relative_to(hourly_dir(ws)).as_posix() for p in hourly_dir(ws).rglob("*.parquet")
    )
    assert parts == ["year=2020/month=10/data.parquet", "year=2020/month=11/data.parquet"]
    # The hour ending 2020-11-01 00:00 belongs to October 31, and is stored with October.
    october = pd.read_parquet(hourly_dir(ws) / "year=2020" / "month=10" / "data.parquet")
    assert october["time"].max() == pd.Timestamp("2020-11-01 00:00")
    # A corrected value for one stored station-hour replaces it; nothing is duplicated.
    store_hourly(ws, sample("S01", "2020-11-01 00:00", 1, value=99.0))
    got = load_hourly(ws, station_ids=["S01"])
    assert len(got) == 4
    assert got.set_index("time").loc[pd.Timestamp("2020-11-01 00:00"), "value"] == 99.0


def test_load_hourly_filters(ws):
    store_hourly(
        ws,
        pd.concat(
            [
                sample("S01", "2020-10-01 01:00", 24 * 40),
                sample("S02", "2020-10-01 01:00", 24 * 40, "WS", 2.0),
            ]
        ),
    )
    got = load_hourly(
        ws, station_ids=["S02"], pollutants=["WS"], start="2020-11-01", end="2020-11-02"
    )
    assert set(got["station_id"]) == {"S02"}
    # Dates mean whole days: from the hour ending 01:00 to the next day's 00:00 label.
    assert got["time"].min() == pd.Timestamp("2020-11-01 01:00")
    assert got["time"].max() == pd.Timestamp("2020-11-03 00:00")
    assert list(got.columns) == ["station_id", "time", "pollutant", "value"]
    assert str(got["time"].dtype).startswith("datetime64")


def test_load_hourly_empty_store(ws):
    with pytest.raises(WorkspaceError, match="geoair import readings"):
        load_hourly(ws)
    assert load_hourly(ws, required=False).empty


def test_dustfall_import(ws, tmp_path):
    text = (
        "站点名称,月份,降尘量\n城区降尘点1,2020年11月,9.6\n城区降尘点1,2020-12,-2\n"
        "城区降尘点1,2021-01,9000\n无名点,2020-11,5\n"
    )
    path = write_csv(tmp_path / "dust.csv", text)
    report = import_dustfall(ws, path)
    assert report.imported == 1 and report.rejected == 3
    rejects = pd.read_csv(report.rejects_path, encoding="utf-8-sig")
    assert rejects["行号"].tolist() == [3, 4, 5]
    assert rejects["原因"].tolist()[0] == "降尘量为负，不可能小于0，请核对"
    assert rejects["原因"].iloc[1].startswith("降尘量超过")
    assert "请核对单位" in rejects["原因"].iloc[1]
    assert rejects["原因"].iloc[2].startswith("站点不在工作区的站点图层中")
    assert load_dustfall(ws)["dustfall_t_km2"].tolist() == [9.6]


def test_cli_import_readings(ws, tmp_path):
    text = "站点,时间,PM2.5\n市中心站,2020-11-01 01:00,35\n"
    path = write_csv(tmp_path / "h.csv", text)
    result = CliRunner().invoke(main, ["import", "readings", str(path), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "小时监测数据：从 h.csv 读取 1 行，导入 1 行" in result.output
    assert np.isclose(load_hourly(ws)["value"].iloc[0], 35.0)


def test_cli_import_dustfall_and_excel_with_title(ws, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["阳泉市降尘监测月报"])
    sheet.append(["站点名称", "月份", "降尘量(吨/平方公里·月)"])
    sheet.append(["城区降尘点1", "2020-11", 9.6])
    sheet.append(["城区降尘点1", "2020-12", 8.1])
    path = tmp_path / "dust.xlsx"
    book.save(path)
    result = CliRunner().invoke(main, ["import", "dustfall", str(path), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "降尘：从 dust.xlsx 读取 2 行，导入 2 行" in result.output
    assert load_dustfall(ws, months=["2020-12"])["dustfall_t_km2"].tolist() == [8.1]
