"""Normalise the values and headers users type into canonical ones.

Each ``parse_*`` function takes one raw cell and returns the canonical value, or
raises :class:`ValueError` with a short reason in plain Chinese (what is wrong and
what to write instead); the import pipeline puts the field's Chinese header before
it (``规模以上：…``) in the rejects file's 原因 column. ``None`` is returned for empty cells.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "EnumParser",
    "clean_text",
    "clean_text_column",
    "halfwidth",
    "header_core",
    "header_key",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_number",
    "parse_transport",
]


_EMPTY = {"", "-", "--", "—", "/", "无数据", "nan", "none", "null", "n/a", "na"}
_TRUE = {"是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "已", "是的", "○"}
_FALSE = {"否", "无", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不是", "未"}
_NUMBER = re.compile(
    r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
    r"(吨|t|个|元|万元|米|m|km|公里|平方米|m2|m²|立方米|m3|m³|天|%|微克/立方米|μg/m³|µg/m³|ug/m3)?$"
)
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日?)?\s*$")
_SEP_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
# Excel's day zero is 1899-12-30 (it counts 1900-02-29, which never existed).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def halfwidth(text: str) -> str:
    """Fold full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def clean_text_column(cells: pd.Series) -> pd.Series:
    """:func:`clean_text` without folding, for a whole column at once (free text).

    Returns an object Series of stripped strings, None where a cell is empty.
    """
    text = cells.astype("string").str.strip()
    # Only short cells can be one of the empty words: fold just those (NFKC is slow).
    lengths = text.str.len().to_numpy(dtype="float64", na_value=np.inf)
    short = np.flatnonzero(lengths <= max(map(len, _EMPTY)))
    folded = text.iloc[short].str.normalize("NFKC").str.strip().str.lower()
    empty = text.isna().to_numpy(dtype=bool, na_value=True).copy()
    empty[short[folded.isin(sorted(_EMPTY)).to_numpy(dtype=bool, na_value=False)]] = True
    values = text.to_numpy(dtype=object, na_value=None).copy()
    values[empty] = None
    return pd.Series(values, index=cells.index, dtype=object)


def clean_text(value: object, *, fold: bool = True) -> str | None:
    """Return the cell as stripped text, or None when it is empty.

    With ``fold`` (for codes, numbers and categories) full-width characters become
    ASCII; without it (for free text such as problem descriptions) the user's text is
    kept as typed, only stripped.
    """
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    text = str(value).strip()
    folded = halfwidth(text).strip()
    if folded.lower() in _EMPTY:
        return None
    return folded if fold else text


def parse_bool(value: object) -> bool | None:
    """是/否, 有/无, Y/N, yes/no, √/×, 1/0 to True/False."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    # "是否", "有无": the question copied from the header, not an answer.
    if len(key) >= 2 and {key[0], key[1]} in ({"是", "否"}, {"有", "无"}):
        raise ValueError(f"“{text}”同时写了两个答案，请只填“是”或“否”（“有”或“无”）")
    # "是（已苫盖）", "否，部分未封闭": the answer comes first.
    if key[0] in "是有√✓":
        return True
    if key[0] in "否无×✗":
        return False
    raise ValueError(f"“{text}”不是是/否，请填写“是”或“否”（或“有”“无”）")


def parse_number(value: object) -> float | None:
    """Numbers with full-width digits, thousands separators or a unit ("9吨")."""
    if isinstance(value, bool):
        raise ValueError("这里应填数字，却填了是/否，请填写数字")
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    text = clean_text(value)
    if text is None:
        return None
    match = _NUMBER.match(text.replace(",", ""))
    if not match:
        raise ValueError(f"“{text}”不是数字，请填写数字（如 9 或 9吨）")
    number = float(match.group(1))
    return number * 10_000 if match.group(2) == "万元" else number


def parse_int(value: object) -> int | None:
    """A whole number; "3个" gives 3, "3.5" is refused."""
    try:
        number = parse_number(value)
    except ValueError:
        if isinstance(value, bool):
            raise
        raise ValueError(f"“{clean_text(value)}”不是数字，请填写整数（如 3）") from None
    if number is None:
        return None
    if not float(number).is_integer():
        raise ValueError(f"“{value}”不是整数，请填写整数（如 3）")
    return int(number)


def parse_date(value: object) -> pd.Timestamp | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 or an Excel serial."""
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.normalize()
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        if 20000 <= value <= 80000:  # Excel serial days: 1954..2119
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        value = str(int(value))
    text = clean_text(value)
    if text is None:
        return None
    for pattern in (_CN_DATE, _SEP_DATE, _COMPACT_DATE):
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) if part else 1 for part in match.groups())
            try:
                return pd.Timestamp(dt.date(year, month, day))
            except ValueError:
                raise ValueError(f"“{text}”不是真实存在的日期，请核对年月日") from None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_date(float(text))
    raise ValueError(f"“{text}”不是日期，请写成 2024-03-05 或 2024年3月5日")


def header_key(header: object) -> str:
    """Normalise a column header for matching: NFKC, lower case, no spaces or newlines."""
    return _header_key(str(header))


@functools.lru_cache(maxsize=2**16)
def _header_key(text: str) -> str:
    # Cached: header matching compares every cell with every alias (wide readings
    # archives have a column per station).
    return re.sub(r"[\s_\-:：*]+", "", halfwidth(text).lower())


@functools.lru_cache(maxsize=2**16)
def header_core(header: object) -> str:
    """A header without parenthesised notes: ``处罚金额(元)`` gives ``处罚金额``."""
    return re.sub(r"\([^)]*\)?", "", header_key(header))


class EnumParser:
    """Map accepted spellings to the canonical value of an enumeration."""

    def __init__(self, choices: Mapping[str, Iterable[str]]) -> None:
        self.choices = dict(choices)
        self._lookup: dict[str, str] = {}
        for canonical, spellings in choices.items():
            for spelling in (canonical, *spellings):
                self._lookup[header_key(spelling)] = canonical

    def __call__(self, value: object) -> str | None:
        text = clean_text(value)
        if text is None:
            return None
        key = header_key(text)
        if key in self._lookup:
            return self._lookup[key]
        core = header_core(text)
        if core in self._lookup:
            return self._lookup[core]
        allowed = "、".join(self.choices)
        raise ValueError(f"“{text}”不是可选值，请填写以下之一：{allowed}")


def parse_transport(value: object) -> tuple[bool | None, int | None]:
    """附件2 in-plant transport: a code 1-7 (closed) or 非密闭 (not closed).

    Returns
    -------
    (closed, code) : tuple
        ``closed`` is True for codes 1-7 or any 密闭 wording, False for 非密闭;
        ``code`` is the 附件2 code when one is given.
    """
    from geoair.store.schema import TRANSPORT_CODES

    text = clean_text(value)
    if text is None:
        return None, None
    if "非" in text or "不密闭" in text or "未密闭" in text or text.lower() in {"open", "否"}:
        return False, None
    if re.fullmatch(r"[1-7](\s*[、,/ ]\s*[1-7])*", text):
        return True, int(text[0])
    for code, label in TRANSPORT_CODES.items():
        if label in text:
            return True, code
    if "密闭" in text or "封闭" in text or text.lower() in {"closed", "是"}:
        return True, 7
    raise ValueError(f"“{text}”不是运输方式，请填写密闭输送编号1-7或“非密闭输送”")
