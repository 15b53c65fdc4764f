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


def year_values(missing_per_month: dict[int, int], year: int = 2021) -> pd.DataFrame:
    """A year of SO2 = 30 with the first ``n`` days of some months missing."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    values = np.full(len(days), 30.0)
    for month, n in missing_per_month.items():
        values[np.flatnonzero(days.month == month)[:n]] = np.nan
    return daily_frame("A", days, SO2=values)


def test_year_needs_324_days():
    # 41 days missing, spread so that every month keeps 27 (February 25): 324 valid.
    spread = {m: 4 for m in (1, 3, 5, 7, 8, 10, 12)} | {2: 3, 4: 3, 6: 3, 9: 1, 11: 3}
    assert sum(spread.values()) == 41
    ok = period_values(year_values(spread), period="year").iloc[0]
    assert ok["SO2"] == 30 and ok["days_SO2"] == 324
    spread[9] = 2  # 323 valid days
    bad = period_values(year_values(spread), period="year").iloc[0]
    assert np.isnan(bad["SO2"])
    assert "SO2 323/324 days" in bad["validity"]


def test_year_needs_27_days_in_every_month():
    # GB 3095-2012 Table 4: 324 days AND at least 27 in each month (25 in February).
    # 335 valid days, but January has 26 and February 24: not a valid annual value.
    out = period_values(year_values({1: 5, 2: 4, 3: 4, 4: 3, 5: 4, 6: 3}), period="year")
    row = out.iloc[0]
    assert row["days_SO2"] == 365 - 23
    assert np.isnan(row["SO2"])
    assert "SO2 342/324 days, months short: 01 (26/27), 02 (24/25)" in row["validity"]
    # February at 25 and every other month at 27 is enough.
    fine = period_values(year_values({1: 4, 2: 3, 3: 4, 4: 3}), period="year").iloc[0]
    assert fine["SO2"] == 30
    # A month without any reading is short too.
    days = pd.date_range("2021-01-01", "2021-12-31")
    no_july = year_values({}).loc[lambda f: f["date"].dt.month != 7]
    gap = period_values(no_july, period="year").iloc[0]
    assert len(days) - len(no_july) == 31
    assert np.isnan(gap["SO2"]) and "07 (0/27)" in gap["validity"]


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
        O3_1h_max=100.0,
        O3_8h_max=o3,
    )
    out = period_values(daily).iloc[0]
    # CO: k = 1 + 29*0.95 = 28.55 -> 2.8 + 0.55*0.1 = 2.855 -> 2.9 (0.1 mg/m³).
    assert out["CO_p95"] == 2.9
    # O3: k = 1 + 29*0.9 = 27.1 -> 270 + 0.1*10 = 271.
    assert out["O3_8h_p90"] == 271
    # 30/60 + 20/40 + 70/70 + 35/35 + 2.9/4 + 271/160 = 0.5+0.5+1+1+0.725+1.69375 = 5.41875
    assert out["composite_index"] == 5.42
    # Every day complete; O3 8-h 10..160 has IAQI <= 100 (16 days), 170..300 above.
    assert out["good_days"] == 16
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
    # County IAQI from the county's values: PM2.5 46 -> 50 + 50/40*11 = 63.75 -> 64;
    # 40 -> 50 + 50/40*5 = 56.25 -> 57. Only PM2.5 is known: the days are incomplete,
    # so they get no AQI, only its lower bound.
    assert out["aqi"].isna().all()
    assert out["aqi_status"].tolist() == ["incomplete", "incomplete"]
    assert out["aqi_lower"].tolist() == [64, 57]


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


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0.6, 0.7, 0.6), (0.9, 1.0, 1.0), (1.8, 1.9, 1.8), (1.0, 1.1, 1.0), (0.1, 0.2, 0.2)],
)
def test_co_ties_half_to_even_whatever_the_order(low, high, expected):
    # Twelve hours at each value: the mean ends in exactly 5 (0.65, 0.95, 1.85, 1.05,
    # 0.15); float sums of these decimals land either side of the tie depending on the
    # order of addition, the decimal sum does not.
    rng = np.random.default_rng(7)
    for _ in range(5):
        co = rng.permutation([low] * 12 + [high] * 12)
        frame = hourly("A", "CO", day_hours("2020-11-01", range(1, 25)), co)
        assert daily_values(frame)["CO"].iloc[0] == expected


def test_pm_and_o3_8h_ties_half_to_even():
    # PM2.5 12 h of 40 and 12 h of 41 -> 40.5 -> 40; 12 of 41 and 12 of 42 -> 41.5 -> 42.
    frame = pd.concat(
        [
            hourly("A", "PM2.5", day_hours("2020-11-01", range(1, 25)), [40.0] * 12 + [41.0] * 12),
            hourly("A", "PM2.5", day_hours("2020-11-02", range(1, 25)), [41.0] * 12 + [42.0] * 12),
            # O3: every 8-hour window of 100,101 alternating has mean 100.5 -> 100.
            hourly("A", "O3", day_hours("2020-11-01", range(1, 25)), [100.0, 101.0] * 12),
        ]
    )
    daily = daily_values(frame).set_index("date")
    assert daily["PM2.5"].tolist() == [40, 42]
    assert daily.loc["2020-11-01", "O3_8h_max"] == 100


def test_monthly_mean_and_percentile_exact():
    nov = pd.date_range("2020-11-01", periods=30)
    # Mean of 15 x 40 and 15 x 41 = 40.5 -> 40 (even); CO p95 of 0.1..3.0 -> 2.855 -> 2.9;
    # CO values 1.0 (28 days) and 1.1, 1.1: k = 28.55 -> 1.0 + 0.55 * 0.1 = 1.055 -> 1.1.
    pm = np.r_[np.full(15, 40.0), np.full(15, 41.0)]
    co = np.r_[np.full(28, 1.0), 1.1, 1.1]
    out = period_values(daily_frame("A", nov, **{"PM2.5": pm}, CO=co)).iloc[0]
    assert out["PM2.5"] == 40
    assert out["CO_p95"] == 1.1
    # CO 1.0 (29 days) and 1.1 once: p95 = 1.0 + 0.55*0.1... k = 28.55 on 1.0, 1.0 -> 1.0.
    co = np.r_[np.full(29, 1.0), 1.1]
    assert period_values(daily_frame("A", nov, CO=co)).iloc[0]["CO_p95"] == 1.0


def full_day(day: str, **levels) -> pd.DataFrame:
    """24 hours of every pollutant at the given (or low) levels."""
    base = {"PM2.5": 20.0, "PM10": 40.0, "SO2": 10.0, "NO2": 20.0, "CO": 0.5, "O3": 60.0}
    base.update(levels)
    hours = day_hours(day, range(1, 25))
    return pd.concat([hourly("A", p, hours, v) for p, v in base.items()], ignore_index=True)


def test_incomplete_day_gets_no_aqi_only_a_lower_bound():
    # The case: PM2.5, PM10, SO2, NO2, CO with 19 hours, O3 valid: the day is
    # not "优" on O3 alone.
    day = full_day("2020-10-05")
    short = day["pollutant"].ne("O3") & (day["time"] > pd.Timestamp("2020-10-05 19:00"))
    daily = daily_values(day[~short]).iloc[0]
    assert daily["aqi_status"] == "incomplete"
    assert np.isnan(daily["aqi"])
    assert pd.isna(daily["category"]) and pd.isna(daily["primary_pollutant"])
    assert daily["aqi_lower"] == 30  # the largest valid IAQI: O3 8-h 60 -> 30 (1-h: 19)
    complete = daily_values(full_day("2020-10-06")).iloc[0]
    assert complete["aqi_status"] == "complete" and complete["aqi"] > 0
    assert np.isnan(complete["aqi_lower"])


def test_good_days_count_only_what_is_proven():
    days = []
    for i in range(1, 11):  # 10 complete good days
        days.append(full_day(f"2020-11-{i:02d}"))
    for i in range(11, 14):  # 3 incomplete days, low: unknown
        d = full_day(f"2020-11-{i:02d}")
        days.append(d[d["pollutant"] != "PM2.5"])
    for i in range(14, 16):  # 2 incomplete days with O3 8-h 250 (IAQI 186): not good
        d = full_day(f"2020-11-{i:02d}", O3=250.0)
        days.append(d[d["pollutant"] != "PM2.5"])
    for i in range(16, 18):  # 2 complete heavy days: PM2.5 200 (IAQI 250)
        days.append(full_day(f"2020-11-{i:02d}", **{"PM2.5": 200.0}))
    # 1 incomplete day with PM10 400 (IAQI 272 > 200): proven heavy
    d = full_day("2020-11-18", PM10=400.0)
    days.append(d[d["pollutant"] != "SO2"])
    daily = daily_values(pd.concat(days, ignore_index=True))
    month = period_values(daily).iloc[0]
    assert month["good_days"] == 10
    assert month["aqi_days"] == 10 + 2 + 2 + 1
    assert month["days_unknown"] == 3
    assert month["heavy_days"] == 3
    assert month["heavy_unknown"] == 3 + 2  # incomplete and not above 200
