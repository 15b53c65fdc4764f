"""Fuzzing every importer (issue 14): random bytes, and random cells in valid layouts.

Whatever the file holds, the result is an import (with or without a rejects file) or
one clear sentence (a :class:`GeoairError`), never another exception. Examples are
few (the suite must stay quick) and derandomised in CI (conftest.py); run locally
with ``GEOAIR_FUZZ_EXAMPLES=500`` to search harder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geoair.errors import GeoairError
from geoair.imports.pipeline import import_file
from geoair.store.open import init_workspace
from geoair.store.schema import KINDS
from geoair.store.workspace import Workspace
from geoair.workflows.imports import ImportOptions, run_import

EXAMPLES = int(os.environ.get("GEOAIR_FUZZ_EXAMPLES", "6"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LEDGER = (
    "企业编号,企业名称,县区,经度,纬度\n"
    "E1,阳泉市甲耐火材料有限公司,郊区,113.50,37.85\n"
    "E2,阳泉市乙焦化有限公司,平定县,113.62,37.80\n"
)

# A valid header for every importer: the first row of its file.
HEADERS: dict[str, list[str]] = {
    "enterprises": ["企业编号", "企业名称", "县区", "行业", "规模以上", "绩效等级", "经度", "纬度"],
    "gates": ["厂门编号", "企业名称", "厂门名称", "经度", "纬度"],
    "parks": ["园区编号", "园区名称", "重点园区", "geometry"],
    "stations": ["站点编号", "站点名称", "站点类型", "县区", "经度", "纬度"],
    "gangue_heaps": [
        "编号",
        "矸石山名称",
        "有主/无主",
        "自燃/冒烟",
        "面积",
        "体积",
        "经度",
        "纬度",
    ],
    "roads": ["道路名称", "道路等级", "硬化", "geometry"],
    "counties": ["行政区划代码", "县区名称", "geometry"],
    "inspections": [
        "县区",
        "企业名称",
        "检查日期",
        "物料堆场全封闭情况",
        "厂区运输方式",
        "尘点数量",
    ],
    "cases": [
        "检查日期",
        "县区",
        "企业名称",
        "问题简要描述",
        "处理措施",
        "处罚金额（元）",
        "是否完成整改",
    ],
    "targets": ["范围", "对象", "月份", "指标", "目标值"],
    "road_dust": ["园区名称", "月份", "路段", "积尘负荷"],
    "readings": ["站点名称", "时间", "PM2.5", "PM10", "CO", "风向"],
    "dustfall": ["站点名称", "月份", "降尘量"],
    "targets_annex": ["月份", "甲站", "郊区", "市控目标"],
}
assert set(HEADERS) >= set(KINDS)

# Cells: what users type, what exports from other systems hold, and what attackers try.
TEXT_CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "阳泉市甲耐火材料有限公司",
            "甲站",
            "郊区",
            "是",
            "否",
            "√",
            "B",
            "焦化",
            "国控",
            "2024-03-05",
            "2024年3月5日",
            "2020-11-01 13:00",
            "24:00",
            "2020-13",
            "1900-01-01",
            "2099-12-31",
            "9吨",
            "0.5万元",
            "-5",
            "1e30",
            "nan",
            "inf",
            "113.5",
            "37.85",
            "113°35′12″",
            "POINT (113.5 37.85)",
            "POLYGON ((113.5 37.8, 113.6 37.8, 113.6 37.9, 113.5 37.8))",
            "LINESTRING (113.5 37.8, 113.6 37.9)",
            "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",
            "GEOMETRYCOLLECTION EMPTY",
            '=HYPERLINK("http://x")',
            "@SUM(A1)",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "甲\x07公司\x00",
            "10 月",
            "均 10-12 月",
            "①",
            "非密闭输送",
            "西北风",
            "静风",
        ]
    ),
)
TYPED_CELLS = st.one_of(
    TEXT_CELLS,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.none(),
)


def _workspace(root: Path) -> Workspace:
    ws = init_workspace(root)
    ledger = root.parent / f"{root.name}-ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    import_file(ws, "enterprises", ledger)
    ws.write(
        "stations",
        gpd.GeoDataFrame(
            {"id": ["S1", "S2"], "name": ["甲站", "乙站"], "kind": ["国控", "降尘点"]},
            geometry=[Point(113.58, 37.86), Point(113.50, 37.90)],
            crs=4326,
        ),
    )
    return ws


@pytest.fixture(scope="module")
def fuzz_ws(tmp_path_factory) -> Workspace:
    return _workspace(tmp_path_factory.mktemp("fuzz") / "ws")


def _import(ws: Workspace, kind: str, path: Path) -> None:
    """Import ``path`` as ``kind`` as the command does; only a GeoairError may come out."""
    date = "2020" if kind == "targets_annex" else "2024-03-05"
    try:
        report = run_import(ws, ImportOptions(kind=kind, path=path, record_date=date))
        if report.rejects_path is not None:
            pd.read_csv(report.rejects_path, encoding="utf-8-sig", dtype=str)
    except GeoairError as exc:
        text = str(exc)
        assert text and "Traceback" not in text


SUFFIXES = [".csv", ".xlsx", ".zip", ".geojson", ".kml", ".gpkg", ".parquet", ".shp", ".tsv"]


@settings(FUZZ, max_examples=EXAMPLES * 8)
@given(
    kind=st.sampled_from(sorted(HEADERS)),
    data=st.binary(max_size=600),
    suffix=st.sampled_from(SUFFIXES),
    head=st.booleans(),
)
def test_random_bytes(fuzz_ws, tmp_path_factory, kind, data, suffix, head):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / f"f{suffix}"
    # Half the files start like the real format, so that the readers get past the magic.
    magic = {
        ".xlsx": b"PK\x03\x04",
        ".zip": b"PK\x03\x04",
        ".gpkg": b"SQLite format 3\x00",
        ".parquet": b"PAR1",
        ".geojson": b'{"type": "FeatureCollection", "features": [',
        ".kml": b"<?xml version='1.0'?><kml>",
        ".csv": ",".join(HEADERS[kind]).encode("utf-8") + b"\n",
    }
    path.write_bytes((magic.get(suffix, b"") if head else b"") + data)
    _import(fuzz_ws, kind, path)


@pytest.mark.parametrize("kind", sorted(HEADERS))
@FUZZ
@given(rows=st.lists(st.lists(TEXT_CELLS, min_size=1, max_size=8), min_size=1, max_size=5))
def test_random_cells_in_a_csv(fuzz_ws, tmp_path_factory, kind, rows):
    import csv

    path = tmp_path_factory.mktemp("csv") / f"{kind}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS[kind])
        writer.writerows(rows)
    _import(fuzz_ws, kind, path)


@pytest.mark.parametrize("kind", sorted(HEADERS))
@FUZZ
@given(rows=st.lists(st.lists(TYPED_CELLS, min_size=1, max_size=8), min_size=1, max_size=5))
def test_random_cells_in_a_workbook(fuzz_ws, tmp_path_factory, kind, rows):
    from geoair.io.spreadsheets import cell_value

    path = tmp_path_factory.mktemp("xlsx") / f"{kind}.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS[kind])
    for row in rows:
        values = []
        for value in row:
            value = cell_value(value)
            if isinstance(value, int) and abs(value) > 2**53:
                value = float(value)
            values.append(value)
        sheet.append(values)
    book.save(path)
    _import(fuzz_ws, kind, path)


@pytest.mark.parametrize("kind", ["enterprises", "stations", "gangue_heaps", "readings"])
@FUZZ
@given(
    names=st.lists(TEXT_CELLS, min_size=1, max_size=4),
    lon=st.floats(allow_nan=True, allow_infinity=True),
    lat=st.floats(allow_nan=True, allow_infinity=True),
)
def test_random_values_in_a_geopackage_and_parquet(
    fuzz_ws, tmp_path_factory, kind, names, lon, lat
):
    folder = tmp_path_factory.mktemp("vector")
    frame = gpd.GeoDataFrame(
        {HEADERS[kind][1]: names, HEADERS[kind][0]: [str(i) for i in range(len(names))]},
        geometry=[Point(lon, lat)] * len(names),
        crs=4326,
    )
    for suffix in (".gpkg", ".parquet"):
        path = folder / f"f{suffix}"
        try:
            if suffix == ".gpkg":
                frame.to_file(path, driver="GPKG")
            else:
                frame.to_parquet(path)
        except Exception:  # the writer refuses the value: nothing to import
            continue
        _import(fuzz_ws, kind, path)
