"""File names made from data, and output paths that stay inside their folder.

A county, a station id, a month or a layer name can come from an imported file or
from a workspace that another office sent, and some of them end up in file names
(``附件2问题清单_郊区_2024-03.xlsx``, ``outputs/sources/S1_PM2.5.png``). Such a value
could hold a path separator or ``..`` (``../../../tmp/x``) and so write outside the
workspace. Every component that comes from data or options goes through
:func:`safe_name`, and every output path built under a folder through
:func:`inside` (or :func:`child`, which does both).

:func:`safe_name` keeps the text readable (Chinese is kept as it is) and changes only
what a file system would misread:

* path separators (``/``, ``\\``) and the characters Windows refuses in names
  (``< > : " | ? *``) become ``_``;
* control characters (U+0000-U+001F, U+007F) are removed;
* ``..`` becomes ``_`` (no name is ``.`` or ``..`` or starts with a dot);
* leading and trailing spaces and dots are removed (Windows drops trailing ones);
* Windows' reserved device names (``CON``, ``NUL``, ``COM1``...) get a ``_`` in front;
* the result is at most :data:`MAX_NAME_BYTES` bytes of UTF-8 (file systems allow 255),
  cut between characters;
* an empty result becomes ``_``.
"""

from __future__ import annotations

import re
from pathlib import Path

from geoair.errors import OutputError
from geoair.messages import t

__all__ = ["MAX_NAME_BYTES", "child", "inside", "safe_name"]


#: Longest file-name component geoair makes from data, in bytes of UTF-8 (a Chinese
#: character is 3 bytes, so about 40 characters). Room is left for a prefix and suffix.
MAX_NAME_BYTES = 120

_UNSAFE = re.compile(r'[\\/<>:"|?*]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def safe_name(value: object, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file-name component made from ``value`` that cannot leave its folder.

    Parameters
    ----------
    value : object
        Text from data or options (a county, a station id, a month...).
    max_bytes : int
        Longest result in bytes of UTF-8.

    Returns
    -------
    str
        Never empty, never ``.`` or ``..``, no separator, no control character.

    Examples
    --------
    >>> safe_name("郊区")
    '郊区'
    >>> safe_name("../../../tmp/x")
    '______tmp_x'
    """
    text = _CONTROL.sub("", str(value))
    text = _UNSAFE.sub("_", text)
    text = text.replace("..", "_")
    text = text.strip(" .")
    if _RESERVED.match(text):
        text = "_" + text
    out = ""
    for char in text:
        if len((out + char).encode("utf-8")) > max_bytes:
            break
        out += char
    out = out.strip(" .")
    return out or "_"


def inside(path: Path | str, folder: Path | str) -> Path:
    """``path``, after checking that it lies inside ``folder`` once resolved.

    Symbolic links and ``..`` are resolved before the check, so a name that climbs
    out (or a link that points out) is refused.

    Raises
    ------
    OutputError
        The path would be written outside ``folder``.
    """
    path = Path(path)
    root = Path(folder).resolve()
    resolved = (root / path if not path.is_absolute() else path).resolve()
    if resolved != root and root not in resolved.parents:
        raise OutputError(t("error.io.outside_folder", path=path, root=root))
    return resolved


def child(folder: Path | str, *names: object, suffix: str = "") -> Path:
    """``folder / name1 / name2 ... + suffix``, each name made safe, checked to stay inside.

    Examples
    --------
    >>> child("/tmp/out", "调度表_../../x_2024-03", suffix=".xlsx").name
    '调度表_____x_2024-03.xlsx'
    """
    folder = Path(folder)
    if not names:
        return inside(folder, folder)
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    parts = [safe_name(name) for name in names[:-1]]
    parts.append(safe_name(names[-1], max_bytes=room) + suffix)
    return inside(folder.joinpath(*parts), folder)
