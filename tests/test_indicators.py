"""Validity rules (GB 3095-2012, HJ 663-2013), percentiles, periods, groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoair.readings.indicators import (
    daily_values,
    group_daily,
    min_days,
    percentile_hj663,
    period_values,
)


def hourly(station: str, pollutant: str, times, values) -> pd.DataFrame:
    times = pd.DatetimeIndex(times)
    values = np.broadcast_to(np.asarray(values, dtype=float), (len(times),))
    return pd.DataFrame(
        {"station_id": station, "time": times, "pollutant": pollutant, "value": values}
    )


def day_hours(day: str, hours) -> list[pd.Timestamp]:
    """End-of-hour labels 1..24 of ``day`` (24 is the next day's 00:00)."""
    return [pd.Timestamp(day) + pd.Timedelta(hours=h) for h in hours]


def test_day_holds_labels_0100_to_next_0000():
    frame = hourly("A", "PM2.5", day_hours("2020-11-01", range(1, 25)), 40.0)
    daily = daily_values(frame)
    assert daily["date"].tolist() == [pd.Timestamp("2020-11-01")]
    assert daily["n_PM25"].tolist() == [24]


def test_day_needs_20_hours():
    frame = pd.concat(
        [
            hourly("A", "PM2.5", day_hours("2020-11-01", range(1, 21)), 40.0),  # 20 hours
            hourly("A", "PM2.5", day_hours("2020-11-02", range(1, 20)), 40.0),  # 19 hours
        ]
    )
    daily = daily_values(frame).set_index("date")
    assert daily.loc["2020-11-01", "PM2.5"] == 40
    assert np.isnan(daily.loc["2020-11-02", "PM2.5"])
    assert daily.loc["2020-11-02", "n_PM25"] == 19
    assert daily.loc["2020-11-02", "validity"].startswith("invalid: PM2.5 19/20 h;")
    assert np.isnan(daily.loc["2020-11-02", "aqi"])


def test_daily_mean_rounded_as_reported():
    # 20 hours of 40 and 4 of 42: mean 40.333 -> 40; CO 1.04 and 1.06 -> 1.05 -> 1.0 (even).
    values = [40.0] * 20 + [42.0] * 4
    co = [1.04] * 12 + [1.06] * 12
    frame = pd.concat(
        [
            hourly("A", "PM2.5", day_hours("2020-11-01", range(1, 25)), values),
            hourly("A", "CO", day_hours("2020-11-01", range(1, 25)), co),
        ]
    )
    daily = daily_values(frame)
    assert daily["PM2.5"].iloc[0] == 40
    assert daily["CO"].iloc[0] == 1.0


def o3_day(hours, value=100.0, day="2020-07-01") -> pd.DataFrame:
    return hourly("A", "O3", day_hours(day, hours), value)


def test_o3_8h_window_needs_6_hours():
    # Only hours 1-6 reported at 200: the window ending 08:00 has 6 values (valid, mean
    # 200 > 160, so the day's maximum counts with one window); hours 1-5: none.
    six = daily_values(o3_day(range(1, 7), 200.0))
    assert six["O3_8h_max"].iloc[0] == 200
    assert six["n_O3_8h"].iloc[0] == 1
    five = daily_values(o3_day(range(1, 6), 200.0))
    assert np.isnan(five["O3_8h_max"].iloc[0])
    assert five["n_O3_8h"].iloc[0] == 0


def test_o3_8h_needs_14_windows_unless_above_limit():
    # Hours 20-24 missing: windows ending 22, 23, 24 have < 6 values -> 14 valid: valid.
    ok = daily_values(o3_day(range(1, 20)))
    assert ok["n_O3_8h"].iloc[0] == 14
    assert ok["O3_8h_max"].iloc[0] == 100
    # Hours 19-24 missing: windows ending 21-24 fail -> 13 valid, 100 < 160: invalid.
    short = daily_values(o3_day(range(1, 19)))
    assert short["n_O3_8h"].iloc[0] == 13
    assert np.isnan(short["O3_8h_max"].iloc[0])
    assert "O3_8h_max 13/14 windows" in short["validity"].iloc[0]
    # The same gaps with a maximum above 160 µg/m³: valid anyway (HJ 663 Table 2).
    high = daily_values(o3_day(range(1, 19), 170.0))
    assert high["O3_8h_max"].iloc[0] == 170


def test_o3_8h_is_max_of_8h_means():
    # 1-h values 0..23 at hours 1..24 (value = hour - 1): the window ending 24:00 averages
    # hours 17..24 -> values 16..23 -> 19.5 -> 20 (half to even).
    frame = hourly("A", "O3", day_hours("2020-07-01", range(1, 25)), np.arange(24.0))
    daily = daily_values(frame)
    assert daily["O3_8h_max"].iloc[0] == 20
    assert daily["O3_1h_max"].iloc[0] == 23


def test_windows_do_not_cross_days():
    # A high hour labelled 00:00 of July 2 belongs to July 1 (hour 24), not to July 2.
    frame = pd.concat(
        [o3_day(range(1, 25), 50.0, "2020-07-01"), o3_day(range(1, 25), 50.0, "2020-07-02")]
    )
    frame.loc[frame["time"] == pd.Timestamp("2020-07-02 00:00"), "value"] = 850.0
    daily = daily_values(frame).set_index("date")
    assert daily.loc["2020-07-01", "O3_1h_max"] == 850
    assert daily.loc["2020-07-02", "O3_1h_max"] == 50


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        (list(range(1, 11)), 0.90, 9.1),  # k = 1 + 9*0.9 = 9.1: 9 + 0.1*(10-9)
        (list(range(1, 11)), 0.95, 9.55),  # k = 9.55
        ([10, 20, 30, 40], 0.95, 38.5),  # k = 3.85: 30 + 0.85*10
        ([3, 1, 2], 0.5, 2.0),  # sorted 1 2 3, k = 2
        ([7.0], 0.95, 7.0),  # one value
        ([5, np.nan, 1], 0.5, 3.0),  # NaN ignored: 1 5, k = 1.5
    ],
)
def test_percentile_hj663(values, p, expected):
    assert percentile_hj663(values, p) == pytest.approx(expected)


def daily_frame(station: str, dates, **columns) -> pd.DataFrame:
    dates = pd.DatetimeIndex(dates)
    frame = pd.DataFrame({"station_id": station, "date": dates})
    for name in ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3_1h_max", "O3_8h_max", "aqi"):
        value = columns.get(name, np.nan)
        frame[name] = np.broadcast_to(np.asarray(value, dtype=float), (len(dates),))
    return frame


def test_month_needs_27_days():
    nov = pd.date_range("2020-11-01", periods=30)
    values = np.full(30, 50.0)
    values[:3] = np.nan  # 27 valid days
    ok = period_values(daily_frame("A", nov, **{"PM2.5": values}))
    assert ok["PM2.5"].iloc[0] == 50
    assert ok["days_PM2.5"].iloc[0] == 27
    values[3] = np.nan  # 26
    short = period_values(daily_frame("A", nov, **{"PM2.5": values}))
    assert np.isnan(short["PM2.5"].iloc[0])
    assert short["days_PM2.5"].iloc[0] == 26
    assert "PM2.5 26/27 days" in short["validity"].iloc[0]


def test_february_needs_25_days():
    feb = pd.date_range("2021-02-01", periods=28)
    values = np.full(28, 60.0)
    values[:3] = np.nan  # 25
    assert period_values(daily_frame("A", feb, **{"PM2.5": values}))["PM2.5"].iloc[0] == 60
    values[3] = np.nan  # 24
    out = period_values(daily_frame("A", feb, **{"PM2.5": values}))
    assert np.isnan(out["PM2.5"].iloc[0])
    assert out["min_days"].iloc[0] == 25


def test_year_needs_324_days():
    year = pd.date_range("2021-01-01", periods=365)
    values = np.full(365, 30.0)
    values[:41] = np.nan  # 324 valid
    assert period_values(daily_frame("A", year, SO2=values), period="year")["SO2"].iloc[0] == 30
    values[41] = np.nan  # 323
    assert np.isnan(period_values(daily_frame("A", year, SO2=values), period="year")["SO2"][0])


def test_min_days():
    assert min_days("month", "2020-11") == 27
    assert min_days("month", "2024-02") == 25
    assert min_days("year", "2020") == 324
    assert min_days("quarter", "2024-Q1") == 79
    assert min_days("span", "2020-10/2020-12") == 81


def test_percentiles_and_composite_index():
    nov = pd.date_range("2020-11-01", periods=30)
    co = np.round(np.arange(1, 31) * 0.1, 1)  # 0.1 .. 3.0 mg/m³
    o3 = np.arange(1, 31) * 10.0  # 10 .. 300
    daily = daily_frame(
        "A",
        nov,
        SO2=30.0,
        NO2=20.0,
        PM10=70.0,
        **{"PM2.5": 35.0},
        CO=co,
        O3_8h_max=o3,
        aqi=np.r_[np.full(20, 80.0), np.full(10, 120.0)],
    )
    out = period_values(daily).iloc[0]
    # CO: k = 1 + 29*0.95 = 28.55 -> 2.8 + 0.55*0.1 = 2.855 -> 2.9 (0.1 mg/m³).
    assert out["CO_p95"] == 2.9
    # O3: k = 1 + 29*0.9 = 27.1 -> 270 + 0.1*10 = 271.
    assert out["O3_8h_p90"] == 271
    # 30/60 + 20/40 + 70/70 + 35/35 + 2.9/4 + 271/160 = 0.5+0.5+1+1+0.725+1.69375 = 5.41875
    assert out["composite_index"] == 5.42
    assert out["good_days"] == 20
    assert out["aqi_days"] == 30


def test_composite_index_empty_when_one_part_invalid():
    nov = pd.date_range("2020-11-01", periods=30)
    daily = daily_frame("A", nov, SO2=30.0, NO2=20.0, PM10=70.0, **{"PM2.5": 35.0}, CO=1.0)
    out = period_values(daily).iloc[0]  # no O3 at all
    assert np.isnan(out["composite_index"])
    assert "O3_8h_p90 0/27 days" in out["validity"]


def test_span_period():
    dates = pd.date_range("2020-10-01", "2020-12-31")
    daily = daily_frame("A", dates, **{"PM2.5": np.where(dates.month == 11, 60.0, 45.0)})
    out = period_values(daily, span="2020-10/2020-12").iloc[0]
    # (31*45 + 30*60 + 31*45) / 92 = 49.89 -> 50
    assert out["period"] == "2020-10/2020-12"
    assert out["PM2.5"] == 50
    assert out["min_days"] == 81


def test_quarter_labels():
    dates = pd.date_range("2024-01-01", "2024-03-31")
    out = period_values(daily_frame("A", dates, NO2=30.0), period="quarter")
    assert out["period"].tolist() == ["2024-Q1"]
    assert out["NO2"].iloc[0] == 30


def test_group_daily_is_mean_of_valid_stations():
    dates = pd.date_range("2020-11-01", periods=2)
    a = daily_frame("A", dates, **{"PM2.5": [40.0, 40.0]})
    b = daily_frame("B", dates, **{"PM2.5": [51.0, np.nan]})  # B invalid on day 2
    members = pd.DataFrame({"station_id": ["A", "B"], "county": ["城区", "城区"]})
    out = group_daily(pd.concat([a, b]), members, group="county")
    # Day 1: (40 + 51) / 2 = 45.5 -> 46 (half to even); day 2: A alone.
    assert out["PM2.5"].tolist() == [46, 40]
    assert out["n_PM2.5"].tolist() == [2, 1]
    assert out["n_stations"].tolist() == [2, 2]
    # County AQI from the county's values: PM2.5 46 -> 50 + 50/40*11 = 63.75 -> 64;
    # 40 -> 50 + 50/40*5 = 56.25 -> 57.
    assert out["aqi"].tolist() == [64, 57]


def test_inputs_not_modified():
    frame = hourly("A", "PM2.5", day_hours("2020-11-01", range(1, 25)), 40.0)
    before = frame.copy()
    daily = daily_values(frame)
    daily_before = daily.copy()
    period_values(daily)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(daily, daily_before)


def test_store_partitions_give_whole_days(tmp_path):
    from geoair.readings.store import hourly_glob, store_hourly
    from geoair.store.open import init_workspace

    ws = init_workspace(tmp_path / "ws")
    times = day_hours("2020-10-31", range(1, 25)) + day_hours("2020-11-01", range(1, 25))
    store_hourly(ws, hourly("A", "PM2.5", times, 40.0))
    daily = daily_values(hourly_glob(ws))
    assert daily["date"].tolist() == [pd.Timestamp("2020-10-31"), pd.Timestamp("2020-11-01")]
    assert daily["n_PM25"].tolist() == [24, 24]


def test_day_split_over_two_files_is_still_one_day(tmp_path):
    # Files not written by geoair (the 00:00 hour in the next month's folder).
    frame = hourly("A", "PM2.5", day_hours("2020-10-31", range(1, 25)), 40.0)
    for month, part in ((10, frame.iloc[:23]), (11, frame.iloc[23:])):
        folder = tmp_path / "year=2020" / f"month={month}"
        folder.mkdir(parents=True)
        part.to_parquet(folder / "data.parquet")
    daily = daily_values(str(tmp_path / "year=*" / "month=*" / "*.parquet"))
    assert daily["n_PM25"].tolist() == [24]
