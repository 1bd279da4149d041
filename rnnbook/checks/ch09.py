"""Checks for Chapter 9: forecasting without leaks.

Conventions (the chapter's): ``series`` is a 1-D array indexed by time; a forecast *for*
time ``t`` may use ``series[:t]`` only.  Windows are laid out ``[samples, window, features]``.
Every check runs the student's function on series and split boundaries the student has not
seen, so a hard-coded answer cannot pass.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed

__all__ = [
    "hidden_series",
    "check_split_windows",
    "check_mase",
    "check_recursive_forecast",
    "check_ar_lag_errors",
]


def hidden_series(n: int, seed: int) -> np.ndarray:
    """A positive, cyclic, noisy series (a stand-in for sunspots) the student has not seen."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    phase = 2 * np.pi * t / (9.0 + seed % 3) + 0.3 * np.cumsum(rng.normal(0, 0.15, n))
    level = 40 + 30 * np.abs(np.sin(phase / 2)) ** 1.5
    return level + 8 * rng.standard_normal(n) + 5 * seed


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: windows for one split, scaled with training statistics
# ---------------------------------------------------------------------------------------------------------------


def _windows(z, window, targets):
    t = np.asarray(targets, dtype=int)
    idx = t[:, None] - window + np.arange(window)[None, :]
    return z[idx][:, :, None], z[t]


def _split_windows_reference(series, window, start, stop, train_end, ddof=0):
    s = np.asarray(series, dtype=float)
    z = (s - s[:train_end].mean()) / s[:train_end].std(ddof=ddof)
    return _windows(z, window, np.arange(max(start, window), stop))


def _unpack_xy(got, name):
    __tracebackhide__ = True
    if got is None:
        fail(f"{name} returned None: did you forget a `return` statement?")
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(f"{name} should return a tuple (X, y) of two arrays")
    return as_array("X", got[0]), as_array("y", got[1])


def check_split_windows(split_windows):
    cases = [  # (n, seed, window, train_end, val_end): hidden boundaries
        (61, 3, 5, 37, 49),
        (48, 7, 4, 29, 40),
    ]
    for n, seed, window, train_end, val_end in cases:
        series = hidden_series(n, seed)
        s = series
        mu, sd = s[:train_end].mean(), s[:train_end].std()
        z = (s - mu) / sd
        for start, stop in [(0, train_end), (train_end, val_end), (val_end, n)]:
            what = f"split_windows(series, window={window}, start={start}, stop={stop}, train_end={train_end})"
            with np.errstate(all="ignore"):
                X, y = _unpack_xy(call(split_windows, series.copy(), window, start, stop, train_end), what)
            X_ref, y_ref = _split_windows_reference(series, window, start, stop, train_end)
            N = len(y_ref)
            if X.ndim == 2 and X.shape == (N, window):
                fail(f"{what}: X has shape {X.shape}; expected [samples, window, features] = (N, window, 1) "
                     f"= {(N, window, 1)}: add the feature axis (X[..., None])")
            if X.ndim == 3 and X.shape == (N, 1, window):
                fail(f"{what}: X has shape {X.shape}; expected (N, window, 1) = {(N, window, 1)}: the window "
                     "is the second axis and the single feature the last")
            if y.shape == (N, 1):
                y = y[:, 0]
            # Whole-sample mistakes that change which targets are used (compared on values).
            layouts = {}
            if stop + window <= n:
                layouts[
                    "indexes samples by the START of their window (X = series[i : i + window], "
                    "y = series[i + window] for i in [start, stop)): the targets then run up to "
                    "stop + window - 1, across the split boundary. Index samples by their TARGET t in "
                    "[start, stop)"] = _windows(z, window, np.arange(start + window, stop + window))
            if start > window:
                layouts[
                    "keeps whole windows inside [start, stop), so the first targets of the split are "
                    "missing. A window may reach back before `start` (the past is known at forecast "
                    "time); only the TARGETS must lie in [start, stop)"] = _windows(
                        z, window, np.arange(start + window, stop))
            for hint, (X_w, y_w) in layouts.items():
                if is_close(X, X_w) and is_close(y, y_w):
                    fail(f"{what}: it looks like your code {hint}")
            if len(y) != N or len(X) != N:
                fail(f"{what}: {len(y)} samples, expected {N}: one per target t in [max(start, window), "
                     "stop); a target needs `window` values before it")
            assert_shape("X", X, (N, window, 1), "(N, window, 1)")
            assert_shape("y", y, (N,), "(N,)")
            if is_close(X, X_ref) and is_close(y, y_ref):
                continue
            X_1, y_1 = _split_windows_reference(series, window, start, stop, train_end, ddof=1)
            if is_close(X, X_1) and is_close(y, y_1):
                continue  # the sample standard deviation (ddof=1) is accepted too
            t = np.arange(max(start, window), stop)
            z_all = (s - s.mean()) / s.std()
            seg = s[start:stop]
            z_own = (s - seg.mean()) / seg.std()
            x_hints = {
                "fits the scaler on the WHOLE series: the mean and standard deviation must come from "
                "series[:train_end] only (the training part), or the future leaks into the inputs":
                    _windows(z_all, window, t)[0],
                "fits the scaler on the split's own values series[start:stop]: use the training statistics "
                "(series[:train_end]) for every split": _windows(z_own, window, t)[0],
                "does not scale at all: standardise with the training mean and standard deviation":
                    _windows(s, window, t)[0],
                "puts the target inside its own window (series[t - window + 1 : t + 1]): the window must "
                "end just BEFORE the target": _windows(z, window, t + 1)[0],
                "reverses each window (newest value first): keep time order, oldest first":
                    _windows(z, window, t)[0][:, ::-1],
            }
            if not is_close(X, X_ref):  # only hints that differ from the right answer on these inputs
                hint_if_matches("X", X, {h: v for h, v in x_hints.items() if not is_close(v, X_ref)})
            else:
                y_hints = {
                    "takes the target from inside the window (series[t - 1], off by one): the target is the "
                    "value right AFTER the window, series[t]": z[t - 1],
                    "takes the target one step too late (series[t + 1], off by one)": z[np.minimum(t + 1, n - 1)],
                    "returns unscaled targets: scale y like X": s[t],
                }
                hint_if_matches("y", y, {h: v for h, v in y_hints.items() if not is_close(v, y_ref)})
            assert_close("X", X, X_ref)
            assert_close("y", y, y_ref)
    passed("split_windows")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: MASE
# ---------------------------------------------------------------------------------------------------------------


def _mase_reference(y_true, y_pred, y_train, m=1):
    scale = np.mean(np.abs(y_train[m:] - y_train[:-m]))
    return np.mean(np.abs(y_true - y_pred)) / scale


def check_mase(mase):
    rng = np.random.default_rng(9)
    for n_train, n_eval, m, seed in [(40, 13, 1, 11), (57, 17, 4, 12), (33, 9, 3, 13)]:
        series = hidden_series(n_train + n_eval, seed)
        y_train, y_true = series[:n_train], series[n_train:]
        y_pred = y_true + rng.normal(0, 6, n_eval) + 2.0
        with np.errstate(all="ignore"):
            got = as_float("mase(...)", call(mase, y_true.copy(), y_pred.copy(), y_train.copy(), m))
        ref = _mase_reference(y_true, y_pred, y_train, m)
        mae_ = np.mean(np.abs(y_true - y_pred))
        d = np.abs(y_train[m:] - y_train[:-m])
        both = np.concatenate([y_train, y_true])
        wrong = {
            "scales by the naive errors of the EVALUATION period (y_true): Hyndman & Koehler's denominator is "
            "the in-sample naive MAE of the TRAINING series, a fixed unit":
                mae_ / np.mean(np.abs(y_true[m:] - y_true[:-m])),
            "scales by the naive errors of training AND evaluation data together: use y_train only":
                mae_ / np.mean(np.abs(both[m:] - both[:-m])),
            "divides the sum of naive errors by T = len(y_train) instead of T - m": mae_ / (d.sum() / n_train),
            "returns the MAE without dividing by the naive scale": mae_,
            "uses squared errors (an MSE ratio): MASE uses absolute errors":
                np.mean((y_true - y_pred) ** 2) / np.mean(d**2),
            "uses an RMSE ratio: MASE uses absolute errors":
                np.sqrt(np.mean((y_true - y_pred) ** 2)) / np.sqrt(np.mean(d**2)),
            "inverts the ratio (naive scale / MAE)": np.mean(d) / mae_,
        }
        if m > 1:
            wrong = {
                f"ignores m: with m = {m} the denominator compares y_t with y_(t-m), the value one season "
                "earlier, not y_(t-1)": mae_ / np.mean(np.abs(np.diff(y_train))),
                **wrong,
            }
        for hint, value in wrong.items():
            if abs(value - ref) > 1e-6 * abs(ref) and abs(got - value) <= 1e-9 * max(1.0, abs(value)):
                fail(f"mase (m = {m}) is wrong: it looks like your code {hint}")
        if abs(got - ref) > 1e-9 * max(1.0, abs(ref)):
            fail(f"mase (m = {m}) returned {got:.6g}; expected {ref:.6g}")
    passed("mase")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: recursive multi-step forecasts
# ---------------------------------------------------------------------------------------------------------------


class _OneStep:
    """A fixed nonlinear one-step model that checks what it is given."""

    def __init__(self, window: int, seed: int):
        rng = np.random.default_rng(seed)
        self.window = window
        self.w = rng.normal(0, 0.5, window) / window
        self.w[-1] += 0.8
        self.calls = 0

    def __call__(self, last_values):
        __tracebackhide__ = True
        self.calls += 1
        v = np.asarray(last_values, dtype=float).reshape(-1)
        if v.size != self.window:
            fail(f"predict_next received {v.size} values; expected window = {self.window}. Keep the window "
                 "at a fixed length: append the prediction AND drop the oldest value")
        return float(20.0 * np.tanh((v @ self.w - 50.0) / 25.0) + 50.0)


def _recursive_reference(f, series, origin, window, horizon, mode="ok"):
    s = np.asarray(series, dtype=float)
    win = list(s[origin - window : origin])
    if mode == "inclusive":
        win = list(s[origin - window + 1 : origin + 1])
    out = []
    for k in range(horizon):
        y_hat = f(np.array(win))
        out.append(y_hat)
        if mode == "teacher":
            win = win[1:] + [s[origin + k]]
        elif mode == "front":
            win = [y_hat] + win[:-1]
        elif mode == "replace_newest":
            win = win[:-1] + [y_hat]
        elif mode == "frozen":
            pass
        else:
            win = win[1:] + [y_hat]
    return np.array(out)


def check_recursive_forecast(recursive_forecast):
    for n, seed, origin, window, horizon in [(60, 21, 40, 5, 7), (45, 22, 31, 3, 9)]:
        series = hidden_series(n, seed)
        f = _OneStep(window, seed)
        what = f"recursive_forecast(predict_next, series, origin={origin}, window={window}, horizon={horizon})"
        with np.errstate(all="ignore"):
            got = as_array("forecast", call(recursive_forecast, f, series.copy(), origin, window, horizon))
        if got.shape == (horizon + 1,):
            fail(f"{what}: forecast has shape {got.shape}; expected (horizon,) = ({horizon},): return the "
                 "forecasts of series[origin], ..., series[origin + horizon - 1] only")
        assert_shape("forecast", got, (horizon,), "(horizon,)")
        if f.calls != horizon:
            fail(f"{what}: predict_next was called {f.calls} times; expected once per step ({horizon})")
        ref = _recursive_reference(f, series, origin, window, horizon)
        hint_if_matches("forecast", got, {
            "feeds back the TRUE values series[origin + k] instead of its own predictions (teacher forcing): "
            "after origin nothing is known, so each prediction must become the next input":
                _recursive_reference(f, series, origin, window, horizon, "teacher"),
            "starts from a window that ends AT origin (series[origin - window + 1 : origin + 1]): that window "
            "contains the first value to forecast; it must end at origin - 1":
                _recursive_reference(f, series, origin, window, horizon, "inclusive"),
            "never updates the window: every step predicts from the same values. Append each prediction and "
            "drop the oldest value": _recursive_reference(f, series, origin, window, horizon, "frozen"),
            "puts the prediction at the START of the window: keep time order, append it at the end":
                _recursive_reference(f, series, origin, window, horizon, "front"),
            "overwrites the newest value with the prediction instead of dropping the oldest":
                _recursive_reference(f, series, origin, window, horizon, "replace_newest"),
        })
        # any other dependence on the future is a leak, whatever the mechanism
        future = series.copy()
        future[origin:] = future[origin:] + 37.0
        with np.errstate(all="ignore"):
            got2 = as_array("forecast", call(recursive_forecast, f, future, origin, window, horizon))
        if not is_close(got, got2):
            fail(f"{what}: the forecast changes when series[origin:] changes, so it uses values at or after "
                 "origin; a forecast made at origin may read series[:origin] only")
        assert_close("forecast", got, ref)
    passed("recursive_forecast")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: AR lag on validation
# ---------------------------------------------------------------------------------------------------------------


def _design(s, p, t, intercept=True, shift=1):
    lags = s[t[:, None] - np.arange(shift, p + shift)[None, :]]
    return np.hstack([np.ones((len(t), 1)), lags]) if intercept else lags


def _ar_errors(series, train_end, val_end, lags, mode="ok"):
    s = np.asarray(series, dtype=float)
    val = np.arange(train_end, val_end)
    out = []
    for p in lags:
        first = max(lags) if mode == "common_start" else p
        fit_end = val_end if mode == "fit_val" else train_end
        shift = 0 if mode == "includes_target" else 1
        intercept = mode != "no_intercept"
        t = np.arange(first, fit_end)
        c, *_ = np.linalg.lstsq(_design(s, p, t, intercept, shift), s[t], rcond=None)
        if mode == "train_error":
            e = s[t] - _design(s, p, t, intercept, shift) @ c
        elif mode == "recursive":
            hist = list(s[train_end - p : train_end])
            preds = []
            for _ in val:
                y_hat = c[0] + np.dot(c[1:], hist[::-1][:p])
                preds.append(y_hat)
                hist = hist[1:] + [y_hat]
            e = s[val] - np.array(preds)
        else:
            e = s[val] - _design(s, p, val, intercept, shift) @ c
        out.append(np.sqrt(np.mean(e**2)) if mode == "rmse" else np.mean(np.abs(e)))
    return np.array(out)


def check_ar_lag_errors(ar_lag_errors):
    for n, seed, train_end, val_end, lags in [(110, 31, 72, 96, [1, 2, 3, 5, 8]), (90, 32, 61, 80, [2, 4, 6])]:
        series = hidden_series(n, seed)
        with np.errstate(all="ignore"):
            got = as_array("errors", call(ar_lag_errors, series.copy(), train_end, val_end, list(lags)))
        assert_shape("errors", got, (len(lags),), "(len(lags),)")
        hint_if_matches("errors", got, {
            "fits the AR on the validation years too (targets up to val_end): fit on t < train_end only, or "
            "the validation error is measured on data the model was fitted to":
                _ar_errors(series, train_end, val_end, lags, "fit_val"),
            "has no intercept c: add a column of ones to the design matrix":
                _ar_errors(series, train_end, val_end, lags, "no_intercept"),
            "uses y_t itself among the inputs (lags 0..p-1, off by one): the inputs of target t are "
            "y_(t-1), ..., y_(t-p)": _ar_errors(series, train_end, val_end, lags, "includes_target"),
            "returns the TRAINING error: score one-step forecasts of the validation targets":
                _ar_errors(series, train_end, val_end, lags, "train_error"),
            "forecasts the validation years recursively from train_end: one-step forecasts use the TRUE past "
            "values as inputs": _ar_errors(series, train_end, val_end, lags, "recursive"),
            "fits every lag on the targets t >= max(lags): fit AR(p) on t = p, ..., train_end - 1":
                _ar_errors(series, train_end, val_end, lags, "common_start"),
            "returns the RMSE: the exercise asks for the mean ABSOLUTE error":
                _ar_errors(series, train_end, val_end, lags, "rmse"),
        }, rtol=1e-6)
        assert_close("errors", got, _ar_errors(series, train_end, val_end, lags), rtol=1e-6)
    passed("ar_lag_errors")
