"""HJ 633-2012: IAQI at every breakpoint and either side, rounding, categories, primary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geoair.readings.aqi import BREAKPOINTS, IAQI_STEPS, category, daily_aqi, iaqi, report_round

# (pollutant, averaging, concentration, IAQI), each worked by hand from Table 1:
# IAQI = IAQI_lo + (IAQI_hi - IAQI_lo) / (BP_hi - BP_lo) * (C - BP_lo), then rounded up.
HAND = [
    ("PM2.5", "24h", 0, 0),
    ("PM2.5", "24h", 34, 49),
    ("PM2.5", "24h", 35, 50),
    ("PM2.5", "24h", 36, 52),
    ("PM2.5", "24h", 74, 99),
    ("PM2.5", "24h", 75, 100),
    ("PM2.5", "24h", 76, 102),
    ("PM2.5", "24h", 114, 149),
    ("PM2.5", "24h", 115, 150),
    ("PM2.5", "24h", 116, 152),
    ("PM2.5", "24h", 149, 199),
    ("PM2.5", "24h", 150, 200),
    ("PM2.5", "24h", 151, 201),
    ("PM2.5", "24h", 249, 299),
    ("PM2.5", "24h", 250, 300),
    ("PM2.5", "24h", 251, 301),
    ("PM2.5", "24h", 349, 399),
    ("PM2.5", "24h", 350, 400),
    ("PM2.5", "24h", 351, 401),
    ("PM2.5", "24h", 499, 500),
    ("PM2.5", "24h", 500, 500),
    ("PM10", "24h", 49, 49),
    ("PM10", "24h", 50, 50),
    ("PM10", "24h", 51, 51),
    ("PM10", "24h", 149, 100),
    ("PM10", "24h", 150, 100),
    ("PM10", "24h", 151, 101),
    ("PM10", "24h", 249, 150),
    ("PM10", "24h", 250, 150),
    ("PM10", "24h", 251, 151),
    ("PM10", "24h", 349, 200),
    ("PM10", "24h", 350, 200),
    ("PM10", "24h", 351, 202),
    ("PM10", "24h", 419, 299),
    ("PM10", "24h", 420, 300),
    ("PM10", "24h", 421, 302),
    ("PM10", "24h", 499, 399),
    ("PM10", "24h", 500, 400),
    ("PM10", "24h", 501, 401),
    ("PM10", "24h", 599, 499),
    ("PM10", "24h", 600, 500),
    ("SO2", "24h", 49, 49),
    ("SO2", "24h", 50, 50),
    ("SO2", "24h", 51, 51),
    ("SO2", "24h", 149, 100),
    ("SO2", "24h", 150, 100),
    ("SO2", "24h", 151, 101),
    ("SO2", "24h", 474, 150),
    ("SO2", "24h", 475, 150),
    ("SO2", "24h", 476, 151),
    ("SO2", "24h", 799, 200),
    ("SO2", "24h", 800, 200),
    ("SO2", "24h", 801, 201),
    ("SO2", "24h", 1599, 300),
    ("SO2", "24h", 1600, 300),
    ("SO2", "24h", 1601, 301),
    ("SO2", "24h", 2099, 400),
    ("SO2", "24h", 2100, 400),
    ("SO2", "24h", 2101, 401),
    ("SO2", "24h", 2619, 500),
    ("SO2", "24h", 2620, 500),
    ("SO2", "1h", 149, 50),
    ("SO2", "1h", 150, 50),
    ("SO2", "1h", 151, 51),
    ("SO2", "1h", 499, 100),
    ("SO2", "1h", 500, 100),
    ("SO2", "1h", 501, 101),
    ("SO2", "1h", 649, 150),
    ("SO2", "1h", 650, 150),
    ("SO2", "1h", 651, 151),
    ("SO2", "1h", 799, 200),
    ("SO2", "1h", 800, 200),
    ("NO2", "24h", 39, 49),
    ("NO2", "24h", 40, 50),
    ("NO2", "24h", 41, 52),
    ("NO2", "24h", 79, 99),
    ("NO2", "24h", 80, 100),
    ("NO2", "24h", 81, 101),
    ("NO2", "24h", 179, 150),
    ("NO2", "24h", 180, 150),
    ("NO2", "24h", 181, 151),
    ("NO2", "24h", 279, 200),
    ("NO2", "24h", 280, 200),
    ("NO2", "24h", 281, 201),
    ("NO2", "24h", 564, 300),
    ("NO2", "24h", 565, 300),
    ("NO2", "24h", 566, 301),
    ("NO2", "24h", 749, 400),
    ("NO2", "24h", 750, 400),
    ("NO2", "24h", 751, 401),
    ("NO2", "24h", 939, 500),
    ("NO2", "24h", 940, 500),
    ("NO2", "1h", 99, 50),
    ("NO2", "1h", 100, 50),
    ("NO2", "1h", 101, 51),
    ("NO2", "1h", 199, 100),
    ("NO2", "1h", 200, 100),
    ("NO2", "1h", 201, 101),
    ("NO2", "1h", 699, 150),
    ("NO2", "1h", 700, 150),
    ("NO2", "1h", 701, 151),
    ("NO2", "1h", 1199, 200),
    ("NO2", "1h", 1200, 200),
    ("NO2", "1h", 1201, 201),
    ("NO2", "1h", 2339, 300),
    ("NO2", "1h", 2340, 300),
    ("NO2", "1h", 2341, 301),
    ("NO2", "1h", 3089, 400),
    ("NO2", "1h", 3090, 400),
    ("NO2", "1h", 3091, 401),
    ("NO2", "1h", 3839, 500),
    ("NO2", "1h", 3840, 500),
    ("CO", "24h", 1.9, 48),
    ("CO", "24h", 2, 50),
    ("CO", "24h", 2.1, 53),
    ("CO", "24h", 3.9, 98),
    ("CO", "24h", 4, 100),
    ("CO", "24h", 4.1, 101),
    ("CO", "24h", 13.9, 150),
    ("CO", "24h", 14, 150),
    ("CO", "24h", 14.1, 151),
    ("CO", "24h", 23.9, 200),
    ("CO", "24h", 24, 200),
    ("CO", "24h", 24.1, 201),
    ("CO", "24h", 35.9, 300),
    ("CO", "24h", 36, 300),
    ("CO", "24h", 36.1, 301),
    ("CO", "24h", 47.9, 400),
    ("CO", "24h", 48, 400),
    ("CO", "24h", 48.1, 401),
    ("CO", "24h", 59.9, 500),
    ("CO", "24h", 60, 500),
    ("CO", "1h", 4.9, 49),
    ("CO", "1h", 5, 50),
    ("CO", "1h", 5.1, 51),
    ("CO", "1h", 9.9, 99),
    ("CO", "1h", 10, 100),
    ("CO", "1h", 10.1, 101),
    ("CO", "1h", 34.9, 150),
    ("CO", "1h", 35, 150),
    ("CO", "1h", 35.1, 151),
    ("CO", "1h", 59.9, 200),
    ("CO", "1h", 60, 200),
    ("CO", "1h", 60.1, 201),
    ("CO", "1h", 89.9, 300),
    ("CO", "1h", 90, 300),
    ("CO", "1h", 90.1, 301),
    ("CO", "1h", 119.9, 400),
    ("CO", "1h", 120, 400),
    ("CO", "1h", 120.1, 401),
    ("CO", "1h", 149.9, 500),
    ("CO", "1h", 150, 500),
    ("O3", "1h", 159, 50),
    ("O3", "1h", 160, 50),
    ("O3", "1h", 161, 52),
    ("O3", "1h", 199, 99),
    ("O3", "1h", 200, 100),
    ("O3", "1h", 201, 101),
    ("O3", "1h", 299, 150),
    ("O3", "1h", 300, 150),
    ("O3", "1h", 301, 151),
    ("O3", "1h", 399, 200),
    ("O3", "1h", 400, 200),
    ("O3", "1h", 401, 201),
    ("O3", "1h", 799, 300),
    ("O3", "1h", 800, 300),
    ("O3", "1h", 801, 301),
    ("O3", "1h", 999, 400),
    ("O3", "1h", 1000, 400),
    ("O3", "1h", 1001, 401),
    ("O3", "1h", 1199, 500),
    ("O3", "1h", 1200, 500),
    ("O3", "8h", 99, 50),
    ("O3", "8h", 100, 50),
    ("O3", "8h", 101, 51),
    ("O3", "8h", 159, 100),
    ("O3", "8h", 160, 100),
    ("O3", "8h", 161, 101),
    ("O3", "8h", 214, 150),
    ("O3", "8h", 215, 150),
    ("O3", "8h", 216, 151),
    ("O3", "8h", 264, 199),
    ("O3", "8h", 265, 200),
    ("O3", "8h", 266, 201),
    ("O3", "8h", 799, 300),
    ("O3", "8h", 800, 300),
]


@pytest.mark.parametrize(("pollutant", "averaging", "c", "expected"), HAND)
def test_iaqi_hand_worked(pollutant, averaging, c, expected):
    assert iaqi([c], pollutant, averaging=averaging)[0] == expected


@pytest.mark.parametrize("key", list(BREAKPOINTS))
def test_every_breakpoint_gives_its_step(key):
    pollutant, averaging = key
    bps = BREAKPOINTS[key]
    got = iaqi(list(bps), pollutant, averaging=averaging)
    assert got.tolist() == [float(s) for s in IAQI_STEPS[: len(bps)]]


@pytest.mark.parametrize("key", list(BREAKPOINTS))
def test_either_side_of_every_breakpoint(key):
    # Just below a breakpoint the index is at most its step; just above, above it.
    pollutant, averaging = key
    bps = BREAKPOINTS[key]
    eps = 0.01 if pollutant == "CO" else 0.1
    for bp, step in zip(bps[1:-1], IAQI_STEPS[1:], strict=False):
        below, above = iaqi([bp - eps, bp + eps], pollutant, averaging=averaging)
        assert below == step  # rounded up to the step itself
        assert above == step + 1


def test_rounding_is_upward_and_ignores_float_noise():
    # 34 µg/m³ PM2.5: 48.57 -> 49 (up, not to nearest); 0.1 + 0.2 style noise on 35 -> 50.
    assert iaqi([34.0], "PM2.5")[0] == 49
    assert iaqi([35.0000000000001], "PM2.5")[0] == 50
    assert iaqi([0.1], "PM2.5")[0] == 1


def test_above_the_table():
    # PM2.5 above 500 is off the chart: reported as 500.
    assert iaqi([501, 900], "PM2.5").tolist() == [500, 500]
    # SO2 1-h above 800 and O3 8-h above 800: the standard computes no IAQI.
    assert math.isnan(iaqi([801], "SO2", averaging="1h")[0])
    assert math.isnan(iaqi([801], "O3", averaging="8h")[0])


def test_missing_and_negative_give_nan():
    assert np.isnan(iaqi([np.nan, -1], "PM10")).all()


def test_unknown_pollutant():
    with pytest.raises(KeyError, match="没有 PM10 1h 的分段浓度限值"):
        iaqi([1], "PM10", averaging="1h")


@pytest.mark.parametrize(
    ("aqi", "name"),
    [
        (0, "优"),
        (50, "优"),
        (51, "良"),
        (100, "良"),
        (101, "轻度污染"),
        (150, "轻度污染"),
        (151, "中度污染"),
        (200, "中度污染"),
        (201, "重度污染"),
        (300, "重度污染"),
        (301, "严重污染"),
        (500, "严重污染"),
    ],
)
def test_categories(aqi, name):
    assert category([aqi])[0] == name


def test_daily_aqi_primary_only_above_50():
    daily = pd.DataFrame(
        {"PM2.5": [30.0, 80.0, 60.0], "PM10": [40.0, 100.0, 100.0], "O3_8h_max": [90.0, 90.0, 90.0]}
    )
    out = daily_aqi(daily)
    # Row 0: PM2.5 43, PM10 40, O3 45 -> AQI 45, 优, no primary pollutant.
    assert out["aqi"].tolist() == [45, 107, 82]
    assert out["category"].tolist() == ["优", "轻度污染", "良"]
    assert pd.isna(out["primary_pollutant"].iloc[0])
    assert out["primary_pollutant"].iloc[1] == "PM2.5"
    # Row 2: PM2.5 60 -> 50 + 50/40*25 = 81.25 -> 82; PM10 100 -> 75; O3 45.
    assert out["iaqi_PM2.5"].iloc[2] == 82


def test_daily_aqi_ties_name_both():
    # PM2.5 75 and PM10 150 both give 100.
    out = daily_aqi(pd.DataFrame({"PM2.5": [75.0], "PM10": [150.0]}))
    assert out["primary_pollutant"].iloc[0] == "PM10,PM2.5"


def test_o3_8h_above_800_uses_1h():
    out = daily_aqi(pd.DataFrame({"O3_1h_max": [900.0], "O3_8h_max": [850.0], "PM2.5": [50.0]}))
    # 8-h not indexed; 1-h 900: 300 + 100/200 * 100 = 350.
    assert np.isnan(out["iaqi_O3_8h_max"].iloc[0])
    assert out["aqi"].iloc[0] == 350
    assert out["primary_pollutant"].iloc[0] == "O3_1h"


def test_daily_aqi_input_not_modified():
    daily = pd.DataFrame({"PM2.5": [80.0]})
    before = daily.copy()
    daily_aqi(daily)
    pd.testing.assert_frame_equal(daily, before)


def test_report_round_half_even():
    assert report_round(np.array([45.5, 46.5, 44.4]), "PM2.5").tolist() == [46, 46, 44]
    assert report_round(np.array([1.25, 1.35]), "CO").tolist() == [1.2, 1.4]


def test_exceeding_pollutants_above_100():
    out = daily_aqi(pd.DataFrame({"PM2.5": [80.0, 75.0], "PM10": [160.0, 150.0]}))
    # PM2.5 80 -> 107, PM10 160 -> 105: both exceed; 75 -> 100 and 150 -> 100 do not.
    assert out["exceeding_pollutants"].iloc[0] == "PM10,PM2.5"
    assert pd.isna(out["exceeding_pollutants"].iloc[1])


@pytest.mark.parametrize("key", list(BREAKPOINTS))
def test_iaqi_never_decreases_and_stays_on_the_scale(key):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pollutant, averaging = key
    top = BREAKPOINTS[key][-1]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.floats(0, top, allow_nan=False), min_size=2, max_size=20))
    def check(values):
        values = sorted(values)
        got = iaqi(values, pollutant, averaging=averaging)
        assert (np.diff(got) >= 0).all()
        assert ((got >= 0) & (got <= 500) & (got == np.floor(got))).all()

    check()
