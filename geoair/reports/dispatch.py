"""The weekly dispatch table of 晋市生态环保委办〔2023〕4号 (大气污染防治百日专项整治
攻坚行动调度表), built from the cases.

One table per week, Saturday to Friday (reports are due Friday 18:00): objects
inspected, problems found per category, disposal and fines in 万元. The category of a
case is chosen from its problem text by the first matching rule of
:data:`DISPATCH_RULES` (the categories listed under the document's form); a problem
that matches none is 其它.
"""

from __future__ import annotations

import re

import pandas as pd

from geoair.errors import FormError
from geoair.messages import t
from geoair.reports.form_model import Form, Header, _flag, _for_county, _month_bounds

__all__ = [
    "DISPATCH_HEADER",
    "DISPATCH_NOTES",
    "DISPATCH_OBJECTS",
    "DISPATCH_RULES",
    "OTHER",
    "WEEK_END_WEEKDAY",
    "dispatch_form",
    "dispatch_forms",
    "dispatch_weeks",
    "problem_category",
]


DISPATCH_HEADER: Header = [
    ("检查对象数量", None),
    ("发现问题数量", None),
    ("问题简述（类别*、简况）", None),
    ("后续处置（立行立改/立案处罚）", None),
    ("处罚金额（万元）", None),
]
DISPATCH_OBJECTS = ("工业企业（个）", "建筑工地（个）", "移动源（辆）", "道路（条/米）")
DISPATCH_NOTES = (
    "注：本周检查共出动执法检查人员（______人次）",
    "*类别包括：工业企业：超标排污（无组织/有组织）、在线监测数据弄虚作假、污染防治设施不正常运行、其它；",
    "建筑工地：工地周边未100%围挡、物料堆放未100%覆盖、出入车辆未100%冲洗、施工场地地面未100%硬化、"
    "未100%湿法作业、渣土车未100%密闭运输、其它；",
    "移动源：机动车尾气超标排放、沿途抛撒、闯禁行、非道尾气超标排放、非道闯高排放禁烟区、其它；",
    "道路：路面扬尘、未按要求洒水、其它。",
)
# Industrial-enterprise problem categories of 晋市生态环保委办〔2023〕4号; the first matching
# pattern wins.
DISPATCH_RULES: tuple[tuple[str, str], ...] = (
    ("在线监测数据弄虚作假", r"弄虚作假|篡改|伪造|在线监测|监测数据"),
    ("污染防治设施不正常运行", r"设施|除尘器|不正常运行|停运|未运行|未开启|喷淋|雾炮"),
    ("超标排污（有组织）", r"有组织|排气筒|烟囱|超标排放|排放超标"),
    (
        "超标排污（无组织）",
        r"无组织|扬尘|堆场|料场|煤场|苫盖|覆盖|封闭|密闭|硬化|洒水|冲洗|"
        r"积尘|抛洒|遗撒|粉尘|尘",
    ),
)
OTHER = "其它"
# Dispatch weeks end on this weekday (晋市生态环保委办〔2023〕4号: 每周五18时前报送). Monday = 0.
WEEK_END_WEEKDAY = 4


def problem_category(text: object) -> str:
    """The category of an industrial-enterprise problem in the dispatch table (first rule that
    matches)."""
    problem = str(text or "")
    for category, pattern in DISPATCH_RULES:
        if re.search(pattern, problem):
            return category
    return OTHER


def dispatch_weeks(month: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(Saturday, Friday) of every dispatch week whose Friday falls in ``month``."""
    start, end = _month_bounds(month)
    first_friday = start + pd.Timedelta(days=(WEEK_END_WEEKDAY - start.weekday()) % 7)
    fridays = pd.date_range(first_friday, end, freq="7D")
    return [(friday - pd.Timedelta(days=6), friday) for friday in fridays]


def _fines_yuan(cases: pd.DataFrame) -> float:
    """The fines of ``cases`` in 元: blanks count 0, and so does a missing column."""
    if "fine_yuan" not in cases.columns:
        return 0.0
    return pd.to_numeric(cases["fine_yuan"], errors="coerce").fillna(0).sum()


def dispatch_form(
    cases: pd.DataFrame,
    inspections: pd.DataFrame | None,
    *,
    week: tuple[pd.Timestamp, pd.Timestamp],
    unit: str,
    county: str | None = None,
) -> Form:
    """The weekly dispatch table of 晋市生态环保委办〔2023〕4号 for the week ``(saturday, friday)``.

    Industrial enterprises: objects inspected = distinct enterprises with an inspection
    or a case that week; one row per problem category found, with its count, the
    enterprises and problems, the disposal (counts of 立行立改 / 停产整治 / 立案处罚) and
    the fines converted from 元 to 万元. Construction sites, mobile sources and roads are
    not in geoair's records: their rows are left for the clerk to fill.
    """
    start, end = week
    cases = _for_county(cases, county)
    dates = pd.to_datetime(cases["inspection_date"], errors="coerce")
    week_cases = cases[(dates >= start) & (dates <= end)]
    visited = set(week_cases["enterprise_name"].astype(str))
    if inspections is not None and len(inspections):
        insp = _for_county(inspections, county)
        idates = pd.to_datetime(insp["inspection_date"], errors="coerce")
        visited |= set(insp.loc[(idates >= start) & (idates <= end), "enterprise_name"].astype(str))
    rows: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    categories = week_cases.assign(category=week_cases["problem"].map(problem_category))
    order = [c for c, _ in DISPATCH_RULES] + [OTHER]
    groups = [(c, categories[categories["category"] == c]) for c in order]
    groups = [(c, g) for c, g in groups if len(g)]
    first = len(rows)
    label = f"{DISPATCH_OBJECTS[0]}\n{len(visited)}"
    if not groups:
        rows.append([label, 0, "本周未发现问题", None, 0])
    for number, (category, group) in enumerate(groups, start=1):
        brief = "；".join(
            f"{name}：{problem}"
            for name, problem in zip(group["enterprise_name"], group["problem"], strict=True)
        )
        counts = {
            lab: int(sum(_flag(r, flag, lab) for _, r in group.iterrows()))
            for flag, lab in (
                ("fixed_on_spot", "立行立改"),
                ("stopped", "停产整治"),
                ("filed", "立案处罚"),
            )
        }
        disposal = "；".join(f"{lab}{n}起" for lab, n in counts.items() if n) or "—"
        fine = _fines_yuan(group) / 10_000
        rows.append(
            [
                label if number == 1 else None,
                len(group),
                f"{number}. {category}：{brief}",
                disposal,
                round(float(fine), 4),
            ]
        )
    if len(rows) - first > 1:
        merges.append((first, 0, len(rows) - 1, 0))
    for obj in DISPATCH_OBJECTS[1:]:
        top = len(rows)
        rows.append([obj, None, "1.", None, None])
        rows.append([None, None, "2.", None, None])
        merges.append((top, 0, top + 1, 0))
    total_fine = _fines_yuan(week_cases)
    rows.append(["合计", len(week_cases), None, None, round(float(total_fine) / 10_000, 4)])
    period = f"{start.month}月{start.day}日至{end.month}月{end.day}日"
    return Form(
        sheet=f"{end:%m%d}周",
        titles=[
            "附件",
            "大气污染防治百日专项整治攻坚行动调度表",
            f"填报单位：{unit}        {period}",
        ],
        header=DISPATCH_HEADER,
        rows=rows,
        notes=list(DISPATCH_NOTES),
        merges=merges,
        widths=[16, 10, 60, 24, 14],
    )


def dispatch_forms(
    cases: pd.DataFrame,
    inspections: pd.DataFrame | None,
    *,
    month: str,
    unit: str,
    county: str | None = None,
) -> list[Form]:
    """One dispatch table per week of ``month`` (see :func:`dispatch_weeks`).

    Raises
    ------
    FormError
        No case and no inspection in any of the month's weeks.
    """
    weeks = dispatch_weeks(month)
    first, last = weeks[0][0], weeks[-1][1]
    active = 0
    for frame in (cases, inspections):
        if frame is not None and len(frame):
            dates = pd.to_datetime(_for_county(frame, county)["inspection_date"], errors="coerce")
            active += int(((dates >= first) & (dates <= last)).sum())
    if not active:
        raise FormError(
            t(
                "forms.no_dispatch_records",
                month=month,
                first=f"{first:%Y-%m-%d}",
                last=f"{last:%Y-%m-%d}",
            )
        )
    return [
        dispatch_form(cases, inspections, week=week, unit=unit, county=county) for week in weeks
    ]
