"""The course's plot style: one look for every figure in the book.

    from rnnbook.plot import use_style, COLORS
    use_style()

Figures are stored in the notebooks as PNG (nbval does not compare PNG bytes, only
the ``<Figure size ...>`` text), so plots never make a test flaky.
"""

from __future__ import annotations

__all__ = ["COLORS", "MODEL_COLORS", "use_style"]

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
    """Apply the course style to matplotlib (inline PNG, readable sizes, light grid)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
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
