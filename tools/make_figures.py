"""Draw the book's recurring diagrams, once, by code, in one style.

    python tools/make_figures.py              # write book/figures/*.svg
    python tools/make_figures.py --out DIR    # write them somewhere else (the test compares)

The output is deterministic: text is drawn as paths (``svg.fonttype: path``, so the
figures look the same without any font installed), element ids come from a fixed
``svg.hashsalt`` and no date is stored.  Running the script twice gives byte-identical
files; ``tests/test_figures.py`` checks that the committed SVGs are current.

Colour code, the same in every figure (from ``rnnbook.plot.COLORS``):
inputs x blue, hidden states h green, outputs y orange, the LSTM cell state purple,
sigmoid gates red, tanh layers yellow, pointwise operations white circles.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rnnbook.plot import COLORS  # noqa: E402

OUT = ROOT / "book" / "figures"
SCALE = 0.55  # inches per data unit
FS = 1.3  # every font size is multiplied by this: legible when the figure is shown 700 px wide
INK = "#222222"
MUTED = "#555555"

RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "rnn-course-figures",
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "cm",
    "font.size": 12,
    "savefig.transparent": False,
    "figure.facecolor": "white",
    "path.simplify": False,
}
METADATA = {"Date": None, "Creator": "tools/make_figures.py"}


def tint(color: str, amount: float = 0.82) -> str:
    """Mix ``color`` with white: amount 1 is white."""
    r, g, b = to_rgb(color)
    return to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def shade(color: str, amount: float = 0.3) -> str:
    """Mix ``color`` with black, for edges and text that must stay legible."""
    r, g, b = to_rgb(color)
    return to_hex((r * (1 - amount), g * (1 - amount), b * (1 - amount)))


KIND = {
    "x": COLORS["blue"],
    "h": COLORS["green"],
    "hb": COLORS["purple"],
    "y": COLORS["orange"],
    "c": COLORS["purple"],
    "sigma": COLORS["red"],
    "tanh": COLORS["yellow"],
    "cat": COLORS["grey"],
}


class Node:
    """A box (or a circle) with its centre and half sizes, so arrows can find its edges."""

    def __init__(self, x, y, w, h):
        self.x, self.y, self.hw, self.hh = x, y, w / 2, h / 2

    @property
    def top(self):
        return (self.x, self.y + self.hh)

    @property
    def bottom(self):
        return (self.x, self.y - self.hh)

    @property
    def left(self):
        return (self.x - self.hw, self.y)

    @property
    def right(self):
        return (self.x + self.hw, self.y)


class Canvas:
    def __init__(self, xlim, ylim):
        self.xlim, self.ylim = xlim, ylim
        w, h = (xlim[1] - xlim[0]) * SCALE, (ylim[1] - ylim[0]) * SCALE
        self.fig = plt.figure(figsize=(w, h))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(*xlim)
        self.ax.set_ylim(*ylim)
        self.ax.set_aspect("equal")
        self.ax.axis("off")

    # --- shapes -------------------------------------------------------------------------
    def box(self, x, y, label, kind, w=1.25, h=0.75, size=15, lw=1.8):
        color = KIND[kind]
        edge = shade(color, 0.35) if kind == "tanh" else color
        self.ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.16",
                facecolor=tint(color, 0.78 if kind != "tanh" else 0.55), edgecolor=edge, lw=lw, zorder=3,
            )
        )
        self.ax.text(x, y, label, ha="center", va="center", fontsize=size * FS, color=INK, zorder=4)
        return Node(x, y, w, h)

    def op(self, x, y, symbol, r=0.27, size=14):
        """A pointwise operation: ⊙, +, 1−."""
        self.ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor=INK, lw=1.5, zorder=5))
        self.ax.text(x, y, symbol, ha="center", va="center", fontsize=size * FS, color=INK, zorder=6)
        return Node(x, y, 2 * r, 2 * r)

    def bridge(self, x, y, vertical=False, half=0.2, lw=1.6):
        """A white gap under a line that crosses another at (x, y): the line passes over."""
        xs, ys = ([x, x], [y - half, y + half]) if vertical else ([x - half, x + half], [y, y])
        self.ax.plot(xs, ys, color="white", lw=lw + 6, zorder=2.4, solid_capstyle="butt")

    def dot(self, x, y, color=INK):
        self.ax.add_patch(Circle((x, y), 0.07, facecolor=color, edgecolor=color, zorder=5))

    def frame(self, x0, y0, x1, y1, label=None):
        self.ax.add_patch(
            FancyBboxPatch(
                (x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.35",
                facecolor="#F7F7F7", edgecolor="#9A9A9A", lw=1.2, zorder=0,
            )
        )
        if label:
            self.text(x0 + 0.25, y1 - 0.3, label, size=11, color=MUTED, ha="left", va="top")

    # --- lines --------------------------------------------------------------------------
    def arrow(self, *points, color=INK, lw=1.6, head=True, rad=0.0, style=None, z=2.5):
        """A polyline through ``points`` with an arrow head at the end."""
        if len(points) > 2:
            self.ax.plot([p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color=color, lw=lw, zorder=z,
                         solid_capstyle="butt", solid_joinstyle="miter")
        p0, p1 = points[-2], points[-1]
        arrowstyle = style or ("-|>,head_length=0.45,head_width=0.22" if head else "-")
        patch = FancyArrowPatch(
            p0, p1, arrowstyle=arrowstyle, mutation_scale=12 + 3 * lw, color=color, lw=lw,
            shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}", zorder=z, capstyle="butt",
            joinstyle="miter",
        )
        self.ax.add_patch(patch)

    def text(self, x, y, s, size=14, color=INK, ha="center", va="center", **kw):
        self.ax.text(x, y, s, fontsize=size * FS, color=color, ha=ha, va=va, zorder=7, **kw)

    def save(self, path: Path):
        self.fig.savefig(path, format="svg", metadata=METADATA, facecolor="white")
        plt.close(self.fig)


# ----------------------------------------------------------------------------------------
# The figures
# ----------------------------------------------------------------------------------------


def unrolled_rnn(path):
    """Folded RNN with its loop, '=' and the chain unrolled over t−1, t, t+1."""
    cv = Canvas((-0.9, 15.9), (-0.75, 5.3))
    # folded
    x = cv.box(1.0, 0.3, "$x$", "x")
    h = cv.box(1.0, 2.3, "$h$", "h")
    y = cv.box(1.0, 4.3, "$y$", "y")
    cv.arrow(x.top, h.bottom)
    cv.arrow(h.top, y.bottom)
    cv.ax.add_patch(FancyArrowPatch(
        (h.right[0], h.y + 0.18), (h.right[0], h.y - 0.18), arrowstyle="-|>,head_length=0.45,head_width=0.22",
        mutation_scale=17, color=COLORS["green"], lw=1.8, zorder=2,
        connectionstyle="arc,angleA=0,angleB=0,armA=40,armB=40,rad=10",
    ))
    cv.text(2.8, 2.3, "$W_{hh}$", ha="left", color=shade(COLORS["green"]))
    cv.text(1.15, 1.3, "$W_{xh}$", ha="left", size=12)
    cv.text(1.15, 3.3, "$W_{hy}$", ha="left", size=12)
    cv.text(1.0, -0.55, "folded", size=11, color=MUTED)
    # unroll sign
    cv.arrow((4.1, 2.3), (5.2, 2.3), lw=2.2, color=MUTED)
    cv.text(4.65, 2.75, "unroll", size=11, color=MUTED)
    # unrolled chain
    xs = [7.2, 10.2, 13.2]
    names = ["t-1", "t", "t+1"]
    prev = None
    cv.arrow((5.75, 2.3), (xs[0] - 0.68, 2.3), color=COLORS["green"])
    cv.text(5.75, 2.6, r"$\cdots$", size=13)
    for cx, t in zip(xs, names, strict=True):
        xn = cv.box(cx, 0.3, f"$x_{{{t}}}$", "x", w=1.35)
        hn = cv.box(cx, 2.3, f"$h_{{{t}}}$", "h", w=1.35)
        yn = cv.box(cx, 4.3, f"$y_{{{t}}}$", "y", w=1.35)
        cv.arrow(xn.top, hn.bottom)
        cv.arrow(hn.top, yn.bottom)
        cv.text(cx + 0.12, 1.3, "$W_{xh}$", ha="left", size=12)
        cv.text(cx + 0.12, 3.3, "$W_{hy}$", ha="left", size=12)
        if prev is not None:
            cv.arrow(prev.right, hn.left, color=COLORS["green"])
            cv.text((prev.x + cx) / 2, 2.62, "$W_{hh}$", size=12, color=shade(COLORS["green"]))
        prev = hn
    cv.arrow(prev.right, (15.1, 2.3), color=COLORS["green"])
    cv.text(15.2, 2.6, r"$\cdots$", size=13)
    cv.text(10.2, -0.55, "unrolled: the same weights at every step", size=11, color=MUTED)
    cv.save(path)


def elman_jordan(path):
    """Elman feeds back h_{t−1}; Jordan feeds back y_{t−1}."""
    cv = Canvas((-0.4, 14.6), (-0.75, 5.6))
    fb = COLORS["red"]
    for x0, title, jordan in [(0.0, "Elman: feeds back $h_{t-1}$", False), (7.4, "Jordan: feeds back $y_{t-1}$", True)]:
        cv.frame(x0, -0.5, x0 + 6.8, 5.4)
        cv.text(x0 + 3.4, 4.95, title, size=13)
        nodes = []
        for k, cx in enumerate([x0 + 1.7, x0 + 5.1]):
            t = "t-1" if k == 0 else "t"
            xn = cv.box(cx, 0.35, f"$x_{{{t}}}$", "x", w=1.35)
            hn = cv.box(cx, 2.15, f"$h_{{{t}}}$", "h", w=1.35)
            yn = cv.box(cx, 3.95, f"$y_{{{t}}}$", "y", w=1.35)
            cv.arrow(xn.top, hn.bottom)
            cv.arrow(hn.top, yn.bottom)
            nodes.append((xn, hn, yn))
        (_, h0, y0), (_, h1, _) = nodes
        if jordan:
            cv.arrow((y0.right[0], y0.y - 0.1), (h1.left[0], h1.y + 0.1), color=fb, lw=2.2)
            cv.text(x0 + 3.0, 2.45, "$y_{t-1}$", size=13, color=shade(fb))
        else:
            cv.arrow(h0.right, h1.left, color=fb, lw=2.2)
            cv.text(x0 + 3.4, 2.55, "$h_{t-1}$", size=13, color=shade(fb))
    cv.save(path)


def bidirectional_rnn(path):
    """A forward chain, a backward chain, and their states concatenated at each step."""
    cv = Canvas((-2.0, 11.9), (-1.3, 7.0))
    fwd, bwd = COLORS["green"], COLORS["purple"]
    xs = [1.8, 5.5, 9.2]
    fy, by, oy = 2.2, 4.2, 6.3
    fwds, backs = [], []
    for k, cx in enumerate(xs, 1):
        xn = cv.box(cx, 0.3, f"$x_{k}$", "x", w=1.3)
        fn = cv.box(cx, fy, rf"$\overrightarrow{{h}}_{k}$", "h", w=1.3, h=0.85)
        bn = cv.box(cx, by, rf"$\overleftarrow{{h}}_{k}$", "hb", w=1.3, h=0.85)
        cv.box(cx, oy, rf"$[\overrightarrow{{h}}_{k}\,;\,\overleftarrow{{h}}_{k}]$", "cat", w=2.2, h=0.85, size=14)
        # x_k feeds the forward state directly ...
        cv.arrow((cx - 0.3, xn.top[1]), (cx - 0.3, fn.bottom[1]), lw=1.4)
        # ... and the backward state, passing right of the forward box, over the forward chain
        cv.arrow((cx + 0.3, xn.top[1]), (cx + 0.3, 1.15), (cx + 0.95, 1.15), (cx + 0.95, 3.2), (cx + 0.3, 3.2),
                 (cx + 0.3, bn.bottom[1]), lw=1.4)
        cv.bridge(cx + 0.95, fy, vertical=False, half=0.09, lw=1.9)
        # the forward state goes up to the output, passing left of the backward box, over the backward chain
        cv.arrow((cx - 0.3, fn.top[1]), (cx - 0.3, 2.95), (cx - 0.95, 2.95), (cx - 0.95, 5.45), (cx - 0.3, 5.45),
                 (cx - 0.3, oy - 0.425), color=fwd, lw=1.6)
        cv.bridge(cx - 0.95, by, vertical=False, half=0.09, lw=1.9)
        cv.arrow((cx + 0.3, bn.top[1]), (cx + 0.3, oy - 0.425), color=bwd, lw=1.6)
        fwds.append(fn)
        backs.append(bn)
    for a, b in zip(fwds[:-1], fwds[1:], strict=True):
        cv.arrow(a.right, b.left, color=fwd, lw=1.9, z=2.0)
    for a, b in zip(backs[1:], backs[:-1], strict=True):
        cv.arrow(a.left, b.right, color=bwd, lw=1.9, z=2.0)
    cv.text(-1.85, fy, "forward", size=11, color=shade(fwd), ha="left")
    cv.text(-1.85, by, "backward", size=11, color=shade(bwd), ha="left")
    cv.text(-1.85, oy, "output", size=11, color=MUTED, ha="left")
    cv.text(-1.85, 0.3, "input", size=11, color=MUTED, ha="left")
    cv.text(5.5, -0.85, r"forward reads $x_1 \to x_3$, backward reads $x_3 \to x_1$; step $t$ outputs both",
            size=11, color=MUTED)
    cv.save(path)


def stacked_rnn(path):
    """Two recurrent layers: layer 1's states are layer 2's inputs."""
    cv = Canvas((-1.6, 11.6), (-1.2, 6.9))
    xs = [1.9, 5.4, 8.9]
    names = ["t-1", "t", "t+1"]
    p1 = p2 = None
    for cx, t in zip(xs, names, strict=True):
        xn = cv.box(cx, 0.3, f"$x_{{{t}}}$", "x", w=1.4)
        h1 = cv.box(cx, 2.2, f"$h^{{(1)}}_{{{t}}}$", "h", w=1.4, h=0.85)
        h2 = cv.box(cx, 4.2, f"$h^{{(2)}}_{{{t}}}$", "h", w=1.4, h=0.85)
        yn = cv.box(cx, 6.1, f"$y_{{{t}}}$", "y", w=1.4)
        cv.arrow(xn.top, h1.bottom)
        cv.arrow(h1.top, h2.bottom)
        cv.arrow(h2.top, yn.bottom)
        if p1 is not None:
            cv.arrow(p1.right, h1.left, color=COLORS["green"], lw=1.9)
            cv.arrow(p2.right, h2.left, color=COLORS["green"], lw=1.9)
        else:
            for hn in (h1, h2):
                cv.arrow((hn.left[0] - 1.0, hn.y), hn.left, color=COLORS["green"], lw=1.9)
        p1, p2 = h1, h2
    for hn in (p1, p2):
        cv.arrow(hn.right, (hn.right[0] + 1.0, hn.y), color=COLORS["green"], lw=1.9)
    cv.text(-1.45, 2.2, "layer 1", size=11, color=MUTED, ha="left")
    cv.text(-1.45, 4.2, "layer 2", size=11, color=MUTED, ha="left")
    cv.text(5.4, -0.75, r"layer 1's states $h^{(1)}_t$ are layer 2's inputs", size=11, color=MUTED)
    cv.save(path)


def lstm_cell(path):
    """The LSTM cell: the cell-state conveyor belt on top, the four gates below."""
    cv = Canvas((-0.6, 13.2), (-2.0, 7.4))
    belt_y, bus_y, gate_y = 5.5, 0.75, 2.2
    purple, green = COLORS["purple"], COLORS["green"]
    cv.frame(0.9, 0.1, 11.3, 6.95, "LSTM cell")
    # belt: c_{t-1} -> (.) -> (+) -> c_t
    fx, gx_i, gx_c, gx_o, tx = 2.7, 4.3, 5.9, 7.9, 9.7
    mul_f = cv.op(fx, belt_y, r"$\odot$")
    add = cv.op(gx_c, belt_y, "$+$")
    cv.arrow((-0.2, belt_y), mul_f.left, color=purple, lw=3.0)
    cv.arrow(mul_f.right, add.left, color=purple, lw=3.0)
    cv.arrow(add.right, (12.4, belt_y), color=purple, lw=3.0)
    cv.text(-0.2, belt_y + 0.42, "$c_{t-1}$", ha="left", color=shade(purple))
    cv.text(12.4, belt_y + 0.42, "$c_t$", ha="right", color=shade(purple))
    cv.text(7.9, belt_y + 0.42, "cell state (conveyor belt)", size=10, color=shade(purple))
    # bus: [h_{t-1}, x_t]
    cv.arrow((-0.2, bus_y), (gx_o, bus_y), color=green, lw=1.8, head=False)
    cv.text(-0.2, bus_y + 0.4, "$h_{t-1}$", ha="left", color=shade(green))
    cv.arrow((1.6, -0.6), (1.6, bus_y), color=COLORS["blue"], lw=1.8, head=False)
    cv.dot(1.6, bus_y)
    cv.text(1.42, -0.45, "$x_t$", ha="right", color=shade(COLORS["blue"]))
    cv.text(3.5, 0.42, r"$[h_{t-1}, x_t]$", size=12, color=MUTED)
    # gates
    gates = [
        (fx, r"$\sigma$", "sigma", "$f_t$", "forget\ngate"),
        (gx_i, r"$\sigma$", "sigma", "$i_t$", "input\ngate"),
        (gx_c, r"$\tanh$", "tanh", r"$\tilde{c}_t$", "candidate"),
        (gx_o, r"$\sigma$", "sigma", "$o_t$", "output\ngate"),
    ]
    boxes = {}
    for gx, sym, kind, lab, name in gates:
        b = cv.box(gx, gate_y, sym, kind, w=1.05, h=0.72, size=14)
        boxes[lab] = b
        cv.arrow((gx, bus_y), b.bottom, lw=1.4)
        if gx != fx:
            cv.dot(gx, bus_y)
        cv.text(gx + 0.1, gate_y - 0.62, name, size=9, color=MUTED, ha="left", va="top", linespacing=0.95)
    # forget: f_t up to the belt
    cv.arrow(boxes["$f_t$"].top, mul_f.bottom)
    cv.text(fx + 0.15, 3.6, "$f_t$", ha="left")
    # input times candidate, then up into +
    mul_i = cv.op(gx_c, 3.95, r"$\odot$")
    cv.arrow(boxes["$i_t$"].top, (gx_i, 3.95), mul_i.left)
    cv.text(gx_i - 0.12, 3.3, "$i_t$", ha="right")
    cv.arrow(boxes[r"$\tilde{c}_t$"].top, mul_i.bottom)
    cv.text(gx_c + 0.15, 3.15, r"$\tilde{c}_t$", ha="left")
    cv.arrow(mul_i.top, add.bottom)
    # output: tanh(c_t) times o_t -> h_t
    cv.dot(tx, belt_y, color=purple)
    tnh = cv.box(tx, 3.95, r"$\tanh$", "tanh", w=1.05, h=0.62, size=13)
    cv.arrow((tx, belt_y), tnh.top, color=purple, lw=1.8)
    mul_o = cv.op(tx, gate_y, r"$\odot$")
    cv.arrow(tnh.bottom, mul_o.top)
    cv.arrow(boxes["$o_t$"].right, mul_o.left)
    cv.text((gx_o + tx) / 2 + 0.05, gate_y + 0.32, "$o_t$")
    cv.arrow(mul_o.bottom, (tx, bus_y), (12.4, bus_y), color=green, lw=1.8)
    cv.text(12.4, bus_y + 0.4, "$h_t$", ha="right", color=shade(green))
    cv.text(6.4, -0.95, r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t \qquad h_t = o_t \odot \tanh(c_t)$",
            size=13)
    cv.text(6.4, -1.6, r"$\odot$ elementwise product,  $\sigma$ sigmoid (a gate between 0 and 1)", size=10,
            color=MUTED)
    cv.save(path)


def gru_cell(path):
    """The GRU cell (PyTorch's form): reset r_t, update z_t, candidate n_t."""
    cv = Canvas((-0.6, 12.0), (-2.0, 7.4))
    top_y, bus_y, gate_y = 5.9, 1.0, 2.4
    green, blue = COLORS["green"], COLORS["blue"]
    rx, zx, nx_, tapx, xx = 3.0, 4.9, 8.3, 1.6, 2.2
    cv.frame(0.9, 0.1, 10.2, 6.95, "GRU cell")
    # top line: h_{t-1} -> (. z) -> (+) -> h_t
    mul_z = cv.op(zx, top_y, r"$\odot$")
    add = cv.op(nx_, top_y, "$+$")
    cv.arrow((-0.2, top_y), mul_z.left, color=green, lw=2.6)
    cv.arrow(mul_z.right, add.left, color=green, lw=2.6)
    cv.arrow(add.right, (11.4, top_y), color=green, lw=2.6)
    cv.text(-0.2, top_y + 0.42, "$h_{t-1}$", ha="left", color=shade(green))
    cv.text(11.4, top_y + 0.42, "$h_t$", ha="right", color=shade(green))
    # h_{t-1} down to the gates; x_t joins it
    cv.dot(tapx, top_y, color=green)
    cv.arrow((tapx, top_y), (tapx, bus_y), (zx, bus_y), color=green, lw=1.6, head=False)
    cv.arrow((xx, -0.6), (xx, bus_y), color=blue, lw=1.6, head=False)
    cv.dot(xx, bus_y)
    cv.text(xx - 0.18, -0.45, "$x_t$", ha="right", color=shade(blue))
    cv.text(3.95, 0.68, r"$[h_{t-1}, x_t]$", size=11, color=MUTED)
    # x_t also goes to the candidate, along the bottom
    cv.dot(xx, 0.4, color=blue)
    cv.arrow((xx, 0.4), (nx_, 0.4), (nx_, gate_y - 0.36), color=blue, lw=1.4)
    # gates
    r_box = cv.box(rx, gate_y, r"$\sigma$", "sigma", w=1.05, h=0.72, size=14)
    z_box = cv.box(zx, gate_y, r"$\sigma$", "sigma", w=1.05, h=0.72, size=14)
    n_box = cv.box(nx_, gate_y, r"$\tanh$", "tanh", w=1.05, h=0.72, size=13)
    cv.arrow((rx, bus_y), r_box.bottom, lw=1.4)
    cv.dot(rx, bus_y)
    cv.arrow((zx, bus_y), z_box.bottom, lw=1.4)
    for gx, name in [(rx, "reset\ngate"), (zx, "update\ngate")]:
        cv.text(gx + 0.1, gate_y - 0.5, name, size=9, color=MUTED, ha="left", va="top", linespacing=0.95)
    cv.text(nx_ + 0.12, gate_y - 0.55, "candidate", size=9, color=MUTED, ha="left", va="top")
    # reset: r_t times h_{t-1} (PyTorch: times W_hn h_{t-1} + b_hn) goes into the candidate
    ry = 3.85
    mul_r = cv.op(rx, ry, r"$\odot$")
    cv.arrow(r_box.top, mul_r.bottom)
    cv.text(rx - 0.14, 3.2, "$r_t$", ha="right")
    cv.dot(tapx, ry, color=green)
    cv.arrow((tapx, ry), mul_r.left, color=green, lw=1.4)
    # PyTorch multiplies r_t with the hidden part *after* its matmul (Cho et al. 2014: before it).
    cv.text(rx - 0.3, ry + 0.5, r"$W_{hn}h_{t-1}$", size=10, ha="right", color=MUTED)
    cv.arrow(mul_r.right, (6.9, ry), (6.9, gate_y), n_box.left, z=2.6)
    cv.bridge(zx, ry, vertical=True, half=0.16)
    # update: z_t to the top line, 1 - z_t to the candidate's product
    cv.arrow(z_box.top, mul_z.bottom)
    cv.text(zx + 0.14, 3.2, "$z_t$", ha="left")
    oy = 4.9
    cv.dot(zx, oy)
    one_minus = cv.op(6.1, oy, r"$1-$", r=0.36, size=11)
    cv.arrow((zx, oy), one_minus.left)
    mul_n = cv.op(nx_, oy, r"$\odot$")
    cv.arrow(one_minus.right, mul_n.left)
    cv.text(7.35, oy + 0.3, "$1-z_t$", size=10)
    cv.arrow(n_box.top, mul_n.bottom)
    cv.text(nx_ + 0.15, 3.75, r"$n_t$ ($\tilde{h}_t$)", ha="left", size=13)
    cv.arrow(mul_n.top, add.bottom)
    cv.text(6.3, -0.9, r"$h_t = (1-z_t) \odot n_t + z_t \odot h_{t-1}$", size=13)
    cv.text(6.3, -1.55, r"$n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$",
            size=11, color=MUTED)
    cv.save(path)


FIGURES = {
    "unrolled-rnn.svg": unrolled_rnn,
    "elman-jordan.svg": elman_jordan,
    "bidirectional-rnn.svg": bidirectional_rnn,
    "stacked-rnn.svg": stacked_rnn,
    "lstm-cell.svg": lstm_cell,
    "gru-cell.svg": gru_cell,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: book/figures)")
    parser.add_argument("names", nargs="*", help="only these figures (file names)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(RC):
        for name, draw in FIGURES.items():
            if args.names and name not in args.names:
                continue
            draw(args.out / name)
            print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
