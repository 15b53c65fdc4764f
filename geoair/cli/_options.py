"""Options shared by subcommands, and the helpers that report results.

Nothing heavy is imported here at module level: ``geoair --help`` and ``geoair
--version`` load every command module, and must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geoair.messages import t

if TYPE_CHECKING:
    import pandas as pd

    from geoair.distributed.engine import DaskEngine
    from geoair.progress import Progress
    from geoair.store.workspace import Workspace


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
)

out_option = click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
)

#: Where a new database workspace keeps its readings (``geoair init``, ``geoair copy``).
readings_dir_option = click.option(
    "--readings",
    "readings_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
)

month_option = click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
)


def get_workspace(workspace_dir: Path | str | None) -> Workspace:
    """Open the workspace named by --workspace (or the default)."""
    from geoair.store.open import open_workspace

    return open_workspace(workspace_dir)


def echo_lines(lines: list[str]) -> None:
    """Print the lines a workflow's ``describe`` gives."""
    for line in lines:
        click.echo(line)


def progress_for(ctx: click.Context | None = None) -> Progress:
    """A progress callback that writes to stderr when the user asked for ``-v``."""
    verbose = 0
    while ctx is not None:
        if isinstance(ctx.obj, dict) and "verbose" in ctx.obj:
            verbose = int(ctx.obj["verbose"])
            break
        ctx = ctx.parent

    def show(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
        if verbose < 1:
            return
        count = f" ({done}/{total})" if done is not None and total else ""
        click.echo(f"… {message}{count}", err=True)

    return show


def write_out(frame: pd.DataFrame, out_path: Path | None, *, layer: str) -> None:
    """Write ``frame`` to ``--out`` when given, and say where.

    CSV and Excel are report tables (:func:`geoair.reports.tables.report_table`: Chinese
    headers and words in Chinese mode, numbers rounded for people); GIS formats keep
    the identifiers and full precision.
    """
    if out_path is None:
        return
    from geoair.io.writers import write_table

    sheet = layer
    if out_path.suffix.lower() in {".csv", ".xlsx"}:
        from geoair.reports.tables import report_table, sheet_name

        frame, sheet = report_table(frame, layer=layer), sheet_name(layer)
    write_table(frame, out_path, layer=sheet)
    click.echo(t("cli.wrote", path=out_path))


def engine_options(command: Callable) -> Callable:
    """``--engine single|dask``, ``--scheduler ADDRESS`` and ``--workers N``."""
    for option in reversed(
        [
            click.option(
                "--engine",
                type=click.Choice(["single", "dask"]),
                default="single",
                show_default=True,
            ),
            click.option(
                "--scheduler",
                default=None,
                metavar="ADDRESS",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=1),
                default=None,
            ),
        ]
    ):
        command = option(command)
    return command


@contextmanager
def open_engine(
    engine: str, scheduler: str | None, workers: int | None, *, store: str | None = None
) -> Iterator[DaskEngine | None]:
    """The engine the options ask for: None for this machine, else a Dask engine."""
    if engine != "dask":
        if scheduler or workers or store:
            given = "--scheduler" if scheduler else ("--workers" if workers else "--store")
            raise click.UsageError(t("cli.engine_option", option=given))
        yield None
        return
    from geoair.distributed.cluster import dask_client
    from geoair.distributed.engine import DaskEngine

    with dask_client(scheduler, workers=workers) as client:
        yield DaskEngine(client, store=store)
