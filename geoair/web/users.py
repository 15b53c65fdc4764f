"""The people who may use ``geoair serve``: names and password hashes in the workspace.

``geoair users add NAME`` stores a user in ``users.json`` in the workspace folder (mode
0600, written atomically). Passwords are hashed with Argon2id through argon2-cffi
(its default, RFC 9106 low-memory parameters); the password itself is never stored.
A server that listens on any address other than the loopback refuses to start until
the workspace has at least one user, and then asks everyone to log in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from pathlib import Path

from geoair.errors import AccessError
from geoair.messages import t

__all__ = ["MIN_PASSWORD", "USERS_FILE", "UserStore", "valid_name"]


USERS_FILE = "users.json"
MIN_PASSWORD = 8
_NAME = re.compile(r"[\w.@-]{1,64}")


def valid_name(name: str) -> bool:
    """A user name: 1-64 letters (Chinese too), digits, ``.``, ``_``, ``-`` or ``@``."""
    return bool(_NAME.fullmatch(name))


def _hasher():
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - the web extra brings it
        raise AccessError(t("error.users.needs_argon2")) from None
    return PasswordHasher()


class UserStore:
    """The users of one workspace.

    Parameters
    ----------
    root : path
        The workspace folder; the users live in ``root / "users.json"``.

    Examples
    --------
    >>> store = UserStore(ws.root)                      # doctest: +SKIP
    >>> store.add("wang", "a long password")            # doctest: +SKIP
    >>> store.verify("wang", "a long password")         # doctest: +SKIP
    True
    """

    def __init__(self, root: Path | str) -> None:
        self.path = Path(root) / USERS_FILE
        self._dummy: str | None = None
        self._cache: tuple[tuple[int, int], dict[str, dict]] | None = None

    def _load(self) -> dict[str, dict]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return dict(self._cache[1])
        try:
            data = json.loads(self.path.read_text("utf-8"))
            users = dict(data["users"])
            self._cache = (key, users)
            return dict(users)
        except (ValueError, KeyError, TypeError) as exc:
            raise AccessError(t("error.users.file_damaged", path=self.path, error=exc)) from None

    def _save(self, users: dict[str, dict]) -> None:
        text = json.dumps({"version": 1, "users": users}, ensure_ascii=False, indent=1)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, self.path)

    def names(self) -> list[str]:
        """The user names, sorted."""
        return sorted(self._load())

    def exists(self) -> bool:
        """True when at least one user can log in."""
        return bool(self._load())

    def has(self, name: str) -> bool:
        """True when ``name`` is a user (read again when the file changes)."""
        return name in self._load()

    def add(self, name: str, password: str, *, replace: bool = False) -> None:
        """Store ``name`` with a hash of ``password``.

        Raises
        ------
        AccessError
            The name is not valid, already taken (unless ``replace``), or the password
            is shorter than :data:`MIN_PASSWORD` characters.
        """
        if not valid_name(name):
            raise AccessError(t("error.users.bad_name", name=name))
        if len(password) < MIN_PASSWORD:
            raise AccessError(t("error.users.short_password", n=MIN_PASSWORD))
        users = self._load()
        if name in users and not replace:
            raise AccessError(t("error.users.exists", name=name))
        users[name] = {
            "hash": _hasher().hash(password),
            "created": dt.datetime.now().isoformat(timespec="seconds"),
        }
        self._save(users)

    def remove(self, name: str) -> None:
        """Remove a user.

        Raises
        ------
        AccessError
            No such user.
        """
        users = self._load()
        if name not in users:
            raise AccessError(
                t(
                    "error.users.no_such_user",
                    name=name,
                    users=t("word.list_sep").join(sorted(users)) or t("word.none"),
                )
            )
        del users[name]
        self._save(users)

    def verify(self, name: str, password: str) -> bool:
        """True when ``password`` is ``name``'s; as slow for an unknown name as a known one."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        record = self._load().get(name)
        if record is None:
            if self._dummy is None:
                self._dummy = hasher.hash("geoair: no such user")
            with contextlib.suppress(VerificationError):
                hasher.verify(self._dummy, password)
            return False
        try:
            return bool(hasher.verify(record["hash"], password))
        except (VerificationError, InvalidHashError):
            return False
