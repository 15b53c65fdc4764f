"""The workspace in PostgreSQL/PostGIS, against a real server started by the tests.

The server (``pg_server`` in conftest.py) is Debian's PostgreSQL with PostGIS, made
with initdb in a temporary folder on a free port, with password authentication.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import psycopg
import pytest
import shapely
from click.testing import CliRunner

from geoair.cli import main
from geoair.errors import ConfigError, WorkspaceError
from geoair.imports.pipeline import import_file
from geoair.store.open import init_workspace, is_database_url, open_workspace
from geoair.store.pg_connect import mask_url, parse_url
from geoair.store.pg_server import free_port
from geoair.store.postgis import LAYER_COMMENT, PostGISWorkspace

REPO = Path(__file__).resolve().parents[1]
HEADER = "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """These tests read the command line's English (tests/test_language.py checks that
    every command speaks Chinese by default)."""
    monkeypatch.setenv("GEOAIR_LANG", "en")


def ledger(path: Path, prefix: str, n: int, *, name: str = "公司") -> Path:
    """An enterprise ledger of n rows with ids PREFIX0000.. inside Shanxi."""
    rows = [
        f"{prefix}{i:04d},阳泉市{prefix}{i}{name},郊区,焦化,是,B,正常生产,"
        f"{113.0 + (i % 97) * 0.01:.5f},{37.5 + (i % 89) * 0.01:.5f}\n"
        for i in range(n)
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def rows_of(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(parse_url(url).conninfo, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []


def snapshot(ws: PostGISWorkspace, name: str) -> list[tuple]:
    """Every row with its fid and xmin: a row rewritten (even identically) changes xmin."""
    return rows_of(
        ws.url.url,
        f'SELECT xmin::text, t::text FROM "{ws.schema}"."{name}" t ORDER BY fid',
    )


def geoair_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


# --- naming a database -----------------------------------------------------------------


def test_mask_url_hides_every_password():
    assert mask_url("postgresql://ana:s3cr%40t@db:5432/gis") == "postgresql://ana:***@db:5432/gis"
    assert mask_url("postgresql://ana@db/gis?password=x&schema=a") == (
        "postgresql://ana@db/gis?password=***&schema=a"
    )
    assert mask_url("postgresql://db/gis") == "postgresql://db/gis"


def test_parse_url_takes_the_schema_out_of_what_libpq_reads():
    url = parse_url("postgresql://ana:pw@db:5433/gis?schema=bureau&sslmode=disable")
    assert url.schema == "bureau"
    assert url.conninfo == "postgresql://ana:pw@db:5433/gis?sslmode=disable"
    assert url.server == "postgresql://ana:***@db:5433/gis"
    assert parse_url("postgres://db/gis").schema == "geoair"
    with pytest.raises(WorkspaceError, match="not a database geoair can use"):
        parse_url("mysql://db/gis")
    with pytest.raises(WorkspaceError, match="schema name"):
        parse_url("postgresql://db/gis?schema=a-b")


def test_a_string_with_scheme_is_never_taken_as_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = free_port()
    result = CliRunner().invoke(main, ["init", f"postgresql://nobody@127.0.0.1:{port}/gis"])
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []  # no folder "postgresql:" made
    result = CliRunner().invoke(main, ["init", "ftp://server/share"])
    assert result.exit_code == 1
    assert "not a database geoair can use" in result.output
    assert list(tmp_path.iterdir()) == []
    assert is_database_url("postgresql://a@b/c")
    assert is_database_url(Path("postgresql://a@b/c"))  # a Path lost one slash
    assert not is_database_url(Path("C:/data/ws")) and not is_database_url("geoair-demo")
    with pytest.raises(WorkspaceError, match="pass it as text"):
        open_workspace(Path("postgresql://a@b/c"))


def _one_sentence(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_wrong_password_is_one_sentence(pg_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = pg_server.url("geoair_tests", password="not-the-password", schema="nope")
    result = CliRunner().invoke(main, ["init", url])
    assert result.exit_code == 1
    line = _one_sentence(result.output)
    assert "refused the password of user postgres" in line
    assert "not-the-password" not in line
    assert "postgresql://postgres:***@127.0.0.1" in line


def test_an_unreachable_server_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(
        main, ["indicators", "-w", f"postgresql://ana:pw@127.0.0.1:{port}/gis"]
    )
    assert result.exit_code == 1
    line = _one_sentence(result.output)
    assert f"Cannot reach the database server 127.0.0.1:{port} (connection refused" in line
    assert ":pw@" not in line


def test_a_missing_database_and_a_missing_workspace_say_what_to_do(pg_server, pg_url):
    with pytest.raises(WorkspaceError, match="There is no database nowhere"):
        open_workspace(pg_server.url("nowhere"))
    with pytest.raises(WorkspaceError, match="no geoair workspace in schema"):
        open_workspace(pg_url)


# --- credentials -----------------------------------------------------------------------


def test_credentials_from_pgpassword_pgpass_and_a_service_file(pg_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port, secret = pg_server.port, pg_server.password
    bare = f"postgresql://postgres@127.0.0.1:{port}/geoair_tests"
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(WorkspaceError, match="wants a password for user postgres"):
        init_workspace(bare + "?schema=cred_none")

    monkeypatch.setenv("PGPASSWORD", secret)
    init_workspace(bare + "?schema=cred_env").close()
    monkeypatch.delenv("PGPASSWORD")

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:geoair_tests:postgres:{secret}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    open_workspace(bare + "?schema=cred_env").close()
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))

    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[bureau]\nhost=127.0.0.1\nport={port}\ndbname=geoair_tests\n"
        f"user=postgres\npassword={secret}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    ws = open_workspace("postgresql://?service=bureau&schema=cred_env")
    assert ws.schema == "cred_env"
    assert secret not in ws.location and secret not in ws.store_label
    ws.close()


def test_the_password_is_never_printed(pg_url, pg_server, tmp_path, monkeypatch, ledger_csv):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = [runner.invoke(main, ["init", pg_url])]
    outputs.append(runner.invoke(main, ["import", "enterprises", str(ledger_csv), "-w", pg_url]))
    outputs.append(runner.invoke(main, ["import", "parks", str(ledger_csv), "-w", pg_url]))
    outputs.append(runner.invoke(main, ["settings", "show", "-w", pg_url]))
    assert [r.exit_code for r in outputs] == [0, 0, 1, 0]
    for result in outputs:
        assert pg_server.password not in result.output
    assert "postgres:***@" in outputs[0].output


# --- making a workspace ----------------------------------------------------------------


def test_init_makes_the_schema_and_tables_and_refuses_a_second_time(pg_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", pg_url, "--readings", str(tmp_path / "shared")])
    assert result.exit_code == 0, result.output
    assert "settings: stored in the database" in result.output
    ws = open_workspace(pg_url)
    tables = {
        r[0]
        for r in rows_of(
            pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = %s", (ws.schema,)
        )
    }
    assert tables == {"geoair_meta", "geoair_settings"}
    assert ws.layers() == []
    assert ws.readings_dir == tmp_path / "shared"
    assert (tmp_path / "shared").is_dir()
    assert ws.settings.gate_roads.radius_m == 100.0
    assert "阳环函〔2024〕6号" in ws.settings_text()  # the commented TOML, stored as it is
    ws.close()
    again = CliRunner().invoke(main, ["init", pg_url])
    assert again.exit_code == 1
    assert "already holds a geoair workspace" in again.output


def test_init_without_the_right_to_add_postgis_says_who_must(pg_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pg_server.create_role("analyst", "analyst-pw")
    pg_server.create_database("bureau_nogis", postgis=False, owner="analyst")
    url = pg_server.url("bureau_nogis", user="analyst", password="analyst-pw")
    result = CliRunner().invoke(main, ["init", url])
    assert result.exit_code == 1
    line = _one_sentence(result.output)
    assert "a database superuser must run CREATE EXTENSION postgis;" in line
    assert (
        rows_of(
            pg_server.url("bureau_nogis"), "SELECT 1 FROM pg_namespace WHERE nspname = 'geoair'"
        )
        == []
    )
    pg_server.execute("CREATE EXTENSION postgis", database="bureau_nogis")
    result = CliRunner().invoke(main, ["init", url])
    assert result.exit_code == 0, result.output
    ws = open_workspace(url)
    ws.write("probe", gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(113, 37)], crs=4326))
    assert len(ws.read("probe")) == 1
    ws.close()


# --- the same contract as the GeoPackage -----------------------------------------------


def awkward_frames() -> dict[str, pd.DataFrame]:
    """Frames with every kind of column the capabilities write."""
    n = 4
    points = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name": ["阳泉", "", None, '多行\n文本, "引号"'],
            "count": [1, 2, 3, 4],
            "share": [0.1, np.nan, 1e-300, 1 / 3],
            "flag": [True, False, True, False],
            "maybe": pd.array([True, None, False, True], dtype="boolean"),
            "gaps": pd.array([1, None, 3, None], dtype="Int64"),
            "when": pd.to_datetime(
                ["2024-03-05 13:00:00", None, "2020-11-01 00:00:00", "2024-02-29 23:59:30"]
            ),
            "day": [dt.date(2024, 3, 5), None, dt.date(2020, 1, 1), dt.date(2024, 2, 29)],
            "items": [["A", "B"], None, ["C"], []],
            "mixed": pd.Series(["x", 3, None, 2.5], dtype=object),
            "nothing": pd.Series([None] * n, dtype=object),
            "PM2.5": [35.0, 75.5, np.nan, 0.0],
        },
        geometry=[
            shapely.Point(113.5, 37.85),
            None,
            shapely.Point(113.4, 38.1),
            shapely.Point(113.0, 37.0),
        ],
        crs=4326,
    )
    polygons = gpd.GeoDataFrame(
        {"zone": ["p", "q"]},
        geometry=[
            shapely.box(113, 37, 113.1, 37.1),
            shapely.MultiPolygon(
                [shapely.box(113, 38, 113.1, 38.1), shapely.box(114, 38, 114.1, 38.2)]
            ),
        ],
        crs=4326,
    )
    lines = gpd.GeoDataFrame(
        {"road": ["r1", "r2"]},
        geometry=[
            shapely.LineString([(113, 37), (113.2, 37.3)]),
            shapely.MultiLineString([[(113, 37), (113.1, 37)], [(113.2, 37), (113.3, 37.1)]]),
        ],
        crs=4326,
    )
    table = pd.DataFrame({"k": ["x", "y"], "v": [1.5, 2.5], "note": ["甲", None]})
    empty = pd.DataFrame({"k": pd.Series([], dtype=str), "v": pd.Series([], dtype=float)})
    single = pd.DataFrame({"v": [np.nan, 1.0, np.nan]})  # rows that are empty CSV lines
    bare = gpd.GeoDataFrame(geometry=[None, shapely.Point(113, 37), None], crs=4326)
    return {
        "points": points,
        "polygons": polygons,
        "lines": lines,
        "table": table,
        "empty": empty,
        "single": single,
        "bare": bare,
    }


def test_every_kind_of_column_reads_back_as_from_the_geopackage(pg_ws, ws):
    frames = awkward_frames()
    for target in (pg_ws, ws):
        with target.transaction() as tx:
            for name, frame in frames.items():
                tx.write(name, frame)
    assert sorted(pg_ws.layers()) == sorted(ws.layers())
    for name in frames:
        pdt.assert_frame_equal(pg_ws.read(name), ws.read(name))


def test_layers_are_postgis_tables_qgis_opens(pg_ws, monkeypatch):
    monkeypatch.setenv("GEOAIR_LANG", "zh")  # the clerk's language, for the refusal below
    pg_ws.write("points", awkward_frames()["points"])
    pg_ws.write("table", awkward_frames()["table"])
    url, schema = pg_ws.url.url, pg_ws.schema
    columns = rows_of(
        url,
        "SELECT f_geometry_column, srid, type FROM geometry_columns "
        "WHERE f_table_schema = %s AND f_table_name = 'points'",
        (schema,),
    )
    assert columns == [("geom", 4326, "POINT")]
    indexes = rows_of(
        url,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'points'",
        (schema,),
    )
    assert any("USING gist (geom)" in i for (i,) in indexes)
    assert any("(fid)" in i and "UNIQUE" in i for (i,) in indexes)  # the primary key
    assert rows_of(url, f"SELECT obj_description('\"{schema}\".points'::regclass)") == [
        (LAYER_COMMENT,)
    ]
    types = dict(
        rows_of(
            url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'points'",
            (schema,),
        )
    )
    assert types["flag"] == "boolean" and types["count"] == "bigint"
    assert types["when"] == "timestamp without time zone" and types["name"] == "text"
    # A table someone else made in the schema is left alone.
    rows_of(url, f'CREATE TABLE "{schema}".theirs (x int)')
    assert "theirs" not in pg_ws.layers()
    with pytest.raises(WorkspaceError, match="不是 geoair 建立的"):
        pg_ws.write("theirs", awkward_frames()["table"])


def test_a_rewrite_with_other_columns_replaces_the_table(pg_ws):
    pg_ws.write("t", pd.DataFrame({"a": [1, 2]}))
    pg_ws.write("t", pd.DataFrame({"a": [3]}))
    assert pg_ws.read("t")["a"].tolist() == [3]
    pg_ws.write("t", pd.DataFrame({"b": ["x"], "a": [1.5]}))
    pdt.assert_frame_equal(pg_ws.read("t"), pd.DataFrame({"b": ["x"], "a": [1.5]}))


def test_merge_and_add_new_answer_as_the_geopackage_does(pg_ws, ws):
    first = pd.DataFrame({"id": ["1", "2", "3"], "v": [1.0, 2.0, 3.0], "n": [1, 2, 3]})
    second = pd.DataFrame({"id": ["2", "4"], "v": [20.0, 40.0], "n": [2, 4], "extra": ["x", "y"]})
    answers = []
    for target in (pg_ws, ws):
        with target.transaction() as tx:
            answers.append(tx.merge("m", first, ("id",)))
        with target.transaction() as tx:
            answers.append(tx.merge("m", second, ("id",)))
            answers.append(tx.add_new("log", first, ("id",)))
        with target.transaction() as tx:
            answers.append(tx.add_new("log", second, ("id",)))
    assert answers[:4] == answers[4:] == [0, 1, 3, 1]
    got = pg_ws.read("m").sort_values("id").reset_index(drop=True)
    assert got["v"].tolist() == [1.0, 20.0, 3.0, 40.0]
    assert got["extra"].tolist()[1] == "x"
    assert pg_ws.read("log")["id"].tolist() == ["1", "2", "3", "4"]


# --- several writers -------------------------------------------------------------------


def test_a_reimport_of_the_same_file_leaves_the_tables_as_they_were(pg_ws, tmp_path):
    path = ledger(tmp_path / "ledger.csv", "E", 300)
    first = import_file(pg_ws, "enterprises", path)
    before = {name: snapshot(pg_ws, name) for name in ("enterprises", "import_log")}
    again = import_file(pg_ws, "enterprises", path)
    assert (first.imported, again.imported, again.replaced) == (300, 300, 300)
    after = {name: snapshot(pg_ws, name) for name in ("enterprises", "import_log")}
    assert after == before  # not a row rewritten: same fid, same xmin
    changed = path.read_text(encoding="utf-8").replace("阳泉市E7公司", "阳泉市E7有限公司")
    path.write_text(changed + "N0001,新企业,盂县,水泥,否,A,正常生产,113.4,38.08\n", "utf-8")
    import_file(pg_ws, "enterprises", path)
    frame = pg_ws.read("enterprises")
    assert len(frame) == 301 and frame["id"].is_unique
    assert frame.set_index("id").loc["E0007", "name"] == "阳泉市E7有限公司"
    assert len(pg_ws.read("import_log")) == 2


def test_a_whole_layer_rewrite_holds_an_advisory_lock(pg_ws):
    key = (pg_ws.schema, "stations")
    probe = "SELECT pg_try_advisory_xact_lock(hashtext(%s), hashtext(%s))"
    with pg_ws.transaction() as tx:
        tx.write("stations", pd.DataFrame({"id": ["S1"]}))
        assert rows_of(pg_ws.url.url, probe, key) == [(False,)]
    assert rows_of(pg_ws.url.url, probe, key) == [(True,)]


def test_a_writer_waiting_too_long_is_told_to_try_again(pg_ws):
    other = PostGISWorkspace(pg_ws.url.url)
    other.lock_timeout_s = 1
    with pg_ws.transaction() as tx:
        tx.write("gates", pd.DataFrame({"id": ["G1"]}))
        with pytest.raises(
            WorkspaceError, match=r"Another analyst was still writing gates after 1 s"
        ):
            other.write("gates", pd.DataFrame({"id": ["G2"]}))
    other.close()
    assert pg_ws.read("gates")["id"].tolist() == ["G1"]


def test_the_readings_lock_is_shared_by_every_analyst(pg_ws):
    probe = "SELECT pg_try_advisory_lock(hashtext(%s), hashtext('lock:readings'))"
    with pg_ws.lock("readings"):
        assert rows_of(pg_ws.url.url, probe, (pg_ws.schema,)) == [(False,)]
    assert rows_of(pg_ws.url.url, probe, (pg_ws.schema,)) == [(True,)]


def _waiting_geoair_backends(url: str) -> list[int]:
    return [
        pid
        for (pid,) in rows_of(
            url,
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = 'geoair'",
        )
    ]


def _wait_for(condition, what: str, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def _hold_layer_lock(url: str, schema: str, name: str) -> psycopg.Connection:
    conn = psycopg.connect(parse_url(url).conninfo)  # a transaction stays open
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (schema, name))
    return conn


def _import(url: str, path: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "geoair", "import", "enterprises", str(path), "-w", url],
        cwd=cwd,
        env=geoair_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_analysts_importing_at_the_same_moment_both_succeed(pg_ws, tmp_path):
    url = pg_ws.url.url
    a = ledger(tmp_path / "county_a.csv", "A", 2000)
    b = ledger(tmp_path / "county_b.csv", "B", 2000)
    overlap = ledger(tmp_path / "overlap.csv", "A", 500, name="有限公司")  # A0000..A0499 again
    # Both imports are started while the test holds the enterprises layer, and
    # released only once both wait for it: they are at the same moment at the lock.
    holder = _hold_layer_lock(url, pg_ws.schema, "enterprises")
    procs = [_import(url, a, tmp_path), _import(url, b, tmp_path)]
    _wait_for(lambda: len(_waiting_geoair_backends(url)) == 2, "both imports at the lock")
    holder.rollback()
    holder.close()
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    frame = pg_ws.read("enterprises")
    assert len(frame) == 4000 and frame["id"].is_unique
    # Two imports at once with overlapping ids: no row doubled.
    procs = [_import(url, overlap, tmp_path), _import(url, a, tmp_path)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    frame = pg_ws.read("enterprises")
    assert len(frame) == 4000 and frame["id"].is_unique
    assert sorted(pg_ws.read("import_log")["file"]) == [
        "county_a.csv",
        "county_b.csv",
        "overlap.csv",
    ]


def test_a_connection_lost_in_the_middle_of_an_import_writes_nothing(pg_ws, tmp_path):
    url = pg_ws.url.url
    import_file(pg_ws, "enterprises", ledger(tmp_path / "before.csv", "E", 100))
    before = {name: snapshot(pg_ws, name) for name in ("enterprises", "import_log")}
    # The import merges its 1,000 rows into enterprises, then waits for import_log,
    # which the test holds; there its connection is cut from the server side.
    holder = _hold_layer_lock(url, pg_ws.schema, "import_log")
    proc = _import(url, ledger(tmp_path / "after.csv", "E", 1000, name="新公司"), tmp_path)
    (pid,) = _wait_for(lambda: _waiting_geoair_backends(url), "the import at import_log")
    assert rows_of(url, "SELECT pg_terminate_backend(%s)", (pid,)) == [(True,)]
    output = proc.communicate(timeout=120)[0]
    holder.rollback()
    holder.close()
    assert proc.returncode == 1
    line = _one_sentence(output)
    assert "the database rolled the whole write back" in line
    after = {name: snapshot(pg_ws, name) for name in ("enterprises", "import_log")}
    assert after == before


# --- settings, rejects, readings -------------------------------------------------------


def test_settings_live_in_a_table_and_are_checked(pg_ws, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAIR_LANG", "zh")
    url = pg_ws.url.url
    runner = CliRunner()
    shown = runner.invoke(main, ["settings", "show", "-w", url])
    assert shown.exit_code == 0 and "[gate_roads]" in shown.output
    edited = tmp_path / "geoair.toml"
    edited.write_text(shown.output.replace("radius_m = 100.0", "radius_m = 50.0"), "utf-8")
    assert runner.invoke(main, ["settings", "set", str(edited), "-w", url]).exit_code == 0
    assert open_workspace(url).settings.gate_roads.radius_m == 50.0
    edited.write_text("[gate_roads]\nradius = 5\n", "utf-8")
    refused = runner.invoke(main, ["settings", "set", str(edited), "-w", url])
    assert refused.exit_code == 1 and "未知的设置 gate_roads.radius（" in refused.output
    assert pg_ws.settings.gate_roads.radius_m == 50.0
    with pytest.raises(ConfigError):
        pg_ws.store_settings("not toml [")


def test_rejects_are_files_where_the_command_runs(pg_ws, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAIR_LANG", "zh")
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "E1,甲,郊区,焦化,也许,B,正常生产,113.5,37.85\n"
        "E2,乙,郊区,焦化,是,B,正常生产,113.6,37.85\n",
        encoding="utf-8",
    )
    work = tmp_path / "clerk"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["import", "enterprises", str(path), "-w", pg_ws.url.url])
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(work / "rejects" / "enterprises-bad.csv", encoding="utf-8-sig")
    assert rejects["行号"].tolist() == [2]
    assert len(pg_ws.read("enterprises")) == 1


def test_readings_go_to_the_folder_recorded_at_init(pg_url, tmp_path, monkeypatch):
    from geoair.readings.store import load_hourly, store_hourly

    monkeypatch.chdir(tmp_path)
    ws = init_workspace(pg_url, readings_dir=tmp_path / "share" / "readings")
    elsewhere = tmp_path / "other-pc"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ws2 = open_workspace(pg_url)
    hours = pd.DataFrame(
        {
            "station_id": "S1",
            "time": pd.date_range("2024-03-01 01:00", periods=5, freq="h"),
            "pollutant": "PM2.5",
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    store_hourly(ws2, hours)
    assert (tmp_path / "share" / "readings" / "hourly" / "year=2024" / "month=3").is_dir()
    assert load_hourly(ws)["value"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    ws.close()
    ws2.close()


# --- geoair copy -----------------------------------------------------------------------


def test_copy_moves_a_workspace_to_a_database_and_back(
    ws_with_ledger, pg_url, tmp_path, monkeypatch
):
    from geoair.readings.store import store_dustfall

    monkeypatch.chdir(tmp_path)
    folder = ws_with_ledger
    folder.write("awkward", awkward_frames()["points"])
    store_dustfall(
        folder, pd.DataFrame({"station_id": ["S1"], "month": ["2024-03"], "dustfall_t_km2": [8.5]})
    )
    folder.settings_path.write_text(
        folder.settings_text().replace("radius_m = 100.0", "radius_m = 80.0"), "utf-8"
    )
    runner = CliRunner()
    result = runner.invoke(
        main, ["copy", str(folder.root), pg_url, "--readings", str(tmp_path / "db-readings")]
    )
    assert result.exit_code == 0, result.output
    assert "enterprises" in result.output and "readings dustfall (1 files)" in result.output
    lines = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[2:]}
    assert lines["enterprises"] == ["3", "3"] and lines["awkward"] == ["4", "4"]
    db = open_workspace(pg_url)
    assert db.settings.gate_roads.radius_m == 80.0
    assert db.readings_dir == tmp_path / "db-readings"
    assert (tmp_path / "db-readings" / "dustfall.parquet").exists()
    back = tmp_path / "back"
    result = runner.invoke(main, ["copy", pg_url, str(back)])
    assert result.exit_code == 0, result.output
    again = open_workspace(back)
    assert again.readings_dir == back / "readings"
    assert (back / "readings" / "dustfall.parquet").exists()
    assert sorted(again.layers()) == sorted(folder.layers()) == sorted(db.layers())
    for name in folder.layers():
        pdt.assert_frame_equal(db.read(name), folder.read(name))
        pdt.assert_frame_equal(again.read(name), folder.read(name))
    refused = runner.invoke(main, ["copy", str(folder.root), pg_url])
    assert refused.exit_code == 1 and "--replace" in refused.output
    replaced = runner.invoke(main, ["copy", str(folder.root), pg_url, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    db.close()


def test_analysts_with_roles_of_their_own_share_tables_through_a_group_role(
    pg_server, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    pg_server.execute("CREATE ROLE team NOLOGIN")
    for name in ("ana", "bo"):
        pg_server.create_role(name, f"{name}-pw")
        pg_server.execute(f"GRANT team TO {name}")
    pg_server.execute("GRANT CREATE ON DATABASE geoair_tests TO team")
    option = "?options=-c%20role%3Dteam&schema=team_ws"  # every table belongs to the team
    ana = pg_server.url("geoair_tests", user="ana", password="ana-pw") + option
    bo = pg_server.url("geoair_tests", user="bo", password="bo-pw") + option
    runner = CliRunner()
    assert runner.invoke(main, ["init", ana]).exit_code == 0
    for url, prefix in ((ana, "A"), (bo, "B")):
        path = ledger(tmp_path / f"{prefix}.csv", prefix, 50)
        result = runner.invoke(main, ["import", "enterprises", str(path), "-w", url])
        assert result.exit_code == 0, result.output
    assert len(open_workspace(bo).read("enterprises")) == 100
    owners = rows_of(
        pg_server.url("geoair_tests"),
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'team_ws'",
    )
    assert owners == [("team",)]
    # A role outside the team is told in one sentence, and nothing is written.
    pg_server.create_role("eve", "eve-pw")
    eve = pg_server.url("geoair_tests", user="eve", password="eve-pw") + "?schema=team_ws"
    result = runner.invoke(main, ["import", "enterprises", str(tmp_path / "A.csv"), "-w", eve])
    assert result.exit_code == 1
    line = _one_sentence(result.output)
    assert "User eve may not read the settings in schema team_ws" in line


def test_times_with_a_zone_come_back_as_the_same_instants_in_utc(pg_ws):
    times = pd.to_datetime(["2024-03-05 13:00:00", None]).tz_localize("Asia/Shanghai")
    pg_ws.write("zoned", pd.DataFrame({"t": times}))
    back = pg_ws.read("zoned")["t"]
    assert back.iloc[0] == times[0] and pd.isna(back.iloc[1])
    assert str(back.dt.tz) == "UTC"


def test_init_adds_postgis_when_the_role_may(pg_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pg_server.create_database("bureau_fresh", postgis=False)
    url = pg_server.url("bureau_fresh")
    assert rows_of(url, "SELECT 1 FROM pg_extension WHERE extname = 'postgis'") == []
    result = CliRunner().invoke(main, ["init", url])
    assert result.exit_code == 0, result.output
    assert rows_of(url, "SELECT 1 FROM pg_extension WHERE extname = 'postgis'") == [(1,)]


def test_the_workspace_variable_may_hold_a_url(pg_ws, monkeypatch):
    monkeypatch.setenv("GEOAIR_WORKSPACE", pg_ws.url.url)
    result = CliRunner().invoke(main, ["settings", "show"])
    assert result.exit_code == 0 and "[gate_roads]" in result.output
    assert open_workspace().location == pg_ws.location
