"""Names moved out of oversized modules stay importable from where they were.

The splits (wind -> wind_plots, export -> export_kml/_export_values, forms ->
forms_dispatch, buffers -> _clip, scores -> enterprise_scores, patrol.routing ->
patrol.road_graph, sources -> near, indicators -> membership) keep every public name
reachable from the old module, as the very same object, whichever module is imported
first.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MOVED = [
    ("geoair.wind", "geoair.wind_plots", ["polar_plots", "cjk_font_family"]),
    ("geoair.export", "geoair.export_kml", ["kml_document", "KML_STYLE_FIELDS",
                                            "KML_NAME_FIELDS"]),
    ("geoair.forms", "geoair.forms_dispatch", ["DISPATCH_HEADER", "DISPATCH_OBJECTS",
                                               "DISPATCH_NOTES", "DISPATCH_RULES", "OTHER",
                                               "WEEK_END_WEEKDAY", "problem_category",
                                               "dispatch_weeks", "dispatch_form",
                                               "dispatch_forms"]),
    ("geoair.buffers", "geoair._clip", ["RoadSegments", "road_segments", "clip_to_circles",
                                        "nearest_road_m"]),
    ("geoair.scores", "geoair.enterprise_scores", ["score_enterprises", "benchmark_candidates",
                                                   "enterprise_ranking_sheet"]),
    ("geoair.patrol.routing", "geoair.patrol.road_graph", ["RoadGraph", "build_road_graph",
                                                          "road_distances",
                                                          "straight_distances"]),
    ("geoair.sources", "geoair.near", ["near_sources", "gate_road_sources", "NEAR_COLUMNS",
                                       "SOURCE_LAYERS", "KIND_ZH"]),
    ("geoair.indicators", "geoair.membership", ["county_membership", "park_membership",
                                                "unit_parks", "unit_membership",
                                                "county_target_names",
                                                "county_unit_membership"]),
]


@pytest.mark.parametrize(("old", "new", "names"), MOVED, ids=[m[1] for m in MOVED])
def test_moved_names_are_the_same_objects(old, new, names):
    before, after = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        assert getattr(before, name) is getattr(after, name), f"{old}.{name}"


@pytest.mark.parametrize("old", ["geoair.wind", "geoair.forms", "geoair.scores",
                                 "geoair.indicators"])
def test_unknown_names_still_raise_attribute_error(old):
    module = importlib.import_module(old)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018
    assert not hasattr(module, "no_such_name")


def test_new_modules_import_first_without_a_cycle():
    # Each new module imported first in a clean set of geoair modules, then its names
    # taken from the old one: an import cycle would fail here, not in a user's script.
    code = "\n".join([
        "import importlib, sys",
        f"moved = {[(old, new, names) for old, new, names in MOVED]!r}",
        "for old, new, names in moved:",
        "    for key in [k for k in sys.modules if k == 'geoair' or k.startswith('geoair.')]:",
        "        del sys.modules[key]",
        "    after = importlib.import_module(new)",
        "    before = importlib.import_module(old)",
        "    for name in names:",
        "        assert getattr(before, name) is getattr(after, name), (old, name)",
        "print('ok')",
    ])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
