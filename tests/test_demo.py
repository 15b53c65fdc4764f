"""`geoair demo` end to end, in a temporary folder, offline."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from geoair.cli import main
from geoair.store.open import open_workspace
from geoair.workflows.demo import STEPS
from geoair.workflows.sample_data import sample_layers_dir

pytestmark = pytest.mark.slow  # the demo runs every analysis: about a minute


@pytest.fixture(scope="module")
def demo_run(demo_workspace):
    """The demo, run once per test session with the network off (see conftest)."""
    return demo_workspace


def test_demo_runs_every_step(demo_run):
    folder, result = demo_run
    assert result.exit_code == 0, result.output + repr(result.exception)
    for number, step in enumerate(STEPS, start=1):
        assert f"[{number}/{len(STEPS)}] {step.title}" in result.output
    assert f"演示工作区：{folder.resolve()}" in result.output


def test_demo_imports_every_sample_file(demo_run):
    folder, _ = demo_run
    ws = open_workspace(folder)
    manifest = tomllib.loads((sample_layers_dir() / "manifest.toml").read_text("utf-8"))
    kinds = {entry["kind"] for entry in manifest["import"]}
    missing = kinds - set(ws.layers())
    assert not missing
    assert len(ws.read("counties")) == 5
    assert set(ws.read("counties")["name"]) == {"城区", "矿区", "郊区", "平定县", "盂县"}
    stations = ws.read("stations")
    national = {"市中心站", "赛鱼站", "南庄站", "白羊墅站", "平坦站", "大阳泉站"}
    assert national <= set(stations["name"])


def test_demo_rejects_the_planted_bad_rows_and_keeps_the_rest(demo_run):
    folder, _ = demo_run
    rejects = sorted(p.name for p in (folder / "rejects").iterdir())
    assert any(name.startswith("inspections-") for name in rejects)
    ws = open_workspace(folder)
    assert len(ws.read("inspections")) > 150


def test_demo_writes_outputs(demo_run):
    folder, _ = demo_run
    outputs = [p for p in (folder / "outputs").rglob("*") if p.is_file()]
    assert outputs
    assert not [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]
    assert not (folder / ".geoair.lock").exists()


def test_the_readme_python_example_runs_on_the_demo_workspace(demo_run):
    folder, _ = demo_run
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert 'open_workspace("geoair-demo")' in code
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        env={
            "MPLBACKEND": "Agg",
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder.parent),
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),  # the checkout tested
        },
    )
    assert run.returncode == 0, run.stderr
    assert "盂县" in run.stdout and "gate_road" in run.stdout
    assert (folder.parent / "赛鱼站_PM2.5.png").stat().st_size > 10_000


def test_demo_again_in_the_same_folder_gives_the_same_workspace(demo_run):
    folder, _ = demo_run
    ws = open_workspace(folder)
    before = {name: len(ws.read(name)) for name in ws.layers()}
    result = CliRunner().invoke(main, ["demo", str(folder)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    after = {name: len(ws.read(name)) for name in ws.layers()}
    assert after == before
