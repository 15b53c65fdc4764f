"""Workspace settings: ``geoair.toml``, with documented defaults taken from the documents.

The defaults live in one place, :data:`DEFAULT_TOML`, a commented TOML text that is
written as-is into every new workspace, so that users read what each setting means
and where its default comes from. A user's file is merged over the defaults; an
unknown key or a value of the wrong type is refused with the key's name.

Each capability owns one table (``[gate_roads]``, ``[readings]``, ...), appended to
:data:`DEFAULT_TOML` with a comment per key. Read settings
with :func:`load_settings` and index them like dicts: ``settings["gate_roads"]["radius_m"]``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geoair._errors import ConfigError

DEFAULT_TOML = """\
# geoair workspace settings. Edit the values; keep the keys.
# Every default below is taken from the documents named beside it
# (seed numbers refer to ../shared/seeds/ in the project).

[workspace]
# Name of the city or county, used in titles of maps and forms.
name = "阳泉市"
# Coordinate system of files imported without one: "wgs84", "gcj02" (Amap, Tencent)
# or "bd09" (Baidu). Coordinates are always stored in WGS-84.
default_coords = "wgs84"

[gate_roads]
# Radius around every factory gate whose road must be washed and swept
# (seed 000, 二(二): 厂区大门附近100米范围内的道路).
radius_m = 100.0
# A gate farther than this from its enterprise's site is flagged as a likely
# coordinate error.
gate_site_max_m = 2000.0

[readings]
# Dustfall limit per county, t/(km²·month): 9 in Yangquan 2020 (seed 004, (九));
# Yangcheng 2024 uses 7 (seed 003).
dustfall_limit_t_km2 = 9.0
# Wind speeds below this (m/s) are calm hours.
calm_wind_ms = 0.5

[assignment]
# Heaps and stations within this ring outside a park polygon count as "near" it.
near_park_m = 1000.0
"""


def _parse(text: str, *, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML ({exc}). Fix that line, or delete "
                          "the file and run geoair init again to get the defaults.") from None


DEFAULTS: dict[str, Any] = _parse(DEFAULT_TOML, source="the built-in settings")


def _merge(defaults: Mapping[str, Any], given: Mapping[str, Any], path: str) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    problems = []
    for key, value in given.items():
        where = f"{path}.{key}" if path else key
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "(none)"
            problems.append(f"unknown setting {where!r} (known here: {known})")
            continue
        default = defaults[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{where} must be a table [{where}]")
                continue
            if not default:  # an open table, e.g. weights keyed by name
                merged[key] = dict(value)
                continue
            try:
                merged[key] = _merge(default, value, where)
            except ConfigError as exc:
                problems.append(str(exc))
            continue
        if isinstance(default, bool) != isinstance(value, bool):
            problems.append(f"{where} must be true or false, not {value!r}")
        elif isinstance(default, float) and isinstance(value, int | float):
            merged[key] = float(value)
        elif isinstance(default, int) and not isinstance(default, bool) and isinstance(value, int):
            merged[key] = value
        elif type(default) is not type(value) and not (
            isinstance(default, list) and isinstance(value, list)
        ):
            problems.append(f"{where} must be a {type(default).__name__}, not {value!r}")
        else:
            merged[key] = value
    if problems:
        raise ConfigError("; ".join(problems))
    return merged


def load_settings(path: Path | str | None) -> dict[str, Any]:
    """Read ``geoair.toml`` over the defaults; every problem is reported at once.

    Parameters
    ----------
    path : path or None
        The settings file; None or a missing file gives the defaults.

    Returns
    -------
    dict
        Settings as nested dicts, every key present.
    """
    if path is None or not Path(path).exists():
        return copy.deepcopy(DEFAULTS)
    given = _parse(Path(path).read_text(encoding="utf-8"), source=str(path))
    try:
        return _merge(DEFAULTS, given, "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}. Correct or remove these lines.") from None
