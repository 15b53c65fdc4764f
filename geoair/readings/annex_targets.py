"""Targets check: computed indicators against the targets in the workspace and the limits.

Targets are data (the ``targets`` table, imported with ``geoair import targets``):
``scope`` (station, county, city, park), ``target_name``, ``period`` ("2020-11" or a
span "2020-10/2020-12"), ``metric`` and ``value``. Seed 004's annexes give monthly
PM2.5 targets per national station and per county, and good-day counts per county.

How each actual value is formed (see :mod:`geoair.indicators` for the rules):

* **station**: the station's own daily values;
* **county**: per day the mean of the valid daily values of its stations whose kind
  is in ``[readings] county_station_kinds`` (国控, 省控 by default);
* **a county-level unit that is a park** (开发区 in seed 004's annexes: no county
  polygon, no station whose county it is): per day the mean over the air stations
  inside its park(s), found by ``[targets] park_units_by_name`` (the parks whose name
  contains the unit's name) or linked in ``[targets.park_units]``
  (:func:`geoair.indicators.unit_parks`); the ``basis`` column names the park(s);
* **city**: per day the mean over all national (国控) stations, as HJ 663 forms a
  city's value;
* **park**: per day the mean over the air stations inside the park polygon;

then the period statistic with its validity (PM2.5 mean of at least 27 valid days a
month, 25 in February; a span's minimum is the sum of its months'). Concentration
targets are met when actual ≤ target; good days when actual ≥ target. A value that
is invalid is reported with its counts and ``met`` left empty, never judged.

Dustfall: each county's monthly dustfall (mean of its 降尘点 and 园区站 stations'
values) and each dustfall station's value is compared with the county's ``dustfall``
target when the table has one, else with ``[readings] dustfall_limit_t_km2`` (9
t/(km²·month), seed 004 (九)).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from geoair.errors import TargetError
from geoair.io.paths import child
from geoair.readings.targets import _name_key

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
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Targets from annex-style tables (seed 004 附件1/附件2): one row per month, one
    column per station, county or the city, units in the headers.

    Parameters
    ----------
    grid : DataFrame
        The file's cells (:func:`geoair.io.read_grid`); several tables one under the
        other are read, each starting with a row whose first cell is 月份.
    year : int
        The year of the months (the annexes say only "10 月").
    stations : DataFrame
        ``id``, ``name`` (and ``county``): column names that are stations.
    counties : sequence of str
        County names (columns that are counties).
    city : str
        ``target_name`` for the city column (市控目标, 全市).

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
                elif name in county_names:
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
                        "原因": f"“{name}”既不是站点、县区，也不是全市，请先导入站点或更正表头",
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
            f"{path.name} 不是格式正确的 CSV 文件，请在 Excel 中打开后另存为 CSV。 / "
            f"{path.name} is not a well-formed CSV file ({exc.__class__.__name__})."
        ) from None
    grid.index = range(1, len(grid) + 1)
    return grid


def import_annex_targets(
    ws,
    path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    coords: str | None = None,
    date: str | None = None,
    echo=print,
) -> pd.DataFrame:
    """``geoair import targets_annex FILE --date 2020``: the wide annex tables of seed 004
    into the workspace's ``targets`` (a target given again replaces the stored one)."""
    from pathlib import Path

    from geoair.io.writers import write_table

    if not date or not re.match(r"^\d{4}", str(date)):
        raise TargetError(
            "The annex tables name months without a year (10 月). Give the "
            "year with --date, e.g. --date 2020."
        )
    year = int(str(date)[:4])
    path = Path(path)
    grid = read_ragged_grid(path, encoding=encoding, sheet=sheet)
    stations = ws.read("stations")
    counties = ws.read("counties", required=False)
    names = list(counties["name"]) if counties is not None else []
    city = ws.settings["workspace"]["name"]
    targets, rejects = parse_annex_targets(
        grid, year=year, stations=stations, counties=names, city=city
    )
    if targets.empty:
        raise TargetError(
            f"{path.name}: no target found. The table needs a 月份 header row "
            "with station, county or 市控目标 columns, and rows such as 10 月."
        )
    with ws.transaction() as tx:  # the stored targets are read under the lock
        # A target given again replaces the stored one; the others are kept.
        tx.replace_part("targets", targets, ["scope", "target_name", "period", "metric"])
    target = child(ws.rejects_dir, f"targets_annex-{path.stem}", suffix=".csv")
    if len(rejects):
        write_table(rejects, target)
    else:
        target.unlink(missing_ok=True)
    counts = targets.groupby(["scope", "metric"]).size()
    echo(
        f"targets: {len(targets)} read from {path.name} ("
        + ", ".join(f"{n} {scope} {metric}" for (scope, metric), n in counts.items())
        + ")"
    )
    if len(rejects):
        echo(f"  {len(rejects)} cells rejected -> {target} (row numbers and reasons)")
    return targets
