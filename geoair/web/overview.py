"""The overview page's facts: layers and tables with counts, the latest month of each
kind of record, and what each step still lacks.

Everything here is read from the workspace's metadata and a few aggregate queries,
never by loading a layer: the GeoPackage is opened read-only with SQLite
(``gpkg_contents`` lists the layers and tables; ``COUNT(*)`` and ``MAX(date)`` are
answered from the file's B-trees), the hourly readings store by the names of its
partitions, dustfall from one Parquet column. On the demo workspace scaled to 50,000
enterprises this answers in milliseconds (``scripts/bench_web.py``), where reading
every layer to count it takes seconds.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from geoair.messages import layer_name, t
from geoair.store.workspace import META_TABLE, FolderWorkspace, Workspace
from geoair.web.steps import STEPS, missing

__all__ = ["LATEST", "available", "layer_counts", "overview"]


# Record tables and the column whose greatest value says how recent they are.
LATEST: tuple[tuple[str, str], ...] = (
    ("inspections", "inspection_date"),
    ("cases", "inspection_date"),
    ("road_dust", "month"),
    ("targets", "period"),
    ("station_daily", "date"),
    ("station_monthly", "period"),
    ("targets_check", "period"),
    ("park_scores", "month"),
    ("enterprise_scores", "month"),
    ("patrol_history", "date"),
)
_NAME = re.compile(r"[^\x00\"]+")


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)


def _quote(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(name)
    return '"' + name.replace('"', '""') + '"'


def layer_counts(ws: Workspace) -> list[dict[str, Any]]:
    """Every layer and table of the workspace: ``name``, ``geometry`` (bool), ``count``.

    A folder's GeoPackage is counted with SQL (no layer is read); another store reads
    its layers.
    """
    if not isinstance(ws, FolderWorkspace):
        out = []
        for name in ws.layers():
            frame = ws.read(name)
            out.append({"name": name, "geometry": "geometry" in frame.columns, "count": len(frame)})
        return out
    if not ws.gpkg.exists():
        return []
    with _connect(ws.gpkg) as db:
        rows = db.execute(
            "SELECT table_name, data_type FROM gpkg_contents ORDER BY rowid"
        ).fetchall()
        out = []
        for name, data_type in rows:
            if name == META_TABLE:
                continue
            (count,) = db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()
            out.append({"name": name, "geometry": data_type == "features", "count": int(count)})
    return out


def _month(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value)
    return value[:10] if len(value) >= 10 and value[4] == "-" and value[7] == "-" else value


def _latest_records(ws: Workspace, present: set[str]) -> list[dict[str, Any]]:
    out = []
    if not isinstance(ws, FolderWorkspace):
        for name, column in LATEST:
            if name in present:
                frame = ws.read(name)
                if column in frame.columns and len(frame):
                    out.append({"name": name, "latest": _month(frame[column].max())})
        return out
    with _connect(ws.gpkg) as db:
        for name, column in LATEST:
            if name not in present:
                continue
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({_quote(name)})")}
            if column not in columns:
                continue
            (latest,) = db.execute(f"SELECT MAX({_quote(column)}) FROM {_quote(name)}").fetchone()
            out.append({"name": name, "latest": _month(latest)})
    return out


def _latest_readings(ws: Workspace) -> list[dict[str, Any]]:
    from geoair.readings.store import dustfall_path, hourly_dir

    out: list[dict[str, Any]] = []
    months = []
    for part in hourly_dir(ws).glob("year=*/month=*"):
        try:
            year = int(part.parent.name.split("=", 1)[1])
            month = int(part.name.split("=", 1)[1])
        except ValueError:
            continue
        if any(part.glob("*.parquet")):
            months.append((year, month))
    if months:
        year, month = max(months)
        out.append({"name": "readings", "latest": f"{year:04d}-{month:02d}"})
    path = dustfall_path(ws)
    if path.exists():
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        column = pq.read_table(path, columns=["month"]).column("month")
        latest = pc.max(column).as_py() if len(column) else None
        out.append({"name": "dustfall", "latest": latest})
    return out


def available(ws: Workspace) -> set[str]:
    """The layers and tables that hold rows, and ``readings`` when hourly ones are stored
    (what :func:`geoair.web.steps.missing` checks a step's needs against)."""
    from geoair.readings.store import has_hourly

    have = {item["name"] for item in layer_counts(ws) if item["count"] > 0}
    if has_hourly(ws):
        have.add("readings")
    return have


def overview(ws: Workspace) -> dict[str, Any]:
    """What the overview page and ``GET /api/overview`` show, in the current language.

    Returns
    -------
    dict
        ``workspace`` (its folder and name), ``layers`` (name, title, geometry,
        count), ``latest`` (name, title, latest month or day), ``steps`` (name, title,
        ready, missing: one sentence per missing need, e.g.
        "没有道路图层，无法计算厂门100米道路").
    """
    layers = layer_counts(ws)
    present = {item["name"] for item in layers if item["count"] > 0}
    latest = _latest_readings(ws) + _latest_records(ws, present)
    have = set(present)
    if any(item["name"] == "readings" for item in latest):
        have.add("readings")
    steps = []
    for step in STEPS.values():
        lacks = missing(step, have)
        steps.append(
            {
                "name": step.name,
                "title": t(step.title),
                "page": step.page,
                "ready": not lacks,
                "missing": lacks,
            }
        )
    for item in layers + latest:
        item["title"] = layer_name(item["name"])
    for item in latest:
        value = item["latest"]
        item["month"] = value[:7] if isinstance(value, str) and len(value) >= 7 else value
    return {
        "workspace": {"root": str(ws.root), "name": ws.settings.workspace.name},
        "layers": layers,
        "latest": latest,
        "steps": steps,
    }
