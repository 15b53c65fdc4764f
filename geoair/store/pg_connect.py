"""Connecting to a database workspace: the URL, the credentials, one sentence per failure.

``postgresql://user[:password]@host[:port]/db[?schema=NAME]``: geoair takes ``schema``
out and hands the rest to libpq, which finds the password in the URL, ``PGPASSWORD``,
``~/.pgpass`` or a service file (``postgresql://?service=NAME``). Messages show the URL
with ``***`` for the password (:func:`mask_url`), and a failed login or an unreachable
server is one sentence (Chinese, then English), never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from geoair.errors import WorkspaceError
from geoair.messages import t

__all__ = [
    "DEFAULT_SCHEMA",
    "DatabaseURL",
    "connect",
    "first_line",
    "mask_url",
    "parse_url",
    "psycopg_module",
]


DEFAULT_SCHEMA = "geoair"
_SCHEMES = ("postgresql", "postgres")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def psycopg_module() -> Any:
    """psycopg, or one sentence saying how to install it."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the extra is installed with the tests
        raise WorkspaceError(t("error.store.needs_psycopg")) from None
    return psycopg


# --- the URL -----------------------------------------------------------------------


def mask_url(url: str) -> str:
    """``url`` with its password shown as ``***`` (in the user part and in ``?password=``)."""
    masked = re.sub(r"(://[^:/@?#]*):[^@/?#]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", masked)


@dataclass(frozen=True)
class DatabaseURL:
    """A database workspace's address, split into what libpq reads and the schema.

    Attributes
    ----------
    url : str
        As given (it may hold the password: never print it; print :attr:`display`).
    conninfo : str
        The URL without ``schema=``, for libpq.
    schema : str
        The schema of the workspace's tables.
    """

    url: str
    conninfo: str
    schema: str

    @property
    def display(self) -> str:
        """The URL as given, password shown as ``***``."""
        return mask_url(self.url)

    @property
    def server(self) -> str:
        """``postgresql://user:***@host:port/db`` without the query, for messages."""
        parts = urlsplit(self.conninfo)
        return mask_url(f"{parts.scheme}://{parts.netloc}{parts.path}")

    def params(self) -> dict[str, str]:
        """The connection parameters as libpq reads them (password not resolved)."""
        from psycopg.conninfo import conninfo_to_dict

        try:
            return {k: str(v) for k, v in conninfo_to_dict(self.conninfo).items()}
        except psycopg_module().ProgrammingError as exc:
            raise WorkspaceError(
                t("error.store.bad_url", url=self.display, error=first_line(exc))
            ) from None


def parse_url(url: str) -> DatabaseURL:
    """Split ``postgresql://user[:password]@host[:port]/db[?schema=NAME]``.

    Raises
    ------
    WorkspaceError
        Not a ``postgresql://`` URL, or a schema name that is not a plain identifier.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES:
        raise WorkspaceError(t("error.store.not_database_url", url=mask_url(url)))
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    rest = [(name, value) for name, value in query if name != "schema"]
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not _IDENTIFIER.match(schema):
        raise WorkspaceError(t("error.store.bad_schema", schema=schema, url=mask_url(url)))
    query_text = urlencode(rest, quote_via=quote)  # spaces as %20: libpq reads no "+"
    conninfo = f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query_text}" if rest else "")
    return DatabaseURL(url=url, conninfo=conninfo, schema=schema)


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (libpq's messages run over several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _connection_error(exc: Exception, url: DatabaseURL, params: dict[str, str]) -> WorkspaceError:
    """One sentence for a failed login or an unreachable server (never the password)."""
    message = str(exc)
    state = getattr(exc, "sqlstate", None)
    user = params.get("user") or t("store.your_login")
    database = params.get("dbname") or user
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    if state == "28P01" or "password authentication failed" in message:
        return WorkspaceError(t("error.store.pg_bad_password", server=url.server, user=user))
    if "no password supplied" in message:
        return WorkspaceError(t("error.store.pg_no_password", server=url.server, user=user))
    if state == "3D000" or re.search(r'database ".*" does not exist', message):
        return WorkspaceError(
            t(
                "error.store.pg_no_database",
                database=database,
                host=host,
                port=port,
                server=url.server,
            )
        )
    if state == "28000":
        return WorkspaceError(
            t("error.store.pg_login_refused", server=url.server, user=user, error=first_line(exc))
        )
    if "service" in message and ("definition" in message or "not found" in message):
        return WorkspaceError(
            t("error.store.pg_no_service", url=url.display, error=first_line(exc))
        )
    lowered = message.lower()
    if "connection refused" in lowered:
        reason = t("store.pg_reason.refused")
    elif "could not translate host name" in lowered or "name or service not known" in lowered:
        reason = t("store.pg_reason.unknown_host")
    elif "timeout expired" in lowered or "timed out" in lowered:
        reason = t("store.pg_reason.timeout", seconds=params.get("connect_timeout", "10"))
    else:
        reason = first_line(exc)
    return WorkspaceError(t("error.store.pg_unreachable", host=host, port=port, reason=reason))


def connect(url: DatabaseURL) -> Any:
    """An autocommit connection, dates as ISO text in UTC; failures as one sentence."""
    psycopg = psycopg_module()
    params = url.params()
    extra = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = "10"
    if "application_name" not in params:
        extra["application_name"] = "geoair"
    try:
        conn = psycopg.connect(url.conninfo, autocommit=True, **extra)
    except psycopg.OperationalError as exc:
        raise _connection_error(exc, url, {**params, **extra}) from None
    # Dates and times as ISO text, in UTC, whatever the server's defaults.
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET IntervalStyle = 'postgres'")
    return conn
