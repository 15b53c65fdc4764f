"""The same analyses on a Dask cluster: indicators, gate roads, sources near stations.

An *engine* here is an object whose methods have the signatures of the single-machine
functions (``daily_values``, ``period_values``, ``plan_sweeping``, ``near_sources``)
and return the same results, computed in tasks on a Dask cluster; each task calls the
single-machine function on one partition (a month and station group of the readings
store) or one spatial cell (gates or stations it owns, with the features within a halo
of the search distance). Only the workflows and the command line import this package,
and only when ``--engine dask`` is asked for: dask is an optional dependency
(``geoair[dask]``).
"""

__all__ = ["cluster", "engine", "gate_roads", "indicators", "near", "tasks", "tiles", "transport"]
