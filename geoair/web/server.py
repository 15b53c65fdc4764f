"""Serving the web app: the checks before it starts, and uvicorn.

``geoair serve`` calls :func:`serve`. By default the server listens on 127.0.0.1 only,
reachable from this computer alone. On any other address it refuses to start until
the workspace has a user (``geoair users add NAME``), and then everyone logs in.
:func:`start_in_thread` runs the same server in a background thread, for tests,
benchmarks and notebooks.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

from geoair.errors import AccessError, ServeError
from geoair.messages import t
from geoair.store.workspace import Workspace
from geoair.web.app import WebConfig, create_app
from geoair.web.security import is_loopback, login_required_for
from geoair.web.users import UserStore

__all__ = ["RunningServer", "check_can_serve", "config_for", "serve", "start_in_thread"]


log = logging.getLogger(__name__)


def check_can_serve(ws: Workspace, host: str) -> None:
    """Refuse to serve beyond this computer while the workspace has no user.

    Raises
    ------
    AccessError
        ``host`` is not a loopback address and no user has been added.
    """
    if not is_loopback(host) and not UserStore(ws.root).exists():
        raise AccessError(t("error.web.needs_user", host=host, root=ws.root))


def config_for(
    ws: Workspace, host: str, *, lang: str = "zh", max_upload_mb: float = 200.0
) -> WebConfig:
    """The :class:`WebConfig` of a server on ``host`` (login asked for as
    :func:`geoair.web.security.login_required_for` says)."""
    return WebConfig(
        host=host,
        lang=lang,
        max_upload_bytes=int(max_upload_mb * 1e6),
        login_required=login_required_for(host, UserStore(ws.root).exists()),
    )


def serve(
    ws: Workspace,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    lang: str = "zh",
    max_upload_mb: float = 200.0,
) -> None:
    """Serve the web app on ``host:port`` until interrupted (Ctrl-C).

    Raises
    ------
    AccessError
        See :func:`check_can_serve`.
    ServeError
        The port is taken, or ``host`` is not an address of this computer.
    """
    import uvicorn

    check_can_serve(ws, host)
    _check_port(host, port)
    config = config_for(ws, host, lang=lang, max_upload_mb=max_upload_mb)
    app = create_app(ws, config)
    # uvicorn's own lines (English: "Started server process"...) only with geoair -v; the
    # command line has said where the app is and how to stop it, in the clerk's language
    verbose = logging.getLogger("geoair").getEffectiveLevel() <= logging.INFO
    uvicorn.run(
        app, host=host, port=port, log_level="info" if verbose else "warning", access_log=False
    )


@dataclass
class RunningServer:
    """A server started by :func:`start_in_thread` (its URL, the uvicorn server, its
    thread and the app); :meth:`stop` ends it."""

    url: str
    server: object
    thread: threading.Thread
    app: object = None

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish and wait for its thread."""
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout)


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServeError(
                t(
                    "error.web.cannot_listen",
                    host=host,
                    port=port,
                    error=exc.strerror,
                    next=port + 1,
                )
            ) from None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_in_thread(
    ws: Workspace,
    config: WebConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float = 20.0,
) -> RunningServer:
    """Run the app with uvicorn in a background thread, on a free port by default.

    Parameters
    ----------
    ws : Workspace
    config : WebConfig, optional
        Default: as :func:`config_for` gives for ``host``.
    host : str
        Address to listen on.
    port : int, optional
        Default: a free port.
    timeout : float
        Seconds to wait for the server to accept connections.

    Returns
    -------
    RunningServer
    """
    import uvicorn

    config = config or config_for(ws, host)
    port = port or _free_port(host)
    app = create_app(ws, config)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="geoair-web", daemon=True)
    thread.start()
    end = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > end:
            raise ServeError(t("error.web.not_started", host=host, port=port))
        time.sleep(0.02)
    return RunningServer(url=f"http://{host}:{port}", server=server, thread=thread, app=app)
