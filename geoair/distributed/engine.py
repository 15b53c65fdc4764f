"""The ``dask`` engine: the single-machine functions' signatures, run on a Dask cluster.

A workflow that takes an ``engine`` calls ``engine.daily_values(...)`` where it would
call :func:`geoair.readings.indicators.daily_values`, and so on; without one it calls
the single-machine function. :class:`DaskEngine` is that object for a Dask client:

* ``daily_values``: :func:`geoair.readings.indicators.daily_values`, split by month
  partition and station group;
* ``period_values``: :func:`geoair.readings.indicators.period_values`, by key group
  and year;
* ``plan_sweeping``: :func:`geoair.roads.gate_roads.plan_sweeping`, by cells of
  enterprise groups with the roads within a halo;
* ``near_sources``: :func:`geoair.sources.near.near_sources`, by cells of stations
  with the sources within a halo.

Each method passes its options unchanged to the single-machine function in every
task, so the results are the same, row for row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from distributed import Client

    from geoair.roads.gate_roads import SweepPlan

__all__ = ["DaskEngine"]


@dataclass
class DaskEngine:
    """Run geoair's heavy steps on a Dask cluster (see the module notes).

    Attributes
    ----------
    client : distributed.Client
        From :func:`geoair.distributed.cluster.dask_client`.
    store : str, optional
        Where the workers read the hourly readings store, when not at the path the
        workflow gives (the workspace's ``readings/hourly``): a folder every worker
        sees, or an fsspec URL (``s3://bucket/ws/readings/hourly``).
    sizes : dict
        Task sizes passed to the engines (``stations_per_task``, ``keys_per_task``,
        ``gates_per_task``, ``segments_per_task``, ``near_stations_per_task``);
        defaults are each module's constants.
    """

    client: Client
    store: str | None = None
    sizes: dict[str, int] = field(default_factory=dict)

    def _size(self, name: str) -> dict[str, Any]:
        return {name: self.sizes[name]} if name in self.sizes else {}

    def daily_values(self, hourly: pd.DataFrame | str | Path, **options: Any) -> pd.DataFrame:
        """:func:`geoair.readings.indicators.daily_values`, by partition and station group."""
        from geoair.distributed.indicators import daily_values_on

        source = self.store if self.store and not isinstance(hourly, pd.DataFrame) else hourly
        return daily_values_on(self.client, source, **self._size("stations_per_task"), **options)

    def period_values(self, daily: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """:func:`geoair.readings.indicators.period_values`, by key group and year."""
        from geoair.distributed.indicators import period_values_on

        return period_values_on(self.client, daily, **self._size("keys_per_task"), **options)

    def plan_sweeping(
        self,
        gates: gpd.GeoDataFrame,
        roads: gpd.GeoDataFrame,
        enterprises: gpd.GeoDataFrame | None = None,
        **options: Any,
    ) -> SweepPlan:
        """:func:`geoair.roads.gate_roads.plan_sweeping`, by cells of gates."""
        from geoair.distributed.gate_roads import plan_sweeping_on

        sizes = {**self._size("gates_per_task"), **self._size("segments_per_task")}
        return plan_sweeping_on(self.client, gates, roads, enterprises, **sizes, **options)

    def near_sources(
        self,
        stations: gpd.GeoDataFrame,
        sources: Mapping[str, gpd.GeoDataFrame],
        **options: Any,
    ) -> pd.DataFrame:
        """:func:`geoair.sources.near.near_sources`, by cells of stations (a GeoDataFrame of
        lines unless ``lines=False``)."""
        from geoair.distributed.near import near_sources_on

        sizes: dict[str, Any] = {}
        if "near_stations_per_task" in self.sizes:
            sizes["stations_per_task"] = self.sizes["near_stations_per_task"]
        return near_sources_on(self.client, stations, sources, **sizes, **options)
