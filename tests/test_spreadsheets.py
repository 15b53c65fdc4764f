"""The one writer of spreadsheet cells: no text ever becomes a formula, numbers stay numbers."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geoair.errors import OutputError
from geoair.io.spreadsheets import (
    csv_field,
    looks_like_formula,
    put_cell,
    save_workbook,
    write_csv,
    write_xlsx,
)
from geoair.io.writers import write_table

HOSTILE = [
    '=HYPERLINK("http://x","点我")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_quoted_in_csv(text):
    assert looks_like_formula(text)
    assert str(csv_field(text)).startswith("'")


@pytest.mark.parametrize("text", ["-3.5", "+86", "1e5", "阳泉市", "a=b", ""])
def test_plain_text_and_numbers_as_text_are_left_alone(text):
    assert not looks_like_formula(text)
    assert csv_field(text) == text


def test_csv_numbers_stay_numbers_and_names_are_quoted(tmp_path):
    frame = pd.DataFrame({"name": HOSTILE, "fine": [-5.0, 1.5, 0, 3, 4, 5, 6]})
    path = write_csv(frame, tmp_path / "x.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1] == ['\'=HYPERLINK("http://x","点我")', "-5.0"]
    assert all(row[0].startswith("'") for row in rows[1:])
    assert rows[2][1] == "1.5"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_write_table_never_writes_a_formula(tmp_path, suffix):
    frame = pd.DataFrame({"=名称": HOSTILE, "value": range(len(HOSTILE))})
    path = write_table(frame, tmp_path / f"t{suffix}")
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert sheet["A2"].value == HOSTILE[0] and sheet["A2"].data_type == "s"
        assert sheet["B3"].value == 1 and sheet["B3"].data_type == "n"
    else:
        text = path.read_text(encoding="utf-8-sig")
        assert "\n=" not in text and ",=" not in text


def test_xlsx_drops_characters_excel_cannot_hold(tmp_path):
    frame = pd.DataFrame({"name": ["甲\x07公司\x1b", "乙\n公司"]})
    path = write_xlsx({"data": frame}, tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "甲公司"
    assert sheet["A3"].value == "乙\n公司"


def test_xlsx_refuses_a_text_longer_than_a_cell(tmp_path):
    with pytest.raises(OutputError, match="超过 Excel 单元格的上限"):
        write_xlsx({"data": pd.DataFrame({"wkt": ["x" * 40_000]})}, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_laid_out_workbooks_type_text_as_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    put_cell(sheet, 1, 1, "=1+1")
    sheet.cell(row=2, column=1).value = "=2+2"  # a writer that forgot: saved as text anyway
    save_workbook(book, tmp_path / "b.xlsx")
    back = openpyxl.load_workbook(tmp_path / "b.xlsx").active
    assert back["A1"].data_type == "s" and back["A1"].value == "=1+1"
    assert back["A2"].data_type == "s" and back["A2"].value == "=2+2"


@given(st.text(max_size=30))
def test_any_text_round_trips_through_xlsx_as_text(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("x")
    path = write_xlsx({"data": pd.DataFrame({"v": [text]})}, folder / "x.xlsx")
    cell = openpyxl.load_workbook(path).active["A2"]
    assert cell.data_type != "f"
