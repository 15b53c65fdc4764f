"""The web app of ``geoair serve``: pages for clerks and a JSON API, on one workspace.

Built with FastAPI (Starlette underneath; uvicorn serves it). Pages are rendered on
the server from Jinja2 templates with autoescaping on; a small plain script
(``static/web.js``) sends forms to the API and shows progress and results. Nothing is
loaded from outside the server: Leaflet comes from geoair's own vendored copy
(``geoair/maps/static/leaflet``), and the interactive map is the file ``geoair map``
writes.

The API, described at ``/api/openapi.json``:

=================================  ====================================================
``GET /api/session``               the session's CSRF token, user, language
``POST /api/login``, ``/logout``   log in (JSON ``{"name", "password"}``), log out
``GET /api/overview``              layers with counts, latest months, what steps lack
``GET /api/kinds``                 the import kinds (:data:`~geoair.workflows.imports.IMPORTERS`)
``POST /api/import/{kind}``        multipart ``file`` (+ ``coords``, ``encoding``, ``sheet``,
                                   ``layer``, ``date``, ``replace``) -> ``{"imported",
                                   "rejected", "notes", "rejects", ...}``
``GET /api/layers``                layers and tables with counts
``GET /api/layers/{name}``         one as GeoJSON
``GET /api/steps``                 the steps, their parameters and what they lack
``POST /api/run/{step}``           JSON parameters -> 202 and a job id
``GET /api/jobs``, ``/{id}``       jobs: state, progress, result (lines, tables, files)
``GET /api/files``                 files in ``outputs/`` and ``rejects/``
=================================  ====================================================

Files are downloaded from ``/files/<path in the workspace>`` (``outputs/`` and
``rejects/`` only). Every write (imports and jobs) is serialised by the job runner's
write lock; security is :mod:`geoair.web.security`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import mimetypes
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware

from geoair import __version__
from geoair.errors import (
    AccessError,
    GeoairError,
    RequestError,
    UploadTooLarge,
    WorkspaceError,
)
from geoair.messages import LANGUAGES, MESSAGES, in_language, language, layer_name, t
from geoair.store.workspace import FolderWorkspace, Workspace
from geoair.web.jobs import JobRunner
from geoair.web.overview import available, layer_counts, overview
from geoair.web.security import (
    CSRF_FIELD,
    LANG_COOKIE,
    SESSION_COOKIE,
    Guard,
    LoginThrottle,
    Session,
    Sessions,
    cookie_header,
    is_loopback,
    safe_next,
)
from geoair.web.steps import STEPS, Output, Param, Step, missing, parse_params, step_for
from geoair.web.uploads import UPLOADS_DIR, receive_upload
from geoair.web.users import UserStore

__all__ = ["DOWNLOAD_DIRS", "WebConfig", "create_app"]


log = logging.getLogger(__name__)

DOWNLOAD_DIRS = ("outputs", "rejects")
"""Workspace folders whose files ``/files/...`` serves."""

# A map written by geoair map runs in a sandbox: its scripts run, but in an origin of
# their own, so they can neither read this app's cookies nor call its API.
_MAP_CSP = (
    "sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data: blob: http: https:; font-src data:; "
    "connect-src 'none'; frame-ancestors 'self'"
)
_IMPORT_FIELDS = ("coords", "encoding", "sheet", "layer", "date", "replace", CSRF_FIELD)
_REJECTS_SHOWN = 1000
_INLINE = (".html", ".png", ".jpg", ".svg")


@dataclass(frozen=True)
class WebConfig:
    """How the app is served.

    Parameters
    ----------
    host : str
        The address the server listens on; on a loopback address requests must be
        addressed to a loopback name.
    lang : str
        ``zh`` or ``en``: the pages' language unless a request asks for the other
        (``?lang=``, or the language cookie the page header's switch sets).
    max_upload_bytes : int
        Largest upload accepted.
    login_required : bool
        Ask for a login (see :func:`geoair.web.security.login_required_for`).
    """

    host: str = "127.0.0.1"
    lang: str = "zh"
    max_upload_bytes: int = 200_000_000
    login_required: bool = False


def _static_dir(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


class _State:
    """What the routes share: the workspace, its users, the jobs, sessions, caches."""

    def __init__(self, ws: Workspace, config: WebConfig) -> None:
        self.ws = ws
        self.config = config
        self.users = UserStore(ws.root)
        self.jobs = JobRunner()
        self.sessions = Sessions()
        self.throttle = LoginThrottle()
        self.templates = Environment(
            loader=PackageLoader("geoair.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.geojson: OrderedDict[str, bytes] = OrderedDict()
        self.geojson_lock = threading.Lock()


def _session(request: Request) -> Session | None:
    return getattr(request.state, "session", None)


def _url(ws: Workspace, path: Path) -> str | None:
    """The ``/files/...`` URL of a file inside the workspace's download folders."""
    try:
        relative = Path(path).resolve().relative_to(ws.root)
    except ValueError:
        return None
    if relative.parts[:1] not in [(d,) for d in DOWNLOAD_DIRS]:
        return None
    return "/files/" + quote(relative.as_posix())


def _file_entry(ws: Workspace, path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {
        "name": path.name,
        "path": path.relative_to(ws.root).as_posix(),
        "url": _url(ws, path),
        "size": stat.st_size,
        "modified": dt.datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M"),
    }


def _output_json(ws: Workspace, output: Output) -> dict[str, Any]:
    files = [_file_entry(ws, Path(p)) for p in output.files if Path(p).is_file()]
    return {
        "lines": output.lines,
        "tables": output.tables,
        "files": [f for f in files if f["url"]],
        "map": _url(ws, output.map) if output.map is not None else None,
    }


def _list_files(ws: Workspace, folder: str, *, limit: int = 500) -> list[dict[str, Any]]:
    root = ws.root / folder
    if not root.is_dir():
        return []
    paths = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    paths.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [_file_entry(ws, p) for p in paths[:limit]]


def _script_texts() -> dict[str, str]:
    """The texts the page script needs (embedded as JSON in each page), in the current
    language, by their ids without ``web.``."""
    keys = [
        key.removeprefix("web.")
        for key in MESSAGES
        if key.startswith(("web.import_", "web.state_", "web.col_"))
    ]
    keys += ["seconds", "details", "files", "rows_shown", "run", "run_again", "loading"]
    keys += ["map_open", "cannot_run", "internal_error", "sep", "paren_open", "paren_close"]
    return {key: t(f"web.{key}") for key in keys} | {"yes": t("word.yes"), "no": t("word.no")}


def _param_view(param: Param, ws: Workspace) -> dict[str, Any]:
    hint = param.hint
    if param.setting:
        section, name = param.setting.split(".")
        value = getattr(getattr(ws.settings, section), name)
        hint = f"{value:g}" if isinstance(value, float) else str(value)
    return {
        "name": param.name,
        "kind": param.kind,
        "label": t(param.label),
        "required": param.required,
        "hint": hint,
        "choices": [
            {"value": value, "label": t(label) if label in MESSAGES else label}
            for value, label in param.choices
        ],
    }


def _step_view(step: Step, have: set[str], ws: Workspace) -> dict[str, Any]:
    return {
        "name": step.name,
        "title": t(step.title),
        "page": step.page,
        "workflow": step.workflow,
        "params": [_param_view(p, ws) for p in step.params],
        "missing": missing(step, have),
    }


def _import_answer(ws: Workspace, report, original: str, stored: Path) -> dict:
    import pandas as pd

    from geoair.workflows.imports import describe

    rejects: list[dict[str, Any]] = []
    total = 0
    if report.rejects_path is not None and Path(report.rejects_path).exists():
        frame = pd.read_csv(
            report.rejects_path, encoding="utf-8-sig", dtype=str, keep_default_na=False
        )
        total = len(frame)
        rejects = [
            {str(k): v for k, v in row.items()}
            for row in frame.head(_REJECTS_SHOWN).to_dict(orient="records")
        ]
    return {
        "kind": report.kind,
        "source": original,
        "stored_as": stored.relative_to(ws.root).as_posix(),
        "rows_read": int(report.rows_read),
        "imported": int(report.imported),
        "replaced": int(report.replaced),
        "rejected": int(report.rejected),
        "notes": list(report.notes),
        "span": report.span,
        "next_step": report.next_step,
        "stored_in": report.stored_in,
        "rejects": rejects,
        "rejects_total": total,
        "rejects_csv": _url(ws, Path(report.rejects_path)) if report.rejects_path else None,
        "lines": describe(report),
    }


def create_app(ws: Workspace, config: WebConfig | None = None) -> FastAPI:
    """The web app on workspace ``ws``.

    Parameters
    ----------
    ws : Workspace
    config : WebConfig, optional
        Address, language, upload limit, whether to ask for a login.

    Returns
    -------
    FastAPI
        An ASGI app; serve it with uvicorn (:func:`geoair.web.server.serve`).
    """
    config = config or WebConfig()
    state = _State(ws, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        state.jobs.shutdown()

    app = FastAPI(
        title="geoair",
        version=__version__,
        description="geoair's web API: import files, run the month's steps, read layers "
        "as GeoJSON, download forms and exports. Writes need the X-CSRF-Token header "
        "(GET /api/session gives it).",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.geoair = state
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=1)  # fast; ~8x on GeoJSON
    app.add_middleware(
        Guard,
        sessions=state.sessions,
        login_required=config.login_required,
        loopback_only=is_loopback(config.host),
        max_body=config.max_upload_bytes,
        lang=config.lang,
        user_exists=state.users.has,
    )
    app.mount(
        "/static/leaflet", StaticFiles(directory=_static_dir("geoair.maps", "static", "leaflet"))
    )
    app.mount("/static", StaticFiles(directory=_static_dir("geoair.web", "static")))

    # -- errors -----------------------------------------------------------------------

    @app.exception_handler(GeoairError)
    async def _geoair_error(request: Request, exc: GeoairError) -> JSONResponse:
        status = 400
        if isinstance(exc, UploadTooLarge):
            status = 413
        elif isinstance(exc, AccessError):
            status = 403
        elif isinstance(exc, WorkspaceError):
            status = 409
        return JSONResponse({"error": in_language(str(exc)), "status": status}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
            for error in exc.errors()
        )
        message = t("web.bad_request", where=where)
        return JSONResponse({"error": message, "status": 400}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"error": t("web.internal_error"), "status": 500}, status_code=500)

    # -- pages ------------------------------------------------------------------------

    def render(request: Request, template: str, page: str, title: str, **context) -> HTMLResponse:
        lang = language()
        session = _session(request)
        body = state.templates.get_template(template).render(
            t=lambda key, **fields: t(key if "." in key else f"web.{key}", **fields),
            lang=lang,
            other_lang="en" if lang == "zh" else "zh",
            page=page,
            title=title,
            csrf=session.csrf if session else "",
            user=session.user if session else None,
            login_required=config.login_required,
            ws_root=str(ws.root),
            ws_name=ws.settings.workspace.name,
            path=request.url.path,
            js_texts=_script_texts(),
            max_upload=config.max_upload_bytes,
            version=__version__,
            **context,
        )
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    @app.get("/", include_in_schema=False)
    def page_overview(request: Request) -> HTMLResponse:
        return render(
            request,
            "overview.html",
            "overview",
            t("web.overview_title"),
            data=overview(ws),
        )

    @app.get("/import", include_in_schema=False)
    def page_import(request: Request) -> HTMLResponse:
        from geoair.workflows.imports import IMPORTERS

        kinds = [{"name": k, "title": layer_name(k)} for k in IMPORTERS]
        coords = [
            ("", "coords_default"),
            ("wgs84", "coords_wgs84"),
            ("gcj02", "coords_gcj02"),
            ("bd09", "coords_bd09"),
            ("EPSG:4546", "coords_4546"),
            ("EPSG:4547", "coords_4547"),
        ]
        return render(
            request,
            "import.html",
            "import",
            t("web.import_title"),
            kinds=kinds,
            coords=[(value, t(f"web.{key}")) for value, key in coords],
        )

    def _steps_for(page: str) -> list[dict[str, Any]]:
        have = available(ws)
        return [_step_view(s, have, ws) for s in STEPS.values() if s.page == page]

    @app.get("/work", include_in_schema=False)
    def page_work(request: Request) -> HTMLResponse:
        return render(
            request,
            "work.html",
            "work",
            t("web.work_title"),
            steps=_steps_for("work"),
            jobs=[j.as_dict() for j in state.jobs.recent(10)],
        )

    @app.get("/map", include_in_schema=False)
    def page_map(request: Request) -> HTMLResponse:
        maps = [f for f in _list_files(ws, "outputs") if f["name"].endswith(".html")]
        # The interactive maps of geoair map first (newest first), then the others
        # (a patrol day's map).
        maps.sort(key=lambda f: not f["path"].startswith("outputs/maps/"))
        return render(
            request,
            "map.html",
            "map",
            t("web.map_title"),
            steps=_steps_for("map"),
            maps=maps,
        )

    @app.get("/downloads", include_in_schema=False)
    def page_downloads(request: Request) -> HTMLResponse:
        files = _list_files(ws, "outputs")
        patrol = [f for f in files if f["path"].startswith("outputs/patrol/")]
        steps = _steps_for("downloads")
        layers = [
            {"name": item["name"], "title": layer_name(item["name"])} for item in layer_counts(ws)
        ]
        return render(
            request,
            "downloads.html",
            "downloads",
            t("web.downloads_title"),
            steps=steps,
            layers=layers,
            patrol=patrol,
            files=files,
            rejects=_list_files(ws, "rejects"),
        )

    @app.get("/layers/{name}", include_in_schema=False)
    def page_layer(request: Request, name: str) -> HTMLResponse:
        counts = {item["name"]: item for item in layer_counts(ws)}
        if name not in counts:
            raise RequestError(t("web.no_such_layer", name=name))
        title = layer_name(name)
        return render(
            request,
            "layer.html",
            "layer",
            t("web.layer_title", name=title),
            layer=counts[name],
            layer_name=name,
            context="counties" if "counties" in counts and name != "counties" else "",
        )

    @app.get("/login", include_in_schema=False)
    def page_login(request: Request, next: str = "/", failed: str = "") -> HTMLResponse:
        messages = {
            "wrong": t("web.login_failed"),
            "locked": t("web.login_locked", minutes=5),
        }
        return render(
            request,
            "login.html",
            "login",
            t("web.login_title"),
            next=safe_next(next),
            failed=messages.get(failed, ""),
        )

    def _throttle_keys(request: Request, name: str) -> tuple[str, str]:
        address = request.client.host if request.client else "?"
        return (f"user:{name}", f"addr:{address}")

    def _check_login(request: Request, name: str, password: str) -> Session:
        keys = _throttle_keys(request, name)
        wait = state.throttle.wait_seconds(*keys)
        if wait > 0:
            raise AccessError(t("web.login_locked", minutes=max(1, round(wait / 60))))
        if not state.users.verify(name, password):
            state.throttle.failed(*keys)
            raise AccessError(t("web.login_failed"))
        state.throttle.succeeded(*keys)
        old = _session(request)
        if old is not None:
            state.sessions.drop(old.token)
        return state.sessions.new(user=name)

    @app.post("/login", include_in_schema=False)
    async def form_login(request: Request) -> Response:
        form = await request.form()
        target = safe_next(str(form.get("next") or "/"))
        name = str(form.get("name", ""))
        try:
            session = await run_in_threadpool(
                _check_login, request, name, str(form.get("password", ""))
            )
        except AccessError:
            locked = state.throttle.wait_seconds(*_throttle_keys(request, name)) > 0
            code = "locked" if locked else "wrong"
            return RedirectResponse(
                f"/login?next={quote(target, safe='')}&failed={code}", status_code=303
            )
        response = RedirectResponse(target, status_code=303)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, session.token))
        return response

    @app.post("/logout", include_in_schema=False)
    def form_logout(request: Request) -> Response:
        session = _session(request)
        if session is not None:
            state.sessions.drop(session.token)
        response = RedirectResponse("/login" if config.login_required else "/", status_code=303)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", max_age=0))
        return response

    @app.get("/lang/{code}", include_in_schema=False)
    def switch_lang(code: str, next: str = "/") -> Response:
        response = RedirectResponse(safe_next(next), status_code=303)
        if code in LANGUAGES:
            response.headers.append(
                "set-cookie", cookie_header(LANG_COOKIE, code, max_age=365 * 86400)
            )
        return response

    @app.get("/files/{path:path}", include_in_schema=False)
    def download(request: Request, path: str) -> Response:
        target = (ws.root / path).resolve()
        allowed = [(ws.root / folder).resolve() for folder in DOWNLOAD_DIRS]
        if not any(target.is_relative_to(a) for a in allowed) or not target.is_file():
            return JSONResponse({"error": t("web.no_such_file"), "status": 404}, status_code=404)
        suffix = target.suffix.lower()
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if suffix == ".csv":
            media = "text/csv; charset=utf-8"
        inline = suffix in _INLINE and request.query_params.get("download") is None
        headers = {"Cache-Control": "no-cache"}
        if suffix in (".html", ".svg"):
            headers["Content-Security-Policy"] = _MAP_CSP
        return FileResponse(
            target,
            media_type=media,
            filename=target.name,
            content_disposition_type="inline" if inline else "attachment",
            headers=headers,
        )

    # -- API --------------------------------------------------------------------------

    @app.get("/api/session", tags=["session"])
    def api_session(request: Request) -> dict[str, Any]:
        """The session's CSRF token (send it as ``X-CSRF-Token`` with every write),
        its user and whether the server asks for a login."""
        session = _session(request)
        return {
            "csrf": session.csrf if session else None,
            "user": session.user if session else None,
            "login_required": config.login_required,
            "lang": language(),
        }

    @app.post("/api/login", tags=["session"])
    async def api_login(
        request: Request, credentials: Annotated[dict[str, str], Body()]
    ) -> JSONResponse:
        """Log in with ``{"name": ..., "password": ...}``; answers the new session's
        CSRF token (the session cookie is set)."""
        session = await run_in_threadpool(
            _check_login,
            request,
            str(credentials.get("name", "")),
            str(credentials.get("password", "")),
        )
        response = JSONResponse({"user": session.user, "csrf": session.csrf})
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, session.token))
        return response

    @app.post("/api/logout", tags=["session"])
    def api_logout(request: Request) -> JSONResponse:
        """End the session."""
        session = _session(request)
        if session is not None:
            state.sessions.drop(session.token)
        response = JSONResponse({"ok": True})
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", max_age=0))
        return response

    @app.get("/api/overview", tags=["workspace"])
    def api_overview(request: Request) -> dict[str, Any]:
        """Layers and tables with counts, the latest month of each kind of record, and
        for each step what it still lacks."""
        return overview(ws)

    @app.get("/api/kinds", tags=["import"])
    def api_kinds(request: Request) -> list[dict[str, str]]:
        """The kinds ``POST /api/import/{kind}`` accepts."""
        from geoair.workflows.imports import IMPORTERS

        return [{"name": k, "title": layer_name(k)} for k in IMPORTERS]

    @app.post(
        "/api/import/{kind}",
        tags=["import"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "coords": {
                                    "type": "string",
                                    "description": "wgs84, gcj02, bd09 or EPSG:n",
                                },
                                "encoding": {"type": "string", "description": "utf-8, gbk"},
                                "sheet": {"type": "string", "description": "Excel sheet"},
                                "layer": {"type": "string"},
                                "date": {
                                    "type": "string",
                                    "description": "date of a 附件2 checklist; year of "
                                    "targets_annex",
                                },
                                "replace": {"type": "boolean"},
                            },
                        }
                    }
                },
            }
        },
    )
    async def api_import(request: Request, kind: str) -> dict[str, Any]:
        """Import one file of ``kind``: the rows that can be read are stored, the others
        come back in ``rejects`` (row number 行号, reason 原因, the row's cells), as in
        the rejects CSV (``rejects_csv``)."""
        from geoair.imports.report import ImportOptions
        from geoair.workflows.imports import IMPORTERS, run_import

        if kind not in IMPORTERS:
            raise RequestError(t("web.unknown_kind", kind=kind, kinds=", ".join(IMPORTERS)))
        upload = await receive_upload(
            request.headers.get("content-type", ""),
            request.stream(),
            ws.root / UPLOADS_DIR,
            max_bytes=config.max_upload_bytes,
        )
        fields = upload.fields
        unknown = sorted(set(fields) - set(_IMPORT_FIELDS))
        if unknown:
            upload.path.unlink(missing_ok=True)
            raise RequestError(
                t(
                    "web.param_unknown",
                    name=", ".join(unknown),
                    known="file, " + ", ".join(_IMPORT_FIELDS[:-1]),
                )
            )
        options = ImportOptions(
            kind=kind,
            path=upload.path,
            coords=fields.get("coords") or None,
            encoding=fields.get("encoding") or None,
            sheet=fields.get("sheet") or None,
            layer=fields.get("layer") or None,
            record_date=fields.get("date") or None,
            replace=fields.get("replace", "").lower() in ("1", "true", "on", "yes"),
        )

        def work():
            with state.jobs.write_lock:
                return run_import(ws, options)

        def named(message: str) -> str:  # the user's file name, not the generated one
            original = upload.original_name.replace("\\", "/").rsplit("/", 1)[-1]
            return message.replace(str(upload.path), original).replace(upload.path.name, original)

        try:
            report = await run_in_threadpool(work)
        except GeoairError as exc:
            upload.path.unlink(missing_ok=True)
            raise type(exc)(named(str(exc))) from None
        answer = _import_answer(ws, report, upload.original_name, upload.path)
        answer["notes"] = [named(note) for note in answer["notes"]]
        answer["lines"] = [named(line) for line in answer["lines"]]
        return answer

    @app.get("/api/layers", tags=["workspace"])
    def api_layers(request: Request) -> list[dict[str, Any]]:
        """Every layer and table: name, title, whether it has geometry, row count."""
        return [{**item, "title": layer_name(item["name"])} for item in layer_counts(ws)]

    @app.get(
        "/api/layers/{name}",
        tags=["workspace"],
        responses={200: {"content": {"application/geo+json": {}}}},
    )
    async def api_layer(request: Request, name: str) -> Response:
        """A layer (or table) as a GeoJSON FeatureCollection in WGS-84."""
        from geoair.web.geojson import layer_geojson

        names = {item["name"] for item in layer_counts(ws)}
        if name not in names:
            return JSONResponse(
                {"error": t("web.no_such_layer", name=name), "status": 404},
                status_code=404,
            )
        version = ws.gpkg.stat() if isinstance(ws, FolderWorkspace) else None
        etag = (
            f'"{name}-{version.st_mtime_ns}-{version.st_size}"'
            if version is not None
            else f'"{name}-{time.monotonic_ns()}"'  # a database: no cheap version, no cache
        )
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        with state.geojson_lock:
            body = state.geojson.get(etag)
        if body is None:
            body = await run_in_threadpool(layer_geojson, ws, name)
            with state.geojson_lock:
                state.geojson[etag] = body
                while len(state.geojson) > 8:
                    state.geojson.popitem(last=False)
        return Response(
            body,
            media_type="application/geo+json",
            headers={"ETag": etag, "Cache-Control": "no-cache"},
        )

    @app.get("/api/steps", tags=["steps"])
    def api_steps(request: Request) -> list[dict[str, Any]]:
        """The steps ``POST /api/run/{step}`` runs: their parameters, the workflow each
        calls, and what each lacks in this workspace."""
        have = available(ws)
        return [_step_view(s, have, ws) for s in STEPS.values()]

    @app.post("/api/run/{step}", tags=["steps"], status_code=202)
    def api_run(
        request: Request, step: str, params: Annotated[dict[str, Any] | None, Body()] = None
    ) -> dict[str, Any]:
        """Start a step as a job with its parameters (a JSON object; ``{}`` for the
        defaults); poll ``GET /api/jobs/{id}`` for progress and the result."""
        chosen = step_for(step)
        layers = {item["name"] for item in layer_counts(ws)}
        values = parse_params(chosen, params or {}, layers=layers)
        lacks = missing(chosen, available(ws))
        if lacks:
            raise RequestError(t("word.clause_sep").join(lacks))
        session = _session(request)

        def work(progress) -> dict[str, Any]:
            return _output_json(ws, chosen.run(ws, values, progress))

        job = state.jobs.submit(
            step, values, work, user=session.user if session is not None else None
        )
        return {"job": job.id, "url": f"/api/jobs/{job.id}", "state": job.state}

    @app.get("/api/jobs", tags=["steps"])
    def api_jobs() -> list[dict[str, Any]]:
        """The latest jobs, newest first."""
        return [job.as_dict() for job in state.jobs.recent(20)]

    @app.get("/api/jobs/{job_id}", tags=["steps"])
    def api_job(request: Request, job_id: str) -> Response:
        """A job: ``state`` (queued, running, done, failed), the progress ``message``
        (``done`` of ``total`` when counted), and at the end ``result`` (``lines``,
        ``tables``, ``files``, ``map``) or ``error``."""
        job = state.jobs.get(job_id)
        if job is None:
            return JSONResponse(
                {"error": t("web.no_such_job", id=job_id), "status": 404},
                status_code=404,
            )
        return JSONResponse(job.as_dict(), headers={"Cache-Control": "no-store"})

    @app.get("/api/files", tags=["workspace"])
    def api_files() -> dict[str, list[dict[str, Any]]]:
        """The files that can be downloaded (``url``), in ``outputs/`` and ``rejects/``."""
        return {folder: _list_files(ws, folder) for folder in DOWNLOAD_DIRS}

    return app
