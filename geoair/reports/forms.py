"""The documents' forms as Excel workbooks, with their exact Chinese headers.

* **附件2** 问题清单 (阳环函〔2024〕6号): one row per enterprise visit of the month; the
  header is three rows deep, 无组织排放整治情况 spanning seven columns and 生产车间尘点
  封闭及除尘设施建设 two of them, with the form's own footnote on the transport codes.
* **附件3** 监管工作情况汇总表 (阳环函〔2024〕6号): one row per problem found; 处理措施
  spans 立行立改 / 停产整治 / 立案处罚, each marked √.
* **调度表** (晋市生态环保委办〔2023〕4号): one sheet per week ending on Friday, built in
  :mod:`geoair.reports.dispatch`.
* **PM2.5 目标完成情况**, laid out like 附件1 of 阳政办发〔2020〕131号 (months as rows,
  one column per national station / county, µg/m³): target, measured, difference, met.

Forms are built as :class:`~geoair.reports.form_model.Form` objects (pure, testable)
and written by :func:`~geoair.reports.form_model.write_workbook`, atomically;
:func:`write_forms` writes a month's forms for a workspace. The 附件2 and 附件3
workbooks import back with ``geoair import inspections|cases`` (附件2 has no date
column, as the document's form has none: give ``--date``).
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geoair.errors import FormError, WorkspaceError
from geoair.io.paths import child
from geoair.reports.form_model import (
    Form,
    Header,
    _flag,
    _for_county,
    _in_month,
    _month_bounds,
    _month_zh,
    _months_present,
    _number,
    _place,
    _text,
    _yes_no,
    write_workbook,
)
from geoair.store.schema import TRANSPORT_CODES

__all__ = [
    "ANNEX2_HEADER",
    "ANNEX2_NOTE",
    "ANNEX3_HEADER",
    "FormsReport",
    "annex2_form",
    "annex3_form",
    "pm25_target_form",
    "write_forms",
]


log = logging.getLogger(__name__)


ANNEX2_HEADER: Header = [
    ("序号", None),
    ("县区", None),
    ("乡镇(街道)", None),
    ("企业名称", None),
    (
        "无组织排放整治情况",
        [
            ("物料堆场全封闭情况(是/否)", None),
            ("厂区运输方式(密闭输送①/非密闭输送)", None),
            ("厂区道路、矸石运输等道路硬化(是/否)", None),
            ("生产现场硬化(是/否)", None),
            (
                "生产车间尘点封闭及除尘设施建设",
                [
                    ("数量(个)", None),
                    ("防尘措施是否到位(是/否)", None),
                ],
            ),
            ("车辆冲洗(有/无)", None),
        ],
    ),
    ("无组织排放治理是否符合要求(是/否)", None),
    ("企业生产状态(正常生产/依法停产/依法关闭/自然停产)", None),
    ("备注(煤场、料场)", None),
    ("责任人", None),
]
ANNEX2_NOTE = "备注：①密闭输送方式：表内只填写相应的封闭方式编号即可。" + "".join(
    f"（{code}）{label}" for code, label in TRANSPORT_CODES.items()
)
ANNEX3_HEADER: Header = [
    ("序号", None),
    ("检查日期", None),
    ("县（区）", None),
    ("企业名称", None),
    ("问题简要描述", None),
    ("处理措施", [("立行立改", None), ("停产整治", None), ("立案处罚", None)]),
    ("整改措施", None),
    ("处罚金额（元）", None),
    ("是否完成整改", None),
    ("备注", None),
]


# --- helpers ---------------------------------------------------------------------------


def _transport_cell(row: pd.Series) -> object:
    """附件2 transport: the code(s) 1-7 as written ("1、4" kept), else 非密闭输送."""
    text = _text(row.get("transport"))
    if text is not None and re.fullmatch(r"[1-7](\s*[、,，/ ]\s*[1-7])*", text.strip()):
        return int(text) if text.strip().isdigit() else text.strip()
    code = row.get("transport_code")
    if code is not None and code is not pd.NA and not (isinstance(code, float) and np.isnan(code)):
        return int(code)
    closed = row.get("transport_closed")
    if closed is False or (closed is not None and closed is not pd.NA and not bool(closed)):
        return "非密闭输送"
    return _text(row.get("transport"))


# --- the forms ---------------------------------------------------------------------------


def annex2_form(
    inspections: pd.DataFrame, *, month: str, county: str | None = None, city: str = "阳泉市"
) -> Form:
    """附件2 问题清单 for the inspections of ``month`` (one row per enterprise visit).

    Parameters
    ----------
    inspections : DataFrame
        The workspace's ``inspections`` table.
    month : str
        ``"2024-03"``.
    county : str, optional
        Only this county; the title names it (else the city).
    city : str
        Title when no county is given (``[workspace] name``).

    Raises
    ------
    FormError
        No inspection in that month (and county); the message says which months exist.
    """
    rows_in = _for_county(_in_month(inspections, month), county)
    if rows_in.empty:
        where = f" in {county}" if county else ""
        raise FormError(
            f"No inspections{where} in {month} (the workspace has "
            f"{_months_present(inspections)}). Choose another --month, or import "
            "the month's checklists with geoair import inspections FILE."
        )
    rows_in = rows_in.sort_values(
        [c for c in ("county", "township", "enterprise_name") if c in rows_in.columns],
        kind="stable",
    )
    rows = []
    for number, (_, row) in enumerate(rows_in.iterrows(), start=1):
        rows.append(
            [
                number,
                _text(row.get("county")),
                _text(row.get("township")),
                _text(row.get("enterprise_name")),
                _yes_no(row.get("yard_enclosed")),
                _transport_cell(row),
                _yes_no(row.get("roads_hardened")),
                _yes_no(row.get("site_hardened")),
                _number(row.get("dust_points")),
                _yes_no(row.get("dust_measures_ok")),
                _yes_no(row.get("vehicle_washing"), "有", "无"),
                _yes_no(row.get("unorganised_ok")),
                _text(row.get("status")),
                _text(row.get("note")),
                _text(row.get("responsible")),
            ]
        )
    place = _place(county, city)
    return Form(
        sheet="附件2问题清单",
        titles=["附件2", f"{place}工业企业“净厂”巩固提升行动问题清单", f"（{_month_zh(month)}）"],
        header=ANNEX2_HEADER,
        rows=rows,
        notes=[ANNEX2_NOTE],
        widths=[6, 9, 11, 26, 11, 14, 14, 10, 8, 11, 9, 12, 14, 10, 9],
    )


def annex3_form(
    cases: pd.DataFrame, *, month: str, county: str | None = None, city: str = "阳泉市"
) -> Form:
    """附件3 监管工作情况汇总表 for the cases found in ``month`` (one row per problem).

    Raises
    ------
    FormError
        No case in that month (and county).
    """
    rows_in = _for_county(_in_month(cases, month), county)
    if rows_in.empty:
        where = f" in {county}" if county else ""
        raise FormError(
            f"No supervision cases{where} in {month} (the workspace has "
            f"{_months_present(cases)}). Choose another --month, or import the "
            "month's 附件3 with geoair import cases FILE."
        )
    rows_in = rows_in.sort_values(
        ["inspection_date"] + [c for c in ("county", "enterprise_name") if c in rows_in.columns],
        kind="stable",
    )
    rows: list[list[object]] = []
    for number, (_, row) in enumerate(rows_in.iterrows(), start=1):
        date = pd.Timestamp(row["inspection_date"])
        marks = [
            ("√" if _flag(row, flag, label) else None)
            for flag, label in (
                ("fixed_on_spot", "立行立改"),
                ("stopped", "停产整治"),
                ("filed", "立案处罚"),
            )
        ]
        rows.append(
            [
                number,
                date.to_pydatetime().date(),
                _text(row.get("county")),
                _text(row.get("enterprise_name")),
                _text(row.get("problem")),
                *marks,
                _text(row.get("rectification")),
                _number(row.get("fine_yuan")),
                _yes_no(row.get("rectified")),
                _text(row.get("note")),
            ]
        )
    place = _place(county, city)
    month_label = f"{int(month[5:])}月"
    return Form(
        sheet="附件3监管工作情况汇总",
        titles=[
            "附件3",
            f"{place}{month_label}工业企业“净厂”巩固提升行动监管工作情况汇总表",
            f"（{_month_zh(month)}）",
        ],
        header=ANNEX3_HEADER,
        rows=rows,
        widths=[6, 12, 9, 26, 36, 7, 7, 7, 28, 12, 9, 12],
    )


def _station_label(name: str) -> str:
    return f"{name}（μg/m³）"


def pm25_target_form(
    *,
    month: str,
    station_monthly: pd.DataFrame,
    stations: pd.DataFrame,
    targets: pd.DataFrame,
    county_monthly: pd.DataFrame | None = None,
    city: str = "阳泉市",
) -> Form:
    """PM2.5 versus target, laid out like annex 1 of 阳政办发〔2020〕131号.

    Two blocks as in the annex — 各国控站 and 各县区 — each with the month's rows
    目标, 实测, 差值 (实测 − 目标) and 达标情况, one column per station or county that
    has a target. A month with too few valid days is 无效, never compared.

    Raises
    ------
    FormError
        No PM2.5 target for the month.
    """
    _month_bounds(month)
    pm_targets = targets[
        (targets["metric"].astype(str).str.lower() == "pm25")
        & (targets["period"].astype(str) == month)
    ]
    if pm_targets.empty:
        raise FormError(
            f"No PM2.5 targets for {month} in the targets table. Import them with "
            "geoair import targets FILE (阳政办发〔2020〕131号 annex 1 gives monthly values)."
        )
    month_label = f"{int(month[5:])} 月"
    rows: list[list[object]] = []
    blocks: list[tuple[str, list[str]]] = []
    width = 1

    def block(title: str, names: list[str], actual: dict[str, tuple[float | None, str]]):
        nonlocal width
        target_of = dict(
            zip(pm_targets["target_name"].astype(str), pm_targets["value"], strict=True)
        )
        rows.append([title])
        rows.append(["月份", *[_station_label(n) for n in names]])
        measured: list[object] = []
        diff: list[object] = []
        met: list[object] = []
        for name in names:
            value, validity = actual.get(name, (None, "无数据"))
            target = float(target_of[name])
            if value is None or np.isnan(value):
                measured.append(validity)
                diff.append(None)
                met.append("无效" if validity != "无数据" else "无数据")
            else:
                measured.append(_number(value))
                diff.append(_number(round(value - target, 1)))
                met.append("达标" if value <= target else "未达标")
        rows.append([f"{month_label} 目标", *[_number(target_of[n]) for n in names]])
        rows.append([f"{month_label} 实测", *measured])
        rows.append(["差值（实测−目标）", *diff])
        rows.append(["达标情况", *met])
        rows.append([])
        width = max(width, len(names) + 1)
        blocks.append((title, names))

    station_targets = pm_targets[pm_targets["scope"].astype(str) == "station"]
    if len(station_targets):
        names = list(dict.fromkeys(station_targets["target_name"].astype(str)))
        block("一、各国控站 PM2.5 目标完成情况", names, _actual(station_monthly, stations, month))
    county_targets = pm_targets[pm_targets["scope"].astype(str) == "county"]
    if len(county_targets):
        names = list(dict.fromkeys(county_targets["target_name"].astype(str)))
        actual = _actual_by(county_monthly, "county", month) if county_monthly is not None else {}
        block(f"{'二' if blocks else '一'}、各县区 PM2.5 目标完成情况", names, actual)
    if not blocks:
        raise FormError(f"The PM2.5 targets for {month} name no station or county.")
    rows = [r + [None] * (width - len(r)) for r in rows[:-1]]
    return Form(
        sheet="PM2.5目标完成情况",
        titles=[f"{city} {_month_zh(month)} 空气质量 PM2.5 目标完成情况"],
        header=[],
        rows=rows,
        notes=[
            "说明：实测值为月均值，按 GB 3095-2012、HJ 663-2013 的有效性规定统计；有效天数"
            "不足的月份为“无效”，不作比较。"
        ],
        widths=[20, *[15] * (width - 1)],
    )


def _pm25_column(frame: pd.DataFrame) -> str | None:
    lower = {str(c).lower(): c for c in frame.columns}
    return next((lower[n] for n in ("pm2.5", "pm25", "pm25_ug_m3") if n in lower), None)


def _period_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in ("period", "month") if c in frame.columns), None)


def _actual_by(frame: pd.DataFrame, key: str, month: str) -> dict[str, tuple[float | None, str]]:
    column, period = _pm25_column(frame), _period_column(frame)
    if column is None or period is None or key not in frame.columns:
        return {}
    rows = frame[frame[period].astype(str) == month]
    out = {}
    for _, row in rows.iterrows():
        value = pd.to_numeric(row[column], errors="coerce")
        days = row.get("days_PM2.5")
        need = row.get("min_days")
        validity = (
            f"无效（有效天数{int(days)}/{int(need)}）"
            if days is not None and need is not None and not pd.isna(days) and not pd.isna(need)
            else "无效"
        )
        out[str(row[key])] = (None if pd.isna(value) else float(value), validity)
    return out


def _actual(
    station_monthly: pd.DataFrame, stations: pd.DataFrame, month: str
) -> dict[str, tuple[float | None, str]]:
    key = next((c for c in ("station_id", "station", "id") if c in station_monthly.columns), None)
    if key is None:
        return {}
    by_id = _actual_by(station_monthly, key, month)
    names = dict(zip(stations["id"].astype(str), stations["name"].astype(str), strict=True))
    out = dict(by_id)
    out.update({names[i]: v for i, v in by_id.items() if i in names})
    return out


# --- writing ------------------------------------------------------------------------------


# --- the workspace job --------------------------------------------------------------------------


@dataclass
class FormsReport:
    """What :func:`write_forms` wrote and what it could not, with the reason."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def write_forms(
    ws, *, month: str, county: str | None = None, folder: Path | str | None = None
) -> FormsReport:
    """Write the month's forms into ``folder`` (default ``outputs/forms-MONTH``).

    Each form whose data are missing is skipped with a sentence saying which command
    provides them; if none can be written, :class:`FormError` says why for each.
    Forms are built first and written after: a failure leaves no workbook of this run
    and no folder it made. File names take the county (or the workspace's name) made
    safe (:func:`geoair.io.paths.safe_name`) and stay inside ``folder``.
    """
    _month_bounds(month)
    city = ws.settings.workspace.name
    place = county or city
    folder = Path(folder) if folder is not None else ws.outputs_dir / f"forms-{month}"
    report = FormsReport()
    tag = f"{place}_{month}"
    built: list[tuple[str, list[Form]]] = []
    inspections = ws.read("inspections", required=False)
    cases = ws.read("cases", required=False)
    if county is not None:
        known = set()
        for frame in (inspections, cases):
            if frame is not None and "county" in frame:
                known |= set(frame["county"].dropna().astype(str))
        if known and county not in known:
            raise FormError(
                f"--county {county!r} appears in no inspection or case. Counties "
                f"in the records: {'、'.join(sorted(known))}."
            )

    def attempt(name: str, build) -> None:
        try:
            forms = build()
        except (FormError, WorkspaceError) as exc:
            report.skipped.append(f"{name}: {exc}")
            return
        built.append((name, forms))

    if inspections is None:
        report.skipped.append(
            "附件2问题清单: the workspace has no inspections; import them "
            "with geoair import inspections FILE."
        )
    else:
        attempt(
            "附件2问题清单",
            lambda: [annex2_form(inspections, month=month, county=county, city=city)],
        )
    if cases is None:
        report.skipped.append(
            "附件3监管工作情况汇总表 and 调度表: the workspace has no cases; "
            "import them with geoair import cases FILE."
        )
    else:
        attempt(
            "附件3监管工作情况汇总表",
            lambda: [annex3_form(cases, month=month, county=county, city=city)],
        )
        from geoair.reports.dispatch import dispatch_forms

        attempt(
            "调度表",
            lambda: dispatch_forms(cases, inspections, month=month, unit=place, county=county),
        )

    def pm25():
        targets = ws.read("targets", required=False)
        if targets is None:
            raise FormError(
                "the workspace has no targets; import them with geoair import targets FILE."
            )
        if not ws.has("station_monthly"):
            raise FormError(
                "the workspace has no monthly station values (station_monthly); "
                "run geoair indicators --period month --by station first."
            )
        return [
            pm25_target_form(
                month=month,
                station_monthly=ws.read("station_monthly"),
                stations=ws.read("stations"),
                targets=targets,
                county_monthly=ws.read("county_monthly", required=False),
                city=city,
            )
        ]

    attempt("PM2.5目标完成情况", pm25)
    if not built:
        raise FormError(f"No form could be filled for {month}: " + " ".join(report.skipped))
    targets = [child(folder, f"{name}_{tag}", suffix=".xlsx") for name, _ in built]
    made = [p for p in [folder, *folder.parents] if not p.exists()]
    try:
        for (_, forms), target in zip(built, targets, strict=True):
            report.written.append(write_workbook(forms, target))
    except BaseException:
        for path in report.written:
            path.unlink(missing_ok=True)
        for path in made:  # innermost first: only the folders this run made, if empty
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
    return report
