"""The message catalogue: every id in both languages, the same placeholders, the language
chosen by --lang, GEOAIR_LANG or the default (Chinese)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from geoair.cli import main
from geoair.messages import (
    MESSAGES,
    in_language,
    language,
    layer_name,
    placeholders,
    say_basis,
    say_validity,
    set_language,
    t,
    use_language,
    yes_no,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(message_id):
    zh, en = MESSAGES[message_id]
    assert zh and en
    assert placeholders(zh) == placeholders(en), message_id
    assert re.fullmatch(r"[a-z_0-9]+(\.[A-Za-z_0-9县园区]+)+", message_id)


def test_english_wordings_have_no_chinese_but_where_they_quote_data():
    # Chinese inside an English wording is allowed only in the few ids that name a
    # document's own words; everything else must be English.
    allowed = {"indicators.no_members"}  # 国控/省控: the station kinds as stored
    allowed.add("web.other_lang")  # the link to the other language, named in that language
    # the command line's help, where it quotes an example's file name (清扫任务.xlsx), a
    # document (阳环函〔2024〕6号, 附件2), a column (检查日期), a county, station or place
    # (郊区, 赛鱼站, 市生态环境局) or the web app's and map's own words (概览, 测距)
    allowed |= {
        "help.buffer",
        "help.forms",
        "help.forms.county",
        "help.gate_roads",
        "help.gate_roads.radius",
        "help.import",
        "help.import.date",
        "help.indicators",
        "help.map",
        "help.map.county",
        "help.patrol.plan.start",
        "help.serve",
        "help.sources",
        "help.sources.wind.station",
    }
    # errors that name the Chinese column headers to write (经度, 检查日期, 站点名称, 污染物)
    # or quote the document (附件2, a month written 10 月)
    allowed |= {
        "error.import.no_lon_lat",
        "error.import.no_inspection_date",
        "error.import.no_enterprise_column",
        "error.readings.annex_no_year",
        "error.readings.no_station_time",
        "error.readings.no_pollutants",
    }
    offenders = [
        key
        for key, (_, en) in MESSAGES.items()
        if CJK.search(en) and not key.startswith("settings.toml.")  # documents' titles
    ]
    assert set(offenders) <= allowed, offenders


def test_chinese_is_the_default_and_english_is_chosen(monkeypatch):
    monkeypatch.delenv("GEOAIR_LANG", raising=False)
    assert language() == "zh" and t("word.met") == "达标"
    monkeypatch.setenv("GEOAIR_LANG", "en_US.UTF-8")
    assert language() == "en" and t("word.met") == "met"
    monkeypatch.setenv("GEOAIR_LANG", "klingon")
    assert language() == "zh"
    with use_language("en"):
        assert t("word.valid") == "valid" and yes_no(True) == "yes"
    assert yes_no(False) == "否" and yes_no(None) is None
    set_language("en")
    assert t("word.no") == "no"
    set_language(None)
    assert t("word.no") == "否"
    with pytest.raises(ValueError):
        set_language("fr")


def test_values_are_formatted_by_the_wording():
    assert t("gate_roads.county_line", county="郊区", length=1234.56, enterprises=2, gates=3) == (
        "  郊区：1,234.6 米，2 家企业，3 个厂门"
    )
    with use_language("en"):
        assert t("patrol.team_km", team=1, km=231.94) == "team 1 231.9 km"


def test_bilingual_messages_show_one_half():
    text = "文件 a.csv 是空的（0字节），请从原系统重新导出。 / a.csv is empty (0 bytes). Export it."
    assert in_language(text) == "文件 a.csv 是空的（0字节），请从原系统重新导出。"
    with use_language("en"):
        assert in_language(text) == "a.csv is empty (0 bytes). Export it."
    assert in_language("plain text / with a slash") == "plain text / with a slash"
    assert in_language("单位 g/m² 不对") == "单位 g/m² 不对"


def test_stored_words_are_said_in_the_language():
    assert say_validity("valid") == "有效"
    assert say_validity("invalid: PM2.5 24/27 days; PM10 24/27 days") == (
        "无效：PM2.5 有效天数24/27；PM10 有效天数24/27"
    )
    assert say_validity("invalid: 20/27 days with an AQI") == "无效：有AQI的天数20/27"
    assert say_validity("no data: no station readings for this target").startswith("无数据")
    with use_language("en"):
        assert say_validity("invalid: PM2.5 24/27 days") == "invalid: PM2.5 24/27 days"
        assert say_validity("valid") == "valid"
    basis = (
        "daily mean of 1 station(s) in park 甲园区 (开发区 is judged from its park: park name "
        "contains the unit's name)"
    )
    assert (
        say_basis(basis)
        == "1个站点的日均值（园区 甲园区 内；开发区按其园区评价：园区名称含该单位名称）"
    )
    assert layer_name("county_quarterly") == "县区季度值"
    assert layer_name("enterprises") == "企业"
    with use_language("en"):
        assert layer_name("enterprises") == "enterprises"


def test_cli_lang_option_and_environment(tmp_path, monkeypatch):
    runner = CliRunner()
    zh = runner.invoke(main, ["init", str(tmp_path / "a")])
    assert zh.exit_code == 0 and zh.output.startswith("已建立工作区")
    en = runner.invoke(main, ["--lang", "en", "init", str(tmp_path / "b")])
    assert en.exit_code == 0 and en.output.startswith("created workspace")
    monkeypatch.setenv("GEOAIR_LANG", "en")
    env = runner.invoke(main, ["init", str(tmp_path / "c")])
    assert env.output.startswith("created workspace")
    over = runner.invoke(main, ["--lang", "zh", "init", str(tmp_path / "d")])
    assert over.output.startswith("已建立工作区")  # the option wins over the variable


def test_every_error_class_reads_chinese_first_on_the_command_line():
    import geoair.errors as errors
    from geoair.cli import _error_text

    for name in errors.__all__:
        cls = getattr(errors, name)
        text = _error_text(cls("Cannot write x.csv: permission denied. Close Excel."))
        assert text.startswith("错误："), text
        assert CJK.match(text[len("错误：") :]), (name, text)
        assert f"error_kind.{name}" in MESSAGES
    with use_language("en"):
        text = _error_text(errors.OutputError("Cannot write x.csv."))
        assert text == "Error: Cannot write x.csv."


def _chinese_literals(folder: str) -> dict[str, str]:
    """Chinese string constants of the modules in ``folder`` (docstrings left out)."""
    import ast
    from pathlib import Path

    found = {}
    for path in sorted((Path(__file__).resolve().parents[1] / folder).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and ast.get_docstring(node, clean=False)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CJK.search(node.value)
                and id(node) not in docs
            ):
                found.setdefault(node.value, f"{path.name}:{node.lineno}")
    return found


# Chinese literals of geoair/maps that are not labels: values compared with the data
# (stored in Chinese), column names looked for, patterns.
_MAP_DATA_LITERALS = {"是", "否", "无主", "总分", "得分", "排名", "无", "组"}


def test_every_map_label_has_its_english():
    from geoair.messages import MAP_WORDS, say_map

    missing = {}
    for text, where in _chinese_literals("geoair/maps").items():
        if text in _MAP_DATA_LITERALS or "|" in text or text.startswith("<"):
            continue
        with use_language("en"):  # a piece of an f-string: said with what precedes it
            said = say_map(text), say_map("2024-03" + text), say_map(text + "1组")
        if said == (text, "2024-03" + text, text + "1组") and text not in MAP_WORDS:
            missing[text] = where
    assert missing == {}


# "中文。 / English.": Chinese, then " / ", then an English word with a capital (or a value
# or a command-line option, as some English halves began).
_INLINE_BILINGUAL = re.compile(r"[\u4e00-\u9fff][^\n]*?\s/\s+(?:[A-Z][a-z]*|\{|--)")


def _string_literals(path):
    """(line, text) of every string literal of a module but its docstrings: a constant
    (implicitly concatenated literals are one constant) or an f-string, its values shown
    as ``{}``."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and ast.get_docstring(node, clean=False)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(value) for value in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            yield node.lineno, text
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def test_no_message_is_written_inline_in_both_languages():
    # Every sentence geoair says is in the catalogue and said by t() in one language; a
    # "中文。 / English." literal in the code would show both languages to every user.
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "geoair"
    found = [
        f"{path.relative_to(package.parent)}:{line}: {text[:60]}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "messages.py"
        for line, text in _string_literals(path)
        if _INLINE_BILINGUAL.search(text)
    ]
    assert found == []


def test_the_inline_bilingual_check_finds_them():
    samples = [
        "文件是空的。 / The file is empty.",
        "工作区 {root} 不可写。 / {root} cannot be written.",
        "--units 只用于监测数据。 / --units is for readings only.",
    ]
    assert all(_INLINE_BILINGUAL.search(s) for s in samples)
    assert not _INLINE_BILINGUAL.search("单位 g/m² 不对")
    assert not _INLINE_BILINGUAL.search("全程 12.5 公里")
