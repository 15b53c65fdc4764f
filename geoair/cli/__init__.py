"""The ``geoair`` command: a click group; one module per subcommand.

Each subcommand parses its options, calls the library, writes, and reports. Shared
options live in :mod:`geoair.cli._options`. A :class:`~geoair.GeoairError` ends the
command with its message and exit status 1; anything else is a bug and shows a
traceback with ``-v``.

Everything printed comes from the message catalogue :mod:`geoair.messages`: Chinese by
default, English with ``--lang en`` (or ``GEOAIR_LANG=en``).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import click

from geoair import __version__
from geoair.cli._help import Group, UsageErrorInLanguage
from geoair.errors import GeoairError
from geoair.messages import MESSAGES, in_language, language, set_language, t

__all__ = [
    "_help",
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


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _error_text(exc: BaseException) -> str:
    """What the command line prints for a geoair error, in the current language.

    A bilingual "中文。 / English." message shows its own language's half. In Chinese,
    a message that does not begin in Chinese (some still are English only) is headed
    by what kind of error it is, in Chinese: every error reads Chinese first.
    """
    text = in_language(str(exc))
    if language() == "zh":
        first = _CJK.search(text)
        before = text[: first.start()] if first else text
        if len(re.findall(r"[A-Za-z]{2,}", before)) > 1:
            kind = next(
                (
                    f"error_kind.{cls.__name__}"
                    for cls in type(exc).__mro__
                    if f"error_kind.{cls.__name__}" in MESSAGES
                ),
                "error_kind.GeoairError",
            )
            return t("cli.error", message=f"{t(kind)}。{text}")
    return t("cli.error", message=text)


class _Group(Group):
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        given = _lang_given(args)  # before parsing, which consumes args
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # geoair's own options
            # The error may come before --lang was processed: say it in that language.
            if given in ("zh", "en"):
                set_language(given)
            raise UsageErrorInLanguage.of(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a command's options and arguments
            raise UsageErrorInLanguage.of(exc) from None
        except GeoairError as exc:
            click.secho(_error_text(exc), fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.secho(t("cli.interrupted"), fg="yellow", err=True)
            sys.exit(130)


def _lang_given(args: list[str]) -> str | None:
    """The value of ``--lang`` among geoair's own options (before the command), if any."""
    for number, arg in enumerate(args):
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
        if arg == "--lang":
            return args[number + 1] if number + 1 < len(args) else None
        if not arg.startswith("-"):  # the command: its options are its own
            return None
    return None


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Eager, so that messages of the other options' checks are already in this language.
    set_language(value)
    return value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True)
@click.option("-q", "--quiet", is_flag=True)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    is_eager=True,
    expose_value=False,
    callback=_set_language,
)
@click.version_option(version=__version__, prog_name="geoair")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """``geoair``; its help is ``help.geoair`` in geoair.messages."""
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
