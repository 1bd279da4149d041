"""Numerical helpers for Chapter 5 (vanishing and exploding gradients).

The one-unit "cliff" model of Pascanu, Mikolov & Bengio (2013) and the
adding-problem length sweep live here so that the chapter, its exercise checks
and the multi-seed test run exactly the same code.  Only numpy is imported at
module level; the sweep imports torch through :mod:`rnnbook.train` when called.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sigmoid",
    "cliff_forward",
    "cliff_loss_and_grad",
    "cliff_wall",
    "SWEEP_LENGTHS",
    "SWEEP_SETTINGS",
    "adding_length_sweep",
]

#: the sequence lengths of the chapter's adding-problem sweep
SWEEP_LENGTHS = (10, 25, 50, 100)

#: settings of the sweep: small enough that one seed runs in about 5 s on one CPU thread
SWEEP_SETTINGS = {"hidden": 32, "steps": 600, "n_test": 500}


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
    y = sigmoid(x)
    E = (y - target) ** 2
    dE_db = 2.0 * (y - target) * y * (1.0 - y) * s
    return E, dE_db


def cliff_wall(w: float, x0: float = 0.5) -> tuple[float, float]:
    """Where the wall is and how fast it sharpens.

    The wall sits at the bias b* for which x0 is the map's unstable fixed point,
    x0 = w * sigmoid(x0) + b*, and near it dx_T/db grows like lam**T with
    lam = w * sigmoid'(x0), the map's slope at that fixed point.
    """
    b_star = x0 - w * sigmoid(x0)
    lam = w * sigmoid(x0) * (1.0 - sigmoid(x0))
    return float(b_star), float(lam)


def adding_length_sweep(seed: int, lengths=SWEEP_LENGTHS, **settings) -> dict[int, float]:
    """Final test MSE of a tanh RNN on the adding problem for each sequence length.

    Calls :func:`rnnbook.train.train_adding` with ``SWEEP_SETTINGS`` (overridable) and
    evaluates only at the end of training.
    """
    from .train import train_adding

    kw = {**SWEEP_SETTINGS, **settings}
    steps = kw.pop("steps")
    return {
        T: train_adding("rnn", T=T, steps=steps, seed=seed, eval_every=steps, **kw).final_mse for T in lengths
    }
