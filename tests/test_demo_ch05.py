"""Chapter 5's claim, re-run on 3 seeds: a tanh RNN solves the adding problem at T = 10 and stays near the
1/6 baseline for T >= 50 (the same function and settings as the notebook)."""

import pytest

from rnnbook.data import ADDING_BASELINE_MSE
from rnnbook.gradients import SWEEP_LENGTHS, adding_length_sweep


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tanh_rnn_solves_short_and_fails_long_adding_problems(seed):
    pytest.importorskip("torch")
    mse = adding_length_sweep(seed=seed)
    assert set(mse) == set(SWEEP_LENGTHS)
    assert mse[10] < 0.05, f"seed {seed}: T=10 should be solved, MSE {mse[10]:.3f}"
    for T in (50, 100):
        assert mse[T] > 0.14, f"seed {seed}: T={T} should stay near the baseline {ADDING_BASELINE_MSE:.3f}, got {mse[T]:.3f}"
