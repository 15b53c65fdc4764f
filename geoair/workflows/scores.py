"""Scores for a workspace: site assignment, park ranking, enterprise scores, benchmarks.

``geoair scores assign|parks|enterprises`` and the demo call the functions here; the
rules are :mod:`geoair.scores` (fixed references, weights re-spread over the
components present, ranks and change from last month).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from geoair.errors import WorkspaceError
from geoair.io.paths import child
from geoair.messages import layer_name, t
from geoair.progress import Progress, silent
from geoair.scores.assign import SITE_LAYERS, assign_sites
from geoair.scores.components import previous_month
from geoair.scores.enterprises import enterprise_ranking_sheet, score_enterprises
from geoair.scores.inputs import PARK_COMPONENTS, ScoreInputs, station_months_from
from geoair.scores.parks import park_ranking_sheet, score_parks
from geoair.store.workspace import Workspace

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "AssignmentResult",
    "EnterpriseScoresResult",
    "ParkScoresResult",
    "ScoresOptions",
    "ScoresResult",
    "assignment_from_workspace",
    "describe",
    "load_inputs",
    "run_assignment",
    "run_enterprise_scores",
    "run_park_scores",
    "run_scores",
]


def assignment_from_workspace(ws: Workspace) -> pd.DataFrame:
    """Compute ``site_assignment`` from the workspace's layers and settings (not written)."""
    layers = {
        name: cast("gpd.GeoDataFrame | None", ws.read(name, required=False)) for name in SITE_LAYERS
    }
    return assign_sites(
        layers,
        parks=cast("gpd.GeoDataFrame | None", ws.read("parks", required=False)),
        counties=cast("gpd.GeoDataFrame | None", ws.read("counties", required=False)),
        near_park_m=ws.settings.assignment.near_park_m,
    )


def load_inputs(ws: Workspace, *, assignment: pd.DataFrame | None = None) -> ScoreInputs:
    """Read every frame that scores use from a workspace (missing ones are None).

    Monthly PM2.5 comes from the ``station_monthly`` table (``geoair indicators``) and
    dustfall from the readings store, when they exist.
    """
    parks = ws.read("parks", required=False)
    if parks is None or len(parks) == 0:
        raise WorkspaceError(t("scores.no_parks", root=ws.location))
    monthly = ws.read("station_monthly", required=False)
    dustfall = _read_dustfall(ws)
    return ScoreInputs(
        parks=parks,
        assignment=assignment if assignment is not None else assignment_from_workspace(ws),
        enterprises=ws.read("enterprises", required=False),
        inspections=ws.read("inspections", required=False),
        cases=ws.read("cases", required=False),
        gangue_heaps=ws.read("gangue_heaps", required=False),
        stations=ws.read("stations", required=False),
        targets=ws.read("targets", required=False),
        station_months=station_months_from(monthly, dustfall),
        road_dust=ws.read("road_dust", required=False),
        gate_roads=_read_table(ws, "gate_roads"),
        roads=_read_table(ws, "roads"),
    )


def _read_table(ws: Workspace, name: str) -> pd.DataFrame | None:
    """A workspace layer as a plain table (geometry dropped), or None."""
    frame = ws.read(name, required=False)
    if frame is None:
        return None
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def _read_dustfall(ws: Workspace) -> pd.DataFrame | None:
    """Monthly dustfall from the readings store (empty when none was imported)."""
    from geoair.readings.store import load_dustfall

    return load_dustfall(ws)


def _weakest(row: pd.Series) -> str:
    scored = {
        name: row[f"{name}_score"] for name in PARK_COMPONENTS if pd.notna(row[f"{name}_score"])
    }
    if not scored:
        return ""
    name = min(scored, key=lambda n: (scored[n], n))
    return t("scores.weakest", component=t(f"component.{name}"), score=scored[name])


def _missing_components(row: pd.Series) -> str:
    names = [n for n in str(row.get("missing") or "").split("、") if n]
    return t("word.list_sep").join(t(f"component.{n}") for n in names if n in PARK_COMPONENTS)


@dataclass(frozen=True)
class ScoresOptions:
    """Options of ``geoair scores``.

    Parameters
    ----------
    month : str, optional
        Month to score ("2024-03"); default: the latest month that has data.
    benchmark : bool
        Enterprises: only the benchmark candidates (in ``describe`` and sheets).
    report_folder : Path, optional
        Also write the monthly report sheets (园区排名, 标杆企业候选) there as Excel.
    """

    month: str | None = None
    benchmark: bool = False
    report_folder: Path | None = None


@dataclass(frozen=True)
class AssignmentResult:
    """The ``site_assignment`` table as written."""

    assignment: pd.DataFrame


@dataclass(frozen=True)
class ParkScoresResult:
    """The ``park_scores`` of a month, and what data were missing for them."""

    table: pd.DataFrame
    month: str
    hints: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    min_weight_ranked: float = 0.5


@dataclass(frozen=True)
class EnterpriseScoresResult:
    """The ``enterprise_scores`` of a month, with the benchmark candidates flagged."""

    table: pd.DataFrame
    month: str
    benchmark: bool = False
    written: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class ScoresResult:
    """Parks and enterprises scored for the same month (the demo's step)."""

    assignment: pd.DataFrame
    parks: ParkScoresResult
    enterprises: EnterpriseScoresResult


def run_assignment(ws: Workspace, *, progress: Progress = silent) -> AssignmentResult:
    """Find the county and park of every enterprise, gate, station and heap; write it."""
    progress(t("progress.scores.assign"))
    assignment = assignment_from_workspace(ws)
    ws.write("site_assignment", assignment)
    return AssignmentResult(assignment)


def _hints(ws: Workspace, table: pd.DataFrame) -> list[str]:
    applies = {
        "air": not ws.has("station_monthly"),
        "dustfall": True,
        "road_dust": not ws.has("road_dust"),
    }
    return [
        t(f"scores.hint.{name}")
        for name, wanted in applies.items()
        if wanted and table[f"{name}_score"].isna().all()
    ]


def _sheet(frame: pd.DataFrame, folder: Path, name: str) -> Path:
    from geoair.io.writers import write_table

    return write_table(frame, child(folder, name, suffix=".xlsx"), layer=name.split("_")[0])


def run_park_scores(
    ws: Workspace,
    options: ScoresOptions = ScoresOptions(),
    *,
    inputs: ScoreInputs | None = None,
    progress: Progress = silent,
) -> ParkScoresResult:
    """Score and rank the parks for a month; write ``site_assignment`` and the month's rows
    of ``park_scores`` (other months keep theirs)."""
    if inputs is None:
        progress(t("progress.scores.read"))
        inputs = load_inputs(ws)
    progress(t("progress.scores.parks"))
    table = score_parks(inputs, month=options.month, settings=ws.settings)
    month = str(table["month"].iloc[0])
    with ws.transaction() as tx:
        tx.write("site_assignment", inputs.assignment)
        tx.replace_part("park_scores", table, ["month"])  # other months keep their rows
    written = []
    if options.report_folder is not None:
        written.append(
            _sheet(park_ranking_sheet(table), options.report_folder, f"园区排名_{month}")
        )
    return ParkScoresResult(
        table=table,
        month=month,
        hints=_hints(ws, table),
        written=written,
        min_weight_ranked=ws.settings.scores.min_weight_ranked,
    )


def run_enterprise_scores(
    ws: Workspace,
    options: ScoresOptions = ScoresOptions(),
    *,
    inputs: ScoreInputs | None = None,
    progress: Progress = silent,
) -> EnterpriseScoresResult:
    """Score the enterprises for a month; write ``site_assignment`` and the month's rows of
    ``enterprise_scores`` (other months keep theirs)."""
    if inputs is None:
        progress(t("progress.scores.read"))
        inputs = load_inputs(ws)
    progress(t("progress.scores.enterprises"))
    table = score_enterprises(inputs, month=options.month, settings=ws.settings)
    month = str(table["month"].iloc[0])
    with ws.transaction() as tx:
        tx.write("site_assignment", inputs.assignment)
        tx.replace_part("enterprise_scores", table, ["month"])  # other months keep theirs
    written = []
    if options.report_folder is not None:
        sheet = enterprise_ranking_sheet(table, benchmark_only=True)
        written.append(_sheet(sheet, options.report_folder, f"标杆企业候选_{month}"))
    return EnterpriseScoresResult(
        table=table, month=month, benchmark=options.benchmark, written=written
    )


def run_scores(
    ws: Workspace, options: ScoresOptions = ScoresOptions(), *, progress: Progress = silent
) -> ScoresResult:
    """Parks, then enterprises for the parks' month, from one reading of the workspace."""
    progress(t("progress.scores.read"))
    inputs = load_inputs(ws)
    parks = run_park_scores(ws, options, inputs=inputs, progress=progress)
    month_options = ScoresOptions(
        month=parks.month, benchmark=True, report_folder=options.report_folder
    )
    enterprises = run_enterprise_scores(ws, month_options, inputs=inputs, progress=progress)
    return ScoresResult(assignment=inputs.assignment, parks=parks, enterprises=enterprises)


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None or pd.isna(value) else format(value, spec)


def describe(
    result: AssignmentResult | ParkScoresResult | EnterpriseScoresResult | ScoresResult,
) -> list[str]:
    """The lines a clerk reads: sites per park, the ranking, benchmark candidates."""
    row: Any  # iterrows() and itertuples() rows: pandas-stubs types fields as any scalar
    if isinstance(result, ScoresResult):
        return (
            describe(AssignmentResult(result.assignment))
            + describe(result.parks)
            + describe(result.enterprises)
        )
    if isinstance(result, AssignmentResult):
        primary = result.assignment[result.assignment["primary"]]
        lines = []
        for layer, rows in primary.groupby("layer", sort=False):
            lines.append(
                t(
                    "scores.assignment_line",
                    layer=layer_name(str(layer)),
                    n=len(rows),
                    inside=int(rows["park_rule"].eq("inside").sum()),
                    near=int(rows["park_rule"].eq("near").sum()),
                    no_county=int(rows["county"].isna().sum()),
                )
            )
        return lines
    if isinstance(result, ParkScoresResult):
        month = result.month
        lines = [t("scores.parks_title", month=month, previous=previous_month(month))]
        for _, row in result.table.iterrows():
            rank = "-" if pd.isna(row["rank"]) else f"{int(row['rank'])}."
            change = "" if pd.isna(row["rank_change"]) else f" ({int(row['rank_change']):+d})"
            details = [_weakest(row)]
            missing = _missing_components(row)
            if missing:
                details.append(t("scores.no_data", components=missing))
            if pd.isna(row["rank"]):
                details.append(
                    t(
                        "scores.unranked",
                        covered=float(row.get("weight_covered", 0.0) or 0.0),
                        needed=result.min_weight_ranked,
                    )
                )
            lines.append(
                t(
                    "scores.park_line",
                    rank=rank,
                    park=row["park_name"],
                    total=_fmt(row["total"]),
                    change=change,
                    detail=t("word.clause_sep").join(d for d in details if d),
                )
            )
        lines += [t("scores.hint", hint=hint) for hint in result.hints]
        lines += [t("scores.park_sheet", path=path) for path in result.written]
        return lines
    table = result.table
    lines = [
        t(
            "scores.enterprises_title",
            month=result.month,
            n=len(table),
            ranked=int(table["rank"].notna().sum()),
        )
    ]
    if result.benchmark:
        chosen = table[table["benchmark"]]
        counts = chosen.groupby("county").size()
        lines.append(
            t(
                "scores.benchmark_counts",
                counts=t("word.list_sep").join(
                    t("scores.benchmark_count", county=county, n=n) for county, n in counts.items()
                ),
            )
        )
        for _county, rows in table.groupby("county", dropna=False, sort=True):
            picked = rows[rows["benchmark"]].sort_values("benchmark_rank")
            lines.append(f"  {rows['benchmark_note'].iloc[0]}")
            for row in picked.itertuples(index=False):
                lines.append(
                    t(
                        "scores.benchmark_line",
                        rank=row.benchmark_rank,
                        name=row.name,
                        total=_fmt(row.total),
                    )
                )
    else:
        for row in table.head(10).itertuples(index=False):
            rank = _fmt(row.rank, "d") if pd.notna(row.rank) else "-"
            lines.append(
                t(
                    "scores.enterprise_line",
                    rank=rank,
                    name=row.name,
                    county=row.county,
                    total=_fmt(row.total),
                )
            )
    lines += [t("scores.benchmark_sheet", path=path) for path in result.written]
    return lines
