"""``geoair import readings|dustfall``: read a file, check every value, store, reject.

The files are CSV (UTF-8 or GBK), Excel or Parquet, with a title row or not; the
values are checked by :mod:`geoair.readings.parse` and stored by
:mod:`geoair.readings.store`; rejected values go to ``rejects/readings-FILE.csv`` with
their row numbers and reasons. Re-importing a station-hour already stored replaces it
(a corrected file wins).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from geoair.errors import InputFileError, WorkspaceError
from geoair.imports.report import ImportReport
from geoair.io.headers import locate_header
from geoair.io.readers import decode, file_kind, read_grid
from geoair.io.writers import write_table
from geoair.messages import t
from geoair.readings.parse import (
    _DUSTFALL_FIELDS,
    _FIELDS,
    POLLUTANT_HEADERS,
    parse_dustfall,
    parse_hourly,
)
from geoair.readings.store import dustfall_path, hourly_dir, store_dustfall, store_hourly
from geoair.store.workspace import Workspace

__all__ = ["import_dustfall", "import_readings"]


def _read_cells(
    path: Path, vocabulary: dict[str, tuple[str, ...]], *, encoding: str | None, sheet: str | None
) -> pd.DataFrame:
    """The file as text cells with its header row as column names; index = file row."""
    kind = file_kind(path)
    if kind == "parquet":
        frame = pd.read_parquet(path)
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        return frame
    if kind != "table":
        raise InputFileError(
            f"{path.name}：监测数据应为 CSV、Excel 或 Parquet 表格，不是地图"
            "图层，请从监测平台导出表格。 / "
            f"{path.name}: readings come as CSV, Excel or Parquet tables, "
            "not map layers. Export the table from the monitoring platform."
        )
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
        grid.index = range(1, len(grid) + 1)
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
        frame.index = range(block.last_row + 1, block.last_row + 1 + len(frame))
        return frame
    grid = read_grid(path, encoding=encoding, sheet=sheet)
    block = locate_header(grid, vocabulary)
    body = grid.loc[grid.index > block.last_row]
    return body.set_axis([block.label(c) for c in range(grid.shape[1])], axis=1)


def _stations(ws: Workspace) -> pd.DataFrame:
    if not ws.has("stations"):
        raise WorkspaceError(
            "监测数据属于站点，而工作区里还没有站点，请先导入站点：geoair "
            "import stations FILE。 / Readings belong to stations, and this "
            "workspace has none yet. Import them first: geoair import "
            "stations FILE."
        )
    return ws.read("stations")


def _write_rejects(ws: Workspace, kind: str, path: Path, rejects: pd.DataFrame) -> Path | None:
    target = ws.rejects_dir / f"{kind}-{path.stem}.csv"
    if rejects.empty:
        target.unlink(missing_ok=True)
        return None
    write_table(rejects, target)
    return target


def import_readings(
    ws: Workspace,
    path: Path | str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """``geoair import readings FILE``: check hourly readings and store them.

    Parameters
    ----------
    ws : Workspace
        Needs ``stations``: readings are matched to them by name or id.
    path : path
        A CSV or Excel table, long (station, time, pollutant, value) or wide (one
        column per pollutant).
    encoding, sheet : str, optional
        How to read the file.

    Returns
    -------
    ImportReport
        Values stored in the Parquet store; rejected values in ``rejects/``.
    """
    path = Path(path)
    vocab = {**_FIELDS, **{f"p:{p}": h for p, h in POLLUTANT_HEADERS.items()}}
    cells = _read_cells(path, vocab, encoding=encoding, sheet=sheet)
    good, rejects, notes = parse_hourly(cells, _stations(ws), settings=ws.settings.readings)
    written = store_hourly(ws, good)
    where = _write_rejects(ws, "readings", path, rejects)
    span = (
        t(
            "import.readings_span",
            first=f"{good['time'].min():%Y-%m-%d %H:%M}",
            last=f"{good['time'].max():%Y-%m-%d %H:%M}",
            stations=good["station_id"].nunique(),
        )
        if len(good)
        else ""
    )
    return ImportReport(
        kind="readings",
        source=path,
        rows_read=len(good) + len(rejects),
        imported=written,
        rejected=len(rejects),
        rejects_path=where,
        notes=list(notes),
        stored_in=str(hourly_dir(ws)),
        span=span,
        next_step="geoair indicators --period month" if written else "",
    )


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
    cells = _read_cells(path, _DUSTFALL_FIELDS, encoding=encoding, sheet=sheet)
    good, rejects = parse_dustfall(cells, _stations(ws), settings=ws.settings.readings)
    written = store_dustfall(ws, good)
    where = _write_rejects(ws, "dustfall", path, rejects)
    return ImportReport(
        kind="dustfall",
        source=path,
        rows_read=len(cells),
        imported=written,
        rejected=len(rejects),
        rejects_path=where,
        stored_in=str(dustfall_path(ws)),
    )
