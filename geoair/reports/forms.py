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
from geoair.messages import t
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
    "TARGET_FORMS",
    "TARGET_ITEMS",
    "annex2_form",
    "annex3_form",
    "annex_periods",
    "target_form",
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
        raise FormError(
            t(
                "forms.no_inspections",
                where=t("forms.where", county=county) if county else "",
                month=month,
                present=_months_present(inspections),
            )
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
        sheet="附件2问题清单" + (f"（{county}）" if county else ""),
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
        raise FormError(
            t(
                "forms.no_cases",
                where=t("forms.where", county=county) if county else "",
                month=month,
                present=_months_present(cases),
            )
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
        sheet="附件3监管工作情况汇总" + (f"（{county}）" if county else ""),
        titles=[
            "附件3",
            f"{place}{month_label}工业企业“净厂”巩固提升行动监管工作情况汇总表",
            f"（{_month_zh(month)}）",
        ],
        header=ANNEX3_HEADER,
        rows=rows,
        widths=[6, 12, 9, 26, 36, 7, 7, 7, 28, 12, 9, 12],
    )


# --- the target annexes of 阳政办发〔2020〕131号, with what was achieved ------------------------

#: Per metric: (annex label, title word, unit written in the headers, higher is better).
TARGET_FORMS: dict[str, tuple[str, str, str, bool]] = {
    "pm25": ("附件1", "空气质量PM2.5", "μg/m³", False),
    "good_days": ("附件2", "优良天数", "天", True),
}
#: The rows under each period, as the completion form lists them.
TARGET_ITEMS = ("目标", "实测", "差值（实测−目标）", "达标情况")
_CHINESE_NUMBERS = "一二三四五六七八九十"


def _months(period: str) -> list[str]:
    first, _, last = str(period).partition("/")
    months = pd.period_range(first, last or first, freq="M")
    return [m.strftime("%Y-%m") for m in months]


def annex_periods(periods, month: str) -> list[str]:
    """The target periods of the campaign ``month`` belongs to, in the annexes' order.

    The campaign is every month of the target periods (spans such as 2020-10/2020-12)
    that contain ``month``; its periods are those lying within it: spans first (as
    阳政办发〔2020〕131号 prints 均10-12月 above 10月), then the months in order.
    """
    periods = list(dict.fromkeys(str(p) for p in periods))
    cover = {month}
    for period in periods:
        months = _months(period)
        if month in months:
            cover |= set(months)
    chosen = [p for p in periods if set(_months(p)) <= cover]

    def key(period: str) -> tuple:
        months = _months(period)
        return (len(months) == 1, months[0], months[-1])

    return sorted(chosen, key=key)


def _period_label(period: str, *, mean: bool) -> str:
    """'2020-10' -> '10月'; '2020-10/2020-12' -> '均10-12月' (PM2.5) or '10-12月' (days)."""
    months = _months(period)
    first, last = int(months[0][5:]), int(months[-1][5:])
    if len(months) == 1:
        return f"{first}月"
    return f"{'均' if mean else ''}{first}-{last}月"


def _campaign_title(periods: list[str]) -> str:
    months = sorted({m for p in periods for m in _months(p)})
    first, last = months[0], months[-1]
    if first[:4] == last[:4]:
        span = f"{int(first[5:])}-{int(last[5:])}" if first != last else f"{int(first[5:])}"
        return f"{first[:4]}年{span}月"
    return f"{first[:4]}年{int(first[5:])}月-{last[:4]}年{int(last[5:])}月"


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _achieved(row: pd.Series | None, *, due: bool) -> tuple[object, object, str]:
    """(实测, 差值, 达标情况) of one target, as the form shows them."""
    if not due:
        return "时段未结束", None, "未到期"
    if row is None:
        return "无数据", None, "无数据"
    validity = str(row.get("validity") or "")
    actual = row.get("actual")
    if validity.startswith("no data") or (_is_missing(actual) and validity == "valid"):
        return "无数据", None, "无数据"
    if validity != "valid" or _is_missing(actual):
        days = re.search(r"(\d+)/(\d+)", validity)
        shown = f"无效（有效天数{days.group(1)}/{days.group(2)}）" if days else "无效"
        return shown, None, "无效"
    met = row.get("met")
    verdict = "无效" if _is_missing(met) else ("达标" if bool(met) else "未达标")
    return _number(actual), _number(round(float(row["difference"]), 1)), verdict


def target_form(
    check: pd.DataFrame,
    *,
    metric: str,
    month: str,
    order: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    county: str | None = None,
    city: str = "阳泉市",
) -> Form:
    """A target annex of 阳政办发〔2020〕131号 with what was achieved (附件1 PM2.5, 附件2
    优良天数).

    As in the annex, one section per kind of target, with the annex's columns in the
    annex's order: 一、全市 (the 市控目标), 二、各国控站 (PM2.5 only), 三、各县区 (开发区
    included); rows are the campaign's periods (spans such as 均10-12月 first, then the
    months), each with 目标, 实测, 差值 and 达标情况. A period with too few valid days
    is 无效 with its count, never judged; a period not over by ``month`` is 时段未结束.

    Parameters
    ----------
    check : DataFrame
        The ``targets_check`` table (``scope, target_name, period, metric, actual,
        target, difference, met, validity``).
    metric : str
        ``pm25`` or ``good_days``.
    month : str
        The month reported, ``"2020-11"``: periods ending later are not yet due.
    order : DataFrame, optional
        The ``targets`` table: its order of rows gives the columns' order (the annex's,
        when imported from it); default: the order in ``check``.
    stations : DataFrame, optional
        ``name`` and ``county`` of the stations: with ``county``, the stations in it.
    county : str, optional
        Only this county (its stations and its own column); its name heads the form.
    city : str
        The city's name, for the title.

    Raises
    ------
    FormError
        No target of ``metric`` in the campaign of ``month`` (for ``county``).
    """
    _month_bounds(month)
    annex, subject, unit, _higher = TARGET_FORMS[metric]
    said = t(f"forms.subject.{metric}")
    rows_of = check[check["metric"].astype(str) == metric]
    source = order if order is not None else rows_of
    source = source[source["metric"].astype(str) == metric]
    periods = annex_periods(source["period"].astype(str), month)
    if not any(month in _months(p) for p in periods):
        raise FormError(t("forms.no_targets", subject=said, month=month))
    in_county: set[str] = set()
    if county is not None and stations is not None and "county" in stations.columns:
        in_county = set(stations.loc[stations["county"].astype(str) == county, "name"].astype(str))
    sections: list[tuple[str, str, list[str]]] = []
    for scope, heading in (
        ("city", f"全市{subject}目标完成情况"),
        ("station", f"全市各国控站{subject}目标完成情况"),
        ("county", f"全市各县区{subject}目标完成情况"),
    ):
        names = list(
            dict.fromkeys(
                source.loc[source["scope"].astype(str) == scope, "target_name"].astype(str)
            )
        )
        if county is not None:
            names = [n for n in names if (n == county if scope == "county" else n in in_county)]
            if scope == "city":
                names = []
            heading = {
                "station": f"{county}国控站{subject}目标完成情况",
                "county": f"{county}{subject}目标完成情况",
            }.get(scope, heading)
        if names:
            sections.append((scope, heading, names))
    if not sections:
        raise FormError(t("forms.no_targets_for", subject=said, place=county or city, month=month))
    found = {
        (str(r["scope"]), str(r["target_name"]), str(r["period"])): r for _, r in rows_of.iterrows()
    }
    width = 2 + max(len(names) for _, _, names in sections)
    rows: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    bold: list[int] = []
    for number, (scope, heading, names) in enumerate(sections):
        rows.append([f"{_CHINESE_NUMBERS[number]}、{heading}"])
        bold.append(len(rows) - 1)
        label = "全市" if scope == "city" else None
        columns = [f"{label or name}（{unit}）" for name in names]
        rows.append(["月份", "项目", *columns])
        bold.append(len(rows) - 1)
        for period in periods:
            due = _months(period)[-1] <= month
            targets, actual, diff, met = [], [], [], []
            for name in names:
                row = found.get((scope, name, period))
                target_value = None
                if row is not None:
                    target_value = _number(row["target"])
                else:
                    hit = source[
                        (source["scope"].astype(str) == scope)
                        & (source["target_name"].astype(str) == name)
                        & (source["period"].astype(str) == period)
                    ]
                    if len(hit):
                        value_column = "value" if "value" in hit.columns else "target"
                        target_value = _number(hit[value_column].iloc[0])
                targets.append(target_value)
                shown = (None, None, None) if target_value is None else _achieved(row, due=due)
                actual.append(shown[0])
                diff.append(shown[1])
                met.append(shown[2])
            top = len(rows)
            item = "市控目标" if scope == "city" else TARGET_ITEMS[0]
            rows.append([_period_label(period, mean=metric != "good_days"), item, *targets])
            rows.append([None, TARGET_ITEMS[1], *actual])
            rows.append([None, TARGET_ITEMS[2], *diff])
            rows.append([None, TARGET_ITEMS[3], *met])
            merges.append((top, 0, top + 3, 0))
        rows.append([])
    rows = [r + [None] * (width - len(r)) for r in rows[:-1]]
    place = county or city
    title = f"{place}{_campaign_title(periods)}{subject}目标完成情况"
    sheet = f"{annex}{subject}目标完成情况" + (f"（{county}）" if county else "")
    return Form(
        sheet=sheet.replace("空气质量", ""),
        titles=[annex, title, f"（截至{_month_zh(month)}）"],
        header=[],
        rows=rows,
        notes=[
            "说明：目标为阳政办发〔2020〕131号附件分解值；实测值按 GB 3095-2012、HJ 663-2013 的"
            "有效性规定统计（县区为其国控、省控站的日均值，开发区按其园区空气站），有效天数"
            "不足的时段为“无效”，不作比较；尚未结束的时段为“时段未结束”。"
            + ("实测浓度不高于目标为达标。" if metric == "pm25" else "优良天数不少于目标为达标。")
        ],
        merges=merges,
        widths=[12.0, 16.0] + [14.0] * (width - 2),
        bold_rows=bold,
    )


# --- writing ------------------------------------------------------------------------------


# --- the workspace job --------------------------------------------------------------------------


@dataclass
class FormsReport:
    """What :func:`write_forms` wrote and what it could not, with the reason."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def write_forms(
    ws,
    *,
    month: str,
    county: str | None = None,
    folder: Path | str | None = None,
    check: pd.DataFrame | None = None,
) -> FormsReport:
    """Write the month's forms into ``folder`` (default ``outputs/forms-MONTH``).

    附件2 and 附件3 of 阳环函〔2024〕6号, the weekly dispatch tables, and the target
    annexes of 阳政办发〔2020〕131号 with what was achieved (附件1 PM2.5, 附件2 优良天数),
    from ``check`` (a ``targets_check`` table, e.g. computed for the month's campaign)
    or else the workspace's ``targets_check``. Each form whose data are missing is
    skipped with a sentence saying which command provides them; if none can be
    written, :class:`FormError` says why for each. With ``county``, every form holds
    only that county's rows and names it in its title and sheet.

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
    targets = ws.read("targets", required=False)
    if county is not None:
        known = set()
        for frame in (inspections, cases):
            if frame is not None and "county" in frame:
                known |= set(frame["county"].dropna().astype(str))
        if targets is not None:
            known |= set(targets.loc[targets["scope"].astype(str) == "county", "target_name"])
        if known and county not in known:
            raise FormError(
                t(
                    "forms.unknown_county",
                    county=county,
                    known=t("word.list_sep").join(sorted(map(str, known))),
                )
            )

    def attempt(name: str, build) -> None:
        try:
            forms = build()
        except (FormError, WorkspaceError) as exc:
            report.skipped.append(t("forms.skipped", name=name, reason=exc))
            return
        built.append((name, forms))

    if inspections is None:
        report.skipped.append(
            t("forms.skipped", name="附件2问题清单", reason=t("forms.no_inspections_table"))
        )
    else:
        attempt(
            "附件2问题清单",
            lambda: [annex2_form(inspections, month=month, county=county, city=city)],
        )
    if cases is None:
        report.skipped.append(
            t(
                "forms.skipped",
                name="附件3监管工作情况汇总表、调度表",
                reason=t("forms.no_cases_table"),
            )
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

    def targets_form(metric: str):
        if targets is None:
            raise FormError(t("forms.no_targets_table"))
        table = check if check is not None else ws.read("targets_check", required=False)
        if table is None:
            raise FormError(t("forms.no_check"))
        return [
            target_form(
                table,
                metric=metric,
                month=month,
                order=targets,
                stations=ws.read("stations", required=False),
                county=county,
                city=city,
            )
        ]

    attempt("PM2.5目标完成情况", lambda: targets_form("pm25"))
    attempt("优良天数目标完成情况", lambda: targets_form("good_days"))
    if not built:
        raise FormError(t("forms.none_filled", month=month, reasons=" ".join(report.skipped)))
    paths = [child(folder, f"{name}_{tag}", suffix=".xlsx") for name, _ in built]
    made = [p for p in [folder, *folder.parents] if not p.exists()]
    try:
        for (_, forms), path in zip(built, paths, strict=True):
            report.written.append(write_workbook(forms, path))
    except BaseException:
        for path in report.written:
            path.unlink(missing_ok=True)
        for path in made:  # innermost first: only the folders this run made, if empty
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
    return report
