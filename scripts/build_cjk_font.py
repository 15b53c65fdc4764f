"""Build geoair's bundled Chinese font: a GBK subset of Noto Sans CJK SC Regular.

geoair draws Chinese text in PNG maps and plots; a machine without a Chinese font
would print empty boxes. So geoair ships one (``geoair/data/fonts/``), made by this
script from Noto Sans CJK SC Regular (SIL Open Font License 1.1, copyright Adobe and
Google), as Debian's ``fonts-noto-cjk`` package installs it:

    apt-get install fonts-noto-cjk
    python scripts/build_cjk_font.py

Coverage: every character the GBK code page holds (21,886 characters: 20,902 Chinese
characters, simplified and traditional, the punctuation and symbols of GB 2312 and
GBK), printable ASCII and Latin-1, and the symbols geoair's own labels use (µ, ², ³,
°, ·, →, ≤, ①-⑩...). A character outside it is drawn with a Chinese font installed on
the machine when one has it, and otherwise replaced by "?" (with a warning), never
an empty box (:mod:`geoair.io.fonts`). Users' files in GBK can only hold GBK
characters; UTF-8 files rarely hold others in names.

The subset keeps the outlines (CFF) and the copyright and licence entries of the
name table; OpenType layout features and hinting are dropped. Its family is renamed
"Geoair Sans SC", as the OFL asks of modified versions, which also keeps it apart
from a full Noto Sans CJK installed on the same machine. The licence text is written
beside it (``OFL.txt``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
OUT = Path(__file__).resolve().parents[1] / "geoair" / "data" / "fonts"
FAMILY = "Geoair Sans SC"
FILE_NAME = "GeoairSansSC-Regular.otf"
EXTRA = "µ²³°·×÷±→←↑↓≤≥≈√∞‰℃№①②③④⑤⑥⑦⑧⑨⑩□■△▲○●◎◇◆★☆※—–…‘’“”、。〈〉《》「」『』【】〔〕～·"


def gbk_characters() -> set[str]:
    """Every character that GBK encodes in two bytes."""
    chars = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gbk"))
    return chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    faces = [f["name"].getDebugName(1) for f in TTCollection(str(args.source)).fonts]
    index = faces.index("Noto Sans CJK SC")
    font = TTFont(str(args.source), fontNumber=index)
    chars = gbk_characters() | {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0xA0, 0x100)} | set(EXTRA)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular; subset of Noto Sans CJK SC by geoair", 3, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    names.setName(re.sub(r"\s+", "", FAMILY) + "-Regular", 6, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [re.sub(r"\s+", "", FAMILY) + "-Regular"]
        top = cff.topDictIndex[0]
        top.FamilyName = FAMILY
        top.FullName = f"{FAMILY} Regular"
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / FILE_NAME
    font.save(str(target))
    licence = COPYRIGHT.read_text("utf-8")
    start = licence.rindex("License: SIL-1.1")
    body = licence[start:]
    body = body.split("\n\nLicense: GPL", 1)[0]
    text = "\n".join(
        "" if line.strip() == "." else line[1:] if line.startswith(" ") else line
        for line in body.splitlines()[1:]
    )
    (args.out / "OFL.txt").write_text(
        f"{FAMILY} ({FILE_NAME}) is a subset of Noto Sans CJK SC Regular, made by\n"
        "scripts/build_cjk_font.py of geoair (GBK characters, ASCII, Latin-1 and some\n"
        "symbols; layout features and hinting removed; family renamed).\n\n"
        "Noto Sans CJK: Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved\n"
        "Font Name 'Source'. Noto is a trademark of Google Inc.\n\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n"
        + text.strip()
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {target} ({target.stat().st_size:,} bytes, {len(chars):,} characters)")


if __name__ == "__main__":
    main()
