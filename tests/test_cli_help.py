"""``geoair --help`` and every ``geoair COMMAND --help`` in the clerk's language.

The help of every command, group and option comes from the catalogue (``help.*`` ids,
said by :mod:`geoair.cli._help`): Chinese by default with no English sentence, English
with ``--lang en`` or ``GEOAIR_LANG=en`` with no Chinese but what the English wording
itself quotes (file names of the examples, documents' numbers, station names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner
from language_checks import CJK, chinese_runs, english_sentences

from geoair.cli import main
from geoair.cli._help import Command, command_help_id, option_help_id
from geoair.messages import MESSAGES

# Option names (--period, -w) are identifiers, like the commands english_sentences() allows.
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def _tree(command: click.Command = main, path: tuple[str, ...] = ()) -> Iterator:
    """Every command and group under ``geoair`` (hidden ones too), with its path."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _tree(sub, (*path, name))


TREE = list(_tree())
PATHS = [path for path, _ in TREE]


def _options(command: click.Command) -> list[click.Option]:
    with click.Context(command) as ctx:
        return [p for p in command.get_params(ctx) if isinstance(p, click.Option)]


def _ids(path: tuple[str, ...], command: click.Command) -> list[str]:
    """The catalogue ids the help page of ``command`` says."""
    ids = [command_help_id(path)]
    ids += [option_help_id(path, param) or "" for param in _options(command)]
    if isinstance(command, click.Group):
        ids += [command_help_id((*path, name)) for name in command.commands]
    return ids


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(main, args, prog_name="geoair")
    assert result.exit_code == 0, (args, result.output)
    return result.output


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_the_tree_is_the_whole_command_line():
    assert len(PATHS) >= 30
    assert {("gate-roads",), ("scores", "parks"), ("users", "passwd"), ()} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "geoair")
def test_help_in_chinese_has_no_english_sentence(path):
    text = _help(["--lang", "zh", *path, "--help"])
    assert text.startswith("用法："), text
    assert "选项：" in text and "显示此帮助并退出。" in text
    assert "Usage" not in text and "Options" not in text and "Show this" not in text
    assert CJK.search(text.split("\n", 1)[1])
    assert english_sentences(OPTION.sub(" ", text)) == [], text
    command = dict(TREE)[path]
    if isinstance(command, click.Group):
        assert "命令：" in text and "[选项] 命令 [参数]..." in text


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "geoair")
def test_help_in_english_has_no_chinese_but_what_it_quotes(path):
    text = _help(["--lang", "en", *path, "--help"])
    assert text.startswith("Usage:") and "Options:" in text, text
    quoted = "\n".join(MESSAGES[key][1] for key in _ids(path, dict(TREE)[path]) if key)
    stray = [run for run in chinese_runs(text) if run not in quoted]
    assert stray == [], text


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "geoair")
def test_help_lines_fit_the_terminal(path):
    # CliRunner's terminal is 80 columns; a Chinese character takes two.
    examples = {
        line
        for key in _ids(path, dict(TREE)[path])
        if key
        for wording in MESSAGES[key]
        for block in wording.split("\b\n")[1:]
        for line in block.split("\n\n")[0].splitlines()
    }
    text = _help(["--lang", "zh", *path, "--help"])
    long = [line for line in text.splitlines() if _width(line) > 80]
    assert [line for line in long if line.strip() not in examples] == [], text


def test_every_command_and_option_has_its_help_in_both_languages():
    missing = []
    for path, command in TREE:
        assert isinstance(command, Command), (path, "make it with geoair.cli._help")
        if command_help_id(path) not in MESSAGES:
            missing.append(command_help_id(path))
        for param in _options(command):
            if not param.hidden and option_help_id(path, param) is None:
                missing.append(f"{' '.join(path) or 'geoair'} {param.opts[0]}")
    assert missing == []
    # both wordings are there (test_messages checks they are not empty)
    assert all(len(MESSAGES[key]) == 2 for key in MESSAGES if key.startswith("help."))


def test_every_help_entry_is_said_somewhere():
    said = {key for path, command in TREE for key in _ids(path, command) if key}
    written = {key for key in MESSAGES if key.startswith("help.") and ".click." not in key}
    assert written - said == set()


def test_no_option_id_is_a_subcommand_id():
    for path, command in TREE:
        if isinstance(command, click.Group):
            options = {option_help_id(path, p) for p in _options(command)}
            commands = {command_help_id((*path, name)) for name in command.commands}
            assert options.isdisjoint(commands), path


def test_an_option_without_help_fails_the_check():
    @click.command("probe", cls=Command)
    @click.option("--surely-undocumented")
    def probe() -> None:
        """A command made for this test."""

    assert option_help_id(("probe",), _options(probe)[0]) is None
    # a shared option is found at help.option.*
    assert option_help_id(("probe",), _options(probe)[-1]) == "help.option.help"


def test_chinese_is_the_default_and_geoair_lang_chooses_english(monkeypatch):
    text = _help(["--help"])
    assert text.startswith("用法：") and "命令：" in text and "显示此帮助并退出。" in text
    monkeypatch.setenv("GEOAIR_LANG", "en")
    text = _help(["--help"])
    assert text.startswith("Usage:") and "Commands:" in text and "Show this message" in text
    quoted = "\n".join(MESSAGES[key][1] for key in _ids((), main) if key)
    assert [run for run in chinese_runs(text) if run not in quoted] == [], text
    text = _help(["gate-roads", "--help"])
    assert "Find the road within the radius of every factory gate" in text
    assert _help(["--lang", "zh", "--help"]).startswith("用法：")  # the option wins


def test_lang_before_help_wins():
    assert _help(["--lang", "en", "--help"]).startswith("Usage:")
    assert _help(["--lang", "en", "scores", "--help"]).startswith("Usage:")
    assert "[默认：single]" in _help(["gate-roads", "--help"])
    assert "[default: single]" in _help(["--lang", "en", "gate-roads", "--help"])


@pytest.mark.parametrize(
    ("lang", "usage", "hint", "error"),
    [("zh", "用法：", "运行 '", "错误："), ("en", "Usage:", "Try '", "Error: ")],
)
@pytest.mark.parametrize(
    "args", [["--no-such-option"], ["gate-roads", "--radius", "x"], ["scores", "parks", "--x"]]
)
def test_usage_errors_in_the_language(lang, usage, hint, error, args):
    result = CliRunner().invoke(main, ["--lang", lang, *args], prog_name="geoair")
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(usage) and lines[1].startswith(hint), result.output
    assert lines[-1].startswith(error), result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["gate-roads", "--radius", "x"], "--radius 的值无效：“x”不是数字。"),
        (["gate-roads", "--radiu", "5"], "没有选项 --radiu。是不是想用 --radius、--roads？"),
        (["export"], "缺少参数 KIND。"),
        (["export", "enterprises", "--format", "docx"], "可选：gpkg、shp、geojson"),
        (["indicators", "--by", "nowhere"], "“nowhere”不是可选值"),
        (["nosuch"], "没有命令“nosuch”。"),
        (["buffer", "stations"], "缺少选项 --distance。"),
        (["gate-roads", "extra"], "多出了参数（extra）。"),
        (["patrol", "plan", "--teams", "x"], "“x”不是整数。"),
    ],
)
def test_clicks_own_sentences_are_said_in_chinese(args, said):
    result = CliRunner().invoke(main, args, prog_name="geoair")
    assert result.exit_code == 2, result.output
    error = result.output.splitlines()[-1]
    assert said in error, result.output
    assert english_sentences(error) == [], error
    english = CliRunner().invoke(main, ["--lang", "en", *args], prog_name="geoair")
    assert english.output.splitlines()[-1].startswith("Error: ")
    assert not CJK.search(english.output.splitlines()[-1].replace("“", "")), english.output


def test_a_value_out_of_range_is_said_in_chinese():
    result = CliRunner().invoke(main, ["patrol", "plan", "--teams", "0"], prog_name="geoair")
    assert result.exit_code == 2 and "0 不在允许的范围 x>=1 内。" in result.output, result.output
