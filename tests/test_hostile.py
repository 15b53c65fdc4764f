"""Hostile files and faults (issue 14): nothing escapes, nothing executes, nothing is lost,
no traceback. One section per class of the issue."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from geoair.cli import main
from geoair.errors import InputFileError, OutputError, WorkspaceError
from geoair.imports.pipeline import import_file
from geoair.io.paths import child, inside, safe_name
from geoair.messages import set_language, use_language
from geoair.readings.importing import import_readings
from geoair.readings.store import load_hourly, store_hourly
from geoair.store.check import check_workspace
from geoair.store.open import init_workspace, open_workspace

CASES_HEADER = "检查日期,县区,企业名称,问题简要描述,处理措施,处罚金额（元）,是否完成整改\n"


def run(*args: str):
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        set_language(None)  # --lang lasts one command, as in its own process
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# --- 1. paths from data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("郊区", "郊区"),
        ("../../../tmp/x", "______tmp_x"),
        ("..", "_"),
        ("a\\b/c", "a_b_c"),
        ("CON", "_CON"),
        ("x\x00y\x07", "xy"),
        ("  .hidden. ", "hidden"),
        ("", "_"),
    ],
)
def test_safe_name(value, expected):
    assert safe_name(value) == expected


def test_safe_name_is_bounded_and_never_cuts_a_character():
    name = safe_name("阳" * 200)
    assert len(name.encode("utf-8")) <= 120 and set(name) == {"阳"}


def test_inside_refuses_a_path_that_climbs_out(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputError, match="之外，已拒绝"):
        inside(tmp_path / "out" / ".." / "x.xlsx", tmp_path / "out")
    with use_language("en"), pytest.raises(OutputError, match="outside"):
        inside(tmp_path / "out" / ".." / "x.xlsx", tmp_path / "out")
    os.symlink(tmp_path, tmp_path / "out" / "link")
    with pytest.raises(OutputError):
        inside(tmp_path / "out" / "link" / "x.xlsx", tmp_path / "out")
    assert child(tmp_path / "out", "../../x", suffix=".csv").parent == (tmp_path / "out")


def test_forms_county_from_data_stays_in_the_output_folder(ws_with_ledger, tmp_path):
    ws = ws_with_ledger
    county = "../../../escaped"
    cases = tmp_path / "cases.csv"
    cases.write_text(
        CASES_HEADER + f"2024-03-05,{county},阳泉市甲耐火材料有限公司,道路扬尘,立行立改,0,是\n",
        encoding="utf-8",
    )
    import_file(ws, "cases", cases)
    before = files_under(tmp_path) - files_under(ws.root)
    result = run("forms", "--month", "2024-03", "--county", county, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    after = files_under(tmp_path) - files_under(ws.root)
    assert after == before  # nothing written outside the workspace
    folder = ws.outputs_dir / "forms-2024-03"
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(".." not in n and "/" not in n for n in names)
    assert not [p for p in folder.iterdir() if p.is_dir()]  # no 调度表_.. folders


# --- 2. spreadsheet formulas ---------------------------------------------------------------


HOSTILE_NAME = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def ws_hostile_names(ws, tmp_path):
    ledger = tmp_path / "e.csv"
    ledger.write_text(
        "企业编号,企业名称,县区,经度,纬度\n"
        f'E1,"{HOSTILE_NAME.replace(chr(34), chr(34) * 2)}",郊区,113.5,37.85\n'
        "E2,@SUM(A1),-1+2,113.6,37.8\n",
        encoding="utf-8",
    )
    import_file(ws, "enterprises", ledger)
    cases = tmp_path / "c.csv"
    cases.write_text(
        CASES_HEADER
        + "2024-03-05,郊区,E1,+cmd|' /C calc'!A0,立案处罚,5000,否\n".replace(",E1,", ",@SUM(A1),"),
        encoding="utf-8",
    )
    import_file(ws, "cases", cases)
    return ws


def _no_formulas(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_xlsx_and_csv_exports_write_names_as_text(ws_hostile_names, tmp_path):
    ws = ws_hostile_names
    assert ws.read("enterprises")["name"].iloc[0] == HOSTILE_NAME
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"e.{fmt}"
        assert run("export", "enterprises", "--format", fmt, "--out", str(out), "-w", str(ws.root))
    assert _no_formulas(tmp_path / "e.xlsx") == []
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx").active
    assert HOSTILE_NAME in [c.value for c in sheet["B"]] or HOSTILE_NAME in [
        c.value for row in sheet.iter_rows() for c in row
    ]
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "'-1+2" in text
    assert ",=" not in text and "\n=" not in text


def test_forms_and_out_tables_write_names_as_text(ws_hostile_names, tmp_path):
    ws = ws_hostile_names
    result = run("forms", "--month", "2024-03", "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    written = list((ws.outputs_dir / "forms-2024-03").glob("*.xlsx"))
    assert written
    for path in written:
        assert _no_formulas(path) == [], path.name
    annex3 = next(p for p in written if p.name.startswith("附件3"))
    values = [c.value for row in openpyxl.load_workbook(annex3).active.iter_rows() for c in row]
    assert "@SUM(A1)" in values and "+cmd|' /C calc'!A0" in values


# --- 3. control characters -------------------------------------------------------------------


def test_control_characters_are_stripped_at_import_with_a_note(ws, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "企业编号,企业名称,县区,经度,纬度\nE1,甲\x07公司\x1b,郊\x00区,113.5,37.85\n"
        "E2,乙公司,郊区,113.6,37.8\n",
        encoding="utf-8",
    )
    report = import_file(ws, "enterprises", path)
    assert report.imported == 2
    assert ws.read("enterprises")["name"].tolist() == ["甲公司", "乙公司"]
    assert any("控制字符" in note and "第2行" in note for note in report.notes)


def test_writers_never_fail_on_control_characters_already_stored(ws, tmp_path):
    # A workspace from elsewhere may hold them: every writer still gives a valid file.
    frame = gpd.GeoDataFrame(
        {"id": ["E1"], "name": ["甲\x07公司\x0b\x1f"], "county": ["郊区"]},
        geometry=[Point(113.5, 37.85)],
        crs=4326,
    )
    ws.write("enterprises", frame)
    for fmt in ("kml", "xlsx", "csv", "geojson", "gpkg"):
        result = run("export", "enterprises", "--format", fmt, "-w", str(ws.root))
        assert result.exit_code == 0, result.output
    ET.parse(ws.outputs_dir / "enterprises.kml")  # well-formed XML
    assert openpyxl.load_workbook(ws.outputs_dir / "enterprises.xlsx").active["B2"].value == (
        "甲公司"
    )


def test_a_failing_forms_run_leaves_no_partial_folder(ws_with_ledger, tmp_path, monkeypatch):
    ws = ws_with_ledger
    cases = tmp_path / "cases.csv"
    cases.write_text(
        CASES_HEADER + "2024-03-05,郊区,阳泉市甲耐火材料有限公司,道路扬尘,立行立改,0,是\n",
        encoding="utf-8",
    )
    import_file(ws, "cases", cases)
    from geoair.reports import forms

    calls = []

    def failing(book_forms, path):
        calls.append(path)
        if len(calls) == 2:
            raise OutputError("disk full (simulated)")
        return real(book_forms, path)

    real = forms.write_workbook
    monkeypatch.setattr(forms, "write_workbook", failing)
    result = run("forms", "--month", "2024-03", "-w", str(ws.root))
    assert result.exit_code == 1 and "disk full" in result.output
    assert not (ws.outputs_dir / "forms-2024-03").exists()


# --- 4. damaged or read-only workspace --------------------------------------------------------

ONE_HOUR = pd.DataFrame(
    {
        "station_id": ["S1"],
        "time": [pd.Timestamp("2020-11-01 01:00")],
        "pollutant": ["PM2.5"],
        "value": [10.0],
    }
)


def _damage(path: Path, how: str) -> None:
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif how == "foreign":
        path.write_bytes(b"PK\x03\x04 this is a zip file, not a GeoPackage" * 10)
    elif how == "garbled":  # whole length, pages in the middle overwritten
        data = bytearray(path.read_bytes())
        rng = np.random.default_rng(0)
        data[4096:-4096] = rng.integers(0, 256, len(data) - 8192, dtype=np.uint8).tobytes()
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["empty", "truncated", "foreign", "garbled"])
def test_damaged_workspace_is_one_sentence_and_check_says_so(ws_with_ledger, ledger_csv, how):
    ws = ws_with_ledger
    _damage(ws.gpkg, how)
    for args in (
        ["import", "enterprises", str(ledger_csv)],
        ["export", "enterprises", "--format", "csv"],
        ["map"],
    ):
        result = run(*args, "-w", str(ws.root))
        assert result.exit_code == 1
        message = result.output.strip()
        assert str(ws.gpkg) in message and "geoair check" in message, message
        assert message.count("\n") == 0 and message.startswith("错误：")  # one line, Chinese
        english = run("--lang", "en", *args, "-w", str(ws.root)).output.strip()
        assert english.count("\n") == 0 and english.startswith("Error: "), english
    result = run("check", "-w", str(ws.root))
    assert result.exit_code == 1
    assert "问题：" in result.output


def test_check_passes_a_whole_workspace_and_notes_leftovers(ws_with_ledger):
    ws = ws_with_ledger
    (ws.root / ".tmp-workspace-999999999-x.gpkg").write_bytes(b"x" * 10)
    result = run("check", "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    assert "SQLite 完整性检查：通过" in result.output
    assert "个临时文件" in result.output
    english = run("--lang", "en", "check", "-w", str(ws.root))
    assert "SQLite integrity check: ok" in english.output
    assert "temporary file" in english.output


def test_check_finds_a_damaged_readings_file(ws_with_ledger):
    ws = ws_with_ledger
    part = ws.readings_dir / "hourly" / "year=2020" / "month=11"
    part.mkdir(parents=True)
    (part / "data.parquet").write_bytes(b"PAR1 broken")
    report = check_workspace(ws.root)
    assert not report.ok and "data.parquet" in report.problems[0]


def _refuse_writes(monkeypatch, root: Path) -> None:
    real_open = os.open
    real_mkstemp = __import__("tempfile").mkstemp

    def no_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(root)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def no_mkstemp(*args, dir=None, **kwargs):
        if dir is not None and str(dir).startswith(str(root)):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(os, "open", no_open)
    monkeypatch.setattr("tempfile.mkstemp", no_mkstemp)


def test_read_only_workspace_is_one_sentence(ws_with_ledger, ledger_csv, monkeypatch):
    ws = ws_with_ledger
    _refuse_writes(monkeypatch, ws.root)
    result = run("import", "enterprises", str(ledger_csv), "-w", str(ws.root))
    assert result.exit_code == 1
    assert "只读" in result.output
    english = run("--lang", "en", "import", "enterprises", str(ledger_csv), "-w", str(ws.root))
    assert "read-only" in english.output
    with pytest.raises(WorkspaceError, match="只读"):
        store_hourly(ws, ONE_HOUR)


def test_parquet_writer_failure_is_one_sentence(ws, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WorkspaceError, match="无法写入监测数据文件"):
        store_hourly(ws, ONE_HOUR)
    monkeypatch.undo()
    assert not [p for p in ws.readings_dir.rglob("*") if p.is_file()]  # no half-written file


# --- 5. interrupted writes -----------------------------------------------------------------------


_KILLED_WRITER = """
import sys, time
import geopandas as gpd
from shapely.geometry import Point
from geoair.store.open import open_workspace
ws = open_workspace(sys.argv[1])
frame = gpd.GeoDataFrame({"id": ["X"]}, geometry=[Point(113.5, 37.8)], crs=4326)
with ws.transaction() as tx:
    tx.write("scratch", frame)
    print("writing", flush=True)
    time.sleep(120)
"""


def test_kill_9_during_a_write_leaves_leftovers_the_next_command_removes(
    ws_with_ledger, ledger_csv
):
    ws = ws_with_ledger
    before = ws.gpkg.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(ws.root)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert proc.stdout.readline().strip() == b"writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stdout.close()
    leftovers = list(ws.root.glob(".tmp-workspace-*"))
    assert leftovers and all(f"-{proc.pid}-" in p.name for p in leftovers)
    assert (ws.root / ".geoair.lock").exists()
    assert ws.gpkg.read_bytes() == before  # the workspace itself is as it was
    report = import_file(ws, "enterprises", ledger_csv)
    assert report.imported == 3
    assert not list(ws.root.glob(".tmp-workspace-*"))
    assert not (ws.root / ".geoair.lock").exists()


def test_leftovers_of_live_processes_are_kept(ws_with_ledger, ledger_csv):
    ws = ws_with_ledger
    mine = ws.root / f".tmp-workspace-{os.getppid()}-keep.gpkg"  # a live process
    legacy = ws.root / ".tmp-workspace-abc123.gpkg"  # an older geoair, no pid
    mine.write_bytes(b"x")
    legacy.write_bytes(b"x")
    import_file(ws, "enterprises", ledger_csv)
    assert mine.exists() and not legacy.exists()


def test_read_modify_write_reads_inside_the_transaction(ws_with_ledger):
    ws = ws_with_ledger
    with ws.transaction() as tx:
        old = tx.read("enterprises")
        tx.write("enterprises", old.head(1))
        assert len(tx.read("enterprises")) == 1  # sees its own write
        assert len(ws.read("enterprises")) == 3  # others see the old until the end
        assert tx.read("nothing") is None
    assert len(ws.read("enterprises")) == 1


# --- 6. runs that erase other results --------------------------------------------------------


@pytest.fixture
def ws_readings(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    stations = gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["甲站", "乙站"], "kind": ["国控", "国控"]},
        geometry=[Point(113.58, 37.86), Point(113.50, 37.90)],
        crs=4326,
    )
    stations["county"] = ["城区", "郊区"]
    ws.write("stations", stations)
    times = pd.date_range("2020-10-01 01:00", "2020-12-01 00:00", freq="h")
    rng = np.random.default_rng(1)
    parts = [
        pd.DataFrame(
            {
                "station_id": station,
                "time": times,
                "pollutant": pollutant,
                "value": rng.uniform(10, 80, len(times)).round(),
            }
        )
        for station in ("S1", "S2")
        for pollutant in ("PM2.5", "PM10")
    ]
    store_hourly(ws, pd.concat(parts, ignore_index=True))
    return ws


def test_indicators_for_a_month_replace_only_that_month(ws_readings):
    ws = ws_readings
    for by in ("station", "county"):
        assert run("indicators", "--by", by, "-w", str(ws.root)).exit_code == 0
    daily = ws.read("station_daily")
    monthly = ws.read("station_monthly")
    county = ws.read("county_monthly")
    assert len(daily) == 2 * 61 and len(monthly) == 4 and len(county) == 4
    for by in ("station", "county"):
        result = run(
            "indicators",
            "--by",
            by,
            "--start",
            "2020-11-01",
            "--end",
            "2020-11-30",
            "-w",
            str(ws.root),
        )
        assert result.exit_code == 0, result.output
    assert len(ws.read("station_daily")) == len(daily)
    after = ws.read("station_monthly").sort_values(["station_id", "period"])
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        monthly.sort_values(["station_id", "period"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert len(ws.read("county_monthly")) == len(county)
    # half a month is computed from the whole month, never from the half
    run("indicators", "--start", "2020-11-15", "--end", "2020-11-20", "-w", str(ws.root))
    again = ws.read("station_monthly").sort_values(["station_id", "period"])
    pd.testing.assert_frame_equal(
        again.reset_index(drop=True),
        monthly.sort_values(["station_id", "period"]).reset_index(drop=True),
        check_dtype=False,
    )


def test_targets_check_for_a_month_keeps_other_periods(ws_readings, tmp_path):
    ws = ws_readings
    targets = tmp_path / "t.csv"
    targets.write_text(
        "范围,对象,月份,指标,目标值\n站点,甲站,2020-10,PM2.5,40\n站点,甲站,2020-11,PM2.5,40\n",
        encoding="utf-8",
    )
    import_file(ws, "targets", targets)
    run("targets", "check", "-w", str(ws.root))
    assert set(ws.read("targets_check")["period"]) == {"2020-10", "2020-11"}
    run("targets", "check", "--month", "2020-11", "-w", str(ws.root))
    assert sorted(ws.read("targets_check")["period"]) == ["2020-10", "2020-11"]


# --- 7. Shapefiles without their parts -----------------------------------------------------------


@pytest.fixture
def shapefile(tmp_path) -> Path:
    frame = gpd.GeoDataFrame(
        {"名称": ["一号矸石山", "二号矸石山"]},
        geometry=[Point(113.5, 37.85), Point(113.6, 37.8)],
        crs=4326,
    )
    path = tmp_path / "shp" / "heaps.shp"
    path.parent.mkdir()
    frame.to_file(path, encoding="utf-8")
    return path


@pytest.mark.parametrize("missing", [".shx", ".dbf"])
@pytest.mark.parametrize("zipped", [True, False])
def test_shapefile_without_a_part_names_it(ws, shapefile, tmp_path, missing, zipped):
    shapefile.with_suffix(missing).unlink()
    path = shapefile
    if zipped:
        path = tmp_path / "heaps.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in shapefile.parent.iterdir():
                archive.write(part, part.name)
    with pytest.raises(InputFileError, match=rf"heaps\{missing}") as caught:
        import_file(ws, "gangue_heaps", path)
    assert "缺少" in str(caught.value)
    with use_language("en"), pytest.raises(InputFileError, match=rf"heaps\{missing}") as caught:
        import_file(ws, "gangue_heaps", path)
    assert "lacks" in str(caught.value) and ("in heaps.zip" in str(caught.value)) == zipped


def test_a_zip_that_unpacks_too_far_is_refused(ws, tmp_path, monkeypatch):
    from geoair.io import readers

    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.geojson", " " * 200_000)
    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 100_000)
    with pytest.raises(InputFileError, match="解压后有"):
        import_file(ws, "enterprises", path)
    with use_language("en"), pytest.raises(InputFileError, match="unpack"):
        import_file(ws, "enterprises", path)


# --- 8. values ---------------------------------------------------------------------------------


def test_fines_dates_and_units_are_checked(ws_with_ledger, tmp_path):
    ws = ws_with_ledger
    name = "阳泉市甲耐火材料有限公司"
    rows = [
        ("2024-03-01", "9吨"),
        ("2024-03-02", "-500"),
        ("2024-03-03", "1e30"),
        ("1900-01-01", "100"),
        ("2099-01-01", "100"),
        ("2024-03-06", "0.5万元"),
        ("2024-03-07", "3000元"),
    ]
    path = tmp_path / "cases.csv"
    path.write_text(
        CASES_HEADER
        + "".join(f"{d},郊区,{name},问题{i},立行立改,{f},是\n" for i, (d, f) in enumerate(rows)),
        encoding="utf-8",
    )
    report = import_file(ws, "cases", path)
    assert report.imported == 2
    fines = sorted(ws.read("cases")["fine_yuan"])
    assert fines == [3000.0, 5000.0]
    reasons = pd.read_csv(report.rejects_path, encoding="utf-8-sig", dtype=str)["原因"].tolist()
    assert "单位“吨”不对" in reasons[0]
    assert "负数" in reasons[1]
    assert "上限" in reasons[2]
    assert "早于2000年" in reasons[3]
    assert "一年以后" in reasons[4]


def test_readings_mixed_excel_serials_and_text_times(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.write(
        "stations",
        gpd.GeoDataFrame({"id": ["S1"], "name": ["甲站"]}, geometry=[Point(113.5, 37.8)], crs=4326),
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["站点名称", "时间", "PM2.5"])
    sheet.append(["甲站", "2020-11-01 01:00", 30])
    serial = (pd.Timestamp("2020-11-01 02:00") - pd.Timestamp("1899-12-30")).total_seconds()
    sheet.append(["甲站", serial / 86400 - 1e-9, 31])  # a hair below 02:00
    sheet.append(["甲站", "2020-11-01 03:00", 32])
    sheet.append(["甲站", pd.Timestamp("2020-11-01 03:59:59.9999").to_pydatetime(), 33])
    path = tmp_path / "r.xlsx"
    book.save(path)
    report = import_readings(ws, path)
    assert report.rejected == 0 and report.imported == 4, report
    times = load_hourly(ws)["time"].dt.strftime("%H:%M:%S").tolist()
    assert times == ["01:00:00", "02:00:00", "03:00:00", "04:00:00"]


def test_readings_before_2000_are_rejected(tmp_path):
    from geoair.readings.checks import parse_hourly

    stations = pd.DataFrame({"id": ["S1"], "name": ["甲站"]})
    cells = pd.DataFrame(
        {
            "站点名称": ["甲站", "甲站"],
            "时间": ["1900-01-01 01:00", "2020-11-01 01:00"],
            "PM2.5": [1, 2],
        },
        index=[2, 3],
    )
    good, rejects, _ = parse_hourly(cells, stations)
    assert len(good) == 1 and "2000" in rejects["原因"].iloc[0]


def test_open_workspace_on_a_folder_named_like_the_file(tmp_path):
    (tmp_path / "w" / "workspace.gpkg").mkdir(parents=True)
    with pytest.raises(WorkspaceError, match="是文件夹，不是文件"):
        open_workspace(tmp_path / "w")
    with use_language("en"), pytest.raises(WorkspaceError, match="is a folder, not a file"):
        open_workspace(tmp_path / "w")


def test_no_python_traceback_reaches_the_user_for_a_damaged_readings_file(ws_readings):
    ws = ws_readings
    target = next(ws.readings_dir.rglob("data.parquet"))
    target.write_bytes(target.read_bytes()[:100])
    time.sleep(0)
    result = run("indicators", "-w", str(ws.root))
    assert result.exit_code == 1 and "geoair check" in result.output
