"""The target annexes of 阳政办发〔2020〕131号 as printed: months as rows, stations and
counties as columns.

附件1 gives monthly PM2.5 targets per national station and per county (with the city's
市控目标 and span rows such as 均10-12月), 附件2 good-day counts per county. The tables
name months without a year, so the year is given on import (``--date 2020``).
:func:`parse_annex_targets` turns such a grid into rows of the long ``targets`` table
(``scope``, ``target_name``, ``period``, ``metric``, ``value``), rejecting cells it cannot
read with their row numbers; :func:`import_annex_targets` merges them into the
workspace (a target given again replaces the stored one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

import pandas as pd

from geoair.errors import TargetError
from geoair.imports.report import ImportReport
from geoair.io.paths import child
from geoair.io.writers import write_table
from geoair.messages import t, word
from geoair.readings.targets import _name_key
from geoair.store.workspace import Workspace

__all__ = ["import_annex_targets", "parse_annex_targets", "read_ragged_grid"]


_MONTHS = re.compile(r"^(均)?\s*(\d{1,2})\s*(?:[-~至－—]\s*(\d{1,2}))?\s*月(?:份)?$")


def _annex_period(label: str, year: int) -> str | None:
    """'10 月' -> '2020-10'; '均 10-12 月' and '10-12 月' -> '2020-10/2020-12'."""
    text = re.sub(r"\s+", "", str(label))
    match = _MONTHS.match(text)
    if not match:
        return None
    first = int(match.group(2))
    last = int(match.group(3)) if match.group(3) else None
    if not 1 <= first <= 12 or (last is not None and not 1 <= last <= 12):
        return None
    start = f"{year:04d}-{first:02d}"
    if last is None:
        return start
    end_year = year + 1 if last < first else year
    return f"{start}/{end_year:04d}-{last:02d}"


def parse_annex_targets(
    grid: pd.DataFrame,
    *,
    year: int,
    stations: pd.DataFrame,
    counties: Sequence[str] = (),
    city: str = "全市",
    parks: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Targets from annex-style tables (阳政办发〔2020〕131号 附件1/附件2): one row per month, one
    column per station, county or the city, units in the headers.

    Parameters
    ----------
    grid : DataFrame
        The file's cells (:func:`geoair.io.readers.read_grid`); several tables one under the
        other are read, each starting with a row whose first cell is 月份.
    year : int
        The year of the months (the annexes say only "10 月").
    stations : DataFrame
        ``id``, ``name`` (and ``county``): column names that are stations.
    counties : sequence of str
        County names (columns that are counties).
    city : str
        ``target_name`` for the city column (市控目标, 全市).
    parks : sequence of str
        Park names, and the units linked to parks in ``[targets.park_units]``: a column
        named by part of a park's name (开发区, 高新区) is a county-level unit, judged
        from that park as the targets check does (:mod:`geoair.readings.membership`).

    Returns
    -------
    (targets, rejects)
        ``scope, target_name, period, metric, value`` (metric from the unit: µg/m³ is
        ``pm25``, 天 is ``good_days``; a title above naming PM10, SO2... wins) and the
        cells that could not be read, with their row numbers and reasons.
    """
    from geoair.io.normalize import clean_text, parse_number

    station_names = {_name_key(n): str(n) for n in stations["name"]}
    station_names.update(
        {str(i): str(n) for i, n in zip(stations["id"], stations["name"], strict=True)}
    )
    county_names = set(counties) | set(stations.get("county", pd.Series(dtype=str)).dropna())
    rows, rejects = [], []
    header: list[tuple[str, str, str]] | None = None  # per column: scope, name, metric
    title_metric: str | None = None
    for number, cells in grid.iterrows():
        values = [clean_text(v) for v in cells.tolist()]
        first = values[0] or ""
        joined = "".join(v for v in values if v)
        if re.sub(r"\s+", "", first) in ("月份", "月", "时段"):
            header = []
            for cell in values[1:]:
                if not cell:
                    header.append(("", "", ""))
                    continue
                unit = re.search(r"[(（]([^)）]*)[)）]", cell)
                name = re.sub(r"\s*[(（][^)）]*[)）]\s*", "", cell).strip()
                metric = title_metric or ("good_days" if unit and "天" in unit.group(1) else "pm25")
                if name in ("市控目标", "全市", "市控", city):
                    header.append(("city", city, metric))
                elif _name_key(name) in station_names:
                    header.append(("station", station_names[_name_key(name)], metric))
                elif name in county_names or (
                    len(name) >= 2 and any(name in str(park) for park in parks)
                ):
                    # A county-level unit without a polygon (开发区) is a county target; the
                    # check judges it from its park (geoair.readings.membership).
                    header.append(("county", name, metric))
                else:
                    header.append(("?", name, metric))
            continue
        if header is None or _annex_period(first, year) is None:
            if "优良天数" in joined:
                title_metric = "good_days"
            else:
                for metric, words in (
                    ("pm25", ("PM2.5", "PM_{2.5}", "PM₂.₅", "细颗粒物")),
                    ("pm10", ("PM10", "PM_{10}", "可吸入颗粒物")),
                ):
                    if any(w in joined for w in words):
                        title_metric = metric
            if re.match(r"^[一二三四五六七八九十]+、", first):
                header = None
            continue
        period = _annex_period(first, year)
        for (scope, name, metric), cell in zip(header, values[1:], strict=False):
            if not scope or cell is None:
                continue
            if scope == "?":
                rejects.append(
                    {
                        "行号": number,
                        "列": name,
                        "原因": f"“{name}”既不是站点、县区，也不是全市或名称含它的园区"
                        "（如开发区），请先导入站点、县区或园区，或更正表头",
                    }
                )
                continue
            try:
                value = parse_number(cell)
            except ValueError as exc:
                rejects.append({"行号": number, "列": name, "原因": str(exc)})
                continue
            rows.append(
                {
                    "scope": scope,
                    "target_name": name,
                    "period": period,
                    "metric": metric,
                    "value": value,
                }
            )
    targets = pd.DataFrame(rows, columns=["scope", "target_name", "period", "metric", "value"])
    return targets, pd.DataFrame(rejects, columns=["行号", "列", "原因"])


def read_ragged_grid(
    path, *, encoding: str | None = None, sheet: str | None = None
) -> pd.DataFrame:
    """A CSV/TSV whose tables have different widths (one under the other), or Excel, as
    cells; index = the row number in the file."""
    import io
    from pathlib import Path

    from geoair.io.readers import decode, read_grid

    path = Path(path)
    if path.suffix.lower() not in {".csv", ".tsv", ".txt"}:
        return read_grid(path, encoding=encoding, sheet=sheet)
    if not path.exists() or not path.stat().st_size:
        read_grid(path, encoding=encoding)  # raises the usual clear error
    text = decode(path.read_bytes(), encoding, name=path.name)
    sep = "\t" if text.count("\t") > text.count(",") else ","
    width = max(line.count(sep) for line in text.splitlines()) + 1
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            sep=sep,
            names=range(width),
            keep_default_na=False,
            skip_blank_lines=False,
            engine="python",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        from geoair.errors import InputFileError

        raise InputFileError(
            t("error.io.bad_csv", name=path.name, error=exc.__class__.__name__)
        ) from None
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    return grid


def import_annex_targets(
    ws: Workspace,
    path: Path | str,
    *,
    year: str | int | None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """``geoair import targets_annex FILE --date 2020``: the wide annex tables of
    阳政办发〔2020〕131号 into the workspace's ``targets`` (a target given again replaces
    the stored one).

    Parameters
    ----------
    ws : Workspace
        Needs ``stations``; ``counties`` names the county columns.
    path : path
        The annex table as printed (months as rows, stations or counties as columns).
    year : str or int
        The year of the months (the annexes write 10 月 without a year).
    encoding, sheet : str, optional
        How to read the file.

    Returns
    -------
    ImportReport
    """
    if year is None or not re.match(r"^\d{4}", str(year)):
        raise TargetError(t("error.readings.annex_no_year"))
    year_number = int(str(year)[:4])
    path = Path(path)
    grid = read_ragged_grid(path, encoding=encoding, sheet=sheet)
    stations = ws.read("stations")
    counties = ws.read("counties", required=False)
    names = list(counties["name"]) if counties is not None else []
    parks = ws.read("parks", required=False)
    targets, rejects = parse_annex_targets(
        grid,
        year=year_number,
        stations=stations,
        counties=names,
        city=ws.settings.workspace.name,
        parks=[
            *(parks["name"].astype(str) if parks is not None and "name" in parks else []),
            *ws.settings.targets.park_units,
        ],
    )
    if targets.empty:
        raise TargetError(
            f"{path.name}: no target found. The table needs a 月份 header row "
            "with station, county or 市控目标 columns, and rows such as 10 月."
        )
    with ws.transaction() as tx:  # the stored targets are read under the lock
        # A target given again replaces the stored one; the others are kept.
        old = tx.read("targets")
        key = ["scope", "target_name", "period", "metric"]
        replaced = 0
        if old is not None and len(old):
            replaced = int(old.set_index(key).index.isin(targets.set_index(key).index).sum())
        tx.replace_part("targets", targets, key)
    rejects_file = child(ws.rejects_dir, f"targets_annex-{path.stem}", suffix=".csv")
    if len(rejects):
        write_table(rejects, rejects_file)
    else:
        rejects_file.unlink(missing_ok=True)
    counts = targets.groupby(["scope", "metric"]).size()
    by_kind = cast(Iterable[tuple[tuple[str, str], int]], counts.items())  # (scope, metric), n
    return ImportReport(
        kind="targets_annex",
        source=path,
        rows_read=len(targets) + len(rejects),
        imported=len(targets),
        replaced=replaced,
        rejected=len(rejects),
        rejects_path=rejects_file if len(rejects) else None,
        stored_in="targets",
        span=t("word.list_sep").join(
            t(
                "import.annex_span_part",
                n=n,
                scope=word("scope", scope),
                metric=word("metric", metric),
            )
            for (scope, metric), n in by_kind
        ),
    )
