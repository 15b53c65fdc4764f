"""Options shared by subcommands, and the helpers that report results."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from geoair.store.workspace import Workspace, open_workspace


class WorkspaceName(click.ParamType):
    """A workspace folder (a Path) or a database URL (kept as text: ``://`` is never a folder)."""

    name = "DIR|URL"

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        if isinstance(value, Path) or value is None:
            return value
        text = str(value)
        return text if "://" in text else Path(text)


WORKSPACE = WorkspaceName()

workspace_option = click.option(
    "--workspace",
    "-w",
    "workspace_dir",
    type=WORKSPACE,
    default=None,
    help="Workspace folder or postgresql://user@host[:port]/db[?schema=NAME] "
    "(default: $GEOAIR_WORKSPACE, else the current folder).",
)

out_option = click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the result to this file; its extension picks the format "
    "(.csv, .xlsx, .gpkg, .geojson, .parquet).",
)


def get_workspace(workspace_dir: Path | str | None) -> Workspace:
    """Open the workspace named by --workspace (or the default)."""
    return open_workspace(workspace_dir)


def write_out(frame: pd.DataFrame, out_path: Path | None, *, layer: str) -> None:
    """Write ``frame`` to ``--out`` when given, and say where."""
    if out_path is None:
        return
    from geoair.io.writers import write_table

    write_table(frame, out_path, layer=layer)
    click.echo(f"wrote {out_path}")
