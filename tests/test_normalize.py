import datetime as dt

import pandas as pd
import pytest

from geoair.io.normalize import (
    EnumParser,
    header_core,
    header_key,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
    parse_transport,
)
from geoair.store.schema import PRODUCTION_STATUS


@pytest.mark.parametrize("text", ["是", "有", "Y", "yes", "√", "✓", "1", "TRUE", " 是 "])
def test_yes(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["否", "无", "N", "no", "×", "0", "False"])
def test_no(text):
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", [None, "", " ", "-", float("nan")])
def test_empty_is_none(text):
    assert parse_bool(text) is None
    assert parse_number(text) is None
    assert parse_date(text) is None


def test_yes_no_refuses_other_words():
    with pytest.raises(ValueError, match="^“也许”不是是/否，请填写“是”或“否”"):
        parse_bool("也许")


@pytest.mark.parametrize("text", ["是否", "有无", "否是"])
def test_yes_no_refuses_both_answers(text):
    with pytest.raises(ValueError, match=f"^“{text}”同时写了两个答案，请只填“是”或“否”"):
        parse_bool(text)


def test_answer_with_a_remark():
    assert parse_bool("是（已苫盖）") is True
    assert parse_bool("否，部分未封闭") is False


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("9", 9.0),
        ("９", 9.0),
        ("9吨", 9.0),
        ("１２．５", 12.5),
        ("1,200元", 1200.0),
        ("0.5万元", 5000.0),
        ("3个", 3.0),
        (" -2 ", -2.0),
        (7, 7.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["abc", "9 tons of coal", "1.2.3"])
def test_not_numbers(text):
    with pytest.raises(ValueError, match=f"^“{text}”不是数字，请填写数字"):
        parse_number(text)


def test_int_refuses_fractions():
    assert parse_int("3个") == 3
    with pytest.raises(ValueError, match="“3.5”不是整数"):
        parse_int("3.5")
    with pytest.raises(ValueError, match="^“若干”不是数字，请填写整数（如 3）$"):
        parse_int("若干")


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "２０２４年３月５日",
        "20240305",
        45356,
        45356.0,
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),
        "2024-03-05 14:30",
    ],
)
def test_dates(value):
    assert parse_date(value) == pd.Timestamp("2024-03-05")


def test_excel_serial_epoch():
    # Excel serial 1 is 1900-01-01 only after its fictitious 1900-02-29; 43831 is 2020-01-01.
    assert parse_date(43831) == pd.Timestamp("2020-01-01")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-02-30", "不是真实存在的日期"),
        ("2024年13月1日", "不是真实存在的日期"),
        ("yesterday", "不是日期，请写成 2024-03-05 或 2024年3月5日"),
    ],
)
def test_bad_dates(text, reason):
    with pytest.raises(ValueError, match=f"^“{text}”{reason}"):
        parse_date(text)


def test_enum_spellings():
    parse = EnumParser(PRODUCTION_STATUS)
    assert parse("正常生产") == "正常生产"
    assert parse("producing") == "正常生产"
    assert parse(" 依法停产 ") == "依法停产"
    with pytest.raises(ValueError, match="“放假”不是可选值，请填写以下之一：正常生产、"):
        parse("放假")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", (True, 1)),
        ("①", (True, 1)),
        ("4", (True, 4)),
        ("管状带式输送机", (True, 3)),
        ("非密闭输送", (False, None)),
        ("2、4", (True, 2)),
        ("密闭", (True, 7)),
        ("", (None, None)),
    ],
)
def test_transport_codes(text, expected):
    assert parse_transport(text) == expected


def test_transport_refuses_unknown_codes():
    with pytest.raises(ValueError, match="“9”不是运输方式，请填写密闭输送编号1-7或“非密闭输送”"):
        parse_transport("9")


def test_headers_fold_width_and_notes():
    assert header_key("处罚金额 （元）") == "处罚金额(元)"
    assert header_core("处罚金额（元）") == "处罚金额"
    assert header_key("Enterprise_Name") == "enterprisename"


def test_text_column_matches_the_cell_by_cell_cleaning():
    import numpy as np

    from geoair.io.normalize import clean_text, clean_text_column

    cells = pd.Series(
        [" 阳泉 ", None, np.nan, "", "-", "NaN", 123, 4.5, "料场，（约２００米）", "无数据"],
        dtype=object,
    )
    assert clean_text_column(cells).tolist() == [clean_text(v, fold=False) for v in cells]
