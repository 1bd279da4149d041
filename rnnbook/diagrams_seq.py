"""Small matplotlib diagrams of sequence input/output patterns (Chapter 2).

    from rnnbook.diagrams_seq import draw_io_pattern, IO_PATTERNS
    fig, axes = plt.subplots(1, 4)
    for ax, name in zip(axes, IO_PATTERNS):
        draw_io_pattern(ax, name)

Inputs sit at the bottom, recurrent cells in the middle and outputs on top; time runs left to right.
One style for every panel: the colours of the SVG diagrams, rounded boxes, plain arrows for weights, dashed arrows for a
generated output fed back as the next input.
"""

from __future__ import annotations

from .plot import COLORS

__all__ = ["IO_PATTERNS", "draw_io_pattern"]

#: pattern name -> (title, cells: list of (has_input, has_output, role)), role "enc"/"dec"/"rnn"
IO_PATTERNS = {
    "many-to-many": ("many-to-many (aligned)", [(True, True, "rnn")] * 4),
    "many-to-one": ("many-to-one", [(True, False, "rnn")] * 3 + [(True, True, "rnn")]),
    "one-to-many": ("one-to-many", [(True, True, "rnn")] + [(False, True, "rnn")] * 3),
    "encoder-decoder": ("many-to-many (encoder–decoder)", [(True, False, "enc")] * 3 + [(False, True, "dec")] * 3),
}

#: Colours as in the SVG diagrams (tools/make_figures.py): inputs x blue, states h green, outputs y orange;
#: the decoder's states purple (the colour of the second chain in the bidirectional diagram).
_FILL = {"x": COLORS["blue"], "rnn": COLORS["green"], "enc": COLORS["green"], "dec": COLORS["purple"],
         "y": COLORS["orange"]}


def _tint(color: str, amount: float = 0.78) -> str:
    """Mix ``color`` with white (as the SVG diagrams fill their boxes)."""
    from matplotlib.colors import to_hex, to_rgb

    r, g, b = to_rgb(color)
    return to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def _box(ax, x, y, label, color, w=0.7, h=0.5):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor=_tint(color), edgecolor=color, linewidth=1.4))
    ax.text(x, y, label, ha="center", va="center", fontsize=9)


def _arrow(ax, start, end, dashed=False):
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0,
                            "linestyle": "--" if dashed else "-", "shrinkA": 0, "shrinkB": 0})


def draw_io_pattern(ax, name: str, title: bool = True) -> None:
    """Draw one input/output pattern (a key of :data:`IO_PATTERNS`) on ``ax``."""
    heading, cells = IO_PATTERNS[name]
    n_in = n_out = 0
    for t, (has_in, has_out, role) in enumerate(cells):
        _box(ax, t, 1.0, "h", _FILL[role])
        if has_in:
            n_in += 1
            _box(ax, t, 0.0, f"$x_{{{n_in}}}$", _FILL["x"])
            _arrow(ax, (t, 0.25), (t, 0.75))
        if has_out:
            n_out += 1
            _box(ax, t, 2.0, f"$y_{{{n_out}}}$", _FILL["y"])
            _arrow(ax, (t, 1.25), (t, 1.75))
        if t > 0:
            _arrow(ax, (t - 0.65, 1.0), (t - 0.35, 1.0))
            prev_out, this_in = cells[t - 1][1], has_in
            if prev_out and not this_in:  # generated output fed back as the next input
                ax.annotate("", xy=(t - 0.2, 0.75), xytext=(t - 0.8, 1.75),
                            arrowprops={"arrowstyle": "-|>", "color": COLORS["grey"], "lw": 1.0,
                                        "linestyle": "--", "connectionstyle": "arc3,rad=0.0"})
    ax.set_xlim(-0.6, len(cells) - 0.4)
    ax.set_ylim(-0.45, 2.45)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(heading, fontsize=10)
