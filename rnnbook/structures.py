"""Chapter 3's Elman-versus-Jordan demo: the training code the notebook *and* the test suite run.

The task ("echo and recall") separates the two structures by what they feed back:

- step 0 carries a bit ``b`` in {-1, +1} on its own input channel;
- steps 1 .. T-2 carry a value ``v_t`` ~ U[-1, 1]; the target at each of these steps is ``v_t`` itself (echo);
- the last step carries a query marker; its target is the bit ``b`` (recall).

An Elman network keeps ``b`` in its hidden state while its output echoes ``v_t``.  A Jordan network's only
memory is its previous *output*, which the echo targets pin to ``v_{t-1}``: the bit has nowhere to live.
Both models are written as the same explicit loop and differ only in what is fed back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ECHO_RECALL_SETTINGS", "echo_recall_batch", "LoopRNN", "RecallResult", "train_echo_recall"]

#: The settings of the chapter's demo, passed explicitly by the notebook and by tests/test_demo_ch03.py.
ECHO_RECALL_SETTINGS = {"T": 8, "hidden": 16, "steps": 400, "batch": 64, "lr": 1e-2}


def _torch():
    import torch  # imported lazily: the checks and data helpers must work without torch

    return torch


def echo_recall_batch(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``x`` of shape (T, n, 3) with channels [value, bit, query] and targets ``y`` of shape (T, n)."""
    if T < 3:
        raise ValueError("T must be at least 3")
    x = np.zeros((T, n, 3))
    bit = rng.choice([-1.0, 1.0], size=n)
    values = rng.uniform(-1.0, 1.0, size=(T - 2, n))
    x[0, :, 1] = bit
    x[1 : T - 1, :, 0] = values
    x[T - 1, :, 2] = 1.0
    y = np.zeros((T, n))
    y[1 : T - 1] = values
    y[T - 1] = bit
    return x, y


def LoopRNN(kind: str, input_size: int, hidden: int, output_size: int):
    """A tanh RNN written as an explicit loop.

    ``kind="elman"`` feeds back the hidden state: ``h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)``;
    ``kind="jordan"`` feeds back the output:       ``h_t = tanh(W_xh x_t + W_yh y_{t-1} + b_h)``;
    both read out ``y_t = W_hy h_t + b_y``.  ``forward(x)`` takes (T, N, D) and returns (T, N, O).
    """
    torch = _torch()
    nn = torch.nn
    if kind not in ("elman", "jordan"):
        raise ValueError("kind is 'elman' or 'jordan'")

    class _Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.kind = kind
            self.xh = nn.Linear(input_size, hidden)  # W_xh, b_h
            fed_back = hidden if kind == "elman" else output_size
            self.ch = nn.Linear(fed_back, hidden, bias=False)  # W_hh (Elman) or W_yh (Jordan)
            self.hy = nn.Linear(hidden, output_size)  # W_hy, b_y

        def forward(self, x):
            T, N, _ = x.shape
            h = x.new_zeros(N, hidden)
            y = x.new_zeros(N, output_size)
            ys = []
            for t in range(T):
                context = h if self.kind == "elman" else y
                h = torch.tanh(self.xh(x[t]) + self.ch(context))
                y = self.hy(h)
                ys.append(y)
            return torch.stack(ys)

    return _Loop()


@dataclass
class RecallResult:
    kind: str
    seed: int
    echo_mse: float  # test MSE on the echo steps 1 .. T-2
    recall_acc: float  # test accuracy of sign(y_{T-1}) == b
    seconds: float
    model: object = field(default=None, repr=False, compare=False)  # the trained nn.Module


def train_echo_recall(
    kind: str, seed: int, T: int = 8, hidden: int = 16, steps: int = 400, batch: int = 64, lr: float = 1e-2
) -> RecallResult:
    """Train one structure on echo-and-recall with Adam; evaluate on 1000 fixed test sequences."""
    torch = _torch()
    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = LoopRNN(kind, 3, hidden, 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        xb, yb = echo_recall_batch(batch, T, rng)
        xb, yb = torch.from_numpy(xb).float(), torch.from_numpy(yb).float()
        pred = model(xb).squeeze(-1)
        loss = ((pred - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    x_test, y_test = echo_recall_batch(1000, T, np.random.default_rng(10_000 + seed))
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test).float()).squeeze(-1).numpy()
    echo_mse = float(np.mean((pred[1 : T - 1] - y_test[1 : T - 1]) ** 2))
    recall_acc = float(np.mean(np.sign(pred[T - 1]) == y_test[T - 1]))
    return RecallResult(kind, seed, echo_mse, recall_acc, time.perf_counter() - start, model)
