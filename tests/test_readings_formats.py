"""Readings as downloaded: the national platform's hourly export, the shared archive by
station, research archives (year, month, day, hour), units, wind, several files at once."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geoair.cli import main
from geoair.errors import SchemaError
from geoair.imports.pipeline import import_file
from geoair.readings.checks import parse_hourly
from geoair.readings.importing import import_readings
from geoair.readings.parse import detect_layout, parse_units
from geoair.readings.store import load_hourly
from geoair.workflows.imports import describe

PLATFORM = [
    "timepoint",
    "stationcode",
    "longitude",
    "latitude",
    "area",
    "positionname",
    "primarypollutant",
    "aqi",
    "pm10",
    "pm10_24h",
    "pm2_5",
    "pm2_5_24h",
    "o3",
    "o3_24h",
    "o3_8h",
    "o3_8h_24h",
    "no2",
    "no2_24h",
    "so2",
    "so2_24h",
    "co",
    "co_24h",
]

# Hand-worked hourly AQI (HJ 633-2012 Table 1; SO2, NO2, CO, O3 on the 1-hour tables,
# PM10 and PM2.5 hourly values on the 24-hour tables; IAQI rounded up):
# (pm10, pm2_5, o3, no2, so2, co) -> published aqi, primary pollutant
HOURS = [
    # PM2.5 36: 50 + 50/40*1 = 51.25 -> 52; O3 100 (1 h): 31.25 -> 32; the rest lower.
    ((50, 36, 100, 40, 10, 0.5), 52, "PM2.5"),
    # O3 201 (1 h): 100 + 50/100*1 = 100.5 -> 101; PM2.5 75 -> 100.
    ((60, 75, 201, 30, 8, 0.6), 101, "O3"),
    # PM2.5 75 and PM10 150 both 100: both named (in the order of HJ 633 Table 1).
    ((150, 75, 60, 30, 8, 0.6), 100, "PM10,PM2.5"),
    # All low: PM10 20 -> 20; PM2.5 10 -> 14.29 -> 15; O3 50 -> 15.6 -> 16: AQI 20, no
    # primary pollutant (AQI <= 50).
    ((20, 10, 50, 20, 5, 0.3), 20, None),
    # NO2 250 (1 h): 100 + 50*50/500 = 105; CO 12 (1 h): 100 + 50*2/25 = 104.
    ((40, 30, 60, 250, 5, 12.0), 105, "NO2"),
    # SO2 600 (1 h): 100 + 50*100/150 = 133.3 -> 134.
    ((40, 30, 60, 30, 600, 0.8), 134, "SO2"),
    # CO 5 (1 h) exactly 50; PM10 51: 50 + 50/100 = 50.5 -> 51.
    ((51, 20, 60, 30, 5, 5.0), 51, "PM10"),
    # PM2.5 120 on the 24-h table: 150 + 50*5/35 = 157.1 -> 158.
    ((100, 120, 60, 30, 5, 0.8), 158, "PM2.5"),
]


def rejects_of(report) -> pd.DataFrame:
    """The rejects file the user opens, as text."""
    assert report.rejects_path is not None
    return pd.read_csv(report.rejects_path, dtype=str, keep_default_na=False)


def platform_rows(time: str, stations, values, aqi, primary) -> list[list[str]]:
    rows = []
    for (code, name, lon, lat), v, a, p in zip(stations, values, aqi, primary, strict=True):
        pm10, pm25, o3, no2, so2, co = v
        rows.append(
            [time, code, lon, lat, "阳泉", name, p or "—", a, pm10, "", pm25, "", o3, "", "", ""]
            + [no2, "", so2, "", co, ""]
        )
    return rows


def write_platform(path, header, rows, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


STATIONS = [("1001A", "市中心", "113.58", "37.86"), ("1002A", "南庄", "113.57", "37.85")]


@pytest.fixture
def archive(tmp_path):
    """Four hourly platform files of two stations: the HOURS above, two per file."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(4):
        time = f"2020-11-01 {i + 1:02d}:00:00"
        pair = HOURS[2 * i : 2 * i + 2]
        rows = platform_rows(
            time, STATIONS, [h[0] for h in pair], [h[1] for h in pair], [h[2] for h in pair]
        )
        write_platform(folder / f"china_sites_2020110{i + 1}.csv", PLATFORM, rows)
    return folder


def test_platform_export_gives_stations_and_readings(ws, archive):
    report = import_file(ws, "stations", sorted(archive.glob("*.csv"))[0])
    assert report.imported == 2
    stations = ws.read("stations")
    assert stations["id"].tolist() == ["1001A", "1002A"]
    assert stations["name"].tolist() == ["市中心", "南庄"]
    assert stations["city"].tolist() == ["阳泉", "阳泉"]
    assert stations.geometry.x.round(2).tolist() == [113.58, 113.57]
    result = import_readings(ws, [archive])
    assert result.files == 4
    assert result.imported == 4 * 2 * 6
    stored = load_hourly(ws)
    # The published columns (aqi, *_24h, o3_8h) are never stored.
    assert set(stored["pollutant"]) == {"PM2.5", "PM10", "SO2", "NO2", "CO", "O3"}
    assert result.checks["AQI"] == (8, 0)  # every published AQI reproduced
    assert any("不一致" in line for line in describe(result))


def test_hourly_aqi_reproduces_the_platform(ws, archive, tmp_path):
    import_file(ws, "stations", sorted(archive.glob("*.csv"))[0])
    import_readings(ws, archive)
    out = tmp_path / "hourly.csv"
    result = CliRunner().invoke(
        main, ["indicators", "--period", "hour", "-w", str(ws.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = ws.read("station_hourly")
    assert list(table.columns) == [
        "station_id",
        "station",
        "time",
        "aqi",
        "category",
        "primary_pollutant",
    ]
    got = table.sort_values(["time", "station_id"])
    assert got["aqi"].tolist() == [h[1] for h in HOURS]
    assert [p if isinstance(p, str) else None for p in got["primary_pollutant"]] == [
        h[2] for h in HOURS
    ]
    assert got["category"].tolist()[:4] == ["良", "轻度污染", "良", "优"]
    assert got["station"].iloc[0] == "市中心"


def test_platform_files_as_they_come(ws, tmp_path):
    """BOM, GBK, another column order, an extra column, an empty file, '—' and a
    missing hour, all in one folder."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    values = [(50, 36, 100, 40, 10, 0.5), (60, 40, 90, 30, 8, 0.6)]
    rows = platform_rows("2020-11-01 01:00:00", STATIONS, values, [52, 57], ["PM2.5"] * 2)
    write_platform(folder / "a.csv", PLATFORM, rows, encoding="utf-8-sig")
    rows = platform_rows("2020-11-01 02:00:00", STATIONS, values, [52, 57], ["PM2.5"] * 2)
    rows[1][10] = "—"  # PM2.5 missing at 1002A
    write_platform(folder / "b.csv", PLATFORM, rows, encoding="gbk")
    order = list(reversed(PLATFORM)) + ["remark"]
    rows = platform_rows("2020-11-01 04:00:00", STATIONS, values, [52, 57], ["PM2.5"] * 2)
    write_platform(folder / "c.csv", order, [list(reversed(r)) + ["良"] for r in rows])
    (folder / "d.csv").write_bytes(b"")
    import_file(ws, "stations", folder / "a.csv")
    result = import_readings(ws, folder)
    assert result.imported == 3 * 2 * 6 - 1
    assert result.rejected == 0
    notes = "\n".join(result.notes)
    assert "1个文件是空的" in notes
    assert "1个整点没有任何站点的数据" in notes and "2020-11-01 03:00" in notes
    assert "remark" in notes  # the extra column is named as not imported
    stored = load_hourly(ws, station_ids=["1002A"], pollutants=["PM2.5"])
    assert stored["time"].dt.hour.tolist() == [1, 4]


def test_shared_archive_by_station_and_its_station_list(ws, tmp_path):
    stations = tmp_path / "站点列表.csv"
    stations.write_text(
        "监测点编码,监测点名称,城市,经度,纬度,对照点\n"
        "1001A,市中心,阳泉,113.58,37.86,N\n1002A,南庄,阳泉,113.57,37.85,N\n",
        encoding="utf-8",
    )
    report = import_file(ws, "stations", stations)
    assert report.imported == 2
    assert ws.read("stations")["city"].tolist() == ["阳泉", "阳泉"]
    day = tmp_path / "china_sites_20201101.csv"
    lines = ["date,hour,type,1001A,1002A"]
    for hour in (0, 1):
        # Hour 0 of 2020-11-01 is the label 2020-11-01 00:00 (the last hour of Oct 31).
        lines += [
            f"20201101,{hour},AQI,52,20",
            f"20201101,{hour},PM2.5,36,10",
            f"20201101,{hour},PM2.5_24h,40,12",
            f"20201101,{hour},PM10,50,20",
            f"20201101,{hour},PM10_24h,55,22",
            f"20201101,{hour},SO2,10,5",
            f"20201101,{hour},NO2,40,20",
            f"20201101,{hour},O3,100,50",
            f"20201101,{hour},O3_8h,90,45",
            f"20201101,{hour},CO,0.5,0.3",
        ]
    day.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_readings(ws, day)
    assert result.imported == 2 * 2 * 6
    stored = load_hourly(ws)
    assert sorted(set(stored["time"])) == [
        pd.Timestamp("2020-11-01 00:00"),
        pd.Timestamp("2020-11-01 01:00"),
    ]
    assert set(stored["pollutant"]) == {"PM2.5", "PM10", "SO2", "NO2", "CO", "O3"}
    assert result.checks["AQI"] == (4, 0)


def research_archive(path, co_unit_ug=True, station="Dongsi"):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(48):
        day, hour = 1 + i // 24, i % 24
        co = rng.integers(300, 2500) if co_unit_ug else round(rng.uniform(0.3, 2.5), 1)
        wd = ["N", "NNE", "NE", "ENE", "E", "SSW", "NW", "NNW"][i % 8]
        pm25 = "NA" if i == 5 else str(rng.integers(5, 200))
        rows.append(
            [i + 1, 2017, 1, day, hour, pm25, 80, 10, 40, co, 60, -2.1, 1025, -20, 0, wd, 2.3]
            + [station]
        )
    header = "No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,station"
    text = header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws_dongsi(ws):
    import geopandas as gpd
    from shapely.geometry import Point

    stations = gpd.GeoDataFrame(
        {"id": ["1003A"], "name": ["Dongsi"], "kind": ["国控"], "county": ["东城区"]},
        geometry=[Point(116.417, 39.929)],
        crs=4326,
    )
    ws.write("stations", stations)
    return ws


def test_research_archive_co_in_ug_is_one_unit_error(ws_dongsi, tmp_path):
    path = research_archive(tmp_path / "PRSA_Data_Dongsi.csv")
    result = import_readings(ws_dongsi, path)
    rejects = rejects_of(result)
    co = rejects[rejects["污染物"] == "CO"]
    assert len(co) == 1  # reported once for the whole column, not value by value
    assert "大多超过 60 mg/m³" in co["原因"].iloc[0]
    assert "--units CO=ug/m3" in co["原因"].iloc[0]
    stored = load_hourly(ws_dongsi)
    assert "CO" not in set(stored["pollutant"])  # nothing of that column is stored
    assert set(stored["pollutant"]) == {"PM2.5", "PM10", "SO2", "NO2", "O3", "WS", "WD"}
    # hour 0 of 2017-01-01 is the label 2017-01-01 00:00; NA is missing, not an error.
    assert stored["time"].min() == pd.Timestamp("2017-01-01 00:00")
    assert (stored["pollutant"] == "PM2.5").sum() == 47
    wind = stored[stored["pollutant"] == "WD"].sort_values("time")["value"].tolist()
    assert wind[:8] == [0, 22.5, 45, 67.5, 90, 202.5, 315, 337.5]
    assert any("TEMP" in note for note in result.notes)


def test_research_archive_with_declared_units(ws_dongsi, tmp_path):
    path = research_archive(tmp_path / "PRSA_Data_Dongsi.csv")
    lines: list[str] = []
    result = CliRunner().invoke(
        main,
        ["import", "readings", str(path), "--units", "CO=ug/m3", "-w", str(ws_dongsi.root)],
    )
    assert result.exit_code == 0, result.output
    lines = result.output
    co = load_hourly(ws_dongsi, pollutants=["CO"])
    assert len(co) == 48 and co["value"].between(0.3, 2.5).all()
    assert "CO 已换算为 mg/m³" in lines


def test_research_archive_station_not_in_workspace_says_how(ws_dongsi, tmp_path):
    path = research_archive(tmp_path / "PRSA_Data_Tiantan.csv", station="Tiantan")
    result = import_readings(ws_dongsi, path, units=["CO=ug/m3"])
    assert result.imported == 0
    assert result.rejected == 1  # one line for the station, not one per row
    assert "本文件共48行" in rejects_of(result)["原因"].iloc[0]
    note = next(n for n in result.notes if "不在工作区的站点图层中" in n)
    assert "Tiantan" in note and "geoair import stations" in note


def test_mg_and_ug_column_values_below_60_no_longer_pass(ws_dongsi, tmp_path):
    # A CO column in µg/m³ with many values under 60 would pass value by value; the
    # column is judged as a whole: mostly above the limit -> a unit error.
    path = tmp_path / "co.csv"
    lines = ["站点名称,时间,CO"] + [
        f"Dongsi,2020-11-01 {h:02d}:00,{v}"
        for h, v in zip(
            range(1, 11), [40, 55, 900, 1200, 800, 700, 650, 1000, 30, 1500], strict=True
        )
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_readings(ws_dongsi, path)
    assert result.imported == 0
    assert result.rejected == 1


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("北", 0.0),
        ("东北偏北", 22.5),
        ("东北", 45.0),
        ("西北偏北", 337.5),
        ("南风", 180.0),
        ("225", 225.0),
        ("SSW", 202.5),
    ],
)
def test_wind_direction_words(text, degrees):
    cells = pd.DataFrame([["S01", "2020-11-01 01:00", text]], columns=["站点", "时间", "风向"])
    cells.index = [2]
    stations = pd.DataFrame({"id": ["S01"], "name": ["市中心站"]})
    good, rejects, _ = parse_hourly(cells, stations)
    assert rejects.empty
    assert good["value"].tolist() == [degrees]


@pytest.mark.parametrize(
    ("wind", "pm10"), [("静风", "NA"), ("C", "—"), ("静风", "-9999"), ("", ""), ("NA", "-")]
)
def test_calm_and_missing_markers(wind, pm10):
    cells = pd.DataFrame(
        [["S01", "2020-11-01 01:00", wind, pm10]], columns=["站点", "时间", "风向", "PM10"]
    )
    cells.index = [2]
    stations = pd.DataFrame({"id": ["S01"], "name": ["市中心站"]})
    good, rejects, _ = parse_hourly(cells, stations)
    assert good.empty and rejects.empty


def test_parse_units():
    assert parse_units(["CO=ug/m3"]) == {"CO": 0.001}
    assert parse_units(["co=µg/m³", "PM2.5=mg/m3", "SO2=ug/m3"]) == {
        "CO": 0.001,
        "PM2.5": 1000.0,
        "SO2": 1.0,
    }
    with pytest.raises(SchemaError, match="--units"):
        parse_units(["CO=ppm"])
    with pytest.raises(SchemaError, match="--units"):
        parse_units(["XYZ=ug/m3"])


def test_layouts_recognised():
    assert detect_layout(PLATFORM).kind == "wide"
    layout = detect_layout(PLATFORM)
    assert layout.station == "stationcode" and layout.station_name == "positionname"
    assert dict(layout.published)["AQI"] == "aqi"
    assert dict(layout.pollutants)["PM2.5"] == "pm2_5"
    assert detect_layout(["date", "hour", "type", "1001A", "1002A"]).kind == "by_station"
    research = detect_layout(["No", "year", "month", "day", "hour", "PM2.5", "station"])
    assert research.time_mode == "ymdh"
    assert detect_layout(["站点", "日期", "小时", "PM2.5"]).time_mode == "date_hour"


def test_several_files_rejects_name_the_file(ws_dongsi, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("站点名称,时间,PM2.5\nDongsi,2020-11-01 01:00,-5\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("站点名称,时间,PM2.5\nDongsi,2020-11-01 02:00,30\n", encoding="utf-8")
    result = import_readings(ws_dongsi, [a, b])
    assert result.imported == 1
    assert rejects_of(result)["文件"].tolist() == ["a.csv"]
    assert (ws_dongsi.rejects_dir / "readings-a等2个文件.csv").exists()


def test_duplicates_across_files(ws_dongsi, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("站点名称,时间,PM2.5\nDongsi,2020-11-01 01:00,30\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("站点名称,时间,PM2.5\nDongsi,2020-11-01 01:00,31\n", encoding="utf-8")
    result = import_readings(ws_dongsi, [a, b])
    assert result.imported == 0
    assert result.rejected == 2
    assert rejects_of(result)["原因"].str.contains("有不同的数值").all()


# Rows of the national platform's hourly station export as published for 2022-01-04
# 16:00 (values as published; empty = not published). The aqi column is the platform's:
# geoair must give the same, and no AQI where the platform gives none (a pollutant missing).
PUBLISHED = """\
timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h
2022-01-04T16:00:00,1001A,116.3621,39.8784,北京市,万寿西宫,细颗粒物(PM2.5),74,79,56,54,33,43,19,24,20,61,56,12,7,1.4,1
2022-01-04T16:00:00,1002A,116.2202,40.2915,北京市,定陵(对照点),颗粒物(PM10),56,62,31,33,15,65,38,47,41,30,11,6,3,0.9,0.4
2022-01-04T16:00:00,1009A,116.6275,40.3275,北京市,怀柔镇,,50,50,34,27,17,53,45,40,40,25,22,6,3,0.7,0.5
2022-01-04T16:00:00,1012A,116.184,39.9136,北京市,古城,颗粒物(PM10),84,117,57,46,29,27,16,18,18,52,48,8,4,1.2,0.7
2022-01-04T16:00:00,1015A,117.1444,39.1661,天津市,勤俭道,,,48,93,23,47,57,57,35,35,,62,9,11,,1.3
2022-01-04T16:00:00,1034A,114.509,38.0457,石家庄市,人民会堂,,,116,112,53,60,30,29,19,19,39,53,8,10,,1.1
2022-01-04T16:00:00,1081A,112.5139,37.8873,太原市,尖草坪,细颗粒物(PM2.5),108,150,101,81,52,39,36,24,24,64,65,40,20,1.6,1.2
2022-01-04T16:00:00,1140A,126.6206,45.6842,哈尔滨市,省农科院,细颗粒物(PM2.5),122,110,137,92,104,52,33,29,29,40,49,38,47,1.3,1.8
2022-01-04T16:00:00,1151A,118.8086,32.1065,南京市,迈皋桥,细颗粒物(PM2.5),117,133,189,88,121,77,77,43,43,75,131,4,6,1.3,1.5
2022-01-04T16:00:00,1177A,117.179,34.2761,徐州市,黄河新村,细颗粒物(PM2.5),160,195,240,122,148,32,15,19,19,71,90,10,9,1.3,1.4
"""


def test_hourly_aqi_equals_the_published_rows(ws, tmp_path):
    path = tmp_path / "2022-01-04T16.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    import_file(ws, "stations", path)
    result = import_readings(ws, path)
    assert result.checks["AQI"] == (8, 0)  # 8 published AQIs, all reproduced
    assert result.check_path is None
    runner = CliRunner().invoke(main, ["indicators", "--period", "hour", "-w", str(ws.root)])
    assert runner.exit_code == 0, runner.output
    got = ws.read("station_hourly").set_index("station_id")
    published = pd.read_csv(path, dtype={"stationcode": str}).set_index("stationcode")
    assert got.index.sort_values().tolist() == published.index.sort_values().tolist()
    both = published["aqi"].reindex(got.index)
    assert got["aqi"].isna().tolist() == both.isna().tolist()  # none where one is missing
    assert (got["aqi"].dropna() == both.dropna()).all()
    words = {"细颗粒物(PM2.5)": "PM2.5", "颗粒物(PM10)": "PM10"}
    expected = published["primarypollutant"].map(words).reindex(got.index)
    assert got["primary_pollutant"].fillna("").tolist() == expected.fillna("").tolist()


def test_cli_refuses_units_and_several_files_for_layers(ws, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (a, b):
        path.write_text("站点编号,站点名称,经度,纬度\nS1,甲,113.5,37.8\n", encoding="utf-8")
    runner = CliRunner()
    several = runner.invoke(main, ["import", "stations", str(a), str(b), "-w", str(ws.root)])
    assert several.exit_code == 2 and "一次只能导入一个文件" in several.output
    units = runner.invoke(
        main, ["import", "stations", str(a), "--units", "CO=ug/m3", "-w", str(ws.root)]
    )
    assert units.exit_code == 2 and "--units 只用于监测数据" in units.output
    hourly = runner.invoke(
        main, ["indicators", "--period", "hour", "--by", "county", "-w", str(ws.root)]
    )
    assert hourly.exit_code == 2 and "小时AQI按站点计算" in hourly.output


def test_a_file_without_station_or_time_is_named(ws_dongsi, tmp_path):
    good = tmp_path / "a.csv"
    good.write_text("站点名称,时间,PM2.5\nDongsi,2020-11-01 01:00,30\n", encoding="utf-8")
    bad = tmp_path / "b.csv"
    bad.write_text("名称,数值\nDongsi,30\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="^b.csv：监测数据表中没有“站点名称”“时间”列"):
        import_readings(ws_dongsi, [good, bad])
    assert load_hourly(ws_dongsi, required=False).empty  # nothing stored
