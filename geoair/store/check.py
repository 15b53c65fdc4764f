"""``geoair check``: is a workspace whole, and if not, what is wrong with it.

A workspace can be damaged by a copy cut short, a full disk, a program other than
geoair writing into ``workspace.gpkg``, or a folder another office sent. The check
reads, and changes nothing:

1. the folder and ``geoair.toml`` (settings readable and valid);
2. ``workspace.gpkg``: present, a GeoPackage (SQLite header and application id), not
   shorter than its header says, SQLite's ``PRAGMA integrity_check``;
3. the tables every GeoPackage and every geoair workspace must have
   (``gpkg_spatial_ref_sys``, ``gpkg_contents``, ``geoair_meta``), and every layer
   listed in ``gpkg_contents`` present and readable by GDAL;
4. every Parquet file of the readings store readable, with the columns geoair writes;
5. notes that need no repair: temporary files and a lock left by a command that was
   killed (the next command removes them), a folder that cannot be written.

:func:`check_workspace` returns a :class:`CheckReport`; ``problems`` empty means the
workspace is whole.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from geoair.errors import GeoairError
from geoair.messages import t
from geoair.store.gpkg import gpkg_file_problem
from geoair.store.tempfiles import GENERIC_PREFIX, process_alive
from geoair.store.workspace import GPKG_NAME, META_TABLE, SETTINGS_NAME, TMP_PREFIX

__all__ = ["CheckReport", "REQUIRED_TABLES", "check_workspace"]


#: Tables without which a file is not a geoair workspace.
REQUIRED_TABLES = ("gpkg_spatial_ref_sys", "gpkg_contents", META_TABLE)
_HOURLY_COLUMNS = {"station_id", "time", "pollutant", "value"}
_DUSTFALL_COLUMNS = {"station_id", "month", "dustfall_t_km2"}


@dataclass
class CheckReport:
    """What :func:`check_workspace` found.

    Attributes
    ----------
    root : Path
        The workspace folder.
    problems : list of str
        What is broken, one sentence each (Chinese, then English).
    notes : list of str
        What is worth knowing but needs no repair.
    checked : list of str
        What was checked and found whole.
    """

    root: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_workspace(root: Path | str) -> CheckReport:
    """Check the workspace in ``root`` without changing it.

    Parameters
    ----------
    root : path
        The workspace folder.

    Returns
    -------
    CheckReport
    """
    root = Path(root).resolve()
    report = CheckReport(root)
    if not root.is_dir():
        report.problems.append(t("check.no_folder", root=root))
        return report
    _check_settings(root, report)
    gpkg = root / GPKG_NAME
    if _check_gpkg_file(gpkg, report):
        tables = _check_sqlite(gpkg, report)
        if tables is not None:
            _check_layers(gpkg, tables, report)
    _check_readings(root / "readings", report)
    _check_leftovers(root, report)
    return report


def _check_settings(root: Path, report: CheckReport) -> None:
    from geoair.store.settings import load_settings

    path = root / SETTINGS_NAME
    if not path.exists():
        report.notes.append(t("check.no_settings", name=SETTINGS_NAME))
        return
    try:
        load_settings(path)
    except GeoairError as exc:
        report.problems.append(f"{path}: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append(
            t("check.settings_unreadable", path=path, error=exc.__class__.__name__)
        )
    else:
        report.checked.append(t("check.settings_valid", name=SETTINGS_NAME))


def _check_gpkg_file(gpkg: Path, report: CheckReport) -> bool:
    if not gpkg.exists():
        report.problems.append(t("check.no_gpkg", gpkg=gpkg))
        return False
    if gpkg.is_dir():
        report.problems.append(t("check.gpkg_is_folder", gpkg=gpkg))
        return False
    try:
        problem = gpkg_file_problem(gpkg)
    except OSError as exc:
        problem = t("store.gpkg_problem.unreadable", detail=exc.strerror or exc)
    if problem is not None:
        report.problems.append(t("check.gpkg_problem", gpkg=gpkg, problem=problem))
        return False
    report.checked.append(t("check.gpkg", name=GPKG_NAME, size=gpkg.stat().st_size))
    return True


def _check_sqlite(gpkg: Path, report: CheckReport) -> set[str] | None:
    """SQLite's integrity check and the required tables; the table names, or None."""
    try:
        con = sqlite3.connect(f"{gpkg.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        report.problems.append(t("check.sqlite_cannot_open", gpkg=gpkg, error=exc))
        return None
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
        result = [str(r[0]) for r in rows]
        if result != ["ok"]:
            shown = "; ".join(result[:5]) + (" ..." if len(result) > 5 else "")
            report.problems.append(t("check.integrity_failed", gpkg=gpkg, shown=shown))
            return None
        tables = {
            str(r[0])
            for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")
        }
        contents = []
        if "gpkg_contents" in tables:
            contents = [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents")]
    except sqlite3.Error as exc:
        report.problems.append(t("check.sqlite_cannot_read", gpkg=gpkg, error=exc))
        return None
    finally:
        con.close()
    report.checked.append(t("check.integrity"))
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        report.problems.append(
            t("check.lacks_tables", gpkg=gpkg, tables=t("word.list_sep").join(missing))
        )
    else:
        report.checked.append(t("check.required", tables=", ".join(REQUIRED_TABLES)))
    absent = [name for name in contents if name not in tables]
    if absent:
        report.problems.append(
            t("check.absent_layers", gpkg=gpkg, layers=t("word.list_sep").join(absent))
        )
    return {name for name in contents if name in tables}


def _check_layers(gpkg: Path, layers: set[str], report: CheckReport) -> None:
    import pyogrio

    bad = []
    for name in sorted(layers):
        try:
            pyogrio.read_info(gpkg, layer=name)
            pyogrio.read_dataframe(gpkg, layer=name, max_features=1, read_geometry=True)
        except Exception as exc:  # GDAL's errors of a damaged layer
            bad.append(f"{name} ({exc.__class__.__name__})")
    if bad:
        report.problems.append(
            t("check.unreadable_layers", gpkg=gpkg, layers=t("word.list_sep").join(bad))
        )
    else:
        report.checked.append(t("check.layers", n=len(layers)))


def _check_readings(folder: Path, report: CheckReport) -> None:
    if not folder.is_dir():
        return
    import pyarrow.parquet as pq

    files = sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith("."))
    bad = []
    for path in files:
        want = _DUSTFALL_COLUMNS if path.name == "dustfall.parquet" else _HOURLY_COLUMNS
        try:
            parquet = pq.ParquetFile(path)
            missing = want - set(parquet.schema_arrow.names)
            for _batch in parquet.iter_batches(batch_size=1 << 20):
                pass  # every page read and decompressed
            parquet.close()
        except Exception as exc:  # pyarrow's errors of a damaged file
            bad.append(f"{path.relative_to(folder.parent)} ({exc.__class__.__name__})")
            continue
        if missing:
            bad.append(
                t(
                    "check.no_column",
                    path=path.relative_to(folder.parent),
                    columns=", ".join(sorted(missing)),
                )
            )
    if bad:
        report.problems.append(t("check.bad_readings", files=t("word.list_sep").join(bad)))
    elif files:
        report.checked.append(t("check.readings", n=len(files)))


def _check_leftovers(root: Path, report: CheckReport) -> None:
    leftovers = [
        p
        for folder in (root, root / "outputs", root / "rejects")
        if folder.is_dir()
        for p in folder.iterdir()
        if p.name.startswith((TMP_PREFIX, GENERIC_PREFIX))
    ]
    leftovers += (
        [p for p in (root / "readings").rglob(f"{GENERIC_PREFIX}*")]
        if (root / "readings").is_dir()
        else []
    )
    if leftovers:
        size = sum(p.stat().st_size for p in leftovers if p.is_file())
        report.notes.append(t("check.leftovers", n=len(leftovers), mb=size / 1e6))
    lock = root / ".geoair.lock"
    if lock.exists():
        pid = lock.read_text(errors="replace").strip()
        alive = pid.isdigit() and process_alive(int(pid))
        report.notes.append(
            t("check.lock_held", lock=lock, pid=pid) if alive else t("check.lock_left", lock=lock)
        )
    if not os.access(root, os.W_OK):
        report.notes.append(t("check.read_only", root=root))
