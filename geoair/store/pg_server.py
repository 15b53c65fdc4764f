"""A throwaway PostgreSQL server with PostGIS, in a temporary folder on a free port.

For the tests, the benchmarks and for trying a database workspace on one PC: it runs
the machine's own PostgreSQL programs (Debian's ``postgresql`` and
``postgresql-postgis`` packages, found under ``/usr/lib/postgresql/N/bin`` or through
``pg_config``), ``initdb`` as the ``postgres`` user when run by root (PostgreSQL
refuses to run as root), password authentication (scram-sha-256) on 127.0.0.1 only,
and removes everything when stopped.

Examples
--------
>>> with TemporaryServer() as server:                             # doctest: +SKIP
...     url = server.url()       # postgresql://postgres:...@127.0.0.1:PORT/postgres
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from geoair.errors import WorkspaceError
from geoair.messages import t

__all__ = ["SUPERUSER", "TemporaryServer", "find_bindir", "free_port"]


SUPERUSER = "postgres"


def find_bindir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: the newest ``/usr/lib/postgresql/N/bin``.

    Raises
    ------
    WorkspaceError
        PostgreSQL is not installed (the message names the Debian packages).
    """
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    raise WorkspaceError(t("error.store.no_initdb"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryServer:
    """A PostgreSQL cluster of its own, started by :meth:`start`, removed by :meth:`stop`.

    Parameters
    ----------
    password : str
        Password of the superuser ``postgres``.
    durable : bool
        False (for tests) turns off fsync and synchronous commit: faster, and a crash
        of the machine may lose the cluster, which is thrown away anyway. Benchmarks
        keep the default settings of a real server (True).
    """

    def __init__(self, *, password: str = "geoair-test", durable: bool = True) -> None:
        self.password = password
        self.durable = durable
        self.port = 0
        self.folder: Path | None = None
        self.bindir: Path | None = None

    # -- life ----------------------------------------------------------------------
    def _run(self, *args: str | Path) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def start(self) -> TemporaryServer:
        """Make the cluster (initdb), start it (pg_ctl) and wait until it accepts logins."""
        self.bindir = find_bindir()
        # As root the folder is handed to the postgres user, who must be able to reach
        # it: /tmp is, whatever TMPDIR says.
        root = os.geteuid() == 0 and Path("/tmp").is_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="geoair-pg-", dir="/tmp" if root else None))
        data = self.folder / "data"
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, SUPERUSER, SUPERUSER)
            shutil.chown(pwfile, SUPERUSER, SUPERUSER)
        os.chmod(self.folder, 0o700)
        init = self._run(
            self.bindir / "initdb",
            "-D",
            data,
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-locale",
        )
        if init.returncode:
            self.stop()
            detail = init.stderr.strip() or init.stdout.strip()
            raise WorkspaceError(t("error.store.initdb", detail=detail))
        self.port = free_port()
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.folder}",
            "-c max_connections=50",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        started = self._run(
            self.bindir / "pg_ctl",
            "-D",
            data,
            "-l",
            self.folder / "log",
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
            "start",
        )
        if started.returncode:
            log = (self.folder / "log").read_text(errors="replace")[-2000:]
            self.stop()
            detail = f"{started.stderr.strip()}\n{log}"
            raise WorkspaceError(t("error.store.pg_ctl", detail=detail))
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if self.folder is None:
            return
        data = self.folder / "data"
        if self.bindir is not None and (data / "postmaster.pid").exists():
            self._run(self.bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> TemporaryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- use -----------------------------------------------------------------------
    def url(
        self,
        database: str = "postgres",
        *,
        user: str = SUPERUSER,
        password: str | None = None,
        schema: str | None = None,
        with_password: bool = True,
    ) -> str:
        """``postgresql://user:password@127.0.0.1:PORT/database[?schema=NAME]``."""
        secret = self.password if password is None and user == SUPERUSER else password
        auth = f"{user}:{secret}" if with_password and secret else user
        query = f"?schema={schema}" if schema else ""
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}{query}"

    def execute(self, sql: str, *, database: str = "postgres") -> None:
        """Run SQL as the superuser (autocommit: CREATE DATABASE works)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, *, postgis: bool = True, owner: str | None = None) -> str:
        """A new database (with PostGIS when asked); returns the superuser's URL to it."""
        owned = f' OWNER "{owner}"' if owner else ""
        self.execute(f'CREATE DATABASE "{name}"{owned}')
        if postgis:
            self.execute("CREATE EXTENSION postgis", database=name)
        return self.url(name)

    def create_role(self, name: str, password: str) -> None:
        """A login role without superuser rights."""
        escaped = password.replace("'", "''")
        self.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{escaped}'")
