"""The ``geoair`` command: a click group; one module per subcommand.

Each subcommand parses its options, calls the library, writes, and reports. Shared
options live in :mod:`geoair.cli._options`. A :class:`~geoair.GeoairError` ends the
command with its message and exit status 1; anything else is a bug and shows a
traceback with ``-v``.
"""

from __future__ import annotations

import logging
import sys

import click

from geoair import __version__
from geoair.errors import GeoairError

__all__ = [
    "_options",
    "buffer_cmd",
    "check_cmd",
    "copy_cmd",
    "demo_cmd",
    "export_cmd",
    "forms_cmd",
    "gate_roads_cmd",
    "import_cmd",
    "indicators_cmd",
    "init_cmd",
    "map_cmd",
    "patrol_cmd",
    "scores_cmd",
    "serve_cmd",
    "settings_cmd",
    "sources_cmd",
    "surface_cmd",
    "targets_cmd",
    "users_cmd",
]


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GeoairError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.secho("Interrupted: nothing was changed.", fg="yellow", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(version=__version__, prog_name="geoair")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """geoair: dust and air-pollution supervision for environmental bureaus.

    Start with 'geoair demo' to build a workspace from the sample data of Yangquan,
    or 'geoair init DIR' and 'geoair import KIND FILE' for your own data.
    """
    ctx.obj = {"verbose": 0 if quiet else verbose}
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    # One line per subcommand module; each module defines a click command or group.
    from geoair.cli import (
        buffer_cmd,
        check_cmd,
        copy_cmd,
        demo_cmd,
        export_cmd,
        forms_cmd,
        gate_roads_cmd,
        import_cmd,
        indicators_cmd,
        init_cmd,
        map_cmd,
        patrol_cmd,
        scores_cmd,
        serve_cmd,
        settings_cmd,
        sources_cmd,
        surface_cmd,
        targets_cmd,
        users_cmd,
    )

    for module in (
        init_cmd,
        import_cmd,
        demo_cmd,
        export_cmd,
        surface_cmd,
        map_cmd,
        sources_cmd,
        scores_cmd,
        indicators_cmd,
        targets_cmd,
        forms_cmd,
        patrol_cmd,
        gate_roads_cmd,
        buffer_cmd,
        check_cmd,
        copy_cmd,
        settings_cmd,
        serve_cmd,
        users_cmd,
    ):
        main.add_command(module.command)


_register()
