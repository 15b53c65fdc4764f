"""Gate roads on a Dask cluster: the single-machine plan, cell by cell, put back together.

:func:`plan_sweeping_on` returns what :func:`geoair.roads.gate_roads.plan_sweeping`
returns for the same inputs. The gates are cut into cells (:mod:`geoair.distributed.
tiles`) and each cell's task calls ``plan_sweeping`` itself on

* the gates the cell owns: whole *enterprise groups*. A sweep task counts a stretch
  shared by two gates of one enterprise once, so all the gates of an enterprise must
  be in one task: gates and enterprises are linked through every enterprise id and
  name they carry (the keys by which ``plan_sweeping`` matches a gate to its
  enterprise), and a linked group goes to the cell holding its first located gate;
* the enterprises of those groups (in the ledger's order), and enterprises linked to
  no gate in the task of cell 0 (they become the "no gate recorded" rows);
* the roads whose bounding box meets the box of the task's gates grown by a halo of
  the larger of the radius and the nearest-road search distance (plus the margin
  ``plan_sweeping`` itself searches with), converted to degrees where a degree of
  longitude is shortest. Every road piece and every nearest road a gate can have is
  therefore in its task; a road near a border goes to several tasks, but each gate
  is in one, so no stretch is lost or counted twice.

Results are then put in the single-machine order (gates in their layer's order;
enterprises by county and id). Two things are numbered by position in the
single-machine function and would change inside a cell: gates without an ``id``
column (``G1``, ``G2``...) and roads without an id (``R<row>``); they are given their
global names before the cells are cut. Gate ids travel as tokens (so that gates
with the same id or none stay apart) and are given back at the end.
"""

from __future__ import annotations

import inspect
import logging
import math
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geoair.distributed.tasks import run_tasks
from geoair.distributed.tiles import balanced_cells, cell_count, halo_boxes
from geoair.distributed.transport import Packed, pack, unpack
from geoair.io.crs import require_wgs84
from geoair.roads.buffers import centres_of
from geoair.roads.clip import check_distance
from geoair.roads.gate_roads import SweepPlan, plan_sweeping

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["GATES_PER_TASK", "SEGMENTS_PER_TASK", "plan_sweeping_on"]


log = logging.getLogger(__name__)

#: Gates per task at most (about; geoair's choice, with the roads of their cell well
#: under a worker's 2 GB).
GATES_PER_TASK = 12_500
#: Road segments per task, about (the cells are made finer when the roads are many).
SEGMENTS_PER_TASK = 200_000
_TOKEN = "§gate:"  # a gate id as it travels through a task: its row in the layer
_SEP = "、"
_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(plan_sweeping).parameters.items()
    if p.default is not inspect.Parameter.empty
}


def _text(series: pd.Series) -> NDArray[np.object_]:
    """Text as ``plan_sweeping`` reads an id or name: stripped, blanks as None."""
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    out = text.to_numpy(dtype=object, na_value=None).copy()  # type: ignore[call-overload]  # pandas-stubs: na_value=None works
    out[blank] = None
    return out


def _search_halo_m(search_m: float, lat_max: float) -> float:
    """Metres around a gate that ``plan_sweeping`` may look at, with room to spare."""
    grow = (
        1.0
        + 1e-4
        + 4.0 * (1.0 + abs(math.tan(math.radians(min(lat_max, 85.0))))) * (search_m / 6.3e6)
    )
    return (search_m * grow + 1e-3) * 1.01 + 1.0


def _groups(gates: pd.DataFrame, enterprises: pd.DataFrame | None) -> tuple[NDArray, NDArray]:
    """Linked group of each gate and each enterprise (shared enterprise id or name)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(gates)
    m = 0 if enterprises is None else len(enterprises)
    owners, words = [], []
    for column in ("enterprise_id", "enterprise_name"):
        if column in gates:
            owners.append(np.arange(n))
            words.append(_text(gates[column]))
    if enterprises is not None:
        for column in ("id", "name"):
            if column in enterprises:
                owners.append(n + np.arange(m))
                words.append(_text(enterprises[column]))
    if not owners:
        return np.arange(n), np.arange(n, n + m)
    owner = np.concatenate(owners)
    word = np.concatenate(words)
    known = pd.notna(word)
    codes, _ = pd.factorize(pd.Series(word[known], dtype=object))
    size = n + m + int(codes.max(initial=-1)) + 1
    graph = coo_matrix(
        (np.ones(len(codes)), (owner[known], n + m + codes)), shape=(size, size)
    ).tocsr()
    _, label = connected_components(graph, directed=False)
    return label[:n], label[n : n + m]


def _plan_task(
    payload: tuple[Packed, Packed, Packed | None], options: dict[str, Any]
) -> tuple[Packed, ...]:
    gates, roads, enterprises = payload
    plan = plan_sweeping(
        cast(gpd.GeoDataFrame, unpack(gates)),
        cast(gpd.GeoDataFrame, unpack(roads)),
        None if enterprises is None else cast(gpd.GeoDataFrame, unpack(enterprises)),
        **options,
    )
    return tuple(
        pack(frame)
        for frame in (plan.gate_roads, plan.gate_buffers, plan.sweep_tasks, plan.gate_findings)
    )


def plan_sweeping_on(
    client: Client,
    gates: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None = None,
    *,
    gates_per_task: int = GATES_PER_TASK,
    segments_per_task: int = SEGMENTS_PER_TASK,
    retries: int = 2,
    **options: Any,
) -> SweepPlan:
    """:func:`geoair.roads.gate_roads.plan_sweeping` on a Dask cluster, same result.

    Parameters
    ----------
    client : distributed.Client
    gates, roads, enterprises
        As for ``plan_sweeping`` (EPSG:4326). Not modified.
    gates_per_task, segments_per_task : int
        About how many gates and road segments one task holds at most; there are
        also at least two tasks per worker.
    retries : int
        Times the scheduler reruns a task whose worker died.
    **options
        Passed unchanged to ``plan_sweeping`` in every task (``radius_m``,
        ``gate_site_max_m``, ``nearest_search_m``, ``vertices``).

    Returns
    -------
    SweepPlan
    """
    from geoair.distributed.cluster import worker_count

    require_wgs84(gates, what="the gates layer")
    require_wgs84(roads, what="the roads layer")
    if enterprises is not None:
        require_wgs84(enterprises, what="the enterprises layer")
    settings = {**_DEFAULTS, **options}
    search = max(
        check_distance(settings["radius_m"], name="radius"),
        check_distance(settings["nearest_search_m"], name="nearest-road search distance"),
    )
    n = len(gates)

    # gates: token ids (their row), only the columns plan_sweeping reads
    if "id" in gates:
        gate_ids = _text(gates["id"])
    else:
        gate_ids = np.array([f"G{i}" for i in range(1, n + 1)], dtype=object)
    keep = [c for c in ("name", "enterprise_id", "enterprise_name") if c in gates]
    sent_gates = gpd.GeoDataFrame(
        {"id": [f"{_TOKEN}{i}" for i in range(n)], **{c: gates[c].to_numpy() for c in keep}},
        geometry=gpd.GeoSeries(gates.geometry.to_numpy(), crs=gates.crs),
    )
    # roads: ids as the single machine numbers them (R<row> where blank)
    road_ids = _text(roads["id"]) if "id" in roads else np.full(len(roads), None, dtype=object)
    blank = pd.isna(road_ids)
    road_ids[blank] = [f"R{i + 1}" for i in np.flatnonzero(blank)]
    keep = [c for c in ("name", "road_class") if c in roads]
    sent_roads = gpd.GeoDataFrame(
        {"id": road_ids, **{c: roads[c].to_numpy() for c in keep}},
        geometry=gpd.GeoSeries(roads.geometry.to_numpy(), crs=roads.crs),
    )
    sent_ents = None
    if enterprises is not None:
        keep = [c for c in ("id", "name", "county", "status") if c in enterprises]
        sent_ents = gpd.GeoDataFrame(
            {c: enterprises[c].to_numpy() for c in keep},
            geometry=gpd.GeoSeries(enterprises.geometry.to_numpy(), crs=enterprises.crs),
        )

    # cells: linked groups, placed by their first located gate
    gate_group, ent_group = _groups(gates, enterprises)
    lon, lat = centres_of(gates)
    located = np.isfinite(lon) & np.isfinite(lat)
    groups, first = np.unique(gate_group, return_index=True)
    order = np.lexsort((np.arange(n), ~located, gate_group))  # located gates first, by row
    g_sorted = gate_group[order]
    anchor = order[np.r_[0, np.flatnonzero(g_sorted[1:] != g_sorted[:-1]) + 1]] if n else order
    anchor_x = np.where(located[anchor], lon[anchor], np.nan)
    anchor_y = np.where(located[anchor], lat[anchor], np.nan)
    segments = int(shapely.get_num_coordinates(roads.geometry.to_numpy()).sum())
    workers = worker_count(client)
    n_cells = max(
        cell_count(n, per_task=gates_per_task, minimum=2 * workers),
        math.ceil(segments / max(segments_per_task, 1)),
    )
    group_cell = balanced_cells(anchor_x, anchor_y, n_cells)
    cell_of = dict(zip(groups.tolist(), group_cell.tolist(), strict=True))
    gate_cell = np.array([cell_of[g] for g in gate_group], dtype=np.int64)
    ent_cell = np.array([cell_of.get(g, 0) for g in ent_group], dtype=np.int64)
    cells = np.unique(gate_cell) if n else np.array([0])
    if not len(first):
        cells = np.array([0])

    tree = sent_roads.sindex

    def payloads():
        for cell in cells:
            g_pos = np.flatnonzero(gate_cell == cell)
            here = g_pos[located[g_pos]]
            if len(here):  # the roads near each gate (not the cell's box: an
                # enterprise's gates may lie far apart)
                halo = _search_halo_m(search, float(np.abs(lat[here]).max()))
                boxes = shapely.box(*halo_boxes(lon[here], lat[here], halo))
                r_pos = np.unique(tree.query(boxes)[1])
            else:
                r_pos = np.zeros(0, dtype=np.int64)
            ents = None if sent_ents is None else sent_ents.iloc[np.flatnonzero(ent_cell == cell)]
            yield (
                pack(sent_gates.iloc[g_pos]),
                pack(sent_roads.iloc[r_pos]),
                None if ents is None else pack(ents),
            )

    log.info(
        "gate roads: %d gates, %d road segments in %d cells (halo %.0f m)",
        n,
        segments,
        len(cells),
        _search_halo_m(search, 45.0),
    )
    results = run_tasks(client, _plan_task, payloads(), args=(options,), retries=retries)
    plans = [
        SweepPlan(
            cast(gpd.GeoDataFrame, unpack(result[0])),
            cast(gpd.GeoDataFrame, unpack(result[1])),
            unpack(result[2]),
            cast(gpd.GeoDataFrame, unpack(result[3])),
        )
        for result in results
    ]
    return _merge(plans, gate_ids, n)


def _positions(ids: pd.Series) -> NDArray[np.int64]:
    return np.asarray(ids.astype(str).str.slice(len(_TOKEN)).astype(np.int64), dtype=np.int64)


def _names(text: Any, gate_ids: NDArray[np.object_]) -> Any:
    """Joined gate tokens as joined gate ids, each once, blanks left out."""
    if not isinstance(text, str) or not text.startswith(_TOKEN):
        return text
    names: list[str] = []
    for token in text.split(_SEP):
        name = gate_ids[int(token[len(_TOKEN) :])]
        if name is not None and name not in names:
            names.append(name)
    return _SEP.join(names) if names else None


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if not kept:
        return frames[0]
    return kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns typed from all their values, as the single machine types them.

    A cell whose values of a column are all missing gives an ``object`` column, and
    putting it beside text columns makes the whole ``object``; the single machine,
    which builds each column from all its values at once, gets text (``str``).
    """
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_object_dtype(dtype) or (
            isinstance(dtype, pd.StringDtype) and frame[column].isna().all()
        ):
            frame[column] = frame[column].to_numpy(dtype=object)
    return frame


def _by_gate(frame: pd.DataFrame, gate_ids: NDArray[np.object_]) -> pd.DataFrame:
    """Rows in the order of their gates in the layer (stable), with the real gate ids."""
    if len(frame) == 0:
        return frame.reset_index(drop=True)
    pos = _positions(frame["gate_id"])
    out = frame.iloc[np.argsort(pos, kind="stable")].reset_index(drop=True)
    out["gate_id"] = gate_ids[np.sort(pos, kind="stable")]
    return out


def _merge(plans: list[SweepPlan], gate_ids: NDArray[np.object_], n: int) -> SweepPlan:
    gate_roads = _by_gate(_concat([p.gate_roads for p in plans]), gate_ids)
    gate_buffers = _by_gate(_concat([p.gate_buffers for p in plans]), gate_ids)
    gate_findings = _by_gate(_concat([p.gate_findings for p in plans]), gate_ids)
    tasks = _concat([p.sweep_tasks for p in plans])
    if len(tasks):
        # the single machine's order before its stable sort by county and id: enterprises
        # by their first gate, then those without a gate in the ledger's order
        firsts = tasks["gates"].map(
            lambda t: (
                int(t.split(_SEP)[0][len(_TOKEN) :])
                if isinstance(t, str) and t.startswith(_TOKEN)
                else -1
            )
        )
        has_gate = (tasks["n_gates"] > 0).to_numpy()
        pre = np.where(has_gate, firsts.to_numpy(), n + np.arange(len(tasks)))
        tasks = tasks.iloc[np.argsort(pre, kind="stable")].reset_index(drop=True)
        # typed as the single machine types them: the enterprises with a gate as one
        # table, those without as another, put end to end
        with_gate = np.sort(pre, kind="stable") < n
        parts = []
        for rows in (with_gate, ~with_gate):
            if rows.any():
                part = tasks[rows].reset_index(drop=True)
                for column in ("gates", "gates_without_road"):
                    mapped = [_names(t, gate_ids) for t in part[column].to_numpy(dtype=object)]
                    part[column] = np.asarray(mapped, dtype=object)
                parts.append(_typed(part))
        tasks = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        tasks = tasks.sort_values(
            ["county", "enterprise_id"], na_position="last", kind="stable"
        ).reset_index(drop=True)
    return SweepPlan(
        cast(gpd.GeoDataFrame, _typed(gate_roads)),
        cast(gpd.GeoDataFrame, _typed(gate_buffers)),
        tasks,
        cast(gpd.GeoDataFrame, _typed(gate_findings)),
    )
