"""The help of every command and option, said from the message catalogue.

click takes a command's help from its docstring and an option's from ``help=``; geoair's
help lives in :mod:`geoair.messages` instead, so that ``geoair --help`` speaks the clerk's
language like everything else geoair prints (Chinese by default, English with ``--lang
en`` before the command or ``GEOAIR_LANG=en``). The help is looked up when it is shown,
in the language of that moment. The ids follow the command tree, ``-`` written ``_``:

* ``help.geoair`` is the ``geoair`` command itself; ``help.gate_roads`` and
  ``help.scores.parks`` a command or group by its path;
* ``help.gate_roads.radius`` is option ``--radius`` of ``geoair gate-roads``. An option
  shared by the commands of a group is found at the group (``help.sources.radius``), one
  shared across geoair at ``help.option.NAME`` (``--workspace``, ``--out``, ``--help``);
* ``help.click.*`` are click's own words (用法/Usage, 选项/Options, 命令/Commands).

Every command is a :class:`Command` or a :class:`Group`; their docstrings are for
developers and are never shown. ``tests/test_cli_help.py`` checks that every command and
option of the tree has its help in both languages.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import IO, Any

import click

from geoair.messages import MESSAGES, language, t

__all__ = [
    "Command",
    "Group",
    "UsageErrorInLanguage",
    "command_help_id",
    "option_help_id",
    "usage_error_text",
]


def command_help_id(path: Sequence[str]) -> str:
    """The catalogue id of the help of the command at ``path`` (() for ``geoair``)."""
    if not path:
        return "help.geoair"
    return "help." + ".".join(name.replace("-", "_") for name in path)


def option_key(param: click.Parameter) -> str:
    """``radius`` for ``--radius``, ``max_km`` for ``--max-km``: the last part of its id."""
    names = [name for name in param.opts if name.startswith("--")] or list(param.opts)
    return names[0].lstrip("-").replace("-", "_")


def option_help_ids(path: Sequence[str], param: click.Parameter) -> list[str]:
    """Where the help of ``param`` of the command at ``path`` is looked for, in order:
    the command, its groups outwards (not ``geoair``'s own options), the shared ones."""
    key = option_key(param)
    levels = range(len(path), 0, -1) if path else [0]
    return [f"{command_help_id(path[:n])}.{key}" for n in levels] + [f"help.option.{key}"]


def option_help_id(path: Sequence[str], param: click.Parameter) -> str | None:
    """The catalogue id of the help of ``param``, or None when the catalogue has none."""
    return next((key for key in option_help_ids(path, param) if key in MESSAGES), None)


def _path(ctx: click.Context) -> tuple[str, ...]:
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.command.name or ctx.info_name or "")
        ctx = ctx.parent
    return tuple(reversed(names))


# --- wrapping that knows a Chinese character is two columns wide -----------------------

_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full-width
_OPEN = "（《“‘"  # punctuation that may not end a line
_CLOSE = "，。；：、）》”’！？"  # punctuation that may not begin a line
# A space, or a Chinese character or a word, with the punctuation around it.
_TOKEN = re.compile(rf"\s+|[{_OPEN}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{_CLOSE}]*")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, width: int) -> list[str]:
    """The lines of one paragraph, each at most ``width`` columns (a longer word alone)."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(" ".join(text.split("\n"))):
        if token.isspace():
            token = " "
            if not line:
                continue
        if line and _width(line) + _width(token) > width:
            lines.append(line.rstrip())
            line = "" if token == " " else token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _paragraphs(text: str, width: int) -> list[str]:
    """Lines of ``text``: paragraphs wrapped, a paragraph after a ``\\b`` line kept as is."""
    lines: list[str] = []
    for number, paragraph in enumerate(text.strip().split("\n\n")):
        if number:
            lines.append("")
        if paragraph.startswith("\b\n"):
            lines.extend(paragraph[2:].splitlines())
        else:
            lines.extend(_wrap(paragraph, width))
    return lines


class _Formatter(click.HelpFormatter):
    """click's formatter, with headings as the catalogue writes them (``选项：``) and
    wrapping by display width, so a Chinese line fits the terminal."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        word = t("help.click.usage")
        super().write_usage(prog, args, prefix=word if word.endswith("：") else f"{word} ")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        for line in _paragraphs(text, width):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((_width(first) for first, _ in rows), default=0), col_max)
        first_col += col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _paragraphs(second, max(self.width - first_col - 2, 10)) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class _Context(click.Context):
    formatter_class = _Formatter


# --- commands and groups whose help is in the catalogue ---------------------------------


def _extras(text: str) -> str:
    """click's ``[default: x; required]`` after an option's help, in the language."""
    items = []
    for item in text.split("; "):
        if item.startswith("default: "):
            item = t("help.click.default", default=item.removeprefix("default: "))
        elif item.startswith("env var: "):
            item = t("help.click.env_var", var=item.removeprefix("env var: "))
        elif item == "required":
            item = t("help.click.required")
        items.append(item)
    return t("word.clause_sep").join(items)


def _short(text: str, limit: int) -> str:
    """The first sentence of a command's help, for the list of commands."""
    first = re.split(r"(?<=。)|(?<=\.)\s|\n", text.strip(), maxsplit=1)[0].strip()
    if _width(first) <= limit:
        return first
    while first and _width(first) > limit - 1:
        first = first[:-1]
    return first.rstrip(" ,，、") + "…"


class Command(click.Command):
    """A command whose help, and its options', is in the catalogue (``help.*`` ids)."""

    context_class = _Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["help"] = None  # the docstring is for developers; the help is in the catalogue
        super().__init__(*args, **kwargs)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        words = {
            "[OPTIONS]": t("help.click.options_metavar"),
            "COMMAND [ARGS]...": t("help.click.command_metavar"),
        }
        return [words.get(piece, piece) for piece in super().collect_usage_pieces(ctx)]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(t(command_help_id(_path(ctx))))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = _path(ctx)
        rows = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            key = option_help_id(path, param)
            shown = copy.copy(param)
            shown.help = t(key) if key else ""
            record = shown.get_help_record(ctx)
            if record is None:  # hidden
                continue
            names, text = record
            said = shown.help
            if text.startswith(f"{said}  [") if said else text.startswith("["):
                tail = text[len(said) :].strip()[1:-1]
                text = f"{said}  [{_extras(tail)}]" if said else f"[{_extras(tail)}]"
            rows.append((names, text))
        if rows:
            with formatter.section(t("help.click.options")):
                formatter.write_dl(rows)


class Group(Command, click.Group):
    """A group whose help, its options' and its commands' lines are in the catalogue."""

    command_class = Command
    group_class = type

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = _path(ctx)
        names = [
            name
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, _short(t(command_help_id((*path, name))), limit)) for name in names]
        with formatter.section(t("help.click.commands")):
            formatter.write_dl(rows)


# click's own sentences (English; click translates them only through gettext files),
# each said again from the catalogue: pattern, message id. Values keep their text.
_CLICK_SENTENCES = [
    (r"(?P<value>.*) is not a valid float(?: range)?\.", "cli.usage.not_number"),
    (r"(?P<value>.*) is not a valid integer(?: range)?\.", "cli.usage.not_integer"),
    (r"(?P<value>.*) is not a valid boolean\.", "cli.usage.not_boolean"),
    (r"(?P<value>.*) is not in the range (?P<range>.*)\.", "cli.usage.out_of_range"),
    (r"(?P<value>.*) is not one of (?P<choices>.*)\.", "cli.usage.not_choice"),
    (r"(?P<value>.*) is not (?P<choices>'[^']*')\.", "cli.usage.not_choice"),
    (r"\w+ (?P<name>.*) does not exist\.", "cli.usage.no_path"),
    (r"\w+ (?P<name>.*) is a file\.", "cli.usage.is_file"),
    (r"\w+ (?P<name>.*) is a directory\.", "cli.usage.is_directory"),
    (r"\w+ (?P<name>.*) is not readable\.", "cli.usage.not_readable"),
    (r"\w+ (?P<name>.*) is not writable\.", "cli.usage.not_writable"),
    (r"Option (?P<name>.*) requires (?:an argument|\d+ arguments)\.", "cli.usage.needs_value"),
    (r"Option (?P<name>.*) does not take a value\.", "cli.usage.takes_no_value"),
    (r"No such option:? (?P<name>.*?)\.?", "cli.usage.no_option"),
    (r"No such command (?P<name>.*)\.", "cli.usage.no_command"),
    (r"Got unexpected extra arguments? \((?P<args>.*)\)", "cli.usage.extra_args"),
    (r"Missing command\.", "cli.usage.no_command_given"),
]


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _sentence(message: str) -> str:
    """click's sentence ``message`` in the current language (as it is when unknown,
    or when it is geoair's own, already said from the catalogue)."""
    for pattern, message_id in _CLICK_SENTENCES:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            values = {k: _unquoted(v) for k, v in match.groupdict().items()}
            if "choices" in values:  # 'a', 'b' -> a、b
                values["choices"] = "、".join(re.findall(r"'([^']*)'", match["choices"]))
            return t(message_id, **values)
    return message


def _hint(error: click.BadParameter) -> str:
    hint: Any = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint(error.ctx) if error.ctx is not None else None
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(_unquoted(str(h)) for h in hint)
    return _unquoted(str(hint)) if hint else ""


def usage_error_text(error: click.UsageError) -> str:
    """What went wrong in ``error``, in the current language (click's own text in
    English)."""
    if language() == "en":
        return error.format_message()
    if isinstance(error, click.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param else "")
        text = t(
            "cli.usage.missing_argument" if kind == "argument" else "cli.usage.missing_option",
            name=_hint(error),
        )
        if error.param is not None and isinstance(error.param.type, click.Choice):
            choices = "、".join(str(c) for c in error.param.type.choices)
            text += t("cli.usage.choose_from", choices=choices)
        return text
    if isinstance(error, click.BadParameter):
        message = _sentence(error.message)
        hint = _hint(error)
        return t("cli.usage.invalid_for", name=hint, message=message) if hint else message
    if isinstance(error, click.NoSuchOption):
        text = t("cli.usage.no_option", name=error.option_name)
        if error.possibilities:
            text += t("cli.usage.did_you_mean", names="、".join(sorted(error.possibilities)))
        return text
    return _sentence(error.message)


class UsageErrorInLanguage(click.UsageError):
    """A usage error shown in the current language: the usage line, how to get help, and
    the error (click's own sentences said again from the catalogue)."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(usage_error_text(error), error.ctx)

    @classmethod
    def of(cls, error: click.UsageError) -> click.UsageError:
        """``error`` in the language; an error that shows itself its own way (the help
        of a group called without a command) is left as it is."""
        if type(error).show is not click.UsageError.show:
            return error
        return cls(error)

    def show(self, file: IO[Any] | None = None) -> None:
        color = None
        if self.ctx is not None:
            color = self.ctx.color
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                option = max(self.ctx.command.get_help_option_names(self.ctx), key=len)
                hint = t("help.click.try", command=self.ctx.command_path, option=option) + "\n"
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=True, color=color)
        message = t("cli.error", message=self.format_message())
        click.echo(message, file=file, err=True, color=color)
