"""Patrol targeting: which sites to inspect on a day, by which team, in what order.

Three steps, each a module of pure functions over (Geo)DataFrames:

* :mod:`geoair.patrol.risk` scores every enterprise and gangue heap, with its reasons;
* :mod:`geoair.patrol.plan` picks the day's sites (highest risk first, overdue sites
  forced in by the coverage rule) and splits them among teams;
* :mod:`geoair.patrol.routing` measures distances along the road network (or in a
  straight line) and orders each team's stops into a round trip from the start;
* :mod:`geoair.patrol.export` writes the plan for field tablets (GPX, KML), for
  printing (Excel) and as an offline HTML map.
"""

__all__ = ["export", "plan", "risk", "road_graph", "routing"]
