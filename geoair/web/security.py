"""Who may use the web app and how requests are checked: sessions, CSRF, hosts, headers.

One ASGI middleware, :class:`Guard`, sits in front of every request:

* **Host** — on a loopback address the server answers only requests whose ``Host`` is
  ``127.0.0.1``, ``localhost`` or ``[::1]``, so a web page on another site cannot reach
  it through a DNS name that points at 127.0.0.1 (DNS rebinding).
* **Sessions** — a random 256-bit token in an HttpOnly, SameSite=Strict cookie names a
  session kept in the server's memory (:class:`Sessions`); each session has its own
  CSRF token. Logging in makes a new session (the old token is dropped).
* **Login** — when the server is open beyond this computer (or users exist, see
  :func:`login_required_for`), every page and API call except the login itself needs a
  logged-in session: pages redirect to ``/login``, the API answers 401.
* **CSRF** — every request that may change something (any method but GET, HEAD and
  OPTIONS) must carry the session's token, in the ``X-CSRF-Token`` header (the page
  script and API clients) or as the ``csrf_token`` field of a URL-encoded form (the
  login and logout forms); an ``Origin`` other than the server's own is refused too.
* **Size** — a body announced larger than the upload limit is refused with 413 before
  it is read (:mod:`geoair.web.uploads` counts the bytes of one sent in chunks).
* **Headers** — every response says ``X-Content-Type-Options: nosniff``, a
  ``Referrer-Policy`` and a Content-Security-Policy that lets pages load scripts,
  styles and images from the server only (responses that set their own keep it).
* **Language** — every request is answered inside
  :func:`geoair.messages.use_language`: ``?lang=zh|en`` on the request, else the
  language cookie (the page header's switch), else the server's language (``geoair
  serve --lang``, ``geoair --lang``, ``GEOAIR_LANG``; Chinese by default).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from geoair.messages import normalise_language, t, use_language

__all__ = [
    "ASGIApp",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Guard",
    "LANG_COOKIE",
    "LoginThrottle",
    "Message",
    "PAGE_CSP",
    "Receive",
    "SESSION_COOKIE",
    "Scope",
    "Send",
    "Session",
    "Sessions",
    "cookie_header",
    "is_loopback",
    "login_required_for",
    "safe_next",
]


SESSION_COOKIE = "geoair_session"
LANG_COOKIE = "geoair_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_OPEN_PATHS = ("/login", "/api/login", "/api/session", "/favicon.ico")
_FORM_MAX = 64 * 1024  # bytes of a URL-encoded form read to find its CSRF token
_LOOPBACK_NAMES = ("localhost", "localhost.")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and the loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip().strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_required_for(host: str, has_users: bool) -> bool:
    """Whether a server on ``host`` asks for a login: beyond the loopback always (it does
    not start without users), on the loopback when users have been added."""
    return has_users or not is_loopback(host)


def safe_next(target: str | None) -> str:
    """A local path to go to after a login or a language switch; ``/`` for anything
    else (another site, ``//host``, a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@dataclass
class Session:
    """A browser's (or script's) session: its token, its CSRF token and its user."""

    token: str
    csrf: str
    user: str | None = None
    created: float = field(default_factory=time.time)
    seen: float = field(default_factory=time.time)


class Sessions:
    """Sessions kept in memory (a restart logs everyone out).

    Parameters
    ----------
    idle_seconds : float
        A session unused for this long is forgotten.
    limit : int
        Most sessions kept; the least recently used go first.
    """

    def __init__(self, *, idle_seconds: float = 8 * 3600, limit: int = 10_000) -> None:
        self.idle_seconds = idle_seconds
        self.limit = limit
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, user: str | None = None) -> Session:
        """A new session with fresh tokens."""
        session = Session(
            token=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), user=user
        )
        with self._lock:
            self._sessions[session.token] = session
            if len(self._sessions) > self.limit:
                for old in sorted(self._sessions.values(), key=lambda s: s.seen)[
                    : len(self._sessions) - self.limit
                ]:
                    self._sessions.pop(old.token, None)
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, or None."""
        if not token:
            return None
        now = time.time()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.seen > self.idle_seconds:
                del self._sessions[token]
                return None
            session.seen = now
            return session

    def drop(self, token: str | None) -> None:
        """Forget a session (logout)."""
        with self._lock:
            self._sessions.pop(token or "", None)


class LoginThrottle:
    """Refuse logins for a while after too many failures for one name or one address.

    Parameters
    ----------
    failures : int
        Failures allowed within ``window_seconds``.
    window_seconds : float
        The window, and how long a refusal lasts after the last failure.
    """

    def __init__(self, *, failures: int = 5, window_seconds: float = 300.0) -> None:
        self.failures = failures
        self.window = window_seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait_seconds(self, *keys: str) -> float:
        """Seconds until a login for any of ``keys`` is allowed again (0: now)."""
        now = time.time()
        with self._lock:
            waits = [
                self.window - (now - times[-1])
                for times in (self._recent(k, now) for k in keys)
                if len(times) >= self.failures
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        """Record a failed login for ``keys`` (a user name, an address)."""
        now = time.time()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys``."""
        with self._lock:
            for key in keys:
                self._seen.pop(key, None)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(header: str) -> dict[str, str]:
    from starlette.requests import cookie_parser

    return cookie_parser(header) if header else {}


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def cookie_header(name: str, value: str, *, max_age: int | None = None) -> str:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Strict, for the whole site."""
    age = f"; Max-Age={max_age}" if max_age is not None else ""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}"


class Guard:
    """The ASGI middleware described in the module docstring.

    Parameters
    ----------
    app : ASGI app
    sessions : Sessions
    login_required : bool
        Ask for a login (see :func:`login_required_for`).
    loopback_only : bool
        Answer only requests addressed to a loopback name (the server is bound there).
    max_body : int
        Largest request body announced by ``Content-Length`` that is let through.
    lang : str
        The server's language: of requests without ``?lang=`` or a language cookie.
    user_exists : callable, optional
        Whether a session's user still exists: the sessions of a removed user end at once.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: Sessions,
        login_required: bool,
        loopback_only: bool,
        max_body: int,
        lang: str = "zh",
        user_exists: Callable[[str], bool] | None = None,
    ) -> None:
        self.app = app
        self.user_exists = user_exists
        self.sessions = sessions
        self.login_required = login_required
        self.loopback_only = loopback_only
        self.max_body = max_body
        self.lang = lang

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        cookies = _cookies(headers.get("cookie", ""))
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [])
        lang = next(
            (
                chosen
                for chosen in (
                    normalise_language(query[-1] if query else None),
                    normalise_language(cookies.get(LANG_COOKIE)),
                    normalise_language(self.lang),
                )
                if chosen is not None
            ),
            "zh",
        )
        with use_language(lang):
            await self._guard(scope, receive, send, headers, cookies, lang)

    async def _guard(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        cookies: dict[str, str],
        lang: str,
    ) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        api = path.startswith("/api/")

        async def refuse(status: int, key: str) -> None:
            await _respond_json(send, status, {"error": t(f"web.{key}"), "status": status})

        host = headers.get("host", "")
        if self.loopback_only and not is_loopback(_host_name(host)):
            await refuse(400, "host_refused")
            return

        session = self.sessions.get(cookies.get(SESSION_COOKIE))
        user = session.user if session is not None else None
        if user is not None and self.user_exists is not None and not self.user_exists(user):
            self.sessions.drop(session.token)  # type: ignore[union-attr]
            session = None
        set_cookie = None
        if session is None and method in ("GET", "HEAD") and not path.startswith("/static/"):
            session = self.sessions.new()
            set_cookie = cookie_header(SESSION_COOKIE, session.token)
        state = scope.setdefault("state", {})
        state["session"] = session
        state["lang"] = lang

        if method not in _SAFE_METHODS:
            origin = headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc.lower() != host.lower():
                await refuse(403, "origin_refused")
                return
            if origin == "null":
                await refuse(403, "origin_refused")
                return
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                await _respond_json(
                    send,
                    413,
                    {
                        "error": t("web.import_too_big", mb=f"{self.max_body / 1e6:g}"),
                        "status": 413,
                    },
                )
                return
            token = headers.get(CSRF_HEADER)
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if not token and content_type == "application/x-www-form-urlencoded":
                body, receive = await _buffer(receive, _FORM_MAX)
                if body is not None:
                    values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [])
                    token = values[0] if values else None
            if session is None or not token or not hmac.compare_digest(token, session.csrf):
                await refuse(403, "csrf_refused")
                return

        open_path = path in _OPEN_PATHS or path.startswith(("/static/", "/lang/"))
        if self.login_required and not open_path and (session is None or session.user is None):
            if not api and method in ("GET", "HEAD"):
                target = path + (
                    "?" + scope["query_string"].decode() if scope["query_string"] else ""
                )
                await _redirect(send, "/login?next=" + quote(target, safe=""), set_cookie)
            else:
                await refuse(401, "login_needed")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                if b"x-frame-options" not in names:
                    extra.append((b"x-frame-options", b"SAMEORIGIN"))
                if set_cookie is not None:
                    extra.append((b"set-cookie", set_cookie.encode("latin-1")))
                message["headers"] = raw + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _buffer(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """Read a small body whole and hand back a ``receive`` that replays it."""
    chunks, size, more = [], 0, True
    messages: list[Message] = []
    while more:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        more = message.get("more_body", False)
        if size > limit:
            break
    body = b"".join(chunks) if size <= limit else None
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return body, replay


async def _respond_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"content-security-policy", PAGE_CSP.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str, set_cookie: str | None) -> None:
    headers = [
        (b"location", location.encode("latin-1")),
        (b"content-length", b"0"),
        (b"content-security-policy", PAGE_CSP.encode()),
    ]
    if set_cookie is not None:
        headers.append((b"set-cookie", set_cookie.encode("latin-1")))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
