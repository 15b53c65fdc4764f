"""``geoair import readings FILE...`` and ``geoair import dustfall FILE``: files to the store.

Readings come as downloaded: one file, several, or folders (the national platform's
archive is one CSV per hour; a year is 8,760 files). Every file's layout is recognised
from its header (:mod:`geoair.readings.parse`); CSV files that share their first line
are sniffed once, then concatenated and parsed by pyarrow in batches of about 96 MB
(each row's file and line number follow from the files' line counts; a file with blank
or ragged lines is read again line by line, exactly). UTF-8 with or without BOM, GBK
and GB18030 are recognised per file. Each batch is checked in DuckDB
(:class:`geoair.readings.parse.HourlyChecker`), and the store is written month by month
(:func:`geoair.readings.store.write_month`), so memory stays bounded by a batch and a
month whatever the archive's size.

What is refused goes to ``rejects/readings-NAME.csv`` (file, row number, station, time,
pollutant, value, reason, in Chinese for the clerk); published values that disagree
with geoair's to ``rejects/readings-NAME-核对.csv``. Errors about a whole file give a
Chinese sentence, then the same in English.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geoair.errors import InputFileError, SchemaError, WorkspaceError
from geoair.imports.report import ImportReport
from geoair.io.headers import locate_header
from geoair.io.normalize import clean_text, strip_control_cells
from geoair.io.paths import child
from geoair.io.readers import decode, detect_encoding, file_kind, read_grid, read_parquet_file
from geoair.io.writers import write_table
from geoair.messages import t
from geoair.readings.checks import HourlyChecker, cells_to_arrow
from geoair.readings.parse import (
    _DUSTFALL_FIELDS,
    HOURLY_VOCABULARY,
    Layout,
    detect_layout,
    parse_dustfall,
    parse_units,
    unique_labels,
)
from geoair.readings.store import (
    dustfall_path,
    hourly_dir,
    store_dustfall,
    write_month,
)
from geoair.store.workspace import Workspace

__all__ = ["READINGS_SUFFIXES", "expand_paths", "import_dustfall", "import_readings"]


log = logging.getLogger(__name__)

#: Files a folder given to ``geoair import readings`` contributes.
READINGS_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet")
# Bytes of CSV text parsed at once: bounded memory, whatever the archive's size.
_BATCH_BYTES = 96 * 2**20
_SNIFF_BYTES = 64 * 2**10


def _read_cells(
    path: Path, vocabulary: dict[str, tuple[str, ...]], *, encoding: str | None, sheet: str | None
) -> pd.DataFrame:
    """The file as text cells with its header row as column names; index = file row.

    A file that pandas or pyarrow cannot parse is one :class:`InputFileError` sentence.
    """
    try:
        return _parse_cells(path, vocabulary, encoding=encoding, sheet=sheet)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(
            t("error.readings.bad_table", name=path.name, error=exc.__class__.__name__)
        ) from None


def _parse_cells(
    path: Path, vocabulary: dict[str, tuple[str, ...]], *, encoding: str | None, sheet: str | None
) -> pd.DataFrame:
    kind = file_kind(path)
    if kind == "parquet":
        if not path.exists():
            read_grid(path)  # raises the usual clear error
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors of a damaged or foreign file
            raise InputFileError(
                t("error.io.bad_parquet", name=path.name, error=exc.__class__.__name__)
            ) from None
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        return frame
    if kind != "table":
        raise InputFileError(t("error.readings.not_a_table", name=path.name))
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        # Readings files are long: find the header in the first lines, then let the
        # C parser read the rest (read_grid's cell-by-cell checks are too slow here).
        if not path.exists() or path.stat().st_size == 0:
            read_grid(path, encoding=encoding)  # raises the usual clear error
        text = decode(path.read_bytes(), encoding, name=path.name)
        head = "\n".join(text.splitlines()[:25])
        sep = "\t" if head.count("\t") > head.count(",") else ","
        grid = pd.read_csv(
            io.StringIO(head),
            header=None,
            dtype=str,
            sep=sep,
            keep_default_na=False,
            names=range(200),
            engine="python",
        )
        grid = grid.dropna(axis=1, how="all")
        grid.index = pd.RangeIndex(1, len(grid) + 1)
        block = locate_header(grid, vocabulary)
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            skiprows=block.last_row,
            dtype=str,
            sep=sep,
            keep_default_na=False,
        )
        labels = [block.label(c) for c in range(frame.shape[1])]
        frame.columns = labels
        frame.index = pd.RangeIndex(block.last_row + 1, block.last_row + 1 + len(frame))
        return frame
    grid = read_grid(path, encoding=encoding, sheet=sheet)
    block = locate_header(grid, vocabulary)
    body = grid.loc[grid.index > block.last_row]
    return body.set_axis([block.label(c) for c in range(grid.shape[1])], axis=1)


def _control_note(rows: list) -> str:
    shown = "、".join(map(str, rows[:5])) + ("等" if len(rows) > 5 else "")
    return f"第{shown}行（共{len(rows)}行）含有看不见的控制字符，已删除后导入"


def _stations(ws: Workspace) -> pd.DataFrame:
    if not ws.has("stations"):
        raise WorkspaceError(t("error.readings.no_stations"))
    return ws.read("stations")


def _write_rejects(ws: Workspace, kind: str, path: Path, rejects: pd.DataFrame) -> Path | None:
    return _write_table(ws, f"{kind}-{path.stem}", rejects)


def expand_paths(paths: Sequence[Path | str] | Path | str) -> list[Path]:
    """Files to import: the files given, and every readings file inside the folders given
    (recursively, sorted; hidden and Excel lock files ``~$…`` skipped)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    out: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found = sorted(
                p
                for p in item.rglob("*")
                if p.is_file()
                and p.suffix.lower() in READINGS_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                raise InputFileError(t("error.readings.empty_folder", folder=item))
            out.extend(found)
        elif not item.exists():
            raise InputFileError(t("error.io.no_file", path=item))
        else:
            out.append(item)
    return out


@dataclass(frozen=True)
class _CsvShape:
    """What the first lines of a CSV file say: encoding, separator, header, layout."""

    encoding: str
    sep: str
    skip: int  # lines before the data (title lines and the header)
    labels: tuple[str, ...]
    layout: Layout


def _head_text(data: bytes, encoding: str | None) -> tuple[str, str]:
    """(encoding, text) of the first bytes of a file, cut at a whole line."""
    if encoding is None:
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        else:
            cut = data[: data.rfind(b"\n") + 1] or data
            encoding = detect_encoding(cut)
    name = "gb18030" if encoding.lower().replace("-", "") in {"gbk", "gb2312"} else encoding
    cut = data[: data.rfind(b"\n") + 1] or data
    return name, cut.decode(name, errors="replace")


def _sniff_csv(path: Path, data: bytes, encoding: str | None) -> _CsvShape:
    enc, text = _head_text(data, encoding)
    lines = text.splitlines()[:25]
    head = "\n".join(lines)
    sep = "\t" if head.count("\t") > head.count(",") else ","
    rows = list(csv.reader(io.StringIO(head), delimiter=sep))
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    grid = grid.replace("", None)
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    # The header is within the first lines (a title or two above it): looking at eight
    # keeps the header search fast on wide files.
    # (and at the first 40 columns: an archive by station has one per station).
    block = locate_header(grid.iloc[:8, :40], HOURLY_VOCABULARY)
    labels = [
        "/".join(t for t in (clean_text(v) for v in grid.loc[list(block.rows), c]) if t)
        or f"第{c + 1}列"
        for c in range(grid.shape[1])
    ]
    while labels and labels[-1].startswith("第") and grid[grid.shape[1] - 1].isna().all():
        labels.pop()  # a trailing separator on every line: no column
        grid = grid.iloc[:, :-1]
    labels = unique_labels(labels)
    return _CsvShape(enc, sep, block.last_row, tuple(labels), detect_layout(labels))


def _read_other(path: Path, *, encoding: str | None, sheet: str | None) -> pd.DataFrame:
    """Excel or Parquet readings as cells (index = the file's row numbers)."""
    kind = file_kind(path)
    if kind == "parquet":
        frame = read_parquet_file(path)
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        return frame
    if kind != "table":
        raise InputFileError(t("error.readings.not_a_table", name=path.name))
    grid = read_grid(path, encoding=encoding, sheet=sheet)
    block = locate_header(grid, HOURLY_VOCABULARY)
    body = grid.loc[grid.index > block.last_row]
    return body.set_axis(unique_labels([block.label(c) for c in range(grid.shape[1])]), axis=1)


def _body(data: bytes, skip: int) -> bytes:
    """The data lines of a file: after ``skip`` lines, without trailing blank lines."""
    start = 0
    for _ in range(skip):
        nl = data.find(b"\n", start)
        if nl < 0:
            return b""
        start = nl + 1
    body = data[start:].rstrip(b"\r\n\t ,")
    return body + b"\n" if body else b""


def _read_exact(
    checker: HourlyChecker, shape: _CsvShape, name: str, data: bytes, file_id: int
) -> tuple[pa.Table, list[str]]:
    """One file with exact row numbers, line by line (blank lines, ragged rows)."""
    text = data.decode(shape.encoding, errors="replace")
    rows, numbers, ragged = [], [], []
    width = len(shape.labels)
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=shape.sep), start=1):
        if number <= shape.skip or not any(cell.strip() for cell in record):
            continue
        while len(record) > width and not record[-1].strip():
            record = record[:-1]
        if len(record) != width:
            ragged.append(f"{name} 第{number}行有{len(record)}列，表头有{width}列，未导入")
            continue
        rows.append(record)
        numbers.append(number)
    columns: dict[str, pa.Array] = {
        "file_id": pa.array(np.full(len(rows), file_id, dtype=np.int32)),
        "row": pa.array(np.asarray(numbers, dtype=np.int64)),
    }
    for j, label in enumerate(shape.labels):
        columns[label] = pa.array([r[j].strip() or None for r in rows], pa.string())
    return pa.table(columns), ragged


# Cells read as missing (null) by the CSV parser; -9999 is a number, judged later.
_NULLS = (
    "",
    "NA",
    "N/A",
    "n/a",
    "na",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "—",
    "——",
    "-",
    "--",
    "/",
    "无数据",
    "无",
)


def _numeric_columns(layout: Layout) -> dict[str, pa.DataType]:
    """Columns that hold numbers in a layout (not the wind direction, which may be
    words), to be parsed as numbers."""
    labels = [label for p, label in layout.pollutants if p != "WD"]
    labels += [label for _, label in layout.published]
    labels += list(layout.station_columns)  # the archive by station: values per station
    return dict.fromkeys(labels, pa.float64())


def _used_columns(layout: Layout) -> list[str]:
    """The columns a layout reads (the others are not even parsed)."""
    named = [
        layout.station,
        layout.station_name,
        layout.time,
        layout.hour,
        layout.year,
        layout.month,
        layout.day,
        layout.pollutant,
        layout.value,
        layout.unit,
        layout.type,
    ]
    named += [label for _, label in layout.pollutants]
    named += [label for _, label in layout.published]
    named += list(layout.station_columns)
    return list(dict.fromkeys(c for c in named if c))


class _CsvBatches:
    """CSV files of one shape, concatenated in large batches and parsed by pyarrow.

    Files of one archive share their header: their data lines are joined (re-encoded
    to UTF-8 when needed) and parsed at once, multi-threaded; each row's file and line
    number follow from the files' line counts. A batch whose row count does not match
    its line count (blank lines inside a file, a ragged row) is read again file by
    file, line by line.
    """

    def __init__(self, checker: HourlyChecker, shape: _CsvShape) -> None:
        self.checker = checker
        self.shape = shape
        self.parts: list[tuple[int, str, bytes, bytes]] = []  # file_id, name, raw, body
        self.size = 0
        self.ragged: list[str] = []

    def add(self, file_id: int, name: str, data: bytes) -> None:
        body = _body(data, self.shape.skip)
        if not body:
            return
        self.parts.append((file_id, name, data, body))
        self.size += len(body)
        if self.size >= _BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.parts:
            return
        shape = self.shape
        utf8 = shape.encoding.lower().replace("-", "") in {"utf8", "utf8sig", "ascii"}
        bodies = [
            b if utf8 else b.decode(shape.encoding, errors="replace").encode("utf-8")
            for _, _, _, b in self.parts
        ]
        if shape.encoding == "utf-8-sig":
            bodies = [b.removeprefix(b"\xef\xbb\xbf") for b in bodies]
        counts = np.array([b.count(b"\n") for b in bodies], dtype=np.int64)
        invalid: list[int] = []

        def on_invalid(row: pacsv.InvalidRow) -> Literal["skip", "error"]:
            invalid.append(1)
            return "skip"

        data = b"".join(bodies)
        table = None
        numeric = _numeric_columns(shape.layout)
        # Numbers parsed as numbers first (missing markers as nulls); a batch with words
        # where numbers belong is parsed again as text, and each word judged.
        for types in ({**dict.fromkeys(shape.labels, pa.string()), **numeric}, None):
            if types is None:
                types = dict.fromkeys(shape.labels, pa.string())
            elif not numeric:
                continue
            invalid.clear()
            try:
                table = pacsv.read_csv(
                    io.BytesIO(data),
                    read_options=pacsv.ReadOptions(
                        column_names=list(shape.labels), block_size=8 * 2**20
                    ),
                    parse_options=pacsv.ParseOptions(
                        delimiter=shape.sep,
                        invalid_row_handler=on_invalid,
                        newlines_in_values=False,
                    ),
                    convert_options=pacsv.ConvertOptions(
                        column_types=types,
                        strings_can_be_null=True,
                        null_values=list(_NULLS),
                        include_columns=_used_columns(shape.layout),
                    ),
                )
                break
            except pa.ArrowInvalid:
                table = None
        if table is not None and not invalid and table.num_rows == int(counts.sum()):
            ends = np.cumsum(counts)
            position = np.arange(table.num_rows, dtype=np.int64)
            which = np.searchsorted(ends, position, side="right")
            ids = np.array([fid for fid, _, _, _ in self.parts], dtype=np.int32)
            starts = ends - counts
            rows = position - starts[which] + shape.skip + 1
            table = table.add_column(0, "row", pa.array(rows))
            table = table.add_column(0, "file_id", pa.array(ids[which]))
            self.checker.add(table, shape.layout)
        else:
            for file_id, name, data, _ in self.parts:
                table, ragged = _read_exact(self.checker, shape, name, data, file_id)
                self.ragged.extend(ragged)
                self.checker.add(table, shape.layout)
        self.parts, self.size = [], 0


def _rejects_name(paths: Sequence[Path | str], files: list[Path]) -> str:
    if len(files) == 1:
        return files[0].stem
    first = Path(paths[0]) if len(paths) else files[0]
    stem = first.name if first.is_dir() else first.stem
    return f"{stem}等{len(files)}个文件"


def import_readings(
    ws: Workspace,
    path: Path | str | Sequence[Path | str],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    units: Sequence[str] | None = None,
) -> ImportReport:
    """``geoair import readings FILE...``: check hourly readings and store them.

    Parameters
    ----------
    ws : Workspace
    path : path or sequence of paths
        Files, or folders (every CSV, Excel and Parquet file inside, recursively):
        the national platform's archive is one file per hour.
    encoding, sheet : str, optional
        Text encoding (default: recognised per file), Excel sheet.
    units : sequence of str, optional
        ``--units`` declarations such as ``["CO=ug/m3"]`` (:func:`parse_units`).

    Returns
    -------
    ImportReport
        Files read, values stored, the rejects, the disagreements with published values
        (``checks``: compared and disagreeing values per published item) and the notes.
        Rejects go to ``rejects/readings-NAME.csv`` (with the file of each row when
        several files were read), disagreements to ``rejects/readings-NAME-核对.csv``.
    """
    paths = [path] if isinstance(path, str | Path) else list(path)
    files = expand_paths(paths)
    declared = parse_units(units)
    stations = _stations(ws)
    tmp = Path(tempfile.mkdtemp(prefix="geoair-import-"))
    con = duckdb.connect()
    try:
        con.execute(f"SET temp_directory = '{(tmp / 'spill').as_posix()}'")
        con.execute("SET preserve_insertion_order = false")
        memory = ws.settings.readings.import_memory.replace("'", "")
        con.execute(f"SET memory_limit = '{memory}'")
        checker = HourlyChecker(
            con, stations, settings=ws.settings.readings, units=declared, spool=tmp / "spool"
        )
        notes = _read_all(checker, files, encoding=encoding, sheet=sheet)

        def write(con: duckdb.DuckDBPyConnection, relation: str, year: int, month: int) -> int:
            return write_month(ws, con, relation, year, month, order="pcode, sid, time")

        result = checker.finish(write)
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    name = _rejects_name(paths, files)
    rejects = result.rejects if len(files) > 1 else result.rejects.drop(columns="文件")
    where = _write_table(ws, f"readings-{name}", rejects)
    check_path = _write_table(ws, f"readings-{name}-核对", result.disagreements)
    first, last, n_stations = result.span
    span = (
        t(
            "import.readings_span",
            first=f"{first:%Y-%m-%d %H:%M}",
            last=f"{last:%Y-%m-%d %H:%M}",
            stations=n_stations,
        )
        if result.stored and first is not None
        else ""
    )
    return ImportReport(
        kind="readings",
        source=Path(paths[0]) if len(paths) == 1 else files[0].parent,
        rows_read=result.stored + len(rejects),
        imported=result.stored,
        rejected=len(rejects),
        rejects_path=where,
        notes=result.notes + notes,
        stored_in=str(hourly_dir(ws)),
        span=span,
        next_step="geoair indicators --period month" if result.stored else "",
        files=len(files),
        checks=dict(result.checked),
        check_path=check_path,
    )


def _read_all(
    checker: HourlyChecker, files: list[Path], *, encoding: str | None, sheet: str | None
) -> list[str]:
    notes: list[str] = []
    shapes: dict[bytes, _CsvShape] = {}
    batches: dict[_CsvShape, _CsvBatches] = {}
    empty: list[str] = []
    for file in files:
        if file.suffix.lower() not in {".csv", ".txt", ".tsv"}:
            if not file.exists() or file.stat().st_size == 0:
                empty.append(file.name)
                continue
            cells = _read_other(file, encoding=encoding, sheet=sheet)
            try:
                layout = detect_layout(list(cells.columns))
            except SchemaError as exc:
                raise SchemaError(f"{file.name}：{exc}") from None
            checker.add(cells_to_arrow(cells, checker.add_file(file.name)), layout)
            continue
        data = file.read_bytes()
        if not data.strip():
            empty.append(file.name)
            continue
        first = data[: data.find(b"\n") + 1] or data
        shape = shapes.get(first) if encoding is None else None
        if shape is None:
            try:
                shape = _sniff_csv(file, data[:_SNIFF_BYTES], encoding)
            except (InputFileError, SchemaError) as exc:
                raise type(exc)(f"{file.name}：{exc}") from None
            if shape.skip == 1 and encoding is None:
                shapes[first] = shape  # same first line, same header: no need to look again
        group = batches.setdefault(shape, _CsvBatches(checker, shape))
        group.add(checker.add_file(file.name), file.name, data)
    for group in batches.values():
        group.flush()
        notes.extend(group.ragged[:20])
        if len(group.ragged) > 20:
            notes.append(f"另有{len(group.ragged) - 20}行列数不对，未导入")
    if empty:
        notes.append(
            f"{len(empty)}个文件是空的，已跳过：{'、'.join(empty[:5])}"
            + ("等" if len(empty) > 5 else "")
        )
    if len(empty) == len(files):
        raise InputFileError(
            t("error.io.empty_file", name=files[0].name)
            if len(files) == 1
            else t("error.readings.all_files_empty")
        )
    return notes


def _write_table(ws: Workspace, stem: str, table: pd.DataFrame) -> Path | None:
    target = child(ws.rejects_dir, stem, suffix=".csv")
    if table.empty:
        target.unlink(missing_ok=True)
        return None
    write_table(table, target)
    return target


def import_dustfall(
    ws: Workspace,
    path: Path | str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """``geoair import dustfall FILE``: check monthly dustfall and store it.

    Parameters
    ----------
    ws : Workspace
        Needs ``stations``.
    path : path
        A table of station, month and dustfall (t/(km²·month)).
    encoding, sheet : str, optional
        How to read the file.

    Returns
    -------
    ImportReport
    """
    path = Path(path)
    cells, cleaned = strip_control_cells(
        _read_cells(path, _DUSTFALL_FIELDS, encoding=encoding, sheet=sheet)
    )
    good, rejects = parse_dustfall(cells, _stations(ws), settings=ws.settings.readings)
    notes = [_control_note(cleaned)] if cleaned else []
    written = store_dustfall(ws, good)
    where = _write_rejects(ws, "dustfall", path, rejects)
    return ImportReport(
        kind="dustfall",
        source=path,
        rows_read=len(cells),
        imported=written,
        rejected=len(rejects),
        rejects_path=where,
        notes=notes,
        stored_in=str(dustfall_path(ws)),
    )
