"""Importing files into a workspace: the one registry of import kinds.

Every kind that ``geoair import KIND FILE`` accepts is a key of :data:`IMPORTERS`,
whose value is the function that imports it, called as ``importer(ws, options)`` and
answering with an :class:`~geoair.imports.report.ImportReport`:

* the layers and records of the schema (``enterprises``, ``gates``, ..., ``inspections``,
  ``cases``, ``targets``, ``road_dust``): :func:`geoair.imports.pipeline.import_file`;
* ``readings`` and ``dustfall``: :mod:`geoair.readings.importing`;
* ``targets_annex`` (the target annexes as printed): :mod:`geoair.readings.annex_targets`.

The command line, the demo and the web app all import through :func:`run_import`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geoair.errors import SchemaError
from geoair.imports.pipeline import import_file
from geoair.imports.report import ImportOptions, ImportReport
from geoair.messages import layer_name, t
from geoair.progress import Progress, silent
from geoair.readings.annex_targets import import_annex_targets
from geoair.readings.importing import import_dustfall, import_readings
from geoair.store.schema import KINDS
from geoair.store.workspace import Workspace

__all__ = [
    "IMPORTERS",
    "Importer",
    "MANY_FILES",
    "check_options",
    "describe",
    "first_rejects",
    "import_sample",
    "importer_for",
    "run_import",
]


Importer = Callable[[Workspace, ImportOptions], ImportReport]


def _layer_importer(ws: Workspace, options: ImportOptions) -> ImportReport:
    return import_file(
        ws,
        options.kind,
        options.path,
        coords=options.coords,
        encoding=options.encoding,
        sheet=options.sheet,
        layer=options.layer,
        record_date=options.record_date,
        replace=options.replace,
    )


def _readings_importer(ws: Workspace, options: ImportOptions) -> ImportReport:
    return import_readings(
        ws,
        list(options.paths),
        encoding=options.encoding,
        sheet=options.sheet,
        units=options.units,
    )


def _dustfall_importer(ws: Workspace, options: ImportOptions) -> ImportReport:
    return import_dustfall(ws, options.path, encoding=options.encoding, sheet=options.sheet)


def _annex_importer(ws: Workspace, options: ImportOptions) -> ImportReport:
    return import_annex_targets(
        ws, options.path, year=options.record_date, encoding=options.encoding, sheet=options.sheet
    )


IMPORTERS: dict[str, Importer] = {
    **{kind: _layer_importer for kind in KINDS},
    "readings": _readings_importer,
    "dustfall": _dustfall_importer,
    "targets_annex": _annex_importer,
}
"""Every import kind and the function that imports it."""

#: Kinds that take several files or folders at once.
MANY_FILES = ("readings",)


def importer_for(kind: str) -> Importer:
    """The importer of ``kind``.

    Raises
    ------
    SchemaError
        ``kind`` is not one of :data:`IMPORTERS`; the message lists them all.
    """
    try:
        return IMPORTERS[kind]
    except KeyError:
        kinds = t("word.list_sep").join(
            t("import.kind_line", kind=name, label=layer_name(name)) for name in IMPORTERS
        )
        raise SchemaError(t("import.unknown_kind", kind=kind, kinds=kinds)) from None


def run_import(
    ws: Workspace, options: ImportOptions, *, progress: Progress = silent
) -> ImportReport:
    """Import one file of a kind into the workspace; rejected rows go to ``rejects/``.

    Parameters
    ----------
    ws : Workspace
    options : ImportOptions
        The kind, the file and how to read it.
    progress : Progress
        Told when the file is being read.

    Returns
    -------
    ImportReport
    """
    importer = importer_for(options.kind)
    check_options(options)
    progress(t("progress.import_file", kind=options.kind, name=Path(options.path).name))
    return importer(ws, options)


def check_options(options: ImportOptions) -> None:
    """Refuse options the kind does not take (several files, ``--units``).

    Raises
    ------
    SchemaError
        Several files for a kind that takes one; units for a kind other than readings.
    """
    if options.more_paths and options.kind not in MANY_FILES:
        raise SchemaError(t("error.import.one_file", kind=options.kind))
    if options.units and options.kind != "readings":
        raise SchemaError(t("error.import.units_only_readings"))


def describe(report: ImportReport) -> list[str]:
    """The lines that tell the user what an import did."""
    source = report.source.name + (
        t("import.more_files", n=report.files - 1) if report.files > 1 else ""
    )
    line = t(
        "import.summary",
        kind=layer_name(report.kind),
        rows_read=report.rows_read,
        source=source,
        imported=report.imported,
        replaced=report.replaced,
        rejected=report.rejected,
    )
    if report.rejects_path is not None:
        line += t("import.rejects_file", path=report.rejects_path)
    lines = [line]
    if report.span:
        lines.append(t("import.span", span=report.span))
    lines += [t("import.note", note=note) for note in report.notes]
    if report.checks:
        parts = t("word.list_sep").join(
            f"{item} {bad:,}/{n:,}" for item, (n, bad) in sorted(report.checks.items())
        )
        lines.append(t("import.checks", parts=parts))
        if report.check_path is not None:
            lines.append(t("import.check_path", path=report.check_path))
    if report.next_step:
        lines.append(t("import.next", command=report.next_step))
    return lines


def import_sample(
    ws: Workspace, folder: Path, *, progress: Progress = silent
) -> list[ImportReport]:
    """Import every file listed in the ``manifest.toml`` of a sample folder, in order.

    Each ``[[import]]`` table has ``kind`` and ``file`` and optionally ``coords``,
    ``date``, ``encoding`` and ``sheet``, the options of ``geoair import``.
    """
    manifest = tomllib.loads((folder / "manifest.toml").read_text("utf-8"))
    reports = []
    for entry in manifest["import"]:
        options = ImportOptions(
            kind=entry["kind"],
            path=folder / entry["file"],
            coords=entry.get("coords"),
            encoding=entry.get("encoding"),
            sheet=entry.get("sheet"),
            record_date=entry.get("date"),
        )
        reports.append(run_import(ws, options, progress=progress))
    return reports


def first_rejects(report: ImportReport, n: int = 3) -> list[tuple[str, str]]:
    """The first ``n`` (row number, reason) pairs of a report's rejects file."""
    if report.rejects_path is None:
        return []
    rejects = pd.read_csv(report.rejects_path, encoding="utf-8-sig", dtype=str)
    columns = ["行号", "原因"] if "行号" in rejects.columns else list(rejects.columns[:1]) * 2
    return [tuple(pair) for pair in rejects[columns].head(n).itertuples(index=False)]
