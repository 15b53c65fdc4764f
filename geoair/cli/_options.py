"""Options shared by subcommands, and the helpers that report results."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from geoair.store.workspace import Workspace, open_workspace

workspace_option = click.option(
    "--workspace",
    "-w",
    "workspace_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder (default: $GEOAIR_WORKSPACE, else the current folder).",
)

out_option = click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the result to this file; its extension picks the format "
    "(.csv, .xlsx, .gpkg, .geojson, .parquet).",
)


def get_workspace(workspace_dir: Path | None) -> Workspace:
    """Open the workspace named by --workspace (or the default)."""
    return open_workspace(workspace_dir)


def write_out(frame: pd.DataFrame, out_path: Path | None, *, layer: str) -> None:
    """Write ``frame`` to ``--out`` when given, and say where."""
    if out_path is None:
        return
    from geoair.io.writers import write_table

    write_table(frame, out_path, layer=layer)
    click.echo(f"wrote {out_path}")
