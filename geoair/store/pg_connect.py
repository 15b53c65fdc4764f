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
        raise WorkspaceError(
            "要使用数据库工作区，请先安装 PostgreSQL 支持：python -m pip install "
            "'geoair[postgis]'。 / A database workspace needs geoair's PostgreSQL "
            "support: python -m pip install 'geoair[postgis]'."
        ) from None
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
                f"无法解析数据库地址 {self.display}。 / Cannot read the database URL "
                f"{self.display} ({first_line(exc)}); write it as "
                "postgresql://user[:password]@host[:port]/db[?schema=NAME]."
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
        raise WorkspaceError(
            f"“{mask_url(url)}”不是 geoair 能用的数据库地址，请写成 postgresql://用户@主机:端口/库名。"
            f" / {mask_url(url)} is not a database geoair can use: a workspace is a folder or "
            "postgresql://user[:password]@host[:port]/db[?schema=NAME]."
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    rest = [(name, value) for name, value in query if name != "schema"]
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not _IDENTIFIER.match(schema):
        raise WorkspaceError(
            f"schema 名称“{schema}”不可用，请只用英文字母、数字和下划线。 / The schema "
            f"name {schema!r} in {mask_url(url)} cannot be used: use letters, digits and "
            "underscores only, starting with a letter (e.g. ?schema=geoair)."
        )
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
    user = params.get("user") or "(your login name)"
    database = params.get("dbname") or user
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    if state == "28P01" or "password authentication failed" in message:
        return WorkspaceError(
            f"数据库拒绝了用户 {user} 的密码，请核对 URL 中的密码、PGPASSWORD 或 ~/.pgpass。 / "
            f"The database at {url.server} refused the password of user {user}: check the "
            "password in the URL, in PGPASSWORD or in ~/.pgpass."
        )
    if "no password supplied" in message:
        return WorkspaceError(
            f"数据库要求用户 {user} 提供密码，请写在 URL 中，或 PGPASSWORD、~/.pgpass、服务文件中。"
            f" / The database at {url.server} wants a password for user {user}: give it in "
            "the URL, in PGPASSWORD, in ~/.pgpass or in a service file."
        )
    if state == "3D000" or re.search(r'database ".*" does not exist', message):
        return WorkspaceError(
            f"服务器 {host}:{port} 上没有数据库 {database}，请核对库名或请管理员创建。 / "
            f"There is no database {database} on {host}:{port}: check its name in "
            f"{url.server}, or ask the administrator to create it."
        )
    if state == "28000":
        return WorkspaceError(
            f"数据库不允许用户 {user} 从这台电脑登录（{first_line(exc)}），请管理员检查角色和 "
            f"pg_hba.conf。 / The database at {url.server} does not let user {user} log in "
            f"from this computer ({first_line(exc)}): ask the administrator to check the "
            "role and pg_hba.conf."
        )
    if "service" in message and ("definition" in message or "not found" in message):
        return WorkspaceError(
            f"找不到数据库服务定义（{first_line(exc)}），请检查 PGSERVICEFILE 或 "
            f"~/.pg_service.conf。 / The service named in {url.display} is not defined "
            f"({first_line(exc)}): check ~/.pg_service.conf or PGSERVICEFILE."
        )
    lowered = message.lower()
    if "connection refused" in lowered:
        reason = "connection refused: no database server listens there"
    elif "could not translate host name" in lowered or "name or service not known" in lowered:
        reason = "unknown host name"
    elif "timeout expired" in lowered or "timed out" in lowered:
        reason = f"no answer within {params.get('connect_timeout', '10')} s"
    else:
        reason = first_line(exc)
    return WorkspaceError(
        f"连不上数据库服务器 {host}:{port}，请检查主机名、端口和网络，或请管理员确认数据库已启动。"
        f" / Cannot reach the database server {host}:{port} ({reason}): check the host "
        "name, the port and the network, or ask the administrator whether the server is "
        "running."
    )


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
