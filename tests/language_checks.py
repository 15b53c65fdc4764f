"""What "speaks one language" means, for the tests of printed text (test_language,
test_cli_help): Chinese text holds no English sentence, English text no Chinese."""

from __future__ import annotations

import re

__all__ = ["CJK", "chinese_runs", "english_sentences"]

CJK = re.compile(r"[\u4e00-\u9fff]+")
# A stretch of Latin text (words, numbers and light punctuation) between Chinese text.
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,.:;'()%+#<>=/-]*")


PATH = re.compile(r"(?:[A-Za-z]:)?[\w.\-~]*[/\\][^\s，。；：、（）]*")


def chinese_runs(text: str) -> list[str]:
    """Runs of Chinese characters outside paths."""
    return CJK.findall(PATH.sub(" ", text))


def english_sentences(text: str) -> list[str]:
    """Runs of 3+ English words left once paths, commands and identifiers are removed."""
    found = []
    for line in text.splitlines():
        line = PATH.sub(" ", line)
        line = re.sub(r"\bgeoair(?:\s+--?[\w-]+|\s+[\w.\-/]+|\s+[A-Z]+)*", " ", line)  # commands
        line = re.sub(r"\b\w*_\w*\b", " ", line)  # identifiers
        line = re.sub(
            r"\S+\.(?:xlsx|csv|gpkg|png|html|tif|kml|gpx|shp|geojson|parquet)\b", " ", line
        )
        for match in LATIN.finditer(line):
            words = re.findall(r"[A-Za-z]{2,}", match.group(0))
            if len(words) >= 3:
                found.append(match.group(0).strip())
    return found
