"""``geoair copy SOURCE DEST``: a whole workspace from a folder to a database, or back.

Every layer and record table is read from the source and written to the destination
in one transaction (all or nothing), the settings text is copied (with ``[workspace]
readings_dir`` pointing at the destination's readings), and the Parquet readings are
copied file by file unless both workspaces already share one readings folder. The
report gives the row count of every table on both sides, read back from the
destination. Rejects and outputs are local files of each analyst and are not copied.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from geoair.errors import WorkspaceError
from geoair.messages import t
from geoair.store.open import init_workspace, open_workspace
from geoair.store.settings import set_readings_dir
from geoair.store.workspace import FolderWorkspace

__all__ = ["CopyReport", "copy_workspace", "describe_copy"]


log = logging.getLogger(__name__)


@dataclass
class CopyReport:
    """What :func:`copy_workspace` copied.

    Attributes
    ----------
    source, dest : str
        The two workspaces as messages name them (passwords as ``***``).
    tables : list of (name, source_rows, dest_rows)
        Every layer and record table; ``dest_rows`` is counted on the destination
        after the copy.
    readings : list of (name, files, source_rows, dest_rows)
        ``hourly`` and ``dustfall`` Parquet readings.
    readings_from, readings_to : Path
        The two readings folders (the same when they are shared: nothing copied).
    """

    source: str
    dest: str
    tables: list[tuple[str, int, int]] = field(default_factory=list)
    readings: list[tuple[str, int, int, int]] = field(default_factory=list)
    readings_from: Path | None = None
    readings_to: Path | None = None

    @property
    def complete(self) -> bool:
        return all(a == b for _, a, b in self.tables) and all(
            a == b for _, _, a, b in self.readings
        )


def _parquet_files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith(".tmp-"))


def _rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def copy_workspace(
    source: Path | str,
    dest: Path | str,
    *,
    readings_dir: Path | str | None = None,
    replace: bool = False,
) -> CopyReport:
    """Copy a whole workspace between a folder and a database (either way, or alike).

    Parameters
    ----------
    source : path or str
        An existing workspace: a folder or a ``postgresql://`` URL.
    dest : path or str
        A folder or URL; made with :func:`~geoair.store.open.init_workspace`
        when it is not a workspace yet.
    readings_dir : path, optional
        Where a new destination keeps its readings (see ``geoair init --readings``).
    replace : bool
        Overwrite the layers and readings files a non-empty destination already has;
        without it a destination holding layers is refused.

    Returns
    -------
    CopyReport
    """
    src = open_workspace(source)
    dst = init_workspace(dest, exist_ok=True, readings_dir=readings_dir)
    try:
        if src.location == dst.location:
            raise WorkspaceError(t("error.store.copy_same", location=src.location))
        report = CopyReport(src.location, dst.location)
        names = src.layers()
        there = dst.layers()
        from_dir = src.readings_dir
        to_dir = dst.readings_dir
        if isinstance(dst, FolderWorkspace) and readings_dir is None:
            to_dir = dst.root / "readings"
        shared = from_dir.resolve() == to_dir.resolve()
        files = [] if shared else _parquet_files(from_dir)
        clash = [p for p in files if (to_dir / p.relative_to(from_dir)).exists()]
        if (there or clash) and not replace:
            what = t("word.list_sep").join(there[:6]) + (" ..." if len(there) > 6 else "")
            if clash:
                readings = t("error.store.copy_readings_there", folder=to_dir)
                what = (what + t("word.clause_sep") if what else "") + readings
            raise WorkspaceError(t("error.store.copy_not_empty", location=dst.location, what=what))
        counts: dict[str, int] = {}
        with dst.transaction() as tx:
            for name in names:
                frame = src.read(name)
                tx.write(name, frame)
                counts[name] = len(frame)
        for name in names:
            report.tables.append((name, counts[name], len(dst.read(name))))
        value: Path | str = (
            "" if isinstance(dst, FolderWorkspace) and readings_dir is None else to_dir
        )
        dst.store_settings(set_readings_dir(src.settings_text(), value))
        report.readings_from, report.readings_to = from_dir, to_dir
        if not shared:
            for kind, match in (("hourly", "hourly"), ("dustfall", "dustfall")):
                chosen = [p for p in files if match in p.relative_to(from_dir).as_posix()]
                if not chosen:
                    continue
                before = sum(_rows(p) for p in chosen)
                for path in chosen:
                    _copy_file(path, to_dir / path.relative_to(from_dir))
                after = sum(_rows(to_dir / p.relative_to(from_dir)) for p in chosen)
                report.readings.append((kind, len(chosen), before, after))
        log.info("copied %s to %s", src.location, dst.location)
        if not report.complete:
            raise WorkspaceError(
                t(
                    "error.store.copy_counts_differ",
                    location=dst.location,
                    report=t("word.clause_sep").join(
                        line.strip() for line in describe_copy(report)
                    ),
                )
            )
        return report
    finally:
        src.close()
        dst.close()


def describe_copy(report: CopyReport) -> list[str]:
    """The report as lines: one per table with its rows in the source and the copy."""
    width = max([len(name) for name, _, _ in report.tables] + [24])
    table, source, copied = t("copy.col_table"), t("copy.col_source"), t("copy.col_copied")
    lines = [
        t("copy.title", source=report.source, dest=report.dest),
        f"  {table:<{width}} {source:>10} {copied:>10}",
    ]
    for name, before, after in report.tables:
        lines.append(f"  {name:<{width}} {before:>10,} {after:>10,}")
    for kind, files, before, after in report.readings:
        label = t("copy.readings_row", kind=t(f"copy.kind.{kind}"), files=files)
        lines.append(f"  {label:<{width}} {before:>10,} {after:>10,}")
    if report.readings_from is not None and report.readings_from == report.readings_to:
        lines.append(t("copy.readings_shared", folder=report.readings_to))
    elif report.readings_from is not None and not report.readings_from.exists():
        lines.append(t("copy.readings_absent", folder=report.readings_from))
    elif report.readings:
        lines.append(t("copy.readings_now", folder=report.readings_to))
    lines.append(t("copy.settings"))
    return lines
