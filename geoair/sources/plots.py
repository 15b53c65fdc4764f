"""Wind plots: wind rose, pollution rose, CPF and NWR drawn as one PNG of polar panels.

The numbers come from :mod:`geoair.sources.wind` (this module only draws them);
matplotlib is imported inside the functions, so importing the wind module stays light.
Fonts, and the check that no character prints as an empty box, are
:mod:`geoair.io.fonts`' (the same for every PNG geoair writes).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from geoair.io.fonts import plain_text, rc_params, save_png
from geoair.messages import t
from geoair.sources.wind import cpf, nwr, pollution_rose, wind_rose

if TYPE_CHECKING:
    from matplotlib.projections.polar import PolarAxes

__all__ = ["polar_plots"]


log = logging.getLogger(__name__)


def polar_plots(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    title: str,
    pollutant: str,
    sectors: int = 16,
    percentile: float = 75.0,
    calm_ms: float = 0.5,
    sigma_deg: float = 10.0,
    h_ms: float = 1.0,
    speed_kernel: Literal["epanechnikov", "gaussian"] = "epanechnikov",
    marks: pd.DataFrame | None = None,
    dpi: int = 110,
) -> Path:
    """Draw wind rose, pollution rose, CPF and NWR as one PNG of four polar panels.

    Parameters
    ----------
    frame : pandas.DataFrame
        A wind frame for one station and period.
    path : path
        PNG to write (atomically; folders are made).
    title : str
        Heading, e.g. ``"赛鱼站 PM2.5 2020-10/2020-12"``.
    pollutant : str
        Name for the colour bars.
    marks : pandas.DataFrame, optional
        Sources to mark on the CPF panel: ``bearing_deg``, ``name`` (e.g. the top
        suspects); drawn as red triangles at the rim with their names.

    Returns
    -------
    pathlib.Path
        The PNG written.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    unit = "mg/m³" if pollutant.upper() == "CO" else "µg/m³"
    rose = wind_rose(frame, sectors=sectors, calm_ms=calm_ms)
    prose = pollution_rose(frame, sectors=sectors, calm_ms=calm_ms)
    cp = cpf(frame, sectors=sectors, percentile=percentile, calm_ms=calm_ms)
    grid = nwr(frame, sigma_deg=sigma_deg, h_ms=h_ms, speed_kernel=speed_kernel, calm_ms=calm_ms)
    width = 2 * np.pi / sectors
    theta = np.deg2rad(np.arange(sectors) * 360.0 / sectors)

    with rc_context(rc_params()):
        fig = Figure(figsize=(11, 10.5))
        axes = [
            cast("PolarAxes", fig.add_subplot(2, 2, i + 1, projection="polar")) for i in range(4)
        ]
        for ax in axes:
            ax.set_theta_zero_location("N")
            ax.set_theta_direction(-1)
            ax.set_xticks(np.deg2rad(np.arange(0, 360, 45)))
            ax.set_xticklabels(t("plot.compass").split(","))
        # wind rose
        ax = axes[0]
        windy_rows = rose[rose["sector"] >= 0]
        bottom = np.zeros(sectors)
        classes = list(dict.fromkeys(windy_rows["speed_class"]))
        colours = _colours(len(classes))
        for colour, name in zip(colours, classes, strict=True):
            pct = windy_rows.loc[windy_rows["speed_class"] == name, "percent"].to_numpy()
            ax.bar(
                theta,
                pct,
                width=width * 0.92,
                bottom=bottom,
                color=colour,
                edgecolor="white",
                linewidth=0.4,
                label=f"{name} m/s",
            )
            bottom += np.nan_to_num(pct)
        calm_pct = float(rose.loc[rose["sector"] < 0, "percent"].iloc[0])
        ax.set_title(t("plot.wind_rose", calm=calm_pct), pad=14)
        ax.legend(loc="lower left", bbox_to_anchor=(-0.15, -0.12), fontsize=8, frameon=False)
        # pollution rose
        ax = axes[1]
        sec = prose[prose["sector"] >= 0]
        means = np.nan_to_num(sec["mean"].to_numpy())
        low, top = float(means.min()), float(means.max())
        shade = (means - low) / (top - low) if top > low else np.full(sectors, 0.5)
        ax.bar(
            theta, means, width=width * 0.92, color=_cmap()(0.15 + 0.85 * shade), edgecolor="white"
        )
        ax.set_title(t("plot.pollution_rose", pollutant=pollutant, unit=unit), pad=14)
        # CPF
        ax = axes[2]
        sec = cp[cp["sector"] >= 0]
        values = np.nan_to_num(sec["cpf"].to_numpy())
        ax.bar(theta, values, width=width * 0.92, color=_cmap()(values), edgecolor="white")
        ax.set_ylim(0, max(1e-6, float(values.max()) * 1.15))
        ax.set_title(
            t("plot.cpf", percentile=percentile, threshold=cp.attrs["threshold"], unit=unit),
            pad=14,
        )
        if marks is not None and len(marks):
            rim = float(values.max()) * 1.08 if values.max() > 0 else 1.0
            legend = []
            for number, (_, mark) in enumerate(marks.iterrows(), start=1):
                if not np.isfinite(mark["bearing_deg"]):
                    continue
                angle = np.deg2rad(float(mark["bearing_deg"]))
                ax.plot([angle], [rim], marker="v", color="#c00000", markersize=7)
                ax.annotate(
                    str(number),
                    (angle, rim),
                    fontsize=8,
                    color="#c00000",
                    xytext=(3 + 7 * (number - 1), 5),
                    textcoords="offset points",
                )
                distance = f" {float(mark['distance_m']):.0f} m" if "distance_m" in mark else ""
                legend.append(
                    f"{number} {plain_text(mark['name'])}{distance} {angle * 180 / np.pi:.0f}°"
                )
            if legend:
                ax.text(
                    0.5,
                    -0.14,
                    "\n".join(legend),
                    transform=ax.transAxes,
                    ha="center",
                    va="top",
                    fontsize=8,
                    color="#c00000",
                )
        # NWR
        ax = axes[3]
        d = np.unique(grid["direction_deg"])
        u = np.unique(grid["speed_ms"])
        z = grid["conc"].to_numpy().reshape(len(d), len(u))
        step_d = np.deg2rad(d[1] - d[0]) if len(d) > 1 else 2 * np.pi
        t_edges = np.append(np.deg2rad(d) - step_d / 2, np.deg2rad(d[-1]) + step_d / 2)
        du = (u[1] - u[0]) if len(u) > 1 else 0.5
        r_edges = np.append(u - du / 2, u[-1] + du / 2)
        mesh = ax.pcolormesh(
            t_edges,
            np.clip(r_edges, 0, None),
            np.ma.masked_invalid(z).T,
            cmap=_cmap(),
            shading="flat",
        )
        ax.set_title(t("plot.nwr"), pad=14)
        fig.colorbar(mesh, ax=ax, shrink=0.7, pad=0.1, label=f"{pollutant} {unit}")
        fig.suptitle(plain_text(title), fontsize=14)
        fig.subplots_adjust(hspace=0.35, wspace=0.3)
        path = save_png(fig, path, dpi=dpi)
    return path


def _cmap():
    from matplotlib import colormaps

    return colormaps["YlOrRd"]


def _colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.15 + 0.75 * i / max(n - 1, 1)) for i in range(n)]
