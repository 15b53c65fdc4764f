"""geoair serve's JSON API, over HTTP against the app running in uvicorn on 127.0.0.1.

Each test starts the server in a thread on a free loopback port (geoair.web.server
.start_in_thread) and talks to it with httpx, as a script would: GET /api/session for
the CSRF token, then writes with X-CSRF-Token. The demo workspace (built once per
session) is copied for the tests that run steps on real data.
"""

from __future__ import annotations

import json
import shutil
import stat
import threading

import httpx
import pytest
from click.testing import CliRunner

from geoair.cli import main
from geoair.store.open import open_workspace
from geoair.store.workspace import Workspace
from geoair.web.app import WebConfig
from geoair.web.server import check_can_serve, start_in_thread
from geoair.web.users import UserStore

GOOD_CSV = (
    "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"
    "E4,阳泉市丁铸造有限公司,郊区,铸造,是,B,正常生产,113.52,37.86\n"
    "E5,阳泉市戊陶瓷有限公司,城区,陶瓷,否,C,正常生产,113.57,37.85\n"
)
BAD_CSV = (
    "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"
    "E6,阳泉市己化工有限公司,郊区,化工,是,B,正常生产,113.53,37.87\n"
    "E7,,郊区,化工,是,B,正常生产,113.54,37.87\n"
    "E8,<img src=x onerror=alert(1)>,郊区,化工,也许,Z,正常生产,2.35,48.85\n"
)


class Api:
    """An httpx client with the session's CSRF token, as a script uses the API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=120)
        self.csrf = self.http.get("/api/session").json()["csrf"]

    def post(self, path: str, **kwargs) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.http.post(path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def upload(self, kind: str, name: str, content: bytes, **fields) -> httpx.Response:
        return self.post(f"/api/import/{kind}", files={"file": (name, content)}, data=fields)

    def run(self, step: str, params: dict | None = None) -> dict:
        answer = self.post(f"/api/run/{step}", json=params or {})
        assert answer.status_code == 202, answer.text
        return self.wait(answer.json()["job"])

    def wait(self, job_id: str) -> dict:
        import time

        for _ in range(1200):
            job = self.get(f"/api/jobs/{job_id}").json()
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not end")

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def served(ws_with_ledger: Workspace):
    running = start_in_thread(ws_with_ledger)
    api = Api(running.url)
    yield ws_with_ledger, api
    api.close()
    running.stop()


def test_import_good_file(served):
    ws, api = served
    answer = api.upload("enterprises", "新企业.csv", GOOD_CSV.encode("utf-8"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["imported"] == 2 and body["rejected"] == 0
    assert body["rejects"] == [] and body["rejects_csv"] is None
    assert body["source"] == "新企业.csv"
    assert isinstance(body["notes"], list)
    assert set(ws.read("enterprises")["id"]) == {"E1", "E2", "E3", "E4", "E5"}


def test_import_bad_file_answers_rejects_as_in_the_csv(served):
    ws, api = served
    answer = api.upload("enterprises", "bad.csv", BAD_CSV.encode("gbk"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["imported"], body["rejected"]) == (1, 2)
    rows = {row["行号"]: row["原因"] for row in body["rejects"]}
    assert set(rows) == {"3", "4"}
    assert "企业名称为空" in rows["3"]
    assert "“也许”不是是/否" in rows["4"] and "在中国境外" in rows["4"]
    # The rejects CSV downloads byte for byte as geoair wrote it.
    csv = api.get(body["rejects_csv"])
    assert csv.status_code == 200
    stored = ws.root / body["rejects_csv"].removeprefix("/files/")
    assert csv.content == stored.read_bytes()
    assert "attachment" in csv.headers["content-disposition"] or "inline" not in csv.headers.get(
        "content-disposition", ""
    )


def test_unreadable_file_is_refused_with_one_sentence(served):
    ws, api = served
    answer = api.upload("enterprises", "empty.csv", b"")
    assert answer.status_code == 400
    assert "空的" in answer.json()["error"]
    answer = api.upload("enterprises", "notes.docx", b"PK\x03\x04")
    assert answer.status_code == 400 and "不能导入" in answer.json()["error"]
    answer = api.upload("enterprises", "roads.shp", b"\x00\x00\x27\x0a")
    assert answer.status_code == 400 and "zip" in answer.json()["error"]
    answer = api.upload("no_such_kind", "x.csv", b"a,b\n1,2\n")
    assert answer.status_code == 400 and "不是可导入的类型" in answer.json()["error"]
    answer = api.upload("enterprises", "../台账.csv", GOOD_CSV.encode(), encoding="nonsense")
    assert answer.status_code == 400
    assert "台账.csv 不能按 nonsense 编码读取" in answer.json()["error"]  # the user's name
    answer = api.upload("enterprises", "x.csv", GOOD_CSV.encode(), colour="red")
    assert answer.status_code == 400 and "colour" in answer.json()["error"]
    assert list((ws.root / "uploads").glob("*")) == []  # nothing left of refused uploads


def test_path_like_upload_name_is_stored_under_a_generated_name(served, tmp_path):
    ws, api = served
    for name in ("../../escape.csv", "..\\..\\escape.csv", "/etc/escape.csv"):
        answer = api.upload("enterprises", name, GOOD_CSV.encode("utf-8"))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["source"] == name  # kept only as text
        stored = ws.root / body["stored_as"]
        assert stored.parent == ws.root / "uploads"
        assert stored.read_bytes() == GOOD_CSV.encode("utf-8")
        assert "escape" not in stored.name and stored.suffix == ".csv"
    assert not list(tmp_path.rglob("escape.csv"))
    assert not list(ws.root.parent.rglob("escape.csv"))


def test_upload_over_the_limit_is_refused(ws_with_ledger):
    running = start_in_thread(ws_with_ledger, WebConfig(max_upload_bytes=2_000))
    api = Api(running.url)
    try:
        big = GOOD_CSV.encode() + b"E9,x,x,x,x,x,x,113.5,37.8\n" * 200
        answer = api.upload("enterprises", "big.csv", big)
        assert answer.status_code == 413
        assert "上传上限" in answer.json()["error"]

        def chunks():  # no Content-Length: counted as it arrives
            boundary = b"geoairtest"
            yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
            yield b'filename="big.csv"\r\n\r\n' + big + b"\r\n--" + boundary + b"--\r\n"

        answer = api.post(
            "/api/import/enterprises",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=geoairtest"},
        )
        assert answer.status_code == 413
        assert list((ws_with_ledger.root / "uploads").glob("*")) == []
    finally:
        api.close()
        running.stop()


def test_writes_without_the_csrf_token_are_refused(served):
    ws, api = served
    files = {"file": ("x.csv", GOOD_CSV.encode())}
    bare = httpx.post(f"{api.url}/api/import/enterprises", files=files)
    assert bare.status_code == 403 and "CSRF" in bare.json()["error"]
    # With the session cookie but no token, a wrong token, or another site's Origin.
    assert api.http.post("/api/import/enterprises", files=files).status_code == 403
    wrong = api.http.post(
        "/api/run/export", json={"layer": "enterprises"}, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    other = api.post(
        "/api/run/export", json={"layer": "enterprises"}, headers={"Origin": "http://evil.example"}
    )
    assert other.status_code == 403
    form = api.http.post("/logout", data={"csrf_token": "nope"})
    assert form.status_code == 403
    assert len(ws.read("enterprises")) == 3
    assert api.get("/api/jobs").json() == []


def test_requests_for_other_hosts_are_refused_on_loopback(served):
    _, api = served
    answer = api.get("/api/overview", headers={"Host": "attacker.example"})
    assert answer.status_code == 400


def test_layer_as_geojson(served):
    _, api = served
    answer = api.get("/api/layers/enterprises")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    data = answer.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [113.5, 37.85]}
    assert feature["properties"]["name"] == "阳泉市甲耐火材料有限公司"
    assert feature["properties"]["above_scale"] is True
    again = api.get("/api/layers/enterprises", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
    assert api.get("/api/layers/nothing").status_code == 404


def test_run_a_step_and_read_the_job(served):
    ws, api = served
    job = api.run("export", {"layer": "enterprises", "format": "xlsx"})
    assert job["state"] == "done", job
    files = job["result"]["files"]
    assert [f["name"] for f in files] == ["enterprises.xlsx"]
    download = api.get(files[0]["url"] + "?download=1")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    shp = api.run("export", {"layer": "enterprises", "format": "shp"})
    assert shp["state"] == "done" and shp["result"]["files"][0]["name"].endswith(".zip")


def test_a_step_refuses_bad_parameters_and_missing_data(served):
    _, api = served
    answer = api.post("/api/run/gate_roads", json={})
    assert answer.status_code == 400
    assert "没有厂门图层，无法计算厂门100米道路" in answer.json()["error"]
    answer = api.post("/api/run/forms", json={"month": "2024-13"})
    assert answer.status_code == 400 and "不是月份" in answer.json()["error"]
    answer = api.post("/api/run/export", json={"layer": "x", "colour": 1})
    assert answer.status_code == 400
    assert "colour" in answer.json()["error"] and "没有“x”" in answer.json()["error"]
    assert api.post("/api/run/nothing", json={}).status_code == 400
    answer = api.post("/api/run/export", json=["enterprises"])
    assert answer.status_code == 400 and "JSON 对象" in answer.json()["error"]


def test_overview_says_what_is_missing(served):
    _, api = served
    data = api.get("/api/overview").json()
    assert {"name": "enterprises", "geometry": True, "count": 3, "title": "企业"} in data["layers"]
    steps = {s["name"]: s for s in data["steps"]}
    assert "没有道路图层，无法计算厂门100米道路" in steps["gate_roads"]["missing"]
    assert steps["export"]["ready"]


def test_concurrent_imports_are_serialised(served):
    ws, api = served
    results: list[int] = []

    def upload(i: int) -> None:
        client = Api(api.url)
        csv = GOOD_CSV.replace("E4", f"F{i}").replace("E5", f"G{i}")
        results.append(client.upload("enterprises", f"f{i}.csv", csv.encode()).status_code)
        client.close()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4  # none met the workspace's lock held by another
    assert len(ws.read("enterprises")) == 3 + 8


def test_downloads_only_from_outputs_and_rejects(served):
    ws, api = served
    (ws.root / "outputs").mkdir(exist_ok=True)
    (ws.root / "outputs" / "note.txt").write_text("ok", encoding="utf-8")
    assert api.get("/files/outputs/note.txt").text == "ok"
    for path in (
        "/files/geoair.toml",
        "/files/workspace.gpkg",
        "/files/outputs/../geoair.toml",
        "/files/outputs/%2e%2e/geoair.toml",
        "/files/users.json",
        "/files/uploads/x.csv",
    ):
        assert api.get(path).status_code == 404, path


def test_openapi_describes_the_api(served):
    _, api = served
    paths = api.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/import/{kind}",
        "/api/layers/{name}",
        "/api/run/{step}",
        "/api/jobs/{job_id}",
        "/api/overview",
        "/api/session",
    ):
        assert path in paths
    body = paths["/api/import/{kind}"]["post"]["requestBody"]["content"]
    assert "file" in body["multipart/form-data"]["schema"]["properties"]


def test_pages_answer_in_both_languages(served):
    _, api = served
    for path in ("/", "/import", "/work", "/map", "/downloads", "/layers/enterprises"):
        page = api.get(path)
        assert page.status_code == 200, path
        assert "text/html" in page.headers["content-type"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "概览" in api.get("/").text
    api.get("/lang/en?next=/import")
    assert "Import data" in api.get("/import").text


# -- login --------------------------------------------------------------------------


def test_login_is_required_when_open_beyond_this_computer(ws_with_ledger):
    UserStore(ws_with_ledger.root).add("wang", "correct horse battery")
    config = WebConfig(host="0.0.0.0", login_required=True)
    running = start_in_thread(ws_with_ledger, config)
    api = Api(running.url)
    try:
        assert api.get("/api/overview").status_code == 401
        page = api.get("/import")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        wrong = api.post("/api/login", json={"name": "wang", "password": "nope nope"})
        assert wrong.status_code == 403
        assert api.get("/api/overview").status_code == 401
        old_csrf = api.csrf
        right = api.post("/api/login", json={"name": "wang", "password": "correct horse battery"})
        assert right.status_code == 200
        api.csrf = right.json()["csrf"]
        assert api.csrf != old_csrf
        assert api.get("/api/overview").status_code == 200
        assert api.get("/api/session").json()["user"] == "wang"
        assert api.upload("enterprises", "x.csv", GOOD_CSV.encode()).status_code == 200
        api.post("/api/logout")
        assert api.get("/api/overview").status_code == 401
        # A user removed while logged in is logged out at once.
        api.csrf = api.get("/api/session").json()["csrf"]
        again = api.post("/api/login", json={"name": "wang", "password": "correct horse battery"})
        assert again.status_code == 200
        assert api.get("/api/overview").status_code == 200
        UserStore(ws_with_ledger.root).remove("wang")
        assert api.get("/api/overview").status_code == 401
    finally:
        api.close()
        running.stop()


def test_repeated_wrong_passwords_lock_the_login(ws_with_ledger):
    UserStore(ws_with_ledger.root).add("wang", "correct horse battery")
    running = start_in_thread(ws_with_ledger, WebConfig(login_required=True))
    api = Api(running.url)
    try:
        for _ in range(5):
            assert api.post("/api/login", json={"name": "wang", "password": "x"}).status_code == 403
        locked = api.post("/api/login", json={"name": "wang", "password": "correct horse battery"})
        assert locked.status_code == 403 and "分钟后再试" in locked.json()["error"]
    finally:
        api.close()
        running.stop()


def test_serving_beyond_loopback_needs_a_user(ws: Workspace):
    from geoair.errors import AccessError

    check_can_serve(ws, "127.0.0.1")
    with pytest.raises(AccessError, match="geoair users add"):
        check_can_serve(ws, "0.0.0.0")
    result = CliRunner().invoke(main, ["serve", "-w", str(ws.root), "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "geoair users add" in result.output
    UserStore(ws.root).add("li", "a long password")
    check_can_serve(ws, "0.0.0.0")


def test_users_command_stores_only_a_hash(ws: Workspace):
    runner = CliRunner()
    added = runner.invoke(
        main,
        ["users", "add", "王科长", "-w", str(ws.root), "--password-stdin"],
        input="s3cret pass\n",
    )
    assert added.exit_code == 0, added.output
    path = ws.root / "users.json"
    text = path.read_text("utf-8")
    assert "s3cret" not in text and "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert UserStore(ws.root).verify("王科长", "s3cret pass")
    assert not UserStore(ws.root).verify("王科长", "wrong pass")
    short = runner.invoke(
        main, ["users", "add", "li", "-w", str(ws.root), "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "密码太短" in short.output
    twice = runner.invoke(
        main, ["users", "add", "王科长", "-w", str(ws.root), "--password-stdin"], input="x" * 9
    )
    assert twice.exit_code == 1 and "已存在" in twice.output
    changed = runner.invoke(
        main,
        ["users", "passwd", "王科长", "-w", str(ws.root), "--password-stdin"],
        input="new password\n",
    )
    assert changed.exit_code == 0 and UserStore(ws.root).verify("王科长", "new password")
    assert runner.invoke(main, ["users", "list", "-w", str(ws.root)]).output.split() == ["王科长"]
    assert runner.invoke(main, ["users", "remove", "王科长", "-w", str(ws.root)]).exit_code == 0
    assert json.loads(path.read_text("utf-8"))["users"] == {}


# -- on the demo workspace ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_served(demo_workspace: tuple, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-api") / "ws"
    shutil.copytree(demo_workspace[0], folder)
    ws = open_workspace(folder)
    running = start_in_thread(ws)
    api = Api(running.url)
    yield ws, api
    api.close()
    running.stop()


@pytest.mark.slow
def test_overview_of_the_demo_workspace(demo_served):
    ws, api = demo_served
    data = api.get("/api/overview").json()
    counts = {item["name"]: item["count"] for item in data["layers"]}
    for name in ("enterprises", "gates", "roads", "inspections", "cases", "station_daily"):
        assert counts[name] == len(ws.read(name)), name
    latest = {item["name"]: item["latest"] for item in data["latest"]}
    assert {item["name"]: item["month"] for item in data["latest"]}["inspections"] == "2024-03"
    assert latest["inspections"] == "2024-03-15"
    assert latest["readings"] == "2024-03"
    assert latest["cases"] == "2024-03-27"
    assert all(step["ready"] for step in data["steps"])


@pytest.mark.slow
def test_gate_roads_through_the_api_match_the_workflow(demo_served):
    ws, api = demo_served
    job = api.run("gate_roads", {"radius_m": "100"})
    assert job["state"] == "done", job["error"]
    assert job["messages"], "progress was reported"
    titles = [table["title"] for table in job["result"]["tables"]]
    assert titles == ["各县区清扫长度", "清扫任务（按企业）", "需核查的厂门"]
    per_county = job["result"]["tables"][0]
    length = sum(
        row[[c["key"] for c in per_county["columns"]].index("length_m")]
        for row in per_county["rows"]
    )
    assert length == pytest.approx(ws.read("sweep_tasks")["length_m"].sum(), abs=0.3)
    assert job["result"]["tables"][2]["total"] == len(ws.read("gate_findings"))
    roads = api.get("/api/layers/gate_roads").json()
    assert len(roads["features"]) == len(ws.read("gate_roads"))
    assert roads["features"][0]["geometry"]["type"] in ("LineString", "MultiLineString")


@pytest.mark.slow
def test_patrol_plan_and_forms_give_files(demo_served):
    _, api = demo_served
    plan = api.run("patrol_plan", {"date": "2024-03-29", "teams": 2, "stops": 4})
    assert plan["state"] == "done", plan["error"]
    names = {f["name"] for f in plan["result"]["files"]}
    assert {"patrol-2024-03-29.gpx", "patrol-2024-03-29.kml", "patrol-2024-03-29.xlsx"} <= names
    stops = plan["result"]["tables"][1]
    assert stops["total"] == 8
    forms = api.run("forms", {"month": "2024-03"})
    assert forms["state"] == "done", forms["error"]
    assert any(f["name"].startswith("附件2问题清单") for f in forms["result"]["files"])
