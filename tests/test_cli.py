"""The command line: init, import, and clear errors with a non-zero exit."""

from __future__ import annotations

from click.testing import CliRunner

from geoair.cli import main


def test_init_makes_a_workspace(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "workspace.gpkg").exists()
    assert "radius_m = 100.0" in (tmp_path / "w" / "geoair.toml").read_text("utf-8")
    again = CliRunner().invoke(main, ["init", str(tmp_path / "w")])
    assert again.exit_code == 1
    assert "已经是 geoair 工作区" in again.output


def test_import_reports_counts_and_rejects(tmp_path, ledger_csv):
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "w")])
    bad = ledger_csv.read_text("utf-8") + "E9,海外公司,城区,水泥,是,A,正常生产,2.35,48.85\n"
    ledger_csv.write_text(bad, encoding="utf-8")
    result = runner.invoke(
        main, ["import", "enterprises", str(ledger_csv), "-w", str(tmp_path / "w")]
    )
    assert result.exit_code == 0, result.output
    assert "导入 3 行" in result.output and "拒收 1 行" in result.output
    assert (tmp_path / "w" / "rejects" / "enterprises-enterprises.csv").exists()
    english = runner.invoke(
        main, ["--lang", "en", "import", "enterprises", str(ledger_csv), "-w", str(tmp_path / "w")]
    )
    assert "3 imported" in english.output and "1 rejected" in english.output


def test_workspace_from_environment(tmp_path, ledger_csv, monkeypatch):
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "w")])
    monkeypatch.setenv("GEOAIR_WORKSPACE", str(tmp_path / "w"))
    result = runner.invoke(main, ["import", "enterprises", str(ledger_csv)])
    assert result.exit_code == 0, result.output


def test_errors_are_one_sentence_and_exit_1(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["import", "enterprises", "nope.csv", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("错误：") and "中没有 geoair 工作区" in result.output
    assert "Traceback" not in result.output
    runner.invoke(main, ["init", str(tmp_path / "w")])
    result = runner.invoke(main, ["import", "factories", "x.csv", "-w", str(tmp_path / "w")])
    assert result.exit_code == 1
    assert "“factories”不是可导入的类型" in result.output
    result = runner.invoke(
        main,
        ["--lang", "en", "import", "factories", "x.csv", "-w", str(tmp_path / "w")],
    )
    assert "Unknown kind 'factories'" in result.output
    result = runner.invoke(
        main, ["import", "enterprises", str(tmp_path / "none.csv"), "-w", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    # A bilingual message shows the half of the language asked for.
    assert "none.csv 不存在，请检查文件名和文件夹。" in result.output
    assert "does not exist" not in result.output
    result = runner.invoke(
        main,
        [
            "--lang",
            "en",
            "import",
            "enterprises",
            str(tmp_path / "none.csv"),
            "-w",
            str(tmp_path / "w"),
        ],
    )
    assert "does not exist" in result.output and "不存在" not in result.output


def test_bad_settings_file_is_reported(tmp_path, ledger_csv):
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "w")])
    (tmp_path / "w" / "geoair.toml").write_text("[gate_roads]\nradius = 5\n", encoding="utf-8")
    result = runner.invoke(
        main, ["import", "enterprises", str(ledger_csv), "-w", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert "未知的设置 gate_roads.radius（" in result.output


def test_out_to_a_folder_that_cannot_be_written_leaves_nothing(tmp_path):
    import os

    import pandas as pd
    import pytest

    from geoair.errors import OutputError
    from geoair.io.writers import write_table

    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a file as a folder
            target = tmp_path / "afile" / "out.csv"
            (tmp_path / "afile").write_text("x")
        else:
            target = locked / "out.csv"
        with pytest.raises(OutputError, match="无法写入"):
            write_table(pd.DataFrame({"a": [1]}), target)
        assert not target.exists()
    finally:
        os.chmod(locked, 0o700)
    assert not [p for p in tmp_path.rglob(".out-*")]
