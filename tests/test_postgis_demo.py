"""`geoair demo URL` and the commands after it against the tests' PostGIS server."""

from __future__ import annotations

import os
import socket
import subprocess
import tomllib

import pandas.testing as pdt
import pytest
from click.testing import CliRunner

from geoair.cli import main
from geoair.store.open import open_workspace
from geoair.workflows.demo import STEPS
from geoair.workflows.sample_data import sample_layers_dir

pytestmark = pytest.mark.slow  # a PostgreSQL server and the demo against it


@pytest.fixture(scope="module")
def pg_demo(pg_server, tmp_path_factory):
    """The demo built once in schema ``demo``, run from a temporary folder (its rejects,
    outputs and readings land there), with Python's network connections refused: only
    the database is reached (by libpq)."""
    folder = tmp_path_factory.mktemp("pgdemo")
    url = pg_server.url("geoair_tests", schema="demo")
    real_connect = socket.socket.connect

    def no_network(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"network is off in tests (tried {address})")
        return real_connect(self, address)

    cwd = os.getcwd()
    os.chdir(folder)
    socket.socket.connect = no_network
    try:
        result = CliRunner().invoke(main, ["demo", url])
    finally:
        socket.socket.connect = real_connect
        os.chdir(cwd)
    return url, folder, result


@pytest.fixture
def in_demo_folder(pg_demo, monkeypatch):
    url, folder, result = pg_demo
    assert result.exit_code == 0, result.output + repr(result.exception)
    monkeypatch.chdir(folder)
    return url, folder


def test_the_demo_runs_every_step_against_the_database(pg_demo, pg_server):
    url, folder, result = pg_demo
    assert result.exit_code == 0, result.output + repr(result.exception)
    for number, step in enumerate(STEPS, start=1):
        assert f"[{number}/{len(STEPS)}] {step.title}" in result.output
    assert "演示工作区：postgresql://postgres:***@127.0.0.1" in result.output
    assert pg_server.password not in result.output
    assert (folder / "outputs" / "maps" / "map.html").exists()
    assert any((folder / "rejects").iterdir())  # the planted bad rows, as files here
    assert any((folder / "readings" / "hourly").rglob("*.parquet"))


def test_the_demo_database_holds_every_layer(in_demo_folder):
    url, _ = in_demo_folder
    ws = open_workspace(url)
    manifest = tomllib.loads((sample_layers_dir() / "manifest.toml").read_text("utf-8"))
    kinds = {entry["kind"] for entry in manifest["import"]}
    assert kinds - set(ws.layers()) == set()
    derived = {"gate_roads", "sweep_tasks", "station_daily", "park_scores", "source_suspects"}
    assert derived <= set(ws.layers())
    assert set(ws.read("counties")["name"]) == {"城区", "矿区", "郊区", "平定县", "盂县"}
    assert len(ws.read("enterprises")) == 155
    assert ws.read("sweep_tasks")["length_m"].sum() == pytest.approx(58911, abs=1)
    ws.close()


@pytest.mark.parametrize(
    "command",
    [
        ["gate-roads"],
        ["buffer", "stations", "--distance", "1000"],
        ["indicators", "--period", "month", "--by", "county"],
        ["targets", "check", "--month", "2020-11"],
        ["scores", "parks", "--month", "2024-03"],
        ["sources", "near", "--radius", "3000"],
        ["patrol", "risk", "--date", "2024-03-05", "--top", "5"],
        ["map"],
        ["export", "enterprises", "--format", "geojson"],
        ["forms", "--month", "2024-03"],
        ["surface", "PM2.5", "--period", "2024-03"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_commands_run_on_the_database_workspace(in_demo_folder, command):
    url, _ = in_demo_folder
    result = CliRunner().invoke(main, [*command, "-w", url])
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_ogrinfo_opens_the_layers(in_demo_folder, pg_server):
    source = (
        f"PG:host=127.0.0.1 port={pg_server.port} dbname=geoair_tests user=postgres "
        f"password={pg_server.password} active_schema=demo"
    )
    done = subprocess.run(
        ["ogrinfo", "-ro", "-so", source, "enterprises"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Feature Count: 155" in done.stdout
    assert "Geometry: Point" in done.stdout
    assert 'ID["EPSG",4326]' in done.stdout
    assert "FID Column = fid" in done.stdout
    assert "Geometry Column = geom" in done.stdout
    lines = subprocess.run(
        ["ogrinfo", "-ro", "-so", source, "gate_roads"], capture_output=True, text=True
    )
    assert "Geometry: Multi Line String" in lines.stdout
    assert "Feature Count: 498" in lines.stdout


def test_importing_a_sample_file_again_changes_nothing(in_demo_folder):
    url, _ = in_demo_folder
    ws = open_workspace(url)

    def snapshot():
        return ws.connection.execute(
            'SELECT xmin::text, t::text FROM "demo".enterprises t ORDER BY fid'
        ).fetchall(), len(ws.read("import_log"))

    before = snapshot()
    sample = sample_layers_dir() / "enterprises.xlsx"
    result = CliRunner().invoke(
        main, ["import", "enterprises", str(sample), "--coords", "gcj02", "-w", url]
    )
    assert result.exit_code == 0, result.output
    assert "导入 155 行（其中替换已有的 155 行）" in result.output
    assert snapshot() == before
    ws.close()


def test_copy_to_a_folder_and_back_keeps_every_frame(in_demo_folder, pg_server, tmp_path):
    url, _ = in_demo_folder
    folder = tmp_path / "from-db"
    back = pg_server.url("geoair_tests", schema="demo_back")
    runner = CliRunner()
    out = runner.invoke(main, ["copy", url, str(folder)])
    assert out.exit_code == 0, out.output
    assert "小时监测数据（6 个文件）" in out.output
    home = runner.invoke(main, ["copy", str(folder), back, "--readings", str(tmp_path / "r")])
    assert home.exit_code == 0, home.output
    db, local, again = open_workspace(url), open_workspace(folder), open_workspace(back)
    assert sorted(db.layers()) == sorted(local.layers()) == sorted(again.layers())
    for name in db.layers():
        frame = db.read(name)
        pdt.assert_frame_equal(local.read(name), frame, obj=name)
        pdt.assert_frame_equal(again.read(name), frame, obj=name)
    db.close()
    again.close()
