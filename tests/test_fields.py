"""The field dictionary and report tables: Chinese headers and words, rounded numbers,
identifiers in English, and exported tables that import again."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geoair.messages import use_language
from geoair.reports.tables import report_table, sheet_name
from geoair.scores.inputs import ENTERPRISE_COMPONENTS, PARK_COMPONENTS
from geoair.store.fields import (
    COMPONENT_LABELS,
    HEADERS,
    decimals,
    header,
    import_vocabulary,
)
from geoair.store.schema import KINDS, LAT_HEADERS, LON_HEADERS

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_header_is_chinese_and_coordinates_stay_importable():
    for column, text in HEADERS.items():
        assert CJK.search(text) or "（" in text or text == "AQI", column
    assert HEADERS["lon"] in LON_HEADERS and HEADERS["lat"] in LAT_HEADERS


def test_component_labels_agree_with_the_scores():
    for name, (label, _unit) in {**PARK_COMPONENTS, **ENTERPRISE_COMPONENTS}.items():
        assert COMPONENT_LABELS[name] == label


def test_headers_of_kinds_come_from_their_forms_and_families_from_patterns():
    assert header("name", layer="enterprises") == "企业名称"
    assert header("name", layer="stations") == "站点名称"
    assert header("name") == "名称"
    assert header("compliance_raw") == "问题清单达标率"
    assert header("heaps_weight") == "未治理或自燃矸石山权重（%）"
    assert header("pts_open_case") == "风险分：未整改问题"
    assert header("days_PM2.5") == "PM2.5有效天数"
    assert header("no_such_column") == "no_such_column"


def test_decimals_for_people():
    assert decimals("length_m") == (1, 1.0)
    assert decimals("weight_covered") == (1, 100.0)
    assert decimals("air_weight") == (1, 100.0)
    assert decimals("distance_weight") == (2, 1.0)
    assert decimals("score", layer="source_suspects") == (3, 1.0)
    assert decimals("lon") == (None, 1.0)
    assert decimals("aqi") == (None, 1.0)


def test_report_table_in_chinese():
    frame = pd.DataFrame(
        {
            "scope": ["station", "county", "city"],
            "metric": ["pm25", "good_days", "dustfall"],
            "length_m": [762.9634722142741, 1.04, np.nan],
            "met": [True, False, None],
            "validity": ["valid", "invalid: PM2.5 24/27 days", "valid"],
            "primary": pd.array([True, False, pd.NA], dtype="boolean"),
            "missing": ["air、dustfall", "", ""],
            "missing_zh": ["空气质量(PM2.5)、降尘", "", ""],
            "weight_covered": [0.4567, 1.0, 0.5],
            "date": pd.to_datetime(["2024-03-05", "2024-03-06", "2024-03-07"]),
        }
    )
    before = frame.copy()
    table = report_table(frame, layer="targets_check")
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(table.columns) == [
        "范围",
        "指标",
        "长度（米）",
        "达标情况",
        "有效性",
        "主要归属",
        "缺项（权重已分摊）",
        "有数据分项的权重（%）",
        "日期",
    ]
    assert table["范围"].tolist() == ["站点", "县区", "全市"]
    assert table["指标"].tolist() == ["PM2.5", "优良天数", "降尘"]
    assert table["长度（米）"].iloc[0] == 763.0
    assert table["达标情况"].tolist() == ["达标", "未达标", "未判定"]
    assert table["有效性"].tolist() == ["有效", "无效：PM2.5 有效天数24/27", "有效"]
    assert table["主要归属"].tolist()[:2] == ["是", "否"] and pd.isna(table["主要归属"].iloc[2])
    assert table["缺项（权重已分摊）"].iloc[0] == "空气质量(PM2.5)、降尘"
    assert table["有数据分项的权重（%）"].tolist() == [45.7, 100.0, 50.0]
    assert table["日期"].iloc[0] == "2024-03-05"
    assert sheet_name("targets_check") == "目标完成情况"


def test_report_table_in_english_keeps_identifiers_and_rounds():
    frame = pd.DataFrame({"scope": ["station"], "length_m": [762.96347], "met": [True]})
    with use_language("en"):
        table = report_table(frame, layer="targets_check")
        assert sheet_name("targets_check") == "targets_check"
    assert list(table.columns) == ["scope", "length_m", "met"]
    assert table["scope"].iloc[0] == "station" and table["length_m"].iloc[0] == 763.0


def test_report_headers_are_import_aliases():
    vocabulary = import_vocabulary(KINDS["targets"])
    # targets_check written for people ("时段", "目标值") imports as targets again
    assert "时段" in vocabulary["period"] and "目标值" in vocabulary["value"]
    assert "企业编号" in import_vocabulary(KINDS["gates"])["enterprise_id"]


@pytest.fixture
def check_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scope": ["station", "county", "city"],
            "target_name": ["市中心站", "开发区", "阳泉市"],
            "period": ["2020-11", "2020-10/2020-12", "2020-10"],
            "metric": ["pm25", "good_days", "pm25"],
            "actual": [56.0, 69.0, np.nan],
            "target": [55.0, 53.0, 44.0],
            "difference": [1.0, 16.0, np.nan],
            "met": [False, True, None],
            "validity": ["valid", "valid", "invalid: 20/27 valid days"],
            "basis": ["station's own values", "daily mean of 1 station(s)", ""],
        }
    )


def test_a_targets_check_written_for_people_imports_as_targets(ws, check_table, tmp_path):
    from geoair.imports.pipeline import import_file
    from geoair.io.writers import write_table

    path = write_table(report_table(check_table, layer="targets_check"), tmp_path / "核对.xlsx")
    report = import_file(ws, "targets", path)
    assert report.imported == 3 and report.rejected == 0
    back = ws.read("targets").sort_values("target_name").reset_index(drop=True)
    assert back["scope"].tolist() == ["station", "county", "city"]
    assert back["metric"].tolist() == ["pm25", "good_days", "pm25"]
    assert back["value"].tolist() == [55.0, 53.0, 44.0]
