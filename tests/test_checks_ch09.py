"""Each Chapter 9 check accepts correct answers and rejects each named mistake with a message that names it.

The wrong answers are written out by hand, as a student would write them (not built from the checks' own
reference code).
"""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks import ch09 as C

# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: split_windows
# ---------------------------------------------------------------------------------------------------------------


def windows_ok(series, window, start, stop, train_end):
    mu, sd = series[:train_end].mean(), series[:train_end].std()
    z = (series - mu) / sd
    X, y = [], []
    for t in range(max(start, window), stop):
        X.append(z[t - window : t])
        y.append(z[t])
    return np.array(X)[:, :, None], np.array(y)


def windows_vectorised_ddof1(series, window, start, stop, train_end):
    train = series[:train_end]
    z = (series - np.mean(train)) / np.std(train, ddof=1)
    t = np.arange(max(start, window), stop)
    idx = t[:, None] + np.arange(-window, 0)[None, :]
    return z[idx][..., None], z[t]


def windows_scaled_on_all(series, window, start, stop, train_end):
    z = (series - series.mean()) / series.std()
    t = np.arange(max(start, window), stop)
    return np.stack([z[i - window : i] for i in t])[:, :, None], z[t]


def windows_scaled_on_split(series, window, start, stop, train_end):
    part = series[start:stop]
    z = (series - part.mean()) / part.std()
    t = np.arange(max(start, window), stop)
    return np.stack([z[i - window : i] for i in t])[:, :, None], z[t]


def windows_target_inside(series, window, start, stop, train_end):
    z = (series - series[:train_end].mean()) / series[:train_end].std()
    t = np.arange(max(start, window), stop)
    return np.stack([z[i - window + 1 : i + 1] for i in t])[:, :, None], z[t]


def windows_y_off_by_one(series, window, start, stop, train_end):
    z = (series - series[:train_end].mean()) / series[:train_end].std()
    t = np.arange(max(start, window), stop)
    return np.stack([z[i - window : i] for i in t])[:, :, None], z[t - 1]


def windows_from_start(series, window, start, stop, train_end):
    z = (series - series[:train_end].mean()) / series[:train_end].std()
    X = [z[i : i + window] for i in range(start, stop)]
    y = [z[i + window] for i in range(start, stop)]
    return np.array(X)[:, :, None], np.array(y)


def windows_inside_split(series, window, start, stop, train_end):
    z = (series - series[:train_end].mean()) / series[:train_end].std()
    X = [z[i : i + window] for i in range(start, stop - window)]
    y = [z[i + window] for i in range(start, stop - window)]
    return np.array(X)[:, :, None], np.array(y)


def windows_no_feature_axis(series, window, start, stop, train_end):
    X, y = windows_ok(series, window, start, stop, train_end)
    return X[:, :, 0], y


def windows_reversed(series, window, start, stop, train_end):
    X, y = windows_ok(series, window, start, stop, train_end)
    return X[:, ::-1], y


def windows_unscaled(series, window, start, stop, train_end):
    t = np.arange(max(start, window), stop)
    return np.stack([series[i - window : i] for i in t])[:, :, None], series[t]


@pytest.mark.parametrize("fn", [windows_ok, windows_vectorised_ddof1])
def test_split_windows_accepts_correct_answers(fn, capsys):
    C.check_split_windows(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, match",
    [
        (windows_scaled_on_all, "scaler on the WHOLE series"),
        (windows_scaled_on_split, "split's own values"),
        (windows_target_inside, "target inside its own window"),
        (windows_y_off_by_one, "off by one"),
        (windows_from_start, "across the split boundary"),
        (windows_inside_split, "first targets of the split are missing"),
        (windows_no_feature_axis, "add the feature axis"),
        (windows_reversed, "reverses each window"),
        (windows_unscaled, "does not scale"),
    ],
)
def test_split_windows_names_the_mistake(fn, match):
    with pytest.raises(CheckFailed, match=match):
        C.check_split_windows(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: mase
# ---------------------------------------------------------------------------------------------------------------


def mase_ok(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_true - y_pred)) / np.mean(np.abs(y_train[m:] - y_train[:-m]))


def mase_loop(y_true, y_pred, y_train, m=1):
    num = sum(abs(a - b) for a, b in zip(y_true, y_pred, strict=True)) / len(y_true)
    den = sum(abs(y_train[t] - y_train[t - m]) for t in range(m, len(y_train))) / (len(y_train) - m)
    return float(num / den)


def mase_test_denominator(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_true - y_pred)) / np.mean(np.abs(y_true[m:] - y_true[:-m]))


def mase_ignores_m(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_true - y_pred)) / np.mean(np.abs(np.diff(y_train)))


def mase_divides_by_T(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_true - y_pred)) / (np.sum(np.abs(y_train[m:] - y_train[:-m])) / len(y_train))


def mase_unscaled(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_true - y_pred))


def mase_squared(y_true, y_pred, y_train, m=1):
    return np.mean((y_true - y_pred) ** 2) / np.mean((y_train[m:] - y_train[:-m]) ** 2)


def mase_inverted(y_true, y_pred, y_train, m=1):
    return np.mean(np.abs(y_train[m:] - y_train[:-m])) / np.mean(np.abs(y_true - y_pred))


def mase_whole_series(y_true, y_pred, y_train, m=1):
    full = np.concatenate([y_train, y_true])
    return np.mean(np.abs(y_true - y_pred)) / np.mean(np.abs(full[m:] - full[:-m]))


def mase_returns_none(y_true, y_pred, y_train, m=1):
    np.mean(np.abs(y_true - y_pred))


@pytest.mark.parametrize("fn", [mase_ok, mase_loop])
def test_mase_accepts_correct_answers(fn, capsys):
    C.check_mase(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, match",
    [
        (mase_test_denominator, "naive errors of the EVALUATION period"),
        (mase_ignores_m, "ignores m"),
        (mase_divides_by_T, "instead of T - m"),
        (mase_unscaled, "without dividing"),
        (mase_squared, "squared errors"),
        (mase_inverted, "inverts the ratio"),
        (mase_whole_series, "training AND evaluation"),
        (mase_returns_none, "forget a `return`"),
    ],
)
def test_mase_names_the_mistake(fn, match):
    with pytest.raises(CheckFailed, match=match):
        C.check_mase(fn)


def test_mase_rejects_a_hard_coded_number():
    with pytest.raises(CheckFailed, match="expected"):
        C.check_mase(lambda y_true, y_pred, y_train, m=1: 0.8)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: recursive_forecast
# ---------------------------------------------------------------------------------------------------------------


def recursive_ok(predict_next, series, origin, window, horizon):
    win = np.array(series[origin - window : origin], dtype=float)
    out = np.empty(horizon)
    for k in range(horizon):
        out[k] = predict_next(win)
        win = np.append(win[1:], out[k])
    return out


def recursive_deque(predict_next, series, origin, window, horizon):
    from collections import deque

    win = deque(series[:origin][-window:], maxlen=window)
    out = []
    for _ in range(horizon):
        out.append(predict_next(np.array(win)))
        win.append(out[-1])
    return np.array(out)


def recursive_teacher_forcing(predict_next, series, origin, window, horizon):
    out = []
    for k in range(horizon):
        out.append(predict_next(series[origin + k - window : origin + k]))  # true values fed back
    return np.array(out)


def recursive_frozen(predict_next, series, origin, window, horizon):
    win = series[origin - window : origin]
    return np.array([predict_next(win) for _ in range(horizon)])


def recursive_front(predict_next, series, origin, window, horizon):
    win = list(series[origin - window : origin])
    out = []
    for _ in range(horizon):
        out.append(predict_next(np.array(win)))
        win = [out[-1]] + win[:-1]
    return np.array(out)


def recursive_inclusive(predict_next, series, origin, window, horizon):
    win = list(series[origin - window + 1 : origin + 1])
    out = []
    for _ in range(horizon):
        out.append(predict_next(np.array(win)))
        win = win[1:] + [out[-1]]
    return np.array(out)


def recursive_growing(predict_next, series, origin, window, horizon):
    hist = list(series[origin - window : origin])
    out = []
    for _ in range(horizon):
        out.append(predict_next(np.array(hist)))
        hist.append(out[-1])  # never drops the oldest value
    return np.array(out)


def recursive_replace_newest(predict_next, series, origin, window, horizon):
    win = np.array(series[origin - window : origin], dtype=float)
    out = []
    for _ in range(horizon):
        out.append(predict_next(win))
        win = win.copy()
        win[-1] = out[-1]
    return np.array(out)


def recursive_extra_value(predict_next, series, origin, window, horizon):
    return np.concatenate([[series[origin - 1]], recursive_ok(predict_next, series, origin, window, horizon)])


def recursive_peeks_at_mean(predict_next, series, origin, window, horizon):
    out = recursive_ok(predict_next, series, origin, window, horizon)
    return out + 0.01 * (np.mean(series) - np.mean(series[:origin]))  # an unnamed leak


@pytest.mark.parametrize("fn", [recursive_ok, recursive_deque])
def test_recursive_accepts_correct_answers(fn, capsys):
    C.check_recursive_forecast(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, match",
    [
        (recursive_teacher_forcing, "feeds back the TRUE values"),
        (recursive_frozen, "never updates the window"),
        (recursive_front, "START of the window"),
        (recursive_inclusive, "ends AT origin"),
        (recursive_growing, "drop the oldest value"),
        (recursive_replace_newest, "overwrites the newest value"),
        (recursive_extra_value, r"expected \(horizon,\)"),
        (recursive_peeks_at_mean, "uses values at or after origin"),
    ],
)
def test_recursive_names_the_mistake(fn, match):
    with pytest.raises(CheckFailed, match=match):
        C.check_recursive_forecast(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: ar_lag_errors
# ---------------------------------------------------------------------------------------------------------------


def _lagged(series, p, targets, first_lag=1):
    return np.column_stack([series[targets - k] for k in range(first_lag, p + first_lag)])


def ar_errors_ok(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        pred = np.column_stack([np.ones(len(v)), _lagged(series, p, v)]) @ coef
        errors.append(np.mean(np.abs(series[v] - pred)))
    return np.array(errors)


def ar_errors_normal_equations_oldest_first(series, train_end, val_end, lags):
    out = []
    for p in lags:
        rows = [np.r_[1.0, series[t - p : t]] for t in range(p, train_end)]  # oldest value first
        A, b = np.array(rows), series[p:train_end]
        coef = np.linalg.solve(A.T @ A, A.T @ b)
        preds = [np.r_[1.0, series[t - p : t]] @ coef for t in range(train_end, val_end)]
        out.append(np.mean(np.abs(series[train_end:val_end] - np.array(preds))))
    return np.array(out)


def ar_errors_fit_on_val(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, val_end)  # fitted on the validation years too
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        pred = np.column_stack([np.ones(len(v)), _lagged(series, p, v)]) @ coef
        errors.append(np.mean(np.abs(series[v] - pred)))
    return np.array(errors)


def ar_errors_no_intercept(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        coef = np.linalg.lstsq(_lagged(series, p, t), series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        errors.append(np.mean(np.abs(series[v] - _lagged(series, p, v) @ coef)))
    return np.array(errors)


def ar_errors_includes_target(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t, first_lag=0)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        pred = np.column_stack([np.ones(len(v)), _lagged(series, p, v, first_lag=0)]) @ coef
        errors.append(np.mean(np.abs(series[v] - pred)))
    return np.array(errors)


def ar_errors_training(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        errors.append(np.mean(np.abs(series[t] - A @ coef)))
    return np.array(errors)


def ar_errors_recursive(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        hist = list(series[:train_end])
        for _ in range(train_end, val_end):
            hist.append(coef[0] + coef[1:] @ np.array(hist[-1 : -p - 1 : -1]))
        errors.append(np.mean(np.abs(series[train_end:val_end] - np.array(hist[train_end:]))))
    return np.array(errors)


def ar_errors_common_start(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(max(lags), train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        pred = np.column_stack([np.ones(len(v)), _lagged(series, p, v)]) @ coef
        errors.append(np.mean(np.abs(series[v] - pred)))
    return np.array(errors)


def ar_errors_rmse(series, train_end, val_end, lags):
    errors = []
    for p in lags:
        t = np.arange(p, train_end)
        A = np.column_stack([np.ones(len(t)), _lagged(series, p, t)])
        coef = np.linalg.lstsq(A, series[t], rcond=None)[0]
        v = np.arange(train_end, val_end)
        pred = np.column_stack([np.ones(len(v)), _lagged(series, p, v)]) @ coef
        errors.append(np.sqrt(np.mean((series[v] - pred) ** 2)))
    return np.array(errors)


def ar_errors_best_lag_only(series, train_end, val_end, lags):
    return lags[int(np.argmin(ar_errors_ok(series, train_end, val_end, lags)))]


@pytest.mark.parametrize("fn", [ar_errors_ok, ar_errors_normal_equations_oldest_first])
def test_ar_lag_errors_accepts_correct_answers(fn, capsys):
    C.check_ar_lag_errors(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, match",
    [
        (ar_errors_fit_on_val, "fits the AR on the validation years too"),
        (ar_errors_no_intercept, "no intercept"),
        (ar_errors_includes_target, "off by one"),
        (ar_errors_training, "TRAINING error"),
        (ar_errors_recursive, "recursively"),
        (ar_errors_common_start, "max\\(lags\\)"),
        (ar_errors_rmse, "RMSE"),
        (ar_errors_best_lag_only, r"expected \(len\(lags\),\)"),
    ],
)
def test_ar_lag_errors_names_the_mistake(fn, match):
    with pytest.raises(CheckFailed, match=match):
        C.check_ar_lag_errors(fn)
