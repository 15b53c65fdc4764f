"""Shared fixtures: a fresh workspace, and small source files written in every format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from geoair.store.open import init_workspace
from geoair.store.workspace import Workspace

# In CI, property tests run the same examples every time (and no deadline on a busy
# machine), so a landing never depends on luck; locally they keep exploring.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    """``geoair demo`` run once for the session, with every network connection refused:
    (folder, CliRunner result). Tests that change the workspace work on a copy."""
    import socket

    from click.testing import CliRunner

    from geoair.cli import main
    from geoair.messages import set_language

    folder = tmp_path_factory.mktemp("demo") / "geoair-demo"
    real_connect = socket.socket.connect

    def no_network(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"network is off in tests (tried {address})")
        return real_connect(self, address)

    socket.socket.connect = no_network
    saved = os.environ.pop("GEOAIR_LANG", None)
    try:
        set_language(None)
        result = CliRunner().invoke(main, ["demo", str(folder)])
    finally:
        socket.socket.connect = real_connect
        if saved is not None:
            os.environ["GEOAIR_LANG"] = saved
    return folder, result


@pytest.fixture(autouse=True)
def chinese_by_default(monkeypatch):
    """Every test starts in geoair's default language, whatever the shell says."""
    from geoair.messages import set_language

    monkeypatch.delenv("GEOAIR_LANG", raising=False)
    set_language(None)
    yield
    set_language(None)


@pytest.fixture
def english():
    """Run a test in English (messages of library functions checked word for word)."""
    from geoair.messages import use_language

    with use_language("en"):
        yield


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """An empty workspace in a temporary folder."""
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def ledger_csv(tmp_path: Path) -> Path:
    """A small enterprise ledger (UTF-8 CSV, Chinese headers, WGS-84)."""
    path = tmp_path / "enterprises.csv"
    path.write_text(
        "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"
        "E1,阳泉市甲耐火材料有限公司,郊区,耐火材料,是,B,正常生产,113.50,37.85\n"
        "E2,阳泉市乙焦化有限公司,平定县,焦化,否,C,依法停产,113.62,37.80\n"
        "E3,阳泉市丙水泥有限公司,盂县,水泥,是,A,正常生产,113.40,38.08\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def ws_with_ledger(ws: Workspace, ledger_csv: Path) -> Workspace:
    """A workspace holding the three enterprises of ``ledger_csv``."""
    from geoair.imports.pipeline import import_file

    import_file(ws, "enterprises", ledger_csv)
    return ws


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server with PostGIS of the tests' own, in a temporary folder on a free
    port, stopped and removed after the session (Debian's postgresql and
    postgresql-postgis packages; `.ci/run` installs them)."""
    from geoair.store.pg_server import TemporaryServer

    server = TemporaryServer(durable=False).start()
    try:
        server.create_database("geoair_tests")
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """The URL of a fresh schema (a workspace not made yet) in the tests' PostGIS database."""
    import re
    import uuid

    stem = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40]
    return pg_server.url("geoair_tests", schema=f"t_{stem}_{uuid.uuid4().hex[:6]}")


@pytest.fixture
def pg_ws(pg_url: str, tmp_path: Path, monkeypatch):
    """An empty database workspace; rejects and outputs go to a temporary folder."""
    monkeypatch.chdir(tmp_path)
    ws = init_workspace(pg_url)
    try:
        yield ws
    finally:
        ws.close()


CHROMIUM = os.environ.get("GEOAIR_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package, driven by Playwright; none downloaded)
    for the browser tests of the run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need it. Install "
            "Debian's package with 'apt-get install chromium' (.ci/run does), or set "
            "GEOAIR_CHROMIUM to its path."
        )
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()
