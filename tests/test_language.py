"""Every command on the demo workspace, in Chinese (the default) and in English.

Chinese output holds no English sentence: no run of three or more English words outside
paths, file names, identifiers (``gate_roads``), units and the ``geoair`` commands it
suggests. English output holds no Chinese but data values (names, reasons written for the
clerk, values stored in the workspace) and paths. Report tables written with ``--out``
have Chinese headers in Chinese and identifiers in English.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from language_checks import CJK, chinese_runs, english_sentences

from geoair.cli import main
from geoair.store.open import open_workspace

pytestmark = pytest.mark.slow


def test_the_sentence_check_itself():
    assert english_sentences("note: only 2 of 5 gates have a road") != []
    assert english_sentences("已写入 /tmp/a b/清扫任务.xlsx") == []
    assert english_sentences("请运行 geoair indicators --period month --by station") == []
    assert english_sentences("图层 gate_roads、gate_buffers 已写入 workspace.gpkg") == []
    assert english_sentences("PM2.5 2024-03：反距离加权插值（幂 2，近邻 10）") == []


@pytest.fixture(scope="module")
def demo_copy(demo_workspace, tmp_path_factory) -> Path:
    folder, result = demo_workspace
    assert result.exit_code == 0, result.output
    copy = tmp_path_factory.mktemp("lang") / "ws"
    shutil.copytree(folder, copy)
    return copy


def _commands(ws: Path, out: Path) -> list[list[str]]:
    layers = Path(__file__).resolve().parents[1] / "layers"
    w = ["-w", str(ws)]
    return [
        ["import", "enterprises", str(layers / "enterprises.xlsx"), "--coords", "gcj02", *w],
        ["gate-roads", *w, "--out", str(out / "清扫任务.xlsx")],
        ["buffer", "stations", "--distance", "1000", *w, "--out", str(out / "buf.csv")],
        ["indicators", "--by", "county", *w, "--out", str(out / "ind.csv")],
        ["targets", "check", "--month", "2020-11", *w, "--out", str(out / "tc.xlsx")],
        ["scores", "assign", *w],
        ["scores", "parks", *w],
        ["scores", "enterprises", "--benchmark", *w],
        ["sources", "near", *w, "--out", str(out / "near.xlsx")],
        ["sources", "wind", "--station", "赛鱼站", "--period", "2020-10/2020-12", *w],
        ["sources", "suspects", "--station", "赛鱼站", "--freq", "quarter", *w],
        ["patrol", "risk", "--date", "2024-03-28", "--top", "5", *w, "--out", str(out / "r.xlsx")],
        ["patrol", "plan", "--date", "2024-03-28", *w],
        ["map", "--county", "郊区", *w],
        ["map", "--png", "--month", "2020-11", *w, "--out", str(out / "m.png")],
        ["export", "enterprises", "--format", "xlsx", *w, "--out", str(out / "e.xlsx")],
        ["forms", "--month", "2020-12", *w],
        ["surface", "PM2.5", "--period", "2024-01", *w],
        ["settings", "show", *w],
        ["check", *w],
        ["users", "list", *w],
        ["copy", str(ws), str(out / "copy")],
    ]


def _data_text(ws: Path) -> str:
    """Every text value the workspace holds (and its settings, rejects and file names):
    what English output may quote in Chinese."""
    workspace = open_workspace(ws)
    parts = [(ws / "geoair.toml").read_text("utf-8")]
    for name in workspace.layers():
        frame = pd.DataFrame(workspace.read(name)).drop(columns="geometry", errors="ignore")
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                parts += [str(v) for v in frame[column].dropna().unique()]
    parts += [p.read_text("utf-8-sig") for p in (ws / "rejects").glob("*.csv")]
    parts += [p.name for p in ws.rglob("*")]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_speaks_one_language(demo_copy, tmp_path, lang):
    runner = CliRunner()
    outputs = []
    for args in _commands(demo_copy, tmp_path):
        result = runner.invoke(main, ["--lang", lang, *args])
        assert result.exit_code == 0, (args, result.output)
        outputs.append((args, result.output))
    for args in (
        ["users", "add", "wang"],
        ["users", "passwd", "wang"],
        ["users", "remove", "wang"],
    ):
        password = "correct horse battery\n" * 2
        result = runner.invoke(main, ["--lang", lang, *args, "-w", str(demo_copy)], input=password)
        assert result.exit_code == 0, (args, result.output)
        outputs.append((args, result.output))
    # the values the commands stored (risk reasons, notes) count as data too
    data = _data_text(demo_copy) if lang == "en" else ""
    for args, text in outputs:
        if lang == "zh":
            assert english_sentences(text) == [], (args, text)
            assert CJK.search(text), args
        else:
            stray = [run for run in chinese_runs(text) if run not in data]
            assert stray == [], (args, stray, text)


def _headers(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return list(pd.read_csv(path, encoding="utf-8-sig", nrows=1).columns)
    return [c for sheet in pd.read_excel(path, sheet_name=None, nrows=1).values() for c in sheet]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_tables_have_the_languages_headers(demo_copy, tmp_path, lang):
    runner = CliRunner()
    for args in _commands(demo_copy, tmp_path):
        if "--out" not in args or not args[args.index("--out") + 1].endswith((".csv", ".xlsx")):
            continue
        result = runner.invoke(main, ["--lang", lang, *args])
        assert result.exit_code == 0, (args, result.output)
        headers = _headers(Path(args[args.index("--out") + 1]))
        identifiers = [h for h in headers if re.fullmatch(r"[a-z][a-z0-9_]*", str(h))]
        if lang == "zh":
            assert identifiers == [], (args, identifiers)
        else:
            assert identifiers and not any(CJK.search(str(h)) for h in headers), (args, headers)


def test_the_readmes_sweeping_table_starts_with_chinese_headers(demo_copy, tmp_path):
    out = tmp_path / "清扫任务.xlsx"
    result = CliRunner().invoke(main, ["gate-roads", "-w", str(demo_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_excel(out)
    assert list(table.columns[:3]) == ["企业编号", "企业名称", "县区"]
    lengths = table["长度（米）"]
    assert (lengths == lengths.round(1)).all()
    assert 763.0 in set(lengths)  # 762.96... m in the workspace


def _page_text(html: str) -> str:
    """What a reader sees of a page: text outside tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", html)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_of_the_web_app_speaks_one_language(demo_copy, lang):
    import httpx

    from geoair.web.server import start_in_thread

    running = start_in_thread(open_workspace(demo_copy))
    data = _data_text(demo_copy) if lang == "en" else ""
    try:
        with httpx.Client(base_url=running.url, timeout=120) as http:
            pages = {
                path: http.get(path, params={"lang": lang})
                for path in ("/", "/import", "/work", "/map", "/downloads", "/layers/enterprises")
            }
        for path, page in pages.items():
            assert page.status_code == 200, path
            text = _page_text(page.text)
            if lang == "zh":
                assert english_sentences(text) == [], (path, english_sentences(text))
                assert CJK.search(text), path
            else:
                # the switch to Chinese is named in Chinese
                stray = [run for run in chinese_runs(text) if run not in data and run != "中文"]
                assert stray == [], (path, stray)
    finally:
        running.stop()
