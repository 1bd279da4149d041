"""Small data generators shared by several chapters.  Nothing is downloaded."""

from __future__ import annotations

import numpy as np

__all__ = ["adding_problem", "ADDING_BASELINE_MSE", "noisy_sine", "sliding_windows"]

#: MSE of always predicting 1 on the adding problem: Var(U1 + U2) = 2/12 = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem in the form of Le et al. (2015) and Arjovsky et al. (2016).

    Each of the ``T`` steps carries two features: a value drawn from U[0, 1] and a
    marker.  Exactly one marker is 1 in the first half of the sequence and one in
    the second half; the target is the sum of the two marked values.

    Returns ``x`` of shape (T, n, 2) (PyTorch's default (L, N, H_in) layout) and
    ``y`` of shape (n,).
    """
    if T < 2:
        raise ValueError("T must be at least 2")
    values = rng.uniform(0.0, 1.0, size=(T, n))
    markers = np.zeros((T, n))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    cols = np.arange(n)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = values[first, cols] + values[second, cols]
    return x, y


def noisy_sine(n_steps: int, rng: np.random.Generator, period: float = 25.0, noise: float = 0.1) -> np.ndarray:
    """A sine wave with Gaussian noise: a stand-in for a real sensor series, shape (n_steps,)."""
    t = np.arange(n_steps)
    return np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n_steps)


def sliding_windows(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series of shape (T,) or (T, F) into [samples, window, features] inputs and next-step targets.

    Sample ``i`` holds ``series[i : i + window]`` and its target is ``series[i + window]``.
    """
    s = np.asarray(series, dtype=float)
    if s.ndim == 1:
        s = s[:, None]
    n = len(s) - window
    if n <= 0:
        raise ValueError("the series is shorter than one window plus a target")
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    return s[idx], s[window:]
