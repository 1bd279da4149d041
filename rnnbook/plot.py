"""The course's plot style: one look for every figure in the book.

    from rnnbook.plot import use_style, COLORS
    use_style()

Figures are stored in the notebooks as 2x-resolution ("retina") PNG.  The test suite
compares the stored PNG bytes with what re-execution produces (the pinned stack draws
them byte for byte), so no randomness or timing may reach a plot.  Every figure is
``FIG_WIDTH`` inches wide, so fonts come out the same size on every page.
"""

from __future__ import annotations

__all__ = ["COLORS", "FIG_WIDTH", "MODEL_COLORS", "use_style"]

#: The width of every figure in the book, in inches (one column of the page).
FIG_WIDTH = 7.0

#: A colour-blind-safe palette (Okabe & Ito).
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}

#: The same model always gets the same colour across chapters.
MODEL_COLORS = {
    "rnn": COLORS["red"],
    "lstm": COLORS["blue"],
    "gru": COLORS["green"],
    "jordan": COLORS["orange"],
    "baseline": COLORS["grey"],
}


def use_style() -> None:
    """Apply the course style to matplotlib (inline 2x PNG, readable sizes, light grid)."""
    import matplotlib as mpl

    _use_retina_inline()

    mpl.rcParams.update(
        {
            "figure.figsize": (FIG_WIDTH, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.autolayout": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "font.size": 10,
            "lines.linewidth": 1.8,
            "axes.prop_cycle": mpl.cycler(color=list(COLORS.values())),
            "image.cmap": "viridis",
        }
    )


def _use_retina_inline() -> None:
    """Inside a Jupyter kernel, store inline figures as PNG at twice the resolution."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing inline to configure
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")
