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
        report.problems.append(f"文件夹 {root} 不存在。 / The folder {root} does not exist.")
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
        report.notes.append(
            f"没有 {SETTINGS_NAME}，使用默认设置。 / No {SETTINGS_NAME}: the defaults apply."
        )
        return
    try:
        load_settings(path)
    except GeoairError as exc:
        report.problems.append(f"{path}: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append(
            f"设置文件 {path} 无法读取（{exc.__class__.__name__}）。 / The settings file "
            f"{path} cannot be read ({exc.__class__.__name__})."
        )
    else:
        report.checked.append(t("check.settings_valid", name=SETTINGS_NAME))


def _check_gpkg_file(gpkg: Path, report: CheckReport) -> bool:
    if not gpkg.exists():
        report.problems.append(
            f"没有 {gpkg}：这不是 geoair 工作区（用 geoair init 新建）。 / {gpkg} is missing: "
            "this is not a geoair workspace (make one with geoair init)."
        )
        return False
    if gpkg.is_dir():
        report.problems.append(f"{gpkg} 是文件夹，不是文件。 / {gpkg} is a folder, not a file.")
        return False
    try:
        problem = gpkg_file_problem(gpkg)
    except OSError as exc:
        problem = (f"无法读取（{exc.strerror or exc}）", f"cannot be read ({exc.strerror or exc})")
    if problem is not None:
        report.problems.append(f"工作区文件 {gpkg} {problem[0]}。 / {gpkg} {problem[1]}.")
        return False
    report.checked.append(t("check.gpkg", name=GPKG_NAME, size=gpkg.stat().st_size))
    return True


def _check_sqlite(gpkg: Path, report: CheckReport) -> set[str] | None:
    """SQLite's integrity check and the required tables; the table names, or None."""
    try:
        con = sqlite3.connect(f"{gpkg.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        report.problems.append(
            f"{gpkg}: SQLite 无法打开（{exc}）。 / SQLite cannot open it ({exc})."
        )
        return None
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
        result = [str(r[0]) for r in rows]
        if result != ["ok"]:
            shown = "; ".join(result[:5]) + (" ..." if len(result) > 5 else "")
            report.problems.append(
                f"{gpkg} 的 SQLite 完整性检查未通过，文件已损坏：{shown}。请从备份恢复。 / "
                f"SQLite's integrity check of {gpkg} failed, the file is damaged: {shown}. "
                "Restore it from a backup."
            )
            return None
        tables = {
            str(r[0])
            for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")
        }
        contents = []
        if "gpkg_contents" in tables:
            contents = [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents")]
    except sqlite3.Error as exc:
        report.problems.append(
            f"{gpkg} 已损坏，SQLite 无法读取（{exc}）。请从备份恢复。 / {gpkg} is damaged: "
            f"SQLite cannot read it ({exc}). Restore it from a backup."
        )
        return None
    finally:
        con.close()
    report.checked.append(t("check.integrity"))
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        report.problems.append(
            f"{gpkg} 缺少必需的表：{'、'.join(missing)}；它不是（完整的）geoair 工作区。 / "
            f"{gpkg} lacks the required table(s) {', '.join(missing)}: it is not a (whole) "
            "geoair workspace."
        )
    else:
        report.checked.append(t("check.required", tables=", ".join(REQUIRED_TABLES)))
    absent = [name for name in contents if name not in tables]
    if absent:
        report.problems.append(
            f"{gpkg} 的目录（gpkg_contents）列出了不存在的图层：{'、'.join(absent)}。 / "
            f"{gpkg} lists layers that are not there: {', '.join(absent)}."
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
            f"{gpkg} 中这些图层无法读取：{'、'.join(bad)}。 / These layers of {gpkg} cannot be "
            f"read: {', '.join(bad)}."
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
        report.problems.append(
            "这些监测数据文件已损坏或不是 geoair 写的：" + "、".join(bad) + "；请删除后重新导入这段"
            "时间的数据。 / These readings files are damaged or not geoair's: "
            + ", ".join(bad)
            + ". Delete them and import those readings again."
        )
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
        report.notes.append(
            f"有 {len(leftovers)} 个临时文件（{size / 1e6:.1f} MB），是被中断的命令留下的；"
            f"下一个写入工作区的 geoair 命令会删除它们。 / {len(leftovers)} temporary file(s) "
            f"({size / 1e6:.1f} MB) left by an interrupted command; the next geoair command "
            "that writes to the workspace removes them."
        )
    lock = root / ".geoair.lock"
    if lock.exists():
        pid = lock.read_text(errors="replace").strip()
        alive = pid.isdigit() and process_alive(int(pid))
        report.notes.append(
            f"锁文件 {lock} 属于正在运行的进程 {pid}。 / {lock} is held by running process {pid}."
            if alive
            else f"锁文件 {lock} 是被中断的命令留下的，下一个命令会接管它。 / {lock} was left "
            "by an interrupted command; the next command takes it over."
        )
    if not os.access(root, os.W_OK):
        report.notes.append(
            f"工作区文件夹 {root} 不可写：可以查看，但命令无法写入结果。 / The workspace folder "
            f"{root} cannot be written: it can be read, but commands cannot store results."
        )
