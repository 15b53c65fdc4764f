"""How long work reports its progress: one callback type for the whole library.

Library code never prints. A function that runs long takes ``progress: Progress`` and
calls it with a short message, and with ``done`` and ``total`` when it can count; the
command line shows it (with ``-v``), the web app streams it, a notebook ignores it.

Examples
--------
>>> seen = []
>>> def remember(message, *, done=None, total=None):
...     seen.append((message, done, total))
>>> remember("reading files", done=3, total=10)
>>> seen
[('reading files', 3, 10)]
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "silent"]


class Progress(Protocol):
    """Called with a message and, when the work can be counted, ``done`` of ``total``."""

    def __call__(
        self, message: str, /, *, done: int | None = None, total: int | None = None
    ) -> None: ...


def silent(message: str, /, *, done: int | None = None, total: int | None = None) -> None:
    """A :class:`Progress` that shows nothing (the default everywhere)."""
