"""Two diagrams for Chapter 4 (backpropagation through time), drawn with matplotlib.

    from rnnbook.diagrams_bptt import draw_backward_flow, draw_truncation_spans
    draw_backward_flow(ax, T=4)                    # the unrolled graph, forward and backward arrows
    draw_truncation_spans(ax, T=12, k=4, kind="chunked")   # which steps each loss's gradient reaches

Colours as in the SVG diagrams: inputs x blue, hidden states h green, outputs and losses orange; the backward
flow (the adjoints) is drawn in red.
"""

from __future__ import annotations

import numpy as np

from .plot import COLORS

__all__ = ["draw_backward_flow", "draw_truncation_spans"]


def _tint(color: str, amount: float = 0.78) -> str:
    from matplotlib.colors import to_hex, to_rgb

    r, g, b = to_rgb(color)
    return to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def _box(ax, x, y, label, color, w=0.62, h=0.42):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=_tint(color), edgecolor=color, linewidth=1.3))
    ax.text(x, y, label, ha="center", va="center", fontsize=10)


def _arrow(ax, start, end, color="black", lw=1.0, rad=0.0):
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "shrinkA": 0, "shrinkB": 0,
                            "connectionstyle": f"arc3,rad={rad}"})


def draw_backward_flow(ax, T: int = 4) -> None:
    """The unrolled Elman RNN with its forward arrows (black) and the adjoints flowing back (red)."""
    red = COLORS["red"]
    dx = 1.55
    ax.text(-0.55 * dx - 0.25, 1.0, "$h_0$", ha="center", va="center", fontsize=10)
    for t in range(1, T + 1):
        x = (t - 1) * dx
        _box(ax, x, 0.0, f"$x_{t}$", COLORS["blue"])
        _box(ax, x, 1.0, f"$h_{t}$", COLORS["green"])
        _box(ax, x, 2.0, f"$o_{t}$", COLORS["orange"])
        _box(ax, x, 3.0, f"$L_{t}$", COLORS["orange"])
        # forward: x -> h -> o -> L, h_{t-1} -> h_t
        _arrow(ax, (x - 0.12, 0.21), (x - 0.12, 0.79))
        _arrow(ax, (x - 0.12, 1.21), (x - 0.12, 1.79))
        _arrow(ax, (x - 0.12, 2.21), (x - 0.12, 2.79))
        start = x - dx + 0.31 if t > 1 else -0.55 * dx - 0.05
        _arrow(ax, (start, 1.07), (x - 0.31, 1.07))
        # backward: L -> o -> h, h_t -> h_{t-1}
        _arrow(ax, (x + 0.12, 2.79), (x + 0.12, 2.21), red, 1.4)
        _arrow(ax, (x + 0.12, 1.79), (x + 0.12, 1.21), red, 1.4)
        _arrow(ax, (x + 0.12, 0.79), (x + 0.12, 0.21), red, 1.0)
        _arrow(ax, (x - 0.31, 0.93), (start, 0.93), red, 1.4)
        ax.text(x + 0.2, 2.5, rf"$\bar o_{{{t}}}$", color=red, fontsize=9, va="center")
        ax.text(x + 0.2, 1.5, rf"$\bar o_{{{t}}} W_{{hy}}$", color=red, fontsize=8, va="center")
        ax.text(x + 0.2, 0.5, rf"$\bar x_{{{t}}}$", color=red, fontsize=9, va="center")
        ax.text((x + start) / 2 - 0.1, 0.78, rf"$\bar a_{{{t}}} W_{{hh}}$", color=red, fontsize=8,
                ha="center", va="top")
    ax.text(-0.55 * dx - 0.25, 0.62, r"$\bar h_0$", color=red, ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.55 * dx - 0.6, (T - 1) * dx + 0.6)
    ax.set_ylim(-0.4, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_truncation_spans(ax, T: int = 12, k: int = 4, kind: str = "chunked") -> None:
    """For each loss L_t (one row), shade the steps its gradient reaches under BPTT(k, k) or BPTT(k, 1)."""
    from matplotlib.patches import Rectangle

    for t in range(T):  # row t: the loss at array index t
        first = (t // k) * k if kind == "chunked" else max(t - k + 1, 0)
        for s in range(T):
            reached = first <= s <= t
            face = _tint(COLORS["green"], 0.45) if reached else "white"
            if s == t:
                face = COLORS["orange"]
            ax.add_patch(Rectangle((s, t), 1, 1, facecolor=face, edgecolor=COLORS["grey"], linewidth=0.4))
    if kind == "chunked":
        for c in range(k, T, k):
            ax.axvline(c, color=COLORS["red"], linewidth=1.6)
    ax.set_xlim(0, T)
    ax.set_ylim(T, 0)
    ticks = np.arange(T) + 0.5
    ax.set_xticks(ticks, [str(s) for s in range(T)], fontsize=8)
    ax.set_yticks(ticks, [f"$L_{{{t}}}$" for t in range(T)], fontsize=8)
    ax.set_xlabel("step s the gradient reaches")
    ax.grid(False)
    ax.set_aspect("equal")
