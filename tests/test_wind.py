"""Tests of geoair.sources.wind: directions, calms, roses, CPF, NWR, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoair.errors import SchemaError
from geoair.sources import wind
from geoair.sources.plots import polar_plots


def _frame(ws, wd, value, start="2020-10-01 01:00"):
    n = len(ws)
    return pd.DataFrame(
        {
            "station_id": "S1",
            "time": pd.date_range(start, periods=n, freq="h"),
            "ws_ms": np.asarray(ws, dtype=float),
            "wd_deg": np.asarray(wd, dtype=float),
            "value": np.asarray(value, dtype=float),
        }
    )


# --- directions -------------------------------------------------------------------------


def test_vector_mean_across_north():
    assert wind.circular_mean_deg([350, 10]) == pytest.approx(0.0, abs=1e-9)
    assert wind.circular_mean_deg([350, 10, np.nan]) == pytest.approx(0.0, abs=1e-9)
    # arithmetic mean would say 180; vectors say north
    assert wind.circular_mean_deg([340, 20]) == pytest.approx(0.0, abs=1e-9)
    assert wind.circular_mean_deg([80, 100]) == pytest.approx(90.0)
    # weights (e.g. speeds) pull towards the stronger wind: atan2(3 sin0 + sin90, 3cos0)
    expected = np.rad2deg(np.arctan2(1.0, 3.0))
    assert wind.circular_mean_deg([0, 90], [3, 1]) == pytest.approx(expected)


def test_vector_mean_undefined_when_opposite_or_empty():
    assert np.isnan(wind.circular_mean_deg([0, 180]))
    assert np.isnan(wind.circular_mean_deg([np.nan]))
    assert np.isnan(wind.circular_mean_deg([]))


def test_angle_diff_wraps():
    np.testing.assert_allclose(wind.angle_diff_deg([350, 10, 180], [10, 350, 0]), [-20, 20, -180])


def test_sector_index_north_centred():
    got = wind.sector_index([0, 11.2, 11.25, 348.75, 348.7, 359.9, 360, np.nan], 16)
    assert got.tolist() == [0, 0, 1, 0, 15, 0, 0, -1]
    assert wind.sector_index([4.9, 5.0, 355.0], 36).tolist() == [0, 1, 0]


def test_sector_table_labels():
    table = wind.sector_table(16)
    assert table.loc[0, "label_zh"] == "北" and table.loc[4, "label"] == "E"
    assert table.loc[1, "from_deg"] == pytest.approx(11.25)
    with pytest.raises(SchemaError, match="divide the compass"):
        wind.sector_table(3)


# --- wind frames --------------------------------------------------------------------------


def test_wind_frame_pivots_long_readings_and_cleans():
    times = pd.to_datetime(["2020-10-01 01:00", "2020-10-01 02:00"])
    long = pd.DataFrame(
        {
            "station_id": ["S1"] * 6,
            "time": list(times) * 3,
            "pollutant": ["WS", "WS", "WD", "WD", "PM2.5", "PM2.5"],
            "value": [2.0, 1.0, 360.0, 400.0, 50.0, 60.0],
        }
    )
    out = wind.wind_frame(long, pollutant="PM2.5")
    assert out.columns[:5].tolist() == list(wind.WIND_COLUMNS)
    assert out["wd_deg"].iloc[0] == 0.0  # 360 stored as 0
    assert np.isnan(out["wd_deg"].iloc[1])  # 400 is not a direction
    assert out["value"].tolist() == [50.0, 60.0]


def test_wind_frame_without_wind_says_so():
    long = pd.DataFrame(
        {
            "station_id": ["S1"],
            "time": [pd.Timestamp("2020-10-01 01:00")],
            "pollutant": ["PM2.5"],
            "value": [30.0],
        }
    )
    with pytest.raises(SchemaError, match="no wind speed"):
        wind.wind_frame(long, pollutant="PM2.5")


# --- CPF, calms, missing wind ---------------------------------------------------------


def test_cpf_hand_computed_with_calms_and_missing_wind():
    # 8 hours: 4 from north, 2 from east, 1 calm, 1 without direction
    ws = [2, 2, 2, 2, 3, 3, 0.3, 2]
    wd = [0, 5, 355, 10, 90, 95, 90, np.nan]
    value = [10, 20, 90, 100, 30, 80, 95, 200]
    frame = _frame(ws, wd, value)
    table = wind.cpf(frame, sectors=4, percentile=75)
    # threshold: 75th percentile of the 7 hours with wind (calm counted, missing not):
    # sorted 10 20 30 80 90 95 100 -> position 4.5 -> 92.5
    assert table.attrs["threshold"] == pytest.approx(92.5)
    north = table[table["label"] == "N"].iloc[0]
    east = table[table["label"] == "E"].iloc[0]
    assert (north["hours"], north["high_hours"], north["cpf"]) == (4, 1, 0.25)
    assert (east["hours"], east["high_hours"], east["cpf"]) == (2, 0, 0.0)
    calm = table[table["label"] == "calm"].iloc[0]
    assert (calm["hours"], calm["high_hours"]) == (1, 1)  # 95 >= 92.5, but in no sector
    assert table.attrs["calm_hours"] == 1 and table.attrs["missing_wind"] == 1
    assert table.loc[table["label"] == "S", "cpf"].isna().all()  # no wind from south


@pytest.mark.parametrize("max_groups", [100_000, 0])  # np.partition path; one-argsort path
def test_group_percentile_matches_numpy(monkeypatch, max_groups):
    monkeypatch.setattr(wind, "_PARTITION_MAX_GROUPS", max_groups)
    rng = np.random.default_rng(1)
    values = rng.normal(size=500)
    group = rng.integers(0, 4, size=500)
    got = wind.group_percentile(group, values, 5, 75)
    for g in range(4):
        assert got[g] == pytest.approx(np.percentile(values[group == g], 75))
    assert np.isnan(got[4])
    # a one-value group and ties
    got = wind.group_percentile(np.array([0, 1, 1, 1]), np.array([7.0, 2.0, 2.0, 5.0]), 2, 75)
    assert got.tolist() == [7.0, np.percentile([2.0, 2.0, 5.0], 75)]


def test_wind_rose_percentages_include_calm():
    frame = _frame([1, 3, 5, 7, 0.2], [0, 0, 90, 180, 0], [1, 1, 1, 1, 1])
    rose = wind.wind_rose(frame, sectors=4, speed_bins_ms=(2, 4, 6))
    assert rose["percent"].sum() == pytest.approx(100.0)
    n = rose[(rose["label"] == "N") & (rose["speed_class"] == "0.5-2")]
    assert n["hours"].iloc[0] == 1 and n["percent"].iloc[0] == pytest.approx(20.0)
    assert rose.loc[rose["label"] == "calm", "hours"].iloc[0] == 1


def test_pollution_rose_means_and_shares():
    frame = _frame([2, 2, 2, 0.1], [0, 0, 180, 0], [10, 30, 40, 20])
    rose = wind.pollution_rose(frame, sectors=4)
    assert rose.loc[rose["label"] == "N", "mean"].iloc[0] == pytest.approx(20.0)
    assert rose.loc[rose["label"] == "S", "share_percent"].iloc[0] == pytest.approx(40.0)
    assert rose.loc[rose["label"] == "calm", "mean"].iloc[0] == pytest.approx(20.0)


# --- NWR ---------------------------------------------------------------------------------


def test_nwr_is_weighted_mean_of_kernels():
    # two hours: at the grid point (0°, 2 m/s) the first hour has weight 1*0.75 and the
    # second exp(-0.5*(20/10)^2)*0.75*(1-0.5^2)
    frame = _frame([2.0, 2.5], [0.0, 20.0], [100.0, 10.0])
    grid = wind.nwr(
        frame,
        sigma_deg=10,
        h_ms=1.0,
        direction_step_deg=10,
        speed_step_ms=0.5,
        max_speed_ms=3.0,
        calm_ms=0.5,
    )
    w1 = 0.75
    w2 = np.exp(-2.0) * 0.75 * 0.75
    cell = grid[(grid["direction_deg"] == 0) & (grid["speed_ms"] == 2.0)].iloc[0]
    assert cell["weight"] == pytest.approx(w1 + w2)
    assert cell["conc"] == pytest.approx((100 * w1 + 10 * w2) / (w1 + w2))
    # far from both hours in speed (epanechnikov support 1 m/s): no estimate
    far = grid[(grid["direction_deg"] == 0) & (grid["speed_ms"] == 0.5)].iloc[0]
    assert far["weight"] == 0 and np.isnan(far["conc"])


def test_nwr_direction_peaks_at_polluted_direction_and_wraps():
    wd = np.arange(0, 360, 5.0)
    value = np.where(np.abs(wind.angle_diff_deg(wd, 355)) <= 5, 100.0, 10.0)
    curve = wind.nwr_direction(_frame(np.full(len(wd), 2.0), wd, value), sigma_deg=5)
    assert int(curve["conc"].idxmax()) in (354, 355, 356)
    assert curve["conc"].iloc[0] > curve["conc"].iloc[180]


def test_summary_counts_and_vector_mean():
    frame = _frame([2, 2, 0.2, np.nan], [350, 10, 90, 90], [1, 2, 3, 4])
    s = wind.summary(frame, sectors=16)
    assert (s["hours"], s["windy_hours"], s["calm_hours"], s["missing_wind"]) == (4, 2, 1, 1)
    assert s["vector_mean_wd_deg"] == pytest.approx(0.0, abs=1e-9)


def test_polar_plots_write_png(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    frame = _frame(rng.weibull(2, n) * 3, rng.uniform(0, 360, n), rng.gamma(2, 20, n))
    marks = pd.DataFrame({"bearing_deg": [75.0], "name": ["某焦化厂"]})
    path = polar_plots(
        frame,
        tmp_path / "sub" / "S1.png",
        title="赛鱼站 PM2.5 2020-10",
        pollutant="PM2.5",
        marks=marks,
        dpi=50,
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize(
    ("kwargs", "words"), [({"sigma_deg": 0}, "风向带宽"), ({"h_ms": -1.0}, "风速带宽")]
)
def test_a_bandwidth_that_is_not_positive_is_refused(kwargs, words):
    frame = pd.DataFrame({"ws_ms": [1.0, 2.0], "wd_deg": [10.0, 20.0], "value": [30.0, 40.0]})
    with pytest.raises(SchemaError, match=words):
        wind.nwr(frame, **kwargs)
