"""Numerical helpers for Chapter 5 (vanishing and exploding gradients).

The Jacobian-norm measurements of a random tanh RNN, the adding-problem length
sweep and the input-gradient profile live here (the one-unit "cliff" model is in
:mod:`rnnbook.cliff` and re-exported), so that the chapter, its exercise checks and
the multi-seed test run exactly the same code.  Only numpy is imported at module
level; the torch functions import it when called.
"""

from __future__ import annotations

import numpy as np

from .cliff import cliff_forward, cliff_loss_and_grad, cliff_wall, sigmoid

__all__ = [
    "sigmoid",
    "cliff_forward",
    "cliff_loss_and_grad",
    "cliff_wall",
    "random_orthogonal",
    "tanh_states",
    "jacobian_norm_product",
    "gain_scan",
    "critical_gain",
    "ADDING_SECOND_ONLY_MSE",
    "input_gradient_profile",
    "SWEEP_LENGTHS",
    "SWEEP_SETTINGS",
    "adding_length_sweep",
]

#: MSE of predicting 0.5 + (second marked value): Var(U1) = 1/12 (remembers only the second value)
ADDING_SECOND_ONLY_MSE = 1.0 / 12.0


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed random orthogonal (n, n) matrix (QR with the signs fixed)."""
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def tanh_states(W_hh: np.ndarray, u: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """h_t = tanh(W_hh h_{t-1} + u_t) for t = 1..T; returns hs of shape (T+1, H), hs[0] = h0."""
    hs = [h0]
    for u_t in u:
        hs.append(np.tanh(W_hh @ hs[-1] + u_t))
    return np.array(hs)


def jacobian_norm_product(hs: np.ndarray, W_hh: np.ndarray) -> float:
    """||dh_T/dh_0||_2 for a tanh trajectory hs (T+1, H): the full product, one norm."""
    J = np.eye(W_hh.shape[0])
    for t in range(len(hs) - 1, 0, -1):
        J = J @ ((1.0 - hs[t] ** 2)[:, None] * W_hh)
    return float(np.linalg.norm(J, 2))


def gain_scan(gains, seeds, H: int = 64, T: int = 100, input_std: float = 0.5) -> np.ndarray:
    """||dh_T/dh_{T-T}||_2 of a driven tanh RNN with W_hh = g Q, for each gain and each seed.

    Each seed draws its own orthogonal Q and inputs u_t ~ N(0, input_std^2) per unit, the
    same for every gain; h_0 = 0.  Returns an array of shape (len(gains), len(seeds)).
    """
    out = np.zeros((len(gains), len(seeds)))
    for j, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        Q = random_orthogonal(H, rng)
        u = input_std * rng.standard_normal((T, H))
        for i, g in enumerate(gains):
            out[i, j] = jacobian_norm_product(tanh_states(g * Q, u, np.zeros(H)), g * Q)
    return out


def critical_gain(gains, medians) -> float:
    """The gain at which the median norm crosses 1: linear interpolation of log(median) in g."""
    logs = np.log(np.asarray(medians, dtype=float))
    i = int(np.argmax(logs > 0))
    if i == 0 or logs[i - 1] > 0:
        raise ValueError("the medians do not cross 1 inside the scanned gains")
    g0, g1 = gains[i - 1], gains[i]
    return float(g0 + (g1 - g0) * (0.0 - logs[i - 1]) / (logs[i] - logs[i - 1]))


def input_gradient_profile(T: int, seed: int, hidden: int = 32, n: int = 256) -> np.ndarray:
    """Mean |d y_hat / d (value at step t)| over a batch, for an *untrained* tanh RNN.

    The model is :func:`rnnbook.train.SequenceRegressor` ("rnn", the sweep's architecture)
    with PyTorch's default initialisation under ``torch.manual_seed(seed)``.  Returns an
    array of shape (T,), divided by its last entry (the last step's value), so entry t
    says how strongly the value k = T - 1 - t steps before the end reaches the prediction.
    """
    import torch

    from .data import adding_problem
    from .train import SequenceRegressor

    torch.manual_seed(seed)
    model = SequenceRegressor("rnn", 2, hidden)
    x, _ = adding_problem(n, T, np.random.default_rng(seed))
    x_pt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    model(x_pt).sum().backward()
    g = x_pt.grad[:, :, 0].abs().mean(dim=1).double().numpy()
    return g / g[-1]


#: the sequence lengths of the chapter's adding-problem sweep
SWEEP_LENGTHS = (10, 50, 100)

#: settings of the sweep: one seed costs about 9 s of CPU on one thread of the shared machine under load
SWEEP_SETTINGS = {"hidden": 32, "steps": 500, "n_test": 500}


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
