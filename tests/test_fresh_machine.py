"""``geoair demo`` on a fresh machine (issue 14): no Chinese font, a new matplotlib cache.

Each test runs in a subprocess with its own empty ``MPLCONFIGDIR`` (so matplotlib
builds its font cache anew) and hides the system's Chinese fonts from matplotlib:
from the cache it builds and from its scan of the system's font folders, as on a
machine where none is installed. The machine running the tests may have
fonts-noto-cjk; these tests do not depend on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs before geoair: hides every font file that can draw 阳 (U+9633) from matplotlib.
_HIDE_CJK = r"""
import json, os, sys
from matplotlib import font_manager as fm
from matplotlib.ft2font import FT2Font

def draws_chinese(path):
    try:
        return 0x9633 in FT2Font(path).get_charmap()
    except Exception:
        return False

scan = fm.findSystemFonts
hide_installed = os.environ["HIDE"] == "installed"
if hide_installed:  # no Chinese font on the machine at all
    fm.findSystemFonts = lambda *a, **k: [f for f in scan(*a, **k) if not draws_chinese(f)]
# In both cases the cache matplotlib just built has none (made before a font was installed).
fm.fontManager.ttflist = [e for e in fm.fontManager.ttflist if not draws_chinese(e.fname)]
"""

_DEMO = (
    _HIDE_CJK
    + r"""
from geoair.io.fonts import font_families
from geoair.workflows.demo import run_demo
run_demo(sys.argv[1])
print(json.dumps({"families": font_families()}))
"""
)

_PLOT = (
    _HIDE_CJK
    + r"""
import numpy as np, pandas as pd
from geoair.io.fonts import font_families
from geoair.sources.plots import polar_plots
rng = np.random.default_rng(0)
frame = pd.DataFrame({
    "station_id": "S1",
    "time": pd.date_range("2020-10-01 01:00", periods=500, freq="h"),
    "ws_ms": rng.uniform(0, 6, 500),
    "wd_deg": rng.uniform(0, 360, 500),
    "value": rng.uniform(10, 90, 500),
})
marks = pd.DataFrame(
    {"bearing_deg": [45.0], "name": ["阳泉市甲焦化有限公司𠀀"], "distance_m": [900]}
)
polar_plots(frame, sys.argv[1], title="赛鱼站 PM2.5 2020-10", pollutant="PM2.5", marks=marks)
print(json.dumps({"families": font_families()}))
"""
)


_MAP = (
    _HIDE_CJK
    + r"""
import geopandas as gpd
from shapely.geometry import Point, box
from geoair.io.fonts import font_families
from geoair.maps.layers import collect_layers
from geoair.maps.static import write_png
frames = {
    "counties": gpd.GeoDataFrame(
        {"id": ["140302"], "name": ["矿区"]}, geometry=[box(113.5, 37.8, 113.6, 37.9)], crs=4326
    ),
    "stations": gpd.GeoDataFrame(
        {"id": ["S1"], "name": ["赛鱼站"]}, geometry=[Point(113.55, 37.85)], crs=4326
    ),
}
write_png(collect_layers(frames), sys.argv[1], title="阳泉市 测试")
print(json.dumps({"families": font_families()}))
"""
)


def _run(script: str, target: Path, tmp_path: Path, hide: str) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "PYTHON", "FONTCONFIG"))}
    mpl = tmp_path / "mplconfig"
    mpl.mkdir()
    env.update(
        MPLCONFIGDIR=str(mpl),
        MPLBACKEND="Agg",
        HIDE=hide,
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="error::UserWarning:matplotlib",
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "missing from font" not in result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


@pytest.mark.slow
def test_demo_runs_without_any_chinese_font(tmp_path):
    out, stderr = _run(_DEMO, tmp_path / "demo", tmp_path, hide="installed")
    assert out["families"] == ["Geoair Sans SC", "DejaVu Sans"]
    # titles ask for bold only of a font that has it (the bundled one has one weight)
    assert "findfont" not in stderr
    demo = tmp_path / "demo"
    pngs = sorted(demo.rglob("*.png"))
    assert any(p.parent.name == "sources" for p in pngs)  # polar plots (step 6)
    assert any(p.parent.name == "maps" for p in pngs)  # the report map (step 8)
    assert (demo / "outputs").is_dir() and list(demo.glob("outputs/report-*/forms/*.xlsx"))


@pytest.mark.slow
def test_a_font_installed_after_the_cache_is_found(tmp_path):
    out, _ = _run(_PLOT, tmp_path / "plot.png", tmp_path, hide="cache")
    # The system's Chinese font (installed here) was not in the cache: it is found and used.
    assert out["families"][0] != "Geoair Sans SC" and "Geoair Sans SC" in out["families"]


@pytest.mark.parametrize("hide", ["installed", "cache"])
def test_bold_titles_print_no_font_warning(tmp_path, hide):
    """Without a system Chinese font (titles drawn regular) and with one (bold, the
    bundled font its one-weight fallback): no matplotlib findfont warning either way."""
    out, stderr = _run(_MAP, tmp_path / "map.png", tmp_path, hide=hide)
    assert (out["families"][0] == "Geoair Sans SC") == (hide == "installed")
    assert (tmp_path / "map.png").stat().st_size > 10_000
    assert "findfont" not in stderr, stderr[-2000:]


def test_polar_plot_without_any_chinese_font_has_no_empty_box(tmp_path):
    out, stderr = _run(_PLOT, tmp_path / "plot.png", tmp_path, hide="installed")
    assert out["families"] == ["Geoair Sans SC", "DejaVu Sans"]
    assert (tmp_path / "plot.png").stat().st_size > 10_000
    # 𠀀 (U+20000) is in no font: it is drawn as "?" and said, not as an empty box.
    assert "U+20000" in stderr
