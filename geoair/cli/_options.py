"""Options shared by subcommands, and the helpers that report results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def engine_options(command: Callable) -> Callable:
    """``--engine single|dask``, ``--scheduler ADDRESS`` and ``--workers N``."""
    for option in reversed(
        [
            click.option(
                "--engine",
                type=click.Choice(["single", "dask"]),
                default="single",
                show_default=True,
                help="single: this machine; dask: a Dask cluster (pip install "
                "'geoair[dask]'), the one at --scheduler or a local one of --workers "
                "processes.",
            ),
            click.option(
                "--scheduler",
                default=None,
                metavar="ADDRESS",
                help="With --engine dask: address of a running Dask scheduler, e.g. "
                "tcp://192.168.1.10:8786 (started with: dask scheduler).",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=1),
                default=None,
                help="With --engine dask and no --scheduler: worker processes of the "
                "local cluster (default 2).",
            ),
        ]
    ):
        command = option(command)
    return command


@contextmanager
def open_engine(
    engine: str, scheduler: str | None, workers: int | None, *, store: str | None = None
) -> Iterator[object | None]:
    """The engine the options ask for: None for this machine, else a Dask engine."""
    if engine != "dask":
        if scheduler or workers or store:
            given = "--scheduler" if scheduler else ("--workers" if workers else "--store")
            raise click.UsageError(f"{given} goes with --engine dask.")
        yield None
        return
    from geoair.distributed.cluster import dask_client
    from geoair.distributed.engine import DaskEngine

    with dask_client(scheduler, workers=workers) as client:
        yield DaskEngine(client, store=store)
