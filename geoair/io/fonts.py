"""Chinese text in PNG files: one font check for every PNG writer, and no empty boxes.

geoair writes PNG maps (:mod:`geoair.maps.static`) and polar plots
(:mod:`geoair.sources.plots`) with Chinese titles, legends and names. A machine
without a Chinese font, or whose matplotlib font cache was made before one was
installed, would print empty boxes. So:

* geoair ships a Chinese font, **Geoair Sans SC** (``geoair/data/fonts/``: a GBK
  subset of Noto Sans CJK SC Regular under the SIL Open Font License, built by
  ``scripts/build_cjk_font.py``), and registers it with matplotlib;
* font files the system has but matplotlib's cache does not know (installed after
  the cache was built) are added to matplotlib's list once per process;
* :func:`font_families` is the family list every writer draws with: a Chinese font
  of the system when there is one (complete coverage), then Geoair Sans SC, then
  DejaVu Sans (matplotlib's own, for Latin and symbols); matplotlib takes each
  character from the first family that has it;
* :func:`save_png` checks every text of a figure before writing it: a character
  that no family in the list can draw is replaced by ``?`` and a warning names it,
  so a PNG never holds an empty box. Text is drawn as it is, never as mathematics
  (:func:`plain_text`).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from geoair.errors import FontMissingError
from geoair.messages import t
from geoair.store.tempfiles import atomic_path

__all__ = [
    "BUNDLED_FAMILY",
    "SYSTEM_CJK_FAMILIES",
    "bundled_font_path",
    "drawable",
    "font_families",
    "plain_text",
    "rc_params",
    "save_png",
]


log = logging.getLogger(__name__)

#: Family name of the Chinese font shipped with geoair.
BUNDLED_FAMILY = "Geoair Sans SC"
_BUNDLED_FILE = "GeoairSansSC-Regular.otf"
#: System Chinese fonts preferred, best first; any family with "CJK" in its name is
#: accepted after these.
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
_FALLBACK_FAMILY = "DejaVu Sans"


def bundled_font_path() -> Path:
    """Path of the font file shipped with geoair."""
    return Path(str(resources.files("geoair.data").joinpath("fonts", _BUNDLED_FILE)))


def _register(paths: Iterable[str]) -> int:
    """Add font files to matplotlib's list (those it cannot read are skipped)."""
    from matplotlib import font_manager

    added = 0
    for path in paths:
        try:
            font_manager.fontManager.addfont(path)
        except Exception as exc:  # an unreadable or unsupported font file
            log.debug("font %s not added: %s", path, exc)
            continue
        added += 1
    return added


def _known_files() -> set[str]:
    from matplotlib import font_manager

    return {
        os.path.realpath(entry.fname)
        for entry in font_manager.fontManager.ttflist + font_manager.fontManager.afmlist
    }


class _SingleWeightFallback(logging.Filter):
    """Drops matplotlib's warning that a fallback family has no bold face.

    matplotlib looks a bold title up in *every* family of the list, for characters the
    first lacks; the bundled font has one weight, so each bold title on a PC with a
    bold system Chinese font printed ``findfont: Failed to find font weight bold for
    Geoair Sans SC`` although the title is drawn in the system font's bold. Other
    font warnings pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("findfont: Failed to find font weight") and BUNDLED_FAMILY in message
        )


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The font families to draw text with, in order (see the module text).

    Registers the bundled font and the system fonts matplotlib's cache misses, once.

    Raises
    ------
    FontMissingError
        Neither a system Chinese font nor the bundled font can be used (a damaged
        installation); the message says how to repair it.
    """
    from matplotlib import font_manager

    logging.getLogger(font_manager.__name__).addFilter(_SingleWeightFallback())
    known = _known_files()
    bundled = bundled_font_path()
    if bundled.is_file() and os.path.realpath(bundled) not in known:
        _register([str(bundled)])
    try:
        system_files = font_manager.findSystemFonts()
    except Exception as exc:  # fc-list missing or failing: the cache is all there is
        log.debug("system fonts not listed: %s", exc)
        system_files = []
    new = [f for f in system_files if os.path.realpath(f) not in known]
    if new:
        log.info("fonts installed after matplotlib's font cache was made: %d added", _register(new))
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    system = next((name for name in SYSTEM_CJK_FAMILIES if name in names), None)
    if system is None:
        system = next(
            (n for n in sorted(names) if "CJK" in n and n != BUNDLED_FAMILY and "Mono" not in n),
            None,
        )
    families = [name for name in (system, BUNDLED_FAMILY) if name is not None and name in names]
    if not families:
        raise FontMissingError(t("error.io.no_chinese_font", bundled=bundled))
    return (*families, _FALLBACK_FAMILY)


@functools.lru_cache(maxsize=8)
def _coverage(families: tuple[str, ...]) -> tuple[frozenset[int], ...]:
    """The characters each family's font file can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    out = []
    for family in families:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
            out.append(frozenset(FT2Font(path).get_charmap()))
        except Exception as exc:  # not found or unreadable: it draws nothing
            log.debug("font family %s not usable: %s", family, exc)
            out.append(frozenset())
    return tuple(out)


def drawable(text: str, families: tuple[str, ...] | None = None) -> str:
    """``text`` with every character no family can draw replaced by ``?``.

    Line breaks, tabs and spaces are kept; other control characters are removed.
    """
    families = families or font_families()
    maps = _coverage(families)
    out = []
    missing = []
    for char in text:
        code = ord(char)
        if char in "\n\t ":
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            continue
        elif any(code in m for m in maps):
            out.append(char)
        else:
            out.append("?")
            missing.append(char)
    if missing:
        log.warning(
            "%s",
            t(
                "maps.undrawable_chars",
                chars="".join(dict.fromkeys(missing)),
                codes=", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(missing)),
            ),
        )
    return "".join(out)


def plain_text(text: object) -> str:
    """Text matplotlib prints as it is (``$`` would start mathematical notation)."""
    return str(text).replace("$", r"\$")


def rc_params() -> dict:
    """matplotlib settings for geoair's figures: the font families, a plain minus sign."""
    return {"font.family": list(font_families()), "axes.unicode_minus": False}


def save_png(fig, path: Path | str, *, dpi: int, **savefig_kw) -> Path:
    """Write ``fig`` as a PNG atomically, after making every text drawable.

    Every text of the figure (titles, labels, legends, annotations, tick labels) is
    checked against the fonts it is drawn with; a character none has becomes ``?``
    (:func:`drawable`). (Tick labels made by formatters are digits and signs, which
    every family has.)
    """
    from matplotlib.text import Text

    families = font_families()
    for text in fig.findobj(Text):
        value = text.get_text()
        if value:
            fixed = drawable(value, families)
            if fixed != value:
                text.set_text(fixed)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", **savefig_kw)
    log.info("wrote %s", path)
    return path
