"""Tables for people: the report form of any result frame, in the current language.

Every ``--out`` table in CSV or Excel and every Excel sheet a command writes goes
through :func:`report_table`. In Chinese (the default) the headers come from the field
dictionary (:mod:`geoair.store.fields`), status words are Chinese (达标/未达标, 有效/
无效, 是/否, the kinds of sites and sources) and a column that has a Chinese twin
(``missing`` and ``missing_zh``) is shown once, in Chinese. In English the column
identifiers stay. In both, numbers are rounded for people (metres to 0.1, shares as
percentages to 0.1 %); the workspace keeps full precision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoair.messages import language, layer_name, say_basis, say_validity, t, word, yes_no
from geoair.store.fields import COMPONENT_LABELS, decimals, header

__all__ = ["report_table", "sheet_name"]

# Columns whose values are words of a vocabulary of the catalogue (group of ids).
_WORDS = {
    "scope": "scope",
    "metric": "metric",
    "source_kind": "source_kind",
    "site_kind": "site_kind",
    "finding": "finding_word",
    "county_rule": "rule",
    "park_rule": "rule",
    "air_reference": "air_reference",
    "mode": "mode",
    "aqi_status": "aqi_status",
}


# Columns holding the Chinese wording of another column's values, when not named X_zh.
_TWINS = {"site_kind": "kind_zh"}


def sheet_name(layer: str | None) -> str:
    """The Excel sheet name of a table: its Chinese name in Chinese mode (≤ 31 characters)."""
    name = layer or "data"
    return (layer_name(name) if language() == "zh" else name)[:31]


def _is_bool(series: pd.Series) -> bool:
    return series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype)


def _met(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return t("word.not_judged")
    return t("word.met") if bool(value) else t("word.missed")


def _round(out: pd.DataFrame, layer: str | None) -> pd.DataFrame:
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = series.dropna()
            if len(values) and (values == values.dt.normalize()).all():  # days, not times
                out[column] = (
                    series.dt.strftime("%Y-%m-%d").astype(object).where(series.notna(), None)
                )
            continue
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        places, scale = decimals(str(column), layer=layer)
        if places is None:
            continue
        out[column] = (series * scale).round(places)
    return out


def _components(text: object) -> object:
    if not isinstance(text, str):
        return text
    return "、".join(COMPONENT_LABELS.get(n, n) for n in text.split("、") if n)


def report_table(frame: pd.DataFrame, *, layer: str | None = None) -> pd.DataFrame:
    """``frame`` as a report shows it, in the current language (a new frame).

    Parameters
    ----------
    frame : DataFrame
        A result table (a GeoDataFrame's geometry is kept and written as WKT).
    layer : str, optional
        The workspace name of the table: columns of importable kinds take their form's
        headers (so that the file imports again).
    """
    out = _round(pd.DataFrame(frame).copy(), layer)
    if language() == "en":
        return out
    for column in list(out.columns):
        twin = _TWINS.get(str(column), f"{column}_zh")
        if twin in out.columns:  # the Chinese wording of the same values
            out[column] = out[twin]
            out = out.drop(columns=twin)
    for column in out.columns:
        series = out[column]
        name = str(column)
        if name == "met":
            out[column] = series.map(_met).astype(object)
        elif name == "validity":
            out[column] = series.map(say_validity).astype(object)
        elif name == "basis":
            out[column] = series.map(say_basis).astype(object)
        elif name == "layer":
            out[column] = series.map(lambda v: layer_name(v) if isinstance(v, str) else v)
        elif name == "missing":
            out[column] = series.map(_components).astype(object)
        elif name in _WORDS:
            group = _WORDS[name]
            out[column] = series.map(
                lambda v, g=group: word(g, v) if isinstance(v, str) and v else v
            ).astype(object)
        elif _is_bool(series):
            out[column] = series.map(yes_no).astype(object)
    headers = [header(str(c), layer=layer) for c in out.columns]
    # Two columns with one Chinese header (a value and its rank, say) keep their names
    # apart: a repeated header would be read back as one column.
    repeated = {h for h in headers if headers.count(h) > 1}
    out.columns = [
        f"{h}（{c}）" if h in repeated else h for h, c in zip(headers, out.columns, strict=True)
    ]
    return out
