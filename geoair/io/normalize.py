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
from typing import Any, cast

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
    "strip_control",
    "strip_control_cells",
]


_EMPTY = {"", "-", "--", "—", "/", "无数据", "nan", "none", "null", "n/a", "na"}
_TRUE = {"是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "已", "是的", "○"}
_FALSE = {"否", "无", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不是", "未"}
_NUMBER = re.compile(
    r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
    r"(吨|t|个|元|万元|米|m|km|公里|平方米|m2|m²|立方米|m3|m³|天|%|微克/立方米|μg/m³|µg/m³|ug/m3"
    r"|g/m2|g/m²|克/平方米)?$"
)
# The unit written after a number -> (the field unit it fits, factor to that unit). A field
# with a unit (FieldSpec.unit) accepts only the units that fit it: "9吨" is not a fine.
_UNIT_OF = {
    "元": ("元", 1.0),
    "万元": ("元", 10_000.0),
    "吨": ("吨", 1.0),
    "t": ("吨", 1.0),
    "个": ("个", 1.0),
    "米": ("m", 1.0),
    "m": ("m", 1.0),
    "km": ("m", 1000.0),
    "公里": ("m", 1000.0),
    "平方米": ("m2", 1.0),
    "m2": ("m2", 1.0),
    "m²": ("m2", 1.0),
    "立方米": ("m3", 1.0),
    "m3": ("m3", 1.0),
    "m³": ("m3", 1.0),
    "天": ("天", 1.0),
    "%": ("%", 1.0),
    "微克/立方米": ("µg/m³", 1.0),
    "μg/m³": ("µg/m³", 1.0),
    "µg/m³": ("µg/m³", 1.0),
    "ug/m3": ("µg/m³", 1.0),
    "g/m2": ("g/m2", 1.0),
    "g/m²": ("g/m2", 1.0),
    "克/平方米": ("g/m2", 1.0),
}
_UNIT_EXAMPLE = {"元": "元", "m2": "平方米", "m3": "立方米", "个": "个", "g/m2": "g/m²", "m": "米"}
# How a field's unit is said to the clerk.
_UNIT_ZH = {
    "元": "元（或万元）",
    "m2": "平方米",
    "m3": "立方米",
    "个": "个",
    "g/m2": "克/平方米（g/m²）",
    "吨": "吨",
    "m": "米",
}
# C0 control characters except tab and line feed: invisible, and XML and Excel refuse them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日?)?\s*$")
_SEP_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
# Excel's day zero is 1899-12-30 (it counts 1900-02-29, which never existed).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def strip_control(text: str) -> str:
    """``text`` without C0 control characters other than tab and line feed."""
    return _CONTROL.sub("", text)


def strip_control_cells(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[object]]:
    """Remove control characters from every text cell and column name of ``frame``.

    Returns
    -------
    (frame, rows) : (DataFrame, list)
        A copy without them (``frame`` itself when none was found), and the index
        labels of the rows that held one (a header holding one is not listed).
    """
    hits = {}
    for position in range(frame.shape[1]):  # by position: labels may repeat
        series = frame.iloc[:, position]
        texty = series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
        if texty and _any_control(series):  # one cheap pass before the cell-by-cell one
            hits[position] = series.map(
                lambda v: isinstance(v, str) and _CONTROL.search(v) is not None
            )
    bad_names = any(isinstance(c, str) and _CONTROL.search(c) for c in frame.columns)
    if not hits and not bad_names:
        return frame, []
    out = frame.copy()
    rows: set[object] = set()
    for position, mask in hits.items():
        cleaned = out.iloc[:, position].map(
            lambda v: _CONTROL.sub("", v) if isinstance(v, str) else v
        )
        out.isetitem(position, cast(Any, cleaned))  # pandas-stubs: a Series is accepted
        rows |= set(frame.index[mask.to_numpy(dtype=bool)])
    if bad_names:
        out.columns = [_CONTROL.sub("", c) if isinstance(c, str) else c for c in out.columns]
    try:
        return out, sorted(cast(set[Any], rows))
    except TypeError:  # mixed labels
        return out, sorted(rows, key=str)


def _any_control(series: pd.Series) -> bool:
    """Whether any text of ``series`` may hold a control character (a fast byte scan).

    The text is looked at as UTF-8 in Arrow buffers: a byte below 0x20 is always a
    control character there (it never occurs inside a multi-byte character), so NumPy
    scans millions of cells in milliseconds. A hit only means "look cell by cell".
    """
    import pyarrow as pa

    array: Any
    try:
        if series.dtype == object:  # all text (CSV cells): straight to Arrow, else as text
            try:
                array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError):
                array = pa.array(series.astype("str"))
        else:
            array = pa.array(series)
    except (pa.ArrowException, TypeError, ValueError):
        return True
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            chunk = chunk.cast(pa.large_string())
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(memoryview(data), dtype=np.uint8)
        low = raw[raw < 0x20]  # few: tabs and line breaks, if any
        if len(low) and ((low != 0x09) & (low != 0x0A)).any():
            return True
    return False


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
    # pandas-stubs: na_value must be a scalar, but pandas takes any value, None here
    values = text.to_numpy(dtype=object, na_value=None).copy()  # type: ignore[call-overload]
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


def parse_number(value: object, *, unit: str = "") -> float | None:
    """Numbers with full-width digits, thousands separators or a unit ("9吨", "0.5万元").

    Parameters
    ----------
    value : object
        The cell.
    unit : str
        The field's unit (``元``, ``m2``, ``m3``, ``个``, ``g/m2``...). When given, a
        unit written in the cell must fit it (``0.5万元`` gives 5000 元; ``9吨`` is
        refused for a fine); without it any listed unit is accepted and only 万元 is
        converted.
    """
    if isinstance(value, bool):
        raise ValueError("这里应填数字，却填了是/否，请填写数字")
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ValueError(f"“{value}”不是有限的数字，请填写数字")
        return number
    text = clean_text(value)
    if text is None:
        return None
    match = _NUMBER.match(text.replace(",", ""))
    if not match:
        example = _UNIT_EXAMPLE.get(unit, "吨")
        raise ValueError(f"“{text}”不是数字，请填写数字（如 9 或 9{example}）")
    number = float(match.group(1))
    if not math.isfinite(number):
        raise ValueError(f"“{text}”不是有限的数字，请填写数字")
    written = match.group(2)
    if written is None:
        return number
    fits, factor = _UNIT_OF[written]
    if unit and fits != unit:
        raise ValueError(
            f"“{text}”的单位“{written}”不对，这里应填以{_UNIT_ZH.get(unit, unit)}为单位的数字"
        )
    if unit or written == "万元":
        return number * factor
    return number


def parse_int(value: object, *, unit: str = "") -> int | None:
    """A whole number; "3个" gives 3, "3.5" is refused."""
    try:
        number = parse_number(value, unit=unit)
    except ValueError:
        if isinstance(value, bool):
            raise
        text = clean_text(value)
        if text is not None and _NUMBER.match(text.replace(",", "")):
            raise  # a number with the wrong unit: say so
        raise ValueError(f"“{clean_text(value)}”不是数字，请填写整数（如 3）") from None
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
        if not math.isfinite(value):
            raise ValueError(f"“{value}”不是日期，请写成 2024-03-05 或 2024年3月5日")
        if 20000 <= value <= 80000:  # Excel serial days: 1954..2119
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        if not (float(value).is_integer() and 10_000_000 <= value <= 99_999_999):
            raise ValueError(f"“{value:g}”不是日期，请写成 2024-03-05 或 2024年3月5日")
        value = str(int(value))  # 20240305
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
