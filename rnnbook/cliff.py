"""The one-unit "cliff" of Pascanu, Mikolov & Bengio (2013), Chapter 5.

    x_t = w * sigmoid(x_{t-1}) + b,   x_0 = 0.5,   E = (sigmoid(x_T) - 0.7)^2

Everything the chapter computes on this model lives here, so that the page, the
exercise checks and the multi-seed test run the same code: the loss and its exact
derivative (forward mode), the position of the wall and its slope, the fixed points
of the map (by bisection), the zoom that finds the peak of |dE/db|, and gradient
descent with and without norm clipping.  Only numpy.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sigmoid",
    "cliff_forward",
    "cliff_loss_and_grad",
    "cliff_wall",
    "fixed_points",
    "peak_grad",
    "descend",
]


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


def cliff_forward(w, b, T: int, x0: float = 0.5):
    """Run x_t = w * sigmoid(x_{t-1}) + b for T steps from x_0; return x_T (vectorised over b)."""
    x = np.full(np.broadcast(w, b).shape, x0, dtype=float)
    for _ in range(T):
        x = w * sigmoid(x) + b
    return x


def cliff_loss_and_grad(w, b, T: int, x0: float = 0.5, target: float = 0.7):
    """Loss E = (sigmoid(x_T) - target)^2 and its exact derivative dE/db (forward mode).

    Forward mode carries s_t = dx_t/db alongside x_t:  s_0 = 0 and
    s_t = w * sigmoid'(x_{t-1}) * s_{t-1} + 1.  Works elementwise on arrays of b.
    """
    x = np.full(np.broadcast(w, b).shape, x0, dtype=float)
    s = np.zeros_like(x)
    for _ in range(T):
        sig = sigmoid(x)
        s = w * sig * (1.0 - sig) * s + 1.0
        x = w * sig + b
    y_hat = sigmoid(x)
    E = (y_hat - target) ** 2
    dE_db = 2.0 * (y_hat - target) * y_hat * (1.0 - y_hat) * s
    return E, dE_db


def cliff_wall(w: float, x0: float = 0.5) -> tuple[float, float]:
    """Where the wall is, ``b_star``, and the slope ``mu`` that sharpens it.

    The wall sits at the bias b* for which x0 is the map's unstable fixed point,
    x0 = w * sigmoid(x0) + b*, and near it dx_T/db grows like mu**T with
    mu = w * sigmoid'(x0), the map's slope at that fixed point.
    """
    b_star = x0 - w * sigmoid(x0)
    mu = w * sigmoid(x0) * (1.0 - sigmoid(x0))
    return float(b_star), float(mu)


def fixed_points(w: float, b: float, lo: float = -10.0, hi: float = 10.0, n_grid: int = 2001):
    """The fixed points x = w * sigmoid(x) + b in [lo, hi], by bisection between sign changes.

    Returns a list of (x, slope) with slope = w * sigmoid'(x): below 1 a stable fixed
    point (an attractor), above 1 an unstable one (the border between two basins).
    """
    grid = np.linspace(lo, hi, n_grid) + 1e-3  # the offset keeps grid points off exact roots

    def f(x):
        return w * sigmoid(x) + b - x

    out = []
    for a, c in zip(grid[:-1], grid[1:], strict=True):
        if f(a) * f(c) < 0:
            for _ in range(60):
                mid = (a + c) / 2
                a, c = (mid, c) if f(a) * f(mid) > 0 else (a, mid)
            x = (a + c) / 2
            out.append((float(x), float(w * sigmoid(x) * (1 - sigmoid(x)))))
    return out


def peak_grad(w: float, T: int, centre: float, half_width: float = 0.05, rounds: int = 6):
    """Zoom in on the largest |dE/db| near ``centre``: returns (peak |dE/db|, b at the peak).

    Each round evaluates 2001 points over [centre - half_width, centre + half_width],
    recentres on the largest |dE/db| and shrinks the window 100-fold.
    """
    for _ in range(rounds):
        bs = np.linspace(centre - half_width, centre + half_width, 2001)
        g = np.abs(cliff_loss_and_grad(w, bs, T)[1])
        centre, half_width = bs[np.argmax(g)], half_width / 100
    return float(g.max()), float(centre)


def descend(w: float, b: float, lr: float, steps: int, T: int = 50, clip: float | None = None):
    """Gradient descent on b; with ``clip``, Pascanu et al.'s Algorithm 1 in one dimension.

    Returns the path as a list of (b, E, g) *before* each step, where g is the
    gradient actually used (clipped to |g| = clip when |dE/db| >= clip).
    """
    path = []
    for _ in range(steps):
        E, g = cliff_loss_and_grad(w, b, T)
        E, g = float(E), float(g)
        if clip is not None and abs(g) >= clip:
            g = clip * g / abs(g)
        path.append((b, E, g))
        b = b - lr * g
    return path
