"""Chapter 9: forecasting the yearly sunspot numbers, honestly.

Everything a forecasting notebook and its multi-seed test share: the data (shipped inside
statsmodels, nothing downloaded), the chronological split, sliding windows in seed 000's
``[samples, window, features]`` layout, the metrics (MAE, RMSE, MASE), the baselines
(persistence, seasonal naive, a least-squares AR, an ARIMA chosen by AIC) and the recurrent
forecasters (``nn.LSTM`` / ``nn.GRU`` with ``batch_first=True``).

Conventions: ``series`` is a 1-D array indexed by time; a forecast *for* time ``t`` may use
``series[:t]`` only.  Index arrays name the targets (``t``), never the window starts.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "SPLIT_YEARS",
    "Split",
    "load_sunspots",
    "chronological_split",
    "windows",
    "Scaler",
    "mae",
    "rmse",
    "naive_scale",
    "mase",
    "persistence",
    "seasonal_naive",
    "fit_ar",
    "ar_predict",
    "ar_validation_errors",
    "ar_recursive",
    "fit_ar_direct",
    "ar_direct",
    "fit_arima_aic",
    "arima_forecasts",
    "ForecastRun",
    "make_forecaster",
    "train_forecaster",
    "predict",
    "recursive_forecast",
    "direct_targets",
]

#: The first year of the validation part and the first year of the test part.
SPLIT_YEARS = (1921, 1966)


def _torch():
    import torch  # lazily: the data and metric helpers work without torch

    return torch


# ------------------------------------------------------------------------------------------
# Data and layout
# ------------------------------------------------------------------------------------------


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """The yearly mean sunspot numbers 1700-2008 as ``(years, values)``, read from the file
    that statsmodels ships (``statsmodels/datasets/sunspots/sunspots.csv``); no download."""
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    return data["YEAR"].to_numpy(dtype=int), data["SUNACTIVITY"].to_numpy(dtype=float)


@dataclass(frozen=True)
class Split:
    """Index ranges of a chronological split: train ``[0, train_end)``, validation
    ``[train_end, val_end)``, test ``[val_end, n)``."""

    train_end: int
    val_end: int
    n: int

    @property
    def val(self) -> np.ndarray:
        return np.arange(self.train_end, self.val_end)

    @property
    def test(self) -> np.ndarray:
        return np.arange(self.val_end, self.n)


def chronological_split(years: np.ndarray, split_years=SPLIT_YEARS) -> Split:
    """Split at the first index of each year in ``split_years`` (no shuffling)."""
    train_end, val_end = (int(np.searchsorted(years, y)) for y in split_years)
    return Split(train_end, val_end, len(years))


def windows(series: np.ndarray, window: int, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``[samples, window, features]`` and targets ``[samples]`` for the target times
    ``targets``: sample ``i`` is ``series[t - window : t]`` with ``t = targets[i]``, and its
    target is ``series[t]``.  The window may reach back before a split boundary (the past is
    known when the forecast is made); it never contains the target or anything later."""
    s = np.asarray(series, dtype=float)
    t = np.asarray(targets, dtype=int)
    if t.min() < window:
        raise ValueError("a target has fewer than `window` values before it")
    idx = t[:, None] - window + np.arange(window)[None, :]
    return s[idx][:, :, None], s[t]


@dataclass(frozen=True)
class Scaler:
    """Standardisation ``z = (x - mean) / std`` with statistics from the data it was fit on."""

    mean: float
    std: float

    @classmethod
    def fit(cls, x: np.ndarray) -> Scaler:
        x = np.asarray(x, dtype=float)
        return cls(float(x.mean()), float(x.std()))

    def transform(self, x):
        return (np.asarray(x, dtype=float) - self.mean) / self.std

    def inverse(self, z):
        return np.asarray(z, dtype=float) * self.std + self.mean


# ------------------------------------------------------------------------------------------
# Metrics
# ------------------------------------------------------------------------------------------


def mae(y, y_hat) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(y_hat))))


def rmse(y, y_hat) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)))


def naive_scale(train: np.ndarray, m: int = 1) -> float:
    """Hyndman & Koehler's MASE denominator: the in-sample MAE of the (seasonal) naive
    forecast on the *training* series, ``mean |y_t - y_{t-m}|``."""
    train = np.asarray(train, dtype=float)
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def mase(y, y_hat, train: np.ndarray, m: int = 1) -> float:
    """Mean absolute scaled error: MAE divided by :func:`naive_scale` of the training part."""
    return mae(y, y_hat) / naive_scale(train, m)


# ------------------------------------------------------------------------------------------
# Baselines
# ------------------------------------------------------------------------------------------


def persistence(series: np.ndarray, targets: np.ndarray, horizon: int = 1) -> np.ndarray:
    """Tomorrow = today: the forecast for ``t`` made ``horizon`` steps earlier is
    ``series[t - horizon]``."""
    return np.asarray(series, dtype=float)[np.asarray(targets) - horizon]


def seasonal_naive(series: np.ndarray, targets: np.ndarray, period: int) -> np.ndarray:
    """The value one cycle ago: ``series[t - period]``."""
    return np.asarray(series, dtype=float)[np.asarray(targets) - period]


def _ar_design(series: np.ndarray, p: int, targets: np.ndarray) -> np.ndarray:
    """Rows ``[1, y_{t-1}, ..., y_{t-p}]`` for each target time ``t``."""
    s = np.asarray(series, dtype=float)
    t = np.asarray(targets, dtype=int)
    lags = s[t[:, None] - np.arange(1, p + 1)[None, :]]
    return np.hstack([np.ones((len(t), 1)), lags])


def fit_ar(series: np.ndarray, p: int, train_end: int) -> np.ndarray:
    """Least-squares AR(p) with intercept on the targets ``t = p, ..., train_end - 1``.
    Returns ``[c, phi_1, ..., phi_p]``."""
    t = np.arange(p, train_end)
    coef, *_ = np.linalg.lstsq(_ar_design(series, p, t), np.asarray(series)[t], rcond=None)
    return coef


def ar_predict(series: np.ndarray, coef: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """One-step AR forecasts for the target times (inputs are the true past values)."""
    return _ar_design(series, len(coef) - 1, targets) @ coef


def ar_validation_errors(series, train_end: int, val_end: int, lags) -> np.ndarray:
    """Validation MAE of a least-squares AR(p) fitted on the training part, for each p."""
    val = np.arange(train_end, val_end)
    s = np.asarray(series, dtype=float)
    return np.array([mae(s[val], ar_predict(s, fit_ar(s, p, train_end), val)) for p in lags])


def ar_recursive(series: np.ndarray, coef: np.ndarray, origins, horizon: int) -> np.ndarray:
    """Forecasts ``(len(origins), horizon)``: from origin ``o`` (knowing ``series[:o]``) the
    AR predicts ``o``, feeds that prediction back, predicts ``o + 1``, and so on."""
    p = len(coef) - 1
    s = np.asarray(series, dtype=float)
    hist = np.stack([s[o - p : o] for o in origins])  # (n_origins, p), oldest first
    out = []
    for _ in range(horizon):
        y_hat = coef[0] + hist[:, ::-1] @ coef[1:]
        out.append(y_hat)
        hist = np.hstack([hist[:, 1:], y_hat[:, None]])  # slide: feed the prediction back
    return np.stack(out, axis=1)


def fit_ar_direct(series: np.ndarray, p: int, train_end: int, horizon: int) -> np.ndarray:
    """One least-squares model per horizon ``h``: ``y_{o+h-1}`` from ``y_{o-1}, ..., y_{o-p}``.
    Returns ``(horizon, p + 1)`` coefficients; all targets lie before ``train_end``."""
    s = np.asarray(series, dtype=float)
    coefs = []
    for h in range(1, horizon + 1):
        origins = np.arange(p, train_end - h + 1)
        X = _ar_design(s, p, origins)
        c, *_ = np.linalg.lstsq(X, s[origins + h - 1], rcond=None)
        coefs.append(c)
    return np.stack(coefs)


def ar_direct(series: np.ndarray, coefs: np.ndarray, origins) -> np.ndarray:
    """Direct forecasts ``(len(origins), horizon)``: no prediction is fed back."""
    X = _ar_design(series, coefs.shape[1] - 1, np.asarray(origins))
    return X @ coefs.T


def fit_arima_aic(train: np.ndarray, p_max: int = 10, q_max: int = 2):
    """The classical choice: ARMA(p, q) with a constant, fitted by maximum likelihood
    (statsmodels' ``ARIMA``), with (p, q) minimising AIC on the training part only.
    Returns ``(result, (p, q))``; statsmodels' convergence warnings are silenced."""
    from statsmodels.tsa.arima.model import ARIMA

    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in range(0, p_max + 1):
            for q in range(0, q_max + 1):
                if p == q == 0:
                    continue
                res = ARIMA(np.asarray(train, dtype=float), order=(p, 0, q), trend="c").fit()
                if best is None or res.aic < best[0].aic:
                    best = (res, (p, q))
    return best


def arima_forecasts(result, series: np.ndarray, origins, horizon: int) -> np.ndarray:
    """Forecasts ``(len(origins), horizon)`` from a fitted ARIMA whose parameters stay fixed:
    the model is run over the whole series (``apply``) and forecasts ``horizon`` steps from each
    origin using ``series[:origin]`` only (statsmodels' dynamic prediction)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = result.apply(np.asarray(series, dtype=float))
        rows = []
        for o in origins:
            pred = full.get_prediction(start=int(o), end=int(o) + horizon - 1, dynamic=True)
            rows.append(np.asarray(pred.predicted_mean)[:horizon])
    return np.stack(rows)


# ------------------------------------------------------------------------------------------
# Recurrent forecasters
# ------------------------------------------------------------------------------------------


def make_forecaster(kind: str = "lstm", hidden: int = 32, n_out: int = 1):
    """``nn.LSTM`` (or ``nn.GRU``) with ``batch_first=True`` on ``(N, window, 1)`` windows; a
    linear read-out of the last step's hidden state gives ``(N, n_out)`` predictions."""
    torch = _torch()
    nn = torch.nn
    cls = {"lstm": nn.LSTM, "gru": nn.GRU}[kind]

    class Forecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cls(1, hidden, batch_first=True)
            self.head = nn.Linear(hidden, n_out)

        def forward(self, x_pt):  # x_pt: (N, L, 1), batch first
            out, _ = self.rnn(x_pt)  # out: (N, L, hidden)
            return self.head(out[:, -1])  # the state after the last step -> (N, n_out)

    return Forecaster()


@dataclass
class ForecastRun:
    """A trained forecaster and its history (validation MAE in scaled units every
    ``eval_every`` epochs; the weights kept are those of the best validation epoch)."""

    model: object
    seed: int
    best_epoch: int
    epochs: list[int] = field(default_factory=list)
    train_mse: list[float] = field(default_factory=list)
    val_mae: list[float] = field(default_factory=list)


def train_forecaster(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    *,
    kind: str = "lstm",
    hidden: int = 32,
    epochs: int = 200,
    lr: float = 1e-2,
    eval_every: int = 5,
    seed: int = 0,
) -> ForecastRun:
    """Full-batch Adam on the MSE, gradient norm clipped at 1; keeps the weights of the epoch
    with the lowest validation MAE (early stopping).  ``Y`` is ``(N,)`` or ``(N, n_out)``.
    Deterministic for a given seed on one machine with one thread."""
    torch = _torch()
    torch.manual_seed(seed)
    Y_train = np.asarray(Y_train, dtype=float).reshape(len(X_train), -1)
    Y_val = np.asarray(Y_val, dtype=float).reshape(len(X_val), -1)
    model = make_forecaster(kind, hidden, Y_train.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    Xtr_pt = torch.tensor(X_train, dtype=torch.float32)
    Ytr_pt = torch.tensor(Y_train, dtype=torch.float32)
    Xva_pt = torch.tensor(X_val, dtype=torch.float32)
    run = ForecastRun(model=model, seed=seed, best_epoch=0)
    best_val, best_state = np.inf, None
    for epoch in range(1, epochs + 1):
        opt.zero_grad()
        loss = torch.mean((model(Xtr_pt) - Ytr_pt) ** 2)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if epoch % eval_every == 0:
            with torch.no_grad():
                val = float(np.mean(np.abs(model(Xva_pt).numpy() - Y_val)))
            run.epochs.append(epoch)
            run.train_mse.append(float(loss.detach()))
            run.val_mae.append(val)
            if val < best_val:
                best_val, best_state, run.best_epoch = val, copy.deepcopy(model.state_dict()), epoch
    model.load_state_dict(best_state)
    model.eval()
    return run


def predict(model, X: np.ndarray) -> np.ndarray:
    """Model outputs for windows ``X`` ``(N, L, 1)``: ``(N,)`` for one output, else ``(N, n_out)``."""
    torch = _torch()
    with torch.no_grad():
        out = model(torch.tensor(np.asarray(X), dtype=torch.float32)).numpy().astype(float)
    return out[:, 0] if out.shape[1] == 1 else out


def recursive_forecast(model, z: np.ndarray, window: int, origins, horizon: int) -> np.ndarray:
    """Multi-step forecasts ``(len(origins), horizon)`` from a one-step model: predict, append
    the prediction to the window, drop the oldest value, repeat (scaled units in and out)."""
    X, _ = windows(z, window, np.asarray(origins))
    X = X[:, :, 0]
    out = []
    for _ in range(horizon):
        y_hat = predict(model, X[:, :, None])
        out.append(y_hat)
        X = np.hstack([X[:, 1:], y_hat[:, None]])  # feed the prediction back
    return np.stack(out, axis=1)


def direct_targets(z: np.ndarray, origins, horizon: int) -> np.ndarray:
    """Targets ``(len(origins), horizon)`` for a direct multi-output model: ``z[o + h - 1]``."""
    o = np.asarray(origins)
    return np.asarray(z)[o[:, None] + np.arange(horizon)[None, :]]
