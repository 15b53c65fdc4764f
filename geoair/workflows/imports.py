"""Validated import of layers and records into a workspace.

The pipeline, one pass that collects every problem before reporting:

1. read the file (:mod:`geoair.io`), find its header (:mod:`geoair.headers`), match
   columns to the kind's fields (:mod:`geoair.schema`);
2. parse every value (:mod:`geoair.normalize`); a value that cannot be read rejects
   its row with the reason;
3. build geometries in WGS-84: GCJ-02/BD-09 shifted back when the user says so,
   invalid shapes repaired where that keeps their meaning, points outside China or
   with longitude and latitude swapped rejected;
4. give ids, refuse duplicates, resolve the enterprises that records name;
5. merge into the workspace in one transaction (rows whose key exists are replaced,
   so importing a file twice leaves the workspace as after the first time), and
   write the rejected rows with their row numbers and reasons to ``rejects/``.

Reasons in the rejects files are short Chinese sentences that say what is wrong and
what to do, prefixed with the field's Chinese header (``规模以上：“也许”不是是/否…``);
notes are Chinese too; errors about the whole file (:class:`InputFileError`,
:class:`SchemaError`) give a Chinese sentence, then the same in English.

:func:`prepare_rows` is the pure part (frames in, frames out); :func:`import_file`
adds reading and writing.
"""

from __future__ import annotations

import pandas as pd

from geoair.errors import SchemaError
from geoair.imports.pipeline import import_file
from geoair.store.schema import spec_for
from geoair.store.workspace import Workspace

__all__ = ["demo_step"]


def demo_step(ws: Workspace, echo) -> None:
    """Import every file listed in the sample data's manifest.toml."""
    import tomllib

    from geoair.cli.import_cmd import EXTRA_KINDS
    from geoair.workflows.sample_data import sample_layers_dir

    folder = sample_layers_dir()
    manifest = tomllib.loads((folder / "manifest.toml").read_text("utf-8"))
    for entry in manifest["import"]:
        kind = entry["kind"]
        file = folder / entry["file"]
        options = dict(
            coords=entry.get("coords"), encoding=entry.get("encoding"), sheet=entry.get("sheet")
        )
        if kind in EXTRA_KINDS:
            import importlib

            module_name, function_name = EXTRA_KINDS[kind].split(":")
            function = getattr(importlib.import_module(module_name), function_name)
            function(ws, file, date=entry.get("date"), echo=echo, **options)
            continue
        try:
            spec_for(kind)
        except SchemaError:
            echo(f"  skipped {entry['file']}: no importer for {kind!r} in this version")
            continue
        report = import_file(ws, kind, file, record_date=entry.get("date"), **options)
        for line in report.summary().splitlines():
            echo("  " + line)
        if report.rejects_path is not None:  # what the clerk will read there
            rejects = pd.read_csv(report.rejects_path, encoding="utf-8-sig", dtype=str)
            for number, reason in rejects[["行号", "原因"]].head(3).itertuples(index=False):
                echo(f"    第{number}行：{reason}")
