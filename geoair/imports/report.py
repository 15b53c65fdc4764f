"""What every import takes and gives back, whatever the kind of file.

Every importer (layers and records in :mod:`geoair.imports.pipeline`, hourly readings
and dustfall in :mod:`geoair.readings.importing`, the printed target annexes in
:mod:`geoair.readings.annex_targets`) is called as ``importer(ws, options)`` with one
:class:`ImportOptions` and answers with one :class:`ImportReport`; the registry of
kinds is :mod:`geoair.workflows.imports`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ImportOptions", "ImportReport"]


@dataclass(frozen=True)
class ImportOptions:
    """One file to import, and how to read it.

    Parameters
    ----------
    kind : str
        What the file holds: ``enterprises``, ``readings``, ``targets_annex``...
    path : Path
        The file (for readings, also a folder).
    more_paths : tuple of Path
        Further files or folders imported together with ``path`` (readings only: the
        national platform's archive is one file per hour).
    coords : str, optional
        Its coordinate system when it has none or is shifted: ``wgs84``, ``gcj02``,
        ``bd09`` or ``EPSG:n``.
    encoding, sheet, layer : str, optional
        Text encoding (detected when omitted), Excel sheet, layer of a multi-layer file.
    record_date : str, optional
        Date of a 附件2 checklist without a date column; the year of the printed
        target annexes.
    replace : bool
        Replace the whole layer instead of merging by key.
    units : tuple of str
        Readings only: declared units of columns, ``("CO=ug/m3",)``.
    """

    kind: str
    path: Path
    more_paths: tuple[Path, ...] = ()
    coords: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    record_date: str | None = None
    replace: bool = False
    units: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        """``path`` and ``more_paths``."""
        return (self.path, *self.more_paths)


@dataclass
class ImportReport:
    """The outcome of one import, for the user.

    Attributes
    ----------
    kind, source : str, Path
        What was imported, from which file.
    rows_read : int
        Data rows (or values, for readings) read from the file.
    imported, replaced, rejected : int
        Rows stored, of which rows that replaced ones already there; rows refused.
    rejects_path : Path or None
        The rejects file (row numbers and reasons), when rows were refused.
    notes : list of str
        Remarks for the user (unit conversions, shifted coordinates, ...).
    stored_in : str
        Where the rows went (a layer name, the readings folder).
    span : str
        What the rows cover, e.g. ``2020-10-01 01:00 .. 2020-12-31 24:00, 6 stations``.
    next_step : str
        The command that usually comes next, or empty.
    files : int
        Files read (an import of readings may read a folder of them).
    checks : dict of str to (int, int)
        Published values compared with geoair's own (the national platform's AQI,
        24-hour means ...): item -> (compared, disagreeing).
    check_path : Path or None
        The file of the disagreements, when there are some.
    """

    kind: str
    source: Path
    rows_read: int
    imported: int
    replaced: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    stored_in: str = ""
    span: str = ""
    next_step: str = ""
    files: int = 1
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)
    check_path: Path | None = None
