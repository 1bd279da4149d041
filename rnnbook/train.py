"""Training loops that a notebook *and* the test suite run, so a demo's claim is
re-checked on several seeds by exactly the code the page shows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .data import adding_problem

__all__ = ["AddingResult", "SequenceRegressor", "train_adding"]


def _torch():
    import torch  # imported lazily: the checks and data helpers must work without torch

    return torch


@dataclass
class AddingResult:
    model: str
    T: int
    seed: int
    steps: list[int] = field(default_factory=list)
    test_mse: list[float] = field(default_factory=list)
    seconds: float = 0.0
    #: Test MSE on all ``n_test`` sequences after the last step; ``None`` means the curve used them all.
    final_test_mse: float | None = None

    @property
    def final_mse(self) -> float:
        """The test MSE after training, always on the whole test set."""
        return self.test_mse[-1] if self.final_test_mse is None else self.final_test_mse


def SequenceRegressor(kind: str, input_size: int, hidden: int, forget_bias: float | None = None):
    """A recurrent layer (``"rnn"`` tanh, ``"lstm"`` or ``"gru"``) with a linear read-out of the last step."""
    torch = _torch()
    nn = torch.nn
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]

    class _Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cls(input_size, hidden)
            self.head = nn.Linear(hidden, 1)
            if forget_bias is not None:
                if kind != "lstm":
                    raise ValueError("forget_bias applies to an LSTM only")
                with torch.no_grad():  # PyTorch stacks the gates [i | f | g | o]
                    self.rnn.bias_ih_l0[hidden : 2 * hidden].fill_(forget_bias)
                    self.rnn.bias_hh_l0[hidden : 2 * hidden].fill_(0.0)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[-1]).squeeze(-1)

    return _Model()


def train_adding(
    kind: str,
    T: int = 100,
    hidden: int = 32,
    steps: int = 2000,
    batch: int = 64,
    lr: float = 1e-2,
    clip: float = 1.0,
    seed: int = 0,
    n_test: int = 1000,
    eval_every: int = 50,
    forget_bias: float | None = None,
    n_curve: int | None = None,
) -> AddingResult:
    """Train ``kind`` on the adding problem with a fresh batch every step; record the test MSE.

    Adam, gradient-norm clipping, a fixed test set of ``n_test`` sequences drawn
    from a separate generator.  Deterministic for a given seed on one machine.
    With ``n_curve`` set, the learning curve (``test_mse`` every ``eval_every`` steps)
    is measured on the first ``n_curve`` test sequences only, which is cheaper;
    ``final_mse`` still uses all ``n_test``.  The evaluation never changes training.
    """
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x_test, y_test = (torch.tensor(a, dtype=torch.float32) for a in adding_problem(n_test, T, np.random.default_rng(10_000 + seed)))
    x_curve, y_curve = (x_test, y_test) if n_curve is None else (x_test[:, :n_curve], y_test[:n_curve])
    model = SequenceRegressor(kind, 2, hidden, forget_bias=forget_bias)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result = AddingResult(model=kind, T=T, seed=seed)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        x, y = (torch.tensor(a, dtype=torch.float32) for a in adding_problem(batch, T, rng))
        loss = torch.mean((model(x) - y) ** 2)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if step % eval_every == 0 or step == steps:
            with torch.no_grad():
                result.steps.append(step)
                result.test_mse.append(float(torch.mean((model(x_curve) - y_curve) ** 2)))
                if step == steps and n_curve is not None:
                    result.final_test_mse = float(torch.mean((model(x_test) - y_test) ** 2))
    result.seconds = time.perf_counter() - start
    return result
